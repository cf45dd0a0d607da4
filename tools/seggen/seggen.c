/*
 * icp-seggen: writes realistic KafScale segment datasets for the demo, the
 * benchmarks and tests/segwrite/it_segwrite.sh:
 *
 *   DIR/<ns>/<topic>/<partition>/segment-<20-digit base offset>.kfs/.index
 *
 * Each record is a JSON event whose shape depends on the topic (orders,
 * clicks, payments; other names get a generic event), with a key and a
 * couple of headers. Output is deterministic for a given --seed. Batches
 * hold between half and all of --batch-records records; segments roll once
 * they reach --segment-bytes. Values are formatted by hand (no printf per
 * field) so that 1 GiB segments take seconds.
 */
#include "codec/codec.h"
#include "core/core.h"
#include "segwrite/segwrite.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

typedef struct gen_opts {
	const char *out;
	const char *ns;
	const char *topics;
	int partitions;
	long long records;
	long long segment_bytes;
	const char *codec;
	long value_bytes;
	unsigned long long seed;
	int batch_records;
	int index_interval;
	int level;
	int control_every;
	int close_txn;       /* --close-transactions: a COMMIT ends each partition */
	long long step_ms;   /* --step-ms: mean ms between records (0: 24.5) */
	int quiet;
	icp_slice *vlines;   /* --value-json/--value-hex: record i's value is line i % n */
	size_t n_vlines;
	unsigned char *vnull; /* --value-hex: 1 for an empty line (a null value) */
} gen_opts;

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: icp-seggen --out DIR [--namespace NS] [--topics orders,clicks,payments]\n"
	        "                  [--partitions N] [--records-per-partition N]\n"
	        "                  [--segment-bytes N] [--codec mixed|none|gzip|snappy|lz4|zstd]\n"
	        "                  [--value-bytes N] [--seed S] [--batch-records N]\n"
	        "                  [--index-interval N] [--level N] [--control-every N]\n"
	        "                  [--value-json FILE | --value-hex FILE] [--close-transactions]\n"
	        "                  [--step-ms N] [--quiet]\n"
	        "Writes DIR/<ns>/<topic>/<partition>/segment-<base offset>.kfs and .index\n"
	        "with JSON event records. Sizes accept K, M and G suffixes (KiB, MiB, GiB).\n"
	        "--control-every N makes the batches transactional and writes a transaction\n"
	        "marker (3 COMMITs for 1 ABORT) after every N data batches; with\n"
	        "--close-transactions the last transaction of each partition ends with a\n"
	        "COMMIT (else it stays open).\n"
	        "--value-json FILE: record i of each partition gets line i %% lines of FILE\n"
	        "as its value (typed-column tests), instead of a generated event.\n"
	        "--value-hex FILE: the same with binary values, one hex string a line (e.g.\n"
	        "Confluent-framed values from tools/sr-produce.mjs); an empty line is a null\n"
	        "value (a tombstone). Record i gets line i %% lines.\n"
	        "--step-ms N: records are on average N ms apart (default about 25).\n");
}

/* ------------------------------------------------------------ random */

typedef struct rng {
	uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
	/* splitmix64: tiny, fast and good enough for test data */
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint32_t rng_below(rng *r, uint32_t n)
{
	return n ? (uint32_t)((rng_next(r) >> 32) * n >> 32) : 0;
}

/* ------------------------------------------------------------ appenders */

/* A fixed-capacity output line; callers size it for the largest value. */
typedef struct line {
	char *p;
	size_t len, cap;
} line;

static void put_s(line *l, const char *s, size_t n)
{
	if (n > l->cap - l->len)
		n = l->cap - l->len;
	memcpy(l->p + l->len, s, n);
	l->len += n;
}

#define PUT_LIT(l, s) put_s((l), (s), sizeof(s) - 1)

static void put_cstr(line *l, const char *s)
{
	put_s(l, s, strlen(s));
}

static void put_u64(line *l, uint64_t v)
{
	char tmp[20];
	size_t n = 0;
	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_s(l, tmp + sizeof(tmp) - n, n);
}

static void put_pad(line *l, uint64_t v, int width)
{
	char tmp[20];
	int i;
	for (i = width - 1; i >= 0; i--) {
		tmp[i] = (char)('0' + v % 10);
		v /= 10;
	}
	put_s(l, tmp, (size_t)width);
}

static void put_cents(line *l, uint64_t cents)
{
	put_u64(l, cents / 100);
	PUT_LIT(l, ".");
	put_pad(l, cents % 100, 2);
}

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm). */
static void civil(int64_t days, int *y, int *m, int *d)
{
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static void put_time(line *l, int64_t ms)
{
	int64_t secs = ms / 1000, days = secs / 86400, rem = secs % 86400;
	int y, m, d;
	civil(days, &y, &m, &d);
	PUT_LIT(l, "\"");
	put_pad(l, (uint64_t)y, 4);
	PUT_LIT(l, "-");
	put_pad(l, (uint64_t)m, 2);
	PUT_LIT(l, "-");
	put_pad(l, (uint64_t)d, 2);
	PUT_LIT(l, "T");
	put_pad(l, (uint64_t)(rem / 3600), 2);
	PUT_LIT(l, ":");
	put_pad(l, (uint64_t)(rem / 60 % 60), 2);
	PUT_LIT(l, ":");
	put_pad(l, (uint64_t)(rem % 60), 2);
	PUT_LIT(l, ".");
	put_pad(l, (uint64_t)(ms % 1000), 3);
	PUT_LIT(l, "Z\"");
}

static void put_hex(line *l, uint64_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];
	int i;
	for (i = digits - 1; i >= 0; i--) {
		tmp[i] = hex[v & 15];
		v >>= 4;
	}
	put_s(l, tmp, (size_t)digits);
}

/* ------------------------------------------------------------ events */

static const char *const STATUS[] = {"created", "paid", "shipped", "delivered",
                                     "cancelled", "refunded"};
static const char *const PAGES[] = {"/", "/products", "/products/42", "/cart",
                                    "/checkout", "/search?q=shoes", "/account"};
static const char *const REFS[] = {"google", "newsletter", "direct", "partner",
                                   "social"};
static const char *const METHODS[] = {"card", "paypal", "sepa", "apple_pay"};
static const char *const CURRENCIES[] = {"EUR", "USD", "GBP", "CHF"};
static const char *const WORDS[] = {"alpha", "bravo", "charlie", "delta", "echo",
                                    "foxtrot", "golf", "hotel", "india", "juliet",
                                    "kilo", "lima", "mike", "november", "oscar"};

#define PICK(r, a) ((a)[rng_below((r), (uint32_t)ICP_ARRAY_LEN(a))])

enum { T_ORDERS, T_CLICKS, T_PAYMENTS, T_OTHER };

static int topic_kind(const char *t)
{
	if (strcmp(t, "orders") == 0)
		return T_ORDERS;
	if (strcmp(t, "clicks") == 0)
		return T_CLICKS;
	if (strcmp(t, "payments") == 0)
		return T_PAYMENTS;
	return T_OTHER;
}

/* Formats one event value into v and its key into k. */
static void make_event(int kind, const char *topic, rng *r, uint64_t seq, int64_t ts,
                       long value_bytes, line *k, line *v)
{
	uint64_t cust = rng_below(r, 5000), order = seq * 7 + rng_below(r, 7);

	k->len = v->len = 0;
	switch (kind) {
	case T_ORDERS:
		PUT_LIT(k, "c-");
		put_u64(k, cust);
		PUT_LIT(v, "{\"order_id\":");
		put_u64(v, order);
		PUT_LIT(v, ",\"status\":\"");
		put_cstr(v, PICK(r, STATUS));
		PUT_LIT(v, "\",\"amount\":");
		put_cents(v, 100 + rng_below(r, 50000));
		PUT_LIT(v, ",\"customer\":\"c-");
		put_u64(v, cust);
		PUT_LIT(v, "\",\"items\":");
		put_u64(v, 1 + rng_below(r, 9));
		PUT_LIT(v, ",\"created_at\":");
		put_time(v, ts);
		break;
	case T_CLICKS:
		PUT_LIT(k, "u-");
		put_u64(k, cust);
		PUT_LIT(v, "{\"click_id\":");
		put_u64(v, seq);
		PUT_LIT(v, ",\"user\":\"u-");
		put_u64(v, cust);
		PUT_LIT(v, "\",\"page\":\"");
		put_cstr(v, PICK(r, PAGES));
		PUT_LIT(v, "\",\"referrer\":\"");
		put_cstr(v, PICK(r, REFS));
		PUT_LIT(v, "\",\"duration_ms\":");
		put_u64(v, rng_below(r, 60000));
		PUT_LIT(v, ",\"ts\":");
		put_time(v, ts);
		break;
	case T_PAYMENTS:
		PUT_LIT(k, "o-");
		put_u64(k, order);
		PUT_LIT(v, "{\"payment_id\":");
		put_u64(v, seq);
		PUT_LIT(v, ",\"order_id\":");
		put_u64(v, order);
		PUT_LIT(v, ",\"amount\":");
		put_cents(v, 100 + rng_below(r, 50000));
		PUT_LIT(v, ",\"currency\":\"");
		put_cstr(v, PICK(r, CURRENCIES));
		PUT_LIT(v, "\",\"method\":\"");
		put_cstr(v, PICK(r, METHODS));
		PUT_LIT(v, "\",\"paid\":");
		if (rng_below(r, 10))
			PUT_LIT(v, "true");
		else
			PUT_LIT(v, "false");
		PUT_LIT(v, ",\"created_at\":");
		put_time(v, ts);
		break;
	default:
		PUT_LIT(k, "k-");
		put_u64(k, cust);
		PUT_LIT(v, "{\"id\":");
		put_u64(v, seq);
		PUT_LIT(v, ",\"type\":\"");
		put_cstr(v, topic);
		PUT_LIT(v, "\",\"ts\":");
		put_time(v, ts);
		break;
	}
	if (value_bytes > 0 && (size_t)value_bytes > v->len + 12) {
		/* Pad to the requested size with words, so codecs see text. */
		size_t want = (size_t)value_bytes - 2; /* room for "\"}" */
		PUT_LIT(v, ",\"note\":\"");
		while (v->len < want) {
			const char *w = PICK(r, WORDS);
			size_t n = strlen(w);
			if (n > want - v->len)
				n = want - v->len;
			put_s(v, w, n);
			if (v->len < want)
				PUT_LIT(v, " ");
		}
		PUT_LIT(v, "\"");
	}
	PUT_LIT(v, "}");
}

/* ------------------------------------------------------------ output */

static int mkdirs(char *path)
{
	char *p;
	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(path, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static const icp_codec_id MIXED[] = {ICP_CODEC_NONE, ICP_CODEC_GZIP, ICP_CODEC_SNAPPY,
                                     ICP_CODEC_LZ4_FRAME, ICP_CODEC_ZSTD};

typedef struct totals {
	long long files, records, bytes;
} totals;

static int open_segment(const gen_opts *o, const char *dir, int64_t base,
                        icp_segwrite **w, icp_error *err)
{
	char kfs[4096], idx[4096];
	icp_segwrite_opts so;

	icp_segwrite_opts_init(&so);
	so.index_interval = o->index_interval;
	so.codec_level = o->level;
	so.created_ms = 1795514400000LL; /* fixed: 2026-11-24T10:00:00Z */
	so.producer_id = 1000 + (int64_t)(o->seed % 1000);
	so.producer_epoch = 0;
	so.transactional = o->control_every > 0;
	if (snprintf(kfs, sizeof(kfs), "%s/segment-%020lld.kfs", dir, (long long)base) >=
	            (int)sizeof(kfs) ||
	    snprintf(idx, sizeof(idx), "%s/segment-%020lld.index", dir, (long long)base) >=
	            (int)sizeof(idx))
		return icp_error_set(err, ICP_ERR_INVALID, "%s: path too long", dir);
	return icp_segwrite_new(kfs, idx, base, &so, w, err);
}

static int gen_partition(const gen_opts *o, const char *topic, int partition,
                         totals *tot, icp_error *err)
{
	char dir[4096];
	icp_segwrite *w = NULL;
	icp_segwrite_stats st;
	icp_segwrite_header hd[2];
	icp_segwrite_record rec;
	line k, v, trace;
	char kbuf[64], tbuf[32];
	size_t vcap = (size_t)(o->value_bytes > 0 ? o->value_bytes : 0) + 512;
	char *vbuf = icp_malloc(vcap);
	int kind = topic_kind(topic), rc = ICP_OK, in_batch = 0, batch_n = 0, nb = 0;
	icp_codec_id codec = ICP_CODEC_NONE;
	int64_t ts = 1795514400000LL + partition * 1000LL, next = 0;
	long long i;
	rng r;

	if (!vbuf)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	r.s = o->seed * 0x100000001B3ull ^ (uint64_t)partition * 0x9E3779B9ull;
	for (i = 0; topic[i]; i++)
		r.s = r.s * 131 + (unsigned char)topic[i];
	if ((o->ns && o->ns[0]
	         ? snprintf(dir, sizeof(dir), "%s/%s/%s/%d", o->out, o->ns, topic, partition)
	         : snprintf(dir, sizeof(dir), "%s/%s/%d", o->out, topic, partition)) >=
	    (int)sizeof(dir)) {
		rc = icp_error_set(err, ICP_ERR_INVALID, "output path too long");
		goto out;
	}
	if (mkdirs(dir) != 0) {
		rc = icp_error_set(err, ICP_ERR_IO, "%s: cannot create: %s", dir, strerror(errno));
		goto out;
	}
	k.p = kbuf, k.len = 0, k.cap = sizeof(kbuf);
	v.p = vbuf, v.len = 0, v.cap = vcap;
	trace.p = tbuf, trace.len = 0, trace.cap = sizeof(tbuf);
	hd[0].key = icp_slice_cstr("source");
	hd[0].value = icp_slice_cstr("icp-seggen");
	hd[0].value_null = 0;
	hd[1].key = icp_slice_cstr("trace-id");
	hd[1].value_null = 0;
	memset(&rec, 0, sizeof(rec));
	rec.offset = -1;
	rec.headers = hd;
	for (i = 0; i < o->records; i++) {
		if (!w && (rc = open_segment(o, dir, next, &w, err)) != ICP_OK)
			goto out;
		if (!in_batch) {
			uint32_t lo = (uint32_t)(o->batch_records + 1) / 2;
			batch_n = (int)(lo + rng_below(&r, (uint32_t)o->batch_records - lo + 1));
			if (strcmp(o->codec, "mixed") == 0)
				codec = MIXED[rng_below(&r, (uint32_t)ICP_ARRAY_LEN(MIXED))];
			in_batch = 1;
		}
		/* records a few ms apart by default; --step-ms spreads them
		 * over hours or days (time-partitioned demos and tests) */
		ts += o->step_ms ? (int64_t)rng_below(&r, (uint32_t)(2 * o->step_ms))
		                 : (int64_t)rng_below(&r, 50);
		make_event(kind, topic, &r, (uint64_t)i, ts, o->value_bytes, &k, &v);
		trace.len = 0;
		put_hex(&trace, rng_next(&r), 16);
		hd[1].value = icp_slice_make(trace.p, trace.len);
		rec.key = icp_slice_make(k.p, k.len);
		rec.value = icp_slice_make(v.p, v.len);
		if (o->n_vlines)
			rec.value = o->vlines[i % (long long)o->n_vlines];
		rec.value_null = o->vnull ? o->vnull[i % (long long)o->n_vlines] : 0;
		rec.timestamp_ms = ts;
		/* Every 50th record: no trace header; every 97th: a null key. */
		rec.n_headers = i % 50 == 49 ? 1 : 2;
		rec.key_null = i % 97 == 96;
		if ((rc = icp_segwrite_add_record(w, &rec, err)) != ICP_OK)
			goto out;
		if (--batch_n > 0 && i + 1 < o->records)
			continue;
		in_batch = 0;
		if (strcmp(o->codec, "mixed") != 0 && icp_codec_parse(o->codec, &codec) != ICP_OK)
			codec = ICP_CODEC_NONE;
		if ((rc = icp_segwrite_flush_batch(w, codec, err)) != ICP_OK)
			goto out;
		if (o->control_every > 0 && ++nb % o->control_every == 0 &&
		    (rc = icp_segwrite_add_control(w, rng_below(&r, 4) != 0,
		                                   1000 + (int64_t)(o->seed % 1000), 0, ts,
		                                   err)) != ICP_OK)
			goto out;
		if (o->control_every > 0 && o->close_txn && i + 1 == o->records &&
		    nb % o->control_every != 0 &&
		    (rc = icp_segwrite_add_control(w, 1, 1000 + (int64_t)(o->seed % 1000), 0, ts,
		                                   err)) != ICP_OK)
			goto out;
		icp_segwrite_get_stats(w, &st);
		if ((long long)st.bytes >= o->segment_bytes || i + 1 == o->records) {
			if ((rc = icp_segwrite_finish(w, err)) != ICP_OK)
				goto out;
			tot->files++;
			tot->bytes += (long long)st.bytes + 16;
			next = st.next_offset;
			icp_segwrite_free(w);
			w = NULL;
		}
	}
	tot->records += o->records;
out:
	icp_segwrite_free(w);
	icp_free(vbuf);
	return rc;
}

/* ------------------------------------------------------------ main */

/* Loads FILE's non-empty lines for --value-json (kept for the run). */
static int load_lines(const char *path, gen_opts *o, char **text)
{
	FILE *f = fopen(path, "rb");
	icp_buf b;
	char chunk[65536];
	size_t n, i, start = 0;

	if (!f)
		return -1;
	icp_buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		icp_buf_append(&b, chunk, n);
	fclose(f);
	icp_buf_append_byte(&b, '\n');
	if (b.status)
		return -1;
	o->vlines = icp_calloc(b.len, sizeof(icp_slice));
	if (!o->vlines)
		return -1;
	for (i = 0; i < b.len; i++)
		if (b.data[i] == '\n') {
			if (i > start)
				o->vlines[o->n_vlines++] = icp_slice_make(b.data + start, i - start);
			start = i + 1;
		}
	*text = (char *)icp_buf_detach(&b, &n);
	return o->n_vlines ? 0 : -1;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Loads FILE's lines for --value-hex, every line (an empty one is a null
 * value; a final newline ends the last line), decoded in place. */
static int load_hex_lines(const char *path, gen_opts *o, char **text)
{
	FILE *f = fopen(path, "rb");
	icp_buf b;
	char chunk[65536];
	size_t n, i, start = 0, k;
	uint8_t *d;

	if (!f)
		return -1;
	icp_buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		icp_buf_append(&b, chunk, n);
	fclose(f);
	if (b.len == 0) {
		icp_buf_dispose(&b);
		return -1;
	}
	if (b.data[b.len - 1] != '\n')
		icp_buf_append_byte(&b, '\n');
	if (b.status)
		return -1;
	o->vlines = icp_calloc(b.len, sizeof(icp_slice));
	o->vnull = icp_calloc(b.len, 1);
	if (!o->vlines || !o->vnull) {
		icp_buf_dispose(&b);
		return -1;
	}
	d = b.data;
	for (i = 0; i < b.len; i++) {
		if (b.data[i] != '\n')
			continue;
		n = i > start && b.data[i - 1] == '\r' ? i - 1 - start : i - start;
		if (n % 2) {
			fprintf(stderr, "icp-seggen: %s: line %zu: odd number of hex digits\n", path,
			        o->n_vlines + 1);
			icp_buf_dispose(&b);
			return -1;
		}
		/* decode over the text itself: the bytes are half as long */
		for (k = 0; k < n; k += 2) {
			int hi = hexval(b.data[start + k]), lo = hexval(b.data[start + k + 1]);
			if (hi < 0 || lo < 0) {
				fprintf(stderr, "icp-seggen: %s: line %zu: not hex\n", path,
				        o->n_vlines + 1);
				icp_buf_dispose(&b);
				return -1;
			}
			d[start + k / 2] = (uint8_t)(hi << 4 | lo);
		}
		o->vnull[o->n_vlines] = n == 0;
		o->vlines[o->n_vlines++] = icp_slice_make(d + start, n / 2);
		start = i + 1;
	}
	*text = (char *)icp_buf_detach(&b, &n);
	return 0;
}

static int parse_size(const char *s, long long *out)
{
	char *end;
	long long v;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || v < 0)
		return -1;
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	else if (*end == 'G' || *end == 'g')
		v <<= 30, end++;
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	if (*end)
		return -1;
	*out = v;
	return 0;
}

/* Accepts --name V and --name=V; returns 1 on a match. */
static int opt(int argc, char **argv, int *i, const char *name, const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, n) != 0)
		return 0;
	if (a[2 + n] == '=') {
		*val = a + 3 + n;
		(*i)++;
		return 1;
	}
	if (a[2 + n] != 0)
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[*i + 1];
	*i += 2;
	return 1;
}

int main(int argc, char **argv)
{
	gen_opts o;
	totals tot = {0, 0, 0};
	icp_error err;
	char *topics = NULL, *t, *save = NULL, *vtext = NULL;
	const char *v;
	long long n;
	int i = 1, rc = 0, m, p;
	uint64_t t0;

	memset(&o, 0, sizeof(o));
	o.topics = "orders,clicks,payments";
	o.partitions = 1;
	o.records = 1000;
	o.segment_bytes = 10LL << 20;
	o.codec = "mixed";
	o.seed = 1;
	o.batch_records = 500;
	o.index_interval = 100;
	while (i < argc) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--close-transactions") == 0) {
			o.close_txn = 1, i++;
			continue;
		}
		if (strcmp(argv[i], "--quiet") == 0) {
			o.quiet = 1, i++;
			continue;
		}
#define NUM(name, field, lo, hi)                                                   \
	if ((m = opt(argc, argv, &i, name, &v)) != 0) {                            \
		if (m < 0 || parse_size(v, &n) != 0 || n < (lo) || n > (hi))        \
			goto bad;                                                  \
		field = n;                                                         \
		continue;                                                          \
	}
		NUM("partitions", o.partitions, 1, 100000)
		NUM("records-per-partition", o.records, 0, 1LL << 40)
		NUM("segment-bytes", o.segment_bytes, 1, 2LL << 30)
		NUM("value-bytes", o.value_bytes, 0, 16LL << 20)
		NUM("seed", o.seed, 0, 1LL << 62)
		NUM("batch-records", o.batch_records, 1, 1000000)
		NUM("index-interval", o.index_interval, 1, 1 << 30)
		NUM("level", o.level, -7, 22)
		NUM("control-every", o.control_every, 0, 1000000)
		NUM("step-ms", o.step_ms, 0, 1000000000)
#undef NUM
		if ((m = opt(argc, argv, &i, "out", &v)) != 0) {
			if (m < 0)
				goto bad;
			o.out = v;
			continue;
		}
		if ((m = opt(argc, argv, &i, "value-json", &v)) != 0) {
			if (m < 0 || o.n_vlines)
				goto bad;
			if (load_lines(v, &o, &vtext) != 0) {
				fprintf(stderr, "icp-seggen: cannot read lines of \"%s\"\n", v);
				return 1;
			}
			continue;
		}
		if ((m = opt(argc, argv, &i, "value-hex", &v)) != 0) {
			if (m < 0 || o.n_vlines)
				goto bad;
			if (load_hex_lines(v, &o, &vtext) != 0) {
				fprintf(stderr, "icp-seggen: cannot read hex lines of \"%s\"\n", v);
				return 1;
			}
			continue;
		}
		if ((m = opt(argc, argv, &i, "namespace", &v)) != 0) {
			if (m < 0)
				goto bad;
			o.ns = v;
			continue;
		}
		if ((m = opt(argc, argv, &i, "topics", &v)) != 0) {
			if (m < 0)
				goto bad;
			o.topics = v;
			continue;
		}
		if ((m = opt(argc, argv, &i, "codec", &v)) != 0) {
			icp_codec_id id;
			if (m < 0)
				goto bad;
			if (strcmp(v, "mixed") != 0 &&
			    (icp_codec_parse(v, &id) != ICP_OK || id == ICP_CODEC_LZ4_RAW)) {
				fprintf(stderr, "icp-seggen: unknown codec \"%s\"\n", v);
				return 1;
			}
			o.codec = v;
			continue;
		}
		goto bad;
	}
	if (!o.out)
		goto bad;
	t0 = icp_mono_ns();
	topics = icp_strdup(o.topics);
	if (!topics)
		return 3;
	icp_error_init(&err);
	for (t = strtok_r(topics, ",", &save); t && rc == 0; t = strtok_r(NULL, ",", &save)) {
		for (p = 0; p < o.partitions; p++) {
			if (gen_partition(&o, t, p, &tot, &err) != ICP_OK) {
				fprintf(stderr, "icp-seggen: %s\n", err.msg);
				rc = 3;
				break;
			}
		}
	}
	icp_free(topics);
	icp_free(o.vlines);
	icp_free(o.vnull);
	icp_free(vtext);
	if (rc == 0 && !o.quiet)
		fprintf(stderr, "icp-seggen: %lld records in %lld segments, %lld bytes, %.2f s\n",
		        tot.records, tot.files, tot.bytes,
		        (double)(icp_mono_ns() - t0) / 1e9);
	return rc;
bad:
	usage(stderr);
	return 1;
}
