#!/usr/bin/env python3
"""How busy the emulated CPU was: wait for the QEMU process whose command line contains MARK, then sample its
threads until it exits and print "<vCPU thread CPU seconds> <wall seconds>" (the thread named "CPU 0/TCG",
else the busiest one). A ratio near 1 means the guest's CPU, emulated on one host core, was the bound.

    vcpu-busy.py MARK TIMEOUT_S
"""
import os
import sys
import time

def find(mark, deadline):
    while time.monotonic() < deadline:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                cmd = open(f"/proc/{pid}/cmdline", "rb").read()
            except OSError:
                continue
            if cmd.startswith(b"qemu-system") and mark.encode() in cmd:
                return pid
        time.sleep(0.05)
    return None

def threads(pid):
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            comm = open(f"/proc/{pid}/task/{tid}/comm").read().strip()
            f = open(f"/proc/{pid}/task/{tid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[tid] = (comm, (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK"))
    return out

def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    start = time.monotonic()
    pid = find(sys.argv[1], start + float(sys.argv[2]))
    if not pid:
        print("- -")
        return
    t0, best = time.monotonic(), {}
    while True:
        try:
            now = threads(pid)
        except OSError:
            break
        if not now:
            break
        # Each thread's latest reading: a sample taken while QEMU exits may miss some threads.
        for tid, (comm, cpu) in now.items():
            if tid not in best or cpu >= best[tid][1]:
                best[tid] = (comm, cpu)
        t1 = time.monotonic()
        time.sleep(0.1)
    vcpu = [c for n, c in best.values() if n.startswith("CPU 0")] or [max((c for _, c in best.values()), default=0)]
    print("%.2f %.2f" % (vcpu[0], t1 - t0))

main()
