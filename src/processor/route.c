/*
 * Routing the rows of one batch to partition tuples (icp_route): each
 * row's partition values (the spec's transforms applied to its source
 * values) become a byte key (icp_pspec_tuple_key); rows with equal keys
 * form a group, and each group goes to its tuple's open data file.
 *
 * Per row there is no allocation once warm: keys are appended to one
 * buffer, groups found through an open-addressing table on the key
 * (consecutive rows usually share a tuple, so the previous row's group
 * is tried first). After the batch, a counting sort lists each group's
 * rows in row order (a file receives its rows in offset order).
 *
 * A group's tuple values are decoded back from its key (Appendix D
 * bytes): the source values a row's tuple was computed from borrow
 * buffers that later rows may move, the key does not.
 */
#include "processor/rows_int.h"

typedef struct group {
	size_t key_off;
	uint32_t key_len;
	uint32_t hash;
	uint32_t count, start;
} group;

struct icp_route {
	icp_buf keys;          /* every group's key, back to back */
	icp_buf row_key;       /* the current row's key */
	group *g;
	size_t n_g, cap_g;
	uint32_t *slots;       /* group index + 1; 0 = empty */
	size_t cap_slots;      /* power of two */
	uint32_t last;         /* group of the previous row (+1; 0 none) */
	uint32_t *row_group;   /* per row */
	size_t n_rows, cap_rows;
	uint32_t *sel;         /* rows ordered by group (icp_route_finish) */
	size_t cap_sel;
	icp_pspec_value *vals; /* scratch: one row's partition values */
	size_t cap_vals;
	icp_buf path;
};

icp_route *icp_route_new(void)
{
	icp_route *r = icp_calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	icp_buf_init(&r->keys, 0);
	icp_buf_init(&r->row_key, 0);
	icp_buf_init(&r->path, 0);
	return r;
}

void icp_route_free(icp_route *r)
{
	if (!r)
		return;
	icp_buf_dispose(&r->keys);
	icp_buf_dispose(&r->row_key);
	icp_buf_dispose(&r->path);
	icp_free(r->g);
	icp_free(r->slots);
	icp_free(r->row_group);
	icp_free(r->sel);
	icp_free(r->vals);
	icp_free(r);
}

void icp_route_begin(icp_route *r)
{
	icp_buf_reset(&r->keys);
	r->n_g = 0;
	r->n_rows = 0;
	r->last = 0;
	if (r->slots)
		memset(r->slots, 0, r->cap_slots * sizeof(*r->slots));
}

/* FNV-1a: keys are short (a few bytes per field) */
static uint32_t key_hash(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static int grow_slots(icp_route *r)
{
	size_t cap = r->cap_slots ? r->cap_slots * 2 : 64, i;
	uint32_t *s = icp_calloc(cap, sizeof(*s));
	if (!s)
		return ICP_ERR_NOMEM;
	for (i = 0; i < r->n_g; i++) {
		size_t at = r->g[i].hash & (cap - 1);
		while (s[at])
			at = (at + 1) & (cap - 1);
		s[at] = (uint32_t)i + 1;
	}
	icp_free(r->slots);
	r->slots = s;
	r->cap_slots = cap;
	return ICP_OK;
}

static int same_key(const icp_route *r, uint32_t gi, const uint8_t *k, size_t n)
{
	const group *g = &r->g[gi];
	return g->key_len == n && memcmp(r->keys.data + g->key_off, k, n) == 0;
}

/* The group of key k (added when new). */
static int find_or_add(icp_route *r, const uint8_t *k, size_t n, uint32_t *out)
{
	uint32_t h = key_hash(k, n);
	size_t at;

	if ((r->n_g + 1) * 2 > r->cap_slots && grow_slots(r) != ICP_OK)
		return ICP_ERR_NOMEM;
	at = h & (r->cap_slots - 1);
	while (r->slots[at]) {
		uint32_t gi = r->slots[at] - 1;
		if (r->g[gi].hash == h && same_key(r, gi, k, n)) {
			*out = gi;
			return ICP_OK;
		}
		at = (at + 1) & (r->cap_slots - 1);
	}
	if (r->n_g == r->cap_g) {
		size_t nc = r->cap_g ? r->cap_g * 2 : 16;
		group *ng = icp_realloc(r->g, nc * sizeof(*ng));
		if (!ng)
			return ICP_ERR_NOMEM;
		r->g = ng;
		r->cap_g = nc;
	}
	r->g[r->n_g] = (group){r->keys.len, (uint32_t)n, h, 0, 0};
	if (icp_buf_append(&r->keys, k, n) != ICP_OK)
		return ICP_ERR_NOMEM;
	r->slots[at] = (uint32_t)r->n_g + 1;
	*out = (uint32_t)r->n_g++;
	return ICP_OK;
}

icp_pspec_value *icp_route_values(icp_route *r, size_t n)
{
	if (n > r->cap_vals) {
		icp_pspec_value *nv = icp_realloc(r->vals, n * sizeof(*nv));
		if (!nv)
			return NULL;
		r->vals = nv;
		r->cap_vals = n;
	}
	return r->vals;
}

int icp_route_add(icp_route *r, const icp_pspec *spec, const icp_pspec_value *src,
                  icp_error *err)
{
	icp_pspec_value *out = icp_route_values(r, spec->n_fields);
	uint32_t gi;
	size_t i;

	if (!out)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory routing rows");
	for (i = 0; i < spec->n_fields; i++) {
		icp_error e;
		icp_error_init(&e);
		/* a value the transform cannot take (an hour past the int
		 * range) is a null partition value: the row is kept */
		if (icp_pspec_apply(&spec->fields[i], &src[i], &out[i], &e) != ICP_OK)
			out[i] = icp_pspec_value_null(icp_pspec_result_type(&spec->fields[i]).kind);
	}
	icp_buf_reset(&r->row_key);
	if (icp_pspec_tuple_key(spec, out, &r->row_key) != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory routing rows");
	if (r->n_rows == r->cap_rows) {
		size_t nc = r->cap_rows ? r->cap_rows * 2 : 256;
		uint32_t *nr = icp_realloc(r->row_group, nc * sizeof(*nr));
		if (!nr)
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory routing rows");
		r->row_group = nr;
		r->cap_rows = nc;
	}
	if (r->last && same_key(r, r->last - 1, r->row_key.data, r->row_key.len)) {
		gi = r->last - 1;
	} else if (find_or_add(r, r->row_key.data, r->row_key.len, &gi) != ICP_OK) {
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory routing rows");
	}
	r->last = gi + 1;
	r->g[gi].count++;
	r->row_group[r->n_rows++] = gi;
	return ICP_OK;
}

int icp_route_finish(icp_route *r)
{
	size_t i;
	uint32_t at = 0;

	if (r->n_rows > r->cap_sel) {
		uint32_t *ns = icp_realloc(r->sel, r->n_rows * sizeof(*ns));
		if (!ns)
			return ICP_ERR_NOMEM;
		r->sel = ns;
		r->cap_sel = r->n_rows;
	}
	for (i = 0; i < r->n_g; i++) {
		r->g[i].start = at;
		at += r->g[i].count;
		r->g[i].count = 0; /* refilled below */
	}
	for (i = 0; i < r->n_rows; i++) {
		group *g = &r->g[r->row_group[i]];
		r->sel[g->start + g->count++] = (uint32_t)i;
	}
	return ICP_OK;
}

size_t icp_route_groups(const icp_route *r)
{
	return r->n_g;
}

size_t icp_route_rows(const icp_route *r)
{
	return r->n_rows;
}

const uint32_t *icp_route_group_rows(const icp_route *r, size_t g, size_t *n)
{
	*n = r->g[g].count;
	return r->sel + r->g[g].start;
}

int icp_route_group_tuple(icp_route *r, const icp_pspec *spec, size_t g, icp_slice *key,
                          const icp_pspec_value **vals, const char **path, icp_error *err)
{
	const uint8_t *k = r->keys.data + r->g[g].key_off, *end = k + r->g[g].key_len;
	icp_pspec_value *out = icp_route_values(r, spec->n_fields);
	size_t i;

	if (!out)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory routing rows");
	*key = icp_slice_make(k, r->g[g].key_len);
	for (i = 0; i < spec->n_fields; i++) {
		icp_ice_type rt = icp_pspec_result_type(&spec->fields[i]);
		uint32_t len;
		int rc;
		/* our own key (icp_pspec_tuple_key): well formed */
		if (k < end && *k == 0) {
			out[i] = icp_pspec_value_null(rt.kind);
			k++;
			continue;
		}
		if (end - k < 5)
			return icp_error_set(err, ICP_ERR_CORRUPT, "partition key truncated");
		len = icp_load_le32(k + 1);
		k += 5;
		if ((size_t)(end - k) < len)
			return icp_error_set(err, ICP_ERR_CORRUPT, "partition key truncated");
		rc = icp_pspec_value_deserialize(rt.kind, rt.scale, icp_slice_make(k, len), &out[i],
		                                 err);
		if (rc != ICP_OK)
			return rc;
		k += len;
	}
	*vals = out;
	icp_buf_reset(&r->path);
	if (icp_pspec_path(spec, out, &r->path) != ICP_OK ||
	    icp_buf_append_byte(&r->path, 0) != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory routing rows");
	*path = (const char *)r->path.data;
	return ICP_OK;
}
