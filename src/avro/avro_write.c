/*
 * Avro OCF writer. Datums are encoded into the current block buffer; a
 * block goes to the output (count, size, bytes, sync) once it reaches the
 * threshold or at finish. With codec deflate the block is compressed in one
 * deflate() call into a scratch buffer sized by deflateBound, since the
 * compressed size must be written before the bytes. The first failure is
 * kept (status + detail) and turns later calls into no-ops.
 */
#include "avro/avro_int.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>
#include <zlib.h>

struct icp_avro_writer {
	icp_buf *out;
	icp_buf block;          /* uncompressed bytes of the current block */
	icp_buf zbuf;           /* compressed block (deflate) */
	z_stream z;
	int z_ready;
	icp_avro_codec codec;
	size_t block_bytes;
	int64_t block_count;    /* datums in the current block */
	int64_t total;          /* datums ended */
	size_t ended_len;       /* block.len at the last icp_avro_end_datum */
	uint8_t sync[ICP_AVRO_SYNC_SIZE];
	icp_error err;          /* first failure */
};

int icp_avro_encode_long(icp_buf *b, int64_t v)
{
	uint8_t tmp[10];
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); /* zigzag */
	size_t n = 0;

	while (z >= 0x80) {
		tmp[n++] = (uint8_t)(z | 0x80);
		z >>= 7;
	}
	tmp[n++] = (uint8_t)z;
	return icp_buf_append(b, tmp, n);
}

static int check(icp_avro_writer *w)
{
	if (w->err.status != ICP_OK)
		return w->err.status;
	if (w->block.status != ICP_OK)
		return icp_error_set(&w->err, w->block.status,
		                     "avro writer: block buffer: %s after %lld datums",
		                     icp_status_name(w->block.status), (long long)w->total);
	if (w->out->status != ICP_OK)
		return icp_error_set(&w->err, w->out->status,
		                     "avro writer: output buffer: %s after %lld datums",
		                     icp_status_name(w->out->status), (long long)w->total);
	return ICP_OK;
}

static void put_bytes(icp_buf *b, const void *p, size_t n)
{
	icp_avro_encode_long(b, (int64_t)n);
	icp_buf_append(b, p, n);
}

static int write_header(icp_avro_writer *w, const char *schema, size_t schema_len,
                        const icp_avro_meta *meta, size_t n_meta)
{
	const char *codec = w->codec == ICP_AVRO_CODEC_DEFLATE ? "deflate" : "null";
	size_t i;

	icp_buf_append(w->out, "Obj\x01", 4);
	icp_avro_encode_long(w->out, (int64_t)(n_meta + 2));
	put_bytes(w->out, "avro.schema", 11);
	put_bytes(w->out, schema, schema_len);
	put_bytes(w->out, "avro.codec", 10);
	put_bytes(w->out, codec, strlen(codec));
	for (i = 0; i < n_meta; i++) {
		put_bytes(w->out, meta[i].key, strlen(meta[i].key));
		put_bytes(w->out, meta[i].value.ptr, meta[i].value.len);
	}
	icp_avro_encode_long(w->out, 0);
	icp_buf_append(w->out, w->sync, ICP_AVRO_SYNC_SIZE);
	return check(w);
}

int icp_avro_writer_new(const char *schema_json, size_t schema_len,
                        const icp_avro_meta *meta, size_t n_meta,
                        const icp_avro_writer_opts *opts, icp_buf *out,
                        icp_avro_writer **wp, icp_error *err)
{
	icp_avro_writer *w = NULL;
	icp_arena *a = NULL;
	icp_json *sj;
	avro_type *root;
	icp_json_opts jo = {0};
	size_t i;
	int rc = ICP_ERR_NOMEM;

	*wp = NULL;
	for (i = 0; i < n_meta; i++) {
		if (!meta[i].key || strncmp(meta[i].key, "avro.", 5) == 0)
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "avro writer: metadata key \"%s\" is reserved",
			                     meta[i].key ? meta[i].key : "(null)");
	}
	/* A schema that does not compile here would make the file unreadable
	 * everywhere: refuse it now, while the caller can tell why. */
	if (!(a = icp_arena_new(0)))
		return icp_error_set(err, ICP_ERR_NOMEM, "avro writer: out of memory");
	jo.max_depth = 128;
	if ((rc = icp_json_parse(a, schema_json, schema_len, &jo, &sj, err)) != ICP_OK) {
		icp_error_prefix(err, "avro writer: schema");
		if (rc == ICP_ERR_CORRUPT)
			rc = ICP_ERR_INVALID;
		goto out;
	}
	if ((rc = icp_avro_schema_compile(a, sj, ICP_ERR_INVALID, &root, err)) != ICP_OK)
		goto out;
	rc = ICP_ERR_NOMEM;
	if (!(w = icp_calloc(1, sizeof(*w)))) {
		icp_error_set(err, rc, "avro writer: out of memory");
		goto out;
	}
	icp_error_init(&w->err);
	w->out = out;
	w->codec = opts ? opts->codec : ICP_AVRO_CODEC_NULL;
	w->block_bytes = opts && opts->block_bytes ? opts->block_bytes : 64 * 1024;
	icp_buf_init(&w->block, ICP_BUF_UNLIMITED);
	icp_buf_init(&w->zbuf, ICP_BUF_UNLIMITED);
	if (w->codec != ICP_AVRO_CODEC_NULL && w->codec != ICP_AVRO_CODEC_DEFLATE) {
		rc = icp_error_set(err, ICP_ERR_INVALID, "avro writer: unknown codec %d", (int)w->codec);
		goto out;
	}
	if (w->codec == ICP_AVRO_CODEC_DEFLATE) {
		int level = opts && opts->deflate_level > 0 && opts->deflate_level <= 9
		                    ? opts->deflate_level : Z_DEFAULT_COMPRESSION;
		/* windowBits -15: raw deflate, no zlib header or checksum. */
		if (deflateInit2(&w->z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
			icp_error_set(err, rc, "avro writer: deflateInit2 failed");
			goto out;
		}
		w->z_ready = 1;
	}
	if (opts && opts->sync) {
		memcpy(w->sync, opts->sync, ICP_AVRO_SYNC_SIZE);
	} else {
		icp_random_bytes(w->sync, ICP_AVRO_SYNC_SIZE);
	}
	if ((rc = write_header(w, schema_json, schema_len, meta, n_meta)) != ICP_OK) {
		icp_error_set(err, rc, "%s", w->err.msg);
		goto out;
	}
	*wp = w;
	w = NULL;
	rc = ICP_OK;
out:
	icp_avro_writer_free(w);
	icp_arena_free(a);
	return rc;
}

void icp_avro_writer_free(icp_avro_writer *w)
{
	if (!w)
		return;
	if (w->z_ready)
		deflateEnd(&w->z);
	icp_buf_dispose(&w->block);
	icp_buf_dispose(&w->zbuf);
	icp_free(w);
}

static int flush_block(icp_avro_writer *w)
{
	const uint8_t *data = w->block.data;
	size_t len = w->block.len;
	int rc;

	if ((rc = check(w)) != ICP_OK || w->block_count == 0)
		return rc;
	if (w->codec == ICP_AVRO_CODEC_DEFLATE) {
		uLong bound;
		if (len > UINT32_MAX)
			return icp_error_set(&w->err, ICP_ERR_TOO_LARGE,
			                     "avro writer: block of %zu bytes is too large to deflate", len);
		bound = deflateBound(&w->z, (uLong)len);
		icp_buf_reset(&w->zbuf);
		if ((rc = icp_buf_reserve(&w->zbuf, bound)) != ICP_OK)
			return icp_error_set(&w->err, rc, "avro writer: no room to compress a block");
		if (deflateReset(&w->z) != Z_OK)
			return icp_error_set(&w->err, ICP_ERR_NOMEM, "avro writer: deflateReset failed");
		w->z.next_in = (Bytef *)(uintptr_t)data;
		w->z.avail_in = (uInt)len;
		w->z.next_out = w->zbuf.data;
		w->z.avail_out = (uInt)(w->zbuf.cap > UINT32_MAX ? UINT32_MAX : w->zbuf.cap);
		if (deflate(&w->z, Z_FINISH) != Z_STREAM_END)
			return icp_error_set(&w->err, ICP_ERR_NOMEM, "avro writer: deflate did not finish");
		w->zbuf.len = (size_t)w->z.total_out;
		data = w->zbuf.data;
		len = w->zbuf.len;
	}
	icp_avro_encode_long(w->out, w->block_count);
	icp_avro_encode_long(w->out, (int64_t)len);
	icp_buf_append(w->out, data, len);
	icp_buf_append(w->out, w->sync, ICP_AVRO_SYNC_SIZE);
	icp_buf_reset(&w->block);
	w->block_count = 0;
	return check(w);
}

int icp_avro_write_null(icp_avro_writer *w)
{
	return check(w);
}

int icp_avro_write_boolean(icp_avro_writer *w, int v)
{
	icp_buf_append_byte(&w->block, v ? 1 : 0);
	return check(w);
}

int icp_avro_write_int(icp_avro_writer *w, int32_t v)
{
	icp_avro_encode_long(&w->block, v);
	return check(w);
}

int icp_avro_write_long(icp_avro_writer *w, int64_t v)
{
	icp_avro_encode_long(&w->block, v);
	return check(w);
}

int icp_avro_write_float(icp_avro_writer *w, float v)
{
	uint32_t u;
	uint8_t b[4];

	memcpy(&u, &v, 4);
	b[0] = (uint8_t)u;
	b[1] = (uint8_t)(u >> 8);
	b[2] = (uint8_t)(u >> 16);
	b[3] = (uint8_t)(u >> 24);
	icp_buf_append(&w->block, b, 4);
	return check(w);
}

int icp_avro_write_double(icp_avro_writer *w, double v)
{
	uint64_t u;
	uint8_t b[8];
	int i;

	memcpy(&u, &v, 8);
	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(u >> (8 * i));
	icp_buf_append(&w->block, b, 8);
	return check(w);
}

int icp_avro_write_bytes(icp_avro_writer *w, const void *p, size_t n)
{
	put_bytes(&w->block, p, n);
	return check(w);
}

int icp_avro_write_string(icp_avro_writer *w, const char *s, size_t n)
{
	put_bytes(&w->block, s, n);
	return check(w);
}

int icp_avro_write_cstr(icp_avro_writer *w, const char *s)
{
	return icp_avro_write_string(w, s, strlen(s));
}

int icp_avro_write_fixed(icp_avro_writer *w, const void *p, size_t n)
{
	icp_buf_append(&w->block, p, n);
	return check(w);
}

int icp_avro_write_enum(icp_avro_writer *w, int32_t index)
{
	if (index < 0 && w->err.status == ICP_OK)
		return icp_error_set(&w->err, ICP_ERR_INVALID, "avro writer: enum index %d", index);
	return icp_avro_write_int(w, index);
}

int icp_avro_write_union_branch(icp_avro_writer *w, int32_t index)
{
	if (index < 0 && w->err.status == ICP_OK)
		return icp_error_set(&w->err, ICP_ERR_INVALID, "avro writer: union branch %d", index);
	return icp_avro_write_long(w, index);
}

int icp_avro_write_array_start(icp_avro_writer *w, int64_t count)
{
	if (count < 0 && w->err.status == ICP_OK)
		return icp_error_set(&w->err, ICP_ERR_INVALID, "avro writer: item count %lld",
		                     (long long)count);
	if (count > 0)
		icp_avro_encode_long(&w->block, count);
	return check(w);
}

int icp_avro_write_array_end(icp_avro_writer *w)
{
	icp_avro_encode_long(&w->block, 0);
	return check(w);
}

int icp_avro_write_map_start(icp_avro_writer *w, int64_t count)
{
	return icp_avro_write_array_start(w, count);
}

int icp_avro_write_map_end(icp_avro_writer *w)
{
	return icp_avro_write_array_end(w);
}

int icp_avro_end_datum(icp_avro_writer *w)
{
	int rc = check(w);

	if (rc != ICP_OK)
		return rc;
	w->block_count++;
	w->total++;
	w->ended_len = w->block.len;
	if (w->block.len >= w->block_bytes) {
		rc = flush_block(w);
		w->ended_len = 0;
	}
	return rc;
}

int64_t icp_avro_writer_count(const icp_avro_writer *w)
{
	return w->total;
}

int icp_avro_writer_finish(icp_avro_writer *w, icp_error *err)
{
	int rc;

	if (w->block.len != w->ended_len && w->err.status == ICP_OK)
		icp_error_set(&w->err, ICP_ERR_INVALID,
		              "avro writer: %zu bytes of a datum not ended with icp_avro_end_datum",
		              w->block.len - w->ended_len);
	rc = flush_block(w);
	if (rc != ICP_OK)
		icp_error_set(err, rc, "%s", w->err.msg);
	return rc;
}
