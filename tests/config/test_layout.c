/* config_layout.c: mappings[].timestamp_column, partition_by, sort_by and
 * processor.max_open_files: accepted forms (YAML block and flow, JSON, a
 * comma string with parentheses, ${VAR}), absent vs [] (also in
 * check-config's JSON), every error message, the registry's syntax-only
 * check, allocation failures. */
#include "config/config.h"
#include "test.h"

#include <stdlib.h>

static const char *const *fake_env;

static const char *env_get(void *ctx, const char *name)
{
	size_t n = strlen(name);
	const char *const *e;
	(void)ctx;
	for (e = fake_env; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

#define BASE                                                                       \
	"s3: {bucket: b}\n"                                                        \
	"iceberg: {catalog: {type: rest, uri: 'http://cat'}, warehouse: 's3://w/wh'}\n" \
	"etcd: {endpoints: [http://etcd:2379]}\n"
/* a mapping with typed columns; %s = extra mapping keys */
#define COLS                                                                       \
	"[{name: id, type: long}, {name: ts, type: timestamp}, {name: name, type: string}," \
	" {name: addr, type: 'struct<city:string>'}, {name: tags, type: 'list<string>'}," \
	" {name: price, type: 'decimal(10,2)'}]"

static int load(const char *yaml, const char *const *env, icp_config **cfg, icp_error *err)
{
	icp_config_opts o;
	icp_config_opts_init(&o);
	o.getenv = env_get;
	o.strict = 1;
	fake_env = env;
	icp_error_init(err);
	return icp_config_load_string(yaml, strlen(yaml), &o, cfg, err);
}

/* BASE + one mapping of topic t0 with schema.columns COLS and `extra`
 * (mapping keys, flow style, may be ""). */
static icp_config *map_ok(const char *extra, const char *const *env)
{
	char yaml[8192];
	icp_config *cfg = NULL;
	icp_error err;
	snprintf(yaml, sizeof(yaml),
	         BASE "mappings: [{topic: t0, table: n.t0, schema: {columns: " COLS "}%s%s}]\n",
	         *extra ? ", " : "", extra);
	CHECK_EQ_INT(load(yaml, env, &cfg, &err), ICP_OK);
	if (!cfg)
		fprintf(stderr, "  error: %s\n", err.msg);
	return cfg;
}

static void map_err(const char *extra, const char *msg)
{
	char yaml[8192];
	icp_config *cfg = NULL;
	icp_error err;
	snprintf(yaml, sizeof(yaml),
	         BASE "mappings: [{topic: t0, table: n.t0, schema: {columns: " COLS "}%s%s}]\n",
	         *extra ? ", " : "", extra);
	CHECK_EQ_INT(load(yaml, NULL, &cfg, &err), ICP_ERR_INVALID);
	CHECK(cfg == NULL);
	CHECK_CONTAINS(err.msg, msg);
	icp_config_free(cfg);
}

static void full_err(const char *yaml, const char *msg)
{
	icp_config *cfg = NULL;
	icp_error err;
	CHECK_EQ_INT(load(yaml, NULL, &cfg, &err), ICP_ERR_INVALID);
	CHECK(cfg == NULL);
	CHECK_CONTAINS(err.msg, msg);
	icp_config_free(cfg);
}

static void test_defaults(void)
{
	icp_config *c = map_ok("", NULL);
	icp_buf b;
	if (!c)
		return;
	CHECK_EQ_STR(c->mappings[0].timestamp_column, "");
	CHECK_EQ_INT(c->mappings[0].has_partition_by, 0);
	CHECK_EQ_INT(c->mappings[0].partition_by.n, 0);
	CHECK_EQ_INT(c->mappings[0].sort_by.n, 0);
	CHECK_EQ_INT(c->processor.max_open_files, 16);
	/* check-config: absent partition_by is null, sort_by an empty list */
	icp_buf_init(&b, 0);
	CHECK_EQ_INT(icp_config_to_json(c, &b, 1), ICP_OK);
	CHECK_CONTAINS((char *)b.data, "\"partition_by\": null");
	CHECK_CONTAINS((char *)b.data, "\"sort_by\": []");
	CHECK_CONTAINS((char *)b.data, "\"timestamp_column\": \"\"");
	CHECK_CONTAINS((char *)b.data, "\"max_open_files\": 16");
	icp_buf_reset(&b);
	CHECK_EQ_INT(icp_config_reference(&b), ICP_OK);
	CHECK_CONTAINS((char *)b.data, "| `mappings[].partition_by` | list of strings | absent |");
	CHECK_CONTAINS((char *)b.data, "| `mappings[].sort_by` | list of strings | empty |");
	CHECK_CONTAINS((char *)b.data, "| `mappings[].timestamp_column` | string | `\"\"` |");
	CHECK_CONTAINS((char *)b.data, "| `processor.max_open_files` | int 1..4096 | `16` |");
	icp_buf_dispose(&b);
	icp_config_free(c);
}

static void test_max_open_files(void)
{
	icp_config *c = NULL;
	icp_error err;
	const char *ok = BASE "processor: {max_open_files: 4096}\nmappings: [{topic: t, table: n.t}]\n";
	CHECK_EQ_INT(load(ok, NULL, &c, &err), ICP_OK);
	if (c)
		CHECK_EQ_INT(c->processor.max_open_files, 4096);
	icp_config_free(c);
	full_err(BASE "processor: {max_open_files: 0}\nmappings: [{topic: t, table: n.t}]\n",
	         "processor.max_open_files 0 must be >= 1");
	full_err(BASE "processor: {max_open_files: 4097}\nmappings: [{topic: t, table: n.t}]\n",
	         "processor.max_open_files 4097 must be <= 4096");
}

static void test_partition_forms(void)
{
	const char *const env[] = {"PARTS=day(created), bucket(8, id)", "EMPTY=", NULL};
	icp_config *c;
	icp_buf b;

	/* [] is unpartitioned, not absent */
	c = map_ok("partition_by: []", NULL);
	if (c) {
		CHECK_EQ_INT(c->mappings[0].has_partition_by, 1);
		CHECK_EQ_INT(c->mappings[0].partition_by.n, 0);
		icp_buf_init(&b, 0);
		icp_config_to_json(c, &b, 1);
		CHECK_CONTAINS((char *)b.data, "\"partition_by\": []");
		icp_buf_dispose(&b);
		icp_config_free(c);
	}
	/* null is absent, like any key */
	c = map_ok("partition_by: null", NULL);
	if (c) {
		CHECK_EQ_INT(c->mappings[0].has_partition_by, 0);
		icp_config_free(c);
	}
	/* every transform; the timestamp column can be a source */
	c = map_ok("timestamp_column: created, partition_by: [day(created), 'bucket(16, id)', "
	           "'truncate(4,name)', name, identity(price), HOUR(ts), void(id)]",
	           NULL);
	if (c) {
		CHECK_EQ_INT(c->mappings[0].has_partition_by, 1);
		CHECK_EQ_INT(c->mappings[0].partition_by.n, 7);
		CHECK_EQ_STR(c->mappings[0].partition_by.items[1], "bucket(16, id)");
		CHECK_EQ_STR(c->mappings[0].timestamp_column, "created");
		icp_config_free(c);
	}
	/* a string: split at commas outside parentheses (${VAR}) */
	c = map_ok("timestamp_column: created, partition_by: '${PARTS}'", env);
	if (c) {
		CHECK_EQ_INT(c->mappings[0].partition_by.n, 2);
		CHECK_EQ_STR(c->mappings[0].partition_by.items[0], "day(created)");
		CHECK_EQ_STR(c->mappings[0].partition_by.items[1], "bucket(8, id)");
		icp_config_free(c);
	}
	/* an empty string is an empty list: unpartitioned */
	c = map_ok("partition_by: '${EMPTY}'", env);
	if (c) {
		CHECK_EQ_INT(c->mappings[0].has_partition_by, 1);
		CHECK_EQ_INT(c->mappings[0].partition_by.n, 0);
		icp_config_free(c);
	}
	/* block style */
	{
		icp_config *d = NULL;
		icp_error err;
		const char *y = BASE "mappings:\n"
		                     "  - topic: t0\n"
		                     "    table: n.t0\n"
		                     "    timestamp_column: event_time\n"
		                     "    partition_by:\n"
		                     "      - month(event_time)\n"
		                     "      - bucket(4, partition)\n"
		                     "    sort_by:\n"
		                     "      - offset\n"
		                     "      - event_time\n";
		CHECK_EQ_INT(load(y, NULL, &d, &err), ICP_OK);
		if (d) {
			CHECK_EQ_INT(d->mappings[0].schema.source, ICP_SOURCE_NONE);
			CHECK_EQ_INT(d->mappings[0].partition_by.n, 2);
			CHECK_EQ_INT(d->mappings[0].sort_by.n, 2);
			CHECK_EQ_STR(d->mappings[0].sort_by.items[1], "event_time");
		} else {
			fprintf(stderr, "  error: %s\n", err.msg);
		}
		icp_config_free(d);
	}
	/* a JSON config (YAML's flow subset) */
	{
		icp_config *d = NULL;
		icp_error err;
		const char *y = "{\"s3\": {\"bucket\": \"b\"}, \"iceberg\": {\"catalog\": {\"type\": "
		                "\"sql\", \"uri\": \"sqlite:///tmp/x.db\"}, \"warehouse\": "
		                "\"file:///tmp/w\"}, \"offsets\": {\"backend\": \"local\"}, "
		                "\"mappings\": [{\"topic\": \"a\", \"table\": \"n.a\", "
		                "\"partition_by\": []}, {\"topic\": \"b\", \"table\": \"n.b\", "
		                "\"partition_by\": [\"day(timestamp_ms)\"]}, {\"topic\": \"c\", "
		                "\"table\": \"n.c\"}]}";
		CHECK_EQ_INT(load(y, NULL, &d, &err), ICP_ERR_INVALID);
		/* timestamp_ms is a long: day() does not take it */
		CHECK_CONTAINS(err.msg, "mappings[1].partition_by[0]: partition expression "
		                        "\"day(timestamp_ms)\": transform day does not accept column "
		                        "\"timestamp_ms\" of type long");
		CHECK_CONTAINS(err.msg, "(topic b)");
		icp_config_free(d);
		y = "{\"s3\": {\"bucket\": \"b\"}, \"iceberg\": {\"catalog\": {\"type\": "
		    "\"sql\", \"uri\": \"sqlite:///tmp/x.db\"}, \"warehouse\": "
		    "\"file:///tmp/w\"}, \"offsets\": {\"backend\": \"local\"}, "
		    "\"mappings\": [{\"topic\": \"a\", \"table\": \"n.a\", "
		    "\"partition_by\": []}, {\"topic\": \"b\", \"table\": \"n.b\", "
		    "\"partition_by\": [\"bucket(4, key)\"]}, {\"topic\": \"c\", "
		    "\"table\": \"n.c\", \"partition_by\": null}]}";
		CHECK_EQ_INT(load(y, NULL, &d, &err), ICP_OK);
		if (d) {
			CHECK_EQ_INT(d->mappings[0].has_partition_by, 1);
			CHECK_EQ_INT(d->mappings[0].partition_by.n, 0);
			CHECK_EQ_INT(d->mappings[1].has_partition_by, 1);
			CHECK_EQ_INT(d->mappings[1].partition_by.n, 1);
			CHECK_EQ_INT(d->mappings[2].has_partition_by, 0);
		} else {
			fprintf(stderr, "  error: %s\n", err.msg);
		}
		icp_config_free(d);
	}
}

static void test_partition_errors(void)
{
	map_err("partition_by: [day(nope)]",
	        "mappings[0].partition_by[0]: partition expression \"day(nope)\": unknown column "
	        "\"nope\" (topic t0)");
	map_err("partition_by: [id, 'frob(id)']",
	        "mappings[0].partition_by[1]: partition expression \"frob(id)\": unknown "
	        "transform \"frob\"");
	map_err("partition_by: ['bucket(0, id)']",
	        "mappings[0].partition_by[0]: partition expression \"bucket(0, id)\": bucket "
	        "count must be 1..2147483647, got 0");
	map_err("partition_by: ['day(id']", "mappings[0].partition_by[0]: partition expression "
	                                    "\"day(id\": syntax error");
	map_err("partition_by: [addr]", "mappings[0].partition_by[0]: partition expression "
	                                "\"addr\": column \"addr\" is a struct");
	map_err("partition_by: [day(ts), hour(ts)]",
	        "mappings[0].partition_by[1]: partition expression \"hour(ts)\": redundant "
	        "partition");
	map_err("partition_by: [year(name)]",
	        "mappings[0].partition_by[0]: partition expression \"year(name)\": transform year "
	        "does not accept column \"name\" of type string");
	/* the timestamp column exists only when configured */
	map_err("partition_by: [day(created)]", "unknown column \"created\"");
	/* lfs_* columns exist only with store_metadata */
	map_err("partition_by: [lfs_bucket]", "unknown column \"lfs_bucket\"");
	{
		icp_config *c = map_ok("lfs: {store_metadata: true}, partition_by: [lfs_bucket]", NULL);
		icp_config_free(c);
	}
	/* list items must be non-empty strings (the loader) */
	map_err("partition_by: [day(ts), '']", "mappings[0].partition_by[1] must be a non-empty "
	                                       "string");
	map_err("partition_by: {a: b}", "mappings[0].partition_by must be a list of strings");
}

static void test_sort_by(void)
{
	icp_config *c = map_ok("timestamp_column: created, sort_by: [created, id, offset, "
	                       "price]", NULL);
	if (c) {
		CHECK_EQ_INT(c->mappings[0].sort_by.n, 4);
		icp_config_free(c);
	}
	map_err("sort_by: [id, nope]",
	        "mappings[0].sort_by[1] \"nope\" is not a column of the table (topic t0)");
	map_err("sort_by: [tags]", "mappings[0].sort_by[0] \"tags\" is a list<string> column; "
	                           "sort_by takes top-level primitive columns (topic t0)");
	map_err("sort_by: [addr]", "mappings[0].sort_by[0] \"addr\" is a struct<city:string> "
	                           "column; sort_by takes top-level primitive columns");
	map_err("sort_by: [id, name, id]",
	        "mappings[0].sort_by[2] \"id\" duplicates sort_by[0] (topic t0)");
	map_err("sort_by: ['addr.city']", "\"addr.city\" is not a column of the table");
}

static void test_timestamp_column(void)
{
	map_err("timestamp_column: offset",
	        "mappings[0].timestamp_column \"offset\" clashes with a built-in column (topic t0)");
	map_err("timestamp_column: timestamp_ms",
	        "mappings[0].timestamp_column \"timestamp_ms\" clashes with a built-in column");
	map_err("timestamp_column: name", "mappings[0].timestamp_column \"name\" clashes with "
	                                  "mappings[0].schema.columns[2] (topic t0)");
	/* with or without store_metadata */
	map_err("timestamp_column: lfs_key", "mappings[0].timestamp_column \"lfs_key\" clashes "
	                                     "with an LFS metadata column (lfs.store_metadata) "
	                                     "(topic t0)");
	map_err("timestamp_column: lfs_blob_size, lfs: {store_metadata: true}",
	        "\"lfs_blob_size\" clashes with an LFS metadata column");
	/* a name like a JSON field name but not a column is fine */
	{
		icp_config *c = map_ok("timestamp_column: kafka_time, lfs: {store_metadata: true}",
		                       NULL);
		if (c)
			CHECK_EQ_STR(c->mappings[0].timestamp_column, "kafka_time");
		icp_config_free(c);
	}
}

static void test_registry(void)
{
	icp_config *c = NULL;
	icp_error err;
	char y[4096];
	/* registry: the columns come at table open: syntax only */
	snprintf(y, sizeof(y),
	         "%sschema: {registry: {base_url: 'http://reg'}}\n"
	         "mappings: [{topic: t, table: n.t, timestamp_column: at, "
	         "partition_by: [day(at), 'bucket(4, customer)', whatever], "
	         "sort_by: [customer, at]}]\n", BASE);
	CHECK_EQ_INT(load(y, NULL, &c, &err), ICP_OK);
	if (c) {
		CHECK_EQ_INT(c->mappings[0].schema.source, ICP_SOURCE_REGISTRY);
		CHECK_EQ_INT(c->mappings[0].partition_by.n, 3);
	} else {
		fprintf(stderr, "  error: %s\n", err.msg);
	}
	icp_config_free(c);
	snprintf(y, sizeof(y),
	         "%sschema: {registry: {base_url: 'http://reg'}}\n"
	         "mappings: [{topic: t, table: n.t, partition_by: [day(at), 'bucket(x, c)']}]\n",
	         BASE);
	full_err(y, "mappings[0].partition_by[1]: partition expression \"bucket(x, c)\"");
	full_err(y, "(topic t)");
	snprintf(y, sizeof(y),
	         "%sschema: {registry: {base_url: 'http://reg'}}\n"
	         "mappings: [{topic: t, table: n.t, sort_by: [a, a]}]\n", BASE);
	full_err(y, "mappings[0].sort_by[1] \"a\" duplicates sort_by[0] (topic t)");
	snprintf(y, sizeof(y),
	         "%sschema: {registry: {base_url: 'http://reg'}}\n"
	         "mappings: [{topic: t, table: n.t, timestamp_column: key}]\n", BASE);
	full_err(y, "mappings[0].timestamp_column \"key\" clashes with a built-in column (topic t)");
}

static void test_alloc_failures(void)
{
	const char *yaml = BASE "mappings: [{topic: a, table: n.a, timestamp_column: at, "
	                        "partition_by: [day(at), 'bucket(4, x)'], sort_by: [x], "
	                        "schema: {columns: [{name: x, type: int}]}}]\n";
	long n;
	for (n = 1; n < 120; n++) {
		icp_config *c = NULL;
		icp_error err;
		int rc;
		icp_error_init(&err);
		icp_alloc_fail_after(n);
		rc = icp_config_load_string(yaml, strlen(yaml), NULL, &c, &err);
		icp_alloc_fail_after(0);
		CHECK(rc == ICP_OK || rc == ICP_ERR_NOMEM);
		CHECK((rc == ICP_OK) == (c != NULL));
		icp_config_free(c);
	}
}

int main(void)
{
	TEST_RUN(test_defaults);
	TEST_RUN(test_max_open_files);
	TEST_RUN(test_partition_forms);
	TEST_RUN(test_partition_errors);
	TEST_RUN(test_sort_by);
	TEST_RUN(test_timestamp_column);
	TEST_RUN(test_registry);
	TEST_RUN(test_alloc_failures);
	return TEST_DONE();
}
