/*
 * `run` (the default command): loads the config, then processes segments
 * until SIGTERM/SIGINT (or once with --once) and commits what is buffered
 * before exiting. The signal handler only sets a flag the loop checks.
 */
#include "cli/cli.h"
#include "config/config.h"
#include "core/core.h"
#include "httpd/httpd.h"
#include "log/log.h"
#include "processor/processor.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t stop_deadline_s; /* processor.shutdown_timeout_seconds */
static volatile sig_atomic_t stop_signal;     /* the first SIGTERM/SIGINT received */
static volatile sig_atomic_t once_mode;

/* The first SIGTERM/SIGINT asks the loop to stop and commit; a watchdog
 * alarm a little past the shutdown deadline ends the process even if
 * something (a hung remote call) holds the loop: exiting without the last
 * commit loses nothing, the data is read again by the next owner. With
 * --once a second signal (2) abandons what is not committed yet. */
static void on_signal(int sig)
{
	if (!stop_requested) {
		stop_signal = sig;
		if (stop_deadline_s > 0)
			alarm((unsigned)stop_deadline_s + 2);
	}
	stop_requested = once_mode && stop_requested ? 2 : 1;
}

/* --once stopped by a signal exits 128 + its number (130 SIGINT, 143
 * SIGTERM), as a shell reports a job a signal ended: the batch is not
 * complete, and a script or scheduler must not take it for done. */
static int interrupted_code(void)
{
	return 128 + (stop_signal ? (int)stop_signal : SIGTERM);
}

static void on_alarm(int sig)
{
	static const char msg[] = "level=error msg=\"shutdown deadline passed; exiting without the "
	                          "last commit (nothing is lost: data is read again)\"\n";
	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nothing else to do in a signal handler */
	}
	_exit(once_mode ? interrupted_code() : 0);
}

/* Statuses worth waiting out at start-up (a catalog or store that is not
 * up yet) rather than exiting: Kubernetes sees "not ready", not a crash
 * loop. */
static int transient(int rc)
{
	return rc == ICP_ERR_IO || rc == ICP_ERR_RETRYABLE || rc == ICP_ERR_UNKNOWN ||
	       rc == ICP_ERR_CONFLICT;
}

static void sleep_s(unsigned s)
{
	unsigned i;
	for (i = 0; i < s * 10 && !stop_requested; i++) {
		struct timespec ts = {0, 100000000};
		nanosleep(&ts, NULL);
	}
}

static void run_usage(FILE *f)
{
	fprintf(f,
	        "usage: iceberg-processor [run] -config=PATH [--once]\n"
	        "  -config PATH   the YAML config (also -config=PATH, --config PATH)\n"
	        "  --once         process what is there now, commit, exit\n"
	        "  --strict       unknown config keys are errors\n"
	        "Runs until SIGTERM/SIGINT, then commits buffered data and exits 0.\n"
	        "With --once: exit 2 when a partition stopped on a corrupt segment;\n"
	        "SIGINT/SIGTERM commits what was read and exits 130/143 (a second\n"
	        "signal abandons it).\n");
}

static void warn_cb(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "warning: %s\n", msg);
}

int icp_cmd_run(int argc, char **argv)
{
	const char *path = NULL, *v;
	int once = 0, strict = 0, i = 1, rc;
	icp_config *cfg = NULL;
	icp_processor *p = NULL;
	icp_processor_health *health = NULL;
	icp_httpd *httpd = NULL;
	icp_config_opts o;
	icp_error err;
	struct sigaction sa;

	while (i < argc) {
		if (icp_cli_is_flag(argv[i], "help") || icp_cli_is_flag(argv[i], "h")) {
			run_usage(stdout);
			return ICP_EXIT_OK;
		}
		if (icp_cli_is_flag(argv[i], "once")) {
			once = 1;
			i++;
			continue;
		}
		if (icp_cli_is_flag(argv[i], "strict")) {
			strict = 1;
			i++;
			continue;
		}
		if ((rc = icp_cli_opt_value(argc, argv, &i, "config", &v)) != 0) {
			if (rc < 0)
				goto usage;
			path = v;
			continue;
		}
		goto usage;
	}
	if (!path)
		goto usage;
	icp_error_init(&err);
	icp_config_opts_init(&o);
	o.warn = warn_cb;
	o.strict = strict;
	rc = icp_config_load_file(path, &o, &cfg, &err);
	if (rc != ICP_OK) {
		fprintf(stderr, "iceberg-processor: config error: %s\n", err.msg);
		return ICP_EXIT_USAGE;
	}
	icp_log_setup(cfg->log.level, cfg->log.format == ICP_LOG_JSON);
	rc = icp_processor_health_new(&health, &err);
	if (rc == ICP_OK) {
		/* The HTTP endpoints: always in run mode (default :9093, as
		 * today), with --once only when KAFSCALE_METRICS_ADDR is set. */
		const char *addr = getenv("KAFSCALE_METRICS_ADDR");
		if (!once || (addr && addr[0])) {
			icp_httpd_config hc;
			memset(&hc, 0, sizeof(hc));
			hc.addr = addr && addr[0] ? addr : ":9093";
			hc.ready = icp_processor_health_ready;
			hc.ready_arg = health;
			hc.status = icp_processor_health_status;
			hc.status_arg = health;
			rc = icp_httpd_new(&hc, &httpd, &err);
			if (rc == ICP_OK) {
				char port[8];
				snprintf(port, sizeof(port), "%u", (unsigned)icp_httpd_port(httpd));
				ICP_INFO("http endpoints listening", "addr", hc.addr, "port", port);
			} else {
				icp_error_prefix(&err, "KAFSCALE_METRICS_ADDR");
			}
		}
	}
	if (rc == ICP_OK) {
		once_mode = once;
		memset(&sa, 0, sizeof(sa));
		stop_deadline_s = (sig_atomic_t)cfg->processor.shutdown_timeout_seconds;
		sa.sa_handler = on_signal;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sa.sa_handler = on_alarm;
		sigaction(SIGALRM, &sa, NULL);
	}
	if (rc == ICP_OK) {
		unsigned wait = 1;
		while ((rc = icp_processor_new(cfg, &p, &err)) != ICP_OK && !once && transient(rc) &&
		       !stop_requested) {
			icp_processor_health_set(health, 0, err.msg);
			ICP_ERROR("start-up failed; retrying", "err", err.msg);
			sleep_s(wait);
			wait = wait < 30 ? wait * 2 : 30;
			icp_error_init(&err);
		}
		if (rc != ICP_OK && stop_requested && transient(rc))
			rc = ICP_OK; /* asked to stop while waiting: nothing to commit */
	}
	if (rc == ICP_OK && p) { /* p NULL: stopped while start-up was retried */
		icp_processor_set_health(p, health);
		if (once)
			rc = icp_processor_run_once(p, &stop_requested, &err);
		else
			rc = icp_processor_run(p, &stop_requested, &err);
	}
	if (rc != ICP_OK)
		fprintf(stderr, "iceberg-processor: %s\n", err.msg);
	icp_processor_free(p);
	icp_httpd_free(httpd);
	icp_processor_health_free(health);
	icp_config_free(cfg);
	/* A config the loader accepted can still be unusable at run time
	 * (unsupported endpoint): that is a config error too. */
	if (rc == ICP_ERR_UNSUPPORTED || rc == ICP_ERR_INVALID)
		return ICP_EXIT_USAGE;
	if (once && stop_requested && rc == ICP_OK)
		return interrupted_code();
	return icp_cli_exit_code(rc);
usage:
	run_usage(stderr);
	return ICP_EXIT_USAGE;
}
