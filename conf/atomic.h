/* Replacing a file atomically, for conf/ (and any module that keeps state in files).
 *
 * vz_write_file_atomic(path, data, len) makes `path` hold exactly `data`, so that a
 * reader (or a crash) sees either the old file or the new one, never a mix:
 *  - symlinks are resolved first (a dangling one is followed to the file to create),
 *    so the link stays and its target is replaced;
 *  - the bytes go to `<real>.tmp.<pid>` (O_EXCL; a stale one of our pid is removed),
 *    which is fsynced, given the old file's mode (0644 for a new file) and renamed
 *    over `<real>`; then the directory is fsynced so the rename survives a crash.
 * Returns 0 or a negative errno; the temporary file never outlives a failure. */
#ifndef VZ_CONF_ATOMIC_H
#define VZ_CONF_ATOMIC_H

#include <stddef.h>

int vz_write_file_atomic(const char *path, const char *data, size_t len);

#endif
