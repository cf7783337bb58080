# SPDX-License-Identifier: GPL-2.0
#
# xen-gpumem
#
#   make                 build xen-gpumem.ko against KDIR (out of tree);
#                        HVSIM=y adds the simulated hypervisor (tests only)
#   make demo            the end-to-end scenario in QEMU, narrated
#   make test            everything CI runs: static checks, ABI tests, KUnit,
#                        the distro-kernel suite, the QEMU build, the
#                        real-Xen boot, the real-Xen end-to-end scenario
#                        with a domU (Debian's Xen 4.17 and 4.20, the
#                        reference Xen), the differential check
#   make check           out-of-tree build at W=1 with sparse, checkpatch,
#                        the documentation with the kernel's make htmldocs
#   make htmldocs        that documentation build alone
#   make abi-test        hypercall ABI against Xen's public headers
#   make kunit           the KUnit suites under QEMU
#   make bench           benchmarks of the VA-range path (not part of test)
#   make tools           libgpumem, the gpumem CLI, gpumem_test (tools/gpumem)
#   make distro-test     the tools against the module in Debian's own kernel
#                        under QEMU
#   make xen-test        the module in a real Xen 4.17 PVH dom0 under QEMU
#   make xen-e2e         Xen's toolstack in that dom0, a PVH domU, issue #7's
#                        scenario (XEN_ELF=<hypervisor ELF> for a patched Xen)
#   make xen-e2e-4.20    the same on Debian 13's Xen 4.20 with its toolstack,
#                        dom0 Debian 13's kernel with its DKMS module
#   make xen-e2e-4.20-ref XEN_SRC_GIT=<clone of xen-project/xen>
#                        the scenario on 4.20's reference Xen (xen/patches/4.20
#                        on upstream RELEASE-4.20.4: Debian 13's source is
#                        not served here), then the differential check
#                        (not part of test: needs that clone)
#   make xen-e2e-qemu    the reference Xen, an HVM domU whose device model is
#                        the project's QEMU lending an ivshmem-plain BAR,
#                        and the same guest under plain QEMU TCG (not
#                        part of test: its HVM boot alone takes 13 to over
#                        15 minutes under nested TCG, qemu/README.md)
#   make xen-bench       the fault loop on the reference Xen, timed in its
#                        domU, MAP_VA against grants, 2 MiB against 4k
#                        entries, STEAL+RETURN against a foreign mapping
#                        (not part of test)
#   make diff-test       the scenario of tests/scenario on hvsim and on the
#                        reference Xen: identical transcripts
#   make qemu            Debian 13's QEMU 10.0 with qemu/patches, built
#   make debs            the Debian packages (xen-gpumem-dkms, libgpumem0,
#                        libgpumem-dev, gpumem-tools), installed with apt
#                        in a Debian 12 and a Debian 13 system (DKMS builds
#                        the module there), checked, purged (the Xen dom0
#                        images load the module DKMS installed)
#   make overlay TREE=   install the sources into a Linux 6.12 tree
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build

# Debian's 6.12 headers: what `make check` builds against.
DEB_KDIR ?= $(lastword $(sort $(wildcard /usr/src/linux-headers-6.12.*-amd64)))

.PHONY: all modules clean test check abi-test kunit bench overlay deps \
	tools distro-test xen-test xen-e2e xen-e2e-4.20 xen-e2e-4.20-ref \
	xen-e2e-qemu xen-bench \
	diff-test \
	demo htmldocs debs qemu

all: modules

modules:
	@test -d "$(KDIR)" || { echo "KDIR=$(KDIR) does not exist: install linux-headers or pass KDIR=<kernel build dir>" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	@test ! -d "$(KDIR)" || $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tests/abi clean
	$(MAKE) -C tools/gpumem clean

deps:
	scripts/install-deps.sh

check: deps
	scripts/check.sh "$(DEB_KDIR)"

htmldocs: deps
	scripts/htmldocs.sh --full

abi-test: deps
	$(MAKE) -C tests/abi run

kunit: deps
	scripts/kunit.sh

bench: deps
	scripts/bench.sh

tools:
	$(MAKE) -C tools/gpumem

distro-test: deps
	scripts/distro-test.sh

xen-test: deps
	scripts/xen-test.sh

xen-e2e: deps
	scripts/xen-e2e.sh

xen-e2e-4.20: deps
	XEN_VERSION=4.20 scripts/xen-e2e.sh

xen-e2e-4.20-ref: deps
	@test -n "$(XEN_SRC_GIT)" || { echo "XEN_SRC_GIT=<a git clone of xen-project/xen> is needed (xen/patches/4.20/PORTING.md)" >&2; exit 1; }
	XEN_VERSION=4.20 XEN_SRC_GIT="$(XEN_SRC_GIT)" scripts/xen-e2e.sh --patched
	scripts/diff-test.sh

xen-e2e-qemu: deps
	scripts/xen-e2e.sh --qemu

xen-bench: deps
	scripts/xen-e2e.sh --bench

diff-test: deps
	scripts/diff-test.sh

debs: deps
	scripts/debs.sh

qemu: deps
	scripts/qemu-build.sh

demo: deps
	scripts/demo.sh

test: deps
	scripts/test.sh "$(DEB_KDIR)"

overlay:
	@test -n "$(TREE)" || { echo "usage: make overlay TREE=<linux-6.12 tree>" >&2; exit 1; }
	scripts/overlay.sh "$(TREE)"
