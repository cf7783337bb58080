#!/usr/bin/env bash
# Install what the project's build and tests need, from Debian 12's archive
# only.  Does nothing when everything is already there.
#
# Debian's 6.12 kernel comes as the metapackages linux-image-6.12-amd64 and
# linux-headers-6.12-amd64 (the exact image and headers of one release, which
# the QEMU suites boot and build against); dpkg-dev and patch fetch, unpack
# and patch the Xen source (scripts/xen-build.sh); busybox-static, cpio and kmod make
# their initramfs; libdrm-dev gives the tools the DRM uAPI headers;
# python3-sphinx (with its alabaster theme) and python3-yaml are what the
# kernel's `make htmldocs` needs (Documentation/sphinx/requirements.txt:
# Sphinx, alabaster, pyyaml) for scripts/htmldocs.sh, and graphviz the dot(1)
# its kfigure extension warns about when missing.  libglib2.0-dev,
# libfdt-dev, libpixman-1-dev (VNC: libxl passes -vnc), ninja-build and
# python3-venv build QEMU with the project's series (scripts/qemu-build.sh,
# with libxen-dev); dosfstools, syslinux and mtools make the disk its HVM
# guest boots from (scripts/xen-e2e.sh --qemu).  debhelper builds the
# project's packages (scripts/debs.sh), mmdebstrap and
# debian-archive-keyring the Debian 12 and 13 systems they are installed in
# (scripts/debian-root.sh), where DKMS builds the module.  The Xen
# hypervisor is not installed: scripts/xen-test.sh downloads and unpacks
# it, and scripts/xen-e2e.sh does the same with the toolstack
# (xen-utils-4.17).
set -euo pipefail

pkgs=(
	build-essential bc bison flex libelf-dev libssl-dev dwarves rsync
	xz-utils python3 sparse
	dpkg-dev patch
	linux-source-6.12 linux-headers-6.12-amd64 linux-image-6.12-amd64
	qemu-system-x86
	libxen-dev gcc-multilib
	busybox-static cpio kmod libdrm-dev
	python3-sphinx python3-alabaster python3-yaml graphviz
	debhelper mmdebstrap debian-archive-keyring
	libglib2.0-dev libfdt-dev libpixman-1-dev ninja-build python3-venv
	dosfstools syslinux syslinux-common mtools
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing ${missing[*]}; run as root or install them" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
