#!/usr/bin/env bash
# Faults: every broken entry is reported on one console line and skipped; the first good one boots.
# Entries (menu order: systemd-boot sorts ids newest-first, so z.. comes first): truncated UKI, no .linux, .linux not a kernel, missing file (hidden),
# command line over the kernel's limit, then a good one (a `linux` + 2x `initrd` entry). A malformed Type #2 file is skipped at discovery.
# Boot counting on the way (systemd-boot's rule: every attempt counts, before the image is even read): the
# first broken entry and the good one carry counters; after the boot the ESP holds both renamed, fsck.fat
# finds nothing wrong, and LoaderBootCountPath names the good one's new file.
source "$(dirname "$0")/lib.sh"
need_fixtures
w=$OVMF_WORK/faults; d=$(esp_new faults)
mkdir -p "$d/ukis" "$d/loader/entries" "$d/EFI/Linux"
cp "$FIX/bad-truncated.efi" "$d/ukis/truncated.efi"
cp "$FIX/bad-nolinux.efi" "$d/ukis/nolinux.efi"
cp "$FIX/bad-notkernel.efi" "$d/ukis/notkernel.efi"
cp "$FIX/basic.efi" "$d/ukis/basic.efi"
cp "$FIX/bad-lfanew.efi" "$d/EFI/Linux/broken.efi"
ent() { printf 'title %s\nuki %s\n' "$2" "$3" > "$d/loader/entries/$1.conf"; [ -n "${4:-}" ] && echo "options $4" >> "$d/loader/entries/$1.conf"; true; }
counted() { mv "$d/loader/entries/$1.conf" "$d/loader/entries/$1$2.conf"; }
long=$(printf 'console=ttyS0 panic=-1'; for i in $(seq 1 150); do printf ' ukiboot.pad%03d=x' "$i"; done)
good="console=ttyS0 panic=-1 loglevel=4 ukiboot.test=faults-fallback"
ent z-truncated "Truncated UKI" /ukis/truncated.efi
ent y-nolinux "No .linux" /ukis/nolinux.efi
ent x-notkernel ".linux not a kernel" /ukis/notkernel.efi
ent w-missing "Missing file" /ukis/missing.efi
ent v-toolong "Command line too long" /ukis/basic.efi "$long"
# The good one is a Type #1 `linux` entry: kernel file + two initrd files served through LoadFile2.
cp "$FIX/vmlinuz" "$d/ukis/vmlinuz"; cp "$FIX/initrd.img" "$d/ukis/initrd.img"; cp "$FIX/marker-extra.cpio" "$d/ukis/extra.cpio"
printf 'title Good (linux + initrd)\nlinux /ukis/vmlinuz\ninitrd /ukis/initrd.img\ninitrd /ukis/extra.cpio\noptions %s\n' "$good" \
  > "$d/loader/entries/u-good.conf"
counted z-truncated +1
counted u-good +2
printf 'default z-truncated.conf\ntimeout 0\n' > "$d/loader/loader.conf"
mkdisk "$d" "$w/disk.img" || { fail faults-setup "mkdisk"; exit 1; }
boot_ovmf "$w/disk.img" "$w/serial.log"
log=$w/serial.log

# w-missing's UKI is not on the ESP: hidden, as systemd-boot hides it (never offered, never tried). The
# count includes OVMF's automatic "Reboot Into Firmware Interface", which no fallback ever reaches.
check_grep faults-discovery-skipped "$log" "ukiboot: 6 entries found, 1 skipped, 1 hidden (their files are missing)"
grep -aq "falling back to entry auto-" "$log" && fail faults-no-fallback-to-action "fell back to an automatic action" ||
  pass faults-no-fallback-to-action
grep -aq "w-missing.conf" "$log" && fail faults-missing-hidden "w-missing.conf was offered or tried" ||
  pass faults-missing-hidden
for e in z-truncated y-nolinux x-notkernel v-toolong; do
  line=$(grep -a -m1 "^ukiboot: error: $e.conf: " "$log")
  [ -n "$line" ] && pass "faults-reason-$e" || fail "faults-reason-$e" "no one-line reason on the console"
  echo "# $line"
done
grep -a "^ukiboot: error: v-toolong.conf: " "$log" | grep -qi "long" && pass faults-toolong-reason ||
  fail faults-toolong-reason "reason does not say the command line is too long"
check_grep faults-fell-back "$log" "ukiboot: falling back to entry u-good.conf"
check_eq faults-good-booted "$(guest_value "$log" UKIBOOT-CMDLINE)" "$good"
check_eq faults-linux-entry-markers "$(guest_value "$log" UKIBOOT-MARKERS)" "extra initrd"
check_eq faults-entry-selected "$(guest_var "$log" LoaderEntrySelected)" "u-good.conf"

# Boot counting: both attempts counted on the ESP itself (read back with mtools), the file system clean.
entries=$(mdir -b -i "$w/disk.img@@1M" ::/loader/entries 2>/dev/null | sed 's|.*/||' | sort | tr '\n' ' ')
case "$entries" in
  *"u-good+1-1.conf "*"z-truncated+0-1.conf "*) pass "faults-boot-counted ($entries)" ;;
  *) fail faults-boot-counted "entries after the boot: $entries" ;;
esac
check_grep faults-count-said "$log" "ukiboot: u-good.conf: counting this boot: /loader/entries/u-good+2.conf -> u-good+1-1.conf"
check_eq faults-boot-count-path "$(guest_var "$log" LoaderBootCountPath)" '\loader\entries\u-good+1-1.conf'
part=$w/esp-part.img
dd if="$w/disk.img" of="$part" bs=1M skip=1 status=none
if fsck.fat -n "$part" > "$w/fsck.log" 2>&1; then pass faults-esp-fsck-clean
else fail faults-esp-fsck-clean "$(grep -v '^fsck.fat\|^/' "$w/fsck.log" | head -n 3 | tr '\n' ' ')"; fi
rm -f "$part"
exit $(( failures > 0 ))
