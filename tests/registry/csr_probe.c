/*
 * csr_probe: drives one icp_csr client for tests/registry/it_csr.sh.
 *
 *   csr_probe URL [--basic USER:PASS] [--token T] [--cache SECONDS]
 *             [--fake-clock]
 *
 * reads commands on stdin, one a line, and answers each with one JSON line
 * on stdout (flushed), so a shell coprocess can interleave them with
 * changes to the registry:
 *   id N [K]        icp_csr_by_id(N), K times (default 1)
 *   latest SUBJECT  icp_csr_latest(SUBJECT)
 *   fetches         {"fetches": n}
 *   advance MS      (--fake-clock) moves the client's clock on: cache
 *                   expiry without sleeping, whatever the machine's load
 * A schema answer: {"ok":1,"id","type","version","subject","stale",
 * "text": hex, "refs": [hex, ...], "fetches"}; a failure: {"ok":0,
 * "status": icp_status_name, "msg"}.
 */
#include "core/core.h"
#include "registry/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_hex(icp_slice s)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;
	putchar('"');
	for (i = 0; i < s.len; i++) {
		putchar(hex[s.ptr[i] >> 4]);
		putchar(hex[s.ptr[i] & 15]);
	}
	putchar('"');
}

static void answer(icp_csr *c, int rc, const icp_csr_schema *s, int stale, const icp_error *err)
{
	size_t i;
	if (rc != ICP_OK) {
		icp_buf b;
		icp_buf_init(&b, 0);
		icp_buf_append_json_str(&b, (const uint8_t *)err->msg, strlen(err->msg));
		icp_buf_append_byte(&b, 0);
		printf("{\"ok\":0,\"status\":\"%s\",\"msg\":%s,\"fetches\":%llu}\n",
		       icp_status_name(rc), b.status ? "\"?\"" : (const char *)b.data,
		       (unsigned long long)icp_csr_fetches(c));
		icp_buf_dispose(&b);
		fflush(stdout);
		return;
	}
	printf("{\"ok\":1,\"id\":%d,\"type\":\"%s\",\"version\":%d,\"subject\":\"%s\",\"stale\":%d,"
	       "\"fetches\":%llu,\"text\":",
	       (int)s->id, icp_csr_type_name(s->type), (int)s->version,
	       s->subject ? s->subject : "", stale, (unsigned long long)icp_csr_fetches(c));
	put_hex(s->text);
	printf(",\"refs\":[");
	for (i = 0; i < s->n_refs; i++) {
		if (i)
			putchar(',');
		put_hex(s->refs[i]);
	}
	printf("]}\n");
	fflush(stdout);
}

static int64_t fake_now(void *ctx)
{
	return *(int64_t *)ctx;
}

int main(int argc, char **argv)
{
	int64_t clock_ms = 1000000;
	icp_csr_opts o;
	icp_csr *c = NULL;
	icp_error err;
	char line[1024], user[256];
	int i, rc;

	memset(&o, 0, sizeof(o));
	if (argc < 2) {
		fprintf(stderr, "usage: csr_probe URL [--basic U:P] [--token T] [--cache S]\n");
		return 2;
	}
	o.url = argv[1];
	o.timeout_seconds = 2;
	for (i = 2; i < argc; i += 2) {
		if (i + 1 >= argc && strcmp(argv[i], "--fake-clock") != 0)
			return 2;
		if (strcmp(argv[i], "--basic") == 0) {
			const char *colon = strchr(argv[i + 1], ':');
			size_t n = colon ? (size_t)(colon - argv[i + 1]) : 0;
			if (!colon || n >= sizeof(user))
				return 2;
			memcpy(user, argv[i + 1], n);
			user[n] = 0;
			o.username = user;
			o.password = colon + 1;
		} else if (strcmp(argv[i], "--token") == 0) {
			o.token = argv[i + 1];
		} else if (strcmp(argv[i], "--fake-clock") == 0) {
			o.now_ms = fake_now;
			o.clock_ctx = &clock_ms;
			i--; /* no value */
		} else if (strcmp(argv[i], "--cache") == 0) {
			o.cache_seconds = strtoll(argv[i + 1], NULL, 10);
		} else {
			return 2;
		}
	}
	icp_error_init(&err);
	if ((rc = icp_csr_new(&o, &c, &err)) != ICP_OK) {
		fprintf(stderr, "csr_probe: %s\n", err.msg);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		const icp_csr_schema *s = NULL;
		char arg[512];
		long n = 0, k = 1, j;
		int stale = 0;
		icp_error_init(&err);
		if (sscanf(line, "id %ld %ld", &n, &k) >= 1) {
			rc = ICP_OK;
			for (j = 0; j < k && rc == ICP_OK; j++)
				rc = icp_csr_by_id(c, (int32_t)n, &s, &err);
			answer(c, rc, s, 0, &err);
		} else if (sscanf(line, "latest %511s", arg) == 1) {
			rc = icp_csr_latest(c, arg, &s, &stale, &err);
			answer(c, rc, s, stale, &err);
		} else if (sscanf(line, "advance %ld", &n) == 1) {
			clock_ms += n;
			printf("{\"ok\":1}\n");
			fflush(stdout);
		} else if (strncmp(line, "fetches", 7) == 0) {
			printf("{\"fetches\":%llu}\n", (unsigned long long)icp_csr_fetches(c));
			fflush(stdout);
		} else {
			printf("{\"ok\":0,\"status\":\"usage\",\"msg\":\"unknown command\"}\n");
			fflush(stdout);
		}
	}
	icp_csr_free(c);
	return 0;
}
