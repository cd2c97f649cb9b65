#!/usr/bin/env bash
# The automatic choice of the x86 EFI handover protocol (no loader.conf knob): ucode.efi's Debian 6.1
# kernel made to look like a pre-5.8 one (PE MajorImageVersion 0, "5.4." version string), so the plan's
# kernel cannot fetch its initrd through LoadFile2. The default entry's copy also lacks XLF_EFI_HANDOVER_64:
# it must be refused with a one-line reason; the fallback entry boots through the handover entry.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/t75-lib.bash"
need_fixtures
w=$OVMF_WORK/handover-old; d=$(esp_new handover-old)
src=$FIX/ucode.efi
[ -e "$src" ] || { fail handover-old-setup "missing $src"; exit 1; }
mkdir -p "$d/EFI/Linux" "$d/loader"

mkhook_bootparams "$w/hook.cpio"
uki_unpack "$src" "$w/sections" "$w/hook.cpio" || { fail handover-old-setup "unpack"; exit 1; }
# Pretend to be old: MajorImageVersion (optional header + 44) 0, version string 6.1.x -> 5.4.x (same length).
# With "nohandover", also clear XLF_EFI_HANDOVER_64 (xloadflags bit 3 at 0x236).
age_kernel() {  # IN OUT [nohandover]
  "$PY" - "$@" <<'PY'
import struct, sys
k = bytearray(open(sys.argv[1], "rb").read())
lfanew = struct.unpack_from("<I", k, 0x3c)[0]
struct.pack_into("<H", k, lfanew + 24 + 44, 0)
ver = 0x200 + struct.unpack_from("<H", k, 0x20e)[0]
assert k[ver:ver + 4] == b"6.1.", k[ver:ver + 16]
k[ver:ver + 4] = b"5.4."
if len(sys.argv) > 3:
    struct.pack_into("<H", k, 0x236, struct.unpack_from("<H", k, 0x236)[0] & ~8)
open(sys.argv[2], "wb").write(k)
PY
}
cp "$w/sections/.linux" "$w/linux.orig"
{ age_kernel "$w/linux.orig" "$w/sections/.linux" nohandover && uki_pack "$w/sections" "$d/EFI/Linux/a-nohandover.efi" &&
  age_kernel "$w/linux.orig" "$w/sections/.linux" && uki_pack "$w/sections" "$d/EFI/Linux/b-old.efi"; } ||
  { fail handover-old-setup "building the UKIs"; exit 1; }
check_grep handover-old-inspect-version <("$top/linux/ukiboot" inspect "$d/EFI/Linux/b-old.efi") "Version:   5.4."
printf 'timeout 0\ndefault a-nohandover.efi\n' > "$d/loader/loader.conf"
mkdisk "$d" "$w/disk.img" || { fail handover-old-setup "mkdisk"; exit 1; }
"$top/linux/ukiboot" plan --esp "$d" --entry b-old.efi --secure-boot off --canonical > "$w/plan.linux" \
  2>"$w/plan.err" || { fail handover-old-setup "linux/ukiboot plan: $(head -c 200 "$w/plan.err")"; exit 1; }

boot_ovmf "$w/disk.img" "$w/serial.log"
log=$w/serial.log

check_grep handover-old-refused "$log" "ukiboot: error: a-nohandover.efi: cannot use the EFI handover protocol: kernel cannot fetch the initrd through LoadFile2 (Linux < 5.8) and has no 64-bit EFI handover entry"
check_grep handover-old-fallback "$log" "ukiboot: falling back to entry b-old.efi"
check_grep handover-old-chosen "$log" "ukiboot: b-old.efi: EFI handover protocol: kernel cannot fetch the initrd through LoadFile2 (Linux < 5.8)"
check_eq handover-old-entry-selected "$(guest_var "$log" LoaderEntrySelected)" "b-old.efi"
check_eq handover-old-cmdline "$(guest_value "$log" UKIBOOT-CMDLINE)" "$(uki_section "$d/EFI/Linux/b-old.efi" .cmdline | normalise)"
check_eq handover-old-markers "$(guest_value "$log" UKIBOOT-MARKERS)" "$(plan_markers "$d/EFI/Linux/b-old.efi" "$w/plan.linux")"
check_handover_guest handover-old "$log" "$w/plan.linux"
exit $(( failures > 0 ))
