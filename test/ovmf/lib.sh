# ukiboot OVMF harness: ESP disk images made with sgdisk + mtools (no root, no loop mounts), QEMU/OVMF
# boots bounded by timeout, serial-log parsing and PASS:/FAIL: reporting. Sourced by the tests.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FIX=${FIXTURES:-$top/build/fixtures}
# Plans made on the host never take this host's SMBIOS OEM strings (tests that want some pass a table).
export UKIBOOT_SMBIOS_TABLE=${UKIBOOT_SMBIOS_TABLE:-/dev/null}
UKIBOOT_EFI=${UKIBOOT_EFI:-$top/efi/ukibootx64.efi}
OVMF_WORK=${OVMF_WORK:-$top/build/ovmf}
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
OVMF_TIMEOUT=${OVMF_TIMEOUT:-150}
STUB=${UKIBOOT_STUB:-/usr/lib/systemd/boot/efi/linuxx64.efi.stub}
SDBOOT=${UKIBOOT_SDBOOT:-/usr/lib/systemd/boot/efi/systemd-bootx64.efi}
PY=/usr/bin/python3     # Debian's python: python3-pefile lives there
# The ESP's GPT partition GUID: LoaderDevicePartUUID must report exactly this.
ESP_PARTUUID=5A1E5C2B-9D4F-4C6B-8A1E-2B3C4D5E6F70
mkdir -p "$OVMF_WORK"

failures=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; failures=$((failures + 1)); }
skip() { echo "SKIP: $1: $2"; }
check_eq() {  # NAME GOT WANT
  if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}
check_grep() {  # NAME FILE PATTERN (fixed string)
  if grep -qF -- "$3" "$2"; then pass "$1"; else fail "$1" "'$3' not in $(basename "$2")"; fi
}

# Start a fresh ESP tree for test NAME; prints its directory. ukiboot goes in as the default boot path.
esp_new() {  # NAME
  local d=$OVMF_WORK/$1/esp
  rm -rf "$OVMF_WORK/$1"; mkdir -p "$d/EFI/BOOT"
  cp "$UKIBOOT_EFI" "$d/EFI/BOOT/BOOTX64.EFI"
  echo "$d"
}

# GPT disk with one ESP (partition GUID $ESP_PARTUUID) holding the tree DIR, and with XBDIR an Extended Boot
# Loader partition (type XBOOTLDR, FAT) after it holding that tree; each sized to fit.
XBOOTLDR_TYPE=bc13c2ff-59e6-4262-a352-b275fd6f7172
fat_size_mib() { echo $(( ($(du -sk "$1" | cut -f1) / 1024) * 12 / 10 + 40 )); }
fat_fill() {  # IMG@@OFFSET DIR SECTORS LABEL
  mformat -i "$1" -T "$3" -h 1 -s 63 -H 2048 -F -v "$4" :: >/dev/null &&
  (cd "$2" && for f in *; do [ -e "$f" ] || continue; mcopy -s -Q -i "$1" "$f" ::/ || exit 1; done)
}
mkdisk() {  # DIR IMG [XBDIR]
  local dir=$1 img=$2 xb=${3:-}
  local mib; mib=$(fat_size_mib "$dir")
  local xmib=0; [ -n "$xb" ] && xmib=$(fat_size_mib "$xb")
  rm -f "$img"; truncate -s "$((mib + xmib + 2))M" "$img"
  if [ -n "$xb" ]; then
    sgdisk -n "1:2048:+${mib}M" -t 1:ef00 -c 1:ESP -u 1:$ESP_PARTUUID \
           -n 2:0:0 -t "2:$XBOOTLDR_TYPE" -c 2:XBOOTLDR "$img" >/dev/null 2>&1
  else
    sgdisk -n 1:2048:0 -t 1:ef00 -c 1:ESP -u 1:$ESP_PARTUUID "$img" >/dev/null 2>&1
  fi || { echo "mkdisk: sgdisk failed" >&2; return 1; }
  local sectors; sectors=$(sgdisk -i 1 "$img" 2>/dev/null | awk '/^Partition size:/{print $3}')
  fat_fill "$img@@1M" "$dir" "$sectors" ESP || return 1
  [ -n "$xb" ] || return 0
  local first; first=$(sgdisk -i 2 "$img" 2>/dev/null | awk '/^First sector:/{print $3}')
  sectors=$(sgdisk -i 2 "$img" 2>/dev/null | awk '/^Partition size:/{print $3}')
  fat_fill "$img@@$((first * 512))" "$xb" "$sectors" XBOOTLDR
}

# QEMU + OVMF on DISK, serial to LOG (or to the chardev given in extra args), bounded by $OVMF_TIMEOUT.
# The disk is a scratch copy: cache=unsafe lets QEMU skip the host fsync a guest's flush asks for, so a busy
# host disk (a CI machine writing gigabytes of clones and images) cannot stall a guest's journal for minutes.
ovmf_qemu_args() {  # DISK VARS
  echo -machine q35,accel=tcg -m 1024 -smp 1 \
    -drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF_CODE" \
    -drive if=pflash,format=raw,unit=1,file="$2" \
    -drive file="$1",format=raw,if=none,id=esp,cache=unsafe -device virtio-blk-pci,drive=esp,bootindex=1 \
    -nic none -no-reboot
}
# A fresh copy of the variable store each boot, unless OVMF_KEEP_VARS=1 and the disk's store exists (a
# second boot that must see what the first one's OS wrote).
boot_ovmf() {  # DISK LOG [extra qemu args...]
  local disk=$1 log=$2; shift 2
  local vars=${disk%.img}.vars.fd
  [ "${OVMF_KEEP_VARS:-0}" = 1 ] && [ -e "$vars" ] || cp "$OVMF_VARS" "$vars"
  local t0=$SECONDS
  # shellcheck disable=SC2046
  timeout "$OVMF_TIMEOUT" qemu-system-x86_64 $(ovmf_qemu_args "$disk" "$vars") \
    -display none -monitor none -serial file:"$log.raw" "$@" </dev/null
  local rc=$?
  clean_log "$log.raw" > "$log"
  echo "# boot $(basename "$(dirname "$disk")"): $((SECONDS - t0)) s (qemu rc=$rc)"
  return 0
}

# Serial output without terminal escapes and carriage returns, so lines can be compared.
clean_log() {
  sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[()][A-Za-z0-9]//g' "$1" | tr -d '\r'
}

# Value of the first "KEY: value" line the guest printed (e.g. UKIBOOT-CMDLINE).
guest_value() {  # LOG KEY
  grep -a -m1 "^$2: " "$1" | sed "s/^$2: //"
}
guest_var() {  # LOG NAME — a Boot Loader Interface variable as /init printed it
  grep -a -m1 "^UKIBOOT-VAR $2: " "$1" | sed "s/^UKIBOOT-VAR $2: //"
}

# A UKI section's bytes as the given profile sees it (oracle independent of common/: pefile).
uki_section() {  # FILE NAME [PROFILE]
  "$PY" "$top/test/ovmf/uki-section.py" "$@"
}
# Command line as the kernel will show it: control characters to spaces, trimmed.
normalise() { tr '\000-\037' ' ' | sed -e 's/^ *//' -e 's/ *$//'; }

# A UKI built from systemd's stub (objcopy, like the fixtures) with an extra initrd piece appended.
mkuki_with_piece() {  # OUT BASE_UKI PIECE.cpio
  local out=$1 base=$2 piece=$3 w; w=$(mktemp -d)
  for s in .osrel .cmdline .uname .linux .initrd; do uki_section "$base" "$s" > "$w/$s"; done
  cat "$w/.initrd" > "$w/initrd"
  local pad=$(( (4 - $(stat -c %s "$w/initrd") % 4) % 4 ))
  head -c "$pad" /dev/zero >> "$w/initrd"; cat "$piece" >> "$w/initrd"
  local args=() vma=$((0x20000))
  for s in .osrel .cmdline .uname .linux initrd; do
    local name=$s; [ "$s" = initrd ] && name=.initrd
    args+=(--add-section "$name=$w/$s" --change-section-vma "$name=$(printf 0x%x $vma)")
    vma=$(( (vma + $(stat -c %s "$w/$s") + 0xfff) & ~0xfff ))
  done
  objcopy "${args[@]}" "$STUB" "$out"; local rc=$?
  rm -rf "$w"; return $rc
}

# A cpio piece adding a hook that prints our own variable (the canonical plan) from efivarfs.
mkhook_plan() {  # OUT
  local w; w=$(mktemp -d); mkdir -p "$w/etc/ukiboot/hooks"
  cat > "$w/etc/ukiboot/hooks/50-plan.sh" <<'HOOK'
v=/sys/firmware/efi/efivars/UkibootPlan-22c44f96-4754-4d81-af20-54b2324bd537
if [ -e "$v" ]; then
  echo "UKIBOOT-PLAN-SHA256: $(tail -c +5 "$v" | sha256sum | cut -d' ' -f1)"
  tail -c +5 "$v" | sed 's/^/UKIBOOT-PLAN: /'; echo
else
  echo "UKIBOOT-PLAN-SHA256: none"
fi
HOOK
  (cd "$w" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$1"
  rm -rf "$w"
}

need_fixtures() {
  for f in "$UKIBOOT_EFI" "$FIX/basic.efi" "$FIX/multiprofile.efi" "$FIX/bad-truncated.efi" "$FIX/bad-nolinux.efi"; do
    [ -e "$f" ] || { echo "FAIL: ovmf-setup: missing $f (make all fixtures)"; exit 1; }
  done
}

# Like boot_ovmf, but the serial console is a unix socket that serial-drive.py logs and types into:
# each PATTERN/KEYS pair fires once, in order, when the guest's output matches PATTERN.
OVMF_DRIVEN_QEMU=()
boot_ovmf_driven() {  # DISK LOG [PATTERN KEYS]...   (more qemu arguments: the array OVMF_DRIVEN_QEMU)
  local disk=$1 log=$2; shift 2
  local vars=${disk%.img}.vars.fd sock=${disk%.img}.serial.sock
  [ "${OVMF_KEEP_VARS:-0}" = 1 ] && [ -e "$vars" ] || cp "$OVMF_VARS" "$vars"
  rm -f "$sock"
  local t0=$SECONDS
  # shellcheck disable=SC2046
  timeout "$OVMF_TIMEOUT" qemu-system-x86_64 $(ovmf_qemu_args "$disk" "$vars") \
    -display none -monitor none -chardev socket,id=ser0,path="$sock",server=on,wait=on -serial chardev:ser0 \
    "${OVMF_DRIVEN_QEMU[@]}" </dev/null 2>"$log.qemu-stderr" &
  local qpid=$!
  "$PY" "$top/test/ovmf/serial-drive.py" "$sock" "$log.raw" "$OVMF_TIMEOUT" "$@"
  wait "$qpid"; local rc=$?
  rm -f "$sock"
  clean_log "$log.raw" > "$log"
  echo "# boot $(basename "$(dirname "$disk")"): $((SECONDS - t0)) s (qemu rc=$rc)"
}

# The one network an OVMF guest gets: QEMU's restricted slirp, 10.0.2.100:80 (and :443 when TLS_PORT is
# given) forwarded to servers on 127.0.0.1, more -netdev options after them (tftp=DIR, other guestfwd=);
# OVMF's own virtio-net driver, PXE off so that the firmware does not try to boot from it.
ovmf_net_args() {  # HTTP_PORT [TLS_PORT] [MORE]  -> sets OVMF_NET (an array of QEMU arguments)
  local nd="user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:busybox nc 127.0.0.1 $1"
  [ -n "${2:-}" ] && nd="$nd,guestfwd=tcp:10.0.2.100:443-cmd:busybox nc 127.0.0.1 $2"
  [ -n "${3:-}" ] && nd="$nd,$3"
  OVMF_NET=(-netdev "$nd" -device virtio-net-pci,netdev=n0,romfile= -fw_cfg name=opt/org.tianocore/IPv4PXESupport,string=n)
}
