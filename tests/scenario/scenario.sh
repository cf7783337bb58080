# The differential scenario (issue #7, README "The differential check"): the
# device model maps, revokes, populates, steals and returns frontend GFNs,
# the frontend reads and writes them, and the frontend is destroyed with a
# region mapped and pages stolen.  Run by dom0 against the reference Xen
# with a real PVH domU, and in Debian's kernel against hvsim; both print
# the same transcript ("T: " lines: the device model's answers, every
# hypercall extent's status per GFN, what the frontend saw) or one of them
# is wrong.  Needs tests/scenario/lib.sh and the side's definitions.
#
# W is the window: $win_nr GFNs from $win_gfn with no RAM behind them (an
# IOREQ server of the device model claims them on Xen).  S is $steal_nr
# pages of the frontend's own RAM.  The side also defines fe, fe_destroy,
# fe_xmap GFN / fe_xunmap (another domain's, dom0's, foreign mapping of a
# frontend page, made and ended) and fe_gmap GFN / fe_gunmap (the frontend
# grants dom0 a page and dom0 maps the grant; then both undone).  Extents are printed GFN by GFN: the two
# sides split runs differently (backend frames are not contiguous alike),
# and an extent is atomic, so a GFN's status is its extent's.  Every refusal
# below is of a single GFN.

echo "=== scenario: d$domid, W = $win_gfn+$win_nr, S = $steal_gfn+$steal_nr"
faults=$(rep fault "$win_nr")
hc_start
dm_start
D query query
F swrite d0
F sread
expect "the frontend's own pages" "$items" "$(pat 0xd0 "$steal_nr")"
F read
expect "before any MAP, the frontend's reads fault to the backend" \
	"$items" "$faults"

echo "=== MAP_VA: dom0's buffer (0xa0 + page) at W"
D "map W+0 $win_nr a0" map "$win_gfn" "$win_nr" 0xa0
expect "MAP_VA" "$reply" "ok map region 1 gfn $(printf %#x $((win_gfn))) pages $win_nr"
F read
expect "the frontend reads dom0's pattern" "$items" "$(pat 0xa0 "$win_nr")"
F write 30
expect "the frontend's writes land" "$items" "$(rep ok "$win_nr")"
D peek peek
expect "dom0 reads what the frontend wrote" "$reply" "ok peek $(pat 0x30 "$win_nr")"

echo "=== refusals: MAP over RAM (the hypervisor's), STEAL of a lent GFN (the module's)"
D "map S+0 1 f0" map "$steal_gfn" 1 0xf0
expect "MAP_VA over the frontend's RAM: EEXIST" "${reply##* (}" "File exists)"
D "steal W+0 1" steal "$win_gfn" 1
expect "STEAL of a GFN the context lends: EEXIST" "${reply##* (}" "File exists)"

echo "=== munmap: the notifier revokes"
D munmap munmap
F read
expect "after REVOKE, the frontend's reads fault to the backend" "$items" "$faults"
F write 5a
expect "and its writes too" "$items" "$faults"

echo "=== POPULATE: a new buffer (0xb0 + page) at the same address"
D "remap b0" remap 0xb0
D populate populate
expect "POPULATE" "$reply" "ok populate"
F read
expect "the frontend sees the new frames" "$items" "$(pat 0xb0 "$win_nr")"

echo "=== STEAL and RETURN"
D "steal W+8 1" steal $((win_gfn + 8)) 1
expect "STEAL of a GFN with nothing there: ENOENT" "${reply##* (}" "No such file or directory)"
xmap_gfn=$(printf %#x $((steal_gfn + 1)))
fe_xmap "$xmap_gfn"
t "dom0 foreign-maps S+1"
D "steal S+1 1" steal "$xmap_gfn" 1
expect "STEAL of a page dom0 foreign-maps: EMLINK" "${reply##* (}" "Too many links)"
fe_xunmap
t "dom0 unmaps S+1"
gmap_gfn=$(printf %#x $((steal_gfn + 2)))
fe_gmap "$gmap_gfn"
t "the frontend grants S+2, dom0 maps the grant"
D "steal S+2 1" steal "$gmap_gfn" 1
expect "STEAL of a page granted and mapped: EACCES" "${reply##* (}" "Permission denied)"
fe_gunmap
t "dom0 unmaps the grant, the frontend ends it"
F swrite c0
D "steal S+0 $steal_nr" steal "$steal_gfn" "$steal_nr"
expect "dom0 reads the frontend's bytes through the mmap" "$reply" \
	"ok steal $(pat 0xc0 "$steal_nr")"
D "spoke e0" spoke 0xe0
F sread
expect "while stolen, the frontend sees dom0's writes at the same GFNs" \
	"$items" "$(pat 0xe0 "$steal_nr")"
D "steal S+0 1" steal "$steal_gfn" 1
expect "STEAL of a stolen page: refused" "${reply%%:*}" "err steal"
D return return
expect "RETURN" "$reply" "ok return"
F sread
expect "after RETURN the frontend owns its pages with dom0's writes" \
	"$items" "$(pat 0xe0 "$steal_nr")"
F swrite 11
F sread
expect "the frontend writes its returned pages" "$items" "$(pat 0x11 "$steal_nr")"

echo "=== the kernel's fault loop: FAULT_ENABLE(GPUMEM_FAULT_KERNEL) over W"
D "fault W+0 $win_nr kernel" fault "$win_gfn" "$win_nr" 1
expect "FAULT_ENABLE" "$reply" "ok fault gfn $(printf %#x $((win_gfn))) pages $win_nr"
D munmap munmap
D "remap d0" remap 0xd0
F read
expect "revoked, remapped, not populated: the frontend's read faults to the kernel, which maps the new pages" \
	"$items" "$(pat 0xd0 "$win_nr")"
D munmap munmap
D "remap e8" remap 0xe8
F write 60
expect "a write to the revoked GFNs faults too, and lands" "$items" "$(rep ok "$win_nr")"
D peek peek
expect "in dom0's new pages" "$reply" "ok peek $(pat 0x60 "$win_nr")"

echo "=== a locked increment loop in the frontend while dom0 revokes (the same memfd mapped again)"
D unmap unmap
D "mapfd W+0 $win_nr 00" mapfd "$win_gfn" "$win_nr" 0
expect "MAP_VA of a memfd's pages" "${reply%% region*}" "ok map"
fe_inc start
hc_quiet
rounds=8
for _ in $(seq "$rounds"); do
	sleep 0.2
	dm refix
	[ "$reply" = "ok refix" ] || bad "refix: $reply"
done
sleep 0.2
fe_inc stop
hc_quiet
dm count
t "fe inc: the counter is the frontend's increments: $([ "$reply" = "ok count $inc_done" ] && echo yes || echo no)"
expect "after $rounds revokes, $inc_done increments, $hc_faults faults served in the kernel: the counter is exact" \
	"$reply" "ok count $inc_done"
[ "$hc_faults" -ge "$rounds" ] && [ "$inc_done" -gt 0 ] &&
	ok "every revoke came back as a fault the kernel served ($hc_faults >= $rounds)" ||
	bad "$hc_faults faults served for $rounds revokes, $inc_done increments"
D close close
dm_stop
dm_start

echo "=== the frontend destroyed with a region mapped and pages stolen"
D "map W+0 $win_nr c0" map "$win_gfn" "$win_nr" 0xc0
expect "MAP_VA again, in a new context" "${reply%% region*}" "ok map"
D "steal S+0 $steal_nr" steal "$steal_gfn" "$steal_nr"
expect "STEAL again" "${reply%% *}" "ok"
fe_destroy
t "frontend destroyed"
D munmap munmap
D "remap c8" remap 0xc8
D populate populate
expect "POPULATE after destroy: ESRCH" "${reply##* (}" "No such process)"
D return return
D close close
dm_stop
echo "=== scenario: end"
