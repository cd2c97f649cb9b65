#!/usr/bin/python3
"""Drive a guest's serial console over QEMU's unix socket chardev: log everything it prints, and when
the (escape-stripped) output matches a step's pattern, type that step's keys.
usage: serial-drive.py SOCKET LOG TIMEOUT [PATTERN KEYS]...   (KEYS use Python escapes: '\\x1b[B', '\\r')"""
import re
import socket
import sys
import time

sock_path, log_path, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
steps = [(re.compile(sys.argv[i]), sys.argv[i + 1].encode().decode("unicode_escape").encode("latin-1"))
         for i in range(4, len(sys.argv) - 1, 2)]
ansi = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\r")

deadline = time.monotonic() + timeout
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
while True:
    try:
        s.connect(sock_path)
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("serial-drive: cannot connect")
        time.sleep(0.1)
s.settimeout(0.5)
seen = b""          # cleaned output since the last step fired
with open(log_path, "wb") as log:
    while time.monotonic() < deadline:
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        if not data:
            break
        log.write(data)
        log.flush()
        seen += ansi.sub(b"", data)
        while steps and steps[0][0].search(seen.decode("latin-1")):
            # Let the firmware's terminal settle before typing, but keep reading meanwhile: a guest whose
            # serial output is not drained stalls, and parts of its screen were seen to get lost. What
            # arrives meanwhile counts towards the next step, as it did when it was read afterwards.
            held = b""
            def drain(seconds):
                global held
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    try:
                        more = s.recv(65536)
                    except socket.timeout:
                        continue
                    if not more:
                        return
                    log.write(more)
                    log.flush()
                    held += more
            s.settimeout(0.05)
            drain(0.5)
            for ch in [steps[0][1]] if steps[0][1].startswith(b"\x1b") else [bytes([c]) for c in steps[0][1]]:
                s.sendall(ch)
                drain(0.05)
            s.settimeout(0.5)
            print(f"serial-drive: matched {steps[0][0].pattern!r}, sent {steps[0][1]!r}", flush=True)
            steps.pop(0)
            seen = ansi.sub(b"", held)
if steps:
    print(f"serial-drive: {len(steps)} step(s) never matched", flush=True)
