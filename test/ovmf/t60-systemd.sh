#!/usr/bin/env bash
# Differential against systemd on the same firmware:
#  - basic.efi started directly as BOOTX64.EFI (systemd-stub does the work) vs ukiboot booting it (t10);
#  - systemd-boot choosing the same Type #1 entry with options vs ukiboot (t20), both reading it from the
#    XBOOTLDR partition. systemd-boot 252 has no `uki` key, so its entry says `efi` for the same UKI: the
#    stub then takes the options as load options.
# Compared: /proc/cmdline, initrd markers, and the Boot Loader Interface variables both loaders set.
source "$(dirname "$0")/lib.sh"
need_fixtures
ref_basic=$OVMF_WORK/basic/serial.log ref_type1=$OVMF_WORK/type1/serial.log

w=$OVMF_WORK/sd-stub; rm -rf "$w"; mkdir -p "$w/esp/EFI/BOOT"
cp "$FIX/basic.efi" "$w/esp/EFI/BOOT/BOOTX64.EFI"
mkdisk "$w/esp" "$w/disk.img" || { fail sd-stub-setup "mkdisk"; exit 1; }
boot_ovmf "$w/disk.img" "$w/serial.log"
log=$w/serial.log
if [ -s "$ref_basic" ]; then
  check_eq diff-stub-cmdline "$(guest_value "$ref_basic" UKIBOOT-CMDLINE)" "$(guest_value "$log" UKIBOOT-CMDLINE)"
  check_eq diff-stub-markers "$(guest_value "$ref_basic" UKIBOOT-MARKERS)" "$(guest_value "$log" UKIBOOT-MARKERS)"
  [ -n "$(guest_value "$log" UKIBOOT-CMDLINE)" ] && pass diff-stub-booted || fail diff-stub-booted "systemd-stub boot printed nothing"
else
  fail diff-stub "reference log $ref_basic missing (run t10-basic.sh first)"
fi

w=$OVMF_WORK/sd-boot; rm -rf "$w"; mkdir -p "$w"
cp -a "$OVMF_WORK/type1/esp" "$w/esp" 2>/dev/null && cp -a "$OVMF_WORK/type1/xbootldr" "$w/xbootldr" 2>/dev/null ||
  { fail diff-sdboot "reference ESP and XBOOTLDR of t20 missing"; exit 1; }
cp "$SDBOOT" "$w/esp/EFI/BOOT/BOOTX64.EFI"
sed -i 's|^uki |efi |' "$w/xbootldr/loader/entries/t1.conf"
mkdisk "$w/esp" "$w/disk.img" "$w/xbootldr" || { fail sd-boot-setup "mkdisk"; exit 1; }
boot_ovmf "$w/disk.img" "$w/serial.log"
log=$w/serial.log
loader=$(guest_var "$log" LoaderInfo)
[[ "$loader" == systemd-boot* ]] && pass diff-sdboot-ran || fail diff-sdboot-ran "LoaderInfo='$loader'"
check_eq diff-sdboot-cmdline "$(guest_value "$ref_type1" UKIBOOT-CMDLINE)" "$(guest_value "$log" UKIBOOT-CMDLINE)"
check_eq diff-sdboot-markers "$(guest_value "$ref_type1" UKIBOOT-MARKERS)" "$(guest_value "$log" UKIBOOT-MARKERS)"
# LoaderEntries too: the same entries, and the same automatic ones after them (auto-reboot-to-firmware-setup:
# OVMF supports it).
for v in LoaderEntries LoaderEntrySelected LoaderDevicePartUUID LoaderImageIdentifier LoaderFirmwareType LoaderFirmwareInfo; do
  check_eq "diff-sdboot-var-$v" "$(guest_var "$ref_type1" $v)" "$(guest_var "$log" $v)"
done
exit $(( failures > 0 ))
