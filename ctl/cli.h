/* Shared by the front ends: how they print and exit.  Only front ends print. */
#ifndef VZ_CLI_H
#define VZ_CLI_H

#include "conf/conf.h"

/* A vz_warn that prints "Warning: …" lines on stderr unless quiet. */
extern const vz_warn cli_warn;
/* Set by --quiet / --verbose. */
extern int cli_verbosity;

/* Prints an informational line on stdout (suppressed by --quiet). */
void cli_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "Error: <msg>" (or the message as is when it already names itself) and
 * returns the exit code to leave with. */
int cli_report(const vz_err *err);
/* Prints a usage error on stderr and returns VZ_E_SYNTAX. */
int cli_usage_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
