#!/usr/bin/python3
"""Copy a guest's serial output from stdin to a stamp file, one line per output line prefixed with
the seconds since this program started ("12.345 UKIBOOT-CMDLINE: ..."), terminal escapes and
carriage returns removed. With --echo the raw bytes also go to stdout as they arrive (the demo
shows the EFI menu that way).   usage: stamp.py [--echo] STAMPFILE"""
import os
import re
import sys
import time

args = sys.argv[1:]
echo = args[:1] == ["--echo"]
if echo:
    args = args[1:]
if len(args) != 1:
    sys.exit(__doc__)
t0 = time.monotonic()
ansi = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\r")
buf = b""
with open(args[0], "w") as out:
    while True:
        data = os.read(0, 65536)
        if not data:
            break
        if echo:
            os.write(1, data)
        buf += data
        *lines, buf = buf.split(b"\n")
        now = time.monotonic() - t0
        for line in lines:
            out.write("%.3f %s\n" % (now, ansi.sub(b"", line).decode("utf-8", "replace")))
        out.flush()
    if buf:
        out.write("%.3f %s\n" % (time.monotonic() - t0, ansi.sub(b"", buf).decode("utf-8", "replace")))
