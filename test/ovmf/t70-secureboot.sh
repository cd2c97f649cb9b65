#!/usr/bin/env bash
# Secure Boot: OVMF with the snakeoil keys enrolled (db holds PkKek-1-snakeoil.pem), ukiboot and the good UKI
# signed with that key (sbsign), Debian's kernel inside the UKI signed only by Debian (not in db).
#   boot 1: a signed UKI behind a Type #1 entry with `options`: the firmware accepts the UKI, the kernel
#           inside starts although its own signature is not trusted, `options` are ignored (the embedded
#           .cmdline is locked), SecureBoot reads 1 in the guest, UkibootPlan = linux twin's plan for SB on.
#           The menu is driven over serial: 'e' says the editor is disabled, Enter boots.
#   boot 2: an unsigned UKI and a signed-then-tampered UKI listed first are refused with one-line
#           reasons; the signed one boots as the fallback, with its signed addon's words and without its
#           unsigned addon (skipped with a note).
OVMF_CODE=${OVMF_SB_CODE:-/usr/share/OVMF/OVMF_CODE_4M.secboot.fd}
OVMF_VARS=${OVMF_SB_VARS:-/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd}
source "$(dirname "$0")/lib.sh"
need_fixtures
KEY=${SB_KEY:-/usr/share/ovmf/PkKek-1-snakeoil.key}
CERT=${SB_CERT:-/usr/share/ovmf/PkKek-1-snakeoil.pem}
for f in "$OVMF_CODE" "$OVMF_VARS" "$KEY" "$CERT"; do
  [ -e "$f" ] || { skip secureboot "missing $f (ovmf package)"; exit 0; }
done
command -v sbsign >/dev/null || { fail secureboot-setup "sbsign missing (scripts/install-deps: sbsigntool)"; exit 1; }
command -v openssl >/dev/null || { fail secureboot-setup "openssl missing"; exit 1; }
# The secure-boot build of OVMF keeps its variable store in SMM: q35 with SMM and a secure pflash. Added to
# lib.sh's arguments (QEMU merges the two -machine options), for plain and serial-driven boots alike.
eval "lib_$(declare -f ovmf_qemu_args)"
ovmf_qemu_args() { lib_ovmf_qemu_args "$@"; echo -machine smm=on -global driver=cfi.pflash01,property=secure,value=on; }

w=$OVMF_WORK/secureboot; rm -rf "$w"; mkdir -p "$w"
# Debian ships the snakeoil key encrypted; its password, 'snakeoil', is in the ovmf package's README.Debian.
openssl pkey -in "$KEY" -passin pass:${SB_KEY_PASS:-snakeoil} -out "$w/db.key" 2>"$w/openssl.log" ||
  { fail secureboot-setup "cannot decrypt $KEY: $(head -c 200 "$w/openssl.log")"; exit 1; }
sign() {  # IN OUT
  sbsign --key "$w/db.key" --cert "$CERT" --output "$2" "$1" >"$w/sbsign.log" 2>&1 ||
    { fail secureboot-setup "sbsign $1: $(head -c 200 "$w/sbsign.log")"; exit 1; }
}

# Guest hooks: the canonical plan (lib.sh) and the firmware's SecureBoot/SetupMode as the kernel sees them.
mkhook_plan "$w/hook-plan.cpio"
mkdir -p "$w/hook-sb/etc/ukiboot/hooks"
cat > "$w/hook-sb/etc/ukiboot/hooks/40-secureboot.sh" <<'HOOK'
for n in SecureBoot SetupMode; do
  v=/sys/firmware/efi/efivars/$n-8be4df61-93ca-11d2-aa0d-00e098032b8c
  if [ -e "$v" ]; then echo "UKIBOOT-EFI-$n: $(tail -c +5 "$v" | od -An -tu1 | tr -d ' \n')"; else echo "UKIBOOT-EFI-$n: none"; fi
done
HOOK
(cd "$w/hook-sb" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$w/hook-sb.cpio"
cat "$w/hook-plan.cpio" "$w/hook-sb.cpio" > "$w/hooks.cpio"
mkuki_with_piece "$w/uki.efi" "$FIX/basic.efi" "$w/hooks.cpio" || { fail secureboot-setup "mkuki"; exit 1; }
sign "$w/uki.efi" "$w/uki.signed.efi"
sign "$UKIBOOT_EFI" "$w/ukiboot.signed.efi"
sbverify --cert "$CERT" "$w/uki.signed.efi" >/dev/null 2>&1 || { fail secureboot-setup "sbverify of the signed UKI"; exit 1; }
# The kernel inside must NOT be trusted by db on its own, or the test proves nothing about the waiver.
uki_section "$FIX/basic.efi" .linux > "$w/linux.efi"
if sbverify --cert "$CERT" "$w/linux.efi" >/dev/null 2>&1; then
  fail secureboot-setup "the embedded kernel verifies against the snakeoil db key by itself"; exit 1
fi
# Tampered: the signed UKI with one byte of its .cmdline changed (panic=-1 -> panic=-2): the signature no
# longer matches; booting it would run a command line nobody signed.
cp "$w/uki.signed.efi" "$w/uki.tampered.efi"
off=$(grep -abo 'panic=-1' "$w/uki.tampered.efi" | head -1 | cut -d: -f1)
printf '2' | dd of="$w/uki.tampered.efi" bs=1 seek=$((off + 7)) conv=notrunc status=none

embedded=$(uki_section "$FIX/basic.efi" .cmdline | normalise)
opts="console=ttyS0 panic=-1 ukiboot.test=options-must-be-ignored"

# ---- boot 1: signed ukiboot, signed UKI, Type #1 entry with options --------------------------------
d=$(esp_new secureboot-signed); w1=$(dirname "$d")
cp "$w/ukiboot.signed.efi" "$d/EFI/BOOT/BOOTX64.EFI"
mkdir -p "$d/ukis" "$d/loader/entries"
cp "$w/uki.signed.efi" "$d/ukis/signed.efi"
printf 'title Signed UKI with options\nuki /ukis/signed.efi\noptions %s\n' "$opts" > "$d/loader/entries/signed.conf"
printf 'default signed.conf\ntimeout 30\n' > "$d/loader/loader.conf"
mkdisk "$d" "$w1/disk.img" || { fail secureboot-setup "mkdisk"; exit 1; }
# Should the editor open after all, Enter leaves it with nothing typed: the boot goes on either way.
boot_ovmf_driven "$w1/disk.img" "$w1/serial.log" \
  'Boot in [0-9]+ s' 'e' \
  'editor disabled|edit the command line' '\r'
log=$w1/serial.log
check_grep sb-menu-editor-disabled "$log" "editor disabled: Secure Boot is on and this UKI embeds its command line"

check_eq sb-guest-secureboot-var "$(guest_value "$log" UKIBOOT-EFI-SecureBoot)" "1"
check_eq sb-guest-setupmode-var "$(guest_value "$log" UKIBOOT-EFI-SetupMode)" "0"
check_grep sb-uki-verified "$log" "ukiboot: Secure Boot: /ukis/signed.efi verified by the firmware"
check_eq sb-cmdline-is-embedded "$(guest_value "$log" UKIBOOT-CMDLINE)" "$embedded"
check_eq sb-markers "$(guest_value "$log" UKIBOOT-MARKERS)" "initrd"
check_grep sb-initrd-via-loadfile2 "$log" "Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path"
# The kernel's own EFI stub sees Secure Boot too (it runs after the waiver has been taken back).
check_grep sb-kernel-stub-sees-secure-boot "$log" "EFI stub: UEFI Secure Boot is enabled."
if grep -aiE "ukiboot: error|refused|security violation|access denied" "$log" > "$w1/failures"; then
  fail sb-no-verification-failure "$(head -c 300 "$w1/failures")"
else
  pass sb-no-verification-failure
fi
got=$(grep -a "^UKIBOOT-PLAN: " "$log" | sed 's/^UKIBOOT-PLAN: //')
if [ -x "$top/linux/ukiboot" ]; then
  "$top/linux/ukiboot" plan --esp "$d" --entry signed.conf --secure-boot on --canonical > "$w1/plan.linux" 2>"$w1/plan.err"
  want=$(cat "$w1/plan.linux")
  if [ -n "$want" ] && [ "$got" = "$want" ]; then
    pass sb-plan-equals-linux-twin
  else
    printf '%s\n' "$got" > "$w1/plan.guest"
    fail sb-plan-equals-linux-twin "see $w1/plan.guest vs $w1/plan.linux ($(head -c 200 "$w1/plan.err"))"
  fi
  # The plan records why the options were dropped (notes bit 1: options ignored under Secure Boot).
  check_eq sb-plan-notes "$(printf '%s\n' "$got" | awk '$1 == "notes" {print $2}')" "1"
else
  skip sb-plan-equals-linux-twin "linux/ukiboot not built"
fi

# ---- boot 2: unsigned and tampered UKIs first, the signed one as fallback ----------------------------
d=$(esp_new secureboot-fallback); w2=$(dirname "$d")
cp "$w/ukiboot.signed.efi" "$d/EFI/BOOT/BOOTX64.EFI"
mkdir -p "$d/ukis" "$d/loader/entries"
cp "$w/uki.efi" "$d/ukis/unsigned.efi"
cp "$w/uki.tampered.efi" "$d/ukis/tampered.efi"
cp "$w/uki.signed.efi" "$d/ukis/signed.efi"
printf 'title A unsigned\nsort-key a\nuki /ukis/unsigned.efi\n' > "$d/loader/entries/a-unsigned.conf"
printf 'title B tampered\nsort-key b\nuki /ukis/tampered.efi\n' > "$d/loader/entries/b-tampered.conf"
printf 'title C signed\nsort-key c\nuki /ukis/signed.efi\n' > "$d/loader/entries/c-signed.conf"
# Addons next to it (a stub with a .cmdline, as ukify makes them): one signed with the db key, one not.
mkdir -p "$d/ukis/signed.efi.extra.d"
for a in signed unsigned; do
  printf 'ukiboot.addon=%s' "$a" > "$w/addon-$a.txt"
  "$PY" "$top/test/fixtures/mkuki.py" "$STUB" "$w/$a.addon.efi" .cmdline="$w/addon-$a.txt" > /dev/null ||
    { fail secureboot-setup "mkuki.py addon"; exit 1; }
done
sign "$w/signed.addon.efi" "$d/ukis/signed.efi.extra.d/a-signed.addon.efi"
cp "$w/unsigned.addon.efi" "$d/ukis/signed.efi.extra.d/b-unsigned.addon.efi"
printf 'timeout 0\n' > "$d/loader/loader.conf"
mkdisk "$d" "$w2/disk.img" || { fail secureboot-setup "mkdisk"; exit 1; }
boot_ovmf "$w2/disk.img" "$w2/serial.log"
log=$w2/serial.log

check_grep sb-unsigned-refused "$log" \
  "ukiboot: error: a-unsigned.conf: /ukis/unsigned.efi refused under Secure Boot: not signed by a key in db"
check_grep sb-tampered-refused "$log" \
  "ukiboot: error: b-tampered.conf: /ukis/tampered.efi refused under Secure Boot: not signed by a key in db"
# Refused means nothing of it was used: no plan line between its refusal and the next fallback.
if awk '/falling back to entry c-signed.conf/ {exit} /ukiboot: plan:/ {found=1} END {exit !found}' "$log"; then
  fail sb-refused-not-used "a plan was built before the signed entry was reached"
else
  pass sb-refused-not-used
fi
check_grep sb-fallback-to-signed "$log" "ukiboot: falling back to entry c-signed.conf"
check_eq sb-fallback-boots-with-signed-addon "$(guest_value "$log" UKIBOOT-CMDLINE)" "$embedded ukiboot.addon=signed"
check_grep sb-unsigned-addon-skipped "$log" "ukiboot: note: c-signed.conf: b-unsigned.addon.efi skipped: refused under Secure Boot"
check_eq sb-fallback-entry-selected "$(guest_var "$log" LoaderEntrySelected)" "c-signed.conf"
exit $(( failures > 0 ))
