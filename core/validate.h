/* The consistency rules with a question per repair, for `vzcfgvalidate -i`.
 * bc_validate (core/bc.h) is this with every repair accepted or none. */
#ifndef VZ_VALIDATE_H
#define VZ_VALIDATE_H

#include <stdbool.h>

#include "core/bc.h"

/* Decides whether the repair f->msg proposes is made (f->repaired is still false). */
typedef bool bc_repair_ask(void *ctx, const struct bc_finding *f);

/* Like bc_validate, with ask deciding each repair (NULL: nothing is repaired).  A
 * declined rule is neither asked about nor reported again.  Returns the number of
 * rules still broken when it returns. */
int bc_validate_ask(struct ct_res *r, int vswap, unsigned long host_ram_pages,
		    unsigned long host_swap_pages, bc_repair_ask *ask,
		    void (*fn)(void *ctx, const struct bc_finding *f), void *ctx);

#endif
