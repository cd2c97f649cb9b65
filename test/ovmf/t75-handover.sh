#!/usr/bin/env bash
# x86 EFI handover protocol, forced with loader.conf `ukiboot-handover yes`: ucode.efi's kernel (Debian 6.1,
# which still carries XLF_EFI_HANDOVER_64) entered through its handover entry with our boot_params instead
# of LoadImage + StartImage + LoadFile2. A hook piece in the UKI's .initrd prints the guest's boot_params
# (type_of_loader, ramdisk_image, ramdisk_size) from /sys/kernel/boot_params/data.
source "$(dirname "$0")/lib.sh"
need_fixtures
w=$OVMF_WORK/handover; d=$(esp_new handover)
src=$FIX/ucode.efi
[ -e "$src" ] || { fail handover-setup "missing $src"; exit 1; }
mkdir -p "$d/EFI/Linux" "$d/loader"

# Precondition, read from the setup header with Python (not common/): bzImage with the 64-bit handover entry.
read -r xlf hoff < <(uki_section "$src" .linux | "$PY" -c '
import struct, sys
k = sys.stdin.buffer.read()
print(struct.unpack_from("<H", k, 0x236)[0], struct.unpack_from("<I", k, 0x264)[0])')
if (( (xlf & 8) == 0 || hoff == 0 )); then
  skip handover "kernel in $(basename "$src") has no XLF_EFI_HANDOVER_64 (xloadflags $xlf)"; exit 0
fi
# common/kernel.c must read the same facts (handover_boot trusts them).
json=$("$top/linux/ukiboot" inspect "$src" --json)
check_eq handover-inspect-xloadflags "$(sed -n 's/.*"xloadflags": \([0-9]*\).*/\1/p' <<<"$json")" "$xlf"
check_eq handover-inspect-offset "$(sed -n 's/.*"handover_offset": \([0-9]*\).*/\1/p' <<<"$json")" "$hoff"

# Hook: the boot_params the kernel received (boot.rst offsets: 0x210 type_of_loader, 0x218 ramdisk_image,
# 0x21c ramdisk_size).
hk=$(mktemp -d); mkdir -p "$hk/etc/ukiboot/hooks"
cat > "$hk/etc/ukiboot/hooks/40-bootparams.sh" <<'HOOK'
bp=/sys/kernel/boot_params/data
echo "UKIBOOT-LOADER-TYPE: $(od -j 528 -N 1 -An -tx1 $bp | tr -d ' \n')"
echo "UKIBOOT-RAMDISK-IMAGE: $(od -j 536 -N 4 -An -tx4 $bp | tr -d ' \n')"
echo "UKIBOOT-RAMDISK-SIZE: $(od -j 540 -N 4 -An -tu4 $bp | tr -d ' \n')"
HOOK
(cd "$hk" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$w/hook.cpio"
rm -rf "$hk"

# The UKI: ucode.efi's sections (.ucode stays a piece of its own), the hook appended to .initrd.
uki=$d/EFI/Linux/handover.efi
s=$w/sections; mkdir -p "$s"
for n in .osrel .cmdline .uname .linux .ucode .initrd; do uki_section "$src" "$n" > "$s/$n"; done
pad=$(( (4 - $(stat -c %s "$s/.initrd") % 4) % 4 ))
head -c "$pad" /dev/zero >> "$s/.initrd"; cat "$w/hook.cpio" >> "$s/.initrd"
args=() vma=$((0x20000))
for n in .osrel .cmdline .uname .linux .ucode .initrd; do
  args+=(--add-section "$n=$s/$n" --change-section-vma "$n=$(printf 0x%x $vma)")
  vma=$(( (vma + $(stat -c %s "$s/$n") + 0xfff) & ~0xfff ))
done
objcopy "${args[@]}" "$STUB" "$uki" || { fail handover-setup "objcopy"; exit 1; }
printf 'timeout 0\nukiboot-handover yes\n' > "$d/loader/loader.conf"
mkdisk "$d" "$w/disk.img" || { fail handover-setup "mkdisk"; exit 1; }

# The Linux twin's plan for the same ESP and entry: the oracle for pieces and sizes.
"$top/linux/ukiboot" plan --esp "$d" --entry handover.efi --secure-boot off --canonical > "$w/plan.linux" \
  2>"$w/plan.err" || { fail handover-setup "linux/ukiboot plan: $(head -c 200 "$w/plan.err")"; exit 1; }

boot_ovmf "$w/disk.img" "$w/serial.log"
log=$w/serial.log

check_grep handover-chosen "$log" "ukiboot: handover.efi: EFI handover protocol: forced by loader.conf ukiboot-handover"
check_grep handover-started "$log" "ukiboot: starting kernel of handover.efi (EFI handover protocol)"
check_eq handover-cmdline "$(guest_value "$log" UKIBOOT-CMDLINE)" "$(uki_section "$uki" .cmdline | normalise)"

# Markers expected from the plan's pieces: every /markers/ name in the UKI sections the plan lists,
# walked as concatenated newc archives with Python.
want_markers=$(awk '$1 == "initrd" && $2 == "uki" {print $3}' "$w/plan.linux" | while read -r sec; do
  uki_section "$uki" "$sec"; done | "$PY" -c '
import sys
b, o, names = sys.stdin.buffer.read(), 0, set()
while o + 110 <= len(b):
    if b[o:o + 6] != b"070701":
        o += 4; continue                      # zero padding between archives
    f = [int(b[o + 6 + 8 * i:o + 14 + 8 * i], 16) for i in range(13)]
    fsize, nsize = f[6], f[11]
    name = b[o + 110:o + 110 + nsize - 1].decode()
    o = (o + 110 + nsize + 3) & ~3
    o = (o + fsize + 3) & ~3
    if name.startswith("markers/") and name != "markers/":
        names.add(name[len("markers/"):])
print(" ".join(sorted(names)))')
check_eq handover-markers "$(guest_value "$log" UKIBOOT-MARKERS)" "$want_markers"
check_eq handover-markers-pieces "$want_markers" "initrd ucode"

if grep -qaF "Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path" "$log"; then
  fail handover-no-loadfile2 "the kernel fetched the initrd through LoadFile2"
else
  pass handover-no-loadfile2
fi
# 0xff: our (undefined) loader id; the kernel's PE entry would have written 0x21.
check_eq handover-type-of-loader "$(guest_value "$log" UKIBOOT-LOADER-TYPE)" "ff"
# The kernel got the initrd we placed: address as ukiboot logged it, size = the plan's initrd-total.
placed=$(sed -n 's/.*ukiboot: handover: .*initrd at 0x\([0-9a-fA-F]*\) .*/\1/p' "$log" | head -1)
check_eq handover-ramdisk-image "$((16#$(guest_value "$log" UKIBOOT-RAMDISK-IMAGE)))" "$((16#${placed:-0}))"
check_eq handover-ramdisk-size "$(guest_value "$log" UKIBOOT-RAMDISK-SIZE)" \
  "$(awk '$1 == "initrd-total" {print $2}' "$w/plan.linux")"

# linux/ukiboot may end its output with a newline the variable does not carry (as in t20).
got=$(guest_value "$log" UKIBOOT-PLANVAR-SHA256)
want=$(sha256sum < "$w/plan.linux" | cut -d' ' -f1)
want_nonl=$(perl -pe 'chomp if eof' "$w/plan.linux" | sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] && want_nonl=$want
check_eq handover-plan-equals-linux-twin "$got" "$want_nonl"
exit $(( failures > 0 ))
