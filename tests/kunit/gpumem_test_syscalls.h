/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Syscalls the KUnit suites need and the kernel has no in-kernel entry
 * for: their x86-64 entry points, which take the caller's registers.  The
 * tests are built in (see Kconfig), so these resolve, as does the linker's
 * table of built-in KUnit suites, which no header declares either.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#ifndef _XEN_GPUMEM_TEST_SYSCALLS_H
#define _XEN_GPUMEM_TEST_SYSCALLS_H

struct kunit_suite;
struct pt_regs;

long __x64_sys_mprotect(const struct pt_regs *regs);
long __x64_sys_mremap(const struct pt_regs *regs);
long __x64_sys_memfd_create(const struct pt_regs *regs);
long __x64_sys_ftruncate(const struct pt_regs *regs);
long __x64_sys_fcntl(const struct pt_regs *regs);

extern struct kunit_suite * const __kunit_suites_start[];
extern struct kunit_suite * const __kunit_suites_end[];

#endif /* _XEN_GPUMEM_TEST_SYSCALLS_H */
