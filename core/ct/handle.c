/* The CT handle (core/ct/ct.h): what a command that acts on one CT holds while it
 * does: its lock, and its run state as the command found it. */
#include <stdio.h>

#include "core/ct/ct.h"

int ct_open(const struct vz_host *host, unsigned long id, const char *lock_status,
	    struct ct_handle *ret, vz_err *err)
{
	struct ct_handle ct = { .host = host, .id = id, .lock = { NULL, -1 } };
	int r;

	snprintf(ct.ctid, sizeof(ct.ctid), "%lu", id);
	if (lock_status) {
		r = ct_lock_take(host->lockdir, ct.ctid, lock_status, &ct.lock, err);
		if (r < 0)
			return r;
	}
	ct.running = ct_init_run(host, ct.ctid, &ct.run, NULL) == 0;
	*ret = ct;
	return 0;
}

void ct_close(struct ct_handle *ct)
{
	ct_lock_release(&ct->lock);
	ct->lock = (struct ct_lock){ NULL, -1 };
}
