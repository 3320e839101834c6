/* KEY="value" config files: vzctl's reader (reference §4.2) and its line-preserving
 * writer (§4.4); the atomic replacement of the file itself is conf/atomic.c.
 *
 * The file is kept as one copy of its bytes plus the offsets of its lines, so that a
 * save reproduces every line the user wrote (comments, unknown keys, CRs, NUL bytes, a
 * missing final newline).  Settings are parsed from those lines; changes are recorded
 * apart and applied only when the file is rendered. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"

#define NO_SETTING ((size_t)-1)

struct conf_line {
	size_t off;     /* into vz_conf.data */
	size_t len;     /* terminator included */
	size_t setting; /* the key this line sets (first or duplicate), or NO_SETTING */
};

struct conf_setting {
	char *key;
	char *value;
	size_t line; /* where the value came from: the first line naming the key */
};

struct conf_change {
	char *key;
	char *value; /* NULL: remove the key */
};

struct vz_conf {
	char *data;
	size_t len;
	struct conf_line *lines;
	size_t n_lines, cap_lines;
	struct conf_setting *settings;
	size_t n_settings, cap_settings;
	/* Open-addressing index of settings by key (slot = setting index + 1, 0 free),
	 * so that a file of many keys does not cost quadratic time to read or write. */
	size_t *slots;
	size_t n_slots; /* a power of two, at least twice n_settings */
	struct conf_change *changes;
	size_t n_changes, cap_changes;
};

/* A growable output buffer. */
struct obuf {
	char *data;
	size_t len, cap;
};

/* Returns arr with room for `need` elements of `size` bytes (capacity *cap), or NULL
 * when out of memory, leaving arr and *cap as they were. */
static void *grow_array(void *arr, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 8;
	void *p;

	if (need <= *cap)
		return arr;
	while (n < need) {
		if (n > ((size_t)-1 / 2) / size)
			return NULL;
		n *= 2;
	}
	p = realloc(arr, n * size);
	if (p)
		*cap = n;
	return p;
}

/* 0, or -ENOMEM with the array untouched. */
#define ensure_room(arr, cap, need)                                               \
	({                                                                        \
		void *p_ = grow_array((arr), &(cap), (need), sizeof(*(arr)));     \
		if (p_)                                                           \
			(arr) = p_;                                               \
		p_ ? 0 : -ENOMEM;                                                 \
	})

static int obuf_add(struct obuf *b, const void *p, size_t n)
{
	if (n > (size_t)-1 - b->len - 1)
		return -ENOMEM;
	if (ensure_room(b->data, b->cap, b->len + n + 1) < 0)
		return -ENOMEM;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static int obuf_adds(struct obuf *b, const char *s)
{
	return obuf_add(b, s, strlen(s));
}

static char *memdup_str(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		return NULL;
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* ------------------------------------------------------------------ object */

vz_conf *vz_conf_new(void)
{
	return calloc(1, sizeof(vz_conf));
}

static void free_contents(vz_conf *cf)
{
	for (size_t i = 0; i < cf->n_settings; i++) {
		free(cf->settings[i].key);
		free(cf->settings[i].value);
	}
	for (size_t i = 0; i < cf->n_changes; i++) {
		free(cf->changes[i].key);
		free(cf->changes[i].value);
	}
	free(cf->settings);
	free(cf->slots);
	free(cf->changes);
	free(cf->lines);
	free(cf->data);
}

void vz_conf_free(vz_conf *cf)
{
	if (!cf)
		return;
	free_contents(cf);
	free(cf);
}

/* FNV-1a: keys are short and not chosen to collide by anyone we defend against. */
static size_t hash_key(const char *key)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return (size_t)h;
}

/* The slot holding key, or the free slot where it would go. */
static size_t slot_of(const vz_conf *cf, const char *key)
{
	size_t mask = cf->n_slots - 1, i = hash_key(key) & mask;

	while (cf->slots[i] && strcmp(cf->settings[cf->slots[i] - 1].key, key) != 0)
		i = (i + 1) & mask;
	return i;
}

static struct conf_setting *find_setting(const vz_conf *cf, const char *key)
{
	size_t i;

	if (!cf->n_slots)
		return NULL;
	i = slot_of(cf, key);
	return cf->slots[i] ? &cf->settings[cf->slots[i] - 1] : NULL;
}

static int rehash(vz_conf *cf, size_t n_slots)
{
	size_t *old = cf->slots, old_n = cf->n_slots;

	cf->slots = calloc(n_slots, sizeof(*cf->slots));
	if (!cf->slots) {
		cf->slots = old;
		return -ENOMEM;
	}
	cf->n_slots = n_slots;
	for (size_t i = 0; i < old_n; i++)
		if (old[i])
			cf->slots[slot_of(cf, cf->settings[old[i] - 1].key)] = old[i];
	free(old);
	return 0;
}

/* Indexes the last setting added (its key is known to be new). */
static int index_last_setting(vz_conf *cf)
{
	if (cf->n_settings * 2 > cf->n_slots && rehash(cf, cf->n_slots ? cf->n_slots * 2 : 64) < 0)
		return -ENOMEM;
	cf->slots[slot_of(cf, cf->settings[cf->n_settings - 1].key)] = cf->n_settings;
	return 0;
}

static struct conf_change *find_change(const vz_conf *cf, const char *key)
{
	for (size_t i = 0; i < cf->n_changes; i++)
		if (strcmp(cf->changes[i].key, key) == 0)
			return &cf->changes[i];
	return NULL;
}

/* ----------------------------------------------------------------- reading */

/* The C locale's isspace, without depending on the locale. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* vzctl resolves escapes over the whole line before looking at it: a backslash
 * drops itself and keeps the next byte; a final lone backslash disappears. */
static size_t unescape(char *s, size_t len)
{
	size_t out = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && ++i == len)
			break;
		s[out++] = s[i];
	}
	return out;
}

/* Where one line's NAME=value lies inside its unescaped text. */
struct parsed_line {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
	bool lone_quote;
	bool nul_cut;
};

enum line_kind { LINE_EMPTY, LINE_SETTING, LINE_NO_EQUALS, LINE_BAD_NAME };

/* A value in quotes runs to the last quote of the line, so embedded quotes survive
 * and anything after the closing quote is dropped. */
static void unquote(struct parsed_line *pl)
{
	const char *last;

	if (pl->value_len == 0 || pl->value[0] != '"')
		return;
	last = memrchr(pl->value, '"', pl->value_len);
	if (last == pl->value) {
		/* vzctl keeps the rest of the line in this case; we do too, but say so. */
		pl->lone_quote = true;
		pl->value++;
		pl->value_len--;
		return;
	}
	pl->value_len = (size_t)(last - pl->value) - 1;
	pl->value++;
}

static enum line_kind split_line(const char *s, size_t len, struct parsed_line *pl)
{
	const char *end = s + len, *eq, *nul;

	while (s < end && is_blank(*s))
		s++;
	if (s == end || *s == '#')
		return LINE_EMPTY;
	while (end > s && is_blank(end[-1]))
		end--;
	eq = memchr(s, '=', (size_t)(end - s));
	if (!eq)
		return LINE_NO_EQUALS;
	*pl = (struct parsed_line){ .name = s, .name_len = (size_t)(eq - s), .value = eq + 1,
				    .value_len = (size_t)(end - eq - 1) };
	if (pl->name_len == 0 || memchr(pl->name, '\0', pl->name_len))
		return LINE_BAD_NAME;
	unquote(pl);
	/* Values are C strings for every caller: cut at a NUL rather than hide the
	 * rest of the value behind it. */
	nul = memchr(pl->value, '\0', pl->value_len);
	if (nul) {
		pl->value_len = (size_t)(nul - pl->value);
		pl->nul_cut = true;
	}
	return LINE_SETTING;
}

static int add_setting(vz_conf *cf, const struct parsed_line *pl, size_t line)
{
	struct conf_setting *st;

	if (ensure_room(cf->settings, cf->cap_settings, cf->n_settings + 1) < 0)
		return -ENOMEM;
	st = &cf->settings[cf->n_settings];
	st->key = memdup_str(pl->name, pl->name_len);
	st->value = memdup_str(pl->value, pl->value_len);
	st->line = line;
	if (!st->key || !st->value) {
		free(st->key);
		free(st->value);
		return -ENOMEM;
	}
	cf->n_settings++;
	if (index_last_setting(cf) < 0)
		return -ENOMEM;
	cf->lines[line].setting = cf->n_settings - 1;
	return 0;
}

static int record_setting(vz_conf *cf, const struct parsed_line *pl, size_t line,
			  const char *origin, const vz_warn *w)
{
	_cleanup_free_ char *key = memdup_str(pl->name, pl->name_len);
	struct conf_setting *st;

	if (!key)
		return -ENOMEM;
	if (pl->lone_quote)
		vz_warnf(w, "%s:%zu: no closing quote in the value of %s, using the rest of the line",
			 origin, line + 1, key);
	if (pl->nul_cut)
		vz_warnf(w, "%s:%zu: NUL byte in the value of %s, value cut there", origin, line + 1, key);
	st = find_setting(cf, key);
	if (st) {
		/* vzctl reads the first setting; the line stays for saving. */
		vz_warnf(w, "%s:%zu: duplicate parameter %s, ignored", origin, line + 1, key);
		cf->lines[line].setting = (size_t)(st - cf->settings);
		return 0;
	}
	return add_setting(cf, pl, line);
}

static size_t content_len(const struct conf_line *l, const char *data)
{
	return l->len && data[l->off + l->len - 1] == '\n' ? l->len - 1 : l->len;
}

static int parse_line(vz_conf *cf, size_t idx, const char *origin, const vz_warn *w)
{
	const struct conf_line *l = &cf->lines[idx];
	size_t len = content_len(l, cf->data);
	_cleanup_free_ char *text = memdup_str(cf->data + l->off, len);
	struct parsed_line pl;

	if (!text)
		return -ENOMEM;
	len = unescape(text, len);
	switch (split_line(text, len, &pl)) {
	case LINE_EMPTY:
		return 0;
	case LINE_NO_EQUALS:
		vz_warnf(w, "%s:%zu: can't parse line ('=' not found), skipping", origin, idx + 1);
		return 0;
	case LINE_BAD_NAME:
		vz_warnf(w, "%s:%zu: can't parse line (bad parameter name), skipping", origin, idx + 1);
		return 0;
	case LINE_SETTING:
		break;
	}
	return record_setting(cf, &pl, idx, origin, w);
}

static int split_lines(vz_conf *cf)
{
	size_t off = 0;

	while (off < cf->len) {
		const char *nl = memchr(cf->data + off, '\n', cf->len - off);
		size_t len = nl ? (size_t)(nl - (cf->data + off)) + 1 : cf->len - off;

		if (ensure_room(cf->lines, cf->cap_lines, cf->n_lines + 1) < 0)
			return -ENOMEM;
		cf->lines[cf->n_lines++] = (struct conf_line){ off, len, NO_SETTING };
		off += len;
	}
	return 0;
}

static int parse_into(vz_conf *cf, const char *buf, size_t len, const char *origin,
		      const vz_warn *w)
{
	cf->data = malloc(len + 1);
	if (!cf->data)
		return -ENOMEM;
	if (len)
		memcpy(cf->data, buf, len);
	cf->data[len] = '\0';
	cf->len = len;
	if (split_lines(cf) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < cf->n_lines; i++)
		if (parse_line(cf, i, origin, w) < 0)
			return -ENOMEM;
	return 0;
}

int vz_conf_parse(const char *buf, size_t len, const char *origin, vz_conf **ret,
		  const vz_warn *w, vz_err *err)
{
	_cleanup_conf_ vz_conf *cf = vz_conf_new();

	if (!cf || parse_into(cf, buf, len, origin ? origin : "(config)", w) < 0)
		return vz_fail(err, VZ_E_NOMEM, ENOMEM, "Out of memory reading %s",
			       origin ? origin : "a config");
	*ret = cf;
	cf = NULL;
	return 0;
}

int vz_read_fd(int fd, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		ssize_t n;

		if (ensure_room(data, cap, len + 4096 + 1) < 0)
			return -ENOMEM;
		n = read(fd, data + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	data[len] = '\0';
	*ret = data;
	if (ret_len)
		*ret_len = len;
	data = NULL;
	return 0;
}

int vz_conf_load(const char *path, vz_conf **ret, const vz_warn *w, vz_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r;

	if (fd < 0 && errno == ENOENT)
		return vz_fail(err, VZ_E_NO_CTCONF, ENOENT, "Configuration file %s not found", path);
	if (fd < 0)
		return vz_fail(err, VZ_E_SYSTEM, errno, "Unable to open %s: %s", path, strerror(errno));
	r = vz_read_fd(fd, &data, &len);
	if (r < 0)
		return vz_fail(err, r == -ENOMEM ? VZ_E_NOMEM : VZ_E_SYSTEM, -r,
			       "Unable to read %s: %s", path, strerror(-r));
	return vz_conf_parse(data, len, path, ret, w, err);
}

/* ---------------------------------------------------------------- settings */

const char *vz_conf_get(const vz_conf *cf, const char *key)
{
	const struct conf_change *c = find_change(cf, key);
	const struct conf_setting *st;

	if (c)
		return c->value;
	st = find_setting(cf, key);
	return st ? st->value : NULL;
}

/* The writer must put the key at the start of a line and the reader must find it
 * there again: a plain shell-style NAME is the safe set. */
static bool is_valid_key(const char *key)
{
	if (!key || !(*key == '_' || (*key >= 'A' && *key <= 'Z') || (*key >= 'a' && *key <= 'z')))
		return false;
	for (const char *p = key + 1; *p; p++)
		if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

/* A value is written on one line; a newline in it could not be read back. */
static bool is_valid_value(const char *value)
{
	return !value || !strchr(value, '\n');
}

static int replace_change_value(struct conf_change *c, const char *value)
{
	char *copy = NULL;

	if (value && !(copy = strdup(value)))
		return -ENOMEM;
	free(c->value);
	c->value = copy;
	return 0;
}

int vz_conf_set(vz_conf *cf, const char *key, const char *value)
{
	struct conf_change *c;

	if (!is_valid_key(key) || !is_valid_value(value))
		return -EINVAL;
	c = find_change(cf, key);
	if (c)
		return replace_change_value(c, value);
	if (ensure_room(cf->changes, cf->cap_changes, cf->n_changes + 1) < 0)
		return -ENOMEM;
	c = &cf->changes[cf->n_changes];
	*c = (struct conf_change){ .key = strdup(key) };
	if (!c->key || replace_change_value(c, value) < 0) {
		free(c->key);
		return -ENOMEM;
	}
	cf->n_changes++;
	return 0;
}

void vz_conf_foreach(const vz_conf *cf, void (*fn)(void *ctx, const char *key, const char *value),
		     void *ctx)
{
	for (size_t i = 0; i < cf->n_settings; i++) {
		const char *value = vz_conf_get(cf, cf->settings[i].key);

		if (value)
			fn(ctx, cf->settings[i].key, value);
	}
	for (size_t i = 0; i < cf->n_changes; i++)
		if (cf->changes[i].value && !find_setting(cf, cf->changes[i].key))
			fn(ctx, cf->changes[i].key, cf->changes[i].value);
}

/* --------------------------------------------------------------- rendering */

/* A recorded change that makes a difference to what the file says. */
static bool change_is_effective(const vz_conf *cf, const struct conf_change *c)
{
	const struct conf_setting *st = find_setting(cf, c->key);

	if (!c->value)
		return st != NULL;
	return !st || strcmp(st->value, c->value) != 0;
}

static const struct conf_change *effective_change(const vz_conf *cf, const char *key)
{
	const struct conf_change *c = find_change(cf, key);

	return c && change_is_effective(cf, c) ? c : NULL;
}

/* KEY="value", with the backslashes that make the reader give `value` back. */
static int add_assignment(struct obuf *b, const char *key, const char *value)
{
	if (obuf_adds(b, key) < 0 || obuf_add(b, "=\"", 2) < 0)
		return -ENOMEM;
	for (const char *p = value; *p; p++) {
		if ((*p == '"' || *p == '\\') && obuf_add(b, "\\", 1) < 0)
			return -ENOMEM;
		if (obuf_add(b, p, 1) < 0)
			return -ENOMEM;
	}
	return obuf_add(b, "\"", 1);
}

/* "\r\n", "\n" or "" (the last line without a newline): a replaced line keeps it. */
static const char *line_terminator(const vz_conf *cf, const struct conf_line *l)
{
	const char *end = cf->data + l->off + l->len;

	if (l->len >= 2 && end[-2] == '\r' && end[-1] == '\n')
		return "\r\n";
	if (l->len >= 1 && end[-1] == '\n')
		return "\n";
	return "";
}

static int render_line(const vz_conf *cf, size_t idx, struct obuf *b)
{
	const struct conf_line *l = &cf->lines[idx];
	const struct conf_setting *st;
	const struct conf_change *c;

	if (l->setting == NO_SETTING)
		return obuf_add(b, cf->data + l->off, l->len);
	st = &cf->settings[l->setting];
	c = effective_change(cf, st->key);
	if (!c)
		return obuf_add(b, cf->data + l->off, l->len);
	/* Removal drops duplicates too: otherwise the next one would be read instead. */
	if (!c->value)
		return 0;
	/* vzctl replaces the first line beginning with KEY=; the line the value was
	 * read from is that line, or an indented one vzctl would miss (its appended
	 * line would then be a duplicate that its reader ignores). */
	if (st->line != idx)
		return obuf_add(b, cf->data + l->off, l->len);
	if (add_assignment(b, st->key, c->value) < 0)
		return -ENOMEM;
	return obuf_adds(b, line_terminator(cf, l));
}

static int render_new_keys(const vz_conf *cf, struct obuf *b)
{
	for (size_t i = 0; i < cf->n_changes; i++) {
		const struct conf_change *c = &cf->changes[i];

		if (!c->value || find_setting(cf, c->key))
			continue;
		if (b->len && b->data[b->len - 1] != '\n' && obuf_add(b, "\n", 1) < 0)
			return -ENOMEM;
		if (add_assignment(b, c->key, c->value) < 0 || obuf_add(b, "\n", 1) < 0)
			return -ENOMEM;
	}
	return 0;
}

static size_t count_effective_changes(const vz_conf *cf)
{
	size_t n = 0;

	for (size_t i = 0; i < cf->n_changes; i++)
		if (change_is_effective(cf, &cf->changes[i]))
			n++;
	return n;
}

int vz_conf_render(const vz_conf *cf, char **ret, size_t *ret_len)
{
	struct obuf b = { 0 };
	size_t n = count_effective_changes(cf);

	/* An empty file still renders as a real (empty) string. */
	if (obuf_add(&b, "", 0) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < cf->n_lines; i++)
		if (render_line(cf, i, &b) < 0)
			goto oom;
	if (render_new_keys(cf, &b) < 0)
		goto oom;
	*ret = b.data;
	*ret_len = b.len;
	return n > INT_MAX ? INT_MAX : (int)n;
oom:
	free(b.data);
	return -ENOMEM;
}

/* ------------------------------------------------------------------ saving */

static const char *save_hint(int errnum)
{
	switch (errnum) {
	case ENOSPC:
	case EDQUOT:
		return "free some space and retry";
	case ENOMEM:
		return "retry when more memory is free";
	case ELOOP:
		return "check the symlinks leading to the file";
	default:
		return "check that the directory exists and is writable";
	}
}

static int save_error(vz_err *err, const char *path, int r)
{
	return vz_fail(err, VZ_E_CONFIG_SAVE, -r, "Unable to write %s: %s; %s", path, strerror(-r),
		       save_hint(-r));
}

/* After a save the object describes the file as written, so later sets and saves
 * start from it. */
static void adopt(vz_conf *cf, vz_conf *fresh)
{
	vz_conf old = *cf;

	*cf = *fresh;
	*fresh = old;
}

int vz_conf_save(vz_conf *cf, const char *path, bool *ret_changed, vz_err *err)
{
	_cleanup_free_ char *data = NULL;
	_cleanup_conf_ vz_conf *fresh = NULL;
	size_t len;
	int n, r;

	n = vz_conf_render(cf, &data, &len);
	if (n < 0)
		return save_error(err, path, n);
	if (n == 0) {
		if (ret_changed)
			*ret_changed = false;
		return 0;
	}
	fresh = vz_conf_new();
	if (!fresh || parse_into(fresh, data, len, path, NULL) < 0)
		return save_error(err, path, -ENOMEM);
	r = vz_write_file_atomic(path, data, len);
	if (r < 0)
		return save_error(err, path, r);
	adopt(cf, fresh);
	if (ret_changed)
		*ret_changed = true;
	return 0;
}

/* ------------------------------------------------------------------ $VEID */

static size_t veid_token_len(const char *p)
{
	if (strncmp(p, "${VEID}", 7) == 0)
		return 7;
	if (strncmp(p, "$VEID", 5) == 0)
		return 5;
	return 0;
}

/* Writes the substituted string into out (when not NULL) and returns its length. */
static size_t subst_into(const char *value, const char *veid, char *out)
{
	size_t veid_len = strlen(veid), n = 0;

	for (const char *p = value; *p;) {
		size_t tok = veid_token_len(p);

		if (tok) {
			if (out)
				memcpy(out + n, veid, veid_len);
			n += veid_len;
			p += tok;
		} else {
			if (out)
				out[n] = *p;
			n++;
			p++;
		}
	}
	return n;
}

char *vz_subst_veid(const char *value, const char *veid)
{
	size_t len;
	char *out;

	if (!value) {
		errno = EINVAL;
		return NULL;
	}
	if (!veid)
		veid = "";
	len = subst_into(value, veid, NULL);
	out = malloc(len + 1);
	if (!out)
		return NULL;
	subst_into(value, veid, out);
	out[len] = '\0';
	return out;
}
