#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
# The project's packages installed as a user installs them, in a Debian root
# (scripts/debian-root.sh) chrooted by scripts/debs.sh: apt-get install of
# the .debs in /build/debs, then what each package put where, then
# apt-get purge and nothing of them left.  The module DKMS built on
# installation and the tools and library as installed go to /build/out/KVER/
# (what the guest images carry: the Xen dom0s load that module).
# Every line scripts/debs.sh judges starts with "ok: " or "FAIL: ".
#
#   install-test.sh KVER    KVER: the kernel whose headers the root has
# shellcheck disable=SC2015 # ok and bad always succeed: A && ok || bad is if-then-else
set -u
kver=${1:?usage: install-test.sh KVER}
pkgs=(xen-gpumem-dkms libgpumem0 libgpumem-dev gpumem-tools)
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
# must WHAT CMD...: CMD succeeds, or a FAIL naming WHAT with its output.
must() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$what"
	else
		bad "$what: $(echo "$out" | tail -5)"
	fi
}

# 1. Install: apt resolves the packages' dependencies from Debian's archive
# (libxen*, libdrm) and runs their maintainer scripts, DKMS's build among
# them.
debs=()
for p in "${pkgs[@]}"; do
	debs+=("$(ls /build/debs/"${p}"_*.deb)")
done
apt-get update -q > /build/apt-update.log 2>&1 ||
	{ bad "apt-get update: $(tail -3 /build/apt-update.log)"; exit 1; }
if ! apt-get install -y -q --no-install-recommends "${debs[@]}" \
	> /build/apt-install.log 2>&1; then
	bad "apt-get install: $(tail -10 /build/apt-install.log)"
	exit 1
fi
ok "apt-get install of ${pkgs[*]}"
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${Status} ${Version}' "$p" 2>&1)
	case $st in
	"install ok installed "*) ok "$p ${st##* } installed" ;;
	*) bad "$p: $st" ;;
	esac
done
ver=$(dpkg-query -W -f='${Version}' xen-gpumem-dkms | sed 's/-[^-]*$//')
mapfile -t files < <(dpkg -L "${pkgs[@]}" | sort -u)

# 2. xen-gpumem-dkms: DKMS built and installed the module for the kernel,
# where modprobe finds it; a production build; the device's group.
st=$(dkms status -m xen-gpumem -v "$ver" -k "$kver" 2>&1)
case $st in
*": installed"*) ok "dkms status: $st" ;;
*) bad "dkms status for $kver: '$st'" ;;
esac
ko=$(modprobe -S "$kver" --show-depends xen-gpumem 2>&1 | awk '$1 == "insmod" { p = $2 } END { print p }')
case $ko in
/lib/modules/"$kver"/updates/dkms/xen-gpumem.ko*|/usr/lib/modules/"$kver"/updates/dkms/xen-gpumem.ko*)
	ok "modprobe -S $kver finds $ko" ;;
*) bad "modprobe -S $kver xen-gpumem: '$ko'" ;;
esac
if [ -f "$ko" ]; then
	modinfo "$ko" | grep -q "^vermagic: *$kver " && ok "its vermagic is $kver" ||
		bad "vermagic of $ko: $(modinfo -F vermagic "$ko")"
	if modinfo "$ko" | grep -q '^parm: *hvsim'; then
		bad "$ko has hvsim parameters: not a production build"
	else
		ok "a production build (no hvsim parameter)"
	fi
	mkdir -p "/build/out/$kver"
	cp "$ko" "/build/out/$kver/"
fi
getent group xen-gpumem > /dev/null && ok "group xen-gpumem exists" ||
	bad "no group xen-gpumem"
rule=$(printf '%s\n' "${files[@]}" | grep '/udev/rules\.d/.*gpumem.*\.rules$' | head -1)
if [ -n "$rule" ] && grep -q 'GROUP="xen-gpumem"' "$rule"; then
	ok "udev rule $rule gives /dev/xen/gpumem to xen-gpumem"
else
	bad "no udev rule giving /dev/xen/gpumem to xen-gpumem ('$rule')"
fi

# 3. libgpumem-dev: a device model builds against the library with
# pkg-config; the program runs with the installed libgpumem.so.0.
cat > /tmp/dm.c <<'EOF'
#include <errno.h>
#include <stdio.h>
#include <libgpumem.h>

int main(void)
{
	struct libgpumem_handle *h = libgpumem_open("/nonexistent/gpumem");

	printf("open: %s; BIND is %s\n", h ? "opened" : "refused",
	       libgpumem_ioctl_name(GPUMEM_IOCTL_BIND));
	return h != NULL || errno != ENOENT;
}
EOF
must "pkg-config libgpumem: $(pkg-config --modversion libgpumem 2>&1)" \
	pkg-config --exists libgpumem
# shellcheck disable=SC2046 # pkg-config's flags are words
must "a device model compiled and linked with pkg-config's flags" \
	gcc -Wall -Werror -o /tmp/dm /tmp/dm.c $(pkg-config --cflags --libs libgpumem)
run=$(/tmp/dm 2>&1)
case $run in
"open: refused; BIND is "*BIND*) ok "it runs against libgpumem.so.0: $run" ;;
*) bad "the device model: '$run'" ;;
esac
for m in man1/gpumem.1 man1/gpumem-ioreq.1 man1/gpumem-xmap.1 man3/libgpumem.3; do
	printf '%s\n' "${files[@]}" | grep -q "/usr/share/man/$m" &&
		ok "manual $m" || bad "no manual $m"
done

# 4. gpumem-tools runs (no device in the chroot: its answer says so).
must "gpumem strerror BIND ESRCH: $(gpumem strerror BIND ESRCH 2>&1 | head -1)" \
	gpumem strerror BIND ESRCH
for b in gpumem gpumem-ioreq gpumem-xmap /usr/lib/xen-gpumem/gpumem_test; do
	missing=$(ldd "$(command -v "$b" || echo "$b")" 2>&1 | grep 'not found')
	[ -z "$missing" ] && ok "$b: every library found" || bad "$b: $missing"
done

# The tools and the library as dpkg installed them (files and links), for
# the suites' guest images (scripts/guest-image.sh), and the module.
mapfile -t installed < <(dpkg -L gpumem-tools libgpumem0 | while read -r f; do
	{ [ -f "$f" ] || [ -L "$f" ]; } && echo "${f#/}"
done)
mkdir -p "/build/out/$kver"
if tar -C / -cf "/build/out/$kver/installed.tar" "${installed[@]}"; then
	ok "${#installed[@]} files of gpumem-tools and libgpumem0 kept for the guest images"
else
	bad "tar of the installed tools"
fi

# 5. Purge: DKMS's module, the sources, the group's files: nothing left.
if apt-get purge -y -q "${pkgs[@]}" > /build/apt-purge.log 2>&1; then
	ok "apt-get purge"
else
	bad "apt-get purge: $(tail -10 /build/apt-purge.log)"
fi
left=$(dkms status -m xen-gpumem 2>&1)
[ -z "$left" ] && ok "dkms status: nothing of xen-gpumem" || bad "dkms status: '$left'"
left=$(find /lib/modules /usr/lib/modules -name 'xen-gpumem.ko*' 2>/dev/null)
[ -z "$left" ] && ok "no xen-gpumem.ko under /lib/modules" || bad "left: $left"
left=$(for f in "${files[@]}"; do [ -f "$f" ] && echo "$f"; done)
[ -z "$left" ] && ok "none of the packages' ${#files[@]} paths is a file any more" ||
	bad "files left: $left"
st=
for p in "${pkgs[@]}"; do
	case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) in
	''|*not-installed) ;;
	*) st="$st $p: $(dpkg-query -W -f='${Status}' "$p")" ;;
	esac
done
[ -z "$st" ] && ok "dpkg: none of them installed, no config files left" || bad "dpkg:$st"
echo "install-test: $fails failure(s)"
[ "$fails" -eq 0 ]
