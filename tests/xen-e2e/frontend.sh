# Sourced by dom0's /init (tests/xen-e2e/dom0-init.sh) before the
# differential scenario (tests/scenario/scenario.sh): the frontend is the
# PVH domU, reached through gpumem_domu's xenstore commands (domu), and the
# device model's IOREQ server (tools/gpumem/gpumem-ioreq) claims the window,
# so that an access to a window GFN with nothing mapped reaches dom0 as a
# fault, as the ABI's REVOKE contract says it does.

gpumem-ioreq --domid "$domid" "$win_gfn" "$win_nr" > /tmp/ioreq.out 2>&1 &
ioreq_pid=$!
started "$ioreq_pid" /tmp/ioreq.out '^ioreq: server' gpumem-ioreq
head -1 /tmp/ioreq.out
ioreq_stop() {
	[ -n "$ioreq_pid" ] || return 0
	kill "$ioreq_pid"
	wait "$ioreq_pid"
	echo "gpumem-ioreq: exit $?, $(grep -c '^fault ' /tmp/ioreq.out) accesses served"
	grep -v '^fault ' /tmp/ioreq.out | sed 's/^/gpumem-ioreq| /'
	ioreq_pid=
}

# xmap_start ARGS, xmap_stop: dom0 maps a frontend page with
# tools/gpumem/gpumem-xmap ARGS and holds it, then unmaps it.
xmap_start() {
	gpumem-xmap --domid "$domid" "$@" > /tmp/xmap.out 2>&1 &
	xmap_pid=$!
	started "$xmap_pid" /tmp/xmap.out '^xmap: d' "gpumem-xmap $*"
	cat /tmp/xmap.out
}
xmap_stop() {
	kill "$xmap_pid"
	wait "$xmap_pid" && ok "gpumem-xmap unmapped" ||
		bad "gpumem-xmap: exit $?: $(cat /tmp/xmap.out)"
}
# fe_xmap GFN, fe_xunmap: dom0 foreign-maps a frontend page (Xen's
# privcmd), then unmaps it.
fe_xmap() { xmap_start "$1"; }
fe_xunmap() { xmap_stop; }
# fe_gmap GFN, fe_gunmap: the frontend grants dom0 its page at GFN (one of
# the S pages), dom0 maps the grant (Xen's gntdev); then dom0 unmaps it and
# the frontend ends the grant.
fe_gmap() {
	domu grant "$(printf %x $(($1 - steal_gfn)))"
	set -- $answer
	xmap_start --grant "$2"
}
fe_gunmap() {
	xmap_stop
	domu ungrant && [ "$answer" = "ungrant ok" ] ||
		bad "the domU's grant did not end: '$answer'"
}

# fe OP [BYTE]: one gpumem_domu command; $items is what the domU saw, page
# by page, with "fault" where the IOREQ server served the access.
fe() {
	case $1 in
	read | write) base=$win_gfn n=$win_nr way=$1 ;;
	*) base=$steal_gfn n=$steal_nr way=${1#s} ;;
	esac
	seen=$(wc -l < /tmp/ioreq.out)
	if ! domu "$@"; then
		# A domU that stops answering ends the scenario: show what the
		# IOREQ server saw, and stop there.
		bad "the domU did not answer $*"
		ioreq_stop
		tail -20 /tmp/ioreq.out
		xl debug-keys q
		xl dmesg | tail -40
		finish
	fi
	set -- $answer
	[ "$way" = read ] && shift || shift 2
	items=
	i=0
	while [ "$i" -lt "$n" ]; do
		g=$(printf %#x $((base + i)))
		if tail -n +$((seen + 1)) /tmp/ioreq.out |
			grep -q "^fault $way gfn $g "; then
			v=fault
		elif [ "$way" = read ]; then
			v=$1
		else
			v=ok
		fi
		[ "$way" = read ] && shift
		items="$items${items:+ }$v"
		i=$((i + 1))
	done
}

# The frontend's loop of locked increments (gpumem_domu's "inc").
fe_inc() {
	case $1 in
	start)
		domu inc 1
		[ "$answer" = "inc started" ] || bad "domU inc 1: '$answer'"
		;;
	stop)
		domu inc 0
		set -- $answer	# inc N COUNTER
		inc_done=$2
		[ "$3" = "$2" ] && ok "the domU reads its counter: $3" ||
			bad "the domU's counter: '$answer'"
		;;
	esac
}

fe_destroy() {
	ioreq_stop
	xl destroy "$domid" && ok "xl destroy" || bad "xl destroy"
	xl list
}
