#!/usr/bin/env bash
# Install the project into a Linux 6.12 source tree so that the kernel's own
# build (and tools/testing/kunit/kunit.py) builds it: sources, headers, tests,
# Kconfig, and one line each in drivers/xen/Kconfig and drivers/xen/Makefile;
# and its documentation, so that `make htmldocs` builds it: the two rst files,
# one line each in the userspace-api and driver-api indexes.
# Idempotent; unchanged files keep their timestamps, so rebuilds stay small.
set -euo pipefail

tree=${1:?usage: overlay.sh <linux-6.12 source tree>}
top=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$tree/drivers/xen/Kconfig" ] || { echo "overlay: $tree is not a Linux tree" >&2; exit 1; }

dst=$tree/drivers/xen/gpumem
mkdir -p "$dst/tests" "$tree/include/uapi/xen" "$tree/include/xen/interface"
rsync -c --delete --exclude '*.o' --exclude '*.ko' --exclude '*.mod*' \
	--exclude '.*.cmd' --exclude '*.a' --exclude 'tests/' \
	-r "$top/drivers/xen/gpumem/" "$dst/"
rsync -c "$top/Kconfig" "$dst/Kconfig"
rsync -c --delete --exclude '*.o' --exclude '.*.cmd' -r "$top/tests/kunit/" "$dst/tests/"
rsync -c "$top/tests/kunit/.kunitconfig" "$dst/.kunitconfig"
rsync -c "$top/include/uapi/xen/gpumem.h" "$tree/include/uapi/xen/gpumem.h"
rsync -c "$top/include/xen/interface/gpumem.h" "$tree/include/xen/interface/gpumem.h"
rsync -c "$top/Documentation/userspace-api/xen-gpumem.rst" \
	"$tree/Documentation/userspace-api/xen-gpumem.rst"
rsync -c "$top/Documentation/driver-api/xen-gpumem.rst" \
	"$tree/Documentation/driver-api/xen-gpumem.rst"

grep -q 'drivers/xen/gpumem/Kconfig' "$tree/drivers/xen/Kconfig" ||
	sed -i 's|^endmenu$|source "drivers/xen/gpumem/Kconfig"\n\nendmenu|' "$tree/drivers/xen/Kconfig"
grep -q 'drivers/xen/gpumem/Kconfig' "$tree/drivers/xen/Kconfig" ||
	{ echo "overlay: could not hook drivers/xen/Kconfig" >&2; exit 1; }
grep -q 'CONFIG_XEN_GPUMEM)' "$tree/drivers/xen/Makefile" ||
	echo 'obj-$(CONFIG_XEN_GPUMEM)		+= gpumem/' >> "$tree/drivers/xen/Makefile"

# The ioctl magic, in the columns of that table (Sphinx refuses a line whose
# text starts off its column); a line of an older overlay is replaced.
rst=$tree/Documentation/userspace-api/ioctl/ioctl-number.rst
line=$(printf '%-6s%-7s%-58s%s' 0xB9 00-0F uapi/xen/gpumem.h 'Xen GPU memory lending')
if ! grep -qxF "$line" "$rst"; then
	sed -i '/^0xB9 .*uapi\/xen\/gpumem\.h/d' "$rst"
	sed -i "s|^\(0xB8  01-02  uapi/misc/mrvl_cn10k_dpi.h.*\)\$|\1\n$line|" "$rst"
fi
grep -qxF "$line" "$rst" || { echo "overlay: could not hook $rst" >&2; exit 1; }

# The documentation indexes: the uAPI guide beside iommufd, the driver's
# manual in the alphabetical list of driver-api.
idx=$tree/Documentation/userspace-api/index.rst
grep -q '^   xen-gpumem$' "$idx" ||
	sed -i 's|^   iommufd$|   iommufd\n   xen-gpumem|' "$idx"
grep -q '^   xen-gpumem$' "$idx" ||
	{ echo "overlay: could not hook $idx" >&2; exit 1; }
idx=$tree/Documentation/driver-api/index.rst
grep -q '^   xen-gpumem$' "$idx" ||
	sed -i 's|^   xilinx/index$|   xen-gpumem\n   xilinx/index|' "$idx"
grep -q '^   xen-gpumem$' "$idx" ||
	{ echo "overlay: could not hook $idx" >&2; exit 1; }
