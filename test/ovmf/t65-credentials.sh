#!/usr/bin/env bash
# Credentials and system extensions next to a UKI, differential against systemd on the same firmware:
# one ESP with /EFI/Linux/basic.efi, basic.efi.extra.d/{marker.cred,tools.raw} and /loader/credentials/
# global.cred, booted A) by systemd-boot 252 (which starts the UKI, so systemd-stub packs the files) and
# B) by ukiboot. A hook in the UKI's initrd prints every path under /.extra/ with type, mode, size and
# sha256: both boots must print the same lines, and the files must hold the host files' bytes. The Linux
# twin's canonical plan for the same ESP must equal the UkibootPlan the EFI twin exported in boot B.
source "$(dirname "$0")/lib.sh"
need_fixtures
w=$OVMF_WORK/credentials; rm -rf "$w"; mkdir -p "$w"

hook=$w/hook; mkdir -p "$hook/etc/ukiboot/hooks"
cat > "$hook/etc/ukiboot/hooks/40-extra.sh" <<'HOOK'
if [ -d /.extra ]; then
  find /.extra | LC_ALL=C sort | while read -r f; do
    if [ -d "$f" ]; then
      echo "UKIBOOT-EXTRA: d $(stat -c %a "$f") $f"
    else
      echo "UKIBOOT-EXTRA: f $(stat -c %a "$f") $(stat -c %s "$f") $(sha256sum < "$f" | cut -d' ' -f1) $f"
    fi
  done
else
  echo "UKIBOOT-EXTRA: none"
fi
HOOK
(cd "$hook" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$w/hook.cpio"
mkuki_with_piece "$w/basic.efi" "$FIX/basic.efi" "$w/hook.cpio" || { fail cred-setup "mkuki_with_piece"; exit 1; }

# The shared tree: what both loaders see besides themselves. An odd-sized file checks the padding, a
# hidden file and one with another suffix must be ignored, as must a directory named like a credential.
tree=$w/tree; mkdir -p "$tree/EFI/Linux/basic.efi.extra.d/skipped.cred" "$tree/loader/credentials"
cp "$w/basic.efi" "$tree/EFI/Linux/basic.efi"
printf 'marker credential for basic.efi\n' > "$tree/EFI/Linux/basic.efi.extra.d/marker.cred"
printf 'odd' > "$tree/EFI/Linux/basic.efi.extra.d/Another.CRED"
printf 'not a sysext image, only its bytes matter here\n' > "$tree/EFI/Linux/basic.efi.extra.d/tools.raw"
printf 'hidden\n' > "$tree/EFI/Linux/basic.efi.extra.d/.hidden.cred"
printf 'wrong suffix\n' > "$tree/EFI/Linux/basic.efi.extra.d/notes.txt"
printf 'global credential\n' > "$tree/loader/credentials/global.cred"
printf 'default basic.efi\ntimeout 0\n' > "$tree/loader/loader.conf"

# A: systemd-boot 252 starts the UKI from \EFI\Linux\basic.efi; its stub looks next to that path.
a=$w/sdboot; mkdir -p "$a"; cp -a "$tree" "$a/esp"; mkdir -p "$a/esp/EFI/BOOT"
cp "$SDBOOT" "$a/esp/EFI/BOOT/BOOTX64.EFI"
mkdisk "$a/esp" "$a/disk.img" || { fail cred-setup "mkdisk A"; exit 1; }
boot_ovmf "$a/disk.img" "$a/serial.log"
# B: ukiboot on the same tree.
b=$w/ukiboot; mkdir -p "$b"; cp -a "$tree" "$b/esp"; mkdir -p "$b/esp/EFI/BOOT"
cp "$UKIBOOT_EFI" "$b/esp/EFI/BOOT/BOOTX64.EFI"
mkdisk "$b/esp" "$b/disk.img" || { fail cred-setup "mkdisk B"; exit 1; }
boot_ovmf "$b/disk.img" "$b/serial.log"

extra() { grep -a '^UKIBOOT-EXTRA: ' "$1" | sed 's/^UKIBOOT-EXTRA: //'; }
ea=$(extra "$a/serial.log") eb=$(extra "$b/serial.log")
loader=$(guest_var "$a/serial.log" LoaderInfo)
[[ "$loader" == systemd-boot* ]] && pass cred-sdboot-ran || fail cred-sdboot-ran "LoaderInfo='$loader'"
[[ "$(guest_var "$a/serial.log" StubInfo)" == systemd-stub* ]] && pass cred-stub-ran ||
  fail cred-stub-ran "StubInfo='$(guest_var "$a/serial.log" StubInfo)'"
[ -n "$eb" ] && [ "$eb" != none ] && pass cred-ukiboot-extra || fail cred-ukiboot-extra "ukiboot's guest saw no /.extra"
if [ -n "$ea" ] && [ "$ea" == "$eb" ]; then
  pass cred-same-extra
else
  fail cred-same-extra "systemd-stub: $(echo "$ea" | tr '\n' '|') ukiboot: $(echo "$eb" | tr '\n' '|')"
fi
check_eq cred-same-cmdline "$(guest_value "$b/serial.log" UKIBOOT-CMDLINE)" "$(guest_value "$a/serial.log" UKIBOOT-CMDLINE)"
check_eq cred-same-markers "$(guest_value "$b/serial.log" UKIBOOT-MARKERS)" "$(guest_value "$a/serial.log" UKIBOOT-MARKERS)"

# Contents against the host files (an oracle independent of both loaders): path, mode, size, sha256.
want() {  # MODE HOSTFILE GUESTPATH
  echo "f $1 $(stat -c %s "$2") $(sha256sum < "$2" | cut -d' ' -f1) $3"
}
d=$tree/EFI/Linux/basic.efi.extra.d
expect=$(printf '%s\n' \
  "d 555 /.extra" \
  "d 500 /.extra/credentials" \
  "$(want 400 "$d/Another.CRED" /.extra/credentials/Another.CRED)" \
  "$(want 400 "$d/marker.cred" /.extra/credentials/marker.cred)" \
  "d 500 /.extra/global_credentials" \
  "$(want 400 "$tree/loader/credentials/global.cred" /.extra/global_credentials/global.cred)" \
  "d 555 /.extra/sysext" \
  "$(want 444 "$d/tools.raw" /.extra/sysext/tools.raw)")
check_eq cred-ukiboot-files "$eb" "$expect"
check_eq cred-stub-files "$ea" "$expect"

# The Linux twin plans the same pieces from the ESP directory.
got=$(grep -a "^UKIBOOT-PLANVAR: " "$b/serial.log" | sed 's/^UKIBOOT-PLANVAR: //')
got_sha=$(guest_value "$b/serial.log" UKIBOOT-PLANVAR-SHA256)
if [ -x "$top/linux/ukiboot" ]; then
  "$top/linux/ukiboot" plan --esp "$b/esp" --entry basic.efi --secure-boot off --canonical > "$w/plan.linux" 2>"$w/plan.err"
  want_sha=$(sha256sum < "$w/plan.linux" | cut -d' ' -f1)
  if [ -n "$got" ] && [ "$got" = "$(cat "$w/plan.linux")" ] && [ "$got_sha" = "$want_sha" ]; then
    pass cred-plan-equals-linux-twin
  else
    printf '%s\n' "$got" > "$w/plan.guest"
    fail cred-plan-equals-linux-twin "guest $got_sha, linux/ukiboot $want_sha (see $w/plan.guest, $w/plan.linux)"
  fi
  check_eq cred-plan-cpio-lines "$(grep -c '^initrd cpio ' "$w/plan.linux")" 4
else
  skip cred-plan-equals-linux-twin "linux/ukiboot not built"
fi
exit $(( failures > 0 ))
