#!/usr/bin/env bash
# TPM measurements: ukiboot must leave the PCRs systemd leaves, so policies sealed against a UKI's PCR 11
# (systemd-measure / systemd-cryptenroll --tpm2-pcrs=11) hold whichever of the two boots it.
# Each boot gets a fresh swtpm (TPM 2.0, PCRs at zero). The UKI is basic.efi plus a hook that prints the
# guest's PCRs (/sys/class/tpm/tpm0/pcr-sha256/N) and its firmware event log.
#   A: the UKI as BOOTX64.EFI: systemd-stub 252 measures.      B: ukiboot boots it as a Type #2 entry.
#   C: systemd-boot 252 + stub, Type #1 `efi` entry + options.  D: ukiboot, the same entry as `uki`.
# Oracles independent of ukiboot: systemd-measure and a Python simulation of the extends (pefile, hashlib).
source "$(dirname "$0")/lib.sh"
need_fixtures
command -v swtpm >/dev/null || { skip tpm "swtpm not installed (scripts/install-deps)"; exit 0; }
# A directory of its own per run (the suite may run twice at once on a shared machine, and swtpm locks its
# state directory): kept on failure for diagnosis, removed on success.
w=$(mktemp -d "$OVMF_WORK/tpm.XXXXXX"); echo "# work directory $w"
MEASURE=/usr/lib/systemd/systemd-measure
UKIBOOT=$top/linux/ukiboot
OPTS="console=ttyS0 panic=-1 ukiboot.test=tpm"

# Expected PCR 11 / PCR 12 computed the slow, obvious way: systemd-stub 252's section order, each section
# as two extends (name + NUL, then the section's bytes); the command line as UTF-16 + NUL, extended twice
# (systemd-boot measures the options it passes, the stub measures them again).
sim_pcr11() {  # UKI
  "$PY" - "$1" <<'EOF'
import hashlib, sys, pefile
pe = pefile.PE(sys.argv[1], fast_load=True)
secs = {}
for s in pe.sections:
    n = s.Name.rstrip(b"\0").decode()
    if n not in secs and s.Misc_VirtualSize:
        raw = s.get_data()[:min(s.Misc_VirtualSize, s.SizeOfRawData)]
        secs[n] = raw + bytes(s.Misc_VirtualSize - len(raw))
pcr = bytes(32)
def ext(d):
    global pcr
    pcr = hashlib.sha256(pcr + hashlib.sha256(d).digest()).digest()
for n in (".linux", ".osrel", ".cmdline", ".initrd", ".splash", ".dtb", ".pcrpkey"):
    if n in secs:
        ext(n.encode() + b"\0"); ext(secs[n])
print(pcr.hex())
EOF
}
sim_pcr12_twice() {  # TEXT
  "$PY" -c '
import hashlib, sys
pcr, d = bytes(32), (sys.argv[1] + "\0").encode("utf-16-le")
for _ in range(2):
    pcr = hashlib.sha256(pcr + hashlib.sha256(d).digest()).digest()
print(pcr.hex())' "$1"
}
measure_pcr11() {  # UKI: systemd-measure over the sections (no boot phase)
  local d; d=$(mktemp -d) args=()
  for s in linux osrel cmdline initrd splash dtb pcrpkey; do
    uki_section "$1" ".$s" > "$d/$s" 2>/dev/null && args+=(--$s="$d/$s")
  done
  "$MEASURE" calculate "${args[@]}" --bank=sha256 --phase= 2>/dev/null | sed -n 's/^11:sha256=//p'
  rm -rf "$d"
}

# Host side first: three computations of basic.efi's PCR 11 must agree.
host=$("$UKIBOOT" inspect --pcr11 "$FIX/basic.efi" | sed -n 's/^11:sha256=//p')
sim=$(sim_pcr11 "$FIX/basic.efi")
echo "# basic.efi PCR 11: inspect=$host simulated=$sim"
check_eq tpm-inspect-pcr11-basic "$host" "$sim"
if [ -x "$MEASURE" ]; then
  check_eq tpm-inspect-pcr11-systemd-measure "$host" "$(measure_pcr11 "$FIX/basic.efi")"
else
  skip tpm-inspect-pcr11-systemd-measure "no $MEASURE"
fi
mp0=$("$UKIBOOT" inspect --pcr11 --profile 0 "$FIX/multiprofile.efi" | sed -n 's/^11:sha256=//p')
mp1=$("$UKIBOOT" inspect --pcr11 --profile 1 "$FIX/multiprofile.efi" | sed -n 's/^11:sha256=//p')
[ -n "$mp0" ] && [ -n "$mp1" ] && [ "$mp0" != "$mp1" ] && pass tpm-inspect-pcr11-profiles-differ ||
  fail tpm-inspect-pcr11-profiles-differ "profile 0 '$mp0', profile 1 '$mp1'"

# The guest hook: PCRs and the firmware's event log (base64, decoded on the host).
h=$(mktemp -d); mkdir -p "$h/etc/ukiboot/hooks"
cat > "$h/etc/ukiboot/hooks/90-tpm.sh" <<'HOOK'
for p in 8 9 11 12 13; do
  f=/sys/class/tpm/tpm0/pcr-sha256/$p
  [ -e "$f" ] && echo "UKIBOOT-PCR$p: $(tr A-F a-f < "$f")" || echo "UKIBOOT-PCR$p: none"
done
mkdir -p /sys/kernel/security && mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
l=/sys/kernel/security/tpm0/binary_bios_measurements
[ -e "$l" ] && base64 "$l" | sed 's/^/UKIBOOT-EVLOG: /'
HOOK
(cd "$h" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$w/hook-tpm.cpio"
rm -rf "$h"
uki=$w/tpm.efi
mkuki_with_piece "$uki" "$FIX/basic.efi" "$w/hook-tpm.cpio" || { fail tpm-setup "mkuki"; exit 1; }
want11=$(sim_pcr11 "$uki")
host11=$("$UKIBOOT" inspect --pcr11 "$uki" | sed -n 's/^11:sha256=//p')
check_eq tpm-inspect-pcr11-hook-uki "$host11" "$want11"
want12=$(sim_pcr12_twice "$OPTS")

# One boot of ESP tree DIR with a fresh software TPM; serial log in DIR/../serial.log.
boot_tpm() {  # NAME
  local b=$w/$1 t0=$SECONDS
  rm -rf "$b/tpm"; mkdir -p "$b/tpm"    # fresh TPM state: all PCRs start at zero
  swtpm socket --tpm2 --tpmstate dir="$b/tpm" --ctrl type=unixio,path="$b/tpm/sock" \
    --log file="$b/tpm/swtpm.log" >/dev/null 2>&1 &
  local tpid=$!
  for _ in $(seq 50); do [ -S "$b/tpm/sock" ] && break; sleep 0.1; done
  mkdisk "$b/esp" "$b/disk.img" || { fail "tpm-$1-setup" mkdisk; kill "$tpid"; return 1; }
  # shellcheck disable=SC2086
  boot_ovmf "$b/disk.img" "$b/serial.log" -chardev socket,id=chrtpm,path="$b/tpm/sock" \
    -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0 ${TPM_QEMU_EXTRA:-}
  kill "$tpid" 2>/dev/null; wait "$tpid" 2>/dev/null
  for p in 11 12; do echo "# $1 PCR $p: $(guest_value "$b/serial.log" UKIBOOT-PCR$p)"; done
  "$PY" "$top/test/ovmf/t90-evlog.py" "$b/serial.log" "${EVPCRS:-11,12}" > "$b/events" 2>"$b/events.err" || true
  echo "# $1: $((SECONDS - t0)) s"
}
pcr() { guest_value "$w/$1/serial.log" "UKIBOOT-PCR$2"; }

# A: systemd-stub alone.
mkdir -p "$w/A/esp/EFI/BOOT"; cp "$uki" "$w/A/esp/EFI/BOOT/BOOTX64.EFI"
boot_tpm A
# B: ukiboot, Type #2.
mkdir -p "$w/B/esp/EFI/BOOT" "$w/B/esp/EFI/Linux"
cp "$UKIBOOT_EFI" "$w/B/esp/EFI/BOOT/BOOTX64.EFI"; cp "$uki" "$w/B/esp/EFI/Linux/tpm.efi"
boot_tpm B

a11=$(pcr A 11) b11=$(pcr B 11)
[ -n "$a11" ] && [ "$a11" != none ] && pass tpm-A-has-tpm || fail tpm-A-has-tpm "guest saw no TPM PCR 11 ('$a11')"
check_eq tpm-A-stub-pcr11-oracle "$a11" "$want11"
check_eq tpm-B-pcr11-equals-stub "$b11" "$a11"
check_eq tpm-B-pcr11-equals-inspect "$b11" "$host11"
check_eq tpm-B-pcr12-equals-stub "$(pcr B 12)" "$(pcr A 12)"
check_eq tpm-B-pcr13-equals-stub "$(pcr B 13)" "$(pcr A 13)"
check_eq tpm-B-var-StubPcrKernelImage "$(guest_var "$w/B/serial.log" StubPcrKernelImage)" \
  "$(guest_var "$w/A/serial.log" StubPcrKernelImage)"
for v in StubPcrKernelParameters StubPcrInitRDSysExts; do
  check_eq "tpm-B-var-$v" "$(guest_var "$w/B/serial.log" $v)" "$(guest_var "$w/A/serial.log" $v)"
done
if [ -s "$w/A/events" ] && cmp -s "$w/A/events" "$w/B/events"; then
  pass tpm-B-eventlog-11-12-equals-stub
else
  fail tpm-B-eventlog-11-12-equals-stub "PCR 11/12 events differ or are missing (diff $w/A/events $w/B/events)"
fi
check_grep tpm-B-logged "$w/B/serial.log" "ukiboot: tpm: measured 4 sections into PCR 11 (as systemd-stub 252)"

# C: systemd-boot 252 + stub with a Type #1 entry carrying options; D: ukiboot with the same entry.
for x in C D; do
  mkdir -p "$w/$x/esp/EFI/BOOT" "$w/$x/esp/ukis" "$w/$x/esp/loader/entries"
  cp "$uki" "$w/$x/esp/ukis/tpm.efi"
  printf 'default t1.conf\ntimeout 0\n' > "$w/$x/esp/loader/loader.conf"
done
cp "$SDBOOT" "$w/C/esp/EFI/BOOT/BOOTX64.EFI"
printf 'title TPM options\nefi /ukis/tpm.efi\noptions %s\n' "$OPTS" > "$w/C/esp/loader/entries/t1.conf"
cp "$UKIBOOT_EFI" "$w/D/esp/EFI/BOOT/BOOTX64.EFI"
printf 'title TPM options\nuki /ukis/tpm.efi\noptions %s\n' "$OPTS" > "$w/D/esp/loader/entries/t1.conf"
boot_tpm C
boot_tpm D

c12=$(pcr C 12)
check_eq tpm-C-cmdline "$(guest_value "$w/C/serial.log" UKIBOOT-CMDLINE)" "$OPTS"
check_eq tpm-D-cmdline "$(guest_value "$w/D/serial.log" UKIBOOT-CMDLINE)" "$OPTS"
check_eq tpm-C-sdboot-pcr12-oracle "$c12" "$want12"
check_eq tpm-D-pcr12-equals-sdboot "$(pcr D 12)" "$c12"
check_eq tpm-D-pcr11-equals-sdboot "$(pcr D 11)" "$(pcr C 11)"
check_eq tpm-D-pcr11-equals-inspect "$(pcr D 11)" "$host11"
check_eq tpm-D-pcr8-equals-sdboot "$(pcr D 8)" "$(pcr C 8)"
check_eq tpm-D-pcr13-equals-sdboot "$(pcr D 13)" "$(pcr C 13)"
for v in StubPcrKernelImage StubPcrKernelParameters StubPcrInitRDSysExts; do
  check_eq "tpm-D-var-$v" "$(guest_var "$w/D/serial.log" $v)" "$(guest_var "$w/C/serial.log" $v)"
done
if [ -s "$w/C/events" ] && cmp -s "$w/C/events" "$w/D/events"; then
  pass tpm-D-eventlog-11-12-equals-sdboot
else
  fail tpm-D-eventlog-11-12-equals-sdboot "PCR 11/12 events differ or are missing (diff $w/C/events $w/D/events)"
fi

# E: measured, then the start fails: entry a's kernel lacks the 64-bit handover entry and loader.conf forces
# the handover protocol, so it fails after its PCR 11/12 extends. Entry b would boot, but not with PCRs
# that describe a: with reboot-on-error the machine resets instead (QEMU exits: -no-reboot).
mkdir -p "$w/E/esp/EFI/BOOT" "$w/E/esp/ukis" "$w/E/esp/loader/entries"
cp "$UKIBOOT_EFI" "$w/E/esp/EFI/BOOT/BOOTX64.EFI"; cp "$uki" "$w/E/esp/ukis/tpm.efi"
"$PY" - "$uki" "$w/E/esp/ukis/noho.efi" <<'PY'
import sys, pefile
data = bytearray(open(sys.argv[1], "rb").read())
pe = pefile.PE(data=bytes(data), fast_load=True)
s = next(s for s in pe.sections if s.Name.rstrip(b"\0") == b".linux")
at = s.PointerToRawData + 0x236          # xloadflags: clear XLF_EFI_HANDOVER_64 (bit 3)
data[at] &= ~8 & 0xff
open(sys.argv[2], "wb").write(data)
PY
printf 'timeout 0\nukiboot-handover yes\nreboot-on-error yes\n' > "$w/E/esp/loader/loader.conf"
printf 'title No handover\nsort-key a\nuki /ukis/noho.efi\n' > "$w/E/esp/loader/entries/a.conf"
printf 'title Good\nsort-key b\nuki /ukis/tpm.efi\n' > "$w/E/esp/loader/entries/b.conf"
boot_tpm E
check_grep tpm-E-measured "$w/E/serial.log" "ukiboot: tpm: measured 4 sections into PCR 11"
check_grep tpm-E-start-failed "$w/E/serial.log" "ukiboot: error: a.conf: cannot use the EFI handover protocol"
check_grep tpm-E-no-fallback "$w/E/serial.log" \
  "ukiboot: entry a.conf failed (Unsupported) after the TPM measured it: not booting another entry; rebooting (reboot-on-error)"
grep -q "falling back to entry b.conf" "$w/E/serial.log" && fail tpm-E-b-not-booted "b.conf was booted after a.conf's measurements" ||
  pass tpm-E-b-not-booted
check_eq tpm-E-no-kernel "$(grep -ac 'UKIBOOT-CMDLINE' "$w/E/serial.log")" 0

# F: systemd-stub 252 alone with credentials next to it, global credentials and a system extension;
# G: ukiboot booting the same UKI with the same files next to it. Each archive is measured whole: PCR 12
# (credentials) and 13 (sysext) and their event log entries must be the stub's.
for x in F G; do
  mkdir -p "$w/$x/esp/EFI/BOOT" "$w/$x/esp/loader/credentials"
  printf 'global secret\n' > "$w/$x/esp/loader/credentials/global.cred"
done
cp "$uki" "$w/F/esp/EFI/BOOT/BOOTX64.EFI"; ex=$w/F/esp/EFI/BOOT/BOOTX64.EFI.extra.d
cp "$UKIBOOT_EFI" "$w/G/esp/EFI/BOOT/BOOTX64.EFI"; mkdir -p "$w/G/esp/EFI/Linux"; cp "$uki" "$w/G/esp/EFI/Linux/tpm.efi"
for ex in "$w/F/esp/EFI/BOOT/BOOTX64.EFI.extra.d" "$w/G/esp/EFI/Linux/tpm.efi.extra.d"; do
  mkdir -p "$ex"; printf 'one\n' > "$ex/a.cred"; printf 'two!\n' > "$ex/b.cred"; head -c 3000 /dev/zero | tr '\0' 's' > "$ex/ext.raw"
done
printf 'timeout 0\n' > "$w/G/esp/loader/loader.conf"
EVPCRS=12,13 boot_tpm F
EVPCRS=12,13 boot_tpm G
f12=$(pcr F 12)
[ -n "$f12" ] && [ "$f12" != none ] && [ "$f12" != 0000000000000000000000000000000000000000000000000000000000000000 ] &&
  pass tpm-F-stub-measured-credentials || fail tpm-F-stub-measured-credentials "PCR 12 '$f12'"
check_eq tpm-G-pcr12-credentials-equal-stub "$(pcr G 12)" "$f12"
check_eq tpm-G-pcr13-sysext-equals-stub "$(pcr G 13)" "$(pcr F 13)"
if [ -s "$w/F/events" ] && cmp -s "$w/F/events" "$w/G/events"; then
  pass "tpm-G-eventlog-12-13-equals-stub ($(wc -l < "$w/F/events") events)"
else
  fail tpm-G-eventlog-12-13-equals-stub "PCR 12/13 events differ or are missing (diff $w/F/events $w/G/events)"
fi
for v in StubPcrKernelParameters StubPcrInitRDSysExts; do
  check_eq "tpm-G-var-$v" "$(guest_var "$w/G/serial.log" $v)" "$(guest_var "$w/F/serial.log" $v)"
done

# H: what v257+ stubs measure beyond 252's. A multi-profile UKI (Debian's 252 stub with a v257 magic: ukiboot
# follows the magic) booted at profile 1, with an addon (.cmdline, .ucode, .initrd), under an SMBIOS
# command-line extra. Without options PCR 12 holds the profile's tagged event (its number as UTF-16), the
# addons' line and the extra (UTF-16), then the addon's .ucode and .initrd as tagged events described by its
# file name: computed here the obvious way.
"$PY" -c 'import sys; d = open(sys.argv[1], "rb").read(); i = d.find(b"#### LoaderInfo: systemd-stub 252")
assert i >= 0; open(sys.argv[2], "wb").write(d[:i + 30] + b"257" + d[i + 33:])' "$STUB" "$w/stub257.efi"
for s in linux osrel initrd; do uki_section "$uki" ".$s" > "$w/tpm-$s"; done
printf 'ID=main\n' > "$w/p0"; printf 'ID=second\n' > "$w/p1"
printf '%s' "$OPTS" > "$w/c0"; printf '%s ukiboot.profile=1' "$OPTS" > "$w/c1"
mkdir -p "$w/H/esp/EFI/BOOT" "$w/H/esp/EFI/Linux" "$w/H/esp/loader"
"$PY" "$top/test/fixtures/mkuki.py" "$w/stub257.efi" "$w/H/esp/EFI/Linux/mp.efi" .osrel="$w/tpm-osrel" \
  .cmdline="$w/c0" .linux="$w/tpm-linux" .initrd="$w/tpm-initrd" .profile="$w/p0" .profile="$w/p1" \
  .cmdline="$w/c1" > /dev/null || fail tpm-H-setup "mkuki.py"
mkdir -p "$w/H/esp/EFI/Linux/mp.efi.extra.d"; printf 'ukiboot.addon=1' > "$w/addon-c"
"$PY" "$top/test/fixtures/mkuki.py" "$STUB" "$w/H/esp/EFI/Linux/mp.efi.extra.d/x.addon.efi" .cmdline="$w/addon-c" \
  .ucode="$FIX/marker-ucode.cpio" .initrd="$FIX/marker-addon.cpio" > /dev/null || fail tpm-H-setup "addon"
cp "$UKIBOOT_EFI" "$w/H/esp/EFI/BOOT/BOOTX64.EFI"
printf 'timeout 0\ndefault mp.efi@1\n' > "$w/H/esp/loader/loader.conf"
EVPCRS=12 TPM_QEMU_EXTRA="-smbios type=11,value=io.systemd.stub.kernel-cmdline-extra=ukiboot.smbios=1" boot_tpm H
want12h=$("$PY" -c '
import hashlib, sys
pcr = bytes(32)
events = [d.encode("utf-16-le") for d in ("1\0", "ukiboot.addon=1\0", "ukiboot.smbios=1\0")]
events += [open(f, "rb").read() for f in sys.argv[1:]]
for d in events:
    pcr = hashlib.sha256(pcr + hashlib.sha256(d).digest()).digest()
print(pcr.hex())' "$FIX/marker-ucode.cpio" "$FIX/marker-addon.cpio")
check_eq tpm-H-cmdline "$(guest_value "$w/H/serial.log" UKIBOOT-CMDLINE)" \
  "$OPTS ukiboot.profile=1 ukiboot.addon=1 ukiboot.smbios=1"
check_eq tpm-H-addon-markers "$(guest_value "$w/H/serial.log" UKIBOOT-MARKERS)" "addon initrd ucode"
check_eq tpm-H-pcr12-profile-and-smbios "$(pcr H 12)" "$want12h"
check_eq tpm-H-var-StubProfile "$(guest_var "$w/H/serial.log" StubProfile)" 1
# The event log: the profile as EV_EVENT_TAG (6) with systemd's tag 0x13aed6db, the addons' line and the extra
# as EV_IPL, the addon's .ucode (tag 0xdac08e1a) and .initrd (tag 0x49dffe0f), each with its name's size (24).
ev=$(cut -d' ' -f1,2,4 "$w/H/events" 2>/dev/null | cut -c1-40 | tr '\n' '|')
check_eq tpm-H-eventlog "$ev" "12 00000006 hex:dbd6ae130400000031000000|12 0000000d utf-16-le:ukiboot.addon=1\\0|\
12 0000000d utf-16-le:ukiboot.smbios=1\\0|12 00000006 hex:1a8ec0da1800000078002e00|12 00000006 hex:0ffedf491800000078002e00|"

# Without a TPM the stub still sets some of these variables (252 counts absent credential archives as
# measured). The suite's earlier boots have no TPM: compare their logs if they come from this ukiboot.
for pair in "basic sd-stub" "type1 sd-boot"; do
  set -- $pair
  ours=$OVMF_WORK/$1/serial.log ref=$OVMF_WORK/$2/serial.log
  if [ -s "$ours" ] && [ -s "$ref" ] && [ "$ours" -nt "$UKIBOOT_EFI" ]; then
    for v in StubPcrKernelImage StubPcrKernelParameters StubPcrInitRDSysExts; do
      check_eq "tpm-none-$1-var-$v" "$(guest_var "$ours" $v)" "$(guest_var "$ref" $v)"
    done
  else
    skip "tpm-none-$1-vars" "no fresh logs of $1 and $2 (run the whole suite)"
  fi
done
[ "$failures" -eq 0 ] && rm -rf "$w"
exit $(( failures > 0 ))
