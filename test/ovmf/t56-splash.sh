#!/usr/bin/env bash
# .splash: a UKI's BMP is on the screen before its kernel starts, centred on black, as systemd-stub shows it.
# The image is four coloured quadrants (made here with Python); when ukiboot says it drew it, QEMU's monitor
# takes a screendump, whose pixels are compared with the bitmap's. The Linux twin says it cannot show one.
source "$(dirname "$0")/lib.sh"
need_fixtures
w=$OVMF_WORK/splash; d=$(esp_new splash)
mkdir -p "$d/EFI/Linux"
"$PY" - "$w/splash.bmp" <<'PY'
import struct, sys
w, h = 64, 48
rows = []
for y in range(h):                      # top row first; BMP stores bottom-up
    r = bytearray()
    for x in range(w):
        r += bytes([0x20 if x < 32 else 0xe0, 0x80, 0xf0 if y < 24 else 0x10])   # blue, green, red
    rows.append(bytes(r))
pix = b"".join(reversed(rows))
hdr = b"BM" + struct.pack("<IHHI", 54 + len(pix), 0, 0, 54) + struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(pix), 2835, 2835, 0, 0)
open(sys.argv[1], "wb").write(hdr + pix)
PY
for s in osrel cmdline linux initrd; do uki_section "$FIX/basic.efi" ".$s" > "$w/$s"; done
"$PY" "$top/test/fixtures/mkuki.py" "$STUB" "$d/EFI/Linux/splash.efi" .osrel="$w/osrel" .cmdline="$w/cmdline" \
  .splash="$w/splash.bmp" .linux="$w/linux" .initrd="$w/initrd" > /dev/null || { fail splash-setup "mkuki.py"; exit 1; }
mkdir -p "$d/loader"; printf 'timeout 0\n' > "$d/loader/loader.conf"
mkdisk "$d" "$w/disk.img" || { fail splash-setup "mkdisk"; exit 1; }

vars=$w/vars.fd; cp "$OVMF_VARS" "$vars"; rm -f "$w/ser.sock" "$w/mon.sock" "$w/shot.ppm"
t0=$SECONDS
# shellcheck disable=SC2046
timeout "$OVMF_TIMEOUT" qemu-system-x86_64 $(ovmf_qemu_args "$w/disk.img" "$vars") -display none \
  -chardev socket,id=s0,path="$w/ser.sock",server=on,wait=on -serial chardev:s0 \
  -monitor unix:"$w/mon.sock",server,nowait </dev/null 2> "$w/qemu.log" &
qpid=$!
"$PY" - "$w" "$OVMF_TIMEOUT" <<'PY'
import socket, sys, time
w, limit = sys.argv[1], float(sys.argv[2])
def connect(path):
    s = socket.socket(socket.AF_UNIX)
    for _ in range(200):
        try:
            s.connect(path)
            return s
        except OSError:
            time.sleep(0.1)
    sys.exit("t56: cannot connect to " + path)
ser = connect(w + "/ser.sock")
mon = connect(w + "/mon.sock")
ser.settimeout(0.2)
buf, t0, shot = b"", time.time(), False
while time.time() - t0 < limit:
    try:
        d = ser.recv(65536)
    except socket.timeout:
        continue
    if not d:
        break
    buf += d
    if not shot and b"ukiboot: splash:" in buf:
        mon.sendall(("screendump " + w + "/shot.ppm\n").encode())
        shot = True
    if b"UKIBOOT-MARKERS" in buf and buf.rstrip(b"\r").endswith(b"\n"):
        break
open(w + "/serial.raw", "wb").write(buf)
PY
kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
clean_log "$w/serial.raw" > "$w/serial.log"
echo "# boot splash: $((SECONDS - t0)) s"
log=$w/serial.log
check_grep splash-drawn "$log" "ukiboot: splash: 64x48 image shown"
check_eq splash-booted "$(guest_value "$log" UKIBOOT-CMDLINE)" "$(normalise < "$w/cmdline")"
# The screendump (PPM, red green blue) against the bitmap: each quadrant's colour at the centred position,
# black outside it.
got=$("$PY" - "$w/shot.ppm" <<'PY' 2>&1
import sys
d = open(sys.argv[1], "rb").read()
magic, dims, depth, pix = d.split(b"\n", 3)
w, h = map(int, dims.split())
x0, y0 = (w - 64) // 2, (h - 48) // 2
def at(x, y):
    i = (y * w + x) * 3
    return "%02x%02x%02x" % tuple(pix[i:i + 3])
print(at(x0 + 5, y0 + 5), at(x0 + 60, y0 + 5), at(x0 + 5, y0 + 44), at(x0 + 60, y0 + 44), at(x0 - 1, y0), at(0, 0))
PY
)
check_eq splash-screendump "$got" "f08020 f080e0 108020 1080e0 000000 000000"
# The Linux twin cannot show it before a kexec'd kernel: it says so.
"$top/linux/ukiboot" plan "$d/EFI/Linux/splash.efi" > /dev/null 2> "$w/plan.err"
check_grep splash-linux-twin-note "$w/plan.err" "its .splash is not shown: a kexec has no screen of its own"
exit $(( failures > 0 ))
