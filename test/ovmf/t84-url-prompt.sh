#!/usr/bin/env bash
# kboot's prompt in the EFI menu: loader.conf `ukiboot-url-prompt yes` adds "Boot From URL..."; a person
# selects it, types the URL of a UKI, and it boots as a `uki-url` entry would, here through a redirect and a
# connection lost after 1 MiB (test/lib/faultd.py), resumed. Its UkibootPlan must be the Linux twin's plan of
# the same URL, and the Linux twin lists the prompt but refuses to boot it (a kexec takes the URL itself).
source "$(dirname "$0")/lib.sh"
need_fixtures
command -v busybox >/dev/null || { skip url-prompt "busybox missing"; exit 0; }
w=$OVMF_WORK/url-prompt; d=$(esp_new url-prompt)
mkdir -p "$w"
rm -f "$w/ports"
/usr/bin/python3 "$top/test/lib/faultd.py" "$FIX/basic.efi" "$w/ports" > "$w/faultd.log" 2>&1 &
fpid=$!
trap 'kill $fpid 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$w/ports" ] && break; sleep 0.1; done
[ -s "$w/ports" ] || { fail url-prompt-setup "faultd did not start: $(head -c 300 "$w/faultd.log")"; exit 1; }
port=$(sed -n 1p "$w/ports")
mkdir -p "$d/loader/entries"
printf 'title Never booted\nuki-url http://10.0.2.100/missing.efi\n' > "$d/loader/entries/local.conf"
printf 'timeout 30\ndefault local.conf\nukiboot-url-prompt yes\n' > "$d/loader/loader.conf"
mkdisk "$d" "$w/disk.img" || { fail url-prompt-setup "mkdisk"; exit 1; }
url=http://10.0.2.100/redirect-once/basic.efi
ovmf_net_args "$port"
OVMF_DRIVEN_QEMU=("${OVMF_NET[@]}")
boot_ovmf_driven "$w/disk.img" "$w/serial.log" \
  'Boot in [0-9]+ s' '2' \
  '> Boot From URL' '\r' \
  'URL of a UKI to boot' "$url"'\r'
log=$w/serial.log
check_grep url-prompt-listed "$log" "ukiboot: entry 1: auto-url-prompt [auto, url-prompt] Boot From URL..."
check_grep url-prompt-typed "$log" "ukiboot: booting the URL typed: $url"
check_grep url-prompt-redirected "$log" "ukiboot: redirected to http://10.0.2.100/reset-once/basic.efi"
check_grep url-prompt-resumed "$log" "ukiboot: connection lost after 1048576 of $(stat -c %s "$FIX/basic.efi") bytes"
check_eq url-prompt-entry-selected "$(guest_var "$log" LoaderEntrySelected)" "auto-url-prompt"
host_url=http://127.0.0.1:$port/redirect-once/basic.efi
"$top/linux/ukiboot" plan "$host_url" --secure-boot off --canonical > "$w/plan.linux" 2> "$w/plan.err"
want_cmdline=$(sed -n 's/^cmdline [0-9]* //p' "$w/plan.linux")
check_eq url-prompt-cmdline "$(guest_value "$log" UKIBOOT-CMDLINE)" "$want_cmdline"
got=$(grep -a "^UKIBOOT-PLANVAR: " "$log" | sed 's/^UKIBOOT-PLANVAR: //')
if [ -n "$got" ] && [ "$got" = "$(cat "$w/plan.linux")" ]; then pass url-prompt-plan-equals-linux-twin
else fail url-prompt-plan-equals-linux-twin "guest '$(head -c 120 <<< "$got")' vs linux/ukiboot $(head -c 200 "$w/plan.err")"; fi
# The Linux twin: the same menu lists the prompt; asked to boot it, it says what it is and what to do.
"$top/linux/ukiboot" list --esp "$d" > "$w/list" 2>&1
grep -q 'auto-url-prompt' "$w/list" && pass url-prompt-linux-lists || fail url-prompt-linux-lists "$(cat "$w/list")"
"$top/linux/ukiboot" plan --esp "$d" --entry auto-url-prompt --secure-boot off > /dev/null 2> "$w/refused"; rc=$?
if [ $rc -eq 3 ] && grep -qx "ukiboot: auto-url-prompt: asks a person for a URL to boot: choose it in the menu, or give the URL itself (ukiboot kexec URL)" "$w/refused"
then pass "url-prompt-linux-refuses (exit 3)"; else fail url-prompt-linux-refuses "exit $rc: $(cat "$w/refused")"; fi
exit $(( failures > 0 ))
