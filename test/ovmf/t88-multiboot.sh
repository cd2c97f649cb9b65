#!/usr/bin/env bash
# Unikernels on the EFI twin (malformed kernels: a segment below 1 MiB, a video mode, a bad checksum, a segment
# outside the file, overlapping segments, a valid one placed on the firmware's flash). An EFI-stub unikernel stand-in (build/fixtures/ukapp.efi) from a `linux` entry gets
# its own name first in LoadOptions and reads its initrd next to it through its DeviceHandle, then returns.
# `multiboot` entries with `module` lines start the project's own Multiboot kernel
# (build/fixtures/mbkernel.elf, a stand-in for Unikraft's QEMU images) after three broken ones are refused on
# one line each (a segment in the firmware's first megabyte, a header asking for a video mode, a bad
# checksum) and the next entry is tried. The kernel prints what it was handed: the magic, the command line
# (its path first), the loader's name, the memory map's size and every module's size and CRC-32, which
# must be Python's of the files on the ESP; it leaves QEMU through isa-debug-exit (status 33). The Linux
# twin plans the same entry with the same command line.
source "$(dirname "$0")/lib.sh"
need_fixtures
w=$OVMF_WORK/multiboot; d=$(esp_new multiboot)
mkdir -p "$w" "$d/mb" "$d/loader/entries"
[ -e "$FIX/mbkernel.elf" ] || { fail multiboot-setup "build/fixtures/mbkernel.elf missing (make fixtures)"; exit 1; }
cp "$FIX"/mbkernel.elf "$FIX"/mb-low.elf "$FIX"/mb-video.elf "$FIX"/mb-bad-checksum.elf "$FIX"/mb-outside.elf \
   "$FIX"/mb-overlap.elf "$FIX"/mb-firmware.elf "$d/mb/"
# The EFI-stub unikernel stand-in: its initrd is a file next to it, found through its DeviceHandle.
mkdir -p "$d/ukapp"; cp "$FIX/ukapp.efi" "$d/ukapp/ukapp.efi"; head -c 3000 /dev/urandom > "$d/ukapp/initrd.cpio"
printf 'title EFI unikernel\nlinux /ukapp/ukapp.efi\noptions -- unikernel-app\n' > "$d/loader/entries/w-app.conf"
printf 'the first module' > "$d/mb/mod1"
head -c 70000 /dev/urandom > "$d/mb/mod2.img"
opts="-- ukiboot.multiboot=1 a=b"
printf 'title Low\nmultiboot /mb/mb-low.elf\n' > "$d/loader/entries/z-low.conf"
printf 'title Video\nmultiboot /mb/mb-video.elf\n' > "$d/loader/entries/y-video.conf"
printf 'title Checksum\nmultiboot /mb/mb-bad-checksum.elf\n' > "$d/loader/entries/x-checksum.conf"
printf 'title Outside\nmultiboot /mb/mb-outside.elf\n' > "$d/loader/entries/v-outside.conf"
printf 'title Overlap\nmultiboot /mb/mb-overlap.elf\n' > "$d/loader/entries/u-overlap.conf"
printf 'title Firmware memory\nmultiboot /mb/mb-firmware.elf\n' > "$d/loader/entries/t-firmware.conf"
printf 'title Unikernel\nmultiboot /mb/mbkernel.elf\nmodule /mb/mod1\nmodule /mb/mod2.img\noptions %s\n' "$opts" \
  > "$d/loader/entries/mb.conf"
printf 'default z-low.conf\ntimeout 0\n' > "$d/loader/loader.conf"
mkdisk "$d" "$w/disk.img" || { fail multiboot-setup "mkdisk"; exit 1; }
boot_ovmf "$w/disk.img" "$w/serial.log" -device isa-debug-exit | tee "$w/boot.out"
log=$w/serial.log

check_grep multiboot-low "$log" "ukiboot: error: z-low.conf: /mb/mb-low.elf is not a bootable Multiboot kernel: a segment's address is below 1 MiB or above 4 GiB"
check_grep multiboot-video "$log" "ukiboot: error: y-video.conf: /mb/mb-video.elf is not a bootable Multiboot kernel: its header asks for a video mode, which ukiboot does not set"
check_grep multiboot-checksum "$log" "ukiboot: error: x-checksum.conf: /mb/mb-bad-checksum.elf is not a bootable Multiboot kernel: no Multiboot header (magic and checksum) in its first 8 KiB"
check_grep multiboot-outside "$log" "ukiboot: error: v-outside.conf: /mb/mb-outside.elf is not a bootable Multiboot kernel: a segment lies outside the file"
check_grep multiboot-overlap "$log" "ukiboot: error: u-overlap.conf: /mb/mb-overlap.elf is not a bootable Multiboot kernel: two segments overlap in memory"
# Valid, but where the firmware's flash is: refused when its pages are asked for, before anything is written.
case "$(grep -a -m1 '^ukiboot: error: t-firmware.conf: ' "$log")" in
  *"the kernel's memory 0xFFE00000-0xFFE05000 is not free (the firmware uses it)"*) pass multiboot-firmware-memory ;;
  *) fail multiboot-firmware-memory "$(grep -a -m1 't-firmware.conf' "$log")" ;;
esac
for c in z-low y-video x-checksum v-outside u-overlap t-firmware; do
  [ "$(grep -ac "^ukiboot: error: $c.conf: " "$log")" = 1 ] || fail "multiboot-one-line-$c" "$(grep -ac "^ukiboot: error: $c.conf: " "$log") lines"
done
# The EFI application: its name first in LoadOptions, its initrd read from the ESP; it returns, and the
# next entry is tried.
check_eq efi-unikernel-options "$(guest_value "$log" UKAPP-OPTIONS)" "/ukapp/ukapp.efi -- unikernel-app"
got_rd=$(guest_value "$log" UKAPP-INITRD)
check_eq efi-unikernel-initrd "${got_rd,,}" \
  "$(/usr/bin/python3 -c 'import sys, zlib; b = open(sys.argv[1], "rb").read(); print(len(b), "%08x" % zlib.crc32(b))' "$d/ukapp/initrd.cpio")"
check_grep multiboot-fell-back "$log" "ukiboot: falling back to entry mb.conf"
check_eq multiboot-magic "$(guest_value "$log" MBTEST-MAGIC)" 2badb002
check_eq multiboot-cmdline "$(guest_value "$log" MBTEST-CMDLINE)" "/mb/mbkernel.elf $opts"
case "$(guest_value "$log" MBTEST-LOADER)" in ukiboot\ *) pass multiboot-loader-name ;; *) fail multiboot-loader-name "$(guest_value "$log" MBTEST-LOADER)" ;; esac
mem=$(guest_value "$log" MBTEST-MEMORY)
echo "# memory: $mem"
# (mem_upper is RAM without a gap from 1 MiB, as GRUB counts it: OVMF keeps a work area at 8 MiB.)
[[ "$mem" =~ ^([0-9]+)\ KiB\ low,\ ([0-9]+)\ KiB\ upper,\ map\ ([0-9]+)\ bytes$ ]] && [ "${BASH_REMATCH[1]}" -ge 600 ] &&
  [ "${BASH_REMATCH[2]}" -ge 1024 ] && [ "${BASH_REMATCH[3]}" -ge 48 ] && [ $(( BASH_REMATCH[3] % 24 )) -eq 0 ] &&
  pass multiboot-memory || fail multiboot-memory "'$mem'"
want=$(/usr/bin/python3 - "$d/mb/mod1" "$d/mb/mod2.img" <<'PYEOF'
import sys, zlib
for i, p in enumerate(sys.argv[1:]):
    b = open(p, "rb").read()
    print(f"{i} {len(b)} {zlib.crc32(b):08x} aligned /mb/{p.rsplit('/', 1)[1]}")
PYEOF
)
got=$(grep -a '^MBTEST-MODULE: ' "$log" | sed 's/^MBTEST-MODULE: //')
check_eq multiboot-modules "$got" "$want"
check_eq multiboot-end "$(grep -ac '^MBTEST-END' "$log")" 1
rc=$(sed -n 's/.*(qemu rc=\([0-9]*\)).*/\1/p' "$w/boot.out")
check_eq multiboot-isa-debug-exit "$rc" 33
# The Linux twin plans what the EFI program started (its command line; it cannot kexec one yet).
"$top/linux/ukiboot" plan --esp "$d" --entry mb.conf --secure-boot off --canonical > "$w/plan.linux" 2> "$w/plan.err"
check_eq multiboot-linux-twin-cmdline "$(sed -n 's/^cmdline [0-9]* //p' "$w/plan.linux")" "$(sed -n 's/^ukiboot: cmdline: //p' "$log" | tail -n1)"
# (The Linux twin's own kexec of it runs in a guest: test/vm/test-multiboot.)

# The same kernel as a UKI's .linux (Type #2, as a unikernel is signed): its .initrd is the one module, its
# .cmdline the line after the UKI's path; a second boot.
d2=$(esp_new multiboot-uki)
mkdir -p "$d2/EFI/Linux" "$d2/loader"
cp "$FIX/mb-uki.efi" "$d2/EFI/Linux/mb-uki.efi"
printf 'timeout 0\n' > "$d2/loader/loader.conf"
mkdisk "$d2" "$w/disk-uki.img" || { fail multiboot-setup "mkdisk (UKI)"; exit 1; }
boot_ovmf "$w/disk-uki.img" "$w/serial-uki.log" -device isa-debug-exit | tee "$w/boot-uki.out"
log2=$w/serial-uki.log
check_eq multiboot-uki-cmdline "$(guest_value "$log2" MBTEST-CMDLINE)" "/EFI/Linux/mb-uki.efi -- from-uki"
rd=$(uki_section "$FIX/mb-uki.efi" .initrd | /usr/bin/python3 -c 'import sys, zlib; b = sys.stdin.buffer.read(); print(len(b), "%08x" % zlib.crc32(b))')
check_eq multiboot-uki-module "$(grep -a '^MBTEST-MODULE: ' "$log2" | sed 's/^MBTEST-MODULE: //')" "0 $rd aligned .initrd"
check_eq multiboot-uki-isa-debug-exit "$(sed -n 's/.*(qemu rc=\([0-9]*\)).*/\1/p' "$w/boot-uki.out")" 33
exit $(( failures > 0 ))
