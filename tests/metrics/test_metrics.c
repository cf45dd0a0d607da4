/* Tests for src/metrics: exact exposition text, escaping, histogram
 * buckets, declaration rules, the contract's families and concurrent
 * updates. */
#include <math.h>
#include <pthread.h>

#include "metrics/metrics.h"
#include "test.h"

/* Exposes r into a NUL-terminated string (icp_free it). */
static char *expose(icp_metrics_registry *r)
{
	icp_buf b;
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_metrics_expose(r, &b), ICP_OK);
	icp_buf_append_byte(&b, 0);
	return (char *)icp_buf_detach(&b, NULL);
}

static icp_metrics_registry *reg_new(void)
{
	icp_metrics_registry *r = NULL;
	icp_error err;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_metrics_registry_new(&r, &err), ICP_OK);
	return r;
}

static void test_exposition_exact(void)
{
	static const double bounds[] = {0.5, 1, 2.5};
	icp_metrics_registry *r = reg_new();
	icp_metrics_family *fc = NULL, *fg = NULL, *fh = NULL;
	icp_metrics_desc dc = {ICP_METRICS_COUNTER, "app_records_total", "Records seen.",
	                       {"topic", "result"}, NULL, 0};
	icp_metrics_desc dg = {ICP_METRICS_GAUGE, "app_temperature", "Degrees.", {NULL}, NULL, 0};
	icp_metrics_desc dh = {ICP_METRICS_HISTOGRAM, "app_latency_seconds", "Latency.",
	                       {"topic"}, bounds, 3};
	icp_metrics_desc de = {ICP_METRICS_COUNTER, "app_unused_total", "Never used.",
	                       {"x"}, NULL, 0};
	icp_error err;
	char *text;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_metrics_declare(r, &dc, &fc, &err), ICP_OK);
	CHECK_EQ_INT(icp_metrics_declare(r, &dg, &fg, &err), ICP_OK);
	CHECK_EQ_INT(icp_metrics_declare(r, &dh, &fh, &err), ICP_OK);
	CHECK_EQ_INT(icp_metrics_declare(r, &de, NULL, &err), ICP_OK);

	icp_metrics_counter_add(icp_metrics_counter_get(fc, ICP_METRICS_VALUES("orders", "written"), NULL), 41);
	icp_metrics_counter_inc(icp_metrics_counter_get(fc, ICP_METRICS_VALUES("orders", "written"), NULL));
	icp_metrics_counter_inc(icp_metrics_counter_get(fc, ICP_METRICS_VALUES("orders", "dropped"), NULL));
	icp_metrics_gauge_set(icp_metrics_gauge_get(fg, NULL, 0, NULL), -1.5);
	icp_metrics_histogram *h = icp_metrics_histogram_get(fh, ICP_METRICS_VALUES("a"), NULL);
	icp_metrics_histogram_observe(h, 0.25);
	icp_metrics_histogram_observe(h, 0.5);
	icp_metrics_histogram_observe(h, 2);
	icp_metrics_histogram_observe(h, 100);

	text = expose(r);
	CHECK_EQ_STR(text,
	             "# HELP app_records_total Records seen.\n"
	             "# TYPE app_records_total counter\n"
	             "app_records_total{topic=\"orders\",result=\"written\"} 42\n"
	             "app_records_total{topic=\"orders\",result=\"dropped\"} 1\n"
	             "# HELP app_temperature Degrees.\n"
	             "# TYPE app_temperature gauge\n"
	             "app_temperature -1.5\n"
	             "# HELP app_latency_seconds Latency.\n"
	             "# TYPE app_latency_seconds histogram\n"
	             "app_latency_seconds_bucket{topic=\"a\",le=\"0.5\"} 2\n"
	             "app_latency_seconds_bucket{topic=\"a\",le=\"1\"} 2\n"
	             "app_latency_seconds_bucket{topic=\"a\",le=\"2.5\"} 3\n"
	             "app_latency_seconds_bucket{topic=\"a\",le=\"+Inf\"} 4\n"
	             "app_latency_seconds_sum{topic=\"a\"} 102.75\n"
	             "app_latency_seconds_count{topic=\"a\"} 4\n");
	icp_free(text);
	icp_metrics_registry_free(r);
}

static void test_escaping(void)
{
	icp_metrics_registry *r = reg_new();
	icp_metrics_family *f = NULL;
	icp_metrics_desc d = {ICP_METRICS_GAUGE, "esc", "Back\\slash and\nnewline \"quoted\".",
	                      {"v"}, NULL, 0};
	char *text;

	CHECK_EQ_INT(icp_metrics_declare(r, &d, &f, NULL), ICP_OK);
	icp_metrics_gauge_set(icp_metrics_gauge_get(f, ICP_METRICS_VALUES("a\"b\\c\nd"), NULL), 1);
	/* Invalid UTF-8 becomes U+FFFD; the raw and replaced spellings are
	 * one series. */
	icp_metrics_gauge_add(icp_metrics_gauge_get(f, ICP_METRICS_VALUES("x\xffy"), NULL), 1);
	icp_metrics_gauge_add(icp_metrics_gauge_get(f, ICP_METRICS_VALUES("x\xef\xbf\xbdy"), NULL), 1);
	icp_metrics_gauge_set(icp_metrics_gauge_get(f, ICP_METRICS_VALUES(""), NULL), 3);
	icp_metrics_gauge_set(icp_metrics_gauge_get(f, ICP_METRICS_VALUES("\xc3\xa9t\xc3\xa9"), NULL), 4);
	text = expose(r);
	CHECK_EQ_STR(text,
	             "# HELP esc Back\\\\slash and\\nnewline \"quoted\".\n"
	             "# TYPE esc gauge\n"
	             "esc{v=\"a\\\"b\\\\c\\nd\"} 1\n"
	             "esc{v=\"x\xef\xbf\xbdy\"} 2\n"
	             "esc{v=\"\"} 3\n"
	             "esc{v=\"\xc3\xa9t\xc3\xa9\"} 4\n");
	icp_free(text);
	icp_metrics_registry_free(r);
}

static void test_float_format(void)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{0, "0"}, {42, "42"}, {0.1, "0.1"}, {0.005, "0.005"}, {-2.5, "-2.5"},
		{1e21, "1e+21"}, {1.0 / 3, "0.3333333333333333"},
		{9007199254740993.0, "9007199254740992"}, {1234567890123.0, "1234567890123"},
	};
	for (size_t i = 0; i < ICP_ARRAY_LEN(cases); i++) {
		icp_metrics_registry *r = reg_new();
		icp_metrics_family *f = NULL;
		icp_metrics_desc d = {ICP_METRICS_GAUGE, "g", "h", {NULL}, NULL, 0};
		char want[128], *text;
		CHECK_EQ_INT(icp_metrics_declare(r, &d, &f, NULL), ICP_OK);
		icp_metrics_gauge_set(icp_metrics_gauge_get(f, NULL, 0, NULL), cases[i].v);
		text = expose(r);
		snprintf(want, sizeof want, "# HELP g h\n# TYPE g gauge\ng %s\n", cases[i].want);
		CHECK_EQ_STR(text, want);
		icp_free(text);
		icp_metrics_registry_free(r);
	}
	/* Special values as the format spells them. */
	icp_metrics_registry *r = reg_new();
	icp_metrics_family *f = NULL;
	icp_metrics_desc d = {ICP_METRICS_GAUGE, "g", "h", {"k"}, NULL, 0};
	char *text;
	CHECK_EQ_INT(icp_metrics_declare(r, &d, &f, NULL), ICP_OK);
	icp_metrics_gauge_set(icp_metrics_gauge_get(f, ICP_METRICS_VALUES("nan"), NULL), NAN);
	icp_metrics_gauge_set(icp_metrics_gauge_get(f, ICP_METRICS_VALUES("pinf"), NULL), INFINITY);
	icp_metrics_gauge_set(icp_metrics_gauge_get(f, ICP_METRICS_VALUES("ninf"), NULL), -INFINITY);
	text = expose(r);
	CHECK_CONTAINS(text, "g{k=\"nan\"} NaN\n");
	CHECK_CONTAINS(text, "g{k=\"pinf\"} +Inf\n");
	CHECK_CONTAINS(text, "g{k=\"ninf\"} -Inf\n");
	icp_free(text);
	icp_metrics_registry_free(r);
}

static void test_histogram_buckets(void)
{
	static const double bounds[] = {-1, 0, 10, 100};
	icp_metrics_registry *r = reg_new();
	icp_metrics_family *f = NULL;
	icp_metrics_desc d = {ICP_METRICS_HISTOGRAM, "h", "x", {NULL}, bounds, 4};
	icp_metrics_histogram *h;
	char *text;

	CHECK_EQ_INT(icp_metrics_declare(r, &d, &f, NULL), ICP_OK);
	h = icp_metrics_histogram_get(f, NULL, 0, NULL);
	CHECK(h != NULL);
	/* Before any observation: every bucket at 0 (unlabelled: present). */
	text = expose(r);
	CHECK_CONTAINS(text, "h_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count 0\n");
	icp_free(text);
	/* A value equal to a bound lands in that bucket (le = less or equal). */
	icp_metrics_histogram_observe(h, -5);
	icp_metrics_histogram_observe(h, -1);
	icp_metrics_histogram_observe(h, 0);
	icp_metrics_histogram_observe(h, 0.0001);
	icp_metrics_histogram_observe(h, 10);
	icp_metrics_histogram_observe(h, 100);
	icp_metrics_histogram_observe(h, 100.5);
	icp_metrics_histogram_observe(h, INFINITY);
	icp_metrics_histogram_observe(h, NAN); /* ignored */
	CHECK_EQ_INT(icp_metrics_histogram_count(h), 8);
	text = expose(r);
	CHECK_EQ_STR(text,
	             "# HELP h x\n# TYPE h histogram\n"
	             "h_bucket{le=\"-1\"} 2\n"
	             "h_bucket{le=\"0\"} 3\n"
	             "h_bucket{le=\"10\"} 5\n"
	             "h_bucket{le=\"100\"} 6\n"
	             "h_bucket{le=\"+Inf\"} 8\n"
	             "h_sum +Inf\n"
	             "h_count 8\n");
	icp_free(text);
	icp_metrics_registry_free(r);
}

static void test_declare_rules(void)
{
	static const double good[] = {1, 2}, dup[] = {1, 1}, inf[] = {1, INFINITY};
	icp_metrics_registry *r = reg_new();
	icp_metrics_family *f = NULL, *f2 = NULL;
	icp_error err;
	icp_metrics_desc ok = {ICP_METRICS_COUNTER, "ns:ok_total", "h", {"a", "b"}, NULL, 0};
	icp_metrics_desc bad[] = {
		{ICP_METRICS_COUNTER, "1abc", "h", {NULL}, NULL, 0},
		{ICP_METRICS_COUNTER, "a-b", "h", {NULL}, NULL, 0},
		{ICP_METRICS_COUNTER, "", "h", {NULL}, NULL, 0},
		{ICP_METRICS_COUNTER, "c", "h", {"__x"}, NULL, 0},
		{ICP_METRICS_COUNTER, "c", "h", {"a:b"}, NULL, 0},
		{ICP_METRICS_COUNTER, "c", "h", {"a", "a"}, NULL, 0},
		{ICP_METRICS_COUNTER, "c", "h", {"a", NULL, "b"}, NULL, 0},
		{ICP_METRICS_HISTOGRAM, "c", "h", {"le"}, good, 2},
		{ICP_METRICS_HISTOGRAM, "c", "h", {NULL}, NULL, 0},
		{ICP_METRICS_HISTOGRAM, "c", "h", {NULL}, dup, 2},
		{ICP_METRICS_HISTOGRAM, "c", "h", {NULL}, inf, 2},
	};
	for (size_t i = 0; i < ICP_ARRAY_LEN(bad); i++) {
		icp_error_init(&err);
		CHECK_EQ_INT(icp_metrics_declare(r, &bad[i], NULL, &err), ICP_ERR_INVALID);
		CHECK(err.msg[0] != '\0');
	}
	icp_error_init(&err);
	CHECK_EQ_INT(icp_metrics_declare(r, &ok, &f, &err), ICP_OK);
	CHECK_EQ_INT(icp_metrics_declare(r, &ok, &f2, &err), ICP_OK);
	CHECK(f == f2);
	CHECK(icp_metrics_find(r, "ns:ok_total") == f);
	CHECK(icp_metrics_find(r, "nope") == NULL);
	icp_metrics_desc other = ok;
	other.labels[1] = "c";
	CHECK_EQ_INT(icp_metrics_declare(r, &other, NULL, &err), ICP_ERR_CONFLICT);
	CHECK_CONTAINS(err.msg, "ns:ok_total");
	other = ok;
	other.type = ICP_METRICS_GAUGE;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_metrics_declare(r, &other, NULL, &err), ICP_ERR_CONFLICT);

	/* Lookups: wrong count, wrong type; NULL handles are harmless. */
	icp_error_init(&err);
	CHECK(icp_metrics_counter_get(f, ICP_METRICS_VALUES("x"), &err) == NULL);
	CHECK_EQ_INT(err.status, ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "1 label values for 2 labels");
	icp_error_init(&err);
	CHECK(icp_metrics_gauge_get(f, ICP_METRICS_VALUES("x", "y"), &err) == NULL);
	CHECK_EQ_INT(err.status, ICP_ERR_INVALID);
	CHECK(icp_metrics_histogram_get(NULL, NULL, 0, NULL) == NULL);
	icp_metrics_counter_inc(NULL);
	icp_metrics_gauge_set(NULL, 1);
	icp_metrics_gauge_add(NULL, 1);
	icp_metrics_histogram_observe(NULL, 1);
	CHECK_EQ_INT(icp_metrics_counter_value(NULL), 0);
	/* Same handle for the same values; different for different ones. */
	icp_metrics_counter *a = icp_metrics_counter_get(f, ICP_METRICS_VALUES("x", "y"), NULL);
	icp_metrics_counter *b = icp_metrics_counter_get(f, ICP_METRICS_VALUES("x", "y"), NULL);
	icp_metrics_counter *c = icp_metrics_counter_get(f, ICP_METRICS_VALUES("xy", ""), NULL);
	CHECK(a && a == b && c && c != a);
	icp_metrics_registry_free(r);
	icp_metrics_registry_free(NULL);
}

static void test_limits_and_nomem(void)
{
	icp_metrics_registry *r = reg_new();
	icp_metrics_family *f = NULL;
	icp_metrics_desc d = {ICP_METRICS_COUNTER, "many_total", "h", {"i"}, NULL, 0};
	icp_error err;
	char v[32];
	int created = 0;

	CHECK_EQ_INT(icp_metrics_declare(r, &d, &f, NULL), ICP_OK);
	for (int i = 0; i < ICP_METRICS_MAX_SERIES; i++) {
		snprintf(v, sizeof v, "%d", i);
		created += icp_metrics_counter_get(f, ICP_METRICS_VALUES(v), NULL) != NULL;
	}
	CHECK_EQ_INT(created, ICP_METRICS_MAX_SERIES);
	/* Existing series are still found; a new one is refused. */
	CHECK(icp_metrics_counter_get(f, ICP_METRICS_VALUES("77"), NULL) != NULL);
	icp_error_init(&err);
	CHECK(icp_metrics_counter_get(f, ICP_METRICS_VALUES("new"), &err) == NULL);
	CHECK_EQ_INT(err.status, ICP_ERR_TOO_LARGE);

	/* Allocation failure on a lookup: NULL and NOMEM, nothing leaks. */
	icp_metrics_desc d2 = {ICP_METRICS_COUNTER, "few_total", "h", {"i"}, NULL, 0};
	CHECK_EQ_INT(icp_metrics_declare(r, &d2, &f, NULL), ICP_OK);
	icp_error_init(&err);
	icp_alloc_fail_after(1);
	CHECK(icp_metrics_counter_get(f, ICP_METRICS_VALUES("a"), &err) == NULL);
	icp_alloc_fail_after(0);
	CHECK_EQ_INT(err.status, ICP_ERR_NOMEM);
	CHECK(icp_metrics_counter_get(f, ICP_METRICS_VALUES("a"), NULL) != NULL);
	icp_metrics_registry_free(r);
}

static void test_std_families(void)
{
	icp_metrics_registry *g = icp_metrics_global();
	icp_error err;
	char *text;

	CHECK(g != NULL);
	CHECK(icp_metrics_global() == g);
	for (int i = 0; i < ICP_METRIC_COUNT; i++)
		CHECK(icp_metrics_std((icp_metrics_std_id)i) != NULL);
	/* Declaring the set again is harmless. */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_metrics_declare_std(g, &err), ICP_OK);

	icp_metrics_counter_add(icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_RECORDS_TOTAL),
		ICP_METRICS_VALUES("orders", "written"), NULL), 5);
	icp_metrics_counter_inc(icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_BATCHES_TOTAL),
		ICP_METRICS_VALUES("orders"), NULL));
	icp_metrics_histogram_observe(icp_metrics_histogram_get(icp_metrics_std(ICP_METRIC_WRITE_LATENCY_MS),
		ICP_METRICS_VALUES("orders"), NULL), 12);
	icp_metrics_counter_inc(icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_ERRORS_TOTAL),
		ICP_METRICS_VALUES("decode"), NULL));
	icp_metrics_gauge_set(icp_metrics_gauge_get(icp_metrics_std(ICP_METRIC_LAST_OFFSET),
		ICP_METRICS_VALUES("orders", "3"), NULL), 1234567);
	icp_metrics_gauge_set(icp_metrics_gauge_get(icp_metrics_std(ICP_METRIC_WATERMARK_OFFSET),
		ICP_METRICS_VALUES("orders", "3"), NULL), 1234000);
	icp_metrics_gauge_set(icp_metrics_gauge_get(icp_metrics_std(ICP_METRIC_WATERMARK_TIMESTAMP_MS),
		ICP_METRICS_VALUES("orders", "3"), NULL), 1764000000123.0);
	icp_metrics_counter_inc(icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_LFS_RESOLVED_TOTAL),
		ICP_METRICS_VALUES("orders"), NULL));
	icp_metrics_counter_add(icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_LFS_RESOLVED_BYTES_TOTAL),
		ICP_METRICS_VALUES("orders"), NULL), 1048576);
	icp_metrics_counter_inc(icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_LFS_RESOLUTION_ERRORS_TOTAL),
		ICP_METRICS_VALUES("orders", "checksum"), NULL));
	icp_metrics_histogram_observe(icp_metrics_histogram_get(icp_metrics_std(ICP_METRIC_LFS_RESOLUTION_DURATION_SECONDS),
		ICP_METRICS_VALUES("orders"), NULL), 0.02);

	text = expose(g);
	CHECK_CONTAINS(text, "# TYPE kafscale_processor_records_total counter\n"
	                     "kafscale_processor_records_total{topic=\"orders\",result=\"written\"} 5\n");
	CHECK_CONTAINS(text, "# TYPE kafscale_processor_batches_total counter\n"
	                     "kafscale_processor_batches_total{topic=\"orders\"} 1\n");
	CHECK_CONTAINS(text, "# TYPE kafscale_processor_write_latency_ms histogram\n"
	                     "kafscale_processor_write_latency_ms_bucket{topic=\"orders\",le=\"5\"} 0\n"
	                     "kafscale_processor_write_latency_ms_bucket{topic=\"orders\",le=\"10\"} 0\n"
	                     "kafscale_processor_write_latency_ms_bucket{topic=\"orders\",le=\"25\"} 1\n");
	CHECK_CONTAINS(text, "kafscale_processor_write_latency_ms_bucket{topic=\"orders\",le=\"60000\"} 1\n"
	                     "kafscale_processor_write_latency_ms_bucket{topic=\"orders\",le=\"+Inf\"} 1\n"
	                     "kafscale_processor_write_latency_ms_sum{topic=\"orders\"} 12\n"
	                     "kafscale_processor_write_latency_ms_count{topic=\"orders\"} 1\n");
	CHECK_CONTAINS(text, "# TYPE kafscale_processor_errors_total counter\n"
	                     "kafscale_processor_errors_total{stage=\"decode\"} 1\n");
	CHECK_CONTAINS(text, "# TYPE kafscale_processor_last_offset gauge\n"
	                     "kafscale_processor_last_offset{topic=\"orders\",partition=\"3\"} 1234567\n");
	CHECK_CONTAINS(text, "# TYPE kafscale_processor_watermark_offset gauge\n"
	                     "kafscale_processor_watermark_offset{topic=\"orders\",partition=\"3\"} 1234000\n");
	CHECK_CONTAINS(text, "# TYPE kafscale_processor_watermark_timestamp_ms gauge\n"
	                     "kafscale_processor_watermark_timestamp_ms{topic=\"orders\",partition=\"3\"} 1764000000123\n");
	CHECK_CONTAINS(text, "# TYPE kafscale_processor_lfs_resolved_total counter\n"
	                     "kafscale_processor_lfs_resolved_total{topic=\"orders\"} 1\n");
	CHECK_CONTAINS(text, "# TYPE kafscale_processor_lfs_resolved_bytes_total counter\n"
	                     "kafscale_processor_lfs_resolved_bytes_total{topic=\"orders\"} 1048576\n");
	CHECK_CONTAINS(text, "# TYPE kafscale_processor_lfs_resolution_errors_total counter\n"
	                     "kafscale_processor_lfs_resolution_errors_total{topic=\"orders\",reason=\"checksum\"} 1\n");
	CHECK_CONTAINS(text, "# TYPE kafscale_processor_lfs_resolution_duration_seconds histogram\n"
	                     "kafscale_processor_lfs_resolution_duration_seconds_bucket{topic=\"orders\",le=\"0.005\"} 0\n");
	CHECK_CONTAINS(text, "kafscale_processor_lfs_resolution_duration_seconds_bucket{topic=\"orders\",le=\"0.025\"} 1\n");
	CHECK_CONTAINS(text, "# TYPE kafscale_processor_build_info gauge\n"
	                     "kafscale_processor_build_info{version=\"" ICP_VERSION "\",git=\"" ICP_GIT "\"} 1\n");
	CHECK_CONTAINS(text, "# TYPE kafscale_processor_allocated_bytes gauge\n"
	                     "kafscale_processor_allocated_bytes ");
	/* The memory gauge reads the allocator at scrape time: non-zero now. */
	const char *m = strstr(text, "\nkafscale_processor_allocated_bytes ");
	CHECK(m && strtod(m + strlen("\nkafscale_processor_allocated_bytes "), NULL) > 0);
	icp_free(text);
}

/* ------------------------------------------------------------ concurrency */

#define THREADS 4
#define ITERS 50000

struct worker {
	icp_metrics_family *fc, *fg, *fh;
	int id;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	char own[16];
	snprintf(own, sizeof own, "t%d", w->id);
	/* Each thread looks the shared series up itself (racing to create
	 * it) and also makes one of its own. */
	icp_metrics_counter *shared = icp_metrics_counter_get(w->fc, ICP_METRICS_VALUES("shared"), NULL);
	icp_metrics_counter *mine = icp_metrics_counter_get(w->fc, ICP_METRICS_VALUES(own), NULL);
	icp_metrics_gauge *g = icp_metrics_gauge_get(w->fg, NULL, 0, NULL);
	icp_metrics_histogram *h = icp_metrics_histogram_get(w->fh, NULL, 0, NULL);
	for (int i = 0; i < ITERS; i++) {
		icp_metrics_counter_inc(shared);
		icp_metrics_counter_add(mine, 2);
		icp_metrics_gauge_add(g, 1);
		icp_metrics_histogram_observe(h, (double)(i % 4)); /* sums exactly */
	}
	return NULL;
}

static void *scrape(void *arg)
{
	icp_metrics_registry *r = arg;
	for (int i = 0; i < 50; i++) {
		icp_buf b;
		icp_buf_init(&b, ICP_BUF_UNLIMITED);
		icp_metrics_expose(r, &b);
		icp_buf_dispose(&b);
	}
	return NULL;
}

static void test_concurrency(void)
{
	static const double bounds[] = {0.5, 1.5, 2.5};
	icp_metrics_registry *r = reg_new();
	icp_metrics_desc dc = {ICP_METRICS_COUNTER, "c_total", "h", {"who"}, NULL, 0};
	icp_metrics_desc dg = {ICP_METRICS_GAUGE, "g", "h", {NULL}, NULL, 0};
	icp_metrics_desc dh = {ICP_METRICS_HISTOGRAM, "h", "h", {NULL}, bounds, 3};
	struct worker w[THREADS];
	pthread_t t[THREADS], s;
	icp_metrics_family *fc = NULL, *fg = NULL, *fh = NULL;
	char *text;

	CHECK_EQ_INT(icp_metrics_declare(r, &dc, &fc, NULL), ICP_OK);
	CHECK_EQ_INT(icp_metrics_declare(r, &dg, &fg, NULL), ICP_OK);
	CHECK_EQ_INT(icp_metrics_declare(r, &dh, &fh, NULL), ICP_OK);
	CHECK_EQ_INT(pthread_create(&s, NULL, scrape, r), 0);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){fc, fg, fh, i};
		CHECK_EQ_INT(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_join(s, NULL);

	CHECK_EQ_INT(icp_metrics_counter_value(icp_metrics_counter_get(fc, ICP_METRICS_VALUES("shared"), NULL)),
	             THREADS * ITERS);
	CHECK_EQ_INT(icp_metrics_counter_value(icp_metrics_counter_get(fc, ICP_METRICS_VALUES("t2"), NULL)),
	             2 * ITERS);
	CHECK(icp_metrics_gauge_value(icp_metrics_gauge_get(fg, NULL, 0, NULL)) == (double)THREADS * ITERS);
	icp_metrics_histogram *h = icp_metrics_histogram_get(fh, NULL, 0, NULL);
	CHECK_EQ_INT(icp_metrics_histogram_count(h), THREADS * ITERS);
	CHECK(icp_metrics_histogram_sum(h) == (double)THREADS * ITERS / 4 * (0 + 1 + 2 + 3));
	text = expose(r);
	/* One "shared" series (no duplicate from the creation race). */
	const char *first = strstr(text, "c_total{who=\"shared\"}");
	CHECK(first && !strstr(first + 1, "c_total{who=\"shared\"}"));
	CHECK_CONTAINS(text, "h_bucket{le=\"0.5\"} 50000\n");
	CHECK_CONTAINS(text, "h_bucket{le=\"1.5\"} 100000\n");
	CHECK_CONTAINS(text, "h_bucket{le=\"+Inf\"} 200000\n");
	icp_free(text);
	icp_metrics_registry_free(r);
}

int main(void)
{
	TEST_RUN(test_exposition_exact);
	TEST_RUN(test_escaping);
	TEST_RUN(test_float_format);
	TEST_RUN(test_histogram_buckets);
	TEST_RUN(test_declare_rules);
	TEST_RUN(test_limits_and_nomem);
	TEST_RUN(test_std_families);
	TEST_RUN(test_concurrency);
	return TEST_DONE();
}
