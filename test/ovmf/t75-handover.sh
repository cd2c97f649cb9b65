#!/usr/bin/env bash
# x86 EFI handover protocol, forced with loader.conf `ukiboot-handover yes`: ucode.efi's kernel (Debian 6.1,
# which still carries XLF_EFI_HANDOVER_64) entered through its handover entry with our boot_params instead
# of LoadImage + StartImage + LoadFile2. A hook piece in the UKI's .initrd prints the guest's boot_params.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/t75-lib.bash"
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
# common/kernel.c must read the same facts (efi/handover.c trusts them).
json=$("$top/linux/ukiboot" inspect "$src" --json)
check_eq handover-inspect-xloadflags "$(sed -n 's/.*"xloadflags": \([0-9]*\).*/\1/p' <<<"$json")" "$xlf"
check_eq handover-inspect-offset "$(sed -n 's/.*"handover_offset": \([0-9]*\).*/\1/p' <<<"$json")" "$hoff"

# The UKI: ucode.efi's sections (.ucode stays a piece of its own), the hook appended to .initrd.
uki=$d/EFI/Linux/handover.efi
mkhook_bootparams "$w/hook.cpio"
{ uki_unpack "$src" "$w/sections" "$w/hook.cpio" && uki_pack "$w/sections" "$uki"; } ||
  { fail handover-setup "building the UKI"; exit 1; }
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
want_markers=$(plan_markers "$uki" "$w/plan.linux")
check_eq handover-markers "$(guest_value "$log" UKIBOOT-MARKERS)" "$want_markers"
check_eq handover-markers-pieces "$want_markers" "initrd ucode"
check_handover_guest handover "$log" "$w/plan.linux"
exit $(( failures > 0 ))
