/*
 * The table-driven pass: defaults, then the YAML tree walked against the
 * key tables, then environment overrides, then required keys; then
 * icp_cfg_validate() (config_validate.c) for cross-field rules.
 *
 * Error messages always name the full key path (`mappings[1].lfs.mode`) or
 * the environment variable, and the offending value in quotes (never the
 * value of a secret), plus the YAML line when it came from the file.
 *
 * Every string and array of the result is allocated from the config's
 * arena, so a failure half-way needs no unwinding: the caller frees the
 * whole config.
 */
#include "config/config_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define PATH_MAX_LEN 512
#define EXPAND_MAX (1u << 20)

void icp_config_opts_init(icp_config_opts *o)
{
	memset(o, 0, sizeof(*o));
}

const char *icp_cfg_getenv(const icp_cfg_ctx *c, const char *name)
{
	if (c->opts && c->opts->getenv)
		return c->opts->getenv(c->opts->env_ctx, name);
	return getenv(name);
}

char *icp_cfg_path(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return buf;
}

/* A value fit for an error message: at most 64 bytes, control bytes as '?'. */
static const char *show(const char *v, char *buf, size_t n)
{
	size_t i;

	for (i = 0; v[i] && i + 4 < n && i < 64; i++)
		buf[i] = (unsigned char)v[i] < 0x20 || v[i] == 0x7f ? '?' : v[i];
	if (v[i] && i + 4 <= n) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static char *arena_str(icp_cfg_ctx *c, const char *s, size_t n)
{
	char *p = icp_arena_alloc(c->arena, n + 1);

	if (!p) {
		icp_error_set(c->err, ICP_ERR_NOMEM, "config: out of memory");
		return NULL;
	}
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static int valid_var_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || isdigit((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

/* `${VAR}` from the environment, `$$` -> '$', any other '$' kept. */
static int expand(icp_cfg_ctx *c, const char *label, const char *s, size_t len,
                  char **out)
{
	icp_buf b;
	size_t i = 0;
	int rc = ICP_OK;

	if (!memchr(s, '$', len)) {
		*out = arena_str(c, s, len);
		return *out ? ICP_OK : c->err->status;
	}
	icp_buf_init(&b, EXPAND_MAX);
	while (i < len && rc == ICP_OK) {
		const char *end, *v;
		char name[256];
		size_t nlen;

		if (s[i] != '$' || i + 1 >= len ||
		    (s[i + 1] != '$' && s[i + 1] != '{')) {
			icp_buf_append_byte(&b, (uint8_t)s[i++]);
			continue;
		}
		if (s[i + 1] == '$') {
			icp_buf_append_byte(&b, '$');
			i += 2;
			continue;
		}
		end = memchr(s + i + 2, '}', len - i - 2);
		if (!end) {
			rc = icp_error_set(c->err, ICP_ERR_INVALID,
			                   "%s: unterminated \"${\" (write $$ for a "
			                   "literal $)", label);
			break;
		}
		nlen = (size_t)(end - (s + i + 2));
		if (!valid_var_name(s + i + 2, nlen) || nlen >= sizeof(name)) {
			char tmp[80];
			memcpy(name, s + i + 2, nlen < sizeof(name) ? nlen : sizeof(name) - 1);
			name[nlen < sizeof(name) ? nlen : sizeof(name) - 1] = '\0';
			rc = icp_error_set(c->err, ICP_ERR_INVALID,
			                   "%s: \"${%s}\" is not a valid variable "
			                   "reference (use ${NAME}, NAME = [A-Za-z_][A-Za-z0-9_]*)",
			                   label, show(name, tmp, sizeof(tmp)));
			break;
		}
		memcpy(name, s + i + 2, nlen);
		name[nlen] = '\0';
		v = icp_cfg_getenv(c, name);
		if (!v) {
			rc = icp_error_set(c->err, ICP_ERR_INVALID,
			                   "%s: environment variable %s is not set",
			                   label, name);
			break;
		}
		icp_buf_append_str(&b, v);
		i = (size_t)(end - s) + 1;
	}
	if (rc == ICP_OK && b.status != ICP_OK)
		rc = icp_error_set(c->err, b.status,
		                   "%s: value longer than %u bytes after ${...} "
		                   "expansion", label, EXPAND_MAX);
	if (rc == ICP_OK) {
		*out = arena_str(c, b.data ? (const char *)b.data : "", b.len);
		rc = *out ? ICP_OK : c->err->status;
	}
	icp_buf_dispose(&b);
	return rc;
}

/* Booleans as yaml.v3 takes them into a bool field, plus (from_env) what
 * Go's strconv.ParseBool takes, which the Go processor used for env. */
static int parse_bool(const char *s, int from_env, int *v)
{
	static const char *const yes[] = {"true", "True", "TRUE", "y", "Y", "yes",
	                                  "Yes", "YES", "on", "On", "ON"};
	static const char *const no[] = {"false", "False", "FALSE", "n", "N", "no",
	                                 "No", "NO", "off", "Off", "OFF"};
	static const char *const env_yes[] = {"1", "t", "T"};
	static const char *const env_no[] = {"0", "f", "F"};
	size_t i;

	for (i = 0; i < ICP_ARRAY_LEN(yes); i++)
		if (strcmp(s, yes[i]) == 0)
			return *v = 1, 0;
	for (i = 0; i < ICP_ARRAY_LEN(no); i++)
		if (strcmp(s, no[i]) == 0)
			return *v = 0, 0;
	for (i = 0; from_env && i < ICP_ARRAY_LEN(env_yes); i++) {
		if (strcmp(s, env_yes[i]) == 0)
			return *v = 1, 0;
		if (strcmp(s, env_no[i]) == 0)
			return *v = 0, 0;
	}
	return -1;
}

/* Integers as Go's strconv.ParseInt(s, 0, 64) after yaml.v3 drops '_':
 * optional sign, 0x / 0o / 0b prefixes, a leading 0 means octal. */
static int parse_int(const char *s, int64_t *v)
{
	uint64_t acc = 0, limit;
	int neg = 0, base = 10, digits = 0;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		base = 8, s += 2;
	else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		base = 2, s += 2;
	else if (s[0] == '0' && s[1])
		base = 8, s += 1;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *s; s++) {
		int d;
		if (*s == '_')
			continue;
		if (isdigit((unsigned char)*s))
			d = *s - '0';
		else if (isalpha((unsigned char)*s))
			d = tolower((unsigned char)*s) - 'a' + 10;
		else
			return -1;
		if (d >= base)
			return -1;
		if (acc > (limit - (uint64_t)d) / (uint64_t)base)
			return -1;
		acc = acc * (uint64_t)base + (uint64_t)d;
		digits++;
	}
	if (!digits)
		return -1;
	*v = neg ? (int64_t)(0 - acc) : (int64_t)acc;
	return 0;
}

static int set_default(icp_cfg_ctx *c, const icp_cfg_key *k, void *base);

/* Converts one scalar text for key k into the field. label names the key
 * (or env variable) in errors; line > 0 is added when from the file. */
static int convert(icp_cfg_ctx *c, const icp_cfg_key *k, void *base,
                   const char *label, const char *text, size_t line,
                   int from_env)
{
	char shown[80], at[32] = "";
	int64_t iv;
	int bv;
	size_t i, n;

	if (line)
		snprintf(at, sizeof(at), " (line %zu)", line);
	switch (k->kind) {
	case ICP_CFG_STR:
	case ICP_CFG_SECRET:
		if (!*text && (k->flags & ICP_CFG_F_ZERO_DEFAULT))
			return set_default(c, k, base);
		*ICP_CFG_FIELD(base, k, char *) = arena_str(c, text, strlen(text));
		return *ICP_CFG_FIELD(base, k, char *) ? ICP_OK : c->err->status;
	case ICP_CFG_BOOL:
		if (parse_bool(text, from_env, &bv))
			return icp_error_set(c->err, ICP_ERR_INVALID,
			                     "%s \"%s\" is not a boolean (use true or "
			                     "false)%s", label,
			                     show(text, shown, sizeof(shown)), at);
		*ICP_CFG_FIELD(base, k, int) = bv;
		return ICP_OK;
	case ICP_CFG_INT:
		if (parse_int(text, &iv))
			return icp_error_set(c->err, ICP_ERR_INVALID,
			                     "%s \"%s\" is not an integer%s", label,
			                     show(text, shown, sizeof(shown)), at);
		if (iv == 0 && (k->flags & ICP_CFG_F_ZERO_DEFAULT))
			return set_default(c, k, base);
		if (iv < k->min)
			return icp_error_set(c->err, ICP_ERR_INVALID,
			                     "%s %lld must be >= %lld%s", label,
			                     (long long)iv, (long long)k->min, at);
		if (iv > k->max)
			return icp_error_set(c->err, ICP_ERR_INVALID,
			                     "%s %lld must be <= %lld%s", label,
			                     (long long)iv, (long long)k->max, at);
		*ICP_CFG_FIELD(base, k, int64_t) = iv;
		return ICP_OK;
	case ICP_CFG_ENUM:
		if (!*text)
			return set_default(c, k, base);
		n = icp_cfg_enum_count(k);
		for (i = 0; i < n; i++) {
			int same = (k->flags & ICP_CFG_F_CASE_FOLD)
			                   ? strcasecmp(text, k->names[i]) == 0
			                   : strcmp(text, k->names[i]) == 0;
			if (same) {
				*ICP_CFG_FIELD(base, k, int) = (int)i;
				return ICP_OK;
			}
		}
		{
			char expect[160] = "";
			size_t len = 0;
			for (i = 0; i < n && len < sizeof(expect); i++)
				len += (size_t)snprintf(expect + len, sizeof(expect) - len,
				                        "%s%s", i ? "|" : "", k->names[i]);
			return icp_error_set(c->err, ICP_ERR_INVALID,
			                     "%s \"%s\" is not supported (expected %s)%s",
			                     label, show(text, shown, sizeof(shown)),
			                     expect, at);
		}
	default:
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "%s cannot be set from a scalar", label);
	}
}

static int set_default(icp_cfg_ctx *c, const icp_cfg_key *k, void *base)
{
	switch (k->kind) {
	case ICP_CFG_STRLIST:
		memset(ICP_CFG_FIELD(base, k, icp_config_strlist), 0,
		       sizeof(icp_config_strlist));
		return ICP_OK;
	case ICP_CFG_LIST: {
		void *none = NULL;
		memcpy((char *)base + k->off, &none, sizeof(none));
		*(size_t *)(void *)((char *)base + k->count_off) = 0;
		return ICP_OK;
	}
	default:
		break;
	}
	if (k->def) {
		/* Defaults are YAML text through the same converter; the zero
		 * default flag must not loop, so convert without it. */
		icp_cfg_key plain = *k;
		plain.flags &= ~(unsigned)ICP_CFG_F_ZERO_DEFAULT;
		if (k->kind == ICP_CFG_ENUM && !*k->def)
			return icp_error_set(c->err, ICP_ERR_INVALID,
			                     "%s: bad table default", k->path);
		return convert(c, &plain, base, k->path, k->def, 0, 0);
	}
	switch (k->kind) {
	case ICP_CFG_STR:
	case ICP_CFG_SECRET:
		/* Derived strings stay NULL until config_validate.c fills them. */
		*ICP_CFG_FIELD(base, k, char *) =
		        (k->flags & ICP_CFG_F_DERIVED) ? NULL : arena_str(c, "", 0);
		return (k->flags & ICP_CFG_F_DERIVED) ||
		               *ICP_CFG_FIELD(base, k, char *)
		           ? ICP_OK
		           : c->err->status;
	case ICP_CFG_BOOL:
	case ICP_CFG_ENUM:
		*ICP_CFG_FIELD(base, k, int) = -1; /* unset / derived later */
		return ICP_OK;
	case ICP_CFG_INT:
		*ICP_CFG_FIELD(base, k, int64_t) = 0;
		return ICP_OK;
	default:
		return ICP_OK;
	}
}

static int set_defaults(icp_cfg_ctx *c, const icp_cfg_table *t, void *base)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (set_default(c, &t->keys[i], base))
			return c->err->status;
	return ICP_OK;
}

static int key_cmp(const void *a, const void *b)
{
	const icp_ynode *x = *(const icp_ynode *const *)a;
	const icp_ynode *y = *(const icp_ynode *const *)b;
	int r = strcmp(x->str, y->str);

	if (r)
		return r;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int check_dups(icp_cfg_ctx *c, const icp_ynode *map, const char *prefix)
{
	const icp_ynode **keys, *k;
	size_t i = 0;
	int rc = ICP_OK;

	if (map->n < 2)
		return ICP_OK;
	keys = icp_calloc(map->n, sizeof(*keys));
	if (!keys)
		return icp_error_set(c->err, ICP_ERR_NOMEM, "config: out of memory");
	for (k = map->first; k && k->next && i < map->n; k = k->next->next)
		keys[i++] = k;
	qsort(keys, i, sizeof(*keys), key_cmp);
	for (size_t j = 1; j < i; j++) {
		if (strcmp(keys[j - 1]->str, keys[j]->str) == 0) {
			char shown[80];
			rc = icp_error_set(c->err, ICP_ERR_INVALID,
			                   "duplicate key \"%s%s\" (lines %zu and %zu)",
			                   prefix, show(keys[j]->str, shown, sizeof(shown)),
			                   keys[j - 1]->line, keys[j]->line);
			break;
		}
	}
	icp_free(keys);
	return rc;
}

static int unknown_key(icp_cfg_ctx *c, const char *full, size_t line)
{
	char msg[PATH_MAX_LEN + 64], shown[80];

	snprintf(msg, sizeof(msg), "unknown key \"%s\" (line %zu)",
	         show(full, shown, sizeof(shown)), line);
	if (c->opts && c->opts->strict)
		return icp_error_set(c->err, ICP_ERR_INVALID, "%s", msg);
	if (c->opts && c->opts->warn)
		c->opts->warn(c->opts->warn_ctx, msg);
	return ICP_OK;
}

static int is_prefix(const icp_cfg_table *t, const char *rel)
{
	size_t i, n = strlen(rel);

	for (i = 0; i < t->n; i++)
		if (strncmp(t->keys[i].path, rel, n) == 0 && t->keys[i].path[n] == '.')
			return 1;
	return 0;
}

static int apply_map(icp_cfg_ctx *c, const icp_cfg_table *t, void *base,
                     const icp_ynode *map, const char *prefix, const char *rel);

static int apply_env(icp_cfg_ctx *c, const icp_cfg_table *t, void *base)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const icp_cfg_key *k = &t->keys[i];
		const char *v;
		char val[256];
		size_t b, e;

		if (!k->env || !(v = icp_cfg_getenv(c, k->env)))
			continue;
		/* Like the Go processor: surrounding spaces ignored, empty =
		 * unset. Unlike it, a bad value is an error, not ignored. */
		for (b = 0; isspace((unsigned char)v[b]); b++)
			;
		for (e = strlen(v); e > b && isspace((unsigned char)v[e - 1]); e--)
			;
		if (e == b)
			continue;
		if (e - b >= sizeof(val))
			return icp_error_set(c->err, ICP_ERR_INVALID,
			                     "%s is too long", k->env);
		memcpy(val, v + b, e - b);
		val[e - b] = '\0';
		if (convert(c, k, base, k->env, val, 0, 1))
			return c->err->status;
	}
	return ICP_OK;
}

static int set_list(icp_cfg_ctx *c, const icp_cfg_key *k, void *base,
                    const icp_ynode *v, const char *full)
{
	const icp_cfg_table *sub = k->sub;
	const icp_ynode *item;
	char *arr;
	size_t i = 0, bytes;

	if (v->kind != ICP_YN_SEQ)
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "%s must be a list (line %zu)", full, v->line);
	if (v->n == 0)
		return set_default(c, k, base);
	if (icp_mul_size(v->n, sub->elem_size, &bytes))
		return icp_error_set(c->err, ICP_ERR_TOO_LARGE, "%s: too many items", full);
	arr = icp_arena_alloc(c->arena, bytes);
	if (!arr)
		return icp_error_set(c->err, ICP_ERR_NOMEM, "config: out of memory");
	memset(arr, 0, bytes);
	memcpy((char *)base + k->off, &arr, sizeof(arr));
	*(size_t *)(void *)((char *)base + k->count_off) = v->n;
	for (item = v->first; item; item = item->next, i++) {
		char elem[PATH_MAX_LEN];
		void *eb = arr + i * sub->elem_size;

		icp_cfg_path(elem, sizeof(elem), "%s[%zu]", full, i);
		if (item->kind != ICP_YN_MAP)
			return icp_error_set(c->err, ICP_ERR_INVALID,
			                     "%s must be a mapping of keys (line %zu)",
			                     elem, item->line);
		if (set_defaults(c, sub, eb))
			return c->err->status;
		icp_cfg_path(elem, sizeof(elem), "%s[%zu].", full, i);
		if (apply_map(c, sub, eb, item, elem, ""))
			return c->err->status;
		if (apply_env(c, sub, eb))
			return c->err->status;
	}
	return ICP_OK;
}

static int add_item(icp_cfg_ctx *c, icp_config_strlist *l, size_t cap,
                    const char *s, size_t n)
{
	if (l->n >= cap)
		return ICP_ERR_INVALID;
	l->items[l->n] = arena_str(c, s, n);
	if (!l->items[l->n])
		return c->err->status;
	l->n++;
	return ICP_OK;
}

/* The next comma of s outside parentheses, or NULL. */
static const char *split_comma(const char *s)
{
	int depth = 0;

	for (; *s; s++) {
		if (*s == '(')
			depth++;
		else if (*s == ')' && depth > 0)
			depth--;
		else if (*s == ',' && depth == 0)
			return s;
	}
	return NULL;
}

static int set_strlist(icp_cfg_ctx *c, const icp_cfg_key *k, void *base,
                       const icp_ynode *v, const char *full)
{
	icp_config_strlist *l = ICP_CFG_FIELD(base, k, icp_config_strlist);
	const icp_ynode *item;
	char *text, label[PATH_MAX_LEN];
	size_t cap, i = 0;

	if (v->kind == ICP_YN_MAP)
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "%s must be a list of strings (line %zu)", full,
		                     v->line);
	if (v->kind == ICP_YN_SCALAR) {
		/* One string: split at commas (handy with ${VAR}), but not
		 * inside parentheses: "bucket(16, id), day(ts)" is two
		 * partition expressions. */
		const char *p, *e;
		if (expand(c, full, v->str, v->len, &text))
			return c->err->status;
		cap = 1;
		for (p = text; *p; p++)
			cap += *p == ',';
		l->items = icp_arena_alloc(c->arena, cap * sizeof(char *));
		if (!l->items)
			return icp_error_set(c->err, ICP_ERR_NOMEM, "config: out of memory");
		l->n = 0;
		for (p = text;;) {
			const char *s = p, *comma = split_comma(p);
			e = comma ? comma : p + strlen(p);
			while (s < e && isspace((unsigned char)*s))
				s++;
			while (e > s && isspace((unsigned char)e[-1]))
				e--;
			if (e > s && add_item(c, l, cap, s, (size_t)(e - s)))
				return c->err->status;
			if (!comma)
				break;
			p = comma + 1;
		}
		return ICP_OK;
	}
	l->items = icp_arena_alloc(c->arena, (v->n ? v->n : 1) * sizeof(char *));
	if (!l->items)
		return icp_error_set(c->err, ICP_ERR_NOMEM, "config: out of memory");
	l->n = 0;
	for (item = v->first; item; item = item->next, i++) {
		icp_cfg_path(label, sizeof(label), "%s[%zu]", full, i);
		if (item->kind != ICP_YN_SCALAR || item->is_null || item->len == 0)
			return icp_error_set(c->err, ICP_ERR_INVALID,
			                     "%s must be a non-empty string (line %zu)",
			                     label, item->line);
		if (expand(c, label, item->str, item->len, &text) ||
		    add_item(c, l, v->n, text, strlen(text)))
			return c->err->status;
	}
	return ICP_OK;
}

static int set_value(icp_cfg_ctx *c, const icp_cfg_key *k, void *base,
                     const icp_ynode *v, const char *full)
{
	char *text;

	if (v->kind == ICP_YN_SCALAR && v->is_null)
		return set_default(c, k, base); /* `key:` or `key: ~` */
	if (k->kind == ICP_CFG_LIST)
		return set_list(c, k, base, v, full);
	if (k->kind == ICP_CFG_STRLIST)
		return set_strlist(c, k, base, v, full);
	if (v->kind != ICP_YN_SCALAR)
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "%s must be a single value, not a %s (line %zu)",
		                     full, v->kind == ICP_YN_MAP ? "mapping" : "list",
		                     v->line);
	if (expand(c, full, v->str, v->len, &text))
		return c->err->status;
	return convert(c, k, base, full, text, v->line, 0);
}

static int apply_map(icp_cfg_ctx *c, const icp_cfg_table *t, void *base,
                     const icp_ynode *map, const char *prefix, const char *rel)
{
	const icp_ynode *kn;
	char relpath[PATH_MAX_LEN], full[PATH_MAX_LEN], dprefix[PATH_MAX_LEN];

	icp_cfg_path(dprefix, sizeof(dprefix), "%s%s", prefix, rel);
	if (check_dups(c, map, dprefix))
		return c->err->status;
	for (kn = map->first; kn && kn->next; kn = kn->next->next) {
		const icp_ynode *v = kn->next;
		const icp_cfg_key *k;
		int fits;

		fits = (size_t)snprintf(relpath, sizeof(relpath), "%s%s", rel,
		                        kn->str) < sizeof(relpath) - 1;
		icp_cfg_path(full, sizeof(full), "%s%s", prefix, relpath);
		/* A dotted key ("s3.bucket: x") is not the nested key. */
		if (!fits || kn->len == 0 || strchr(kn->str, '.')) {
			if (unknown_key(c, full, kn->line))
				return c->err->status;
			continue;
		}
		k = icp_cfg_find(t, relpath);
		if (k) {
			if (set_value(c, k, base, v, full))
				return c->err->status;
		} else if (is_prefix(t, relpath)) {
			char sub[PATH_MAX_LEN];
			if (v->kind == ICP_YN_SCALAR && v->is_null)
				continue;
			if (v->kind != ICP_YN_MAP)
				return icp_error_set(c->err, ICP_ERR_INVALID,
				                     "%s must be a mapping of keys (line %zu)",
				                     full, v->line);
			icp_cfg_path(sub, sizeof(sub), "%s.", relpath);
			if (apply_map(c, t, base, v, prefix, sub))
				return c->err->status;
		} else if (unknown_key(c, full, kn->line)) {
			return c->err->status;
		}
	}
	return ICP_OK;
}

static int check_required(icp_cfg_ctx *c, const icp_cfg_table *t, void *base,
                          const char *prefix)
{
	size_t i, j;
	char full[PATH_MAX_LEN];

	for (i = 0; i < t->n; i++) {
		const icp_cfg_key *k = &t->keys[i];
		int missing = 0;

		if (k->kind == ICP_CFG_LIST) {
			char *arr;
			size_t n = *(size_t *)(void *)((char *)base + k->count_off);
			memcpy(&arr, (char *)base + k->off, sizeof(arr));
			for (j = 0; j < n; j++) {
				icp_cfg_path(full, sizeof(full), "%s%s[%zu].", prefix,
				             k->path, j);
				if (check_required(c, k->sub, arr + j * k->sub->elem_size, full))
					return c->err->status;
			}
			continue;
		}
		if (!(k->flags & ICP_CFG_F_REQUIRED))
			continue;
		if (k->kind == ICP_CFG_STR || k->kind == ICP_CFG_SECRET)
			missing = !**ICP_CFG_FIELD(base, k, char *);
		else if (k->kind == ICP_CFG_ENUM)
			missing = *ICP_CFG_FIELD(base, k, int) < 0;
		if (missing)
			return icp_error_set(c->err, ICP_ERR_INVALID, "%s%s is required",
			                     prefix, k->path);
	}
	return ICP_OK;
}

void icp_config_free(icp_config *cfg)
{
	if (!cfg)
		return;
	icp_arena_free(cfg->arena_);
	icp_free(cfg);
}

int icp_config_load_string(const char *yaml, size_t len,
                           const icp_config_opts *opts, icp_config **out,
                           icp_error *err)
{
	icp_cfg_ctx c;
	icp_config *cfg = NULL;
	icp_arena *tree = NULL;
	icp_ynode *root = NULL;
	int rc = ICP_ERR_NOMEM;

	*out = NULL;
	if (len > ICP_CONFIG_MAX_BYTES)
		return icp_error_set(err, ICP_ERR_TOO_LARGE,
		                     "config is %zu bytes, more than the %u byte limit",
		                     len, ICP_CONFIG_MAX_BYTES);
	cfg = icp_calloc(1, sizeof(*cfg));
	if (!cfg || !(cfg->arena_ = icp_arena_new(16 * 1024)) ||
	    !(tree = icp_arena_new(64 * 1024))) {
		icp_error_set(err, ICP_ERR_NOMEM, "config: out of memory");
		goto out;
	}
	c.cfg = cfg;
	c.opts = opts;
	c.arena = cfg->arena_;
	c.err = err;
	if ((rc = icp_yaml_parse(yaml, len, tree, &root, err)) != ICP_OK)
		goto out;
	if ((rc = set_defaults(&c, &icp_cfg_top_table, cfg)) != ICP_OK)
		goto out;
	if (root && !(root->kind == ICP_YN_SCALAR && root->is_null)) {
		if (root->kind != ICP_YN_MAP) {
			rc = icp_error_set(err, ICP_ERR_INVALID,
			                   "the config must be a mapping of keys "
			                   "(line %zu)", root->line);
			goto out;
		}
		if ((rc = apply_map(&c, &icp_cfg_top_table, cfg, root, "", "")))
			goto out;
	}
	if ((rc = apply_env(&c, &icp_cfg_top_table, cfg)) ||
	    (rc = check_required(&c, &icp_cfg_top_table, cfg, "")) ||
	    (rc = icp_cfg_validate(&c)))
		goto out;
	*out = cfg;
	cfg = NULL;
out:
	icp_arena_free(tree);
	icp_config_free(cfg);
	return rc;
}

int icp_config_load_file(const char *path, const icp_config_opts *opts,
                         icp_config **out, icp_error *err)
{
	FILE *f;
	icp_buf b;
	uint8_t chunk[16384];
	size_t n;
	int rc;

	*out = NULL;
	f = fopen(path, "rb");
	if (!f)
		return icp_error_set(err, ICP_ERR_IO, "cannot open config file %s: %s",
		                     path, strerror(errno));
	icp_buf_init(&b, ICP_CONFIG_MAX_BYTES);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (icp_buf_append(&b, chunk, n))
			break;
	if (ferror(f))
		rc = icp_error_set(err, ICP_ERR_IO, "cannot read config file %s: %s",
		                   path, strerror(errno));
	else if (b.status == ICP_ERR_TOO_LARGE)
		rc = icp_error_set(err, ICP_ERR_TOO_LARGE,
		                   "config file %s is larger than %u bytes", path,
		                   ICP_CONFIG_MAX_BYTES);
	else if (b.status)
		rc = icp_error_set(err, b.status, "config: out of memory");
	else {
		rc = icp_config_load_string(b.data ? (const char *)b.data : "", b.len,
		                            opts, out, err);
		if (rc)
			icp_error_prefix(err, "%s", path);
	}
	fclose(f);
	icp_buf_dispose(&b);
	return rc;
}
