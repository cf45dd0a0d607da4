/*
 * vtree: node arrays and JSON text of a decoded value (see vtree.h).
 */
#include "vtree/vtree.h"

#include <math.h>

void icp_vt_doc_dispose(icp_vt_doc *d)
{
	icp_free(d->nodes);
	d->nodes = NULL;
	d->n = d->cap = 0;
	icp_buf_dispose(&d->scratch);
}

void icp_vt_reset(icp_vt_doc *d)
{
	d->n = 0;
	icp_buf_reset(&d->scratch);
}

int icp_vt_push(icp_vt_doc *d, icp_vt_kind type, uint32_t *idx)
{
	size_t max = d->max_nodes ? d->max_nodes : (size_t)1 << 20;

	if (d->n >= max)
		return ICP_ERR_TOO_LARGE;
	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 64;
		icp_vt_node *nn;
		if (nc > UINT32_MAX / 2)
			return ICP_ERR_TOO_LARGE;
		nn = icp_realloc(d->nodes, nc * sizeof(*nn));
		if (!nn)
			return ICP_ERR_NOMEM;
		d->nodes = nn;
		d->cap = nc;
	}
	*idx = (uint32_t)d->n++;
	memset(&d->nodes[*idx], 0, sizeof(icp_vt_node));
	d->nodes[*idx].type = (uint8_t)type;
	d->nodes[*idx].end = *idx + 1;
	return ICP_OK;
}

const icp_vt_node *icp_vt_member(const icp_vt_doc *d, const icp_vt_node *o, const char *k,
                                 size_t kl)
{
	const icp_vt_node *found = NULL;
	uint32_t c = (uint32_t)(o - d->nodes) + 1;
	uint32_t i;

	for (i = 0; i < o->n; i++) {
		const icp_vt_node *m = &d->nodes[c];
		if (m->key_len == kl && (kl == 0 || memcmp(m->key, k, kl) == 0))
			found = m;
		c = m->end;
	}
	return found;
}

static int map_string_keys(const icp_vt_doc *d, uint32_t idx)
{
	const icp_vt_node *m = &d->nodes[idx];
	uint32_t c = idx + 1, i;

	for (i = 0; i < 2 * m->n; i++) {
		if (i % 2 == 0 && d->nodes[c].type != ICP_VT_STR)
			return 0;
		c = d->nodes[c].end;
	}
	return 1;
}

int icp_vt_to_json(const icp_vt_doc *d, uint32_t idx, icp_buf *out)
{
	const icp_vt_node *v = &d->nodes[idx];
	uint32_t c = idx + 1, i;
	int obj;

	switch (v->type) {
	case ICP_VT_NULL: icp_buf_append_str(out, "null"); break;
	case ICP_VT_BOOL: icp_buf_append_str(out, v->b ? "true" : "false"); break;
	case ICP_VT_NUM: icp_buf_append(out, v->s, v->len); break;
	case ICP_VT_STR: icp_buf_append_json_str(out, (const uint8_t *)v->s, v->len); break;
	case ICP_VT_LONG:
	case ICP_VT_TIMESTAMP:
	case ICP_VT_DATE:
	case ICP_VT_TIME: icp_buf_printf(out, "%lld", (long long)v->i); break;
	case ICP_VT_DOUBLE:
		if (isfinite(v->d))
			icp_buf_printf(out, "%.17g", v->d);
		else
			icp_buf_append_str(out, "null");
		break;
	case ICP_VT_BYTES:
	case ICP_VT_DECIMAL:
		icp_buf_append_str(out, "\"");
		icp_buf_append_base64(out, (const uint8_t *)v->s, v->len);
		icp_buf_append_str(out, "\"");
		break;
	case ICP_VT_ARR:
		icp_buf_append_str(out, "[");
		for (i = 0; i < v->n; i++) {
			if (i)
				icp_buf_append_str(out, ",");
			icp_vt_to_json(d, c, out);
			c = d->nodes[c].end;
		}
		icp_buf_append_str(out, "]");
		break;
	case ICP_VT_OBJ:
		icp_buf_append_str(out, "{");
		for (i = 0; i < v->n; i++) {
			if (i)
				icp_buf_append_str(out, ",");
			icp_buf_append_json_str(out, (const uint8_t *)d->nodes[c].key,
			                        d->nodes[c].key_len);
			icp_buf_append_str(out, ":");
			icp_vt_to_json(d, c, out);
			c = d->nodes[c].end;
		}
		icp_buf_append_str(out, "}");
		break;
	case ICP_VT_MAP:
		obj = map_string_keys(d, idx);
		icp_buf_append_str(out, obj ? "{" : "[");
		for (i = 0; i < v->n; i++) {
			if (i)
				icp_buf_append_str(out, ",");
			if (!obj)
				icp_buf_append_str(out, "[");
			icp_vt_to_json(d, c, out);
			c = d->nodes[c].end;
			icp_buf_append_str(out, obj ? ":" : ",");
			icp_vt_to_json(d, c, out);
			c = d->nodes[c].end;
			if (!obj)
				icp_buf_append_str(out, "]");
		}
		icp_buf_append_str(out, obj ? "}" : "]");
		break;
	default: icp_buf_append_str(out, "null"); break;
	}
	return out->status;
}
