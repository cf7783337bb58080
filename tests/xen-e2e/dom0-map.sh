# Sourced by dom0's /init (tests/xen-e2e/dom0-init.sh) when the hypervisor
# reports MAP: placeholder, replaced below.
bad "MAP scenario not written yet"
