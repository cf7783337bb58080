#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""The module's files as a graph of who calls whom, from their objects.

usage: import-graph.py DIR

Reads `nm` of every object of xen-gpumem.ko in DIR (a built
drivers/xen/gpumem), draws an edge a -> b for every symbol a uses and b
defines, prints the graph and fails if it has a cycle: the core is called by
its sources through ops, never the other way round by name.
"""
import collections
import glob
import os
import subprocess
import sys


def symbols(obj):
    defined, used = set(), set()
    out = subprocess.run(["nm", obj], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "TDBRV":
            defined.add(f[2])
        elif len(f) == 2 and f[0] == "U":
            used.add(f[1])
    return defined, used


def main():
    d = sys.argv[1]
    objs = sorted(o for o in glob.glob(os.path.join(d, "*.o"))
                  if not os.path.basename(o).startswith("xen-gpumem"))
    syms = {os.path.basename(o)[:-2]: symbols(o) for o in objs}
    owner = {s: f for f, (defined, _) in syms.items() for s in defined}
    graph = collections.defaultdict(set)
    for f, (_, used) in syms.items():
        graph[f] |= {owner[s] for s in used if owner.get(s, f) != f}
    for f in sorted(syms):
        print(f"import-graph: {f} -> {' '.join(sorted(graph[f])) or '-'}")

    state = {}

    def visit(f, path):
        state[f] = "open"
        for g in sorted(graph[f]):
            if state.get(g) == "open":
                cycle = path[path.index(g):] + [g]
                sys.exit("import-graph: FAIL: cycle " + " -> ".join(cycle))
            if g not in state:
                visit(g, path + [g])
        state[f] = "done"

    for f in sorted(syms):
        if f not in state:
            visit(f, [f])
    print(f"import-graph: {len(syms)} files, no cycle")


if __name__ == "__main__":
    main()
