#!/usr/bin/env bash
# More entries than an 80x25 console has rows: the menu shows a window of them that keeps the selected
# entry on screen (before, all 40 were printed and the default scrolled out of sight). loader.conf makes
# the last entry the default; 'k' moves up one, Enter boots it.
source "$(dirname "$0")/lib.sh"
need_fixtures
w=$OVMF_WORK/menu-many; d=$(esp_new menu-many)
mkdir -p "$d/ukis" "$d/loader/entries"
cp "$FIX/basic.efi" "$d/ukis/basic.efi"
for i in $(seq -w 1 40); do
  printf 'title Entry %s\nsort-key %s\nuki /ukis/basic.efi\n' "$i" "$i" > "$d/loader/entries/e$i.conf"
done
printf 'timeout 30\ndefault e40.conf\n' > "$d/loader/loader.conf"
mkdisk "$d" "$w/disk.img" || { fail menu-many-setup "mkdisk"; exit 1; }
# Keys past the arrows: 'k' moves up one; '3' jumps to the third entry (the window scrolls back to the
# top); 'h' shows the keys; '+' lengthens loader.conf's 30 s to 31 s, kept in LoaderConfigTimeout as
# systemd-boot keeps it; 'p' shows the status page, 'r' the next console mode (its page says so), 'R' the
# first one again; Enter boots the third entry.
boot_ovmf_driven "$w/disk.img" "$w/serial.log" \
  'Boot in [0-9]+ s' 'k' \
  '> Entry 39' '3' \
  '> Entry 03' 'h' \
  'keys: Up/Down' '+' \
  'Menu timeout set to 31 s' 'p' \
  'press any key' ' ' \
  'Up/Down: select' 'r' \
  'Up/Down: select' 'p' \
  'press any key' ' ' \
  'Up/Down: select' 'R' \
  'Up/Down: select' 'p' \
  'press any key' ' ' \
  'Up/Down: select' '\r'
log=$w/serial.log
# Longest run of consecutive menu lines: a console of R rows leaves R - 7 for entries (banner, blanks,
# status, editor lines); OVMF's console here is 100x31 (24 entries), 80x25 would give 18.
# The menu places each entry line with a cursor-position escape: those become line breaks here (the raw log).
longest=$(sed -e 's/\x1b\[[0-9]*;[0-9]*H/\n/g' -e 's/\x1b\[[0-9;]*m//g' -e 's/\r//g' "$log.raw" |
          awk '/^(> |  )Entry [0-9]+ *$/ { run++; if (run > max) max = run; next } { run = 0 } END { print max + 0 }')
if [ "$longest" -ge 1 ] && [ "$longest" -le 24 ]; then pass menu-many-window; else
  fail menu-many-window "a menu draw has $longest entry lines (want 1..24: more than fit the screen)"; fi
check_grep menu-many-default-shown "$log" "> Entry 40"
check_grep menu-many-moved "$log" "> Entry 39"
check_grep menu-many-digit "$log" "> Entry 03"
check_grep menu-many-help "$log" "+/- t/T timeout, f firmware setup"
check_grep menu-many-booted "$log" "ukiboot: booting entry e03.conf"
check_eq menu-many-entry-selected "$(guest_var "$log" LoaderEntrySelected)" "e03.conf"
# The status page: the firmware, the selected entry, the console mode before 'r', after it, after 'R'.
check_grep menu-many-status-firmware "$log" "firmware:     EDK II"
check_eq menu-many-status-entry "$(grep -a -c '^entry:        e03.conf' "$log")" 3
modes=$(grep -a '^console:      mode ' "$log" | sed 's/^console: *//' | tr '\n' '|')
IFS='|' read -r m1 m2 m3 <<< "$modes"
if [ -n "$m1" ] && [ -n "$m2" ] && [ "$m1" != "$m2" ] && [ "$m1" = "$m3" ]; then
  pass "menu-many-console-mode (r: $m1 -> $m2, R: back)"
else fail menu-many-console-mode "status pages said '$modes'"; fi
check_eq menu-many-timeout-kept "$(guest_var "$log" LoaderConfigTimeout)" "31"
exit $(( failures > 0 ))
