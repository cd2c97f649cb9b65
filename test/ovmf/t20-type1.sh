#!/usr/bin/env bash
# Type #1 entry `uki` + `options`: options replace the embedded .cmdline (Secure Boot off). The entry and its
# UKI live on an Extended Boot Loader partition beside the ESP (Fedora's layout: loader.conf on the ESP,
# entries on /boot). The guest prints UkibootPlan, which must equal the plan the Linux twin builds for the
# same partitions and entry.
source "$(dirname "$0")/lib.sh"
need_fixtures
w=$OVMF_WORK/type1; d=$(esp_new type1); x=$w/xbootldr
mkdir -p "$d/loader" "$x/ukis" "$x/loader/entries"
mkhook_plan "$w/hook-plan.cpio"
mkuki_with_piece "$x/ukis/hook.efi" "$FIX/basic.efi" "$w/hook-plan.cpio" || { fail type1-setup "mkuki"; exit 1; }
opts="console=ttyS0 panic=-1 loglevel=4 ukiboot.test=type1  quoted=\"a b\""
printf 'title Type 1 with options\nuki /ukis/hook.efi\noptions %s\n' "$opts" > "$x/loader/entries/t1.conf"
printf 'default t1.conf\ntimeout 0\n' > "$d/loader/loader.conf"
mkdisk "$d" "$w/disk.img" "$x" || { fail type1-setup "mkdisk"; exit 1; }
boot_ovmf "$w/disk.img" "$w/serial.log"
log=$w/serial.log

check_eq type1-options-cmdline "$(guest_value "$log" UKIBOOT-CMDLINE)" "$(printf '%s' "$opts" | normalise)"
check_eq type1-markers "$(guest_value "$log" UKIBOOT-MARKERS)" "initrd"
# timeout 0: hidden menu, nothing drawn unless a key is pressed.
grep -qa "Boot in" "$log" && fail type1-hidden-menu "menu was drawn with timeout 0" || pass type1-hidden-menu
check_eq type1-entry-selected "$(guest_var "$log" LoaderEntrySelected)" "t1.conf"
check_grep type1-xbootldr-found "$log" "ukiboot: XBOOTLDR partition found"
check_grep type1-xbootldr-entry "$log" "ukiboot: entry 0: t1.conf [type1, uki, xbootldr]"

# The twins' promise: the plan the EFI side executed is the plan linux/ukiboot computes.
got=$(guest_value "$log" UKIBOOT-PLAN-SHA256)
if [ -x "$top/linux/ukiboot" ]; then
  "$top/linux/ukiboot" plan --esp "$d" --xbootldr "$x" --entry t1.conf --secure-boot off --canonical > "$w/plan.linux" 2>"$w/plan.err"
  grep -qx 'partition xbootldr' "$w/plan.linux" && pass type1-plan-names-xbootldr ||
    fail type1-plan-names-xbootldr "$(head -n 3 "$w/plan.linux" | tr '\n' '|')"
  # linux/ukiboot ends its output with a newline; the variable holds the canonical bytes as they are.
  want=$(sha256sum < "$w/plan.linux" | cut -d' ' -f1)
  want_nonl=$(perl -pe 'chomp if eof' "$w/plan.linux" | sha256sum | cut -d' ' -f1)
  if [ -s "$w/plan.linux" ] && { [ "$got" = "$want" ] || [ "$got" = "$want_nonl" ]; }; then
    pass type1-plan-equals-linux-twin
  else
    grep -a "^UKIBOOT-PLAN: " "$log" | sed 's/^UKIBOOT-PLAN: //' > "$w/plan.guest"
    fail type1-plan-equals-linux-twin "guest $got, linux/ukiboot $want_nonl ($(head -c 200 "$w/plan.err"); see $w/plan.guest)"
  fi
else
  skip type1-plan-equals-linux-twin "linux/ukiboot not built"
fi
exit $(( failures > 0 ))
