/*
 * storage: one object-store interface for segments (read side) and for the
 * Iceberg warehouse (write side). Backends are tables of function pointers
 * (icp_storage_vtable): local (`file://`) and S3 (`s3://`).
 *
 * Addressing: a store is opened from a URL prefix ("file:///abs/dir",
 * "file://./rel/dir" relative to the working directory, "s3://bucket[/prefix]"
 * (storage/s3.c; settings through icp_storage_open_ex)).
 * Keys are '/'-separated paths below that root; they never start with '/'
 * and never contain "." or ".." segments (rejected: ICP_ERR_INVALID).
 *
 * Invariants:
 * - Publication is atomic: an object becomes visible whole or not at all
 *   (local: write to a temp name in the same directory, fsync, rename).
 *   A failed or abandoned writer leaves nothing visible under the key.
 * - put_if_absent() fails with ICP_ERR_CONFLICT when the key exists (link(2)
 *   locally), which the SQL-less metadata commits rely on.
 * - Listing returns keys in lexical order, which for KafScale segment names
 *   (20-digit zero-padded offsets) is offset order.
 * Errors name the URL of the object and the operation.
 */
#ifndef ICP_STORAGE_H
#define ICP_STORAGE_H

#include "core/core.h"
#include "s3/s3.h"

typedef struct icp_storage icp_storage;

/* An object being written: bytes are appended with _write and published at
 * _commit; _abort (or freeing without commit) discards them. */
typedef struct icp_storage_writer icp_storage_writer;

/* An object being read sequentially. */
typedef struct icp_storage_reader icp_storage_reader;

typedef struct icp_storage_entry {
	char *key;       /* full key below the store root */
	uint64_t size;
	int is_prefix;   /* a "directory" when listed with a delimiter */
	/* last modified, ms since the epoch; 0: unknown (prefixes, a store
	 * or server that does not say) */
	int64_t mtime_ms;
} icp_storage_entry;

typedef struct icp_storage_listing {
	icp_storage_entry *items;
	size_t n;
	size_t cap;
} icp_storage_listing;

struct icp_storage_opts;

typedef struct icp_storage_vtable {
	const char *scheme;
	int (*open)(const char *url, void **state, icp_error *err);
	void (*close)(void *state);
	int (*stat)(void *state, const char *key, uint64_t *size, icp_error *err);
	int (*read_range)(void *state, const char *key, uint64_t off, size_t n,
	                  icp_buf *out, icp_error *err);
	int (*reader_open)(void *state, const char *key, uint64_t start,
	                   icp_storage_reader **out, icp_error *err);
	int (*list)(void *state, const char *prefix, const char *start_after,
	            int delimited, icp_storage_listing *out, icp_error *err);
	int (*writer_open)(void *state, const char *key, int if_absent,
	                   icp_storage_writer **out, icp_error *err);
	int (*remove)(void *state, const char *key, icp_error *err);
	/* Location URL of a key (for Iceberg metadata: "file:///...") */
	int (*url)(void *state, const char *key, icp_buf *out);
	/* Open with options (may be NULL: open() is used, options ignored). */
	int (*open_ex)(const char *url, const struct icp_storage_opts *o, void **state,
	               icp_error *err);
	/* Whole object into out (bounded by out->max: ICP_ERR_TOO_LARGE) in
	 * one request; NULL: stat + read_range. */
	int (*get)(void *state, const char *key, icp_buf *out, icp_error *err);
} icp_storage_vtable;

struct icp_storage_reader {
	int (*read)(icp_storage_reader *r, uint8_t *buf, size_t n, size_t *got,
	            icp_error *err);
	int (*read_at)(icp_storage_reader *r, uint64_t pos, uint8_t *buf, size_t n,
	               icp_error *err); /* may be NULL */
	void (*close)(icp_storage_reader *r);
	uint64_t size;
};

struct icp_storage_writer {
	int (*write)(icp_storage_writer *w, const void *p, size_t n, icp_error *err);
	int (*commit)(icp_storage_writer *w, icp_error *err);
	void (*abort)(icp_storage_writer *w);
	uint64_t written;
};

/* Settings of the remote backends (ignored by file://). Caller-owned;
 * strings are copied at open; s3.on_request_ctx and s3.env->ctx must
 * outlive the store. */
typedef struct icp_storage_opts {
	/* s3://bucket[/prefix]: endpoint, region, path_style, ca_bundle,
	 * timeouts, max_retries, optional static credentials (else the default
	 * chain), and on_request/on_request_ctx: called for every HTTP request
	 * (metrics "s3 requests by operation and status"). */
	icp_s3_client_opts s3;
	/* Multipart part size of writers; 0: 8 MiB; raised to S3's minimum
	 * of 5 MiB. */
	size_t s3_part_size;
	/* Parts of one writer uploaded at once, each on its own thread and
	 * connection; a writer holds at most this + 1 parts in memory. 0: 4
	 * (ICP_S3_UPLOAD_CONCURRENCY_DEFAULT); 1: no thread, parts go up in
	 * the writer's thread one after another. */
	int s3_upload_concurrency;
} icp_storage_opts;

/* Defaults: AWS endpoint, virtual-host addressing, default chain. */
void icp_storage_opts_init(icp_storage_opts *o);

/* Opens the store for a URL. Returns ICP_ERR_INVALID for an unknown scheme
 * or a malformed URL, ICP_ERR_IO when the root cannot be used. */
int icp_storage_open(const char *url, icp_storage **out, icp_error *err);
/* The same with backend options (o NULL: defaults). */
int icp_storage_open_ex(const char *url, const icp_storage_opts *o, icp_storage **out,
                        icp_error *err);
void icp_storage_free(icp_storage *s);
/* The backend table for a scheme ("file", later "s3"), or NULL. */
const icp_storage_vtable *icp_storage_backend(const char *scheme);
/* The root URL the store was opened with. */
const char *icp_storage_root(const icp_storage *s);

int icp_storage_stat(icp_storage *s, const char *key, uint64_t *size, icp_error *err);
/* Appends bytes [off, off+n) of the object to out (fewer at its end). */
int icp_storage_read_range(icp_storage *s, const char *key, uint64_t off, size_t n,
                           icp_buf *out, icp_error *err);
/* Appends the whole object to out (bounded by out->max: TOO_LARGE). */
int icp_storage_get(icp_storage *s, const char *key, icp_buf *out, icp_error *err);
int icp_storage_reader_open(icp_storage *s, const char *key, uint64_t start,
                            icp_storage_reader **out, icp_error *err);
void icp_storage_reader_close(icp_storage_reader *r);

/* A read-ahead reader of bytes [start, size) of key (size: the object's,
 * from a listing): consecutive chunks of `chunk` bytes, each one ranged
 * read on a fetch thread of the reader, up to `depth` in flight (memory:
 * depth * chunk), delivered in order by read(). For remote stores, where
 * one streaming GET is bound by one connection's latency and bandwidth.
 * The store must outlive the reader and allow concurrent read_range
 * (local and S3 do). Close with icp_storage_reader_close. */
int icp_storage_prefetch_open(icp_storage *s, const char *key, uint64_t start, uint64_t size,
                              size_t depth, size_t chunk, icp_storage_reader **out,
                              icp_error *err);

/* Lists keys under prefix after start_after (NULL: from the start), in
 * lexical order. With delimited, keys are grouped at the next '/' after the
 * prefix into is_prefix entries. Appends to out; free with _list_dispose. */
int icp_storage_list(icp_storage *s, const char *prefix, const char *start_after,
                     int delimited, icp_storage_listing *out, icp_error *err);
void icp_storage_list_dispose(icp_storage_listing *l);

int icp_storage_writer_open(icp_storage *s, const char *key, int if_absent,
                            icp_storage_writer **out, icp_error *err);
int icp_storage_writer_write(icp_storage_writer *w, const void *p, size_t n,
                             icp_error *err);
/* Publishes the object; the writer is freed whatever the outcome. With
 * if_absent, ICP_ERR_CONFLICT when the key appeared meanwhile. */
int icp_storage_writer_commit(icp_storage_writer *w, icp_error *err);
/* Discards the object and frees the writer (NULL is a no-op). */
void icp_storage_writer_abort(icp_storage_writer *w);

/* Whole-object put (atomic). */
int icp_storage_put(icp_storage *s, const char *key, icp_slice data, int if_absent,
                    icp_error *err);
int icp_storage_remove(icp_storage *s, const char *key, icp_error *err);
/* URL of a key inside this store. */
int icp_storage_url(icp_storage *s, const char *key, icp_buf *out);

/* The key of a URL that lies under the store's root. For file:// stores
 * the root is compared in its resolved absolute form (what icp_storage_url
 * produces) and as opened; "file:/abs" (Java's form) counts as
 * "file:///abs". On ICP_OK *key points into url. ICP_ERR_INVALID when the
 * URL is outside the store or names the root itself (the caller names the
 * URL in its error), ICP_ERR_NOMEM. */
int icp_storage_key_of_url(const icp_storage *s, const char *url, const char **key);

/* Checks a key: non-empty, relative, no "." or ".." segments, no NUL,
 * no "//". Returns ICP_OK or ICP_ERR_INVALID with err naming the key. */
int icp_storage_key_check(const char *key, icp_error *err);

#endif
