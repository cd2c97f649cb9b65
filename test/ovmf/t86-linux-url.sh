#!/usr/bin/env bash
# Plain kernels by URL on the EFI twin: a `linux-url` entry whose kernel comes over https (pinned with
# linux-sha256), one initrd from QEMU's TFTP server and one from nginx over http (each pinned with
# initrd-sha256), after an `initrd` file of the ESP's. One boot: first an entry whose initrd-url does not
# match its pin (refused on one line with both digests, the next entry tried), then that one, which boots
# with all three initrds in order. Its UkibootPlan must be the plan the Linux twin builds for the same
# entry fetched from nginx on 127.0.0.1 (held pieces are named by file name and content, not by URL).
source "$(dirname "$0")/lib.sh"
need_fixtures
command -v nginx >/dev/null || { skip linux-url "nginx missing (scripts/install-deps installs nginx-light)"; exit 0; }
command -v busybox >/dev/null || { skip linux-url "busybox missing"; exit 0; }
w=$OVMF_WORK/linux-url; d=$(esp_new linux-url)
mkdir -p "$w"
. "$top/test/lib/nginx.sh"
tls_make "$w/tls" || { fail linux-url-setup "cannot make the test CA: $(head -c 300 "$w/tls/openssl.err")"; exit 1; }
NGINX_TLS_DIR=$w/tls nginx_start "$FIX" "$w/nginx" || { fail linux-url-nginx "$NGINX_ERROR"; exit 1; }
ng=$NGINX_DIR port=$NGINX_PORT
trap nginx_stop EXIT
trap 'exit 130' INT TERM HUP

opts="console=ttyS0 panic=-1 loglevel=4 ukiboot.linux-url=1"
sum() { sha256sum "$1" | cut -d' ' -f1; }
k_pin=$(sum "$FIX/vmlinuz") rd_pin=$(sum "$FIX/initrd.img") x_pin=$(sum "$FIX/marker-extra.cpio")
wrong=$(sum "$FIX/marker-ucode.cpio")
mkdir -p "$d/loader/entries" "$d/loader/keys"
cp "$w/tls/ca.pem" "$d/loader/keys/https-ca.pem"
cp "$FIX/marker-entry.cpio" "$d/marker-entry.cpio"
# entry FILE KERNEL-URL INITRD-URL (tftp) INITRD-URL (http) EXTRA-PIN
entry() {
  printf 'title %s\nlinux-url %s\nlinux-sha256 %s\ninitrd /marker-entry.cpio\ninitrd-url %s\ninitrd-sha256 %s\ninitrd-url %s\ninitrd-sha256 %s\noptions %s\n' \
    "$(basename "$1" .conf)" "$2" "$k_pin" "$3" "$rd_pin" "$4" "$5" "$opts" > "$1"
}
entry "$d/loader/entries/z-wrong-pin.conf" https://10.0.2.100/vmlinuz tftp://10.0.2.2/initrd.img \
  http://10.0.2.100/marker-extra.cpio "$wrong"
entry "$d/loader/entries/net-kernel.conf" https://10.0.2.100/vmlinuz tftp://10.0.2.2/initrd.img \
  http://10.0.2.100/marker-extra.cpio "$x_pin"
printf 'default z-wrong-pin.conf\ntimeout 0\n' > "$d/loader/loader.conf"
mkdisk "$d" "$w/disk.img" || { fail linux-url-setup "mkdisk"; exit 1; }
ovmf_net_args "$port" "$NGINX_TLS_PORT" "tftp=$FIX"
boot_ovmf "$w/disk.img" "$w/serial.log" "${OVMF_NET[@]}"
log=$w/serial.log

check_grep linux-url-listed "$log" "ukiboot: entry 1: net-kernel.conf [type1, linux-url] net-kernel"
check_grep linux-url-wrong-pin "$log" "ukiboot: error: z-wrong-pin.conf: initrd http://10.0.2.100/marker-extra.cpio does not match its pin: SHA-256 $x_pin, pinned $wrong"
check_eq linux-url-wrong-pin-one-line "$(grep -ac '^ukiboot: error: z-wrong-pin.conf: ' "$log")" 1
check_grep linux-url-fell-back "$log" "ukiboot: falling back to entry net-kernel.conf"
check_grep linux-url-tftp "$log" "ukiboot: downloading tftp://10.0.2.2/initrd.img: $(stat -c %s "$FIX/initrd.img") bytes"
check_grep linux-url-https-kernel "$log" "ukiboot: downloading https://10.0.2.100/vmlinuz: $(stat -c %s "$FIX/vmlinuz") bytes"
# The kernel booted with the entry's line and all three initrds (the ESP's, then the two downloads).
check_eq linux-url-cmdline "$(guest_value "$log" UKIBOOT-CMDLINE)" "$opts"
check_eq linux-url-markers "$(guest_value "$log" UKIBOOT-MARKERS)" "entry extra initrd"
check_eq linux-url-entry-selected "$(guest_var "$log" LoaderEntrySelected)" "net-kernel.conf"
# The wrong-pin entry was refused after its initrds came, before its kernel was asked for: one kernel GET.
check_eq linux-url-one-kernel-get "$(grep -c "^GET /vmlinuz 200 " "$ng/access.log")" 1
echo "# nginx: $(tr '\n' ';' < "$ng/access.log")"

# The twins agree: the same entry on an ESP of the host's, every URL pointed at nginx on 127.0.0.1.
got=$(grep -a "^UKIBOOT-PLANVAR: " "$log" | sed 's/^UKIBOOT-PLANVAR: //')
hd=$w/esp-host; rm -rf "$hd"; mkdir -p "$hd/loader/entries" "$hd/loader/keys"
cp "$w/tls/ca.pem" "$hd/loader/keys/https-ca.pem"; cp "$FIX/marker-entry.cpio" "$hd/marker-entry.cpio"
entry "$hd/loader/entries/net-kernel.conf" "https://127.0.0.1:$NGINX_TLS_PORT/vmlinuz" "http://127.0.0.1:$port/initrd.img" \
  "http://127.0.0.1:$port/marker-extra.cpio" "$x_pin"
"$top/linux/ukiboot" plan --esp "$hd" --entry net-kernel.conf --secure-boot off --canonical > "$w/plan.linux" 2> "$w/plan.err"
if [ -n "$got" ] && [ "$got" = "$(cat "$w/plan.linux")" ]; then pass linux-url-plan-equals-linux-twin
else
  printf '%s\n' "$got" > "$w/plan.guest"
  fail linux-url-plan-equals-linux-twin "see $w/plan.guest, $w/plan.linux ($(head -c 200 "$w/plan.err"))"
fi
grep -q "^kernel held vmlinuz $(stat -c %s "$FIX/vmlinuz") $k_pin\$" "$w/plan.linux" && pass linux-url-plan-names-kernel ||
  fail linux-url-plan-names-kernel "$(head -3 "$w/plan.linux")"
exit $(( failures > 0 ))
