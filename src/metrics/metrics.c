/*
 * Registry, families, series lookup and the atomic updates.
 *
 * Lookups hash the label values (FNV-1a with a separator byte between
 * values so ("ab","c") and ("a","bc") differ) into a per-family chained
 * table that doubles when it holds as many series as buckets. Updates are
 * relaxed atomics: a scrape needs no ordering between series, only that
 * each value is read whole.
 */
#include <math.h>

#include "metrics/metrics_int.h"

/* ------------------------------------------------------------------ names */

static int is_alpha_(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int valid_metric_name(const char *s)
{
	if (!s || !(is_alpha_(s[0]) || s[0] == ':'))
		return 0;
	for (size_t i = 1; s[i]; i++)
		if (!(is_alpha_(s[i]) || is_digit(s[i]) || s[i] == ':'))
			return 0;
	return 1;
}

static int valid_label_name(const char *s)
{
	if (!s || !is_alpha_(s[0]) || (s[0] == '_' && s[1] == '_'))
		return 0;
	for (size_t i = 1; s[i]; i++)
		if (!(is_alpha_(s[i]) || is_digit(s[i])))
			return 0;
	return 1;
}

/* --------------------------------------------------------------- registry */

int icp_metrics_registry_new(icp_metrics_registry **out, icp_error *err)
{
	icp_metrics_registry *r = icp_calloc(1, sizeof *r);
	*out = NULL;
	if (!r)
		return icp_error_set(err, ICP_ERR_NOMEM, "metrics registry: out of memory");
	if (pthread_mutex_init(&r->mu, NULL) != 0) {
		icp_free(r);
		return icp_error_set(err, ICP_ERR_NOMEM, "metrics registry: mutex init failed");
	}
	*out = r;
	return ICP_OK;
}

static void family_free(icp_metrics_family *f)
{
	mx_series *s, *next;
	if (!f)
		return;
	for (s = f->first; s; s = next) {
		next = s->next;
		icp_free(s);
	}
	icp_free(f->table);
	for (size_t i = 0; i < f->n_labels; i++)
		icp_free(f->labels[i]);
	icp_free(f->name);
	icp_free(f->help);
	icp_free(f);
}

void icp_metrics_registry_free(icp_metrics_registry *r)
{
	icp_metrics_family *f, *next;
	if (!r)
		return;
	for (f = r->first; f; f = next) {
		next = f->next;
		family_free(f);
	}
	pthread_mutex_destroy(&r->mu);
	icp_free(r);
}

static icp_metrics_family *find_locked(icp_metrics_registry *r, const char *name)
{
	for (icp_metrics_family *f = r->first; f; f = f->next)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

icp_metrics_family *icp_metrics_find(icp_metrics_registry *r, const char *name)
{
	icp_metrics_family *f;
	if (!r || !name)
		return NULL;
	pthread_mutex_lock(&r->mu);
	f = find_locked(r, name);
	pthread_mutex_unlock(&r->mu);
	return f;
}

/* 1 when f was declared exactly as d (and fn) asks. */
static int same_family(const icp_metrics_family *f, const icp_metrics_desc *d,
                       size_t n_labels, double (*fn)(void *))
{
	if (f->type != d->type || f->n_labels != n_labels || (f->fn != NULL) != (fn != NULL))
		return 0;
	for (size_t i = 0; i < n_labels; i++)
		if (strcmp(f->labels[i], d->labels[i]) != 0)
			return 0;
	if (d->type == ICP_METRICS_HISTOGRAM) {
		if (f->n_buckets != d->n_buckets)
			return 0;
		for (size_t i = 0; i < d->n_buckets; i++)
			if (f->buckets[i] != d->buckets[i])
				return 0;
	}
	return 1;
}

static int check_desc(const icp_metrics_desc *d, size_t *n_labels, icp_error *err)
{
	size_t n = 0;
	if (!valid_metric_name(d->name))
		return icp_error_set(err, ICP_ERR_INVALID, "metric name \"%s\" is not valid",
		                     d->name ? d->name : "(null)");
	if (d->type != ICP_METRICS_COUNTER && d->type != ICP_METRICS_GAUGE &&
	    d->type != ICP_METRICS_HISTOGRAM)
		return icp_error_set(err, ICP_ERR_INVALID, "metric %s: unknown type %d",
		                     d->name, (int)d->type);
	while (n < ICP_METRICS_MAX_LABELS && d->labels[n])
		n++;
	for (size_t i = n; i < ICP_METRICS_MAX_LABELS; i++)
		if (d->labels[i])
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "metric %s: label names must not have gaps", d->name);
	for (size_t i = 0; i < n; i++) {
		if (!valid_label_name(d->labels[i]))
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "metric %s: label name \"%s\" is not valid",
			                     d->name, d->labels[i]);
		if (d->type == ICP_METRICS_HISTOGRAM && strcmp(d->labels[i], "le") == 0)
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "metric %s: a histogram cannot have a label \"le\"",
			                     d->name);
		for (size_t j = 0; j < i; j++)
			if (strcmp(d->labels[i], d->labels[j]) == 0)
				return icp_error_set(err, ICP_ERR_INVALID,
				                     "metric %s: label \"%s\" appears twice",
				                     d->name, d->labels[i]);
	}
	if (d->type == ICP_METRICS_HISTOGRAM) {
		if (d->n_buckets == 0 || d->n_buckets > ICP_METRICS_MAX_BUCKETS || !d->buckets)
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "metric %s: needs 1..%d buckets, got %zu", d->name,
			                     ICP_METRICS_MAX_BUCKETS, d->n_buckets);
		for (size_t i = 0; i < d->n_buckets; i++) {
			if (!isfinite(d->buckets[i]) || (i > 0 && d->buckets[i] <= d->buckets[i - 1]))
				return icp_error_set(err, ICP_ERR_INVALID,
				                     "metric %s: bucket bounds must be finite and "
				                     "strictly increasing (bucket %zu)", d->name, i);
		}
	}
	*n_labels = n;
	return ICP_OK;
}

static mx_series *series_new(icp_metrics_family *f, const char *const *values,
                             uint64_t hash);
static uint64_t hash_values(const char *const *values, size_t n);

/* Declares while r->mu is held (for _declare and _declare_func). */
static int declare_locked(icp_metrics_registry *r, const icp_metrics_desc *d,
                          double (*fn)(void *), void *fn_arg,
                          icp_metrics_family **out, icp_error *err)
{
	icp_metrics_family *f = NULL, *old;
	size_t n_labels = 0;
	int rc;

	if ((rc = check_desc(d, &n_labels, err)) != ICP_OK)
		return rc;
	old = find_locked(r, d->name);
	if (old) {
		if (!same_family(old, d, n_labels, fn) || (fn && (old->fn != fn || old->fn_arg != fn_arg)))
			return icp_error_set(err, ICP_ERR_CONFLICT,
			                     "metric %s is already declared with another type, "
			                     "labels or buckets", d->name);
		if (out)
			*out = old;
		return ICP_OK;
	}
	rc = ICP_ERR_NOMEM;
	f = icp_calloc(1, sizeof *f);
	if (!f)
		goto out;
	f->reg = r;
	f->type = d->type;
	f->name = icp_strdup(d->name);
	f->help = icp_strdup(d->help ? d->help : "");
	if (!f->name || !f->help)
		goto out;
	for (size_t i = 0; i < n_labels; i++) {
		if (!(f->labels[i] = icp_strdup(d->labels[i])))
			goto out;
		f->n_labels = i + 1;
	}
	if (d->type == ICP_METRICS_HISTOGRAM) {
		f->n_buckets = d->n_buckets;
		memcpy(f->buckets, d->buckets, d->n_buckets * sizeof(double));
	}
	f->fn = fn;
	f->fn_arg = fn_arg;
	/* An unlabelled family has its single series from the start, so it
	 * shows 0 before the first update. */
	if (n_labels == 0 && !fn && !series_new(f, NULL, hash_values(NULL, 0)))
		goto out;
	if (r->last)
		r->last->next = f;
	else
		r->first = f;
	r->last = f;
	if (out)
		*out = f;
	f = NULL;
	rc = ICP_OK;
out:
	family_free(f);
	if (rc == ICP_ERR_NOMEM)
		icp_error_set(err, rc, "metric %s: out of memory", d->name);
	return rc;
}

int icp_metrics_declare(icp_metrics_registry *r, const icp_metrics_desc *d,
                        icp_metrics_family **out, icp_error *err)
{
	int rc;
	if (!r || !d)
		return icp_error_set(err, ICP_ERR_INVALID, "metrics declare: no registry or desc");
	pthread_mutex_lock(&r->mu);
	rc = declare_locked(r, d, NULL, NULL, out, err);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

int icp_metrics_declare_func(icp_metrics_registry *r, const char *name,
                             const char *help, double (*fn)(void *arg),
                             void *arg, icp_error *err)
{
	icp_metrics_desc d = {ICP_METRICS_GAUGE, name, help, {NULL}, NULL, 0};
	int rc;
	if (!r || !fn)
		return icp_error_set(err, ICP_ERR_INVALID, "metrics declare_func: no registry or fn");
	pthread_mutex_lock(&r->mu);
	rc = declare_locked(r, &d, fn, arg, NULL, err);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

/* ----------------------------------------------------------------- series */

static uint64_t hash_values(const char *const *values, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		for (const unsigned char *p = (const unsigned char *)values[i]; *p; p++)
			h = (h ^ *p) * 0x100000001b3ULL;
		h = (h ^ 0xff) * 0x100000001b3ULL;
	}
	return h;
}

/* Length of the valid UTF-8 sequence at p (1..4), 0 when it is invalid. */
static size_t utf8_seq_len(const unsigned char *p)
{
	size_t want = p[0] < 0x80 ? 1 : p[0] >= 0xc2 && p[0] < 0xe0 ? 2
	            : p[0] >= 0xe0 && p[0] < 0xf0 ? 3 : p[0] >= 0xf0 && p[0] < 0xf5 ? 4 : 0;
	for (size_t i = 1; i < want; i++)
		if (p[i] == 0)
			return 0;
	return want && icp_utf8_valid(p, want) ? want : 0;
}

/* A copy of s with invalid UTF-8 replaced by U+FFFD (icp_free it). */
static char *utf8_sanitize(const char *s)
{
	icp_buf b;
	const unsigned char *p = (const unsigned char *)s;
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	while (*p) {
		size_t n = utf8_seq_len(p);
		if (n) {
			icp_buf_append(&b, p, n);
			p += n;
		} else {
			icp_buf_append(&b, "\xef\xbf\xbd", 3);
			p++;
		}
	}
	icp_buf_append_byte(&b, 0);
	if (b.status != ICP_OK) {
		icp_buf_dispose(&b);
		return NULL;
	}
	return (char *)icp_buf_detach(&b, NULL);
}

static size_t series_size(const icp_metrics_family *f)
{
	size_t n = sizeof(mx_series);
	if (f->type == ICP_METRICS_HISTOGRAM)
		n += (f->n_buckets + 1) * sizeof(_Atomic uint64_t);
	return n;
}

static int table_grow(icp_metrics_family *f)
{
	size_t size = f->table_size ? f->table_size * 2 : 16;
	mx_series **t = icp_calloc(size, sizeof *t);
	if (!t)
		return ICP_ERR_NOMEM;
	for (mx_series *s = f->first; s; s = s->next) {
		size_t i = (size_t)(s->hash & (size - 1));
		s->hnext = t[i];
		t[i] = s;
	}
	icp_free(f->table);
	f->table = t;
	f->table_size = size;
	return ICP_OK;
}

/* Allocates one series (values copied behind the struct), links it. */
static mx_series *series_new(icp_metrics_family *f, const char *const *values,
                             uint64_t hash)
{
	size_t head = series_size(f), total, lens[ICP_METRICS_MAX_LABELS];
	mx_series *s;
	char *p;

	/* Pointers after the counters, then the strings. */
	head = (head + sizeof(char *) - 1) / sizeof(char *) * sizeof(char *);
	total = head + f->n_labels * sizeof(char *);
	for (size_t i = 0; i < f->n_labels; i++) {
		lens[i] = strlen(values[i]) + 1;
		if (icp_add_size(total, lens[i], &total) != 0)
			return NULL;
	}
	if (f->n_series + 1 > f->table_size && table_grow(f) != ICP_OK)
		return NULL;
	s = icp_calloc(1, total);
	if (!s)
		return NULL;
	s->fam = f;
	s->hash = hash;
	s->values = (char **)((char *)s + head);
	p = (char *)(s->values + f->n_labels);
	for (size_t i = 0; i < f->n_labels; i++) {
		memcpy(p, values[i], lens[i]);
		s->values[i] = p;
		p += lens[i];
	}
	atomic_init(&s->value, f->type == ICP_METRICS_GAUGE ? mx_double_to_bits(0.0) : 0);
	atomic_init(&s->sum, mx_double_to_bits(0.0));
	if (f->type == ICP_METRICS_HISTOGRAM)
		for (size_t i = 0; i <= f->n_buckets; i++)
			atomic_init(&s->counts[i], 0);
	if (f->last)
		f->last->next = s;
	else
		f->first = s;
	f->last = s;
	s->hnext = f->table[hash & (f->table_size - 1)];
	f->table[hash & (f->table_size - 1)] = s;
	f->n_series++;
	return s;
}

static mx_series *lookup_locked(icp_metrics_family *f, const char *const *values,
                                icp_error *err)
{
	uint64_t h = hash_values(values, f->n_labels);
	mx_series *s;

	if (f->table) {
		for (s = f->table[h & (f->table_size - 1)]; s; s = s->hnext) {
			size_t i = 0;
			if (s->hash != h)
				continue;
			while (i < f->n_labels && strcmp(s->values[i], values[i]) == 0)
				i++;
			if (i == f->n_labels)
				return s;
		}
	}
	if (f->n_series >= ICP_METRICS_MAX_SERIES) {
		icp_error_set(err, ICP_ERR_TOO_LARGE, "metric %s: more than %d series",
		              f->name, ICP_METRICS_MAX_SERIES);
		return NULL;
	}
	s = series_new(f, values, h);
	if (!s)
		icp_error_set(err, ICP_ERR_NOMEM, "metric %s: out of memory", f->name);
	return s;
}

static mx_series *series_get(icp_metrics_family *f, icp_metrics_type type,
                             const char *const *values, size_t n, icp_error *err)
{
	char *fixed[ICP_METRICS_MAX_LABELS] = {NULL};
	const char *use[ICP_METRICS_MAX_LABELS];
	mx_series *s = NULL;

	if (!f || f->type != type || f->fn) {
		icp_error_set(err, ICP_ERR_INVALID, "metric %s is not a %s",
		              f ? f->name : "(null)",
		              type == ICP_METRICS_COUNTER ? "counter"
		              : type == ICP_METRICS_GAUGE ? "gauge" : "histogram");
		return NULL;
	}
	if (n != f->n_labels || (n && !values)) {
		icp_error_set(err, ICP_ERR_INVALID, "metric %s: %zu label values for %zu labels",
		              f->name, n, f->n_labels);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const char *v = values[i] ? values[i] : "";
		use[i] = v;
		if (!icp_utf8_valid((const uint8_t *)v, strlen(v))) {
			if (!(fixed[i] = utf8_sanitize(v))) {
				icp_error_set(err, ICP_ERR_NOMEM, "metric %s: out of memory", f->name);
				goto out;
			}
			use[i] = fixed[i];
		}
	}
	pthread_mutex_lock(&f->reg->mu);
	s = lookup_locked(f, use, err);
	pthread_mutex_unlock(&f->reg->mu);
out:
	for (size_t i = 0; i < n; i++)
		icp_free(fixed[i]);
	return s;
}

icp_metrics_counter *icp_metrics_counter_get(icp_metrics_family *f,
                                             const char *const *values,
                                             size_t n, icp_error *err)
{
	return (icp_metrics_counter *)series_get(f, ICP_METRICS_COUNTER, values, n, err);
}

icp_metrics_gauge *icp_metrics_gauge_get(icp_metrics_family *f,
                                         const char *const *values, size_t n,
                                         icp_error *err)
{
	return (icp_metrics_gauge *)series_get(f, ICP_METRICS_GAUGE, values, n, err);
}

icp_metrics_histogram *icp_metrics_histogram_get(icp_metrics_family *f,
                                                 const char *const *values,
                                                 size_t n, icp_error *err)
{
	return (icp_metrics_histogram *)series_get(f, ICP_METRICS_HISTOGRAM, values, n, err);
}

/* ---------------------------------------------------------------- updates */

static void add_double(_Atomic uint64_t *a, double delta)
{
	uint64_t old = atomic_load_explicit(a, memory_order_relaxed);
	while (!atomic_compare_exchange_weak_explicit(
		a, &old, mx_double_to_bits(mx_bits_to_double(old) + delta),
		memory_order_relaxed, memory_order_relaxed))
		;
}

void icp_metrics_counter_add(icp_metrics_counter *c, uint64_t n)
{
	if (c)
		atomic_fetch_add_explicit(&((mx_series *)c)->value, n, memory_order_relaxed);
}

void icp_metrics_gauge_set(icp_metrics_gauge *g, double v)
{
	if (g)
		atomic_store_explicit(&((mx_series *)g)->value, mx_double_to_bits(v),
		                      memory_order_relaxed);
}

void icp_metrics_gauge_add(icp_metrics_gauge *g, double delta)
{
	if (g)
		add_double(&((mx_series *)g)->value, delta);
}

void icp_metrics_histogram_observe(icp_metrics_histogram *h, double v)
{
	mx_series *s = (mx_series *)h;
	size_t lo = 0, hi;
	if (!s || isnan(v))
		return;
	/* First bound >= v; n_buckets (the +Inf bucket) when none is. */
	hi = s->fam->n_buckets;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v <= s->fam->buckets[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	atomic_fetch_add_explicit(&s->counts[lo], 1, memory_order_relaxed);
	add_double(&s->sum, v);
}

uint64_t icp_metrics_counter_value(const icp_metrics_counter *c)
{
	return c ? atomic_load_explicit(&((mx_series *)c)->value, memory_order_relaxed) : 0;
}

double icp_metrics_gauge_value(const icp_metrics_gauge *g)
{
	return g ? mx_bits_to_double(atomic_load_explicit(&((mx_series *)g)->value,
	                                                   memory_order_relaxed))
	         : 0.0;
}

uint64_t icp_metrics_histogram_count(const icp_metrics_histogram *h)
{
	const mx_series *s = (const mx_series *)h;
	uint64_t n = 0;
	if (!s)
		return 0;
	for (size_t i = 0; i <= s->fam->n_buckets; i++)
		n += atomic_load_explicit(&((mx_series *)s)->counts[i], memory_order_relaxed);
	return n;
}

double icp_metrics_histogram_sum(const icp_metrics_histogram *h)
{
	return h ? mx_bits_to_double(atomic_load_explicit(&((mx_series *)h)->sum,
	                                                   memory_order_relaxed))
	         : 0.0;
}
