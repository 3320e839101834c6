/* The error contract shared by every module (conf/conf.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"

int vz_fail(vz_err *err, int exit_code, int sys_errno, const char *fmt, ...)
{
	if (err) {
		va_list ap;

		err->exit_code = exit_code;
		err->sys_errno = sys_errno;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return sys_errno > 0 ? -sys_errno : -EINVAL;
}

void vz_err_prefix(vz_err *err, const char *fmt, ...)
{
	char prefix[VZ_ERR_MSG_MAX];
	char old[VZ_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Both parts are cut to fit: the message is for people, and a cut end is better
	 * than no message. */
	size_t plen = strnlen(prefix, sizeof(err->msg) - 3);
	size_t olen = strnlen(old, sizeof(err->msg) - 3 - plen);
	memcpy(err->msg, prefix, plen);
	memcpy(err->msg + plen, ": ", 2);
	memcpy(err->msg + plen + 2, old, olen);
	err->msg[plen + 2 + olen] = '\0';
}

void vz_warnf(const vz_warn *w, const char *fmt, ...)
{
	char msg[VZ_ERR_MSG_MAX];
	va_list ap;

	if (!w || !w->fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->fn(w->ctx, msg);
}

void vz_err_append(vz_err *err, const char *fmt, ...)
{
	size_t len;
	va_list ap;

	if (!err)
		return;
	len = strnlen(err->msg, sizeof(err->msg) - 1);
	va_start(ap, fmt);
	vsnprintf(err->msg + len, sizeof(err->msg) - len, fmt, ap);
	va_end(ap);
}
