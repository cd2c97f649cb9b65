#!/usr/bin/python3
"""make bench's report: the table and the picture of one run, from the ROW lines the bench scripts append
to one results file:

    ROW GROUP CASE PATH RUN TOTAL [PHASE=SECONDS ...] [rss=KIB]      (TOTAL "fail" for a failed run)

For each GROUP and CASE, one line per PATH: the best total (then median, worst), its ratio to the
reference path of the group (ukiboot's, measured in the same run), the peak RSS where measured, and the
phases of the best run. The SVG has one bar per path, stacked by phase, a scale per group and case.

usage: report.py RESULTS SVG [TITLE]"""
import html
import statistics
import sys

GROUPS = {
    "efi": ("EFI boot under OVMF to the guest's /init", "ukiboot"),
    "load": ("Linux: loading the next kernel (in a TCG guest)", "ukiboot"),
    "soft": ("Reboot into the same UKI: soft (kexec) against firmware", "kexec"),
    "content": ("Linux: plan of the big UKI, layout only against every byte hashed", "layout"),
    "efi-content": ("EFI: the big UKI to its initrd loaded, with and without the content record", "with-record"),
    "soft-systemd": ("Reboot of a systemd system (Debian 12) into its own UKI + 192 MiB: soft against firmware", "kexec"),
    "net": ("Linux: download of the big UKI from nginx on 127.0.0.1", "ukiboot"),
    "efi-http": ("EFI: download of 100 MiB over HTTP", "ukiboot"),
    "unikernel": ("Multiboot unikernel to its first serial line", "kexec"),
}
PATHS = {
    "sdstub": "systemd-stub as BOOTX64.EFI", "sdboot": "systemd-boot -> UKI", "ukiboot": "ukiboot",
    "reader": "limit: efireader reads the UKI", "read-cold": "limit: read the UKI, cold cache",
    "read-warm": "limit: read the UKI, warm cache", "ukiboot-cold": "ukiboot, cold cache", "ukiboot-kexec-load": "ukiboot --kexec-load",
    "kexec-load": "ukiboot kexec --kexec-load (soft reboot)",
    "kexec-tools": "kexec-tools kexec -s -l (extracted files)", "extract": "extracting .linux/.initrd (dd)",
    "kexec-tools+extract": "kexec-tools + the extraction", "kexec": "ukiboot kexec (soft reboot)",
    "firmware": "firmware reboot (OVMF, ukiboot)", "layout": "plan --canonical", "content": "plan --canonical --content", "curl": "curl -o /dev/null", "curl-shm": "curl -o /dev/shm/FILE",
    "httpboot": "OVMF's own HTTP boot (HttpBootDxe)", "qemu": "QEMU's own Multiboot loader (floor)",
}
# Where a path's name means something else in one group.
GROUP_PATHS = {
    ("efi-content", "with-record"): "ukiboot (this build)",
    ("efi-content", "without-record"): "ukiboot without the content record",
    ("unikernel", "firmware"): "QEMU start, OVMF, ukiboot's multiboot entry",
    ("unikernel", "kexec"): "ukiboot kexec --entry in a running Linux guest",
    ("soft-systemd", "firmware"): "systemctl reboot (firmware, ukiboot)",
    ("soft-systemd", "kexec"): "ukiboot kexec --default (systemctl kexec)",
    ("soft-systemd", "kexec-load"): "ukiboot kexec --kexec-load --default",
}
COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
           "#bab0ac", "#86bcb6", "#d37295"]


def label(group, path):
    return GROUP_PATHS.get((group, path), PATHS.get(path, path))


def load(path):
    table = {}   # (group, case) -> {path: [(total, phases, rss)]}
    order = []
    for line in open(path):
        f = line.split()
        if len(f) < 6 or f[0] != "ROW":
            continue
        group, case, p, total = f[1], f[2], f[3], f[5]
        key = (group, case)
        if key not in table:
            table[key] = {}
            order.append(key)
        runs = table[key].setdefault(p, [])
        if total == "fail":
            runs.append(None)
            continue
        phases, rss = [], None
        for kv in f[6:]:
            k, _, v = kv.partition("=")
            if k == "rss":
                rss = int(v)
            elif v:
                phases.append((k, float(v)))
        runs.append((float(total), phases, rss))
    return table, order


def summary(runs):
    ok = sorted((r for r in runs if r), key=lambda r: r[0])
    if not ok:
        return None
    totals = [r[0] for r in ok]
    rss = [r[2] for r in ok if r[2] is not None]
    return {"best": ok[0], "median": statistics.median(totals), "worst": totals[-1], "n": len(ok),
            "failed": len(runs) - len(ok), "rss": statistics.median(rss) if rss else None}


def table_text(table, order):
    out = []
    for key in order:
        group, case = key
        title, ref = GROUPS.get(group, (group, "ukiboot"))
        sums = {p: summary(r) for p, r in table[key].items()}
        refbest = sums.get(ref)["best"][0] if sums.get(ref) else None
        out.append("")
        out.append(f"{title} — {case}")
        out.append(f"  {'path':50} {'best (median, worst) s':26} {'vs ' + ref:>9} {'RSS':>9}  phases of the best run (s)")
        for p, s in sums.items():
            name = label(group, p)
            if not s:
                out.append(f"  {name:50} {'failed':26}")
                continue
            t = f"{s['best'][0]:.2f} ({s['median']:.2f}, {s['worst']:.2f})"
            ratio = f"{s['best'][0] / refbest:.2f}x" if refbest else "-"
            rss = f"{s['rss'] / 1024:.1f} MiB" if s["rss"] is not None else ""
            ph = ", ".join(f"{k} {v:.2f}" for k, v in s["best"][1])
            fail = f" ({s['failed']} failed)" if s["failed"] else ""
            out.append(f"  {name:50} {t:26} {ratio:>9} {rss:>9}  {ph}{fail}")
    return "\n".join(out)


def svg(table, order, title):
    width, left, right, bar, gap = 1100, 330, 150, 18, 6
    y = 50
    body = []
    colour = {}
    for key in order:
        group, case = key
        gtitle, _ = GROUPS.get(group, (group, ""))
        sums = {p: summary(r) for p, r in table[key].items()}
        scale_max = max((s["best"][0] for s in sums.values() if s), default=0)
        if scale_max <= 0:
            continue
        body.append(f'<text x="10" y="{y + 14}" font-weight="bold">{html.escape(gtitle)} — {html.escape(case)}</text>')
        y += 24
        px = (width - left - right) / scale_max
        for p, s in sums.items():
            body.append(f'<text x="{left - 8}" y="{y + bar - 5}" text-anchor="end">{html.escape(label(group, p))}</text>')
            if not s:
                body.append(f'<text x="{left}" y="{y + bar - 5}">failed</text>')
                y += bar + gap
                continue
            x = left
            total, phases, _ = s["best"]
            if not phases:
                phases = [("total", total)]
            for k, v in phases:
                if k not in colour:
                    colour[k] = COLOURS[len(colour) % len(COLOURS)]
                w = max(v, 0) * px
                body.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour[k]}">'
                            f'<title>{html.escape(k)}: {v:.2f} s</title></rect>')
                x += w
            body.append(f'<text x="{x + 6:.1f}" y="{y + bar - 5}">{total:.2f} s</text>')
            y += bar + gap
        y += 12
    legend = []
    lx = 10
    for k, c in colour.items():
        legend.append(f'<rect x="{lx}" y="{y}" width="12" height="12" fill="{c}"/>'
                      f'<text x="{lx + 16}" y="{y + 11}">{html.escape(k)}</text>')
        lx += 30 + 7 * len(k)
        if lx > width - 150:
            lx = 10
            y += 18
    y += 30
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y}" font-family="sans-serif" '
            f'font-size="12"><rect width="100%" height="100%" fill="white"/>'
            f'<text x="10" y="24" font-size="15" font-weight="bold">{html.escape(title)}</text>')
    return head + "".join(body) + "".join(legend) + "</svg>\n"


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    table, order = load(sys.argv[1])
    title = sys.argv[3] if len(sys.argv) == 4 else "ukiboot bench"
    print(title)
    print(table_text(table, order))
    with open(sys.argv[2], "w") as f:
        f.write(svg(table, order, title + " (best run of each path, stacked by phase)"))


if __name__ == "__main__":
    main()
