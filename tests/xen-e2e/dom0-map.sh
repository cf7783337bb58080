# Sourced by dom0's /init (tests/xen-e2e/dom0-init.sh) when the hypervisor
# reports MAP: the device model's part of issue #7's scenario, driven with
# `gpumem dm` (dm) on one side and gpumem_domu (domu) on the other.
# Expected values: page i of a buffer filled with byte B shows B + i.
pat() {		# pat BYTE PAGES: what the reads show
	p=
	for x in $(seq 0 $(($2 - 1))); do
		b=$(printf %02x $((($1 + x) & 255)))
		p="$p $b$b$b$b$b$b$b$b"
	done
	echo "$p"
}
expect() {	# expect WHAT GOT WANT
	[ "$2" = "$3" ] && ok "$1" || bad "$1: got '$2', want '$3'"
}

dm_start
echo "=== MAP_VA: dom0's buffer (0xa0 + page) at gfn $win_gfn"
dm map "$win_gfn" "$win_nr" 0xa0
case $reply in "ok map "*) ok "MAP_VA" ;; *) bad "MAP_VA: $reply" ;; esac
domu read
expect "the domU reads dom0's pattern" "$answer" "read$(pat 0xa0 "$win_nr")"
domu write 30
dm peek
expect "dom0 reads what the domU wrote" "$reply" "ok peek$(pat 0x30 "$win_nr")"

echo "=== munmap: the notifier revokes; the domU's next access"
dm munmap
domu read
echo "after revoke the domU observed: ${answer:-nothing (state: $(xl list "$domid" 2>&1 | tail -1))}"
expect "a revoked GFN reads all-ones (no IOREQ server: Xen's null handler)" \
	"$answer" "read$ones"

echo "=== POPULATE: a new buffer (0xb0 + page) at the same address"
dm remap 0xb0
dm populate
case $reply in "ok populate") ok "POPULATE" ;; *) bad "POPULATE: $reply" ;; esac
domu read
expect "the domU sees the new frames" "$answer" "read$(pat 0xb0 "$win_nr")"

# Two patterns: in " steal return " the one space between cannot end one
# word and start the other in a single pattern.
steal=
case " $hv_names " in *" steal "*)
	case " $hv_names " in *" return "*) steal=1 ;; esac ;;
esac
if [ -n "$steal" ]; then
	echo "=== STEAL $steal_nr pages of the domU's RAM at gfn $steal_gfn"
	domu swrite c0
	dm steal "$steal_gfn" "$steal_nr"
	expect "dom0 reads the domU's bytes through the mmap" "$reply" \
		"ok steal$(pat 0xc0 "$steal_nr")"
	dm spoke 0xe0
	domu sread
	expect "while stolen, the domU sees dom0's writes at the same GFNs" \
		"$answer" "sread$(pat 0xe0 "$steal_nr")"
	echo "=== RETURN"
	dm return
	case $reply in "ok return") ok "RETURN" ;; *) bad "RETURN: $reply" ;; esac
	domu sread
	expect "after RETURN the domU owns its pages with dom0's writes" \
		"$answer" "sread$(pat 0xe0 "$steal_nr")"
	domu swrite 11
	domu sread
	expect "the domU writes its returned pages" "$answer" "sread$(pat 0x11 "$steal_nr")"
else
	echo "=== STEAL: the hypervisor lacks it (hv_ops $hv_ops)"
	dm steal "$steal_gfn" "$steal_nr"
	case $reply in "err steal: "*"(Operation not supported)")
		ok "STEAL refused: EOPNOTSUPP" ;; *) bad "STEAL: $reply" ;; esac
fi

echo "=== xl destroy with live mappings (the region mapped${steal:+, pages stolen})"
if [ -n "$steal" ]; then
	dm steal "$steal_gfn" "$steal_nr"
	case $reply in "ok steal "*) ok "STEAL again" ;; *) bad "STEAL again: $reply" ;; esac
fi
xl destroy "$domid" && ok "xl destroy" || bad "xl destroy"
xl list
dm munmap
dm remap 0xc8
dm populate
case $reply in "err populate: "*"(No such process)")
	ok "POPULATE after destroy: ESRCH" ;; *) bad "POPULATE after destroy: $reply" ;; esac
if [ -n "$steal" ]; then
	dm return
	echo "RETURN after destroy: $reply"
fi
dm close
dm_stop
dmesg | grep -E 'xen_gpumem' | tail -5
