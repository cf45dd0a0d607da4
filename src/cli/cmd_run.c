/*
 * `run` (the default command): loads the config, then processes segments
 * until SIGTERM/SIGINT (or once with --once) and commits what is buffered
 * before exiting. The signal handler only sets a flag the loop checks.
 *
 * Every line on stderr is a log line in the configured format, the last
 * one included (level fatal, with err and exit_code); before the config
 * is loaded the format comes from KAFSCALE_LOG_FORMAT (default logfmt).
 * The exit code comes from icp_cli_exit_code() alone.
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
#include <strings.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t stop_deadline_s; /* processor.shutdown_timeout_seconds */
static volatile sig_atomic_t stop_signal;     /* the first SIGTERM/SIGINT received */
static volatile sig_atomic_t once_mode;
/* The watchdog's line, rendered before the handler is installed: a signal
 * handler cannot format (see icp_log_prepare). */
static icp_log_prepared alarm_line[3]; /* run mode; --once SIGINT, SIGTERM */

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
	(void)sig;
	if (!once_mode)
		icp_log_write_prepared(&alarm_line[0]);
	else
		icp_log_write_prepared(&alarm_line[interrupted_code() == 128 + SIGINT ? 1 : 2]);
	_exit(once_mode ? interrupted_code() : 0);
}

static void prepare_alarm_line(void)
{
	static const char *const codes[3] = {"0", "130", "143"};
	int i;
	for (i = 0; i < 3; i++)
		(void)icp_log_prepare(&alarm_line[i], ICP_LOG_LEVEL_ERROR,
		                      "shutdown deadline passed; exiting without the last commit "
		                      "(nothing is lost: data is read again)",
		                      "exit_code", codes[i], (const char *)NULL);
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

/* Config warnings are held until the format is known, then logged. */
static void warn_cb(void *ctx, const char *msg)
{
	icp_buf *held = ctx;
	icp_buf_append_str(held, msg);
	icp_buf_append_byte(held, 0);
}

static void log_held_warnings(icp_buf *held)
{
	size_t at = 0;
	while (held->status == ICP_OK && at < held->len) {
		const char *w = (const char *)held->data + at;
		ICP_WARN("config", "warning", w);
		at += strlen(w) + 1;
	}
	icp_buf_dispose(held);
}

/* KAFSCALE_LOG_FORMAT=json (any case, spaces around ignored), for the
 * lines written before the config says log.format. */
static int env_wants_json(void)
{
	const char *v = getenv("KAFSCALE_LOG_FORMAT");
	size_t n;
	if (!v)
		return 0;
	while (*v == ' ')
		v++;
	for (n = strlen(v); n > 0 && v[n - 1] == ' '; n--)
		;
	return n == 4 && strncasecmp(v, "json", 4) == 0;
}

/* The last line of a failed run, and its exit code. */
static int exit_with(int rc, const icp_error *err)
{
	int code = icp_cli_exit_code(rc);
	if (code != ICP_EXIT_OK) {
		char num[8];
		snprintf(num, sizeof(num), "%d", code);
		ICP_FATAL("exiting on an error", "err", err->msg[0] ? err->msg : "unknown error",
		          "exit_code", num);
	}
	return code;
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
	icp_buf held;
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
	icp_buf_init(&held, 64 * 1024);
	icp_config_opts_init(&o);
	o.warn = warn_cb;
	o.warn_ctx = &held;
	o.strict = strict;
	icp_log_setup(ICP_LOG_LEVEL_INFO, env_wants_json());
	rc = icp_config_load_file(path, &o, &cfg, &err);
	if (rc != ICP_OK) {
		/* whatever the status (a file too large, a YAML error), a config
		 * that cannot be loaded is a config error */
		log_held_warnings(&held);
		ICP_FATAL("config error", "err", err.msg, "config", path, "exit_code", "1");
		return ICP_EXIT_USAGE;
	}
	icp_log_setup(cfg->log.level, cfg->log.format == ICP_LOG_JSON);
	log_held_warnings(&held);
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
		prepare_alarm_line();
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
	icp_processor_free(p);
	icp_httpd_free(httpd);
	icp_processor_health_free(health);
	icp_config_free(cfg);
	/* A config the loader accepted can still be unusable at run time
	 * (unsupported endpoint, a missing table it may not create, a missing
	 * bucket): ICP_ERR_INVALID/UNSUPPORTED, a config error too. */
	if (once && stop_requested && rc == ICP_OK)
		return interrupted_code();
	return exit_with(rc, &err);
usage:
	run_usage(stderr);
	return ICP_EXIT_USAGE;
}
