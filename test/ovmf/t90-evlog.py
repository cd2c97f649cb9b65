#!/usr/bin/python3
"""Read the TPM event log a t90 guest printed (UKIBOOT-EVLOG: base64 lines of
/sys/kernel/security/tpm0/binary_bios_measurements) and print one line per event of the PCRs asked for:
'<pcr> <event type hex> <sha256 digest> <event data as text>'. Crypto-agile (TCG2) format only.
Written from the TCG PC Client Platform Firmware Profile; independent of ukiboot's code on purpose."""
import base64
import re
import struct
import sys

log_path, pcrs = sys.argv[1], {int(p) for p in sys.argv[2].split(",")}
# The kernel may print onto the same serial line (seen: "[    2.01] tsc: Refined TSC ..." after the
# base64): only the leading run of base64 characters of each line is ours.
b64 = "".join(re.match(r"[A-Za-z0-9+/=]*", l.split("UKIBOOT-EVLOG: ", 1)[1]).group(0)
              for l in open(log_path, errors="replace") if l.startswith("UKIBOOT-EVLOG: "))
data = base64.b64decode(b64)
if not data:
    sys.exit("t90-evlog: no event log in " + log_path)

# First event: SHA-1 format header whose data is the Spec ID event listing the digest sizes.
pcr, etype = struct.unpack_from("<II", data, 0)
off = 8 + 20
size, = struct.unpack_from("<I", data, off)
off += 4
spec = data[off:off + size]
off += size
if not spec.startswith(b"Spec ID Event03"):
    sys.exit("t90-evlog: not a crypto-agile log")
nalg, = struct.unpack_from("<I", spec, 24)
sizes = {}
for i in range(nalg):
    alg, dsize = struct.unpack_from("<HH", spec, 28 + 4 * i)
    sizes[alg] = dsize


def text(ev):
    """Event data shown readably: UTF-16 or ASCII text if it is that, else hex."""
    for enc in ("utf-16-le", "ascii"):
        try:
            s = ev.decode(enc)
            if s and all(c.isprintable() or c == "\0" for c in s):
                return enc + ":" + s.replace("\0", "\\0")
        except UnicodeDecodeError:
            pass
    return "hex:" + ev.hex()


while off + 12 <= len(data):
    pcr, etype, count = struct.unpack_from("<III", data, off)
    off += 12
    sha256 = None
    for _ in range(count):
        alg, = struct.unpack_from("<H", data, off)
        off += 2
        if alg == 0x000B:
            sha256 = data[off:off + sizes[alg]].hex()
        off += sizes[alg]
    size, = struct.unpack_from("<I", data, off)
    off += 4
    ev = data[off:off + size]
    off += size
    if pcr in pcrs:
        print(pcr, "%08x" % etype, sha256, text(ev))
