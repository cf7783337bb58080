#!/bin/busybox sh
# /init of dom0 in scripts/xen-e2e.sh: Xen's toolstack (xenstored,
# xenconsoled, xl from Debian's xen-utils-$XEN_VERSION: 4.17 or 4.20),
# xen-gpumem.ko with its real backend, and a PVH domU running
# gpumem_domu.ko; then the scenario of issue #7 (README, "The real-Xen
# end-to-end scenario").  Every line the host script judges starts with
# "=== ", "ok: " or "FAIL: ".
/bin/busybox --install -s /bin
. /etc/xen-e2e.conf		# DOMU_TIMEOUT, BENCH, XEN_VERSION, QEMU, DOMU_NR
# gpumem, gpumem-ioreq and gpumem-xmap where gpumem-tools installs them
# (/usr/bin, with libgpumem0's /usr/lib/x86_64-linux-gnu/libgpumem.so.0),
# gpumem-check (this test's own) beside them; scripts/guest-image.sh.
export PATH=/bin:/usr/bin:/usr/sbin:/usr/lib/xen-$XEN_VERSION/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /run /tmp
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mkdir -p /run/xen /run/xenstored /var/lib/xen /var/log/xen/console
. /etc/gpumem/lib.sh		# dm_start, dm, dm_stop, expect, ...
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
finish() {
	echo "=== domU console (xenconsoled's log)"
	sed 's/^/domu| /' /var/log/xen/console/guest-domu.log 2>/dev/null
	if [ -n "$QEMU" ]; then
		echo "=== QEMU: its command line and log"
		grep 'libxl__spawn_local_dm' /tmp/xl-create.log | sed 's/^.*Domain [0-9]*:/qemu| /'
		sed 's/^/qemu| /' /var/log/xen/qemu-dm-domu.log
	fi
	echo "=== xen-gpumem log"
	dmesg | grep -E 'xen_gpumem|xen-gpumem'
	echo "=== dom0 splats"
	dmesg | grep -E 'WARNING:|BUG:|Call Trace:|Oops|general protection|Kernel panic' || echo none
	echo "=== done: $fails failure(s)"
	poweroff -f
}

# started PID FILE LINE WHAT [TENTHS]: wait up to TENTHS tenths of a
# second (default 50) for background process PID to print LINE (a regex)
# to FILE; a FAIL naming WHAT if it dies or does not.
started() {
	k=0
	until grep -q "$3" "$2"; do
		k=$((k + 1))
		if [ "$k" -gt "${5:-50}" ] || ! kill -0 "$1" 2>/dev/null; then
			bad "$4 did not start: $(cat "$2")"
			return 1
		fi
		sleep 0.1
	done
}

echo "=== dom0: $(uname -r), hypervisor $(cat /sys/hypervisor/type) $(cat /sys/hypervisor/version/major).$(cat /sys/hypervisor/version/minor)$(cat /sys/hypervisor/version/extra)"
for m in $(cat /modules.list); do
	insmod "/lib/modules/$m.ko" || bad "insmod $m"
done
mount -t xenfs xenfs /proc/xen || bad "mount xenfs"
echo "=== toolstack"
xenstored --pid-file=/run/xenstored.pid || bad "xenstored"
xen-init-dom0 || bad "xen-init-dom0"
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest \
	--log-dir=/var/log/xen/console || bad "xenconsoled"
xl info | grep -E '^(xen_version|xen_caps|total_memory|free_memory|virt_caps)'
echo "=== insmod xen-gpumem.ko (backend=xen)"
# DKMS's build from xen-gpumem-dkms.  No udev here: devtmpfs makes
# /dev/xen/gpumem, root's with the module's mode 0600 (the package's udev
# rule, group xen-gpumem, is for an installed system), and /init is root.
insmod /lib/modules/xen-gpumem.ko && ok "xen-gpumem loaded" || bad "insmod xen-gpumem"

# lent D: press the reference Xen's debug key 'Y', which dumps every
# domain's lent entries, and set lent_line to domain D's line of that dump
# ("dD: gpumem: N lent GFNs: ..."; empty if D has none).  Fails if the
# console ring shows no dump.
lent() {
	xl debug-keys Y
	# From the end of the console ring back to the last dump's header.
	dump=$(xl dmesg | tac | sed "/'Y' pressed -> dumping gpumem/q")
	echo "$dump" | grep -q "'Y' pressed -> dumping gpumem" || return 1
	# No line is an answer (nothing lent), not a failure.
	lent_line=$(echo "$dump" | grep "d$1: gpumem: ")
	return 0
}

# teardown: destroy the domU, check that the hypervisor dropped what it
# was lent, unload the module, and finish.
teardown() {
	if xl list "$domid" > /dev/null 2>&1; then
		echo "=== xl destroy $domid"
		xl destroy "$domid" && ok "xl destroy" || bad "xl destroy"
		xl list
	fi
	xl list "$domid" > /dev/null 2>&1 && bad "d$domid still listed"
	if [ -n "$map" ]; then
		# The reference Xen's debug key 'Y' dumps every domain's lent entries:
		# none left of d$domid (gpumem-check left a 2 MiB entry to teardown).
		if ! lent "$domid"; then
			bad "no dump of debug key 'Y' in xl dmesg"
		elif [ -n "$lent_line" ]; then
			bad "d$domid: lent entries left after its teardown: $lent_line"
		else
			ok "d$domid's teardown dropped its lent entries (debug key 'Y')"
		fi
	fi
	echo "=== rmmod xen-gpumem"
	rmmod xen-gpumem && ok "xen-gpumem unloaded" || bad "rmmod xen-gpumem"
	gpumem info --domid 0 > /dev/null 2>&1
	[ -e /dev/xen/gpumem ] && bad "/dev/xen/gpumem still there"
	xl list > /dev/null && ok "dom0 healthy: xl list answers" || bad "xl list"
	finish
}

if [ -n "$QEMU" ]; then
	. /etc/xen-e2e-qemu.sh
	qemu_prepare
fi
echo "=== xl create domu.cfg"
t0=$(cut -d' ' -f1 /proc/uptime)
xl -vvv create /etc/xen/domu.cfg > /tmp/xl-create.log 2>&1
rc=$?
grep -v '^libxl: debug' /tmp/xl-create.log | grep -v '^xc: detail' |
	grep -v '^domainbuilder: detail' | grep -v '^xencall:buffer' | tail -20
# xl killed by a signal is Xen's toolstack hit by the lost vector state of
# nested TCG (scripts/xen-boot.sh), measured with Debian's Xen as with the
# reference one: the host script retries the boot on this line.
[ "$rc" -gt 128 ] && echo "xl: killed by signal $((rc - 128)) in xl create"
if [ "$rc" -ne 0 ]; then
	bad "xl create: exit $rc; its last debug lines:"
	tail -40 /tmp/xl-create.log
fi
xl list
domid=$(xl domid domu 2>/dev/null)
[ -n "$domid" ] || { bad "no domain domu"; finish; }
echo "domU created: domid $domid"
dir=/local/domain/$domid/data/gpumem
# since_create: whole seconds of dom0's uptime since xl create.
since_create() { awk -v t0="$t0" '{ printf "%d", $1 - t0 }' /proc/uptime; }
i=0
while ! ready=$(xenstore-read "$dir/ready" 2>/dev/null); do
	[ "$(since_create)" -le "$DOMU_TIMEOUT" ] || break
	i=$((i + 1))
	# An HVM boot takes minutes under TCG: where it is, should the host's
	# timeout end the run before finish prints the console.
	[ $((i % 120)) -ne 0 ] ||
		echo "waiting for the domU, $(since_create) s after xl create: $(
		tr -d '\r' < /var/log/xen/console/guest-domu.log 2>/dev/null |
		grep -v '^$' | tail -1 | cut -c1-100)"
	sleep 0.5
done
[ -n "$ready" ] || { bad "gpumem_domu not ready after ${DOMU_TIMEOUT}s"; finish; }
echo "domU ready $(awk -v t0="$t0" '{ printf "%.1f", $1 - t0 }' /proc/uptime) s after xl create: $ready"
set -- $ready
win_gfn=$1 win_nr=$2 steal_gfn=$3 steal_nr=$4 bench_gfn=$5 bench_nr=$6 grant_nr=${7:-0} sbench_gfn=${8:-0}

# domu OP [BYTE [PAGES]]: one command to gpumem_domu, its answer in
# $answer; it may take $domu_wait tenths of a second (default 20 s).
seq=0
domu() {
	seq=$((seq + 1))
	xenstore-write "$dir/cmd" "$seq $*"
	j=0
	while [ "$j" -lt "${domu_wait:-200}" ]; do
		answer=$(xenstore-read "$dir/result" 2>/dev/null)
		case $answer in "$seq "*)
			answer=${answer#"$seq "}
			echo "domU $*: $answer"
			return 0
		esac
		j=$((j + 1))
		sleep 0.1
	done
	answer=
	echo "domU $*: no answer in $((${domu_wait:-200} / 10)) s (domain state: $(xl list "$domid" 2>&1 | tail -1))"
	return 1
}
ones=
for _ in $(seq "$win_nr"); do ones="$ones ffffffffffffffff"; done
if [ -n "$QEMU" ]; then
	map=1
	qemu_scenario
	teardown
fi

echo "=== domU reads its window (gfn $win_gfn, $win_nr pages, not RAM)"
domu read && [ "$answer" = "read$ones" ] &&
	ok "unpopulated GFNs read as all-ones (Xen emulates them with no device model)" ||
	bad "window before any map: '$answer'"
domu write 5a && domu read && [ "$answer" = "read$ones" ] &&
	ok "writes to unpopulated GFNs are dropped" || bad "window after write: '$answer'"
domu sread && ok "domU's own pages at gfn $steal_gfn: $answer" || bad "sread"

echo "=== gpumem info --domid $domid"
gpumem info --domid "$domid" > /tmp/info 2>&1 && ok "BIND and QUERY of d$domid" ||
	bad "gpumem info --domid $domid"
cat /tmp/info
probe="xen:xen_gpumem: d$domid: hypervisor does not implement XEN_DMOP_gpumem_query (dm_op 64): bound without map, revoke, steal or return"
hv_ops=$(sed -n 's/^hv_ops *\([^:]*\):.*/\1/p' /tmp/info)
hv_names=$(sed -n 's/^hv_ops *[^:]*://p' /tmp/info)
case " $hv_names " in
*" map "*) map=1 ;;
*) map= ;;
esac
if [ -z "$map" ]; then
	echo "=== stock hypervisor: hv_ops $hv_ops"
	dmesg | grep -qF "$probe" && ok "probe line: $probe" ||
		bad "no probe line '$probe'"
	dm_start
	dm map "$win_gfn" "$win_nr" 0xa0
	case $reply in "err map: "*"(Operation not supported)")
		ok "MAP_VA refused: EOPNOTSUPP" ;; *) bad "MAP_VA: $reply" ;; esac
	dm steal "$steal_gfn" "$steal_nr"
	case $reply in "err steal: "*"(Operation not supported)")
		ok "STEAL refused: EOPNOTSUPP" ;; *) bad "STEAL: $reply" ;; esac
	dm_stop
	domu read && [ "$answer" = "read$ones" ] &&
		ok "the domU's window is still unpopulated" || bad "window: '$answer'"
	gpumem-check --stock "$domid" > /tmp/check 2>&1
	rc=$?
	cat /tmp/check
	fails=$((fails + $(grep -c '^FAIL: ' /tmp/check)))
	[ "$rc" -eq 0 ] || grep -q '^FAIL: ' /tmp/check || bad "gpumem-check --stock: exit $rc"
elif [ -n "$BENCH" ]; then
	echo "=== the hypervisor implements MAP (hv_ops $hv_ops): make xen-bench"
	. /etc/xen-e2e-bench.sh
else
	echo "=== permissions and ABI of the batched ops (gpumem-check, W+16)"
	gpumem-check "$domid" $((win_gfn + 16)) > /tmp/check 2>&1
	rc=$?
	cat /tmp/check
	fails=$((fails + $(grep -c '^FAIL: ' /tmp/check)))
	[ "$rc" -eq 0 ] || grep -q '^FAIL: ' /tmp/check || bad "gpumem-check: exit $rc"
	. /etc/xen-e2e-fault.sh
	echo "=== the hypervisor implements MAP (hv_ops $hv_ops): the differential scenario"
	. /etc/xen-e2e-frontend.sh
	. /etc/gpumem/scenario.sh
	ioreq_stop
fi

teardown
