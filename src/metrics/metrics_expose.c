/*
 * Prometheus text exposition format 0.0.4:
 *
 *   # HELP <name> <help, with \ and newline escaped>
 *   # TYPE <name> counter|gauge|histogram
 *   <name>{<label>="<value, with \ " and newline escaped>",...} <value>
 *
 * A histogram series is written as cumulative <name>_bucket{...,le="<bound>"}
 * lines ending with le="+Inf", then <name>_sum and <name>_count. Floats are
 * written in the shortest form that reads back to the same double ("0.005",
 * "1", "1e+21"), with NaN, +Inf and -Inf spelled as the format wants.
 * Every line ends with '\n'; no timestamps are written.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "metrics/metrics_int.h"

static void put_double(icp_buf *b, double v)
{
	char tmp[40];
	if (isnan(v)) {
		icp_buf_append_str(b, "NaN");
		return;
	}
	if (isinf(v)) {
		icp_buf_append_str(b, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	/* 15 digits round-trip most values we produce; fall back to 17,
	 * which always does. */
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	icp_buf_append_str(b, tmp);
}

/* escape_quote: label values also escape '"'; HELP text does not. */
static void put_escaped(icp_buf *b, const char *s, int escape_quote)
{
	const char *run = s;
	for (; *s; s++) {
		const char *rep = *s == '\\' ? "\\\\" : *s == '\n' ? "\\n"
		                : (*s == '"' && escape_quote) ? "\\\"" : NULL;
		if (!rep)
			continue;
		icp_buf_append(b, run, (size_t)(s - run));
		icp_buf_append_str(b, rep);
		run = s + 1;
	}
	icp_buf_append(b, run, (size_t)(s - run));
}

/* Writes "{a="x",b="y"" without the closing brace when le is to follow,
 * else the whole set; nothing at all for no labels and no le. */
static void put_labels(icp_buf *b, const icp_metrics_family *f,
                       const mx_series *s, const char *le, int le_is_num,
                       double le_num)
{
	if (f->n_labels == 0 && !le)
		return;
	icp_buf_append_byte(b, '{');
	for (size_t i = 0; i < f->n_labels; i++) {
		if (i)
			icp_buf_append_byte(b, ',');
		icp_buf_append_str(b, f->labels[i]);
		icp_buf_append_str(b, "=\"");
		put_escaped(b, s->values[i], 1);
		icp_buf_append_byte(b, '"');
	}
	if (le) {
		if (f->n_labels)
			icp_buf_append_byte(b, ',');
		icp_buf_append_str(b, "le=\"");
		if (le_is_num)
			put_double(b, le_num);
		else
			icp_buf_append_str(b, le);
		icp_buf_append_byte(b, '"');
	}
	icp_buf_append_byte(b, '}');
}

static void put_u64(icp_buf *b, uint64_t v)
{
	icp_buf_printf(b, "%" PRIu64, v);
}

static void put_histogram(icp_buf *b, const icp_metrics_family *f, mx_series *s)
{
	uint64_t counts[ICP_METRICS_MAX_BUCKETS + 1], cum = 0;
	double sum;

	/* Read every bucket once: the lines written are consistent with each
	 * other even while observations land. */
	for (size_t i = 0; i <= f->n_buckets; i++)
		counts[i] = atomic_load_explicit(&s->counts[i], memory_order_relaxed);
	sum = mx_bits_to_double(atomic_load_explicit(&s->sum, memory_order_relaxed));
	for (size_t i = 0; i <= f->n_buckets; i++) {
		cum += counts[i];
		icp_buf_append_str(b, f->name);
		icp_buf_append_str(b, "_bucket");
		if (i < f->n_buckets)
			put_labels(b, f, s, "", 1, f->buckets[i]);
		else
			put_labels(b, f, s, "+Inf", 0, 0);
		icp_buf_append_byte(b, ' ');
		put_u64(b, cum);
		icp_buf_append_byte(b, '\n');
	}
	icp_buf_append_str(b, f->name);
	icp_buf_append_str(b, "_sum");
	put_labels(b, f, s, NULL, 0, 0);
	icp_buf_append_byte(b, ' ');
	put_double(b, sum);
	icp_buf_append_byte(b, '\n');
	icp_buf_append_str(b, f->name);
	icp_buf_append_str(b, "_count");
	put_labels(b, f, s, NULL, 0, 0);
	icp_buf_append_byte(b, ' ');
	put_u64(b, cum);
	icp_buf_append_byte(b, '\n');
}

static void put_family(icp_buf *b, const icp_metrics_family *f)
{
	static const char *const type_names[] = {"counter", "gauge", "histogram"};

	if (!f->first && !f->fn)
		return;
	icp_buf_append_str(b, "# HELP ");
	icp_buf_append_str(b, f->name);
	icp_buf_append_byte(b, ' ');
	put_escaped(b, f->help, 0);
	icp_buf_append_str(b, "\n# TYPE ");
	icp_buf_append_str(b, f->name);
	icp_buf_append_byte(b, ' ');
	icp_buf_append_str(b, type_names[f->type]);
	icp_buf_append_byte(b, '\n');
	if (f->fn) {
		icp_buf_append_str(b, f->name);
		icp_buf_append_byte(b, ' ');
		put_double(b, f->fn(f->fn_arg));
		icp_buf_append_byte(b, '\n');
		return;
	}
	for (mx_series *s = f->first; s; s = s->next) {
		if (f->type == ICP_METRICS_HISTOGRAM) {
			put_histogram(b, f, s);
			continue;
		}
		icp_buf_append_str(b, f->name);
		put_labels(b, f, s, NULL, 0, 0);
		icp_buf_append_byte(b, ' ');
		if (f->type == ICP_METRICS_COUNTER)
			put_u64(b, atomic_load_explicit(&s->value, memory_order_relaxed));
		else
			put_double(b, mx_bits_to_double(
				atomic_load_explicit(&s->value, memory_order_relaxed)));
		icp_buf_append_byte(b, '\n');
	}
}

int icp_metrics_expose(icp_metrics_registry *r, icp_buf *out)
{
	if (!r)
		return ICP_ERR_INVALID;
	pthread_mutex_lock(&r->mu);
	for (const icp_metrics_family *f = r->first; f && out->status == ICP_OK; f = f->next)
		put_family(out, f);
	pthread_mutex_unlock(&r->mu);
	return out->status;
}
