/* The counters export: OpenVZ's /proc texts over the core's counter tables
 * (core/bc.h "Counters"), served by bcfs and read by vzubc and monitoring.
 *
 * Formatters are pure: each returns a malloc'd NUL-terminated text (NULL when out of
 * memory) for the tables given, in the order given.  Only running CTs have blocks: a
 * stopped OpenVZ CT had no beancounter.  host, when not NULL, is the host's block
 * `0:`.  Values the core marks unknown print as 0, since every consumer of these files
 * needs a number in each column; which rows those are is published beside them (see
 * bcx_classes) and vzlist shows them as "-". */
#ifndef VZ_EXPORT_H
#define VZ_EXPORT_H

#include <stddef.h>

#include "core/bc.h"

/* /proc/user_beancounters: `Version: 2.5`, the header, 24 rows per block in kernel
 * order with the dummy rows and without swappages, the id glued to its colon on a
 * block's first row only, 20-wide columns (reference §2.1). */
char *bcx_user_beancounters(const struct bc_table *cts, size_t n, const struct bc_table *host);
/* /proc/bc/resources: the same header, no dummy rows, swappages last (§2.2). */
char *bcx_bc_resources(const struct bc_table *cts, size_t n, const struct bc_table *host);
/* /proc/bc/<id>/resources: one block's rows without header and without id. */
char *bcx_bc_ct_resources(const struct bc_table *t);
/* /proc/vz/veinfo: `%10lu %5u %5lu` id, class 0, numproc, one line per running CT,
 * the host's line first when given. */
char *bcx_veinfo(const struct bc_table *cts, size_t n, const struct bc_table *host);
/* /proc/vz/vswap: `Version: 1.0`, what vzctl looks for to know vswap is there. */
char *bcx_vswap(void);
/* The class of every resource of one CT, `<name> <class>` per line ("not available"
 * for a row whose usage no source gives), so that a reader can tell a real 0. */
char *bcx_classes(const struct bc_table *t);

#endif
