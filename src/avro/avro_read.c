/*
 * Avro OCF reader: header, metadata and blocks (codecs null and deflate),
 * and a datum decoder driven by the compiled writer schema that builds a
 * JSON DOM in the caller's arena (mapping in avro.h).
 *
 * Every read is checked against the end of the file or of the current
 * block; counts are checked against the bytes left before anything is
 * allocated for them (see avro.h for the bounds). Arrays and maps that come
 * in several blocks are gathered in a heap vector and copied into the arena
 * once complete, so many small blocks cost no quadratic copying.
 */
#include "avro/avro_int.h"

#include <zlib.h>

struct icp_avro_reader {
	const uint8_t *start, *p, *end; /* the file; p = next block */
	icp_arena *arena;               /* schema DOM and graph, metadata keys */
	icp_json *schema_json;
	icp_slice schema_text;
	avro_type *root;
	icp_avro_codec codec;
	uint8_t sync[ICP_AVRO_SYNC_SIZE];
	icp_avro_meta *meta;
	size_t n_meta;
	icp_buf inflated;               /* decompressed current block */
	z_stream z;
	int z_ready;
	const uint8_t *bp, *bstart, *bend; /* current block's objects */
	size_t block_off;               /* file offset of the current block */
	int64_t left;                   /* objects left in the current block */
	int failed;                     /* status of a previous failure */
	icp_avro_reader_opts opts;
};

typedef struct dec {
	const uint8_t *p, *start, *end;
	size_t block_off;
	icp_arena *a;
	icp_error *err;
	size_t nodes, max_nodes;
	int depth, max_depth;
} dec;

int icp_avro_decode_long(const uint8_t **pp, const uint8_t *end, int64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	int i;

	for (i = 0; i < 10; i++) {
		uint8_t b;
		if (p >= end)
			return ICP_ERR_CORRUPT;
		b = *p++;
		/* The 10th byte may only carry the 64th bit. */
		if (i == 9 && b > 1)
			return ICP_ERR_CORRUPT;
		v |= (uint64_t)(b & 0x7F) << (7 * i);
		if (!(b & 0x80)) {
			*out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
			*pp = p;
			return ICP_OK;
		}
	}
	return ICP_ERR_CORRUPT;
}

/* ------------------------------------------------------------ datums */

static int dfail(dec *d, int status, const char *what)
{
	return icp_error_set(d->err, status, "avro: %s at byte %zu of the block at file offset %zu",
	                     what, (size_t)(d->p - d->start), d->block_off);
}

static int dlong(dec *d, int64_t *v)
{
	if (icp_avro_decode_long(&d->p, d->end, v) != ICP_OK)
		return dfail(d, ICP_ERR_CORRUPT, "truncated or malformed varint");
	return ICP_OK;
}

static int dlen(dec *d, size_t *len)
{
	int64_t v;
	int rc;

	if ((rc = dlong(d, &v)) != ICP_OK)
		return rc;
	if (v < 0 || (uint64_t)v > (uint64_t)(d->end - d->p))
		return dfail(d, ICP_ERR_CORRUPT, "length beyond the end of the block");
	*len = (size_t)v;
	return ICP_OK;
}

static int dcopy(dec *d, size_t len, icp_json *out)
{
	char *s = icp_arena_alloc(d->a, len + 1);

	if (!s)
		return dfail(d, ICP_ERR_NOMEM, "out of memory");
	if (len)
		memcpy(s, d->p, len);
	s[len] = 0;
	d->p += len;
	out->type = ICP_JSON_STRING;
	out->u.str.ptr = s;
	out->u.str.len = len;
	return ICP_OK;
}

static const char *arena_strn(icp_arena *a, const char *s, size_t n)
{
	char *o = icp_arena_alloc(a, n + 1);
	if (o) {
		memcpy(o, s, n);
		o[n] = 0;
	}
	return o;
}

static int decode(dec *d, const avro_type *t, icp_json *out);

/* Array and map blocks: count, [byte size if count < 0], items; count 0 ends. */
static int decode_blocks(dec *d, const avro_type *t, icp_json *out)
{
	int is_map = t->kind == AV_MAP;
	size_t item_min = t->types[0]->min_size + (is_map ? 1 : 0);
	icp_json_member *vec = NULL;
	size_t n = 0, cap = 0, i;
	int rc;

	for (;;) {
		int64_t count;
		if ((rc = dlong(d, &count)) != ICP_OK)
			goto out;
		if (count == 0)
			break;
		if (count < 0) {
			int64_t bytes;
			if (count == INT64_MIN) {
				rc = dfail(d, ICP_ERR_CORRUPT, "block count out of range");
				goto out;
			}
			count = -count;
			if ((rc = dlong(d, &bytes)) != ICP_OK)
				goto out;
			if (bytes < 0 || (uint64_t)bytes > (uint64_t)(d->end - d->p)) {
				rc = dfail(d, ICP_ERR_CORRUPT, "block byte size beyond the end of the block");
				goto out;
			}
		}
		if (item_min ? (uint64_t)count > (uint64_t)(d->end - d->p) / item_min
		             : count > AVRO_ZERO_SIZE_CAP) {
			rc = dfail(d, ICP_ERR_CORRUPT, "item count larger than the bytes left");
			goto out;
		}
		if ((uint64_t)count > d->max_nodes - d->nodes) {
			rc = dfail(d, ICP_ERR_TOO_LARGE, "datum has more values than the node limit");
			goto out;
		}
		if (n + (size_t)count > cap) {
			size_t ncap = cap ? cap : 8;
			icp_json_member *nv;
			while (ncap < n + (size_t)count)
				ncap *= 2;
			nv = icp_realloc(vec, ncap * sizeof(*vec));
			if (!nv) {
				rc = dfail(d, ICP_ERR_NOMEM, "out of memory");
				goto out;
			}
			vec = nv;
			cap = ncap;
		}
		for (i = 0; i < (size_t)count; i++, n++) {
			memset(&vec[n], 0, sizeof(vec[n]));
			if (is_map) {
				icp_json key;
				size_t klen;
				if ((rc = dlen(d, &klen)) != ICP_OK || (rc = dcopy(d, klen, &key)) != ICP_OK)
					goto out;
				vec[n].key = key.u.str.ptr;
				vec[n].key_len = key.u.str.len;
			}
			if ((rc = decode(d, t->types[0], &vec[n].value)) != ICP_OK)
				goto out;
		}
	}
	if (is_map) {
		out->type = ICP_JSON_OBJECT;
		out->u.obj.n = n;
		if (n && !(out->u.obj.members = icp_arena_memdup(d->a, vec, n * sizeof(*vec)))) {
			rc = dfail(d, ICP_ERR_NOMEM, "out of memory");
			goto out;
		}
	} else {
		out->type = ICP_JSON_ARRAY;
		out->u.arr.n = n;
		if (n && !(out->u.arr.items = icp_arena_alloc(d->a, n * sizeof(icp_json)))) {
			rc = dfail(d, ICP_ERR_NOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < n; i++)
			out->u.arr.items[i] = vec[i].value;
	}
	rc = ICP_OK;
out:
	icp_free(vec);
	return rc;
}

static int decode_record(dec *d, const avro_type *t, icp_json *out)
{
	size_t i;
	int rc;

	out->type = ICP_JSON_OBJECT;
	out->u.obj.n = t->n;
	if (t->n == 0)
		return ICP_OK;
	if (t->n > d->max_nodes - d->nodes)
		return dfail(d, ICP_ERR_TOO_LARGE, "datum has more values than the node limit");
	out->u.obj.members = icp_arena_alloc(d->a, t->n * sizeof(icp_json_member));
	if (!out->u.obj.members)
		return dfail(d, ICP_ERR_NOMEM, "out of memory");
	for (i = 0; i < t->n; i++) {
		icp_json_member *m = &out->u.obj.members[i];
		m->key = arena_strn(d->a, t->names[i], t->name_lens[i]);
		m->key_len = t->name_lens[i];
		if (!m->key)
			return dfail(d, ICP_ERR_NOMEM, "out of memory");
		if ((rc = decode(d, t->types[i], &m->value)) != ICP_OK)
			return rc;
	}
	return ICP_OK;
}

static int decode(dec *d, const avro_type *t, icp_json *out)
{
	int64_t v;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (++d->nodes > d->max_nodes)
		return dfail(d, ICP_ERR_TOO_LARGE, "datum has more values than the node limit");
	switch (t->kind) {
	case AV_NULL:
		out->type = ICP_JSON_NULL;
		return ICP_OK;
	case AV_BOOLEAN:
		if (d->p >= d->end || *d->p > 1)
			return dfail(d, ICP_ERR_CORRUPT, "boolean is not 0 or 1");
		out->type = ICP_JSON_BOOL;
		out->u.boolean = *d->p++;
		return ICP_OK;
	case AV_INT:
	case AV_LONG:
		if ((rc = dlong(d, &v)) != ICP_OK)
			return rc;
		if (t->kind == AV_INT && (v < INT32_MIN || v > INT32_MAX))
			return dfail(d, ICP_ERR_CORRUPT, "int out of 32-bit range");
		out->type = ICP_JSON_INT;
		out->u.num.i = v;
		out->u.num.d = (double)v;
		return ICP_OK;
	case AV_FLOAT: {
		uint32_t u;
		float f;
		if (d->end - d->p < 4)
			return dfail(d, ICP_ERR_CORRUPT, "truncated float");
		u = icp_load_le32(d->p);
		memcpy(&f, &u, 4);
		d->p += 4;
		out->type = ICP_JSON_DOUBLE;
		out->u.num.d = f;
		return ICP_OK;
	}
	case AV_DOUBLE: {
		uint64_t u;
		if (d->end - d->p < 8)
			return dfail(d, ICP_ERR_CORRUPT, "truncated double");
		u = icp_load_le64(d->p);
		memcpy(&out->u.num.d, &u, 8);
		d->p += 8;
		out->type = ICP_JSON_DOUBLE;
		return ICP_OK;
	}
	case AV_BYTES:
	case AV_STRING:
		if ((rc = dlen(d, &len)) != ICP_OK)
			return rc;
		return dcopy(d, len, out);
	case AV_FIXED:
		if ((size_t)(d->end - d->p) < t->n)
			return dfail(d, ICP_ERR_CORRUPT, "truncated fixed");
		return dcopy(d, t->n, out);
	case AV_ENUM:
		if ((rc = dlong(d, &v)) != ICP_OK)
			return rc;
		if (v < 0 || (uint64_t)v >= t->n)
			return dfail(d, ICP_ERR_CORRUPT, "enum index out of range");
		out->type = ICP_JSON_STRING;
		out->u.str.len = t->name_lens[v];
		out->u.str.ptr = arena_strn(d->a, t->names[v], t->name_lens[v]);
		return out->u.str.ptr ? ICP_OK : dfail(d, ICP_ERR_NOMEM, "out of memory");
	case AV_UNION:
		if ((rc = dlong(d, &v)) != ICP_OK)
			return rc;
		if (v < 0 || (uint64_t)v >= t->n)
			return dfail(d, ICP_ERR_CORRUPT, "union branch index out of range");
		return decode(d, t->types[v], out);
	case AV_RECORD:
	case AV_ARRAY:
	case AV_MAP:
		if (d->depth >= d->max_depth)
			return dfail(d, ICP_ERR_TOO_LARGE, "datum nested deeper than the depth limit");
		d->depth++;
		rc = t->kind == AV_RECORD ? decode_record(d, t, out) : decode_blocks(d, t, out);
		d->depth--;
		return rc;
	}
	return dfail(d, ICP_ERR_CORRUPT, "unknown schema kind");
}

/* ------------------------------------------------------------ file */

static int ffail(icp_avro_reader *r, icp_error *err, const uint8_t *at, int status,
                 const char *what)
{
	return icp_error_set(err, status, "avro: %s at file offset %zu", what,
	                     (size_t)(at - r->start));
}

static int flong(icp_avro_reader *r, icp_error *err, int64_t *v)
{
	if (icp_avro_decode_long(&r->p, r->end, v) != ICP_OK)
		return ffail(r, err, r->p, ICP_ERR_CORRUPT, "truncated or malformed varint");
	return ICP_OK;
}

/* A length-prefixed byte string of the header, borrowed from the file. */
static int fbytes(icp_avro_reader *r, icp_error *err, icp_slice *out)
{
	int64_t len;
	int rc;

	if ((rc = flong(r, err, &len)) != ICP_OK)
		return rc;
	if (len < 0 || (uint64_t)len > (uint64_t)(r->end - r->p))
		return ffail(r, err, r->p, ICP_ERR_CORRUPT, "metadata length beyond the end of the file");
	*out = icp_slice_make(r->p, (size_t)len);
	r->p += len;
	return ICP_OK;
}

static int read_meta(icp_avro_reader *r, icp_error *err)
{
	size_t cap = 0;
	int rc;

	for (;;) {
		int64_t count, i;
		if ((rc = flong(r, err, &count)) != ICP_OK)
			return rc;
		if (count == 0)
			return ICP_OK;
		if (count < 0) {
			int64_t bytes;
			if (count == INT64_MIN)
				return ffail(r, err, r->p, ICP_ERR_CORRUPT, "metadata count out of range");
			count = -count;
			if ((rc = flong(r, err, &bytes)) != ICP_OK)
				return rc;
		}
		/* each entry takes at least two bytes (two empty strings) */
		if ((uint64_t)count > (uint64_t)(r->end - r->p) / 2)
			return ffail(r, err, r->p, ICP_ERR_CORRUPT, "metadata count larger than the file");
		for (i = 0; i < count; i++) {
			icp_slice k, v;
			if ((rc = fbytes(r, err, &k)) != ICP_OK || (rc = fbytes(r, err, &v)) != ICP_OK)
				return rc;
			if (r->n_meta == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				icp_avro_meta *nm = icp_realloc(r->meta, ncap * sizeof(*nm));
				if (!nm)
					return icp_error_set(err, ICP_ERR_NOMEM, "avro: out of memory");
				r->meta = nm;
				cap = ncap;
			}
			r->meta[r->n_meta].key = arena_strn(r->arena, (const char *)k.ptr, k.len);
			r->meta[r->n_meta].value = v;
			if (!r->meta[r->n_meta].key)
				return icp_error_set(err, ICP_ERR_NOMEM, "avro: out of memory");
			r->n_meta++;
		}
	}
}

int icp_avro_reader_open(icp_slice file, const icp_avro_reader_opts *opts,
                         icp_avro_reader **rp, icp_error *err)
{
	icp_avro_reader *r;
	icp_slice codec;
	icp_json_opts jo = {0};
	int rc = ICP_ERR_NOMEM;

	*rp = NULL;
	if (!(r = icp_calloc(1, sizeof(*r))))
		return icp_error_set(err, rc, "avro: out of memory");
	r->start = r->p = file.ptr;
	r->end = file.ptr + file.len;
	if (opts)
		r->opts = *opts;
	if (!r->opts.max_block_bytes)
		r->opts.max_block_bytes = (size_t)64 << 20;
	if (!r->opts.max_nodes)
		r->opts.max_nodes = (size_t)1 << 20;
	if (r->opts.max_depth <= 0)
		r->opts.max_depth = 64;
	icp_buf_init(&r->inflated, r->opts.max_block_bytes);
	if (!(r->arena = icp_arena_new(0))) {
		icp_error_set(err, rc, "avro: out of memory");
		goto out;
	}
	if (file.len < 4 || memcmp(file.ptr, "Obj\x01", 4) != 0) {
		rc = ffail(r, err, r->p, ICP_ERR_CORRUPT, "not an Avro object container file (bad magic)");
		goto out;
	}
	r->p += 4;
	if ((rc = read_meta(r, err)) != ICP_OK)
		goto out;
	if ((size_t)(r->end - r->p) < ICP_AVRO_SYNC_SIZE) {
		rc = ffail(r, err, r->p, ICP_ERR_CORRUPT, "file ends before the sync marker");
		goto out;
	}
	memcpy(r->sync, r->p, ICP_AVRO_SYNC_SIZE);
	r->p += ICP_AVRO_SYNC_SIZE;
	if (icp_avro_reader_meta(r, "avro.schema", &r->schema_text) != ICP_OK) {
		rc = ffail(r, err, r->p, ICP_ERR_CORRUPT, "no avro.schema in the file metadata");
		goto out;
	}
	jo.max_depth = 128;
	if ((rc = icp_json_parse(r->arena, (const char *)r->schema_text.ptr, r->schema_text.len,
	                         &jo, &r->schema_json, err)) != ICP_OK) {
		icp_error_prefix(err, "avro: avro.schema");
		goto out;
	}
	if ((rc = icp_avro_schema_compile(r->arena, r->schema_json, ICP_ERR_CORRUPT, &r->root,
	                                  err)) != ICP_OK)
		goto out;
	r->codec = ICP_AVRO_CODEC_NULL;
	if (icp_avro_reader_meta(r, "avro.codec", &codec) == ICP_OK &&
	    !icp_slice_eq(codec, icp_slice_cstr("null"))) {
		if (!icp_slice_eq(codec, icp_slice_cstr("deflate"))) {
			rc = icp_error_set(err, ICP_ERR_UNSUPPORTED, "avro: codec \"%.*s\" is not supported",
			                   (int)(codec.len > 64 ? 64 : codec.len), (const char *)codec.ptr);
			goto out;
		}
		r->codec = ICP_AVRO_CODEC_DEFLATE;
		if (inflateInit2(&r->z, -15) != Z_OK) {
			rc = icp_error_set(err, ICP_ERR_NOMEM, "avro: inflateInit2 failed");
			goto out;
		}
		r->z_ready = 1;
	}
	*rp = r;
	r = NULL;
	rc = ICP_OK;
out:
	icp_avro_reader_free(r);
	return rc;
}

void icp_avro_reader_free(icp_avro_reader *r)
{
	if (!r)
		return;
	if (r->z_ready)
		inflateEnd(&r->z);
	icp_buf_dispose(&r->inflated);
	icp_free(r->meta);
	icp_arena_free(r->arena);
	icp_free(r);
}

icp_slice icp_avro_reader_schema_text(const icp_avro_reader *r)
{
	return r->schema_text;
}

const icp_json *icp_avro_reader_schema(const icp_avro_reader *r)
{
	return r->schema_json;
}

icp_avro_codec icp_avro_reader_codec(const icp_avro_reader *r)
{
	return r->codec;
}

const uint8_t *icp_avro_reader_sync(const icp_avro_reader *r)
{
	return r->sync;
}

int icp_avro_reader_meta(const icp_avro_reader *r, const char *key, icp_slice *value)
{
	size_t i;

	for (i = r->n_meta; i-- > 0;) {
		if (strcmp(r->meta[i].key, key) == 0) {
			*value = r->meta[i].value;
			return ICP_OK;
		}
	}
	return ICP_ERR_NOT_FOUND;
}

size_t icp_avro_reader_meta_count(const icp_avro_reader *r)
{
	return r->n_meta;
}

icp_avro_meta icp_avro_reader_meta_at(const icp_avro_reader *r, size_t i)
{
	icp_avro_meta none = {NULL, {NULL, 0}};
	return i < r->n_meta ? r->meta[i] : none;
}

static int inflate_block(icp_avro_reader *r, icp_slice in, icp_error *err)
{
	z_stream *z = &r->z;
	int zr;

	icp_buf_reset(&r->inflated);
	if (inflateReset(z) != Z_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "avro: inflateReset failed");
	if (in.len > UINT32_MAX)
		return ffail(r, err, in.ptr, ICP_ERR_TOO_LARGE, "compressed block too large");
	z->next_in = (Bytef *)(uintptr_t)in.ptr;
	z->avail_in = (uInt)in.len;
	for (;;) {
		size_t room;
		if (r->inflated.cap - r->inflated.len < 2) {
			size_t want = r->inflated.cap ? r->inflated.cap : in.len * 4 + 1024;
			if (want > r->opts.max_block_bytes - r->inflated.len)
				want = r->opts.max_block_bytes - r->inflated.len;
			if (want == 0 || icp_buf_reserve(&r->inflated, want) != ICP_OK)
				return ffail(r, err, in.ptr, r->inflated.status == ICP_ERR_NOMEM
				                                     ? ICP_ERR_NOMEM : ICP_ERR_TOO_LARGE,
				             "block inflates beyond the block size limit");
		}
		/* keep one byte spare so the buffer stays NUL-terminable */
		room = r->inflated.cap - r->inflated.len - 1;
		if (room > UINT32_MAX)
			room = UINT32_MAX;
		z->next_out = r->inflated.data + r->inflated.len;
		z->avail_out = (uInt)room;
		zr = inflate(z, Z_NO_FLUSH);
		r->inflated.len += room - z->avail_out;
		if (zr == Z_STREAM_END)
			return ICP_OK;
		if (zr == Z_BUF_ERROR && z->avail_in == 0)
			return ffail(r, err, in.ptr, ICP_ERR_CORRUPT, "deflate stream of a block is truncated");
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return ffail(r, err, in.ptr, ICP_ERR_CORRUPT, "block is not valid deflate data");
	}
}

static int next_block(icp_avro_reader *r, icp_error *err)
{
	const uint8_t *at = r->p;
	int64_t count, size;
	size_t min;
	icp_slice data;
	int rc;

	if ((rc = flong(r, err, &count)) != ICP_OK || (rc = flong(r, err, &size)) != ICP_OK)
		return rc;
	if (count < 0)
		return ffail(r, err, at, ICP_ERR_CORRUPT, "negative object count in block");
	if (size < 0 || (uint64_t)size > (uint64_t)(r->end - r->p))
		return ffail(r, err, at, ICP_ERR_CORRUPT, "block size beyond the end of the file");
	data = icp_slice_make(r->p, (size_t)size);
	r->p += size;
	if ((size_t)(r->end - r->p) < ICP_AVRO_SYNC_SIZE ||
	    memcmp(r->p, r->sync, ICP_AVRO_SYNC_SIZE) != 0)
		return ffail(r, err, r->p, ICP_ERR_CORRUPT, "sync marker missing after block");
	r->p += ICP_AVRO_SYNC_SIZE;
	if (r->codec == ICP_AVRO_CODEC_DEFLATE) {
		if ((rc = inflate_block(r, data, err)) != ICP_OK)
			return rc;
		data = icp_slice_make(r->inflated.data, r->inflated.len);
	} else if (data.len > r->opts.max_block_bytes) {
		return ffail(r, err, at, ICP_ERR_TOO_LARGE, "block larger than the block size limit");
	}
	min = r->root->min_size;
	if (min ? (uint64_t)count > data.len / min : count > AVRO_ZERO_SIZE_CAP)
		return ffail(r, err, at, ICP_ERR_CORRUPT, "object count larger than the block");
	r->bstart = r->bp = data.ptr;
	r->bend = data.ptr + data.len;
	r->block_off = (size_t)(at - r->start);
	r->left = count;
	return ICP_OK;
}

int icp_avro_reader_next(icp_avro_reader *r, icp_arena *a, icp_json **out, icp_error *err)
{
	icp_json *node;
	dec d;
	int rc;

	*out = NULL;
	if (r->failed)
		return icp_error_set(err, r->failed, "avro: reader used after an error");
	while (r->left == 0) {
		if (r->bp != r->bend) {
			rc = icp_error_set(err, ICP_ERR_CORRUPT,
			                   "avro: %zu bytes left over after the objects of the block at file offset %zu",
			                   (size_t)(r->bend - r->bp), r->block_off);
			goto fail;
		}
		if (r->p == r->end)
			return ICP_END;
		if ((rc = next_block(r, err)) != ICP_OK)
			goto fail;
	}
	if (!(node = icp_arena_alloc(a, sizeof(*node)))) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "avro: out of memory");
		goto fail;
	}
	memset(&d, 0, sizeof(d));
	d.p = r->bp;
	d.start = r->bstart;
	d.end = r->bend;
	d.block_off = r->block_off;
	d.a = a;
	d.err = err;
	d.max_nodes = r->opts.max_nodes;
	d.max_depth = r->opts.max_depth;
	if ((rc = decode(&d, r->root, node)) != ICP_OK)
		goto fail;
	r->bp = d.p;
	r->left--;
	*out = node;
	return ICP_OK;
fail:
	r->failed = rc;
	return rc;
}
