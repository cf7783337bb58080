#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""libgpumem_strerror()'s tables against the uAPI manual's errno tables.

usage: errno-tables.py [TOP]

For each section named below, the errno table of
Documentation/userspace-api/xen-gpumem.rst (rows "ERRNO  meaning", a
meaning continued on indented lines, ``literals`` unquoted) must equal the
table of tools/gpumem/libgpumem.c, row for row and word for word.  The
sections whose tables libgpumem abridges are not listed (yet).
"""
import os
import re
import sys

SECTIONS = {
    'GPUMEM_IOCTL_FAULT_ENABLE —': 'libgpumem_err_fault_enable',
    'read() and poll(): fault records': 'libgpumem_err_fault_read',
    'GPUMEM_IOCTL_FAULT_COMPLETE —': 'libgpumem_err_fault_complete',
}


def rst_rows(rst, title):
    start = rst.index('\n' + title) + 1
    table = re.search(r'^(=+) (=+)\n(errno|ERRNO) +(meaning|reason)\n=+ =+\n'
                      r'(.*?)^=+ =+$', rst[start:], re.M | re.S)
    if not table:
        sys.exit(f'errno-tables: no errno table under "{title}"')
    width = len(table.group(1)) + 1
    rows = []
    for line in table.group(5).splitlines():
        if line[:width].strip():
            rows.append([line[:width].strip(), line[width:].strip()])
        elif line.strip():
            rows[-1][1] += ' ' + line.strip()
    return [(e, m.replace('``', '')) for e, m in rows]


def c_rows(src, table):
    body = re.search(r'libgpumem_errmsg ' + re.escape(table) +
                     r'\[\] = \{(.*?)LIBGPUMEM_ERR_END', src, re.S)
    if not body:
        sys.exit(f'errno-tables: no {table}[] in libgpumem.c')
    rows = re.findall(r'\{\s*(E[A-Z0-9]+),\s*((?:"(?:[^"\\]|\\.)*"\s*)+)\}',
                      body.group(1))
    return [(e, ''.join(re.findall(r'"((?:[^"\\]|\\.)*)"', m)))
            for e, m in rows]


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
    with open(os.path.join(top, 'Documentation/userspace-api/xen-gpumem.rst'),
              encoding='utf-8') as f:
        rst = f.read()
    with open(os.path.join(top, 'tools/gpumem/libgpumem.c'),
              encoding='utf-8') as f:
        src = f.read()
    bad = 0
    for title, table in SECTIONS.items():
        want, got = rst_rows(rst, title), c_rows(src, table)
        if want != got:
            bad += 1
            print(f'errno-tables: {table}[] differs from "{title}":',
                  file=sys.stderr)
            for w, g in zip(want + [None] * len(got), got + [None] * len(want)):
                if w != g and (w or g):
                    print(f'  rst: {w}\n  c:   {g}', file=sys.stderr)
    if bad:
        sys.exit(1)
    print(f'errno-tables: {len(SECTIONS)} tables of libgpumem.c match the uAPI manual')


main()
