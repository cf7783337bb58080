# The hvsim side of the differential scenario, sourced by the distro-kernel
# guest's /init (scripts/distro-test.sh): xen-gpumem reloaded with a fresh
# hvsim whose frontend has the domU's layout (RAM from GFN 0, the window at
# $win_gfn above it with nothing behind it), and the frontend's accesses
# made through hvsim's debugfs (gpumem fe), where an access to a GFN with
# nothing mapped faults to the backend.

domid=1 win_gfn=${WIN_GFN:-0x10000} win_nr=${WIN_NR:-4}
steal_gfn=0x800 steal_nr=4
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
. /etc/gpumem/lib.sh

rmmod xen_gpumem || bad "rmmod xen_gpumem"
insmod /lib/modules/xen-gpumem.ko backend=hvsim hvsim_domid=$domid \
	hvsim_gfns=0x20000 hvsim_ram=0x1000 || bad "insmod xen-gpumem"

fe() {
	case $1 in
	read | write) base=$win_gfn n=$win_nr op=$1 ;;
	*) base=$steal_gfn n=$steal_nr op=${1#s} ;;
	esac
	set -- $(gpumem fe --domid "$domid" "$op" "$base" "$n" ${2:+"$2"})
	[ "$op" = read ] && shift || shift 2
	items="$*"
}
# use KIND GFN DELTA: another domain starts (1) or ends (-1) a use of a
# frontend page, as hvsim counts it (debugfs "use").
use() {
	echo "$*" > /sys/kernel/debug/xen-gpumem/hvsim/use || bad "hvsim: use $*"
}
# dom0's foreign mapping of a frontend page; the frontend's grant of a
# page, mapped by dom0.
fe_xmap() { xmapped=$1; use foreign "$xmapped" 1; }
fe_xunmap() { use foreign "$xmapped" -1; }
fe_gmap() { gmapped=$1; use grant "$gmapped" 1; }
fe_gunmap() { use grant "$gmapped" -1; }
# The frontend's loop of locked increments: vCPU 1 of hvsim's frontend
# (debugfs "inc").
fe_inc() {
	inc=/sys/kernel/debug/xen-gpumem/hvsim/inc
	case $1 in
	start)
		echo "$domid" > /sys/kernel/debug/xen-gpumem/hvsim/mem_domid
		echo "start $win_gfn" > "$inc" || bad "hvsim: inc start"
		;;
	stop)
		echo stop > "$inc" || bad "hvsim: inc stop"
		set -- $(cat "$inc")	# done N rc R
		inc_done=$2
		[ "$4" = 0 ] || bad "hvsim: the increment loop ended with rc $4"
		;;
	esac
}
fe_destroy() {
	echo "$domid" > /sys/kernel/debug/xen-gpumem/hvsim/destroy &&
		ok "hvsim: d$domid destroyed" || bad "hvsim: destroy d$domid"
}

. /etc/gpumem/scenario.sh
echo "=== scenario (hvsim): $fails failure(s)"
