#!/usr/bin/env python3
"""Power loss on cue: run a QEMU command line with its serial port in a file, wait until the serial output
contains MARKER, wait DELAY_MS more, then SIGKILL QEMU (no flush, no shutdown: what a pulled plug does to
the guest). Prints one line: "killed <ms after the marker>" or "no-marker" (QEMU ended or TIMEOUT passed
first). The disk image keeps whatever QEMU had written to it by then.

    kill-after.py MARKER DELAY_MS TIMEOUT_S SERIAL_FILE -- qemu-system-x86_64 ARGS...
"""
import os
import signal
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 7 or sys.argv[5] != "--":
        sys.exit(__doc__)
    marker = sys.argv[1].encode()
    delay = int(sys.argv[2]) / 1000.0
    timeout = float(sys.argv[3])
    serial = sys.argv[4]
    cmd = sys.argv[6:]
    open(serial, "wb").close()
    qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = time.monotonic()
    seen = None
    with open(serial, "rb") as f:
        data = b""
        while qemu.poll() is None and time.monotonic() - start < timeout:
            chunk = f.read()
            if chunk:
                data += chunk
                if marker in data:
                    seen = time.monotonic()
                    break
            else:
                time.sleep(0.0005)
    if seen is None:
        if qemu.poll() is None:
            qemu.kill()
        qemu.wait()
        print("no-marker")
        return
    while time.monotonic() < seen + delay:
        pass                                    # busy wait: sleep() overshoots by more than the short delays
    os.kill(qemu.pid, signal.SIGKILL)
    killed = time.monotonic()
    qemu.wait()
    print("killed %.1f" % ((killed - seen) * 1000))


if __name__ == "__main__":
    main()
