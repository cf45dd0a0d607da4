/*
 * The offsets map stored in snapshot summaries as `kafscale.offsets`:
 * a JSON object from "topic/partition" to the next offset to read. Kept
 * sorted by key so the serialized form is stable.
 */
#include "processor/proc_int.h"

#include "json/json.h"

void icp_offsets_dispose(icp_offsets *o)
{
	size_t i;
	for (i = 0; i < o->n; i++)
		icp_free(o->e[i].tp);
	icp_free(o->e);
	memset(o, 0, sizeof(*o));
}

static size_t find(const icp_offsets *o, const char *tp, int *found)
{
	size_t lo = 0, hi = o->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(o->e[mid].tp, tp);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

int64_t icp_offsets_get(const icp_offsets *o, const char *tp)
{
	int found;
	size_t i = find(o, tp, &found);
	return found ? o->e[i].next : -1;
}

int icp_offsets_set(icp_offsets *o, const char *tp, int64_t next)
{
	int found;
	size_t i = find(o, tp, &found);
	char *k;

	if (found) {
		o->e[i].next = next;
		return ICP_OK;
	}
	if (o->n == o->cap) {
		size_t ncap = o->cap ? o->cap * 2 : 16;
		icp_offset_entry *ne = icp_realloc(o->e, ncap * sizeof(*ne));
		if (!ne)
			return ICP_ERR_NOMEM;
		o->e = ne;
		o->cap = ncap;
	}
	k = icp_strdup(tp);
	if (!k)
		return ICP_ERR_NOMEM;
	memmove(o->e + i + 1, o->e + i, (o->n - i) * sizeof(*o->e));
	o->e[i].tp = k;
	o->e[i].next = next;
	o->n++;
	return ICP_OK;
}

int icp_offsets_parse(const char *text, icp_offsets *out, icp_error *err)
{
	icp_arena *a = icp_arena_new(0);
	icp_json *root;
	size_t i;
	int rc;

	if (!a)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	rc = icp_json_parse(a, text, strlen(text), NULL, &root, err);
	if (rc != ICP_OK) {
		icp_error_prefix(err, "snapshot property kafscale.offsets");
		goto out;
	}
	if (root->type != ICP_JSON_OBJECT) {
		rc = icp_error_set(err, ICP_ERR_CORRUPT,
		                   "snapshot property kafscale.offsets is not a JSON object");
		goto out;
	}
	for (i = 0; i < root->u.obj.n; i++) {
		const icp_json_member *m = &root->u.obj.members[i];
		int64_t v;
		if (icp_json_as_int64(&m->value, &v) != ICP_OK || v < 0 || !strchr(m->key, '/')) {
			rc = icp_error_set(err, ICP_ERR_CORRUPT,
			                   "snapshot property kafscale.offsets: member \"%s\" is not "
			                   "\"topic/partition\": non-negative offset",
			                   m->key);
			goto out;
		}
		if ((rc = icp_offsets_set(out, m->key, v)) != ICP_OK) {
			icp_error_set(err, rc, "out of memory");
			goto out;
		}
	}
out:
	icp_arena_free(a);
	return rc;
}

int icp_offsets_to_json(const icp_offsets *o, icp_buf *out)
{
	size_t i;
	icp_buf_append_byte(out, '{');
	for (i = 0; i < o->n; i++) {
		if (i)
			icp_buf_append_byte(out, ',');
		icp_buf_append_json_str(out, (const uint8_t *)o->e[i].tp, strlen(o->e[i].tp));
		icp_buf_append_byte(out, ':');
		icp_buf_append_i64(out, o->e[i].next);
	}
	return icp_buf_append_byte(out, '}');
}

int icp_offsets_from_table(const icp_ice_metadata *m, icp_offsets *out, icp_error *err)
{
	int64_t id = icp_ice_metadata_main_snapshot(m);
	int hops = 0;

	/* Another engine's snapshot (a compaction, say) may lack the property:
	 * walk back to the nearest one of ours. */
	while (id >= 0 && hops++ < 100000) {
		icp_ice_snapshot s;
		const char *v = icp_ice_metadata_summary(m, id, "kafscale.offsets");
		if (v)
			return icp_offsets_parse(v, out, err);
		if (icp_ice_metadata_snapshot(m, id, &s) != ICP_OK)
			break;
		id = s.parent_id;
	}
	return ICP_OK;
}
