#!/usr/bin/env bash
# Menu driven over the serial console: the countdown shows, Down picks the second entry (a multi-profile
# UKI with `profile 1`), 'd' saves it as the default (LoaderEntryDefault), 'e' edits its whole command
# line, Enter boots it.
source "$(dirname "$0")/lib.sh"
need_fixtures
w=$OVMF_WORK/menu; d=$(esp_new menu)
mkdir -p "$d/ukis" "$d/loader/entries"
cp "$FIX/basic.efi" "$d/ukis/basic.efi"
cp "$FIX/multiprofile.efi" "$d/ukis/multiprofile.efi"
printf 'title Basic\nsort-key 10\nuki /ukis/basic.efi\n' > "$d/loader/entries/basic.conf"
printf 'title Multi-profile, debug\nsort-key 20\nuki /ukis/multiprofile.efi\nprofile 1\n' > "$d/loader/entries/mp.conf"
printf 'timeout 30\neditor yes\n' > "$d/loader/loader.conf"
mkdisk "$d" "$w/disk.img" || { fail menu-setup "mkdisk"; exit 1; }
# The editor holds the whole line (the profile's .cmdline, as systemd-boot's does): Ctrl-U clears it, and
# the line typed instead drops the profile's last word and adds a marker, which no append could do.
orig="$(uki_section "$FIX/multiprofile.efi" .cmdline 1 | normalise)"
edited="${orig% *} ukiboot.edit=1"
boot_ovmf_driven "$w/disk.img" "$w/serial.log" \
  'Boot in [0-9]+ s' '\x1b[B' \
  '> Multi-profile' 'd' \
  'saved default: mp.conf' 'e' \
  'edit the command line' '\x15'"$edited"'\r'
log=$w/serial.log
check_grep menu-editor-starts-with-the-line "$log" "> $orig"
check_grep menu-countdown "$log" "Boot in 30 s"
check_grep menu-default-highlighted "$log" "> Basic"
check_grep menu-moved "$log" "> Multi-profile, debug"
check_grep menu-booted-choice "$log" "ukiboot: booting entry mp.conf"
check_grep menu-edit-said "$log" "ukiboot: command line edited: $edited"
check_eq menu-profile1-edited-cmdline "$(guest_value "$log" UKIBOOT-CMDLINE)" "$edited"
check_eq menu-profile1-markers "$(guest_value "$log" UKIBOOT-MARKERS)" "initrd p1"
check_eq menu-entry-selected "$(guest_var "$log" LoaderEntrySelected)" "mp.conf"
check_eq menu-d-saves-default "$(guest_var "$log" LoaderEntryDefault)" "mp.conf"
check_grep menu-saved-default-marked "$log" "> Multi-profile, debug (default)"
exit $(( failures > 0 ))
