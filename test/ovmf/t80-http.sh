#!/usr/bin/env bash
# uki-url: ukiboot fetches a UKI over HTTP from a real nginx (serving build/fixtures/) through OVMF's own
# network stack (VirtioNetDxe, DHCP from QEMU's slirp, HttpDxe, TlsDxe, Mtftp4Dxe) and boots it. One boot,
# five entries: the default one's URL answers 404 (refused with a one-line reason); one names a file QEMU's
# TFTP server does not have; one whose `uki-sha256` pin is not basic.efi's is fetched over tftp and refused
# with both digests (the digest it got is basic.efi's); one names an https server whose certificate no CA
# on the ESP signed (refused, nothing requested); the last one fetches basic.efi
# over https (nginx with a throw-away CA, which the ESP carries in /loader/keys/https-ca.pem and ukiboot
# hands to HttpDxe as TlsCaCertificate) with its right pin and boots it.
# Host side: nginx's access log must show exactly one GET of /basic.efi with 200, and linux/ukiboot's
# canonical plan for the same entry (URL pointed at nginx on 127.0.0.1) must equal the guest's UkibootPlan.
source "$(dirname "$0")/lib.sh"
need_fixtures
command -v nginx >/dev/null || { skip http "nginx missing (scripts/install-deps installs nginx-light)"; exit 0; }
command -v busybox >/dev/null || { skip http "busybox missing"; exit 0; }
w=$OVMF_WORK/http; d=$(esp_new http)
mkdir -p "$w"

# nginx on a free high port, everything in a private directory (test/lib/nginx.sh).
. "$top/test/lib/nginx.sh"
tls_make "$w/tls" || { fail http-setup "cannot make the test CA: $(head -c 300 "$w/tls/openssl.err")"; exit 1; }
NGINX_TLS_DIR=$w/tls nginx_start "$FIX" "$OVMF_WORK/http" || { fail http-nginx "$NGINX_ERROR"; exit 1; }
ng=$NGINX_DIR; port=$NGINX_PORT
trap nginx_stop EXIT
trap 'exit 130' INT TERM HUP   # through the EXIT trap: nginx never outlives the test
# (The probe shows up in the access log as a 404 of /ukiboot-probe; every check below filters by path.)

opts="console=ttyS0 panic=-1 loglevel=4 ukiboot.fetched=1"
mkdir -p "$d/loader/entries" "$d/loader/keys"
cp "$w/tls/ca.pem" "$d/loader/keys/https-ca.pem"
printf 'title Missing on the server\nuki-url http://10.0.2.100/missing.efi\noptions %s\n' "$opts" > "$d/loader/entries/z-missing.conf"
pin=$(sha256sum "$FIX/basic.efi" | cut -d' ' -f1) other=$(sha256sum "$FIX/multiprofile.efi" | cut -d' ' -f1)
printf 'title Not on the TFTP server\nuki-url tftp://10.0.2.2/missing.efi\noptions %s\n' "$opts" \
  > "$d/loader/entries/y-tftp-missing.conf"
printf 'title Pinned to another UKI\nuki-url tftp://10.0.2.2/basic.efi\nuki-sha256 %s\noptions %s\n' "$other" "$opts" \
  > "$d/loader/entries/x-pin-wrong.conf"
printf 'title A server nobody vouches for\nuki-url https://10.0.2.101/basic.efi\noptions %s\n' "$opts" \
  > "$d/loader/entries/w-rogue.conf"
printf 'title Fetched over https\nuki-url https://10.0.2.100/basic.efi\nuki-sha256 %s\noptions %s\n' "$pin" "$opts" \
  > "$d/loader/entries/net.conf"
printf 'default z-missing.conf\ntimeout 0\n' > "$d/loader/loader.conf"
mkdisk "$d" "$w/disk.img" || { fail http-setup "mkdisk"; exit 1; }
# The only network a guest gets: slirp, restricted, with one forwarded address that reaches our nginx.
ovmf_net_args "$port" "$NGINX_TLS_PORT" "guestfwd=tcp:10.0.2.101:443-cmd:busybox nc 127.0.0.1 $NGINX_ROGUE_PORT,tftp=$FIX"
boot_ovmf "$w/disk.img" "$w/serial.log" "${OVMF_NET[@]}"
log=$w/serial.log

# The 404 entry: refused on one line that says why, then the next entry.
line=$(grep -a -m1 "^ukiboot: error: z-missing.conf: " "$log")
echo "# $line"
case "$line" in
  *"http://10.0.2.100/missing.efi: server answered HTTP 404 Not Found") pass http-404-reason ;;
  *) fail http-404-reason "no one-line 404 reason for z-missing.conf (got '$line')" ;;
esac
# TFTP (QEMU's own server): a missing file is said as such; the wrong pin is refused once the bytes that
# came over tftp are hashed (both digests, one line; the one it got is basic.efi's), the right one is
# fetched over https with the ESP's CA and boots.
check_grep tftp-missing "$log" "ukiboot: error: y-tftp-missing.conf: tftp://10.0.2.2/missing.efi: the TFTP server has no such file"
check_grep tftp-pin-mismatch "$log" "ukiboot: error: x-pin-wrong.conf: tftp://10.0.2.2/basic.efi does not match its pin: SHA-256 $pin, pinned $other"
check_eq tftp-pin-one-line "$(grep -ac '^ukiboot: error: x-pin-wrong.conf: ' "$log")" 1
check_grep tftp-size-from-server "$log" "ukiboot: downloading tftp://10.0.2.2/basic.efi: $(stat -c %s "$FIX/basic.efi") bytes"
check_grep https-ca-from-esp "$log" "ukiboot: https: 1 CA certificate from /loader/keys/https-ca.pem"
# The rogue server: the firmware's TLS refuses its certificate; the entry fails, nothing was requested.
rogue=$(grep -a -m1 '^ukiboot: error: w-rogue.conf: ' "$log")
echo "# $rogue"
case "$rogue" in
  *"https://10.0.2.101/basic.efi"*) pass https-untrusted-refused ;;
  *) fail https-untrusted-refused "no refusal line for w-rogue.conf (got '$rogue')" ;;
esac
check_grep https-untrusted-fell-back "$log" "ukiboot: falling back to entry w-rogue.conf"
check_grep http-fell-back "$log" "ukiboot: falling back to entry net.conf"

# The fetched UKI booted with the entry's options and the UKI's own initrd.
check_eq http-cmdline "$(guest_value "$log" UKIBOOT-CMDLINE)" "$opts"
check_eq http-markers "$(guest_value "$log" UKIBOOT-MARKERS)" "initrd"
check_eq http-entry-selected "$(guest_var "$log" LoaderEntrySelected)" "net.conf"
size=$(stat -c %s "$FIX/basic.efi")
check_grep https-size-from-server "$log" "ukiboot: downloading https://10.0.2.100/basic.efi: $size bytes"
grep -aqE '^ukiboot: download: 100% \([0-9]+\.[0-9] of [0-9]+\.[0-9] MiB' "$log" && pass http-progress ||
  fail http-progress "no 'download: 100% (x of y MiB' line on the console"

# nginx saw exactly the two requests: one 404, one complete 200 of basic.efi (net.conf's over https).
echo "# nginx: $(tr '\n' ';' < "$ng/access.log")"
check_eq http-nginx-basic "$(grep -c '^GET /basic.efi 200 ' "$ng/access.log")" 1
check_eq http-nginx-basic-bytes "$(awk '$2 == "/basic.efi" {print $4; exit}' "$ng/access.log")" "$size"
check_eq http-nginx-missing "$(grep -c '^GET /missing.efi 404 ' "$ng/access.log")" 1

# The twins agree on fetched UKIs: linux/ukiboot (libcurl, URL pointed at nginx on 127.0.0.1) builds the same
# canonical plan for net.conf as the one the EFI twin executed and exported (printed by the guest's /init).
got=$(grep -a "^UKIBOOT-PLANVAR: " "$log" | sed 's/^UKIBOOT-PLANVAR: //')
got_sha=$(guest_value "$log" UKIBOOT-PLANVAR-SHA256)
case "$got" in
  *10.0.2.100*|*basic.efi*|*/missing*) fail http-plan-no-url "the canonical plan names the URL or file: $got" ;;
  "") fail http-plan-no-url "guest printed no UkibootPlan" ;;
  *) pass http-plan-no-url ;;
esac
if [ -x "$top/linux/ukiboot" ]; then
  # The same entry on an ESP of the host's, the https port where nginx listens: the Linux twin trusts the
  # ESP's bundle for it, as the EFI twin did.
  hd=$w/esp-host; rm -rf "$hd"; mkdir -p "$hd/loader/entries" "$hd/loader/keys"
  cp "$w/tls/ca.pem" "$hd/loader/keys/https-ca.pem"
  printf 'title Fetched over https\nuki-url https://127.0.0.1:%s/basic.efi\nuki-sha256 %s\noptions %s\n' "$NGINX_TLS_PORT" "$pin" "$opts" \
    > "$hd/loader/entries/net.conf"
  "$top/linux/ukiboot" plan --esp "$hd" --entry net.conf --secure-boot off --canonical > "$w/plan.linux" 2>"$w/plan.err"
  want=$(cat "$w/plan.linux")
  want_sha=$(sha256sum < "$w/plan.linux" | cut -d' ' -f1)    # the exact bytes, final newline included
  if [ -n "$want" ] && [ "$got" = "$want" ] && [ "$got_sha" = "$want_sha" ]; then
    pass http-plan-equals-linux-twin
  else
    printf '%s\n' "$got" > "$w/plan.guest"
    fail http-plan-equals-linux-twin "guest $got_sha, linux/ukiboot $want_sha (see $w/plan.guest, $w/plan.linux; $(head -c 200 "$w/plan.err"))"
  fi
  check_eq http-linux-twin-fetched "$(grep -c '^GET /basic.efi 200 ' "$ng/access.log")" 2
else
  skip http-plan-equals-linux-twin "linux/ukiboot not built"
fi

# Throughput as the guest measured it (TSC, from the first body byte requested to the last received) and
# how long nginx took to hand the file to the slirp/nc pipe.
# (Two downloads of basic.efi came whole: over tftp, then over https.)
sed -n 's/^ukiboot: downloaded \([0-9]*\) bytes in \([0-9]*\) ms.*/\1 \2/p' "$log" > "$w/downloads"
if [ "$(wc -l < "$w/downloads")" -eq 2 ] && ! grep -q ' 0$' "$w/downloads"; then
  pass http-throughput-measured
  paste -d' ' <(printf 'tftp\nhttps\n') "$w/downloads" |
    awk '{ printf "# throughput: %s %d bytes in %d ms = %.2f MiB/s (guest, OVMF under TCG)\n", $1, $2, $3, $2 / 1048576 / ($3 / 1000) }'
else
  fail http-throughput-measured "expected 2 'downloaded N bytes in M ms' lines: $(tr '\n' ';' < "$w/downloads")"
fi
echo "# nginx: basic.efi served to the guest in $(awk '$2 == "/basic.efi" {print $5; exit}' "$ng/access.log") s, to linux/ukiboot in $(awk '$2 == "/basic.efi" {t = $5} END {print t}' "$ng/access.log") s"
exit $(( failures > 0 ))
