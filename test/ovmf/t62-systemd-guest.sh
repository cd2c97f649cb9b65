#!/usr/bin/env bash
# A real systemd userspace: Debian 12 with systemd as PID 1 (test/vm/make-systemd-guest, built once and
# cached), booted by ukiboot under OVMF from a Type #2 UKI made of the guest's own kernel and initramfs.
# In the guest, systemd's own tools read what ukiboot told the OS:
#   bootctl status  ukiboot is the current boot loader (LoaderInfo), its features, the ESP it came from,
#                   the current (LoaderEntrySelected) and the default entry;
#   bootctl list    ukiboot's entries (LoaderEntries) with the files they boot;
#   systemd-analyze firmware and loader times from LoaderTimeInitUSec/LoaderTimeExecUSec;
#   random seed     bootctl random-seed sets up /loader/random-seed and LoaderSystemToken in the first boot; before the
#                   second ukiboot refreshes the file and hands the kernel a LINUX_EFI_RANDOM_SEED_TABLE;
#   systemd-bless-boot the UKI carries a boot counter (debian+3.efi): ukiboot counts the boot
#                   (debian+2-1.efi, LoaderBootCountPath) and, once boot-complete.target is reached,
#                   systemd-bless-boot marks it good (debian.efi): file names read back from the host;
#   bootctl set-oneshot / set-timeout  written from the running system in the first boot, they decide the
#                   second: a 1 s countdown, the one-shot entry booted (its own command line), then gone.
#   kernel-install / systemctl kexec / boot counting to the end  the second boot installs ukiboot (the static
#                   Linux twin), its kexec unit and its kernel-install plugin (install/); the disk has an
#                   Extended Boot Loader partition mounted at /boot, where `kernel-install add` (tries 3)
#                   places a newer UKI; `systemctl kexec` soft-reboots into it (the unit loads the default
#                   again at shutdown: found on XBOOTLDR, counted). That kernel never reaches
#                   boot-complete.target (a health check that fails for it): each of its three systems
#                   kexecs again, its counter runs out (+0-3) and ukiboot boots the previous entry, as
#                   systemd-boot would; file names read back from the host.
#   bootctl set-default / set-timeout menu-force / systemctl reboot --boot-loader-entry=  from that system:
#                   `ukiboot list` follows the new default; the next boot (firmware again) finds the
#                   XBOOTLDR entry itself, shows the menu without a countdown, the one-shot entry selected
#                   over the saved default.
# Both boots use the SMM build of OVMF (plain variable store, Secure Boot off): its variable store takes
# the running system's writes, which the non-SMM build refuses.
source "$(dirname "$0")/lib.sh"
need_fixtures
OVMF_TIMEOUT=${OVMF_SD_TIMEOUT:-400}
OVMF_CODE=${OVMF_SMM_CODE:-/usr/share/OVMF/OVMF_CODE_4M.secboot.fd}
eval "lib_$(declare -f ovmf_qemu_args)"
ovmf_qemu_args() { lib_ovmf_qemu_args "$@"; echo -machine smm=on -global driver=cfi.pflash01,property=secure,value=on; }
ROOT_PARTUUID=6e1f2c3d-4b5a-4f69-8e7d-0c1b2a394857
XBOOTLDR_PARTUUID=8d3f1a2b-6c4e-4f5a-9b7c-1e2d3c4b5a69      # the guest's fstab mounts it at /boot
XBOOTLDR_TYPE=bc13c2ff-59e6-4262-a352-b275fd6f7172

if ! guest=$("$top/test/vm/make-systemd-guest" | tail -n 1) || [ ! -e "$guest/done" ]; then
  fail sdguest-image "test/vm/make-systemd-guest failed"; exit 1
fi
w=$OVMF_WORK/sdguest; d=$(esp_new sdguest)
mkdir -p "$d/EFI/Linux" "$d/loader/entries"
printf 'root=PARTUUID=%s rw console=ttyS0 loglevel=4 panic=-1' "$ROOT_PARTUUID" > "$w/cmdline"
"$PY" "$top/test/fixtures/mkuki.py" "$STUB" "$d/EFI/Linux/debian+3.efi" .osrel="$guest/os-release" \
  .cmdline="$w/cmdline" .linux="$guest/vmlinuz" .initrd="$guest/initrd.img" > /dev/null ||
  { fail sdguest-uki "mkuki.py failed"; exit 1; }
# A second entry, so the list and the default are worth checking; it is never booted. A third, the same UKI
# with its own command line, is what the first boot's `bootctl set-oneshot` picks for the second (by the
# name systemd-bless-boot gives the UKI in the first boot).
printf 'title Other\nsort-key zz\nlinux /vmlinuz-other\n' > "$d/loader/entries/other.conf"
printf 'MZ' > "$d/vmlinuz-other"        # there (an entry whose kernel is missing is hidden), never booted
printf 'title Second\nsort-key zz\nuki /EFI/Linux/debian.efi\noptions %s ukiboot.boot=second\n' "$(cat "$w/cmdline")" \
  > "$d/loader/entries/second.conf"
printf 'timeout 0\n' > "$d/loader/loader.conf"
# What the second boot installs, and the UKI it hands to kernel-install (its own command line).
cp "$top/build/static/ukiboot" "$top/install/ukiboot-kexec.service" "$top/install/90-ukiboot.install" "$d/" ||
  { fail sdguest-install-files "build/static/ukiboot or install/ missing"; exit 1; }
printf '%s ukiboot.boot=kernel-install' "$(cat "$w/cmdline")" > "$w/cmdline-ki"
# A newer release than the installed UKI (IMAGE_VERSION 13 over VERSION "12 (bookworm)"): it sorts first.
{ cat "$guest/os-release"; echo "IMAGE_VERSION=13"; } > "$w/os-release-ki"
"$PY" "$top/test/fixtures/mkuki.py" "$STUB" "$d/ki.efi" .osrel="$w/os-release-ki" \
  .cmdline="$w/cmdline-ki" .linux="$guest/vmlinuz" .initrd="$guest/initrd.img" > /dev/null ||
  { fail sdguest-uki "mkuki.py failed"; exit 1; }
# The check service runs inside boot-up; systemd-analyze needs it finished, so that part comes a moment later
# from a transient timer.
cat > "$d/ukiboot-check.sh" <<'EOF'
if [ -e /efi/fourth-boot ]; then
        echo "SDG4-CMDLINE: $(cat /proc/cmdline)"
        ls /sys/firmware/efi/efivars | grep -c '^LoaderEntryOneShot-' | sed 's/^/SDG4-ONESHOT-LEFT: /'
        echo "SDG4-END"
        systemctl poweroff
        exit 0
fi
if grep -q 'ukiboot.boot=kernel-install' /proc/cmdline; then
        # The new kernel: its health check fails, boot-complete.target is never reached, nothing blesses it.
        echo "SDGB-RUN: $(ls /boot/EFI/Linux | tr '\n' ' ')| $(systemctl is-failed ukiboot-health.service) $(systemctl is-active boot-complete.target)"
        echo "SDGB-END"
        systemctl kexec 2>&1 | sed 's/^/SDGB-KEXEC: /'
        exit 0
fi
if [ -e /efi/third-boot ]; then
        echo "SDG3-CMDLINE: $(cat /proc/cmdline)"
        ls /boot/EFI/Linux | sed 's/^/SDG3-XBOOTLDR: /'
        bootctl list --no-pager 2>&1 | grep -E 'title:|id:' | sed 's/^/SDG3-LIST: /'
        bootctl set-default other.conf 2>&1 | sed 's/^/SDG3-SET: /'
        ukiboot list 2>&1 | sed 's/^/SDG3-UKILIST: /'
        # The next boot as a person asks for it: always the menu, and this entry once (logind writes
        # LoaderEntryOneShot); a firmware reboot, the unit's stop loads nothing.
        bootctl set-timeout menu-force 2>&1 | sed 's/^/SDG3-SET: /'
        touch /efi/fourth-boot && sync
        echo "SDG3-END"
        systemctl reboot --boot-loader-entry=second.conf 2>&1 | sed 's/^/SDG3-REBOOT: /'
        exit 0
fi
if [ -e /efi/second-boot ]; then
        echo "SDG2-CMDLINE: $(cat /proc/cmdline)"
        echo "SDG2-SEED: $(sha256sum < /efi/loader/random-seed 2>&1 | cut -c1-64) $(dmesg | grep -c '^\[ *[0-9.]*\] efi: .* RNG=0x')"
        ls /sys/firmware/efi/efivars | grep -c '^LoaderEntryOneShot-' | sed 's/^/SDG2-ONESHOT-LEFT: /'
        bootctl list --no-pager 2>&1 | grep 'title:' | sed 's/^/SDG2-LIST: /'
        # ukiboot as a package installs it: the binary, the kexec unit, the kernel-install plugin.
        install -m 0755 /efi/ukiboot /usr/bin/ukiboot
        install -m 0644 /efi/ukiboot-kexec.service /etc/systemd/system/ukiboot-kexec.service
        mkdir -p /etc/kernel/install.d
        install -m 0755 /efi/90-ukiboot.install /etc/kernel/install.d/90-ukiboot.install
        # Fedora's layout: kernels on the Extended Boot Loader partition, counted from their first boot.
        printf 'layout=uki\nBOOT_ROOT=/boot\n' > /etc/kernel/install.conf
        echo 3 > /etc/kernel/tries
        # A health check, as fleets write them: this kernel (its command line says which) is broken.
        cat > /etc/systemd/system/ukiboot-health.service <<'UNIT'
[Unit]
Description=Health check of the new kernel
Before=boot-complete.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c '! grep -q ukiboot.boot=kernel-install /proc/cmdline'
[Install]
RequiredBy=boot-complete.target
WantedBy=multi-user.target
UNIT
        systemctl enable ukiboot-health.service 2>&1 | grep -v 'Created symlink' | sed 's/^/SDG2-UNIT: /'
        systemctl daemon-reload
        systemctl enable --now ukiboot-kexec.service 2>&1 | sed 's/^/SDG2-UNIT: /'
        echo "SDG2-PRELOADED: $(cat /sys/kernel/kexec_loaded) $(systemctl is-active ukiboot-kexec.service)"
        kernel-install --verbose add 6.1.0-ukiboot-test /efi/ki.efi 2>&1 | sed 's/^/SDG2-KI: /'
        echo "SDG2-KI-RC: $?"
        ls /boot/EFI/Linux | sed 's/^/SDG2-UKIS: /'
        rm -f /efi/ki.efi
        ukiboot list 2>&1 | sed 's/^/SDG2-UKILIST: /'
        touch /efi/third-boot && sync
        echo "SDG2-END"
        systemctl kexec 2>&1 | sed 's/^/SDG2-KEXEC: /'
        exit 0
fi
echo "SDG-BEGIN"
bootctl status --no-pager 2>&1 | sed 's/^/SDG-STATUS: /'
bootctl list --no-pager 2>&1 | sed 's/^/SDG-LIST: /'
systemd-run --quiet --on-active=1s --unit=ukiboot-late /bin/sh /efi/ukiboot-late.sh
EOF
cat > "$d/ukiboot-late.sh" <<'EOF'
systemctl is-system-running --wait > /dev/null 2>&1
systemd-analyze 2>&1 | sed 's/^/SDG-ANALYZE: /' > /dev/ttyS0
/lib/systemd/systemd-bless-boot status 2>&1 | sed 's/^/SDG-BLESS: /' > /dev/ttyS0
v=/sys/firmware/efi/efivars/LoaderBootCountPath-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f
# efivarfs files report size 0: read through a pipe, then drop the 4 attribute bytes.
printf 'SDG-COUNTPATH: %s\n' "$(cat "$v" 2> /dev/null | tail -c +5 | tr -d '\000')" > /dev/ttyS0
ls /efi/EFI/Linux | sed 's/^/SDG-UKIS: /' > /dev/ttyS0
# The random seed, set up with systemd's tool: the seed file and LoaderSystemToken (bootctl 252 writes no token
# in a VM unless told to: the variable store of a VM usually travels with its disk).
SYSTEMD_WRITE_SYSTEM_TOKEN=1 bootctl random-seed 2>&1 | sed 's/^/SDG-RANDOM: /' > /dev/ttyS0
echo "SDG-SEED: $(sha256sum < /efi/loader/random-seed 2>&1 | cut -c1-64) $(ls /sys/firmware/efi/efivars | grep -c '^LoaderSystemToken-')" > /dev/ttyS0
bootctl set-oneshot second.conf 2>&1 | sed 's/^/SDG-SET: /' > /dev/ttyS0
bootctl set-timeout 1 2>&1 | sed 's/^/SDG-SET: /' > /dev/ttyS0
touch /efi/second-boot && sync
echo "SDG-END" > /dev/ttyS0
systemctl poweroff
EOF

# GPT: the ESP and an empty XBOOTLDR (mtools) and the guest's root file system, each at a fixed partition GUID.
esp_mib=256 xb_mib=96
root_mib=$(( ($(stat -c %s "$guest/rootfs.ext4") + 1048575) / 1048576 ))
img=$w/disk.img
rm -f "$img"; truncate -s "$((1 + esp_mib + xb_mib + root_mib + 1))M" "$img"
sgdisk -n "1:2048:+${esp_mib}M" -t 1:ef00 -c 1:ESP -u "1:$ESP_PARTUUID" \
       -n "3:0:+${xb_mib}M" -t "3:$XBOOTLDR_TYPE" -c 3:XBOOTLDR -u "3:$XBOOTLDR_PARTUUID" \
       -n 2:0:0 -t 2:8304 -c 2:root -u "2:$ROOT_PARTUUID" "$img" > /dev/null ||
  { fail sdguest-disk "sgdisk"; exit 1; }
xb_at="$img@@$((1 + esp_mib))M"
mformat -i "$img@@1M" -T $((esp_mib * 2048)) -h 1 -s 63 -H 2048 -F -v ESP :: > /dev/null &&
  mformat -i "$xb_at" -T $((xb_mib * 2048)) -h 1 -s 63 -H 2048 -F -v XBOOTLDR :: > /dev/null &&
  (cd "$d" && for f in *; do mcopy -s -Q -i "$img@@1M" "$f" ::/ || exit 1; done) &&
  dd if="$guest/rootfs.ext4" of="$img" bs=1M seek=$((1 + esp_mib + xb_mib)) conv=notrunc status=none ||
  { fail sdguest-disk "mtools/dd"; exit 1; }

boot_ovmf "$img" "$w/serial.log"
log=$w/serial.log
ukis=$(mdir -b -i "$img@@1M" ::/EFI/Linux 2> /dev/null | sed 's|.*/||' | tr '\n' ' ')
OVMF_KEEP_VARS=1 boot_ovmf "$img" "$w/serial2.log"
log2=$w/serial2.log
xb_ukis=$(mdir -b -i "$xb_at" ::/EFI/Linux 2> /dev/null | sed 's|.*/||' | tr '\n' ' ')
# The fourth system, after the third's `systemctl reboot --boot-loader-entry=second.conf` and `bootctl
# set-timeout menu-force`: the menu waits with the one-shot entry selected; Enter boots it.
OVMF_KEEP_VARS=1 boot_ovmf_driven "$img" "$w/serial4.log" '> Second' '\r'
log4=$w/serial4.log
# Every write of the three systems (the counter renames, the seed file, bless-boot, kernel-install) left a
# clean FAT behind.
dd if="$img" of="$w/esp-part.img" bs=1M skip=1 count="$esp_mib" status=none
dd if="$img" of="$w/xb-part.img" bs=1M skip=$((1 + esp_mib)) count="$xb_mib" status=none
if fsck.fat -n "$w/esp-part.img" > "$w/fsck.log" 2>&1 && fsck.fat -n "$w/xb-part.img" >> "$w/fsck.log" 2>&1; then
  esp_clean=1; else esp_clean=0; fi
rm -f "$img" "${img%.img}.vars.fd" "$w/esp-part.img" "$w/xb-part.img"
if ! grep -aq '^SDG-END' "$log"; then
  fail sdguest-booted "systemd did not reach the check service (last lines: $(tail -n 5 "$log" | tr '\n' '|'))"
  exit 1
fi
pass "sdguest-booted (systemd ran /efi/ukiboot-check.sh)"
st() { grep -a '^SDG-STATUS: ' "$log" | sed 's/^SDG-STATUS: //'; }
sed -n 's/^SDG-\(STATUS\|LIST\|ANALYZE\): /# \1 /p' "$log" | head -n 60

banner=$(grep -a -m1 '^ukiboot ' "$log" | tr -d '\r')
st | grep -q "Product: $banner" && pass "sdguest-bootctl-product ($banner)" ||
  fail sdguest-bootctl-product "bootctl status does not name '$banner' as the boot loader"
# The features bootctl shows as supported are the LoaderFeatures/StubFeatures bits ukiboot sets.
for f in "Boot counting" "Support for passing random seed to OS" "Menu timeout control" "One-shot menu timeout control" "Default entry control" \
         "One-shot entry control" "Support Type #1 sort-key field" "Support @saved pseudo-entry" \
         "Boot loader sets ESP information" "Picks up credentials from boot partition" "Support for XBOOTLDR partition"; do
  st | grep -q "✓ $f" || { fail sdguest-bootctl-features "bootctl status does not show '✓ $f'"; f=; break; }
done
[ -n "$f" ] && pass "sdguest-bootctl-features (ukiboot's LoaderFeatures/StubFeatures as bootctl reads them)"
st | grep -q "ESP: /dev/disk/by-partuuid/${ESP_PARTUUID,,}" && pass sdguest-bootctl-esp ||
  fail sdguest-bootctl-esp "$(st | grep -m1 'ESP:' || echo 'no ESP line')"
# bootctl list: both entries in ukiboot's order; the one ukiboot booted is the default and the selected one.
ids=$(grep -a '^SDG-LIST: *id: ' "$log" | sed 's/.*id: //' | tr '\n' ' ')
check_eq sdguest-bootctl-list-ids "$ids" "debian.efi second.conf other.conf auto-reboot-to-firmware-setup "
grep -aq '^SDG-LIST: *title: Debian GNU/Linux 12 (bookworm) (default) (selected)' "$log" &&
  pass sdguest-bootctl-current-entry || fail sdguest-bootctl-current-entry "$(grep -a -m1 '^SDG-LIST: *title' "$log")"
grep -a '^SDG-ANALYZE: ' "$log" | grep -q '(firmware) + .*(loader) + .*(kernel)' && pass sdguest-analyze-times ||
  fail sdguest-analyze-times "$(grep -a -m1 '^SDG-ANALYZE: ' "$log")"
# Boot counting with systemd's own blessing: counted by ukiboot before the start, blessed by the OS.
check_eq sdguest-count-path "$(grep -a -m1 '^SDG-COUNTPATH: ' "$log" | sed 's/^[^:]*: //')" \
  '\EFI\Linux\debian+2-1.efi'
check_grep sdguest-ukiboot-counted "$log" "ukiboot: debian.efi: counting this boot: /EFI/Linux/debian+3.efi -> debian+2-1.efi"
check_eq sdguest-bless-status "$(grep -a -m1 '^SDG-BLESS: ' "$log" | sed 's/^SDG-BLESS: //')" "good"
check_eq sdguest-blessed-on-esp "$ukis" "debian.efi "
# The second boot, as the first boot's bootctl set it up.
check_eq sdguest-set-clean "$(grep -a '^SDG-SET: ' "$log" | tr '\n' '|')" ""
if grep -aq '^SDG2-END' "$log2"; then
  pass sdguest-second-boot
  check_grep sdguest-timeout-from-bootctl "$log2" "Boot in 1 s."
  # The random seed: systemd's tools set it up in the first boot, ukiboot refreshed the file before the second
  # and handed the kernel a seed table (the kernel lists it as RNG= among the EFI tables).
  read -r seed1 token1 <<< "$(grep -a -m1 '^SDG-SEED: ' "$log" | sed 's/^[^:]*: //')"
  read -r seed2 rng2 <<< "$(grep -a -m1 '^SDG2-SEED: ' "$log2" | sed 's/^[^:]*: //')"
  if [[ $seed1 =~ ^[0-9a-f]{64}$ ]] && [ "${token1:-0}" = 1 ] && [[ $seed2 =~ ^[0-9a-f]{64}$ ]] && [ "$seed1" != "$seed2" ] &&
     [ "${rng2:-0}" -ge 1 ] && grep -aq '^ukiboot: random seed: \\loader\\random-seed refreshed' "$log2"; then
    pass "sdguest-random-seed (file refreshed ${seed1:0:8} -> ${seed2:0:8}, the kernel saw RNG=)"
  else fail sdguest-random-seed "first boot: seed ${seed1:-?} token ${token1:-?}; second: seed ${seed2:-?} RNG lines ${rng2:-?}"; fi
  case "$(grep -a -m1 '^SDG2-CMDLINE: ' "$log2")" in *" ukiboot.boot=second") pass sdguest-oneshot-booted ;;
    *) fail sdguest-oneshot-booted "$(grep -a -m1 '^SDG2-CMDLINE: ' "$log2")" ;; esac
  check_eq sdguest-oneshot-used-up "$(grep -a -m1 '^SDG2-ONESHOT-LEFT: ' "$log2" | sed 's/^[^:]*: //')" 0
  grep -aq '^SDG2-LIST: .*title: Second (selected)' "$log2" && pass sdguest-bootctl-second-selected ||
    fail sdguest-bootctl-second-selected "$(grep -a '^SDG2-LIST: ' "$log2" | tr '\n' '|')"
  # The package's pieces at work: the kexec unit, the kernel-install plugin onto XBOOTLDR, systemctl kexec.
  check_eq sdguest-kexec-unit-preloaded "$(grep -a -m1 '^SDG2-PRELOADED: ' "$log2" | sed 's/^[^:]*: //')" "1 active"
  check_eq sdguest-kernel-install-rc "$(grep -a -m1 '^SDG2-KI-RC: ' "$log2" | sed 's/^[^:]*: //')" 0
  mid=$(grep -a -m1 '^SDG2-UKIS: .*-6\.1\.0-ukiboot-test+3\.efi$' "$log2" | sed 's/^SDG2-UKIS: //; s/-6\.1\.0-ukiboot-test+3\.efi$//')
  new=$mid-6.1.0-ukiboot-test
  [[ $mid =~ ^[0-9a-f]{32}$ ]] && pass "sdguest-kernel-install-placed (XBOOTLDR: EFI/Linux/$new+3.efi)" ||
    fail sdguest-kernel-install-placed "$(grep -a '^SDG2-\(KI\|UKIS\): ' "$log2" | tr '\n' '|')"
  check_eq sdguest-units-clean "$(grep -a '^SDG2-UNIT: ' "$log2" | grep -v 'Created symlink' | tr '\n' '|')" ""
  # The Linux twin found /boot as XBOOTLDR by itself (udev's partition type) and puts the newer UKI first.
  grep -aq "^SDG2-UKILIST: \* *$new\.efi .*\[type 2 on XBOOTLDR, uki " "$log2" && pass sdguest-linux-twin-xbootldr-default ||
    fail sdguest-linux-twin-xbootldr-default "$(grep -a '^SDG2-UKILIST: ' "$log2" | tr '\n' '|')"
  # Three systems of the new kernel, each kexec'd by the unit's counted load, none blessed.
  runs=$(grep -a '^SDGB-RUN: ' "$log2" | sed 's/^SDGB-RUN: //' | tr '\n' '/')
  check_eq sdguest-bad-kernel-runs "$runs" \
    "$new+2-1.efi | failed inactive/$new+1-2.efi | failed inactive/$new+0-3.efi | failed inactive/"
  for c in +2-1 +1-2 +0-3; do
    grep -aq "ukiboot: warning: $new.efi: boot counted: /EFI/Linux/$new$c.efi" "$log2" ||
      { fail sdguest-counted-by-kexec-unit "no 'boot counted' line for $new$c.efi"; c=; break; }
  done
  [ -n "$c" ] && pass "sdguest-counted-by-kexec-unit (each soft reboot counted on XBOOTLDR)"
  if grep -aq '^SDG3-END' "$log2"; then
    pass "sdguest-systemctl-kexec (six systems in the same machine)"
    # Tries used up: the entry is bad, sorts last, and the previous one boots (debian.efi's own command line).
    check_eq sdguest-bad-falls-back "$(grep -a -m1 '^SDG3-CMDLINE: ' "$log2" | sed 's/^[^:]*: //')" "$(cat "$w/cmdline")"
    tac "$log2" | sed '/^SDGB-END/q' | grep -aq "ukiboot: loaded /efi/EFI/Linux/debian\.efi" &&
      pass sdguest-bad-kexec-loads-previous || fail sdguest-bad-kexec-loads-previous "$(grep -a 'ukiboot: loaded' "$log2" | tail -n 1)"
    check_eq sdguest-bad-on-xbootldr "$xb_ukis" "$new+0-3.efi "
    grep -aq "^SDG3-UKILIST: \* *other\.conf " "$log2" && pass sdguest-set-default-followed ||
      fail sdguest-set-default-followed "$(grep -a '^SDG3-UKILIST: ' "$log2" | tr '\n' '|')"
    # The third system reboots: the unit's stop sees no kexec coming and loads nothing.
    check_eq sdguest-reboot-loads-nothing "$(sed -n '/^SDG3-END/,$p' "$log2" | grep -ac 'ukiboot: loaded')" 0
    check_eq sdguest-reboot-entry-clean "$(grep -a '^SDG3-\(SET\|REBOOT\): ' "$log2" | tr '\n' '|')" ""
    if grep -aq '^SDG4-END' "$log4"; then
      pass "sdguest-fourth-boot (after systemctl reboot --boot-loader-entry=second.conf)"
      grep -aq 'Boot in' "$log4" && fail sdguest-menu-force "a countdown was shown" ||
        pass "sdguest-menu-force (bootctl set-timeout menu-force: the menu, no countdown)"
      case "$(grep -a -m1 '^SDG4-CMDLINE: ' "$log4")" in *" ukiboot.boot=second") pass sdguest-reboot-to-entry ;;
        *) fail sdguest-reboot-to-entry "$(grep -a -m1 '^SDG4-CMDLINE: ' "$log4")" ;; esac
      check_eq sdguest-reboot-oneshot-used-up "$(grep -a -m1 '^SDG4-ONESHOT-LEFT: ' "$log4" | sed 's/^[^:]*: //')" 0
      # The EFI program found the XBOOTLDR partition itself (the firmware's partition driver) and lists the
      # bad entry from it last; the saved default is marked.
      check_grep sdguest-efi-xbootldr-found "$log4" "ukiboot: XBOOTLDR partition found"
      grep -aq "ukiboot: entry [0-9]*: $new\.efi \[type2, uki, xbootldr\]" "$log4" && pass sdguest-efi-xbootldr-entry ||
        fail sdguest-efi-xbootldr-entry "$(grep -a 'ukiboot: entry ' "$log4" | tr '\n' '|')"
      last=$(grep -a 'ukiboot: entry [0-9]*: ' "$log4" | grep -v 'auto-' | tail -n 1)
      [[ $last == *"$new.efi"* ]] && pass "sdguest-efi-bad-sorted-last" || fail sdguest-efi-bad-sorted-last "$last"
      check_grep sdguest-menu-default-marked "$log4" "Other (default)"
    else
      fail sdguest-fourth-boot "no fourth system (last lines: $(tail -n 6 "$log4" | tr '\n' '|'))"
    fi
  else
    fail sdguest-systemctl-kexec "no system after the bad kernel (last lines: $(tail -n 6 "$log2" | tr '\n' '|'))"
  fi
else
  fail sdguest-second-boot "the second boot did not reach the check (last lines: $(tail -n 4 "$log2" | tr '\n' '|'))"
fi
[ "$esp_clean" = 1 ] && pass sdguest-esp-fsck-clean ||
  fail sdguest-esp-fsck-clean "$(grep -v '^fsck.fat\|^/' "$w/fsck.log" | head -n 3 | tr '\n' ' ')"
exit $(( failures > 0 ))
