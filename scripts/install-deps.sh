#!/usr/bin/env bash
# Install what the project's build and tests need, from Debian 12's archive
# only.  Does nothing when everything is already there.
#
#   install-deps.sh          what `make test` needs
#   install-deps.sh distro   and what `make distro-test` needs: Debian's kernel
#                            image and its exact headers (KVER, default
#                            6.12.117+deb12-amd64), busybox-static for the
#                            initramfs, libdrm-dev's headers for the tools
set -euo pipefail

pkgs=(
	build-essential bc bison flex libelf-dev libssl-dev dwarves rsync
	xz-utils python3 sparse
	linux-source-6.12 linux-headers-6.12-amd64
	qemu-system-x86
	libxen-dev gcc-multilib
)
if [ "${1:-}" = distro ]; then
	kver=${KVER:-6.12.117+deb12-amd64}
	pkgs+=(
		"linux-image-$kver" "linux-headers-$kver"
		busybox-static cpio kmod libdrm-dev
	)
fi

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
