/* CT ids and names: checked before any file is touched, since they become paths. */
#include <ctype.h>
#include <string.h>

#include "core/model/model.h"

int ct_id_parse(const char *text, unsigned long *ret, vz_err *err)
{
	unsigned long v = 0;
	size_t len = text ? strlen(text) : 0;

	/* 10 digits cover CT_ID_MAX; a longer string cannot be a valid id and must not
	 * overflow the accumulator below. */
	if (len == 0 || len > 10 || text[0] == '0')
		goto bad;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)text[i]))
			goto bad;
		v = v * 10 + (unsigned long)(text[i] - '0');
	}
	if (v < CT_ID_MIN || v > CT_ID_MAX)
		goto bad;
	*ret = v;
	return 0;
bad:
	return vz_fail(err, VZ_E_SYNTAX, 0,
		       "Invalid CT ID \"%s\": use a number from %lu to %lu, or a name set with --name",
		       text ? text : "", CT_ID_MIN, CT_ID_MAX);
}

bool ct_name_valid(const char *name)
{
	size_t len = name ? strlen(name) : 0;
	bool all_digits = true;

	if (len == 0 || len > 64 || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return false;
		if (!isdigit(c))
			all_digits = false;
	}
	return !all_digits;
}

bool ct_conf_file_id(const char *file, char *id, size_t size)
{
	size_t n = strlen(file);
	unsigned long v;

	if (n < 6 || n - 5 >= size || strcmp(file + n - 5, ".conf") != 0)
		return false;
	memcpy(id, file, n - 5);
	id[n - 5] = '\0';
	return ct_id_parse(id, &v, NULL) == 0;
}
