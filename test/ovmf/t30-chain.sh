#!/usr/bin/env bash
# `efi` entry chain-load: systemd's stub (inside basic.efi) is started by the firmware loader with our
# LoadOptions; with Secure Boot off it uses them instead of its embedded .cmdline.
source "$(dirname "$0")/lib.sh"
need_fixtures
w=$OVMF_WORK/chain; d=$(esp_new chain)
mkdir -p "$d/ukis" "$d/loader/entries"
cp "$FIX/basic.efi" "$d/ukis/stub-uki.efi"
opts="console=ttyS0 panic=-1 loglevel=4 ukiboot.test=chain"
printf 'title Chain-load\nefi /ukis/stub-uki.efi\noptions %s\n' "$opts" > "$d/loader/entries/chain.conf"
mkdisk "$d" "$w/disk.img" || { fail chain-setup "mkdisk"; exit 1; }
boot_ovmf "$w/disk.img" "$w/serial.log"
log=$w/serial.log
check_grep chain-started "$log" "ukiboot: chain-loading /ukis/stub-uki.efi"
check_eq chain-cmdline "$(guest_value "$log" UKIBOOT-CMDLINE)" "$opts"
check_eq chain-markers "$(guest_value "$log" UKIBOOT-MARKERS)" "initrd"
check_eq chain-entry-selected "$(guest_var "$log" LoaderEntrySelected)" "chain.conf"
# systemd-stub ran (it sets StubInfo itself): the chain-load really went through the firmware loader.
stub=$(guest_var "$log" StubInfo)
[[ "$stub" == systemd-stub* ]] && pass chain-stub-ran || fail chain-stub-ran "StubInfo='$stub'"
exit $(( failures > 0 ))
