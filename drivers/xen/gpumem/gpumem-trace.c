// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xen-gpumem: the tracepoints (gpumem_trace.h), defined once here so that
 * the files that emit them depend on no other file for them.
 *
 * Copyright (c) 2026, the xen-gpumem authors
 */

#include "gpumem-priv.h"

#define CREATE_TRACE_POINTS
#include "gpumem_trace.h"
