#!/usr/bin/env bash
# The EFI twin's downloads against test/lib/faultd.py (the server test/net/host-faults puts the Linux twin
# through), in one boot: ten entries whose server misbehaves, each refused on one line that says how, each
# followed by the next entry, then one that is redirected and loses its connection after 1 MiB, is resumed
# with a Range request, and boots, pinned to basic.efi. Its UkibootPlan must be the Linux twin's plan of
# the same entry fetched from the same server.
source "$(dirname "$0")/lib.sh"
need_fixtures
command -v busybox >/dev/null || { skip fetch-faults "busybox missing"; exit 0; }
. "$top/test/lib/nginx.sh"     # tls_make
w=$OVMF_WORK/fetch-faults; d=$(esp_new fetch-faults)
mkdir -p "$w"
tls_make "$w/tls" || { fail fetch-faults-setup "cannot make the test CA"; exit 1; }
rm -f "$w/ports"
/usr/bin/python3 "$top/test/lib/faultd.py" "$FIX/basic.efi" "$w/ports" --tls "$w/tls/server.pem" "$w/tls/server.key" \
  > "$w/faultd.log" 2>&1 &
fpid=$!
trap 'kill $fpid 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$w/ports" ] && break; sleep 0.1; done
[ -s "$w/ports" ] || { fail fetch-faults-setup "faultd did not start: $(head -c 300 "$w/faultd.log")"; exit 1; }
port=$(sed -n 1p "$w/ports") tport=$(sed -n 2p "$w/ports")

opts="console=ttyS0 panic=-1 loglevel=4 ukiboot.faults=1"
pin=$(sha256sum "$FIX/basic.efi" | cut -d' ' -f1) size=$(stat -c %s "$FIX/basic.efi")
mkdir -p "$d/loader/entries" "$d/loader/keys"
cp "$w/tls/ca.pem" "$d/loader/keys/https-ca.pem"
# id  URL  (the boot order is the ids' reverse order: z first, p last)
cases="z-loop http://10.0.2.100/loop/basic.efi
y-downgrade https://10.0.2.100/downgrade/basic.efi
x-to-tftp http://10.0.2.100/to-tftp/basic.efi
w-reset http://10.0.2.100/reset/basic.efi
v-short http://10.0.2.100/short/basic.efi
u-no-range http://10.0.2.100/no-range/basic.efi
t-chunked http://10.0.2.100/chunked/basic.efi
s-chunked-bad http://10.0.2.100/chunked-bad/basic.efi
r-long http://10.0.2.100/long/basic.efi
q-stall http://10.0.2.100/stall/basic.efi
p-net http://10.0.2.100/redirect-once/basic.efi"
while read -r id url; do
  printf 'title %s\nuki-url %s\nuki-sha256 %s\noptions %s\n' "$id" "$url" "$pin" "$opts" > "$d/loader/entries/$id.conf"
done <<< "$cases"
printf 'default z-loop.conf\ntimeout 0\n' > "$d/loader/loader.conf"
mkdisk "$d" "$w/disk.img" || { fail fetch-faults-setup "mkdisk"; exit 1; }
ovmf_net_args "$port" "$tport"
boot_ovmf "$w/disk.img" "$w/serial.log" "${OVMF_NET[@]}"
log=$w/serial.log

# Each fault: exactly one error line for the entry, saying what happened; then the next entry.
refused() {  # ID PHRASE
  local lines n
  lines=$(grep -a "^ukiboot: error: $1.conf: " "$log")
  n=$(grep -ac "^ukiboot: error: $1.conf: " "$log")
  if [ "$n" -eq 1 ] && grep -qF -- "$2" <<< "$lines"; then pass "fetch-faults-$1 (${lines#ukiboot: error: })"
  else fail "fetch-faults-$1" "$n lines: $(tr '\n' ' ' <<< "$lines" | head -c 300)"; fi
}
refused z-loop "redirected to /loop/basic.efi: more than 5 redirects"
refused y-downgrade "redirected to http://10.0.2.100/ok/basic.efi: a redirect may not drop https for http"
refused x-to-tftp "redirected to tftp://10.0.2.2/basic.efi: a redirect may not lead to tftp"
refused w-reset "the connection was lost 4 times"
refused v-short "the connection was lost 4 times"
refused u-no-range "the server did not resume the download (HTTP 200 to a Range request)"
refused t-chunked "response has no Content-Length (chunked downloads are not supported)"
# (HttpDxe reads the first chunk's size line with the headers: it refuses the framing itself.)
refused s-chunked-bad "http://10.0.2.100/chunked-bad/basic.efi: no response"
refused r-long "does not match its pin: SHA-256"
refused q-stall "download failed after 65536 of $size bytes"
check_grep fetch-faults-fell-through "$log" "ukiboot: falling back to entry p-net.conf"

# The last entry: redirected, resumed, booted with the entry's options and the UKI's own initrd.
check_grep fetch-faults-redirected "$log" "ukiboot: redirected to http://10.0.2.100/reset-once/basic.efi"
check_grep fetch-faults-resumed "$log" "ukiboot: connection lost after 1048576 of $size bytes"
check_eq fetch-faults-cmdline "$(guest_value "$log" UKIBOOT-CMDLINE)" "$opts"
check_eq fetch-faults-markers "$(guest_value "$log" UKIBOOT-MARKERS)" "initrd"
check_eq fetch-faults-entry-selected "$(guest_var "$log" LoaderEntrySelected)" "p-net.conf"
grep -q "^GET /reset-once/basic.efi bytes=1048576- -> /reset-once" "$w/faultd.log" &&
  pass "fetch-faults-range-request (the guest asked for the rest at byte 1048576)" ||
  fail fetch-faults-range-request "$(grep reset-once "$w/faultd.log" | tr '\n' ';')"

# The Linux twin, same server, same entry (the URL pointed at 127.0.0.1): the same plan.
got=$(grep -a "^UKIBOOT-PLANVAR: " "$log" | sed 's/^UKIBOOT-PLANVAR: //')
hd=$w/esp-host; rm -rf "$hd"; mkdir -p "$hd/loader/entries"
printf 'title p-net\nuki-url http://127.0.0.1:%s/redirect-once/basic.efi\nuki-sha256 %s\noptions %s\n' "$port" "$pin" "$opts" \
  > "$hd/loader/entries/p-net.conf"
"$top/linux/ukiboot" plan --esp "$hd" --entry p-net.conf --secure-boot off --canonical > "$w/plan.linux" 2> "$w/plan.err"
if [ -n "$got" ] && [ "$got" = "$(cat "$w/plan.linux")" ]; then pass fetch-faults-plan-equals-linux-twin
else fail fetch-faults-plan-equals-linux-twin "guest '$(head -c 100 <<< "$got")', linux/ukiboot: $(head -c 200 "$w/plan.err")"; fi
exit $(( failures > 0 ))
