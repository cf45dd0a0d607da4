/*
 * Cross-field rules and derived defaults: what one table entry cannot say
 * alone. Runs after the table pass, so every field holds a typed value
 * (defaults filled, environment applied) except the ICP_CFG_F_DERIVED ones
 * (NULL / -1), which are resolved here first.
 *
 * Rules from the Go processor keep its wording where it named the key;
 * every message names the key path and, where there is one, the value.
 */
#include "config/config_int.h"
#include "columns/columns.h"
#include "pool/pool.h"

#include <stdio.h>
#include <strings.h>
#include <unistd.h>

static int has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* s starts with scheme and has something after it. */
static int is_url(const char *s, const char *scheme)
{
	return has_prefix(s, scheme) && s[strlen(scheme)] != '\0';
}

static char *cfg_dup(icp_cfg_ctx *c, const char *s)
{
	char *p = icp_arena_strdup(c->arena, s);

	if (!p)
		icp_error_set(c->err, ICP_ERR_NOMEM, "config: out of memory");
	return p;
}

/* "", http(s)://host..., or file://<non-empty path>. */
static int check_endpoint(icp_cfg_ctx *c, const char *key, const char *v)
{
	if (!*v || is_url(v, "http://") || is_url(v, "https://") ||
	    is_url(v, "file://"))
		return ICP_OK;
	return icp_error_set(c->err, ICP_ERR_INVALID,
	                     "%s \"%.200s\" must be empty (AWS), http(s)://host:port "
	                     "or file:///dir", key, v);
}

static int resolve_derived(icp_cfg_ctx *c)
{
	icp_config *cfg = c->cfg;
	const char *region;
	char host[256];
	size_t b, e;

	/* s3.namespace: '/' at either end ignored, as the Go processor does. */
	for (b = 0; cfg->s3.namespace[b] == '/'; b++)
		;
	for (e = strlen(cfg->s3.namespace); e > b && cfg->s3.namespace[e - 1] == '/'; e--)
		;
	memmove(cfg->s3.namespace, cfg->s3.namespace + b, e - b);
	cfg->s3.namespace[e - b] = '\0';

	if (!cfg->s3.region || !*cfg->s3.region) {
		region = icp_cfg_getenv(c, "AWS_REGION");
		if (!region || !*region)
			region = icp_cfg_getenv(c, "AWS_DEFAULT_REGION");
		if (!region || !*region)
			region = "us-east-1";
		if (!(cfg->s3.region = cfg_dup(c, region)))
			return c->err->status;
	}
	if (!cfg->iceberg.s3.endpoint && !(cfg->iceberg.s3.endpoint = cfg_dup(c, cfg->s3.endpoint)))
		return c->err->status;
	if ((!cfg->iceberg.s3.region || !*cfg->iceberg.s3.region) &&
	    !(cfg->iceberg.s3.region = cfg_dup(c, cfg->s3.region)))
		return c->err->status;
	if (cfg->iceberg.s3.path_style < 0)
		cfg->iceberg.s3.path_style = cfg->s3.path_style;
	if (cfg->iceberg.s3.upload_concurrency <= 0)
		cfg->iceberg.s3.upload_concurrency = cfg->s3.upload_concurrency;
	if (!cfg->iceberg.s3.ca_bundle && !(cfg->iceberg.s3.ca_bundle = cfg_dup(c, cfg->s3.ca_bundle)))
		return c->err->status;
	/* credentials travel together: the warehouse's own, or all of s3's */
	if (!cfg->iceberg.s3.access_key_id || !*cfg->iceberg.s3.access_key_id) {
		const char *half = cfg->iceberg.s3.secret_access_key && *cfg->iceberg.s3.secret_access_key
		                           ? "secret_access_key"
		                   : cfg->iceberg.s3.session_token && *cfg->iceberg.s3.session_token
		                           ? "session_token"
		                           : NULL;
		if (half) /* would silently be replaced by s3.*'s */
			return icp_error_set(c->err, ICP_ERR_INVALID,
			                     "iceberg.s3.%s is set without iceberg.s3.access_key_id",
			                     half);
		if (!(cfg->iceberg.s3.access_key_id = cfg_dup(c, cfg->s3.access_key_id)) ||
		    !(cfg->iceberg.s3.secret_access_key = cfg_dup(c, cfg->s3.secret_access_key)) ||
		    !(cfg->iceberg.s3.session_token = cfg_dup(c, cfg->s3.session_token)))
			return c->err->status;
	} else {
		if (!cfg->iceberg.s3.secret_access_key &&
		    !(cfg->iceberg.s3.secret_access_key = cfg_dup(c, "")))
			return c->err->status;
		if (!cfg->iceberg.s3.session_token && !(cfg->iceberg.s3.session_token = cfg_dup(c, "")))
			return c->err->status;
	}
	if (!cfg->processor.worker_id || !*cfg->processor.worker_id) {
		/* The Go processor's lease owner: hostname, else "worker". */
		if (gethostname(host, sizeof(host)) != 0 || !host[0])
			snprintf(host, sizeof(host), "worker");
		host[sizeof(host) - 1] = '\0';
		if (!(cfg->processor.worker_id = cfg_dup(c, host)))
			return c->err->status;
	}
	if (cfg->processor.threads == 0)
		cfg->processor.threads = (int64_t)icp_pool_cpus();
	return ICP_OK;
}

static int check_global(icp_cfg_ctx *c)
{
	icp_config *cfg = c->cfg;
	const char *uri = cfg->iceberg.catalog.uri;
	const char *wh = cfg->iceberg.warehouse;

	if (check_endpoint(c, "s3.endpoint", cfg->s3.endpoint) ||
	    check_endpoint(c, "iceberg.s3.endpoint", cfg->iceberg.s3.endpoint))
		return c->err->status;
	if (!*cfg->s3.access_key_id != !*cfg->s3.secret_access_key)
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "s3.access_key_id and s3.secret_access_key go together "
		                     "(only %s is set)",
		                     *cfg->s3.access_key_id ? "access_key_id" : "secret_access_key");
	if (!*cfg->iceberg.s3.access_key_id != !*cfg->iceberg.s3.secret_access_key)
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "iceberg.s3.access_key_id and iceberg.s3.secret_access_key go "
		                     "together (only %s is set)",
		                     *cfg->iceberg.s3.access_key_id ? "access_key_id"
		                                                    : "secret_access_key");
	if (cfg->iceberg.catalog.type == ICP_CATALOG_REST &&
	    !is_url(uri, "http://") && !is_url(uri, "https://"))
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "iceberg.catalog.uri \"%.200s\" must be an http:// "
		                     "or https:// URL for iceberg.catalog.type=rest", uri);
	if (cfg->iceberg.catalog.type == ICP_CATALOG_SQL &&
	    !is_url(uri, "sqlite://"))
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "iceberg.catalog.uri \"%.200s\" must be "
		                     "sqlite:///path/catalog.db for "
		                     "iceberg.catalog.type=sql", uri);
	if (*wh && !is_url(wh, "s3://") && !is_url(wh, "s3a://") &&
	    !is_url(wh, "file://"))
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "iceberg.warehouse \"%.200s\" must be s3://bucket/"
		                     "prefix or file:///dir", wh);
	/* REST too: data and metadata files are written through this store
	 * (a catalog's own warehouse name goes to iceberg.catalog.warehouse) */
	if (!*wh)
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "iceberg.warehouse is required (s3://bucket/prefix or "
		                     "file:///dir: where data and metadata files are written)");
	if (cfg->schema.mode != ICP_SCHEMA_OFF && !*cfg->schema.registry.base_url)
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "schema.registry.base_url is required when "
		                     "schema.mode is \"%s\"",
		                     icp_config_enum_name("schema.mode", cfg->schema.mode));
	if (cfg->offsets.backend == ICP_OFFSETS_ETCD && cfg->etcd.endpoints.n == 0)
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "etcd.endpoints is required for offsets.backend=etcd");
	if (cfg->discovery.mode == ICP_DISCOVERY_ETCD && cfg->etcd.endpoints.n == 0)
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "etcd.endpoints is required for discovery.mode=etcd");
	/* The metadata snapshot is read over the coordination connection,
	 * which only offsets.backend=etcd opens: refuse rather than silently
	 * list S3 instead. */
	if (cfg->discovery.mode == ICP_DISCOVERY_ETCD && cfg->offsets.backend != ICP_OFFSETS_ETCD)
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "discovery.mode=etcd needs offsets.backend=etcd (use "
		                     "discovery.mode auto or s3 with offsets.backend=local)");
	if (!*cfg->etcd.tls.cert_file != !*cfg->etcd.tls.key_file)
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "etcd.tls.cert_file and etcd.tls.key_file go together "
		                     "(only %s is set)",
		                     *cfg->etcd.tls.cert_file ? "cert_file" : "key_file");
	if (cfg->offsets.backend == ICP_OFFSETS_LOCAL && !*cfg->offsets.local_path)
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "offsets.local_path is required for "
		                     "offsets.backend=local");
	if (cfg->parquet.compression == ICP_PARQUET_GZIP &&
	    (cfg->parquet.compression_level < 1 || cfg->parquet.compression_level > 9))
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "parquet.compression_level %lld must be between 1 "
		                     "and 9 for parquet.compression=gzip",
		                     (long long)cfg->parquet.compression_level);
	if (cfg->parquet.page_bytes > cfg->parquet.row_group_bytes)
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "parquet.page_bytes %lld must be <= "
		                     "parquet.row_group_bytes %lld",
		                     (long long)cfg->parquet.page_bytes,
		                     (long long)cfg->parquet.row_group_bytes);
	return ICP_OK;
}

/* Kafka's topic rule: [A-Za-z0-9._-], 1..249 bytes (KafScale keys depend
 * on it: a '/' would change the segment key layout). */
static int valid_topic(const char *t)
{
	size_t i;

	for (i = 0; t[i]; i++) {
		char ch = t[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return 0;
	}
	return i > 0 && i <= 249 && strcmp(t, ".") != 0 && strcmp(t, "..") != 0;
}

/* "ns.table", "a.b.table": at least one dot, no empty part. */
static int valid_table(const char *t)
{
	size_t n = strlen(t);

	return n >= 3 && strchr(t, '.') && t[0] != '.' && t[n - 1] != '.' &&
	       !strstr(t, "..");
}

static const char *const builtin_columns[] = {
	"record_id", "topic", "partition", "offset", "timestamp_ms", "key",
	"value", "headers"};

/* Column type text: a flat name sets `type`, a struct/list/map the
 * grammar of src/columns (ICP_COL_NESTED). */
static int check_column_type(icp_cfg_ctx *c, icp_config_column *col, size_t i, size_t j)
{
	const icp_cfg_key *k = icp_cfg_find(&icp_cfg_column_table, "type");
	icp_ice_type *t = NULL;
	icp_error e;
	size_t n;

	for (n = 0; k->names[n]; n++)
		if (strcasecmp(col->type_text, k->names[n]) == 0) {
			col->type = (int)n;
			return ICP_OK;
		}
	icp_error_init(&e);
	if (icp_columns_parse_type(col->type_text, &t, &e) == ICP_OK) {
		icp_ice_type_free(t);
		col->type = ICP_COL_NESTED;
		return ICP_OK;
	}
	/* a bad name gets the list; a bad nested or decimal type the grammar's
	 * position */
	if (!strchr(col->type_text, '<') && !strchr(col->type_text, '('))
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "mappings[%zu].schema.columns[%zu].type \"%.200s\" is not "
		                     "supported (expected boolean|int|long|float|double|string|"
		                     "binary|timestamp|timestamptz|date|time|uuid, decimal(P,S), "
		                     "struct<name:type,..>, list<type> or map<string,type>)",
		                     i, j, col->type_text);
	return icp_error_set(c->err, ICP_ERR_INVALID,
	                     "mappings[%zu].schema.columns[%zu].type \"%.200s\" is not a valid "
	                     "type: %s", i, j, col->type_text, e.msg);
}

/* 1 when t is, or has below it, a kind a format applies to. */
static int has_time(const icp_ice_type *t)
{
	size_t k;

	switch (t->kind) {
	case ICP_ICE_TIMESTAMP: case ICP_ICE_TIMESTAMPTZ: case ICP_ICE_DATE: case ICP_ICE_TIME:
		return 1;
	case ICP_ICE_STRUCT:
		for (k = 0; k < t->n_fields; k++)
			if (has_time(t->fields[k].type))
				return 1;
		return 0;
	case ICP_ICE_LIST: return has_time(t->element);
	case ICP_ICE_MAP: return has_time(t->value);
	default: return 0;
	}
}

/* format (enum-checked by the loader) only on time columns: elsewhere
 * it would be silently ignored. */
static int check_column_format(icp_cfg_ctx *c, const icp_config_column *col, size_t i,
                               size_t j)
{
	icp_ice_type *t = NULL;
	icp_error e;
	int ok;

	if (col->format < 0)
		return ICP_OK;
	icp_error_init(&e);
	if (icp_columns_parse_type(col->type_text, &t, &e) != ICP_OK)
		return ICP_OK; /* reported by check_column_type */
	ok = has_time(t);
	icp_ice_type_free(t);
	if (ok)
		return ICP_OK;
	return icp_error_set(c->err, ICP_ERR_INVALID,
	                     "mappings[%zu].schema.columns[%zu].format \"%s\": column \"%.200s\" "
	                     "is %.200s; format applies to timestamp, timestamptz, date and "
	                     "time columns",
	                     i, j, icp_config_enum_name("mappings.schema.columns.format",
	                                                col->format),
	                     col->name, col->type_text);
}

static int check_columns(icp_cfg_ctx *c, const icp_config_mapping *m, size_t i)
{
	size_t j, k;

	for (j = 0; j < m->schema.n_columns; j++) {
		const char *name = m->schema.columns[j].name;
		if (check_column_type(c, &m->schema.columns[j], i, j) ||
		    check_column_format(c, &m->schema.columns[j], i, j))
			return c->err->status;
		for (k = 0; k < ICP_ARRAY_LEN(builtin_columns); k++)
			if (strcmp(name, builtin_columns[k]) == 0)
				return icp_error_set(c->err, ICP_ERR_INVALID,
				                     "mappings[%zu].schema.columns[%zu].name "
				                     "\"%s\" clashes with a built-in column",
				                     i, j, name);
		for (k = 0; k < j; k++)
			if (strcmp(name, m->schema.columns[k].name) == 0)
				return icp_error_set(c->err, ICP_ERR_INVALID,
				                     "mappings[%zu].schema.columns[%zu].name "
				                     "\"%.200s\" duplicates "
				                     "mappings[%zu].schema.columns[%zu]",
				                     i, j, name, i, k);
	}
	return ICP_OK;
}

static int check_mapping(icp_cfg_ctx *c, icp_config_mapping *m, size_t i)
{
	icp_config *cfg = c->cfg;
	size_t j;

	if (!valid_topic(m->topic))
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "mappings[%zu].topic \"%.200s\" is not a valid topic "
		                     "name ([A-Za-z0-9._-], at most 249 bytes)",
		                     i, m->topic);
	for (j = 0; j < i; j++)
		if (strcmp(cfg->mappings[j].topic, m->topic) == 0)
			return icp_error_set(c->err, ICP_ERR_INVALID,
			                     "mappings[%zu].topic \"%s\" is already mapped "
			                     "by mappings[%zu]", i, m->topic, j);
	if (!valid_table(m->table))
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "mappings[%zu].table \"%.200s\" must be a dotted "
		                     "namespace.table name (e.g. prod.orders)",
		                     i, m->table);
	if (m->isolation_level < 0)
		m->isolation_level = (int)cfg->processor.isolation_level;
	/* The Go default rule for schema.source. */
	if (m->schema.source < 0)
		m->schema.source = m->schema.n_columns ? ICP_SOURCE_MAPPING
		                   : *cfg->schema.registry.base_url ? ICP_SOURCE_REGISTRY
		                                                    : ICP_SOURCE_NONE;
	if (m->schema.source == ICP_SOURCE_MAPPING && m->schema.n_columns == 0)
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "mappings[%zu].schema.columns is required for "
		                     "schema.source=mapping", i);
	if (m->schema.source == ICP_SOURCE_REGISTRY && !*cfg->schema.registry.base_url)
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "schema.registry.base_url is required for "
		                     "mappings[%zu].schema.source=registry", i);
	if (m->schema.source == ICP_SOURCE_CONFLUENT) {
		char subj[300];
		if (!*cfg->schema.confluent.url)
			return icp_error_set(c->err, ICP_ERR_INVALID,
			                     "schema.confluent.url is required for "
			                     "mappings[%zu].schema.source=confluent", i);
		if (!is_url(cfg->schema.confluent.url, "http://") &&
		    !is_url(cfg->schema.confluent.url, "https://"))
			return icp_error_set(c->err, ICP_ERR_INVALID,
			                     "schema.confluent.url \"%.200s\" must be "
			                     "http(s)://host[:port][/path]", cfg->schema.confluent.url);
		if (m->schema.n_columns)
			return icp_error_set(c->err, ICP_ERR_INVALID,
			                     "mappings[%zu].schema.columns cannot be used with "
			                     "schema.source=confluent (the columns come from the "
			                     "registry subject)", i);
		snprintf(subj, sizeof(subj), "%s-value", m->topic);
		if (!*m->schema.subject && !(m->schema.subject = cfg_dup(c, subj)))
			return c->err->status;
	}
	/* on_invalid: absent keeps what schema.mode always meant */
	if (m->on_invalid < 0)
		m->on_invalid = cfg->schema.mode == ICP_SCHEMA_STRICT ? ICP_ON_INVALID_STOP
		                                                      : ICP_ON_INVALID_DROP;
	if (m->on_invalid == ICP_ON_INVALID_DEAD_LETTER) {
		char dlq[520];
		snprintf(dlq, sizeof(dlq), "%s_dlq", m->table);
		if (!*m->dead_letter_table && !(m->dead_letter_table = cfg_dup(c, dlq)))
			return c->err->status;
		if (!valid_table(m->dead_letter_table))
			return icp_error_set(c->err, ICP_ERR_INVALID,
			                     "mappings[%zu].dead_letter_table \"%.200s\" must be a "
			                     "dotted namespace.table name", i, m->dead_letter_table);
		for (j = 0; j < cfg->n_mappings; j++)
			if (strcmp(cfg->mappings[j].table, m->dead_letter_table) == 0)
				return icp_error_set(c->err, ICP_ERR_INVALID,
				                     "mappings[%zu].dead_letter_table %s is the table of "
				                     "mappings[%zu]: a dead-letter table is its own", i,
				                     m->dead_letter_table, j);
		for (j = 0; j < i; j++)
			if (cfg->mappings[j].on_invalid == ICP_ON_INVALID_DEAD_LETTER &&
			    strcmp(cfg->mappings[j].dead_letter_table, m->dead_letter_table) == 0)
				return icp_error_set(c->err, ICP_ERR_INVALID,
				                     "mappings[%zu].dead_letter_table %s is also "
				                     "mappings[%zu]'s: each mapping needs its own", i,
				                     m->dead_letter_table, j);
	} else if (*m->dead_letter_table) {
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "mappings[%zu].dead_letter_table is set but on_invalid is "
		                     "not dead_letter", i);
	}
	if (check_columns(c, m, i) || icp_cfg_check_layout(c, m, i))
		return c->err->status;
	if (m->lfs.mode == ICP_LFS_HYBRID && m->lfs.max_inline_size <= 0)
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "mappings[%zu].lfs.max_inline_size %lld must be > 0 "
		                     "for lfs.mode=hybrid", i,
		                     (long long)m->lfs.max_inline_size);
	if (m->lfs.resolve_concurrency < 0) /* the table bounds it too */
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "mappings[%zu].lfs.resolve_concurrency %lld must "
		                     "be >= 0", i, (long long)m->lfs.resolve_concurrency);
	return ICP_OK;
}

int icp_cfg_validate(icp_cfg_ctx *c)
{
	size_t i;

	if (resolve_derived(c) || check_global(c))
		return c->err->status;
	for (i = 0; i < c->cfg->n_mappings; i++)
		if (check_mapping(c, &c->cfg->mappings[i], i))
			return c->err->status;
	/* Last, so the other rules speak first. A processor without
	 * mappings would run and do nothing, which looks like success. */
	if (c->cfg->n_mappings == 0)
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "mappings is empty: map at least one topic to a table "
		                     "(mappings: [{topic: orders, table: prod.orders}])");
	return ICP_OK;
}
