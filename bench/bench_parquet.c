/*
 * Parquet write benchmark (not a test): rows of the processor's base
 * columns (record_id, topic, partition, offset, timestamp_ms, key 16 B,
 * value ~200 B JSON, headers JSON), generated deterministically in memory,
 * then written with icp_parquet as the processor would: columnar batches.
 *
 *   bench_parquet write ROWS ITERS OUT [codec] [level] [threads]
 *       best of ITERS writes of OUT (threads: the writer's worker pool,
 *       0 = none, the default); prints
 *       "write rows=N input_bytes=N seconds=S file_bytes=N"
 *       (input bytes: the values' own sizes, 4/8 for ints)
 *   bench_parquet input ROWS OUT
 *       the same rows, uncompressed and without dictionaries, for peers
 *       to load (DuckDB reads it into a table before its timed COPY)
 */
#include "parquet/parquet.h"
#include "pool/pool.h"

#include <stdio.h>
#include <stdlib.h>

#define BATCH 4096

typedef struct rows {
	size_t n;
	icp_slice *record_id, *topic, *key, *value, *headers;
	int32_t *partition;
	int64_t *offset, *ts;
	uint8_t *valid;        /* key/value/headers present (all, here) */
	icp_arena *arena;
	uint64_t input_bytes;
} rows;

static uint64_t rng = 42;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void make_rows(rows *r, size_t n)
{
	static const char *const topics[] = {"orders", "payments", "shipments", "clickstream"};
	static const char *const users[] = {"alice", "bob", "carol", "dave", "erin", "frank"};
	static const char *const status[] = {"NEW", "PAID", "SHIPPED", "CANCELLED"};
	int64_t next_off[4 * 12] = {0};
	size_t i;
	char tmp[512];

	memset(r, 0, sizeof(*r));
	r->n = n;
	r->arena = icp_arena_new(1 << 20);
	r->record_id = icp_calloc(n, sizeof(icp_slice));
	r->topic = icp_calloc(n, sizeof(icp_slice));
	r->key = icp_calloc(n, sizeof(icp_slice));
	r->value = icp_calloc(n, sizeof(icp_slice));
	r->headers = icp_calloc(n, sizeof(icp_slice));
	r->partition = icp_calloc(n, sizeof(int32_t));
	r->offset = icp_calloc(n, sizeof(int64_t));
	r->ts = icp_calloc(n, sizeof(int64_t));
	r->valid = icp_calloc(n, 1);
	for (i = 0; i < n; i++) {
		int t = (int)(rnd() % 4), p = (int)(rnd() % 12), len, k;
		int64_t off = next_off[t * 12 + p]++;
		uint8_t *key;
		r->topic[i] = icp_slice_cstr(topics[t]);
		r->partition[i] = p;
		r->offset[i] = off;
		r->ts[i] = 1700000000000ll + (int64_t)i * 3 + (int64_t)(rnd() % 5);
		len = snprintf(tmp, sizeof(tmp), "%s:%d:%lld", topics[t], p, (long long)off);
		r->record_id[i] = icp_slice_make(icp_arena_memdup(r->arena, tmp, (size_t)len),
		                                 (size_t)len);
		key = icp_arena_alloc(r->arena, 16);
		for (k = 0; k < 16; k += 8) {
			uint64_t x = rnd();
			memcpy(key + k, &x, 8);
		}
		r->key[i] = icp_slice_make(key, 16);
		len = snprintf(tmp, sizeof(tmp),
		               "{\"order_id\":%llu,\"user\":\"%s\",\"status\":\"%s\",\"amount\":%llu.%02llu,"
		               "\"currency\":\"EUR\",\"items\":[{\"sku\":\"SKU-%05llu\",\"qty\":%llu},"
		               "{\"sku\":\"SKU-%05llu\",\"qty\":%llu}],\"created_at\":%lld,"
		               "\"note\":\"%08llx\"}",
		               (unsigned long long)(1000000 + i), users[rnd() % 6], status[rnd() % 4],
		               (unsigned long long)(rnd() % 10000), (unsigned long long)(rnd() % 100),
		               (unsigned long long)(rnd() % 100000), (unsigned long long)(1 + rnd() % 9),
		               (unsigned long long)(rnd() % 100000), (unsigned long long)(1 + rnd() % 9),
		               (long long)r->ts[i], (unsigned long long)(rnd() & 0xffffffff));
		r->value[i] = icp_slice_make(icp_arena_memdup(r->arena, tmp, (size_t)len), (size_t)len);
		len = snprintf(tmp, sizeof(tmp),
		               "[{\"key\":\"source\",\"value\":\"svc-%d\"},{\"key\":\"trace\",\"value\":\"%08llx\"}]",
		               (int)(rnd() % 3), (unsigned long long)(rnd() & 0xffffffff));
		r->headers[i] = icp_slice_make(icp_arena_memdup(r->arena, tmp, (size_t)len),
		                               (size_t)len);
		r->valid[i] = 1;
		r->input_bytes += r->record_id[i].len + r->topic[i].len + 4 + 8 + 8 + 16 +
		                  r->value[i].len + r->headers[i].len;
	}
}

static void free_rows(rows *r)
{
	icp_free(r->record_id);
	icp_free(r->topic);
	icp_free(r->key);
	icp_free(r->value);
	icp_free(r->headers);
	icp_free(r->partition);
	icp_free(r->offset);
	icp_free(r->ts);
	icp_free(r->valid);
	icp_arena_free(r->arena);
}

static int write_file(const rows *r, const char *path, const icp_parquet_options *o,
                      uint64_t *size)
{
	icp_parquet_field f[8];
	icp_parquet_file_sink fs;
	icp_parquet_sink sink;
	icp_parquet_writer *w = NULL;
	icp_parquet_file_metrics m;
	icp_error err;
	size_t i;
	int rc = -1;

	f[0] = icp_parquet_field_make("record_id", 1, ICP_PARQUET_STRING, 1);
	f[1] = icp_parquet_field_make("topic", 2, ICP_PARQUET_STRING, 1);
	f[2] = icp_parquet_field_make("partition", 3, ICP_PARQUET_INT, 1);
	f[3] = icp_parquet_field_make("offset", 4, ICP_PARQUET_LONG, 1);
	f[4] = icp_parquet_field_make("timestamp_ms", 5, ICP_PARQUET_LONG, 1);
	f[5] = icp_parquet_field_make("key", 6, ICP_PARQUET_BINARY, 0);
	f[6] = icp_parquet_field_make("value", 7, ICP_PARQUET_BINARY, 0);
	f[7] = icp_parquet_field_make("headers", 8, ICP_PARQUET_STRING, 0);
	icp_error_init(&err);
	if (icp_parquet_file_sink_init(&fs, path, &sink, &err) != ICP_OK)
		goto out;
	if (icp_parquet_writer_new(f, 8, o, sink, &w, &err) != ICP_OK)
		goto out;
	for (i = 0; i < r->n; i += BATCH) {
		size_t n = r->n - i < BATCH ? r->n - i : BATCH;
		icp_parquet_batch b;
		memset(&b, 0, sizeof(b));
		b.n = n;
#define PUT(leaf, field, member, validp)                                       \
	b.valid = validp;                                                      \
	b.member = r->field + i;                                               \
	if (icp_parquet_writer_write(w, leaf, &b, &err) != ICP_OK)            \
		goto out;                                                      \
	b.fixed = NULL;                                                        \
	b.bytes = NULL;
		PUT(0, record_id, bytes, NULL)
		PUT(1, topic, bytes, NULL)
		PUT(2, partition, fixed, NULL)
		PUT(3, offset, fixed, NULL)
		PUT(4, ts, fixed, NULL)
		PUT(5, key, bytes, r->valid + i)
		PUT(6, value, bytes, r->valid + i)
		PUT(7, headers, bytes, r->valid + i)
#undef PUT
		if (icp_parquet_writer_end_rows(w, &err) != ICP_OK)
			goto out;
	}
	if (icp_parquet_writer_close(w, &m, &err) != ICP_OK)
		goto out;
	*size = m.file_size;
	icp_parquet_file_metrics_dispose(&m);
	rc = 0;
out:
	if (icp_parquet_file_sink_dispose(&fs, &err) != ICP_OK)
		rc = -1;
	if (rc)
		fprintf(stderr, "bench_parquet: %s\n", err.msg);
	icp_parquet_writer_free(w);
	return rc;
}

int main(int argc, char **argv)
{
	icp_parquet_options o;
	rows r;
	icp_pool *pool = NULL;
	icp_error perr;
	uint64_t size = 0;
	double best = 1e30;
	int iters, i;

	if (argc < 4) {
		fprintf(stderr, "usage: bench_parquet write ROWS ITERS OUT [codec] [level] [threads] | "
		                "input ROWS OUT\n");
		return 2;
	}
	icp_parquet_options_init(&o);
	if (strcmp(argv[1], "input") == 0) {
		make_rows(&r, (size_t)strtoull(argv[2], NULL, 10));
		o.codec = ICP_CODEC_NONE;
		o.dictionary = 0;
		i = write_file(&r, argv[3], &o, &size);
		free_rows(&r);
		return i ? 1 : 0;
	}
	if (strcmp(argv[1], "write") != 0 || argc < 5)
		return 2;
	iters = (int)strtol(argv[3], NULL, 10);
	if (iters < 1)
		iters = 1;
	if (argc > 5 && icp_codec_parse(argv[5], &o.codec) != ICP_OK)
		return 2;
	if (argc > 6)
		o.codec_level = (int)strtol(argv[6], NULL, 10);
	icp_error_init(&perr);
	if (argc > 7 && strtol(argv[7], NULL, 10) > 0 &&
	    icp_pool_new((unsigned)strtol(argv[7], NULL, 10), 0, &pool, &perr) != ICP_OK) {
		fprintf(stderr, "bench_parquet: %s\n", perr.msg);
		return 1;
	}
	o.pool = pool;
	make_rows(&r, (size_t)strtoull(argv[2], NULL, 10));
	for (i = 0; i < iters; i++) {
		uint64_t t0 = icp_mono_ns(), t1;
		if (write_file(&r, argv[4], &o, &size) != 0) {
			free_rows(&r);
			icp_pool_free(pool);
			return 1;
		}
		t1 = icp_mono_ns();
		if ((double)(t1 - t0) / 1e9 < best)
			best = (double)(t1 - t0) / 1e9;
	}
	printf("write rows=%zu input_bytes=%llu seconds=%.6f file_bytes=%llu\n", r.n,
	       (unsigned long long)r.input_bytes, best, (unsigned long long)size);
	free_rows(&r);
	icp_pool_free(pool);
	return 0;
}
