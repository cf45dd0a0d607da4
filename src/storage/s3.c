/*
 * S3 object store (`s3://bucket[/prefix]`), over the client of src/s3/.
 * Keys are stored as "<prefix>/<key>". Operations map one to one:
 * stat = HEAD, read_range = ranged GET, remove = DELETE, list =
 * ListObjectsV2 with all pages (start-after on the first, delimiter "/"
 * when grouped), reader = one streaming GET.
 *
 * Writers are icp_s3_upload objects (src/s3/s3_upload.c). An object
 * that fits one part (8 MiB by default) goes up with a single PUT at
 * commit; a larger one starts a multipart upload when the first part
 * fills, uploads each part as it fills, up to s3_upload_concurrency parts
 * at once on the upload's own threads (so at most that many + 1 parts in
 * memory), and completes at commit. Any failure, abort or free
 * without commit aborts the upload, so no parts are left behind (S3 keeps
 * unfinished uploads until aborted; a bucket lifecycle rule for
 * AbortIncompleteMultipartUpload covers crashes). Publication stays
 * atomic: S3 shows nothing under the key until the PUT or the complete
 * succeeds. if_absent sends "If-None-Match: *" (a 412 is
 * ICP_ERR_CONFLICT); servers that ignore the header (older MinIO/Ceph,
 * s3rver) overwrite instead, so commits that rely on it need a server
 * that honours conditional writes.
 */
#include "storage/storage_int.h"

#include <stdio.h>
#include <stdlib.h>

#define PART_DEFAULT (8u * 1024 * 1024)
#define PART_MIN (5u * 1024 * 1024)

typedef struct s3_state {
	icp_s3_client *c;
	char *bucket;
	char *prefix; /* "" or "dir/sub/" */
	size_t part_size;
	int upload_concurrency; /* parts in flight per writer */
} s3_state;

static void s3_close(void *state)
{
	s3_state *st = state;
	if (!st)
		return;
	icp_s3_client_free(st->c);
	icp_free(st->bucket);
	icp_free(st->prefix);
	icp_free(st);
}

static int s3_open_ex(const char *url, const icp_storage_opts *o, void **state,
                      icp_error *err)
{
	const char *b = url + strlen("s3://"), *slash = strchr(b, '/');
	size_t blen = slash ? (size_t)(slash - b) : strlen(b), plen;
	icp_storage_opts dflt;
	s3_state *st;
	int rc;

	*state = NULL;
	if (!o) {
		icp_storage_opts_init(&dflt);
		o = &dflt;
	}
	if (blen == 0)
		return icp_error_set(err, ICP_ERR_INVALID, "storage URL \"%s\" has no bucket", url);
	st = icp_calloc(1, sizeof(*st));
	if (!st)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	st->bucket = icp_strndup(b, blen);
	/* Prefix without leading or trailing slashes, then one '/' added. */
	b = slash ? slash : b + blen;
	while (*b == '/')
		b++;
	plen = strlen(b);
	while (plen > 0 && b[plen - 1] == '/')
		plen--;
	st->prefix = icp_calloc(1, plen + 2);
	if (!st->bucket || !st->prefix) {
		s3_close(st);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	memcpy(st->prefix, b, plen);
	if (plen)
		st->prefix[plen] = '/';
	st->part_size = o->s3_part_size ? o->s3_part_size : PART_DEFAULT;
	if (st->part_size < PART_MIN)
		st->part_size = PART_MIN;
	st->upload_concurrency = o->s3_upload_concurrency;
	rc = icp_s3_client_new(&o->s3, &st->c, err);
	if (rc) {
		icp_error_prefix(err, "storage %s", url);
		s3_close(st);
		return rc;
	}
	*state = st;
	return ICP_OK;
}

static int s3_open(const char *url, void **state, icp_error *err)
{
	return s3_open_ex(url, NULL, state, err);
}

/* prefix + key in a fresh string (NULL on NOMEM). */
static char *full_key(const s3_state *st, const char *key)
{
	size_t pl = strlen(st->prefix), kl = strlen(key);
	char *k = icp_malloc(pl + kl + 1);
	if (!k)
		return NULL;
	memcpy(k, st->prefix, pl);
	memcpy(k + pl, key, kl + 1);
	return k;
}

#define WITH_KEY(st, key, k, err)                                                  \
	char *k = full_key(st, key);                                                   \
	if (!k)                                                                        \
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory")

static int s3_stat(void *state, const char *key, uint64_t *size, icp_error *err)
{
	s3_state *st = state;
	int rc;
	WITH_KEY(st, key, k, err);
	rc = icp_s3_head(st->c, st->bucket, k, size, err);
	icp_free(k);
	return rc;
}

static int s3_read_range(void *state, const char *key, uint64_t off, size_t n, icp_buf *out,
                         icp_error *err)
{
	s3_state *st = state;
	char range[64];
	icp_error e;
	int rc;

	if (n == 0)
		return ICP_OK;
	WITH_KEY(st, key, k, err);
	snprintf(range, sizeof(range), "bytes=%llu-%llu", (unsigned long long)off,
	         (unsigned long long)(off + n - 1));
	icp_error_init(&e);
	rc = icp_s3_get(st->c, st->bucket, k, range, out, &e);
	/* A range starting at or past the end reads nothing (as locally). */
	if (rc == ICP_ERR_IO && strstr(e.msg, "HTTP 416"))
		rc = ICP_OK;
	else if (rc)
		icp_error_set(err, rc, "%s", e.msg);
	icp_free(k);
	return rc;
}

/* One GET of the whole object (no HEAD first: a request saved per
 * manifest, metadata file and LFS blob). */
static int s3_get(void *state, const char *key, icp_buf *out, icp_error *err)
{
	s3_state *st = state;
	int rc;
	WITH_KEY(st, key, k, err);
	rc = icp_s3_get(st->c, st->bucket, k, NULL, out, err);
	icp_free(k);
	return rc;
}

/* ----------------------------------------------------------------- list */

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const icp_storage_entry *)a)->key, ((const icp_storage_entry *)b)->key);
}

static int s3_list(void *state, const char *prefix, const char *start_after, int delimited,
                   icp_storage_listing *out, icp_error *err)
{
	s3_state *st = state;
	size_t pl = strlen(st->prefix), before = out->n;
	char *fp = full_key(st, prefix), *fsa = start_after ? full_key(st, start_after) : NULL;
	char *token = NULL;
	int rc = ICP_OK;

	if (!fp || (start_after && !fsa)) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		goto out;
	}
	do {
		icp_s3_list_page pg;
		size_t i;
		icp_s3_list_page_init(&pg);
		rc = icp_s3_list(st->c, st->bucket, fp, delimited ? "/" : NULL, token ? NULL : fsa,
		                 token, 0, &pg, err);
		for (i = 0; rc == ICP_OK && i < pg.n; i++) {
			const char *k = pg.items[i].key;
			if (strncmp(k, st->prefix, pl) != 0 || !k[pl])
				continue; /* not below the store root (or the root itself) */
			if (fsa && strcmp(k, fsa) <= 0)
				continue; /* a prefix entry equal to start_after */
			rc = icp_storage_list_add(out, k + pl, strlen(k + pl), pg.items[i].size,
			                          pg.items[i].is_prefix);
			if (rc)
				icp_error_set(err, rc, "out of memory");
			else
				out->items[out->n - 1].mtime_ms = pg.items[i].mtime_ms;
		}
		icp_free(token);
		token = NULL;
		if (rc == ICP_OK && pg.is_truncated) {
			token = pg.next_token;
			pg.next_token = NULL;
		}
		icp_s3_list_page_dispose(&pg);
	} while (rc == ICP_OK && token);
	/* Each page lists keys before common prefixes; sort into one order. */
	if (rc == ICP_OK && out->n > before)
		qsort(out->items + before, out->n - before, sizeof(*out->items), entry_cmp);
out:
	icp_free(token);
	icp_free(fp);
	icp_free(fsa);
	return rc;
}

static int s3_remove(void *state, const char *key, icp_error *err)
{
	s3_state *st = state;
	int rc;
	WITH_KEY(st, key, k, err);
	rc = icp_s3_delete(st->c, st->bucket, k, err);
	icp_free(k);
	return rc;
}

static int s3_url(void *state, const char *key, icp_buf *out)
{
	s3_state *st = state;
	icp_buf_printf(out, "s3://%s/%s%s", st->bucket, st->prefix, key);
	return out->status;
}

/* --------------------------------------------------------------- reader */

typedef struct s3_reader {
	icp_storage_reader base;
	s3_state *st;
	char *key; /* full key */
	icp_s3_stream *s;
} s3_reader;

static int reader_read(icp_storage_reader *r, uint8_t *buf, size_t n, size_t *got,
                       icp_error *err)
{
	s3_reader *sr = (s3_reader *)r;
	return icp_s3_stream_read(sr->s, buf, n, got, err);
}

static int reader_read_at(icp_storage_reader *r, uint64_t pos, uint8_t *buf, size_t n,
                          icp_error *err)
{
	s3_reader *sr = (s3_reader *)r;
	char range[64];
	icp_buf b;
	int rc;

	if (n == 0)
		return ICP_OK;
	snprintf(range, sizeof(range), "bytes=%llu-%llu", (unsigned long long)pos,
	         (unsigned long long)(pos + n - 1));
	icp_buf_init(&b, n);
	rc = icp_s3_get(sr->st->c, sr->st->bucket, sr->key, range, &b, err);
	if (rc == ICP_OK && b.len != n)
		rc = icp_error_set(err, ICP_ERR_IO, "s3 GET bucket \"%s\" key \"%s\": %zu bytes at %llu, "
		                   "wanted %zu", sr->st->bucket, sr->key, b.len,
		                   (unsigned long long)pos, n);
	if (rc == ICP_OK)
		memcpy(buf, b.data, n);
	icp_buf_dispose(&b);
	return rc;
}

static void reader_close(icp_storage_reader *r)
{
	s3_reader *sr = (s3_reader *)r;
	icp_s3_stream_close(sr->s);
	icp_free(sr->key);
	icp_free(sr);
}

static int s3_reader_open(void *state, const char *key, uint64_t start,
                          icp_storage_reader **out, icp_error *err)
{
	s3_state *st = state;
	s3_reader *sr;
	int rc;

	*out = NULL;
	sr = icp_calloc(1, sizeof(*sr));
	if (!sr || !(sr->key = full_key(st, key))) {
		icp_free(sr);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	sr->st = st;
	rc = icp_s3_stream_open(st->c, st->bucket, sr->key, start, &sr->s, err);
	if (rc) {
		reader_close(&sr->base);
		return rc;
	}
	sr->base.read = reader_read;
	sr->base.read_at = reader_read_at;
	sr->base.close = reader_close;
	sr->base.size = icp_s3_stream_size(sr->s);
	*out = &sr->base;
	return ICP_OK;
}

/* --------------------------------------------------------------- writer */

/* The writer is an icp_s3_upload (s3_upload.c): parts buffered and
 * uploaded by the upload's own threads. */
typedef struct s3_writer {
	icp_storage_writer base;
	icp_s3_upload *u;
} s3_writer;

static int writer_write(icp_storage_writer *wb, const void *p, size_t n, icp_error *err)
{
	s3_writer *w = (s3_writer *)wb;
	int rc = icp_s3_upload_write(w->u, p, n, err);
	w->base.written = icp_s3_upload_written(w->u);
	return rc;
}

static int writer_commit(icp_storage_writer *wb, icp_error *err)
{
	s3_writer *w = (s3_writer *)wb;
	int rc = icp_s3_upload_commit(w->u, err);
	icp_free(w);
	return rc;
}

static void writer_abort(icp_storage_writer *wb)
{
	s3_writer *w = (s3_writer *)wb;
	icp_s3_upload_abort(w->u);
	icp_free(w);
}

static int s3_writer_open(void *state, const char *key, int if_absent,
                          icp_storage_writer **out, icp_error *err)
{
	s3_state *st = state;
	s3_writer *w = icp_calloc(1, sizeof(*w));
	icp_s3_upload_opts uo;
	char *k = full_key(st, key);
	int rc;

	*out = NULL;
	if (!w || !k) {
		icp_free(w);
		icp_free(k);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	memset(&uo, 0, sizeof(uo));
	uo.part_size = st->part_size;
	uo.concurrency = st->upload_concurrency;
	uo.if_absent = if_absent;
	rc = icp_s3_upload_new(st->c, st->bucket, k, &uo, &w->u, err);
	icp_free(k);
	if (rc) {
		icp_free(w);
		return rc;
	}
	w->base.write = writer_write;
	w->base.commit = writer_commit;
	w->base.abort = writer_abort;
	*out = &w->base;
	return ICP_OK;
}

const icp_storage_vtable icp_storage_s3_vtable = {
	.scheme = "s3",
	.open = s3_open,
	.close = s3_close,
	.stat = s3_stat,
	.read_range = s3_read_range,
	.reader_open = s3_reader_open,
	.list = s3_list,
	.writer_open = s3_writer_open,
	.remove = s3_remove,
	.url = s3_url,
	.open_ex = s3_open_ex,
	.get = s3_get,
};
