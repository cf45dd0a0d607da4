/*
 * core: the few types every module of iceberg-processor shares.
 *
 * - Status codes (icp_status) and the error object (icp_error). A function
 *   that can fail returns an icp_status and, on failure, writes what went
 *   wrong and where into the icp_error passed down to it. The detail is
 *   written once, at the point of failure: callers higher up may add nothing
 *   or prefix context with icp_error_prefix(), but never replace it
 *   (icp_error_set() is a no-op on an error that is already set).
 * - The allocator (icp_malloc and friends). Every allocation of the project
 *   goes through it, which gives a live-bytes gauge for /metrics and lets
 *   tests fail the Nth allocation. It is the only global mutable state
 *   besides metrics; it is thread-safe.
 * - icp_slice: a borrowed {ptr,len} view. Never freed by whoever holds it.
 * - icp_buf: one bounded growable byte buffer. It has a maximum size given
 *   at init and a sticky error: appends past the maximum or failed
 *   allocations set buf->status and turn later appends into no-ops, so an
 *   encoder checks once at the end.
 * - icp_arena: bump allocator for batch lifetimes, freed (or reset) at once.
 *   With ICP_ARENA_DEBUG defined every allocation is separate so ASan sees
 *   overruns.
 * - Overflow-checked size arithmetic and big-endian loads.
 */
#ifndef ICP_CORE_H
#define ICP_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------------ status */

typedef enum icp_status {
	ICP_OK = 0,
	ICP_ERR_INVALID = -1,   /* bad argument, bad config, usage */
	ICP_ERR_CORRUPT = -2,   /* untrusted input is malformed */
	ICP_ERR_TOO_LARGE = -3, /* a size limit was hit */
	ICP_ERR_NOMEM = -4,     /* allocation failed */
	ICP_ERR_IO = -5,        /* local or remote I/O failed */
	ICP_ERR_NOT_FOUND = -6, /* object, key or table does not exist */
	ICP_ERR_CONFLICT = -7,  /* optimistic concurrency lost (CAS, 409) */
	ICP_ERR_RETRYABLE = -8, /* transient remote failure: try again */
	ICP_ERR_UNKNOWN = -9,   /* outcome of a remote mutation is unknown */
	ICP_ERR_UNSUPPORTED = -10,
	ICP_END = 1             /* iteration finished (not an error) */
} icp_status;

/* Short stable name of a status ("corrupt", "io", ...). */
const char *icp_status_name(int status);

/* ------------------------------------------------------------------ error */

#define ICP_ERROR_MSG_MAX 1024

typedef struct icp_error {
	int status;                   /* ICP_OK while unset */
	char msg[ICP_ERROR_MSG_MAX];  /* "what: where ..." human detail */
} icp_error;

void icp_error_init(icp_error *err);
/* Sets status and message unless err is NULL or already set. Returns status
 * so that `return icp_error_set(err, ICP_ERR_CORRUPT, "...")` reads well. */
int icp_error_set(icp_error *err, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int icp_error_setv(icp_error *err, int status, const char *fmt, va_list ap);
/* Prepends "context: " to a set error (adds where, keeps what). */
void icp_error_prefix(icp_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void icp_error_clear(icp_error *err);

/* --------------------------------------------------------------- allocator */

void *icp_malloc(size_t n);
void *icp_calloc(size_t count, size_t size);
void *icp_realloc(void *p, size_t n);
void icp_free(void *p);
char *icp_strdup(const char *s);
char *icp_strndup(const char *s, size_t n);
/* Bytes currently allocated through icp_* (approximate; for gauges). */
size_t icp_alloc_live_bytes(void);
/* Test hook: make the nth allocation from now fail (0 disables). */
void icp_alloc_fail_after(long n);

/* -------------------------------------------------------------- size math */

/* Return 0 and store the result, or -1 on overflow. */
static inline int icp_add_size(size_t a, size_t b, size_t *out)
{
	return __builtin_add_overflow(a, b, out) ? -1 : 0;
}
static inline int icp_mul_size(size_t a, size_t b, size_t *out)
{
	return __builtin_mul_overflow(a, b, out) ? -1 : 0;
}

/* ------------------------------------------------------------- byte order */

static inline uint16_t icp_load_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}
static inline uint32_t icp_load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t icp_load_be64(const uint8_t *p)
{
	return (uint64_t)icp_load_be32(p) << 32 | icp_load_be32(p + 4);
}
static inline void icp_store_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void icp_store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}
static inline void icp_store_be64(uint8_t *p, uint64_t v)
{
	icp_store_be32(p, (uint32_t)(v >> 32));
	icp_store_be32(p + 4, (uint32_t)v);
}
static inline uint32_t icp_load_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}
static inline uint64_t icp_load_le64(const uint8_t *p)
{
	return (uint64_t)icp_load_le32(p + 4) << 32 | icp_load_le32(p);
}

/* ------------------------------------------------------------------ slice */

/* A borrowed view. ptr may be NULL only when len is 0. */
typedef struct icp_slice {
	const uint8_t *ptr;
	size_t len;
} icp_slice;

static inline icp_slice icp_slice_make(const void *p, size_t n)
{
	icp_slice s = {(const uint8_t *)p, n};
	return s;
}
static inline icp_slice icp_slice_cstr(const char *s)
{
	return icp_slice_make(s, s ? strlen(s) : 0);
}
static inline int icp_slice_eq(icp_slice a, icp_slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* -------------------------------------------------------------------- buf */

typedef struct icp_buf {
	uint8_t *data;  /* owned; NUL-terminated when len < cap */
	size_t len;
	size_t cap;
	size_t max;     /* hard limit on len */
	int status;     /* sticky: ICP_OK, ICP_ERR_TOO_LARGE or ICP_ERR_NOMEM */
} icp_buf;

#define ICP_BUF_UNLIMITED ((size_t)-1 / 2)

/* Caller-owned struct; _dispose frees data. */
void icp_buf_init(icp_buf *b, size_t max);
void icp_buf_dispose(icp_buf *b);
/* Keeps the allocation, forgets the content and a sticky error. */
void icp_buf_reset(icp_buf *b);
/* Make room for n more bytes; returns ICP_OK or the sticky status. */
int icp_buf_reserve(icp_buf *b, size_t n);
int icp_buf_append(icp_buf *b, const void *p, size_t n);
int icp_buf_append_byte(icp_buf *b, uint8_t c);
int icp_buf_append_str(icp_buf *b, const char *s);
int icp_buf_printf(icp_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Hands the data to the caller (free with icp_free) and empties b. */
uint8_t *icp_buf_detach(icp_buf *b, size_t *len);
/* Append standard base64 (RFC 4648 with padding). */
int icp_buf_append_base64(icp_buf *b, const uint8_t *p, size_t n);
/* Strict standard base64 to bytes: length a multiple of 4, '=' only as
 * padding at the end, the unused bits before it zero (so one byte string
 * has one encoding). out needs n / 4 * 3 bytes; *out_len gets the count.
 * ICP_ERR_CORRUPT with *bad_at = the offending position otherwise. */
int icp_base64_decode(const uint8_t *s, size_t n, uint8_t *out, size_t *out_len,
                      size_t *bad_at);
/* Append a JSON string literal (quotes included), escaping exactly what
 * JSON requires: '"', '\\', and control characters (\b \t \n \f \r, others
 * as \u00xx). Other bytes are copied as they are. */
int icp_buf_append_json_str(icp_buf *b, const uint8_t *p, size_t n);
int icp_buf_append_i64(icp_buf *b, int64_t v);

/* Fast unchecked append when the caller reserved room already. */
static inline void icp_buf_put(icp_buf *b, const void *p, size_t n)
{
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

/* ------------------------------------------------------------------ arena */

typedef struct icp_arena icp_arena;

/* chunk_size: bytes per chunk (0 = 64 KiB). Frees with _free. */
icp_arena *icp_arena_new(size_t chunk_size);
void icp_arena_free(icp_arena *a);
/* Aligned to 16; NULL on failure. Lives until reset or free. */
void *icp_arena_alloc(icp_arena *a, size_t n);
void *icp_arena_memdup(icp_arena *a, const void *p, size_t n);
char *icp_arena_strdup(icp_arena *a, const char *s);
/* Drops all allocations; keeps one chunk for reuse. */
void icp_arena_reset(icp_arena *a);
size_t icp_arena_bytes(const icp_arena *a);

/* ------------------------------------------------------------------ utf8 */

/* Writes the UTF-8 form of code point cp (<= U+10FFFF); returns 1..4. */
size_t icp_utf8_encode(uint32_t cp, uint8_t out[4]);
/* 1 when p[0..n) is strict UTF-8 (no overlongs, surrogates, > U+10FFFF). */
int icp_utf8_valid(const uint8_t *p, size_t n);

/* ------------------------------------------------------------------ misc */

/* Milliseconds since the epoch (wall clock) and a monotonic clock in ns. */
int64_t icp_now_ms(void);
/* Fills p with n bytes from the kernel's CSPRNG (getrandom, else
 * /dev/urandom, else a clock-seeded mix: callers need unique ids, jitter
 * and temp names, never secrets). Never fails. */
void icp_random_bytes(void *p, size_t n);
uint64_t icp_mono_ns(void);

#define ICP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define ICP_UNUSED(x) ((void)(x))

#endif
