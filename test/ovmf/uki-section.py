#!/usr/bin/python3
"""Print a UKI section's bytes as a profile sees it: base section, overridden by the profile's own.
Independent of common/ on purpose (pefile): the tests use it as the oracle for expected values."""
import sys
import pefile

path, name = sys.argv[1], sys.argv[2]
profile = int(sys.argv[3]) if len(sys.argv) > 3 else 0
pe = pefile.PE(path, fast_load=True)
base, profiles, cur = {}, [], None
for s in pe.sections:
    n = s.Name.rstrip(b"\0").decode("ascii", "replace")
    size = s.Misc_VirtualSize or s.SizeOfRawData
    data = s.get_data()[:min(size, s.SizeOfRawData)]
    if n == ".profile":
        cur = {}
        profiles.append(cur)
    (base if cur is None else cur).setdefault(n, data)
secs = dict(base)
if profiles:
    secs.update(profiles[profile])
if name not in secs:
    sys.exit(f"uki-section: {path} has no {name} (profile {profile})")
sys.stdout.buffer.write(secs[name])
