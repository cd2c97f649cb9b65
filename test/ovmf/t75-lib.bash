# Helpers shared by the t75 handover tests (sourced after lib.sh; not a test itself: run-all only runs *.sh).

# A cpio piece whose hook prints the boot_params the kernel received (boot.rst offsets: 0x210
# type_of_loader, 0x218 ramdisk_image, 0x21c ramdisk_size) from /sys/kernel/boot_params/data.
mkhook_bootparams() {  # OUT
  local hk; hk=$(mktemp -d); mkdir -p "$hk/etc/ukiboot/hooks"
  cat > "$hk/etc/ukiboot/hooks/40-bootparams.sh" <<'HOOK'
bp=/sys/kernel/boot_params/data
echo "UKIBOOT-LOADER-TYPE: $(od -j 528 -N 1 -An -tx1 $bp | tr -d ' \n')"
echo "UKIBOOT-RAMDISK-IMAGE: $(od -j 536 -N 4 -An -tx4 $bp | tr -d ' \n')"
echo "UKIBOOT-RAMDISK-SIZE: $(od -j 540 -N 4 -An -tu4 $bp | tr -d ' \n')"
HOOK
  (cd "$hk" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$1"
  rm -rf "$hk"
}

# Extract the sections of SRC (a ucode.efi-like UKI) into DIR, the PIECE appended to .initrd (4-aligned).
uki_unpack() {  # SRC DIR PIECE
  mkdir -p "$2"
  for n in .osrel .cmdline .uname .linux .ucode .initrd; do uki_section "$1" "$n" > "$2/$n" || return 1; done
  local pad=$(( (4 - $(stat -c %s "$2/.initrd") % 4) % 4 ))
  head -c "$pad" /dev/zero >> "$2/.initrd"; cat "$3" >> "$2/.initrd"
}

# systemd's stub + the sections in DIR (objcopy, as the fixtures are made).
uki_pack() {  # DIR OUT
  local args=() vma=$((0x20000)) n
  for n in .osrel .cmdline .uname .linux .ucode .initrd; do
    args+=(--add-section "$n=$1/$n" --change-section-vma "$n=$(printf 0x%x $vma)")
    vma=$(( (vma + $(stat -c %s "$1/$n") + 0xfff) & ~0xfff ))
  done
  objcopy "${args[@]}" "$STUB" "$2"
}

# Sorted names under /markers/ in the UKI sections a canonical plan lists as initrd pieces, read as
# concatenated newc archives with Python (independent of common/cpio.c).
plan_markers() {  # UKI PLAN
  awk '$1 == "initrd" && $2 == "uki" {print $3}' "$2" | while read -r sec; do uki_section "$1" "$sec"; done |
    "$PY" -c '
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
print(" ".join(sorted(names)))'
}

# Guest checks every handover boot shares: initrd not fetched through LoadFile2, our loader id, the
# initrd at the address ukiboot logged with the plan's size, the plan equal to the Linux twin's.
check_handover_guest() {  # PREFIX LOG PLAN
  local t=$1 log=$2 plan=$3
  if grep -qaF "Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path" "$log"; then
    fail "$t-no-loadfile2" "the kernel fetched the initrd through LoadFile2"
  else
    pass "$t-no-loadfile2"
  fi
  # 0xff: our (undefined) loader id; the kernel's PE entry would have written 0x21.
  check_eq "$t-type-of-loader" "$(guest_value "$log" UKIBOOT-LOADER-TYPE)" "ff"
  local placed got_img
  placed=$(sed -n 's/.*ukiboot: handover: .*initrd at 0x\([0-9a-fA-F]*\) .*/\1/p' "$log" | head -1)
  got_img=$(guest_value "$log" UKIBOOT-RAMDISK-IMAGE)
  check_eq "$t-ramdisk-image" "$((16#${got_img:-0}))" "$((16#${placed:-1}))"
  check_eq "$t-ramdisk-size" "$(guest_value "$log" UKIBOOT-RAMDISK-SIZE)" "$(awk '$1 == "initrd-total" {print $2}' "$plan")"
  # linux/ukiboot may end its output with a newline the variable does not carry (as in t20).
  local got want want_nonl
  got=$(guest_value "$log" UKIBOOT-PLANVAR-SHA256)
  want=$(sha256sum < "$plan" | cut -d' ' -f1)
  want_nonl=$(perl -pe 'chomp if eof' "$plan" | sha256sum | cut -d' ' -f1)
  [ "$got" = "$want" ] && want_nonl=$want
  check_eq "$t-plan-equals-linux-twin" "$got" "$want_nonl"
}
