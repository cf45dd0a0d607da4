/*
 * coord_worker: one simulated worker for tests/coord/it_coord.sh.
 *
 *   coord_worker URL PREFIX ID TTL_S NTOPICS NPARTS
 *
 * Ticks every 200 ms over the partitions "t{i}/{p}" (i < NTOPICS,
 * p < NPARTS), releases at once what it is asked to release, and "uses"
 * every partition icp_coord_owns() says it owns: it reads the partition's
 * lease key from etcd and then asks icp_coord_owns() again; if etcd showed
 * another owner (or no key) while we still believe we own it, that is a
 * safety violation ("VIOLATION" line, exit 3). About every 2 s per
 * partition it writes the etcd offsets/watermarks through
 * icp_coord_put_offset. SIGTERM: icp_coord_shutdown (revoke) and exit 0.
 *
 * Output (stdout, line-buffered): "EV <wall_ms> <id> <event> <tp|detail>"
 * with event claimed, lost, release, released, err, ok, shutdown.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "coord/coord.h"

static volatile sig_atomic_t g_stop;

static void on_term(int sig)
{
	(void)sig;
	g_stop = 1;
}

static void ev(const char *id, const char *what, const char *detail)
{
	printf("EV %lld %s %s %s\n", (long long)icp_now_ms(), id, what, detail);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* The safety check described above. Returns 1 on a violation, -1 when
 * etcd did not answer (no more checks this round). */
static int use(icp_coord *c, const char *prefix, const char *id, const char *tp,
               int64_t lease_id)
{
	char key[512];
	icp_arena *a = icp_arena_new(0);
	icp_etcd_kv *kv = NULL;
	icp_error err;
	int rc, bad = 0;

	if (!a)
		return 0;
	snprintf(key, sizeof(key), "%s/leases/%s", prefix, tp);
	icp_error_init(&err);
	rc = icp_etcd_get(icp_coord_etcd(c), a, icp_slice_cstr(key), &kv, &err);
	if ((rc == ICP_ERR_NOT_FOUND || (rc == ICP_OK && kv->lease != lease_id)) &&
	    icp_coord_owns(c, tp)) {
		printf("VIOLATION %lld %s uses %s but etcd says %s\n", (long long)icp_now_ms(), id,
		       tp, rc == ICP_OK ? "another lease" : "no key");
		bad = 1;
	}
	if (rc == ICP_ERR_RETRYABLE)
		bad = -1;
	icp_arena_free(a);
	return bad;
}

int main(int argc, char **argv)
{
	const char *url, *prefix, *id;
	icp_coord_opts o;
	icp_coord *c = NULL;
	icp_error err;
	char **tps;
	int64_t *next_put;
	int nt, np, n, i, was_ok = -1, rc;

	if (argc != 7) {
		fprintf(stderr, "usage: coord_worker URL PREFIX ID TTL_S NTOPICS NPARTS\n");
		return 2;
	}
	url = argv[1];
	prefix = argv[2];
	id = argv[3];
	nt = (int)strtol(argv[5], NULL, 10);
	np = (int)strtol(argv[6], NULL, 10);
	n = nt * np;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	tps = icp_calloc((size_t)n, sizeof(*tps));
	next_put = icp_calloc((size_t)n, sizeof(*next_put));
	for (i = 0; i < n; i++) {
		char b[64];
		snprintf(b, sizeof(b), "t%d/%d", i / np, i % np);
		tps[i] = icp_strdup(b);
	}
	memset(&o, 0, sizeof(o));
	o.etcd.endpoints = &url;
	o.etcd.n_endpoints = 1;
	o.key_prefix = prefix;
	o.worker_id = id;
	o.ttl_s = strtol(argv[4], NULL, 10);
	icp_error_init(&err);
	if (icp_coord_new(&o, &c, &err) != ICP_OK) {
		fprintf(stderr, "coord_worker: %s\n", err.msg);
		return 2;
	}
	while (!g_stop) {
		icp_coord_changes ch;
		icp_coord_status st;
		size_t k;

		icp_error_init(&err);
		rc = icp_coord_tick(c, (const char *const *)tps, (size_t)n, &ch, &err);
		for (k = 0; k < ch.n_lost; k++)
			ev(id, "lost", ch.lost[k]);
		for (k = 0; k < ch.n_claimed; k++)
			ev(id, "claimed", ch.claimed[k]);
		for (k = 0; k < ch.n_to_release; k++) {
			icp_error e;
			char tp[256];
			/* the processor would commit or discard here */
			snprintf(tp, sizeof(tp), "%s", ch.to_release[k]);
			icp_error_init(&e);
			ev(id, "release", tp);
			if (icp_coord_release(c, tp, &e) == ICP_OK)
				ev(id, "released", tp);
			else
				ev(id, "released-unconfirmed", e.msg);
		}
		if (rc != ICP_OK && was_ok != 0)
			ev(id, "err", err.msg);
		if (rc == ICP_OK && was_ok != 1)
			ev(id, "ok", "-");
		was_ok = rc == ICP_OK;
		if (icp_coord_status_get(c, &st, &err) == ICP_OK) {
			for (i = 0; i < n; i++) {
				if (!icp_coord_owns(c, tps[i]))
					continue;
				/* the check needs etcd: skipped while it is away
				 * (a processor would go on reading S3 here) */
				if (rc == ICP_OK) {
					int u = use(c, prefix, id, tps[i], st.lease_id);
					if (u > 0) {
						fflush(stdout);
						return 3;
					}
					if (u < 0)
						rc = ICP_ERR_RETRYABLE;
				}
				if (icp_now_ms() >= next_put[i]) {
					/* offsets only move forward: derive them from
					 * the clock, as if records kept arriving */
					icp_error e;
					char topic[64];
					int64_t now = icp_now_ms();
					snprintf(topic, sizeof(topic), "t%d", i / np);
					icp_error_init(&e);
					if (icp_coord_put_offset(c, topic, i % np, now / 100, now, &e) ==
					    ICP_ERR_INVALID) {
						fprintf(stderr, "coord_worker: %s\n", e.msg);
						return 4;
					}
					next_put[i] = now + 2000;
				}
			}
		}
		sleep_ms(200);
	}
	icp_error_init(&err);
	rc = icp_coord_shutdown(c, &err);
	ev(id, "shutdown", rc == ICP_OK ? "revoked" : err.msg);
	icp_coord_free(c);
	for (i = 0; i < n; i++)
		icp_free(tps[i]);
	icp_free(tps);
	icp_free(next_put);
	return 0;
}
