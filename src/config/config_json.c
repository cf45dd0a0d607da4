/*
 * Output driven by the key table: the normalized config as JSON (for
 * check-config and logs) and the Markdown key reference.
 *
 * JSON nesting comes from the dotted paths. Invariant the emitter relies
 * on (kept by config_table.c's order): keys sharing a prefix are
 * contiguous, so an object is opened once and never reopened.
 */
#include "config/config_int.h"

#include <stdint.h>
#include <stdio.h>

#define MAX_PARTS 8

static void indent(icp_buf *b, int depth)
{
	icp_buf_append_byte(b, '\n');
	for (int i = 0; i < depth; i++)
		icp_buf_append(b, "  ", 2);
}

static void json_str(icp_buf *b, const char *s)
{
	icp_buf_append_json_str(b, (const uint8_t *)s, strlen(s));
}

static size_t split(const char *path, const char *parts[], size_t lens[])
{
	size_t n = 0;
	const char *p = path;

	while (n < MAX_PARTS) {
		const char *dot = strchr(p, '.');
		parts[n] = p;
		lens[n] = dot ? (size_t)(dot - p) : strlen(p);
		n++;
		if (!dot)
			break;
		p = dot + 1;
	}
	return n;
}

static void emit_object(icp_buf *b, const icp_cfg_table *t, const void *base,
                        int depth, int redact);

static void emit_value(icp_buf *b, const icp_cfg_key *k, const void *base,
                       int depth, int redact)
{
	const char *s;
	int v;
	size_t i;

	switch (k->kind) {
	case ICP_CFG_STR:
		s = *(char *const *)(const void *)((const char *)base + k->off);
		json_str(b, s ? s : "");
		break;
	case ICP_CFG_SECRET:
		s = *(char *const *)(const void *)((const char *)base + k->off);
		if (!s)
			s = "";
		json_str(b, redact ? (*s ? "***" : "") : s);
		break;
	case ICP_CFG_BOOL:
		v = *(const int *)(const void *)((const char *)base + k->off);
		icp_buf_append_str(b, v ? "true" : "false");
		break;
	case ICP_CFG_INT:
		icp_buf_append_i64(b, *(const int64_t *)(const void *)((const char *)base + k->off));
		break;
	case ICP_CFG_ENUM:
		v = *(const int *)(const void *)((const char *)base + k->off);
		if (v < 0 || (size_t)v >= icp_cfg_enum_count(k))
			icp_buf_append_str(b, "null");
		else
			json_str(b, k->names[v]);
		break;
	case ICP_CFG_STRLIST: {
		const icp_config_strlist *l =
		        (const icp_config_strlist *)(const void *)((const char *)base + k->off);
		if (!l->items && (k->flags & ICP_CFG_F_ABSENT_NULL)) {
			icp_buf_append_str(b, "null");
			break;
		}
		icp_buf_append_byte(b, '[');
		for (i = 0; i < l->n; i++) {
			if (i)
				icp_buf_append(b, ", ", 2);
			json_str(b, l->items[i]);
		}
		icp_buf_append_byte(b, ']');
		break;
	}
	case ICP_CFG_LIST: {
		const char *arr;
		size_t n = *(const size_t *)(const void *)((const char *)base + k->count_off);
		memcpy(&arr, (const char *)base + k->off, sizeof(arr));
		icp_buf_append_byte(b, '[');
		for (i = 0; i < n; i++) {
			if (i)
				icp_buf_append_byte(b, ',');
			indent(b, depth + 1);
			emit_object(b, k->sub, arr + i * k->sub->elem_size, depth + 1, redact);
		}
		if (n)
			indent(b, depth);
		icp_buf_append_byte(b, ']');
		break;
	}
	}
}

static void emit_object(icp_buf *b, const icp_cfg_table *t, const void *base,
                        int depth, int redact)
{
	const char *open[MAX_PARTS];
	size_t open_len[MAX_PARTS], n_open = 0, i;
	int first[MAX_PARTS + 1];

	icp_buf_append_byte(b, '{');
	first[0] = 1;
	for (i = 0; i < t->n; i++) {
		const char *parts[MAX_PARTS];
		size_t lens[MAX_PARTS], np, common = 0, j;

		np = split(t->keys[i].path, parts, lens);
		while (common < n_open && common + 1 < np &&
		       open_len[common] == lens[common] &&
		       memcmp(open[common], parts[common], lens[common]) == 0)
			common++;
		while (n_open > common) { /* close objects this key leaves */
			indent(b, depth + (int)n_open);
			icp_buf_append_byte(b, '}');
			n_open--;
		}
		for (j = n_open; j + 1 < np; j++) { /* open the ones it enters */
			if (!first[n_open])
				icp_buf_append_byte(b, ',');
			first[n_open] = 0;
			indent(b, depth + 1 + (int)n_open);
			icp_buf_append_json_str(b, (const uint8_t *)parts[j], lens[j]);
			icp_buf_append(b, ": {", 3);
			open[n_open] = parts[j];
			open_len[n_open] = lens[j];
			n_open++;
			first[n_open] = 1;
		}
		if (!first[n_open])
			icp_buf_append_byte(b, ',');
		first[n_open] = 0;
		indent(b, depth + 1 + (int)n_open);
		icp_buf_append_json_str(b, (const uint8_t *)parts[np - 1], lens[np - 1]);
		icp_buf_append(b, ": ", 2);
		emit_value(b, &t->keys[i], base, depth + 1 + (int)n_open, redact);
	}
	while (n_open > 0) {
		indent(b, depth + (int)n_open);
		icp_buf_append_byte(b, '}');
		n_open--;
	}
	indent(b, depth);
	icp_buf_append_byte(b, '}');
}

int icp_config_to_json(const icp_config *cfg, icp_buf *out, int redact_secrets)
{
	emit_object(out, &icp_cfg_top_table, cfg, 0, redact_secrets);
	icp_buf_append_byte(out, '\n');
	return out->status;
}

static void ref_type(icp_buf *b, const icp_cfg_key *k)
{
	size_t i;

	switch (k->kind) {
	case ICP_CFG_STR: icp_buf_append_str(b, "string"); break;
	case ICP_CFG_SECRET: icp_buf_append_str(b, "secret string"); break;
	case ICP_CFG_BOOL: icp_buf_append_str(b, "bool"); break;
	case ICP_CFG_INT:
		icp_buf_printf(b, "int %lld..%lld", (long long)k->min, (long long)k->max);
		break;
	case ICP_CFG_ENUM:
		for (i = 0; k->names[i]; i++)
			icp_buf_printf(b, "%s`%s`", i ? " \\| " : "", k->names[i]);
		break;
	case ICP_CFG_STRLIST: icp_buf_append_str(b, "list of strings"); break;
	case ICP_CFG_LIST: icp_buf_append_str(b, "list of objects (below)"); break;
	}
}

static void ref_table(icp_buf *b, const icp_cfg_table *t, const char *prefix)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const icp_cfg_key *k = &t->keys[i];
		icp_buf_printf(b, "| `%s%s` | ", prefix, k->path);
		ref_type(b, k);
		icp_buf_append_str(b, " | ");
		if (k->flags & ICP_CFG_F_REQUIRED)
			icp_buf_append_str(b, "required");
		else if (k->flags & ICP_CFG_F_DERIVED)
			icp_buf_append_str(b, "derived");
		else if (k->flags & ICP_CFG_F_ABSENT_NULL)
			icp_buf_append_str(b, "absent");
		else if (k->def)
			icp_buf_printf(b, "`%s`", *k->def ? k->def : "\"\"");
		else
			icp_buf_append_str(b, "empty");
		icp_buf_printf(b, " | %s%s%s | %s |\n", k->env ? "`" : "",
		               k->env ? k->env : "", k->env ? "`" : "", k->help);
	}
	for (i = 0; i < t->n; i++) {
		char sub[128];
		if (t->keys[i].kind != ICP_CFG_LIST)
			continue;
		snprintf(sub, sizeof(sub), "%s%s[].", prefix, t->keys[i].path);
		ref_table(b, t->keys[i].sub, sub);
	}
}

int icp_config_reference(icp_buf *out)
{
	icp_buf_append_str(out,
	                   "| key | type | default | env override | description |\n"
	                   "|---|---|---|---|---|\n");
	ref_table(out, &icp_cfg_top_table, "");
	return out->status;
}
