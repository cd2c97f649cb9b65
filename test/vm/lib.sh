# test/vm/lib.sh — shared shell helpers for the QEMU guest tests (sourced, not run).
#
# A guest is Debian's kernel under QEMU (TCG, no KVM here), booted either directly
# (-kernel/-initrd/-append) or through OVMF from a FAT ESP image made with mtools.
# Its initramfs is the fixtures' busybox base plus a per-test "payload" cpio: the
# static ukiboot, the UKIs or an ESP tree, and a hook that runs the test's command on
# the first boot only (the first kernel's command line carries `ukiboot.vm=1`; the
# kernel a test kexecs into gets the UKI's own command line, which does not).
# Everything the guests print goes to a serial log; tests read it line by line, in
# order, so "first boot" and "second boot" are the 1st and 2nd UKIBOOT-CMDLINE lines.

vm_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
F=${FIXTURES:-$vm_top/build/fixtures}
VM_WORK=${VM_WORK:-$vm_top/build/vm}
UKIBOOT_STATIC=${UKIBOOT_STATIC:-$vm_top/build/static/ukiboot}
# Plans made on the host never take this host's SMBIOS OEM strings (tests that want some pass a table).
export UKIBOOT_SMBIOS_TABLE=${UKIBOOT_SMBIOS_TABLE:-/dev/null}
UKIBOOT_HOST=${UKIBOOT_HOST:-$vm_top/linux/ukiboot}
EFI_TWIN=${EFI_TWIN:-$vm_top/efi/ukibootx64.efi}
VM_TIMEOUT=${VM_TIMEOUT:-240}
VM_MEM=${VM_MEM:-1536}
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
SD_STUB=${SD_STUB:-/usr/lib/systemd/boot/efi/linuxx64.efi.stub}
# The guest's only NIC (virtio-net, id n0): slirp, restricted. vm_netdev_guestfwd gives the variant that
# reaches one host server (a test sets VM_NETDEV to it); nothing else is ever reachable.
VM_NETDEV=${VM_NETDEV:-user,id=n0,restrict=on}
# The first kernel's command line in direct boots; `ukiboot.vm=1` arms the test hook.
VM_FIRST_CMDLINE=${VM_FIRST_CMDLINE:-"console=ttyS0 panic=-1 loglevel=4 ukiboot.vm=1"}

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; VM_FAILED=$((${VM_FAILED:-0} + 1)); }
skip() { echo "SKIP: $1: $2"; }

# Seconds since the epoch with milliseconds, and a difference of two such stamps.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# cpio (newc) of a directory, deterministic: sorted names, owner root, fixed mtimes.
vm_mkcpio() {  # DIR OUT
        (cd "$1" && find . -mindepth 1 -exec touch -h -d @0 {} + && find . -mindepth 1 | LC_ALL=C sort |
                cpio --quiet -o -H newc -R 0:0 --reproducible) > "$2"
}

# Concatenate initrd pieces, each padded to 4 bytes (the kernel reads concatenated newc archives).
vm_concat() {  # OUT PIECE...
        local o=$1 p pad; shift; : > "$o"
        for p in "$@"; do
                cat "$p" >> "$o"
                pad=$(( (4 - $(stat -c %s "$o") % 4) % 4 ))
                head -c "$pad" /dev/zero >> "$o"
        done
}

# A fresh work directory for test NAME; prints its path. Holds payload/, serial.log, images.
vm_workdir() {  # NAME
        local d=$VM_WORK/$1
        rm -rf "$d"; mkdir -p "$d/payload/bin" "$d/payload/etc/ukiboot/hooks"
        echo "$d"
}

# Payload tree with the static ukiboot; the caller adds UKIs / ESP files and writes the hook.
vm_payload_init() {  # WORKDIR
        install -m 0755 "$UKIBOOT_STATIC" "$1/payload/bin/ukiboot"
}

# Write the first-boot hook: SCRIPT runs only when /proc/cmdline carries `ukiboot.vm=1`.
# Output lines a test wants to read should start with "VMTEST" (e.g. "VMTEST-RC: 0").
vm_hook() {  # WORKDIR SCRIPT
        { echo "# test hook (first boot only)"
          echo "if grep -q 'ukiboot.vm=1' /proc/cmdline; then"
          echo "$2"
          echo "fi"; } > "$1/payload/etc/ukiboot/hooks/50-test.sh"
}

# Build WORKDIR/initrd.img = base + extra pieces + payload.
vm_initrd() {  # WORKDIR [EXTRA_PIECE...]
        local w=$1; shift
        vm_mkcpio "$w/payload" "$w/payload.cpio"
        vm_concat "$w/initrd.img" "$F/initrd-base.cpio" "$@" "$w/payload.cpio"
}

# Run QEMU bounded by timeout; serial output to LOG. Sets VM_SECS (wall time) and returns QEMU's status.
vm_qemu() {  # LOG QEMU-ARGS...
        local log=$1 t0 rc; shift
        : > "$log"
        t0=$(now)
        timeout --foreground -k 5 "$VM_TIMEOUT" qemu-system-x86_64 -machine q35,accel=tcg -m "$VM_MEM" \
                -nographic -no-reboot -monitor none -serial "file:$log" \
                -netdev "$VM_NETDEV" -device virtio-net-pci,netdev=n0,romfile= \
                "$@" </dev/null >"$log.qemu" 2>&1
        rc=$?
        VM_SECS=$(elapsed "$t0" "$(now)")
        [ $rc -eq 124 ] && echo "vm: QEMU timed out after ${VM_TIMEOUT}s (log: $log)" >&2
        return $rc
}

# Direct kernel boot of the fixture kernel with WORKDIR/initrd.img; serial log WORKDIR/serial.log.
vm_boot_direct() {  # WORKDIR [QEMU-ARGS...]
        local w=$1; shift
        vm_qemu "$w/serial.log" -kernel "$F/vmlinuz" -initrd "$w/initrd.img" -append "$VM_FIRST_CMDLINE" "$@"
}

# FAT ESP image from a directory tree (mtools, no mounting). Size in MiB grows with the content.
vm_esp_image() {  # DIR OUT
        local dir=$1 out=$2 kb mb
        kb=$(du -sk "$dir" | cut -f1)
        mb=$(( kb / 1024 + 32 ))
        rm -f "$out"
        truncate -s "${mb}M" "$out"
        mformat -i "$out" -F -v ESP :: >/dev/null
        (cd "$dir" && find . -mindepth 1 -type d | LC_ALL=C sort | while read -r d; do
                mmd -i "$out" "::${d#.}"; done
         find . -type f | LC_ALL=C sort | while read -r f; do
                mcopy -i "$out" "$f" "::${f#.}"; done)
}

# OVMF boot of an ESP image (its \EFI\BOOT\BOOTX64.EFI starts). Serial log WORKDIR/serial.log.
vm_boot_ovmf() {  # WORKDIR ESP_IMAGE [QEMU-ARGS...]
        local w=$1 esp=$2; shift 2
        cp "$OVMF_VARS" "$w/vars.fd"
        vm_qemu "$w/serial.log" \
                -drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE" \
                -drive "if=pflash,format=raw,unit=1,file=$w/vars.fd" \
                -drive "if=none,id=esp,format=raw,cache=unsafe,file=$esp" -device virtio-blk-pci,drive=esp,bootindex=0 \
                -fw_cfg name=opt/org.tianocore/IPv4PXESupport,string=n "$@"
}

# The serial log without carriage returns or terminal escapes.
vm_log() {  # LOG
        sed -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' "$1"
}

# The value after the Nth (1-based) "KEY: " in LOG, to the end of its line; empty if absent.
# The key may follow firmware/kernel noise on the same line (the serial line is shared).
vm_field() {  # LOG KEY N
        vm_log "$1" | awk -v k="$2: " -v n="$3" '(i = index($0, k)) > 0 { if (++c == n) { print substr($0, i + length(k)); exit } }'
}

# How many lines carry "KEY: ".
vm_count() {  # LOG KEY
        vm_log "$1" | awk -v k="$2: " 'index($0, k) > 0 { c++ } END { print c + 0 }'
}

# Tail of a log, indented, for FAIL diagnostics (stderr).
vm_show() {  # LOG [LINES]
        echo "---- ${1} (last ${2:-25} lines)" >&2
        vm_log "$1" | tail -n "${2:-25}" | sed 's/^/    /' >&2
}

# Sorted, space-separated names under markers/ inside a (concatenated) initrd file.
vm_initrd_markers() {  # INITRD
        /usr/bin/python3 - "$1" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
names, off = set(), 0
while off + 110 <= len(data):
    if data[off:off + 6] not in (b"070701", b"070702"):
        off += 4            # padding between concatenated archives
        continue
    h = data[off:off + 110]
    fsize, nsize = int(h[54:62], 16), int(h[94:102], 16)
    name = data[off + 110:off + 110 + nsize - 1].decode(errors="replace")
    off = (off + 110 + nsize + 3) & ~3
    off = (off + fsize + 3) & ~3
    if name.startswith("markers/"):
        names.add(name[len("markers/"):])
print(" ".join(sorted(names)))
PY
}

# Extract the bytes the host plan names as initrd pieces into OUT (concatenated, each padded as the
# plan says), from `ukiboot plan --json` run on the host (plan never loads anything). UKI pieces are
# read from UKI, file pieces from the ESP directory.
vm_plan_initrd() {  # JSON_FILE UKI_OR_- ESP_DIR_OR_- OUT
        /usr/bin/python3 - "$@" <<'PY'
import json, os, sys
plan = json.load(open(sys.argv[1]))
uki_path, esp, out = sys.argv[2], sys.argv[3], open(sys.argv[4], "wb")
for p in plan["initrd"]:
    if p["source"] == "uki":
        with open(uki_path, "rb") as f:
            f.seek(int(p["offset"]))
            b = f.read(int(p["length"]))
    elif p["source"] == "file":
        b = open(os.path.join(esp, p["path"].lstrip("/")), "rb").read()
    else:
        raise SystemExit("vm_plan_initrd: piece source %r not handled" % p["source"])
    if len(b) != int(p["length"]):
        raise SystemExit("vm_plan_initrd: short piece %r" % p["label"])
    out.write(b + b"\0" * int(p.get("pad", 0)))
PY
}

# One JSON field of a plan (python expression over `plan`), e.g. vm_json plan.json 'plan["cmdline"]'.
vm_json() {  # JSON_FILE EXPR
        /usr/bin/python3 -c 'import json, sys; plan = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# Require the pieces every guest test needs; prints SKIP lines and returns 1 if something is missing.
vm_require() {  # TESTNAME
        local miss=
        [ -x "$UKIBOOT_STATIC" ] || miss="$miss build/static/ukiboot"
        [ -e "$F/initrd-base.cpio" ] || miss="$miss fixtures"
        command -v qemu-system-x86_64 >/dev/null || miss="$miss qemu-system-x86_64"
        [ -z "$miss" ] && return 0
        skip "$1" "missing:$miss"
        return 1
}

# VM_NETDEV value whose guest address 10.0.2.100:80 is forwarded (one `busybox nc` per connection) to
# 127.0.0.1:PORT on the host; the guest configures 10.0.2.15/24 via 10.0.2.2 itself (VM_HOOK_NET).
vm_netdev_guestfwd() {  # PORT
        echo "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:busybox nc 127.0.0.1 $1"
}
VM_HOOK_NET='ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2 ||
  echo "VMTEST-NET: failed"'

# Replace the payload's static ukiboot by the dynamic build (libcurl: it can fetch URLs), with every
# library `ldd` lists and the dynamic loader, each at the same path as on the host.
vm_payload_dynamic_ukiboot() {  # WORKDIR
        local p=$1/payload f
        install -m 0755 "$UKIBOOT_HOST" "$p/bin/ukiboot"
        ldd "$UKIBOOT_HOST" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
        while read -r f; do
                mkdir -p "$p$(dirname "$f")"
                cp -L "$f" "$p$f" || return 1
        done
}

# Put Debian's kexec-tools (unpacked by scripts/install-deps into .cache, never installed on the
# host) with every shared library it needs into the payload: /sbin/kexec + /lib/x86_64-linux-gnu.
vm_payload_kexec_tools() {  # WORKDIR
        local kt=$vm_top/.cache/kexec-tools p=$1/payload lib
        [ -x "$kt/sbin/kexec" ] || return 1
        mkdir -p "$p/sbin" "$p/lib/x86_64-linux-gnu" "$p/lib64"
        cp "$kt/sbin/kexec" "$p/sbin/kexec"
        LD_LIBRARY_PATH=$kt/usr/lib/x86_64-linux-gnu ldd "$kt/sbin/kexec" | awk '/=> \//{print $3}' |
        while read -r lib; do cp -L "$lib" "$p/lib/x86_64-linux-gnu/"; done
        cp -L /lib64/ld-linux-x86-64.so.2 "$p/lib64/"
}

# A UKI made on the host from systemd's stub (test/fixtures/mkuki.py appends the sections):
# the fixture kernel, the given command line and initrd file.
vm_make_uki() {  # OUT CMDLINE INITRD
        local o=$1 d; d=$(mktemp -d)
        printf 'ID=debian\nPRETTY_NAME="ukiboot vm test"\nIMAGE_ID=ukiboot-vm\nIMAGE_VERSION=1.0\n' > "$d/osrel"
        printf '%s' "$2" > "$d/cmdline"
        "$vm_top/test/fixtures/mkuki.py" "$SD_STUB" "$o" .osrel="$d/osrel" .cmdline="$d/cmdline" \
                .linux="$F/vmlinuz" .initrd="$3"
        local rc=$?; rm -rf "$d"; return $rc
}

# An initrd for UKIs that carry their own test payload (guests booted through OVMF get only what
# the UKI brings): base + marker-initrd + disk drivers + FAT modules + static ukiboot + HOOK
# (installed as /etc/ukiboot/hooks/50-test.sh, it runs on every boot: it must tell them apart,
# e.g. by vm_boot_kind below).
vm_selfhosted_initrd() {  # OUT HOOK_FILE [EXTRA_PIECE...]
        local out=$1 hook=$2 d m; shift 2
        d=$(mktemp -d); mkdir -p "$d/p/bin" "$d/p/lib/modules" "$d/p/etc/ukiboot/hooks"
        install -m 0755 "$UKIBOOT_STATIC" "$d/p/bin/ukiboot"
        cp "$hook" "$d/p/etc/ukiboot/hooks/50-test.sh"
        vm_mkcpio "$d/p" "$d/payload.cpio"
        vm_concat "$out" "$F/initrd-base.cpio" "$F/marker-initrd.cpio" "$F/modules.cpio" \
                "$d/payload.cpio" "$@"
        rm -rf "$d"
}

# Shell lines for a hook: set $boot_kind to "kexec" when kexec_file_load started this kernel (the
# boot protocol's type_of_loader is 0xd0), else "firmware"; and mount the ESP (virtio disk,
# partition 1) read-only at /efi, where ukiboot looks for it.
VM_HOOK_BOOT_KIND='lt=$(od -An -tx1 -j 528 -N 1 /sys/kernel/boot_params/data | tr -d " ")
if [ "$lt" = d0 ]; then boot_kind=kexec; else boot_kind=firmware; fi
echo "VMTEST-BOOT-KIND: $boot_kind"'
VM_HOOK_MOUNT_ESP='mkdir -p /efi
mount -t vfat -o ro /dev/vda1 /efi || echo "VMTEST-MOUNT: failed"'
