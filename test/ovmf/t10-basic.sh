#!/usr/bin/env bash
# Type #2 only: /EFI/Linux/basic.efi booted by ukiboot; command line, initrd markers and the Boot Loader
# Interface variables as the guest sees them in efivarfs.
source "$(dirname "$0")/lib.sh"
need_fixtures
w=$OVMF_WORK/basic; d=$(esp_new basic)
mkdir -p "$d/EFI/Linux"; cp "$FIX/basic.efi" "$d/EFI/Linux/"
mkdisk "$d" "$w/disk.img" || { fail basic-setup "mkdisk"; exit 1; }
boot_ovmf "$w/disk.img" "$w/serial.log"
log=$w/serial.log

banner=$(grep -a -m1 -E '^ukiboot [^: ]+$' "$log")
[ -n "$banner" ] && pass basic-banner || fail basic-banner "no 'ukiboot <version>' line"
check_grep basic-listed "$log" "ukiboot: entry 0: basic.efi [type2, uki]"
want=$(uki_section "$FIX/basic.efi" .cmdline | normalise)
check_eq basic-cmdline "$(guest_value "$log" UKIBOOT-CMDLINE)" "$want"
check_eq basic-markers "$(guest_value "$log" UKIBOOT-MARKERS)" "initrd"
check_grep basic-loadfile2 "$log" "Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path"

# Boot Loader Interface.
init=$(guest_var "$log" LoaderTimeInitUSec); exec_=$(guest_var "$log" LoaderTimeExecUSec)
if [[ "$init" =~ ^[0-9]+$ && "$exec_" =~ ^[0-9]+$ ]] && [ "$init" -gt 0 ] && [ "$init" -lt "$exec_" ]; then
  pass bli-times
else
  fail bli-times "LoaderTimeInitUSec='$init' LoaderTimeExecUSec='$exec_'"
fi
check_eq bli-entry-selected "$(guest_var "$log" LoaderEntrySelected)" "basic.efi"
# The UKI, then the automatic entry OVMF allows (its NUL separators are dropped by the guest's print).
check_eq bli-entries "$(guest_var "$log" LoaderEntries)" "basic.efiauto-reboot-to-firmware-setup"
part=$(guest_var "$log" LoaderDevicePartUUID)
check_eq bli-device-part-uuid "${part,,}" "${ESP_PARTUUID,,}"
check_eq bli-image-identifier "$(guest_var "$log" LoaderImageIdentifier)" '\EFI\BOOT\BOOTX64.EFI'
info=$(guest_var "$log" LoaderInfo)
check_eq bli-loader-info "$info" "$banner"
fwtype=$(guest_var "$log" LoaderFirmwareType)
[[ "$fwtype" =~ ^UEFI\ [0-9]+\.[0-9]+$ ]] && pass bli-firmware-type || fail bli-firmware-type "'$fwtype'"
fwinfo=$(guest_var "$log" LoaderFirmwareInfo)
[[ "$fwinfo" == "EDK II "* ]] && pass bli-firmware-info || fail bli-firmware-info "'$fwinfo'"
# LoaderFeatures / StubFeatures: little-endian UINT64s with exactly the bits doc/efi.md lists (systemd v258
# numbering): timeouts 0-1, default/one-shot 2-3, boot counting 4, sort-key 8, @saved 9, menu-disabled 13,
# multi-profile 14, Type #1 uki/uki-url 16-17; the stub's boot partition, credentials, sysexts, 3 PCRs, profiles.
check_eq bli-features "$(guest_var "$log" LoaderFeatures)" "hex:7f63030000000000"
check_eq bli-stub-features "$(guest_var "$log" StubFeatures)" "hex:ef03000000000000"
check_eq bli-stub-info "$(guest_var "$log" StubInfo)" "$info"
exit $(( failures > 0 ))
