#!/usr/bin/env bash
# Power loss while a boot is being counted. The one write ukiboot makes to the ESP is boot counting's
# rename (EFI_FILE_PROTOCOL.SetInfo with the new name, then Flush: the FAT driver writes the directory
# entries back). QEMU is killed (SIGKILL: no flush, no shutdown) at a sweep of delays after the console
# says the rename starts; each time the ESP must pass fsck.fat -n and hold the entry under exactly one
# name, the old (the boot was not counted; the next boot counts it) or the new. The last delay lies past
# the write, so the sweep spans it: at least one run must find the new name.
source "$(dirname "$0")/lib.sh"
need_fixtures
w=$OVMF_WORK/powerloss; d=$(esp_new powerloss)
mkdir -p "$d/ukis" "$d/loader/entries"
cp "$FIX/basic.efi" "$d/ukis/basic.efi"
old=counted-entry-with-a-long-file-name+3.conf
new=counted-entry-with-a-long-file-name+2-1.conf
printf 'title Counted\nuki /ukis/basic.efi\n' > "$d/loader/entries/$old"
# Neighbours, so the long name's directory entries (several LFN slots each) share sectors with others.
for i in 1 2 3 4 5 6 7 8 9; do printf 'title Other %s\nuki /ukis/missing.efi\n' "$i" > "$d/loader/entries/other-$i.conf"; done
printf 'default counted-entry-with-a-long-file-name.conf\ntimeout 0\n' > "$d/loader/loader.conf"
mkdisk "$d" "$w/base.img" || { fail powerloss-setup "mkdisk"; exit 1; }

delays="0 2 4 6 8 10 12 16 24 40 400"
run_one() {  # DELAY_MS
  local ms=$1 img=$w/d$1.img vars=$w/d$1.vars.fd
  cp "$w/base.img" "$img"; cp "$OVMF_VARS" "$vars"
  # shellcheck disable=SC2046
  "$PY" "$top/test/ovmf/kill-after.py" "counting this boot:" "$ms" "$OVMF_TIMEOUT" "$w/d$ms.raw" -- \
    qemu-system-x86_64 $(ovmf_qemu_args "$img" "$vars") -display none -monitor none -serial file:"$w/d$ms.raw" \
    > "$w/d$ms.kill"
}
set -- $delays
while [ $# -gt 0 ]; do
  run_one "$1" & [ $# -gt 1 ] && run_one "$2" & wait
  shift; [ $# -gt 0 ] && shift
done

found_new=0
for ms in $delays; do
  img=$w/d$ms.img part=$w/d$ms.part
  kill=$(cat "$w/d$ms.kill")
  case $kill in killed*) ;; *) fail "powerloss-${ms}ms" "the rename never started ($kill)"; continue ;; esac
  dd if="$img" of="$part" bs=1M skip=1 status=none
  if fsck.fat -n "$part" > "$w/d$ms.fsck" 2>&1; then fsck=clean; else fsck="not clean: $(sed -n '2,4p' "$w/d$ms.fsck" | tr '\n' ' ')"; fi
  names=$(mdir -b -i "$part" ::/loader/entries 2>/dev/null | sed 's|.*/||' | grep '^counted' | tr '\n' ' ')
  rm -f "$part"
  case "$names" in
    "$old ") which=old ;;
    "$new ") which=new; found_new=$((found_new + 1)) ;;
    *) which="both or neither: '$names'" ;;
  esac
  if [ "$fsck" = clean ] && { [ "$which" = old ] || [ "$which" = new ]; }; then
    pass "powerloss-${ms}ms ($kill ms after the rename began: $which name, fsck.fat clean)"
  else
    fail "powerloss-${ms}ms" "$kill ms after the rename began: $which, fsck $fsck"
  fi
done
[ "$found_new" -gt 0 ] && pass "powerloss-sweep-spans-the-write ($found_new of $(echo $delays | wc -w) runs found the new name)" ||
  fail powerloss-sweep-spans-the-write "no run found the new name: the kill always came before the write"
rm -f "$w"/d*.img "$w"/d*.vars.fd
exit $(( failures > 0 ))
