/* config: defaults, every validation rule with its message, ${VAR}
 * expansion, LFS/log env overrides, unknown keys, YAML limits, secrets
 * redacted in JSON, the compatibility.md example and the sample configs. */
#include "config/config.h"
#include "config/config_int.h"
#include "test.h"

#include <stdlib.h>

/* A fake environment: "NAME=value" entries. */
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

static char warnings[4096];

static void on_warn(void *ctx, const char *msg)
{
	(void)ctx;
	strncat(warnings, msg, sizeof(warnings) - strlen(warnings) - 2);
	strcat(warnings, "\n");
}

static int load_env(const char *yaml, const char *const *env, int strict,
                    icp_config **cfg, icp_error *err)
{
	icp_config_opts o;
	icp_config_opts_init(&o);
	o.getenv = env_get;
	o.warn = on_warn;
	o.strict = strict;
	fake_env = env;
	warnings[0] = '\0';
	icp_error_init(err);
	return icp_config_load_string(yaml, strlen(yaml), &o, cfg, err);
}

#define S3 "s3: {bucket: b}\n"
#define CAT "iceberg: {catalog: {type: rest, uri: 'http://cat'}, warehouse: 's3://w/wh'}\n"
#define ETCD "etcd: {endpoints: [http://etcd:2379]}\n"
#define BASE S3 CAT ETCD
/* The one mapping a config that should load needs (an empty mappings
 * list is an error, tested in test_no_mappings). */
#define MAP "mappings: [{topic: t0, table: n.t0}]\n"

/* Loads yaml and expects an error containing msg. */
static void expect_full(const char *yaml, const char *msg)
{
	icp_config *cfg = NULL;
	icp_error err;
	CHECK_EQ_INT(load_env(yaml, NULL, 0, &cfg, &err), ICP_ERR_INVALID);
	CHECK(cfg == NULL);
	CHECK_CONTAINS(err.msg, msg);
}

/* Loads BASE + extra and expects an error containing msg. */
static void expect_err(const char *extra, const char *msg)
{
	char yaml[4096];
	icp_config *cfg = NULL;
	icp_error err;
	snprintf(yaml, sizeof(yaml), "%s%s", BASE, extra);
	CHECK_EQ_INT(load_env(yaml, NULL, 0, &cfg, &err), ICP_ERR_INVALID);
	CHECK(cfg == NULL);
	CHECK_CONTAINS(err.msg, msg);
}

static icp_config *expect_ok(const char *extra, const char *const *env)
{
	char yaml[4096];
	icp_config *cfg = NULL;
	icp_error err;
	snprintf(yaml, sizeof(yaml), "%s%s", BASE, extra);
	CHECK_EQ_INT(load_env(yaml, env, 0, &cfg, &err), ICP_OK);
	if (!cfg)
		fprintf(stderr, "  error: %s\n", err.msg);
	return cfg;
}

static void test_defaults(void)
{
	const char *const env[] = {NULL};
	icp_config *c = expect_ok(MAP, env);
	if (!c)
		return;
	CHECK_EQ_STR(c->s3.bucket, "b");
	CHECK_EQ_STR(c->s3.namespace, "");
	CHECK_EQ_STR(c->s3.endpoint, "");
	CHECK_EQ_STR(c->s3.region, "us-east-1");
	CHECK_EQ_INT(c->s3.path_style, 0);
	CHECK_EQ_INT(c->iceberg.catalog.type, ICP_CATALOG_REST);
	CHECK_EQ_STR(c->iceberg.catalog.token, "");
	CHECK_EQ_STR(c->iceberg.s3.endpoint, "");
	CHECK_EQ_STR(c->iceberg.s3.region, "us-east-1");
	CHECK_EQ_INT(c->s3.upload_concurrency, 4);
	CHECK_EQ_INT(c->iceberg.s3.upload_concurrency, 4);
	CHECK_EQ_INT(c->offsets.backend, ICP_OFFSETS_ETCD);
	CHECK_EQ_INT(c->offsets.lease_ttl_seconds, 30);
	CHECK_EQ_STR(c->offsets.key_prefix, "processors");
	CHECK_EQ_STR(c->offsets.local_path, "./state/offsets.json");
	CHECK_EQ_INT(c->processor.poll_interval_seconds, 5);
	CHECK_EQ_INT(c->processor.target_file_size_bytes, 134217728);
	CHECK_EQ_INT(c->processor.commit_interval_seconds, 60);
	CHECK_EQ_INT(c->processor.max_batch_bytes, 64 << 20);
	CHECK_EQ_INT(c->processor.max_decompressed_bytes, 256 << 20);
	CHECK_EQ_INT(c->processor.shutdown_timeout_seconds, 25);
	CHECK(c->processor.worker_id && c->processor.worker_id[0]);
	CHECK_EQ_INT(c->discovery.mode, ICP_DISCOVERY_AUTO);
	CHECK_EQ_INT(c->schema.mode, ICP_SCHEMA_OFF);
	CHECK_EQ_INT(c->schema.registry.timeout_seconds, 5);
	CHECK_EQ_INT(c->schema.registry.cache_seconds, 300);
	CHECK_EQ_INT(c->parquet.compression, ICP_PARQUET_ZSTD);
	CHECK_EQ_INT(c->parquet.compression_level, 3);
	CHECK_EQ_INT(c->parquet.row_group_bytes, 134217728);
	CHECK_EQ_INT(c->parquet.page_bytes, 1048576);
	CHECK_EQ_INT(c->log.level, ICP_LOG_INFO);
	CHECK_EQ_INT(c->log.format, ICP_LOG_LOGFMT);
	CHECK_EQ_INT(c->n_mappings, 1);
	CHECK_EQ_INT(c->etcd.endpoints.n, 1);
	icp_config_free(c);
	icp_config_free(NULL);
}

static void test_go_zero_values(void)
{
	const char *const env[] = {"AWS_REGION=eu-west-1", NULL};
	icp_config *c = NULL;
	icp_error err;
	const char *yaml =
	        "s3: {bucket: b, namespace: //prod/x/, path_style: yes}\n"
	        "iceberg: {catalog: {type: rest, uri: 'http://cat'}, warehouse: 's3://w/wh'}\n"
	        "etcd: {endpoints: 'http://e1:2379, http://e2:2379'}\n"
	        "offsets: {lease_ttl_seconds: 0, key_prefix: '', backend: ''}\n"
	        "processor: {poll_interval_seconds: 0}\n"
	        "schema: {registry: {base_url: 'http://reg', timeout_seconds: 0}}\n"
	        "mappings:\n"
	        "  - topic: orders\n"
	        "    table: prod.orders\n"
	        "    lfs: {resolve_concurrency: 0}\n"
	        "  - topic: clicks\n"
	        "    table: a.b.clicks\n"
	        "    create_table_if_missing: On\n"
	        "    schema:\n"
	        "      columns:\n"
	        "        - {name: id, type: LONG, required: true}\n"
	        "  - {topic: t3, table: n.t3, schema: {source: none}}\n";
	CHECK_EQ_INT(load_env(yaml, env, 0, &c, &err), ICP_OK);
	if (!c) {
		fprintf(stderr, "  error: %s\n", err.msg);
		return;
	}
	CHECK_EQ_STR(c->s3.namespace, "prod/x");
	CHECK_EQ_STR(c->s3.region, "eu-west-1");
	CHECK_EQ_INT(c->s3.path_style, 1);
	CHECK_EQ_INT(c->iceberg.s3.path_style, 1);
	CHECK_EQ_INT(c->etcd.endpoints.n, 2);
	CHECK_EQ_STR(c->etcd.endpoints.items[1], "http://e2:2379");
	CHECK_EQ_INT(c->offsets.lease_ttl_seconds, 30);
	CHECK_EQ_STR(c->offsets.key_prefix, "processors");
	CHECK_EQ_INT(c->offsets.backend, ICP_OFFSETS_ETCD);
	CHECK_EQ_INT(c->processor.poll_interval_seconds, 5);
	CHECK_EQ_INT(c->schema.registry.timeout_seconds, 5);
	CHECK_EQ_INT(c->n_mappings, 3);
	if (c->n_mappings == 3) {
		icp_config_mapping *m = c->mappings;
		CHECK_EQ_INT(m[0].mode, ICP_MAPPING_APPEND);
		CHECK_EQ_INT(m[0].create_table_if_missing, 0);
		CHECK_EQ_INT(m[0].lfs.mode, ICP_LFS_OFF);
		CHECK_EQ_INT(m[0].lfs.max_inline_size, 0);
		CHECK_EQ_INT(m[0].lfs.validate_checksum, 1);
		CHECK_EQ_INT(m[0].lfs.store_metadata, 0);
		CHECK_EQ_INT(m[0].lfs.resolve_concurrency, 4);
		/* the Go rule: no columns + registry url -> registry */
		CHECK_EQ_INT(m[0].schema.source, ICP_SOURCE_REGISTRY);
		CHECK_EQ_INT(m[1].schema.source, ICP_SOURCE_MAPPING);
		CHECK_EQ_INT(m[1].create_table_if_missing, 1);
		CHECK_EQ_INT(m[1].schema.n_columns, 1);
		CHECK_EQ_INT(m[1].schema.columns[0].type, ICP_COL_LONG);
		CHECK_EQ_INT(m[1].schema.columns[0].required, 1);
		CHECK_EQ_INT(m[2].schema.source, ICP_SOURCE_NONE);
	}
	icp_config_free(c);
}

static void test_table_defaults_are_valid(void)
{
	/* Every default goes through the converter: a bad one fails load. */
	const icp_cfg_table *tables[] = {&icp_cfg_top_table, &icp_cfg_mapping_table,
	                                 &icp_cfg_column_table};
	size_t t, i;
	for (t = 0; t < 3; t++)
		for (i = 0; i < tables[t]->n; i++) {
			const icp_cfg_key *k = &tables[t]->keys[i];
			CHECK(k->help && k->help[0]);
			if (k->kind == ICP_CFG_INT)
				CHECK(k->min <= k->max);
			if (k->kind == ICP_CFG_ENUM)
				CHECK(k->names && k->names[0]);
		}
	CHECK_EQ_STR(icp_config_enum_name("iceberg.catalog.type", ICP_CATALOG_SQL), "sql");
	CHECK_EQ_STR(icp_config_enum_name("mappings.lfs.mode", ICP_LFS_HYBRID), "hybrid");
	CHECK_EQ_STR(icp_config_enum_name("mappings.schema.columns.type", ICP_COL_DATE), "date");
	CHECK(icp_config_enum_name("s3.bucket", 0) == NULL);
}

static void test_required(void)
{
	icp_config *c = NULL;
	icp_error err;
	CHECK_EQ_INT(load_env("", NULL, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_EQ_STR(err.msg, "s3.bucket is required");
	CHECK_EQ_INT(load_env("s3: {bucket: b}\n", NULL, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_EQ_STR(err.msg, "iceberg.catalog.type is required");
	CHECK_EQ_INT(load_env("s3: {bucket: b}\niceberg: {catalog: {type: rest}, warehouse: 's3://w/wh'}",
	                      NULL, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_EQ_STR(err.msg, "iceberg.catalog.uri is required");
	CHECK_EQ_INT(load_env("s3: {bucket: b}\niceberg: {catalog: {type: rest, uri: 'http://x'}, warehouse: 's3://w/wh'}",
	                      NULL, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_EQ_STR(err.msg, "etcd.endpoints is required for offsets.backend=etcd");
	expect_err("mappings: [{table: a.b}]", "mappings[0].topic is required");
	expect_err("mappings: [{topic: t}]", "mappings[0].table is required");
	expect_err("mappings: [{topic: t, table: a.b, schema: {columns: [{type: int}]}}]",
	           "mappings[0].schema.columns[0].name is required");
	expect_err("mappings: [{topic: t, table: a.b, schema: {columns: [{name: x}]}}]",
	           "mappings[0].schema.columns[0].type is required");
}

static void test_value_rules(void)
{
	expect_err("mappings:\n - {topic: a, table: n.a}\n"
	           " - {topic: b, table: n.b, schema: {columns: [{name: x, type: money}]}}\n",
	           "mappings[1].schema.columns[0].type \"money\" is not supported");
	expect_err("mappings: [{topic: a, table: n.a, mode: upsert}]",
	           "mappings[0].mode \"upsert\" is not supported (expected append)");
	expect_err("mappings: [{topic: a, table: orders}]",
	           "mappings[0].table \"orders\" must be a dotted namespace.table name");
	expect_err("mappings: [{topic: a, table: n..t}]", "mappings[0].table \"n..t\"");
	expect_err("mappings: [{topic: a, table: n.a}, {topic: a, table: n.b}]",
	           "mappings[1].topic \"a\" is already mapped by mappings[0]");
	expect_err("mappings: [{topic: a/b, table: n.a}]",
	           "mappings[0].topic \"a/b\" is not a valid topic name");
	expect_err("mappings: [{topic: a, table: n.a, lfs: {mode: hybrid}}]",
	           "mappings[0].lfs.max_inline_size 0 must be > 0 for lfs.mode=hybrid");
	expect_err("mappings: [{topic: a, table: n.a, lfs: {mode: bogus}}]",
	           "mappings[0].lfs.mode \"bogus\" is not supported (expected off|resolve|reference|skip|hybrid)");
	expect_err("mappings: [{topic: a, table: n.a, lfs: {resolve_concurrency: -1}}]",
	           "mappings[0].lfs.resolve_concurrency -1 must be >= 0");
	expect_err("mappings: [{topic: a, table: n.a, schema: {source: mapping}}]",
	           "mappings[0].schema.columns is required for schema.source=mapping");
	expect_err("mappings: [{topic: a, table: n.a, schema: {source: registry}}]",
	           "schema.registry.base_url is required for mappings[0].schema.source=registry");
	expect_err("mappings: [{topic: a, table: n.a, schema: {source: avro}}]",
	           "mappings[0].schema.source \"avro\" is not supported");
	expect_err("mappings: [{topic: a, table: n.a, schema: {columns: [{name: offset, type: long}]}}]",
	           "mappings[0].schema.columns[0].name \"offset\" clashes with a built-in column");
	expect_err("mappings: [{topic: a, table: n.a, schema: {columns: [{name: x, type: int}, {name: x, type: long}]}}]",
	           "mappings[0].schema.columns[1].name \"x\" duplicates mappings[0].schema.columns[0]");
	expect_err("schema: {mode: lenient}",
	           "schema.registry.base_url is required when schema.mode is \"lenient\"");
	expect_err("schema: {mode: Strict}", "schema.mode \"Strict\" is not supported (expected off|lenient|strict)");
	expect_full(CAT ETCD "s3: {bucket: b, path_style: maybe}\n",
	            "s3.path_style \"maybe\" is not a boolean (use true or false) (line 3)");
	expect_err("offsets: {lease_ttl_seconds: abc}",
	           "offsets.lease_ttl_seconds \"abc\" is not an integer (line 4)");
	expect_err("offsets: {lease_ttl_seconds: -5}",
	           "offsets.lease_ttl_seconds -5 must be >= 1");
	expect_err("processor: {poll_interval_seconds: 99999999999999999999}",
	           "processor.poll_interval_seconds \"99999999999999999999\" is not an integer");
	expect_err("processor: {max_batch_bytes: 1024}",
	           "processor.max_batch_bytes 1024 must be >= 65536");
	expect_err("parquet: {compression: brotli}",
	           "parquet.compression \"brotli\" is not supported (expected zstd|snappy|gzip|lz4_raw|none)");
	expect_err("parquet: {compression: gzip, compression_level: 12}",
	           "parquet.compression_level 12 must be between 1 and 9 for parquet.compression=gzip");
	expect_err("parquet: {page_bytes: 268435456}",
	           "parquet.page_bytes 268435456 must be <= parquet.row_group_bytes 134217728");
	expect_err("log: {level: verbose}", "log.level \"verbose\" is not supported (expected debug|info|warn|error)");
	expect_err("log: {format: xml}", "log.format \"xml\" is not supported");
	expect_err("discovery: {mode: kafka}", "discovery.mode \"kafka\" is not supported");
	expect_err("offsets: {backend: redis}", "offsets.backend \"redis\" is not supported (expected etcd|local)");
	expect_full(CAT ETCD "s3: {bucket: b, endpoint: 'minio:9000'}",
	           "s3.endpoint \"minio:9000\" must be empty (AWS), http(s)://host:port or file:///dir");
	expect_full(S3 ETCD "iceberg: {catalog: {type: rest, uri: 'http://c'}, s3: {endpoint: 'ftp://x'}}", "iceberg.s3.endpoint \"ftp://x\"");
	expect_full(S3 ETCD "iceberg: {catalog: {type: rest, uri: 'http://c'}, warehouse: 'gs://w'}", "iceberg.warehouse \"gs://w\" must be s3://bucket/prefix or file:///dir");
	expect_full(S3 ETCD "iceberg: {catalog: {type: rest, uri: 'thrift://hms'}, warehouse: 's3://w/wh'}",
	           "iceberg.catalog.uri \"thrift://hms\" must be an http:// or https:// URL for iceberg.catalog.type=rest");
	expect_full(S3 ETCD "iceberg: {catalog: {type: hive, uri: 'http://c'}}", "iceberg.catalog.type \"hive\" is not supported (expected rest|sql)");
	expect_full(CAT ETCD "s3: {bucket: [a, b]}", "s3.bucket must be a single value, not a list");
	expect_err("s3: 5", "duplicate key \"s3\"");
	expect_full(S3 CAT "etcd: {endpoints: {a: b}}", "etcd.endpoints must be a list of strings (line 3)");
	expect_full(CAT ETCD "s3: 5", "s3 must be a mapping of keys (line 3)");
	expect_err("mappings: {topic: a}", "mappings must be a list");
	expect_err("mappings: [a]", "mappings[0] must be a mapping of keys");
}

static void test_cross_rules(void)
{
	icp_config *c = NULL;
	icp_error err;
	const char *local =
	        "s3: {bucket: b, endpoint: 'file://./demo-out/segments'}\n"
	        "iceberg: {catalog: {type: sql, uri: 'sqlite://./demo-out/catalog.db'},"
	        " warehouse: 'file://./demo-out/warehouse'}\n"
	        "offsets: {backend: local}\n" MAP;
	CHECK_EQ_INT(load_env(local, NULL, 0, &c, &err), ICP_OK);
	if (c) {
		CHECK_EQ_INT(c->iceberg.catalog.type, ICP_CATALOG_SQL);
		CHECK_EQ_INT(c->offsets.backend, ICP_OFFSETS_LOCAL);
		CHECK_EQ_STR(c->iceberg.s3.endpoint, "file://./demo-out/segments");
		icp_config_free(c);
	}
	CHECK_EQ_INT(load_env("s3: {bucket: b}\n"
	                      "iceberg: {catalog: {type: sql, uri: 'sqlite:///x.db'}}\n"
	                      "offsets: {backend: local}\n", NULL, 0, &c, &err),
	             ICP_ERR_INVALID);
	CHECK_EQ_STR(err.msg, "iceberg.warehouse is required (s3://bucket/prefix or file:///dir: "
	                      "where data and metadata files are written)");
	/* REST as well (it used to pass check-config and fail at start-up) */
	CHECK_EQ_INT(load_env("s3: {bucket: b}\n"
	                      "iceberg: {catalog: {type: rest, uri: 'http://cat:8181'}}\n"
	                      "offsets: {backend: local}\n", NULL, 0, &c, &err),
	             ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "iceberg.warehouse is required");
	CHECK_EQ_INT(load_env("s3: {bucket: b}\n"
	                      "iceberg: {catalog: {type: sql, uri: 'http://x'}, warehouse: 'file:///w'}\n"
	                      "offsets: {backend: local}\n", NULL, 0, &c, &err),
	             ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "iceberg.catalog.uri \"http://x\" must be sqlite:///path/catalog.db");
	CHECK_EQ_INT(load_env("s3: {bucket: b}\n"
	                      "iceberg: {catalog: {type: rest, uri: 'http://x'}, warehouse: 's3://w/wh'}\n"
	                      "offsets: {backend: local}\ndiscovery: {mode: etcd}\n",
	                      NULL, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_EQ_STR(err.msg, "etcd.endpoints is required for discovery.mode=etcd");
	CHECK_EQ_INT(load_env("s3: {bucket: b}\n"
	                      "iceberg: {catalog: {type: rest, uri: 'http://x'}, warehouse: 's3://w/wh'}\n"
	                      "offsets: {backend: local, local_path: ''}\n",
	                      NULL, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_EQ_STR(err.msg, "offsets.local_path is required for offsets.backend=local");
	/* iceberg.s3.* override s3.* */
	CHECK_EQ_INT(load_env(ETCD "iceberg: {catalog: {type: rest, uri: 'http://cat'}, warehouse: 's3://w',"
	                      " s3: {endpoint: 'http://minio:9000', region: r2, path_style: true}}\n"
	                      "s3: {bucket: b, region: r1, endpoint: 'https://s3.x'}\n" MAP,
	                      NULL, 0, &c, &err), ICP_OK);
	if (c) {
		CHECK_EQ_STR(c->s3.region, "r1");
		CHECK_EQ_STR(c->iceberg.s3.region, "r2");
		CHECK_EQ_STR(c->iceberg.s3.endpoint, "http://minio:9000");
		CHECK_EQ_INT(c->iceberg.s3.path_style, 1);
		CHECK_EQ_INT(c->s3.path_style, 0);
		icp_config_free(c);
	}
	/* upload_concurrency: the warehouse inherits s3's unless it has its own */
	CHECK_EQ_INT(load_env(ETCD "iceberg: {catalog: {type: rest, uri: 'http://cat'}, warehouse: 's3://w'}\n"
	                      "s3: {bucket: b, upload_concurrency: 1}\n" MAP,
	                      NULL, 0, &c, &err), ICP_OK);
	if (c) {
		CHECK_EQ_INT(c->s3.upload_concurrency, 1);
		CHECK_EQ_INT(c->iceberg.s3.upload_concurrency, 1);
		icp_config_free(c);
	}
	CHECK_EQ_INT(load_env(ETCD "iceberg: {catalog: {type: rest, uri: 'http://cat'}, warehouse: 's3://w',"
	                      " s3: {upload_concurrency: 16}}\n"
	                      "s3: {bucket: b, upload_concurrency: 2}\n" MAP,
	                      NULL, 0, &c, &err), ICP_OK);
	if (c) {
		CHECK_EQ_INT(c->s3.upload_concurrency, 2);
		CHECK_EQ_INT(c->iceberg.s3.upload_concurrency, 16);
		icp_config_free(c);
	}
	icp_error_init(&err);
	CHECK_EQ_INT(load_env(ETCD "iceberg: {catalog: {type: rest, uri: 'http://cat'}, warehouse: 's3://w',"
	                      " s3: {upload_concurrency: 0}}\n"
	                      "s3: {bucket: b}\n" MAP,
	                      NULL, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "iceberg.s3.upload_concurrency");
	icp_error_init(&err);
	CHECK_EQ_INT(load_env(ETCD "iceberg: {catalog: {type: rest, uri: 'http://cat'}, warehouse: 's3://w'}\n"
	                      "s3: {bucket: b, upload_concurrency: 65}\n" MAP,
	                      NULL, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "s3.upload_concurrency");
	/* credentials and CA bundle: the warehouse takes s3's, all together,
	 * unless it has its own key */
	CHECK_EQ_INT(load_env(ETCD "iceberg: {catalog: {type: rest, uri: 'http://cat'}, warehouse: 's3://w'}\n"
	                      "s3: {bucket: b, ca_bundle: /ca.pem, access_key_id: AK, "
	                      "secret_access_key: SK, session_token: ST}\n" MAP,
	                      NULL, 0, &c, &err), ICP_OK);
	if (c) {
		CHECK_EQ_STR(c->iceberg.s3.ca_bundle, "/ca.pem");
		CHECK_EQ_STR(c->iceberg.s3.access_key_id, "AK");
		CHECK_EQ_STR(c->iceberg.s3.secret_access_key, "SK");
		CHECK_EQ_STR(c->iceberg.s3.session_token, "ST");
		icp_config_free(c);
	}
	CHECK_EQ_INT(load_env(ETCD "iceberg: {catalog: {type: rest, uri: 'http://cat'}, warehouse: 's3://w',"
	                      " s3: {access_key_id: WK, secret_access_key: WS}}\n"
	                      "s3: {bucket: b, access_key_id: AK, secret_access_key: SK, session_token: ST}\n" MAP,
	                      NULL, 0, &c, &err), ICP_OK);
	if (c) {
		CHECK_EQ_STR(c->iceberg.s3.access_key_id, "WK");
		CHECK_EQ_STR(c->iceberg.s3.secret_access_key, "WS");
		CHECK_EQ_STR(c->iceberg.s3.session_token, ""); /* not s3's: another identity */
		icp_config_free(c);
	}
	CHECK_EQ_INT(load_env(ETCD "iceberg: {catalog: {type: rest, uri: 'http://cat'}, warehouse: 's3://w',"
	                      " s3: {access_key_id: WK}}\ns3: {bucket: b}\n",
	                      NULL, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_EQ_STR(err.msg, "iceberg.s3.access_key_id and iceberg.s3.secret_access_key go together "
	                      "(only access_key_id is set)");
	CHECK_EQ_INT(load_env(ETCD "iceberg: {catalog: {type: rest, uri: 'http://cat'}, warehouse: 's3://w',"
	                      " s3: {secret_access_key: WS}}\ns3: {bucket: b, access_key_id: AK, "
	                      "secret_access_key: SK}\n",
	                      NULL, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_EQ_STR(err.msg, "iceberg.s3.secret_access_key is set without iceberg.s3.access_key_id");
}

static void test_env_expansion(void)
{
	const char *const env[] = {"BUCKET=my-bucket", "TOKEN=s3cr3t", "EMPTY=", NULL};
	icp_config *c = NULL;
	icp_error err;
	const char *yaml =
	        "s3: {bucket: '${BUCKET}', namespace: 'a$$b$c$', region: \"${EMPTY}x\"}\n"
	        "iceberg: {catalog: {type: rest, uri: 'http://cat', token: '${TOKEN}'}, warehouse: 's3://w'}\n"
	        "etcd: {endpoints: ['http://${BUCKET}:2379']}\n" MAP;
	CHECK_EQ_INT(load_env(yaml, env, 0, &c, &err), ICP_OK);
	if (c) {
		CHECK_EQ_STR(c->s3.bucket, "my-bucket");
		CHECK_EQ_STR(c->s3.namespace, "a$b$c$");
		CHECK_EQ_STR(c->s3.region, "x");
		CHECK_EQ_STR(c->iceberg.catalog.token, "s3cr3t");
		CHECK_EQ_STR(c->etcd.endpoints.items[0], "http://my-bucket:2379");
		icp_config_free(c);
	}
	CHECK_EQ_INT(load_env("s3: {bucket: '${NOPE}'}\n", env, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_EQ_STR(err.msg, "s3.bucket: environment variable NOPE is not set");
	CHECK_EQ_INT(load_env("s3: {bucket: 'x${BUCKET'}\n", env, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "s3.bucket: unterminated \"${\"");
	CHECK_EQ_INT(load_env("s3: {bucket: '${1A}'}\n", env, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "s3.bucket: \"${1A}\" is not a valid variable reference");
	CHECK_EQ_INT(load_env(BASE "mappings: [{topic: t, table: '${NOPE2}'}]\n", env, 0, &c, &err),
	             ICP_ERR_INVALID);
	CHECK_EQ_STR(err.msg, "mappings[0].table: environment variable NOPE2 is not set");
	/* the process environment is the default source */
	setenv("ICP_TEST_BUCKET", "from-process", 1);
	icp_error_init(&err);
	{
		const char *y = "s3: {bucket: '${ICP_TEST_BUCKET}'}\n"
		                "iceberg: {catalog: {type: rest, uri: 'http://cat'}, warehouse: 's3://w/wh'}\n"
		                "offsets: {backend: local}\n" MAP;
		CHECK_EQ_INT(icp_config_load_string(y, strlen(y), NULL, &c, &err), ICP_OK);
	}
	if (c) {
		CHECK_EQ_STR(c->s3.bucket, "from-process");
		icp_config_free(c);
	}
}

static void test_env_overrides(void)
{
	const char *const env[] = {"KAFSCALE_ICEBERG_LFS_MODE= hybrid ",
	                           "KAFSCALE_ICEBERG_LFS_MAX_INLINE_SIZE=2048",
	                           "KAFSCALE_ICEBERG_LFS_STORE_METADATA=1",
	                           "KAFSCALE_ICEBERG_LFS_VALIDATE_CHECKSUM=false",
	                           "KAFSCALE_ICEBERG_LFS_RESOLVE_CONCURRENCY=8",
	                           "KAFSCALE_LOG_LEVEL=DEBUG", "KAFSCALE_LOG_FORMAT=JSON", NULL};
	const char *const bad_mode[] = {"KAFSCALE_ICEBERG_LFS_MODE=hybird", NULL};
	const char *const bad_bool[] = {"KAFSCALE_ICEBERG_LFS_STORE_METADATA=perhaps", NULL};
	const char *const bad_int[] = {"KAFSCALE_ICEBERG_LFS_RESOLVE_CONCURRENCY=x", NULL};
	const char *const hybrid0[] = {"KAFSCALE_ICEBERG_LFS_MODE=hybrid",
	                               "KAFSCALE_ICEBERG_LFS_MAX_INLINE_SIZE=0", NULL};
	const char *const empty[] = {"KAFSCALE_ICEBERG_LFS_MODE=  ", NULL};
	const char *maps = "mappings:\n"
	                   "  - {topic: a, table: n.a, lfs: {mode: resolve, max_inline_size: 10}}\n"
	                   "  - {topic: b, table: n.b}\n";
	char yaml[1024];
	icp_config *c = NULL;
	icp_error err;
	size_t i;

	snprintf(yaml, sizeof(yaml), "%s%s", BASE, maps);
	CHECK_EQ_INT(load_env(yaml, env, 0, &c, &err), ICP_OK);
	if (c) {
		CHECK_EQ_INT(c->log.level, ICP_LOG_DEBUG);
		CHECK_EQ_INT(c->log.format, ICP_LOG_JSON);
		for (i = 0; i < c->n_mappings; i++) {
			CHECK_EQ_INT(c->mappings[i].lfs.mode, ICP_LFS_HYBRID);
			CHECK_EQ_INT(c->mappings[i].lfs.max_inline_size, 2048);
			CHECK_EQ_INT(c->mappings[i].lfs.store_metadata, 1);
			CHECK_EQ_INT(c->mappings[i].lfs.validate_checksum, 0);
			CHECK_EQ_INT(c->mappings[i].lfs.resolve_concurrency, 8);
		}
		icp_config_free(c);
	}
	CHECK_EQ_INT(load_env(yaml, empty, 0, &c, &err), ICP_OK);
	if (c) {
		CHECK_EQ_INT(c->mappings[0].lfs.mode, ICP_LFS_RESOLVE);
		icp_config_free(c);
	}
	CHECK_EQ_INT(load_env(yaml, bad_mode, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "KAFSCALE_ICEBERG_LFS_MODE \"hybird\" is not supported");
	CHECK_EQ_INT(load_env(yaml, bad_bool, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "KAFSCALE_ICEBERG_LFS_STORE_METADATA \"perhaps\" is not a boolean");
	CHECK_EQ_INT(load_env(yaml, bad_int, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "KAFSCALE_ICEBERG_LFS_RESOLVE_CONCURRENCY \"x\" is not an integer");
	CHECK_EQ_INT(load_env(yaml, hybrid0, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "mappings[0].lfs.max_inline_size 0 must be > 0 for lfs.mode=hybrid");
}

static void test_unknown_keys(void)
{
	icp_config *c = NULL;
	icp_error err;
	const char *yaml = BASE "s3x: 1\nprocessor: {poll_intervall_seconds: 3}\n"
	                        "mappings: [{topic: a, table: n.a, lfs: {mod: off}}]\n"
	                        "'s3.bucket': z\n";
	CHECK_EQ_INT(load_env(yaml, NULL, 0, &c, &err), ICP_OK);
	CHECK_CONTAINS(warnings, "unknown key \"s3x\" (line 4)");
	CHECK_CONTAINS(warnings, "unknown key \"processor.poll_intervall_seconds\" (line 5)");
	CHECK_CONTAINS(warnings, "unknown key \"mappings[0].lfs.mod\" (line 6)");
	CHECK_CONTAINS(warnings, "unknown key \"s3.bucket\" (line 7)");
	if (c) {
		CHECK_EQ_STR(c->s3.bucket, "b");
		icp_config_free(c);
	}
	CHECK_EQ_INT(load_env(yaml, NULL, 1, &c, &err), ICP_ERR_INVALID);
	CHECK_EQ_STR(err.msg, "unknown key \"s3x\" (line 4)");
}

static void test_yaml(void)
{
	icp_config *c = NULL;
	icp_error err;
	char *big;

	CHECK_EQ_INT(load_env(BASE "s3: {bucket: c}\n", NULL, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "duplicate key \"s3\" (lines 1 and 4)");
	CHECK_EQ_INT(load_env("s3: {bucket: a, bucket: b}\n", NULL, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "duplicate key \"s3.bucket\"");
	CHECK_EQ_INT(load_env("a: &x [1]\nb: *x\n", NULL, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "anchors and aliases are not supported (line 1");
	CHECK_EQ_INT(load_env("s3: {bucket: [\n", NULL, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "YAML syntax error at line");
	CHECK_EQ_INT(load_env("- a\n- b\n", NULL, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_EQ_STR(err.msg, "the config must be a mapping of keys (line 1)");
	CHECK_EQ_INT(load_env("s3: {bucket: a}\n---\ns3: {bucket: b}\n", NULL, 0, &c, &err),
	             ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "more than one document");
	CHECK_EQ_INT(load_env("? [a]\n: b\n", NULL, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "complex (non-scalar) keys");
	CHECK_EQ_INT(load_env("s3: {bucket: \"a\\0b\"}\n", NULL, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "NUL byte");
	/* depth cap */
	big = icp_malloc(1000);
	memset(big, '[', 999);
	big[999] = 0;
	CHECK_EQ_INT(load_env(big, NULL, 0, &c, &err), ICP_ERR_TOO_LARGE);
	CHECK_CONTAINS(err.msg, "nesting deeper than 64");
	icp_free(big);
	/* size cap */
	big = icp_malloc(ICP_CONFIG_MAX_BYTES + 2);
	memset(big, ' ', ICP_CONFIG_MAX_BYTES + 1);
	big[ICP_CONFIG_MAX_BYTES + 1] = 0;
	CHECK_EQ_INT(load_env(big, NULL, 0, &c, &err), ICP_ERR_TOO_LARGE);
	icp_free(big);
	/* bool strictness: yaml.v3 takes yes/no/on/off, nothing else */
	CHECK_EQ_INT(load_env(BASE "mappings: [{topic: a, table: n.a, create_table_if_missing: 1}]",
	                      NULL, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "mappings[0].create_table_if_missing \"1\" is not a boolean (use true or false) (line 4)");
	/* integers: Go's base-0 forms and underscores; quoted ok */
	CHECK_EQ_INT(load_env(BASE "processor: {target_file_size_bytes: 0x10_000_000,"
	                           " commit_interval_seconds: '0o17'}\n"
	                           "parquet: {row_group_bytes: 268_435_456}\n" MAP,
	                      NULL, 0, &c, &err), ICP_OK);
	if (c) {
		CHECK_EQ_INT(c->processor.target_file_size_bytes, 0x10000000);
		CHECK_EQ_INT(c->processor.commit_interval_seconds, 15);
		CHECK_EQ_INT(c->parquet.row_group_bytes, 268435456);
		icp_config_free(c);
	}
	/* null values mean "default"; empty document -> required errors */
	CHECK_EQ_INT(load_env(BASE MAP "offsets: {lease_ttl_seconds: ~, backend: null}\nschema:\n",
	                      NULL, 0, &c, &err), ICP_OK);
	if (c) {
		CHECK_EQ_INT(c->offsets.lease_ttl_seconds, 30);
		icp_config_free(c);
	}
	CHECK_EQ_INT(load_env("# only a comment\n", NULL, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_EQ_STR(err.msg, "s3.bucket is required");
}

/* A config without mappings would run and do nothing: a config error
 * naming the key, whether the list is absent, empty or null. */
static void test_no_mappings(void)
{
	static const char *const docs[] = {BASE, BASE "mappings: []\n", BASE "mappings:\n"};
	icp_config *c = NULL;
	icp_error err;
	size_t i;
	for (i = 0; i < ICP_ARRAY_LEN(docs); i++) {
		CHECK_EQ_INT(load_env(docs[i], NULL, 0, &c, &err), ICP_ERR_INVALID);
		CHECK(c == NULL);
		CHECK_CONTAINS(err.msg, "mappings is empty: map at least one topic to a table");
	}
	/* the other rules speak first */
	CHECK_EQ_INT(load_env("s3: {bucket: b}\n", NULL, 0, &c, &err), ICP_ERR_INVALID);
	CHECK_EQ_STR(err.msg, "iceberg.catalog.type is required");
}

static void test_json_redaction(void)
{
	const char *const env[] = {"PW=hunter2", NULL};
	icp_config *c = NULL;
	icp_error err;
	icp_buf b;
	const char *yaml =
	        "s3: {bucket: \"quote\\\"d\"}\n"
	        "iceberg: {catalog: {type: rest, uri: 'http://cat', password: '${PW}'}, warehouse: 's3://w'}\n"
	        "etcd: {endpoints: [e1], password: xyz}\n" MAP;

	CHECK_EQ_INT(load_env(yaml, env, 0, &c, &err), ICP_OK);
	if (!c)
		return;
	icp_buf_init(&b, 0);
	CHECK_EQ_INT(icp_config_to_json(c, &b, 1), ICP_OK);
	CHECK(strstr((char *)b.data, "hunter2") == NULL);
	CHECK(strstr((char *)b.data, "xyz") == NULL);
	CHECK_CONTAINS((char *)b.data, "\"password\": \"***\"");
	CHECK_CONTAINS((char *)b.data, "\"token\": \"\"");
	CHECK_CONTAINS((char *)b.data, "\"bucket\": \"quote\\\"d\"");
	CHECK_CONTAINS((char *)b.data, "\"mappings\": [");
	icp_buf_reset(&b);
	CHECK_EQ_INT(icp_config_to_json(c, &b, 0), ICP_OK);
	CHECK_CONTAINS((char *)b.data, "hunter2");
	icp_buf_reset(&b);
	CHECK_EQ_INT(icp_config_reference(&b), ICP_OK);
	CHECK_CONTAINS((char *)b.data, "| `mappings[].lfs.mode` |");
	CHECK_CONTAINS((char *)b.data, "`KAFSCALE_ICEBERG_LFS_MODE`");
	CHECK_CONTAINS((char *)b.data, "| `mappings[].schema.columns[].type` |");
	icp_buf_dispose(&b);
	icp_config_free(c);
}

static void test_files(void)
{
	const char *const env[] = {"ICEBERG_CATALOG_TOKEN=t", "ETCD_PASSWORD=p", NULL};
	icp_config_opts o;
	icp_config *c = NULL;
	icp_error err;

	icp_config_opts_init(&o);
	o.getenv = env_get;
	o.strict = 1;
	fake_env = env;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_config_load_file("tests/config/data/compatibility.yaml", &o, &c, &err), ICP_OK);
	if (c) {
		CHECK_EQ_STR(c->s3.namespace, "production");
		CHECK_EQ_INT(c->n_mappings, 1);
		CHECK_EQ_INT(c->mappings[0].schema.n_columns, 2);
		CHECK_EQ_INT(c->mappings[0].lfs.max_inline_size, 1048576);
		CHECK_EQ_INT(c->schema.mode, ICP_SCHEMA_OFF);
		icp_config_free(c);
	}
	CHECK_EQ_INT(icp_config_load_file("configs/local.yaml", &o, &c, &err), ICP_OK);
	if (c) {
		CHECK_EQ_INT(c->iceberg.catalog.type, ICP_CATALOG_SQL);
		CHECK_EQ_INT(c->offsets.backend, ICP_OFFSETS_LOCAL);
		icp_config_free(c);
	}
	CHECK_EQ_INT(icp_config_load_file("configs/example-production.yaml", &o, &c, &err), ICP_OK);
	if (c) {
		CHECK_EQ_STR(c->iceberg.catalog.token, "t");
		icp_config_free(c);
	}
	CHECK_EQ_INT(icp_config_load_file("tests/config/data/nonexistent.yaml", &o, &c, &err),
	             ICP_ERR_IO);
	CHECK_CONTAINS(err.msg, "cannot open config file tests/config/data/nonexistent.yaml");
	if (err.status == ICP_OK)
		fprintf(stderr, "%s\n", err.msg);
}

static void test_alloc_failures(void)
{
	/* Every allocation failure is reported, never a crash or a leak. */
	const char *yaml = BASE "mappings: [{topic: a, table: n.a, schema: "
	                        "{columns: [{name: x, type: int}]}}]\n";
	long n;
	for (n = 1; n < 60; n++) {
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
	TEST_RUN(test_go_zero_values);
	TEST_RUN(test_table_defaults_are_valid);
	TEST_RUN(test_required);
	TEST_RUN(test_value_rules);
	TEST_RUN(test_cross_rules);
	TEST_RUN(test_env_expansion);
	TEST_RUN(test_env_overrides);
	TEST_RUN(test_unknown_keys);
	TEST_RUN(test_yaml);
	TEST_RUN(test_no_mappings);
	TEST_RUN(test_json_redaction);
	TEST_RUN(test_files);
	TEST_RUN(test_alloc_failures);
	return TEST_DONE();
}
