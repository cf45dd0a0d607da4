/*
 * JSON Schema validation benchmark (not a test): a typical ~300-byte order
 * record against a 10-property schema (types, required, enum, bounds,
 * pattern, format, a nested items array, additionalProperties: false).
 * Usage: bench_jsonschema [RECORDS]   (default 500000)
 * Prints two lines, best of 3 runs each:
 *   validate records=N bytes=B seconds=S records_per_s=R   (DOM already parsed)
 *   parse+validate records=N bytes=B seconds=S records_per_s=R
 * The scratch arena is reset per record, as the processor does.
 */
#include "jsonschema/jsonschema.h"

#include <stdio.h>
#include <stdlib.h>

#define DISTINCT 1024

static const char k_schema[] =
	"{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
	"\"type\":\"object\","
	"\"required\":[\"order_id\",\"user\",\"status\",\"amount\",\"currency\",\"items\","
	"\"created_at\"],"
	"\"properties\":{"
	"\"order_id\":{\"type\":\"integer\",\"minimum\":1},"
	"\"user\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64},"
	"\"email\":{\"type\":\"string\",\"format\":\"email\"},"
	"\"status\":{\"enum\":[\"new\",\"paid\",\"shipped\",\"cancelled\"]},"
	"\"amount\":{\"type\":\"number\",\"minimum\":0,\"multipleOf\":0.01},"
	"\"currency\":{\"type\":\"string\",\"pattern\":\"^[A-Z]{3}$\"},"
	"\"items\":{\"type\":\"array\",\"minItems\":1,\"items\":{\"type\":\"object\","
	"\"required\":[\"sku\",\"qty\"],\"properties\":{\"sku\":{\"type\":\"string\"},"
	"\"qty\":{\"type\":\"integer\",\"minimum\":1}}}},"
	"\"created_at\":{\"type\":\"string\",\"format\":\"date-time\"},"
	"\"id\":{\"type\":\"string\",\"format\":\"uuid\"},"
	"\"note\":{\"type\":[\"string\",\"null\"],\"maxLength\":200}},"
	"\"additionalProperties\":false}";

static uint64_t rnd_state = 88172645463325252ull;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static double now_s(void)
{
	return (double)icp_mono_ns() / 1e9;
}

int main(int argc, char **argv)
{
	static const char *users[] = {"alice", "bob", "carol", "dave", "erin", "frank"};
	static const char *status[] = {"new", "paid", "shipped", "cancelled"};
	long n = argc > 1 ? atol(argv[1]) : 500000;
	char *recs[DISTINCT];
	size_t lens[DISTINCT], bytes = 0;
	icp_json *doms[DISTINCT];
	icp_arena *doma = icp_arena_new(0), *scratch = icp_arena_new(0);
	icp_jsonschema *v = NULL;
	icp_jsonschema_result res;
	icp_error err;
	int i, run, mode;
	double best[2] = {1e9, 1e9};

	icp_error_init(&err);
	if (icp_jsonschema_compile(k_schema, sizeof(k_schema) - 1, NULL, &v, &err) != ICP_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	for (i = 0; i < DISTINCT; i++) {
		char tmp[512];
		int len = snprintf(tmp, sizeof(tmp),
		        "{\"order_id\":%d,\"user\":\"%s\",\"email\":\"%s@mail.example.com\","
		        "\"status\":\"%s\",\"amount\":%d.%02d,\"currency\":\"EUR\","
		        "\"items\":[{\"sku\":\"SKU-%05d\",\"qty\":%d},{\"sku\":\"SKU-%05d\",\"qty\":%d}],"
		        "\"created_at\":\"2026-11-%02dT%02d:%02d:%02d.%03dZ\","
		        "\"id\":\"%08x-1c2d-4e5f-8a9b-%012llx\",\"note\":\"gift wrap %04x\"}",
		        1000000 + i, users[rnd() % 6], users[rnd() % 6], status[rnd() % 4],
		        (int)(rnd() % 10000), (int)(rnd() % 100), (int)(rnd() % 100000),
		        (int)(1 + rnd() % 9), (int)(rnd() % 100000), (int)(1 + rnd() % 9),
		        (int)(1 + rnd() % 28), (int)(rnd() % 24), (int)(rnd() % 60),
		        (int)(rnd() % 60), (int)(rnd() % 1000), (unsigned)(rnd() & 0xffffffff),
		        (unsigned long long)(rnd() & 0xffffffffffffull),
		        (unsigned)(rnd() & 0xffff));
		recs[i] = icp_arena_memdup(doma, tmp, (size_t)len);
		lens[i] = (size_t)len;
		if (icp_json_parse(doma, tmp, (size_t)len, NULL, &doms[i], &err) != ICP_OK ||
		    icp_jsonschema_validate(v, doms[i], scratch, &res) != ICP_OK) {
			fprintf(stderr, "record %d: %s%s\n%s\n", i, err.msg, res.message, tmp);
			return 1;
		}
		icp_arena_reset(scratch);
	}
	for (run = 0; run < 3; run++) {
		for (mode = 0; mode < 2; mode++) {
			double t0 = now_s(), dt;
			long k;
			bytes = 0;
			for (k = 0; k < n; k++) {
				int j = (int)(k % DISTINCT), rc;
				rc = mode == 0 ? icp_jsonschema_validate(v, doms[j], scratch, &res)
				               : icp_jsonschema_validate_text(v, recs[j], lens[j],
				                                              scratch, &res);
				if (rc != ICP_OK) {
					fprintf(stderr, "unexpected: %s\n", res.message);
					return 1;
				}
				icp_arena_reset(scratch);
				bytes += lens[j];
			}
			dt = now_s() - t0;
			if (dt < best[mode])
				best[mode] = dt;
		}
	}
	printf("validate records=%ld bytes=%zu seconds=%.3f records_per_s=%.0f\n", n, bytes,
	       best[0], n / best[0]);
	printf("parse+validate records=%ld bytes=%zu seconds=%.3f records_per_s=%.0f\n", n,
	       bytes, best[1], n / best[1]);
	printf("mean record bytes=%.0f\n", (double)bytes / n);
	icp_jsonschema_free(v);
	icp_arena_free(doma);
	icp_arena_free(scratch);
	return 0;
}
