#!/usr/bin/env bash
# shim and MokList: Debian's Microsoft-signed shim on OVMF with Microsoft's keys (OVMF_VARS_4M.ms.fd), a test
# key enrolled in MokList the way a user does it (mokutil --import, then MokManager; test/ovmf/make-mok-vars
# builds that variable store once and caches it). ukiboot is \EFI\BOOT\grubx64.efi beside shim, signed with
# the MOK key only: neither it nor the UKIs are trusted by db, only by shim.
#   one boot: entry a (a UKI signed by a key that is not enrolled) is refused with one line; entry b (the
#   MOK-signed UKI, Debian's kernel inside) is verified through SHIM_LOCK and boots. In the guest: Secure
#   Boot is on, MokListRT holds the test key, and the Linux twin trusts the MOK-signed UKI through
#   MokListRT (verify, and a load: the running kernel trusts Debian's kernel through shim's vendor
#   certificate), while it refuses the unenrolled one in one line.
OVMF_CODE=${OVMF_SB_CODE:-/usr/share/OVMF/OVMF_CODE_4M.secboot.fd}
source "$(dirname "$0")/lib.sh"
need_fixtures
STATIC=${UKIBOOT_STATIC:-$top/build/static/ukiboot}
[ -x "$STATIC" ] || { fail shim-setup "missing $STATIC (make static)"; exit 1; }
w=$OVMF_WORK/shim; rm -rf "$w"; mkdir -p "$w"
# A cold build drives MokManager over the serial console; should a screen get lost on the way, once more.
for attempt in 1 2; do
  mok=$("$top/test/ovmf/make-mok-vars" 2> "$w/make-mok-vars.log" | tail -n 1)
  [ -n "$mok" ] && [ -e "$mok/vars.fd" ] && break
  echo "# make-mok-vars attempt $attempt failed: $(tail -n 1 "$w/make-mok-vars.log" | head -c 200)"
done
if [ -z "$mok" ] || [ ! -e "$mok/vars.fd" ]; then
  fail shim-setup "make-mok-vars: $(tail -n 3 "$w/make-mok-vars.log" | tr '\n' ' ')"; exit 1
fi
CACHE=${UKIBOOT_CACHE:-$top/.cache}
shim=$(ls "$CACHE"/mok-vars/debs/shim-signed_*/usr/lib/shim/shimx64.efi.signed 2> /dev/null | head -n 1)
mm=$(ls "$CACHE"/mok-vars/debs/shim-helpers-amd64-signed_*/usr/lib/shim/mmx64.efi.signed 2> /dev/null | head -n 1)
[ -e "$shim" ] && [ -e "$mm" ] || { fail shim-setup "shim or MokManager not in $CACHE/mok-vars/debs"; exit 1; }
OVMF_VARS=$mok/vars.fd
eval "lib_$(declare -f ovmf_qemu_args)"
ovmf_qemu_args() { lib_ovmf_qemu_args "$@"; echo -machine smm=on -global driver=cfi.pflash01,property=secure,value=on; }

# The guest: static ukiboot and a hook that asks the Linux twin about both UKIs on the ESP.
mkdir -p "$w/hook/etc/ukiboot/hooks" "$w/hook/bin"
install -m 0755 "$STATIC" "$w/hook/bin/ukiboot"
cat > "$w/hook/etc/ukiboot/hooks/40-shim.sh" <<'HOOK'
v=/sys/firmware/efi/efivars
echo "SHIM-SB: $(tail -c +5 $v/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c | od -An -tu1 | tr -d ' \n')"
mokrt=$v/MokListRT-605dab50-e046-4300-abb6-3dd810dd8b23
[ -e /sys/firmware/efi/mok-variables/MokListRT ] && mokrt=/sys/firmware/efi/mok-variables/MokListRT
grep -q 'ukiboot test MOK' "$mokrt" && echo "SHIM-MOKLISTRT: has the test key" || echo "SHIM-MOKLISTRT: no"
mkdir -p /efi; mount -t vfat -o ro /dev/vda1 /efi
ukiboot verify /efi/ukis/mok.efi /efi/ukis/other.efi > /tmp/out 2> /tmp/err
echo "SHIM-VERIFY: $? $(tr '\n' '|' < /tmp/out) $(tr '\n' '|' < /tmp/err)"
ukiboot load /efi/ukis/mok.efi > /dev/null 2> /tmp/err
echo "SHIM-LOAD: $? $(cat /sys/kernel/kexec_loaded) $(tr '\n' '|' < /tmp/err)"
HOOK
(cd "$w/hook" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$w/hook.cpio"
# The disk and FAT drivers (modules.cpio loads them first), then the hook.
cat "$FIX/modules.cpio" "$w/hook.cpio" > "$w/piece.cpio"
mkuki_with_piece "$w/uki.efi" "$FIX/basic.efi" "$w/piece.cpio" || { fail shim-setup "mkuki"; exit 1; }
openssl req -new -x509 -newkey rsa:2048 -nodes -keyout "$w/other.key" -out "$w/other.pem" \
  -subj "/CN=ukiboot test: not enrolled/" -days 3650 > /dev/null 2>&1 || { fail shim-setup "openssl"; exit 1; }
sign() {  # KEY CERT IN OUT
  sbsign --key "$1" --cert "$2" --output "$4" "$3" > "$w/sbsign.log" 2>&1 ||
    { fail shim-setup "sbsign $3: $(head -c 200 "$w/sbsign.log")"; exit 1; }
}

d=$(esp_new shim-boot); wb=$(dirname "$d")
mkdir -p "$d/ukis" "$d/loader/entries"
cp "$shim" "$d/EFI/BOOT/BOOTX64.EFI"
cp "$mm" "$d/EFI/BOOT/mmx64.efi"
sign "$mok/mok.key" "$mok/mok.pem" "$UKIBOOT_EFI" "$d/EFI/BOOT/grubx64.efi"
sign "$mok/mok.key" "$mok/mok.pem" "$w/uki.efi" "$d/ukis/mok.efi"
sign "$w/other.key" "$w/other.pem" "$w/uki.efi" "$d/ukis/other.efi"
printf 'title A not enrolled\nsort-key a\nuki /ukis/other.efi\n' > "$d/loader/entries/a-other.conf"
printf 'title B MOK\nsort-key b\nuki /ukis/mok.efi\n' > "$d/loader/entries/b-mok.conf"
printf 'timeout 0\n' > "$d/loader/loader.conf"
mkdisk "$d" "$wb/disk.img" || { fail shim-setup "mkdisk"; exit 1; }
boot_ovmf "$wb/disk.img" "$wb/serial.log"
log=$wb/serial.log

check_grep shim-refuses-unenrolled "$log" \
  "ukiboot: error: a-other.conf: /ukis/other.efi refused under Secure Boot: not signed by a key in db, or listed in dbx"
check_grep shim-verifies-mok-uki "$log" "ukiboot: Secure Boot: /ukis/mok.efi verified by shim"
check_eq shim-guest-secure-boot "$(guest_value "$log" SHIM-SB)" 1
check_eq shim-guest-moklistrt "$(guest_value "$log" SHIM-MOKLISTRT)" "has the test key"
v=$(guest_value "$log" SHIM-VERIFY)
case "$v" in
  "5 /efi/ukis/mok.efi: trusted: "*"ukiboot test MOK"*"other.efi: refused under Secure Boot: signed by /CN=ukiboot test: not enrolled, not a key in db or MokListRT"*)
    pass shim-linux-twin-trusts-moklistrt;;
  *) fail shim-linux-twin-trusts-moklistrt "$v";;
esac
l=$(guest_value "$log" SHIM-LOAD)
case "$l" in "0 1"*) pass shim-linux-twin-loads-mok-uki;; *) fail shim-linux-twin-loads-mok-uki "$l";; esac
