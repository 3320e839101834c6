#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl/cli.h"

int cli_verbosity;

static void print_warning(void *ctx, const char *msg)
{
	(void)ctx;
	if (cli_verbosity >= 0)
		fprintf(stderr, "Warning: %s\n", msg);
}

const vz_warn cli_warn = { print_warning, NULL };

void cli_info(const char *fmt, ...)
{
	va_list ap;

	if (cli_verbosity < 0)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

int cli_report(const vz_err *err)
{
	fprintf(stderr, "%s\n", err->msg);
	return err->exit_code ? err->exit_code : VZ_E_SYSTEM;
}

int cli_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	/* "vzctl set" has no --help of its own: point at the tool's. */
	fprintf(stderr, "\nRun '%.*s --help' for the usage.\n", (int)strcspn(prog, " "), prog);
	return VZ_E_SYNTAX;
}
