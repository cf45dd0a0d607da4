/*
 * httpd_check ADDR DIR: serves /metrics (the process-wide registry, with a
 * sample of every contract family filled in, tricky label values
 * included), /healthz, /readyz (ready while DIR/ready exists) and /status
 * on ADDR, prints "port=N" once listening, and stops cleanly on SIGTERM or
 * SIGINT (exit 0). A start failure prints the error and exits 2.
 * Driven by tests/httpd/it_httpd.sh.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "httpd/httpd.h"

struct check {
	char ready_path[4096];
};

static int ready(void *arg, icp_buf *reason)
{
	struct check *c = arg;
	if (access(c->ready_path, F_OK) == 0)
		return 1;
	icp_buf_append_str(reason, "flag file missing");
	return 0;
}

static int status(void *arg, icp_buf *out)
{
	struct check *c = arg;
	const char *note = "quote \" backslash \\ newline \n end";
	icp_buf_append_str(out, "{\"ready\":");
	icp_buf_append_str(out, access(c->ready_path, F_OK) == 0 ? "true" : "false");
	icp_buf_append_str(out, ",\"note\":");
	icp_buf_append_json_str(out, (const uint8_t *)note, strlen(note));
	icp_buf_append_str(out, "}");
	return out->status;
}

static void fill(void)
{
	static const char *const results[] = {"written", "dropped", "invalid", "skipped_lfs"};
	static const char *const stages[] = {"discover", "decode", "checkpoint", "schema", "lfs", "sink"};
	const char *odd = "we\"ird\\to\npic \xc3\xa9";
	for (size_t i = 0; i < ICP_ARRAY_LEN(results); i++)
		icp_metrics_counter_add(icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_RECORDS_TOTAL),
			ICP_METRICS_VALUES("orders", results[i]), NULL), 10 + i);
	icp_metrics_counter_inc(icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_RECORDS_TOTAL),
		ICP_METRICS_VALUES(odd, "written"), NULL));
	for (size_t i = 0; i < ICP_ARRAY_LEN(stages); i++)
		icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_ERRORS_TOTAL),
			ICP_METRICS_VALUES(stages[i]), NULL);
	icp_metrics_counter_add(icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_BATCHES_TOTAL),
		ICP_METRICS_VALUES("orders"), NULL), 3);
	icp_metrics_histogram *h = icp_metrics_histogram_get(
		icp_metrics_std(ICP_METRIC_WRITE_LATENCY_MS), ICP_METRICS_VALUES("orders"), NULL);
	icp_metrics_histogram_observe(h, 7);
	icp_metrics_histogram_observe(h, 120);
	icp_metrics_histogram_observe(h, 90000);
	icp_metrics_gauge_set(icp_metrics_gauge_get(icp_metrics_std(ICP_METRIC_LAST_OFFSET),
		ICP_METRICS_VALUES("orders", "0"), NULL), 41);
	icp_metrics_gauge_set(icp_metrics_gauge_get(icp_metrics_std(ICP_METRIC_WATERMARK_OFFSET),
		ICP_METRICS_VALUES("orders", "0"), NULL), 40);
	icp_metrics_gauge_set(icp_metrics_gauge_get(icp_metrics_std(ICP_METRIC_WATERMARK_TIMESTAMP_MS),
		ICP_METRICS_VALUES("orders", "0"), NULL), 1764000000123.0);
	icp_metrics_counter_inc(icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_LFS_RESOLVED_TOTAL),
		ICP_METRICS_VALUES("orders"), NULL));
	icp_metrics_counter_add(icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_LFS_RESOLVED_BYTES_TOTAL),
		ICP_METRICS_VALUES("orders"), NULL), 2048);
	icp_metrics_counter_inc(icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_LFS_RESOLUTION_ERRORS_TOTAL),
		ICP_METRICS_VALUES("orders", "checksum_mismatch"), NULL));
	icp_metrics_histogram_observe(icp_metrics_histogram_get(
		icp_metrics_std(ICP_METRIC_LFS_RESOLUTION_DURATION_SECONDS),
		ICP_METRICS_VALUES("orders"), NULL), 0.042);
}

int main(int argc, char **argv)
{
	struct check c;
	icp_httpd_config cfg = {0};
	icp_httpd *h = NULL;
	icp_error err;
	sigset_t set;
	int sig = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: httpd_check ADDR DIR\n");
		return 2;
	}
	snprintf(c.ready_path, sizeof c.ready_path, "%s/ready", argv[2]);
	/* Block the stop signals before the server thread starts, so it
	 * inherits the mask and sigwait() below receives them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (!icp_metrics_global()) {
		fprintf(stderr, "httpd_check: no metrics registry\n");
		return 2;
	}
	fill();
	cfg.addr = argv[1];
	cfg.ready = ready;
	cfg.ready_arg = &c;
	cfg.status = status;
	cfg.status_arg = &c;
	icp_error_init(&err);
	if (icp_httpd_new(&cfg, &h, &err) != ICP_OK) {
		fprintf(stderr, "httpd_check: %s\n", err.msg);
		return 2;
	}
	printf("port=%u\n", (unsigned)icp_httpd_port(h));
	fflush(stdout);
	sigwait(&set, &sig);
	icp_httpd_free(h);
	return 0;
}
