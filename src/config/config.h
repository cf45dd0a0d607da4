/*
 * config: the processor's YAML configuration, loaded into one plain struct
 * that other modules read directly (cfg->s3.bucket, cfg->mappings[i]...).
 *
 * Source of truth: ONE declarative table (config_table.c) lists every key:
 * path, type, default, bounds, required-ness, secret-ness, environment
 * override and help text. The loader, the defaults, check-config's JSON and
 * the reference doc (icp_config_reference()) are all driven by it; the
 * `mappings` list has its own sub-tables (mapping, column). Rules that
 * involve several keys live in config_validate.c and run after the table.
 *
 * Compatibility: every config the existing Go processor accepts loads with
 * the same meaning (see docs/internals/config.md). In particular a Go "zero"
 * (0 or "") for a key Go defaulted means "use the default"; YAML 1.1
 * booleans (yes/no/on/off) are accepted for boolean keys as yaml.v3 does.
 *
 * YAML subset: one document, block and flow styles, any scalar style.
 * Anchors/aliases are refused (no billion-laughs), duplicate keys refused,
 * documents are capped at ICP_CONFIG_MAX_BYTES and nesting depth at 64.
 * `${VAR}` in any scalar value expands from the environment (unset = error,
 * `$$` = a literal '$', a '$' not followed by '{' or '$' stays as it is).
 *
 * Local storage: `s3.endpoint: file:///dir` (or `file://./rel`, relative to
 * the working directory) is a local object store whose buckets are
 * sub-folders of dir; `iceberg.catalog.type: sql` with
 * `iceberg.catalog.uri: sqlite:///path/catalog.db` is a local catalog.
 *
 * Ownership: icp_config_load_* return a config that owns all its strings
 * and arrays (one arena); free everything with icp_config_free(). After a
 * successful load every char * field is non-NULL ("" when unset).
 * The struct is read-only for consumers.
 */
#ifndef ICP_CONFIG_H
#define ICP_CONFIG_H

#include "core/core.h"

#define ICP_CONFIG_MAX_BYTES (4u << 20)

/* Enum-valued keys are ints holding one of these. */
enum { ICP_CATALOG_REST, ICP_CATALOG_SQL };
enum { ICP_OFFSETS_ETCD, ICP_OFFSETS_LOCAL };
enum { ICP_DISCOVERY_AUTO, ICP_DISCOVERY_ETCD, ICP_DISCOVERY_S3 };
enum { ICP_SCHEMA_OFF, ICP_SCHEMA_LENIENT, ICP_SCHEMA_STRICT };
enum { ICP_ISOLATION_READ_COMMITTED, ICP_ISOLATION_READ_UNCOMMITTED };
enum { ICP_SOURCE_MAPPING, ICP_SOURCE_REGISTRY, ICP_SOURCE_NONE, ICP_SOURCE_CONFLUENT };
/* mappings[].schema.mode (source confluent): which schema decodes a value */
enum { ICP_CSR_MODE_ID_PREFIX, ICP_CSR_MODE_LATEST };
/* mappings[].on_invalid; DEFAULT = absent (schema.mode decides) */
enum { ICP_ON_INVALID_DEFAULT = -1, ICP_ON_INVALID_DROP, ICP_ON_INVALID_DEAD_LETTER,
       ICP_ON_INVALID_STOP };
enum { ICP_MAPPING_APPEND };
enum { ICP_LFS_OFF, ICP_LFS_RESOLVE, ICP_LFS_REFERENCE, ICP_LFS_SKIP,
       ICP_LFS_HYBRID };
enum { ICP_COL_BOOLEAN, ICP_COL_INT, ICP_COL_LONG, ICP_COL_FLOAT,
       ICP_COL_DOUBLE, ICP_COL_STRING, ICP_COL_BINARY, ICP_COL_TIMESTAMP,
       ICP_COL_DATE, ICP_COL_TIMESTAMPTZ, ICP_COL_TIME, ICP_COL_UUID,
       ICP_COL_NESTED /* decimal(P,S), struct<..>, list<..>, map<..>: see
                       * type_text */ };
/* mappings[].schema.columns[].format: how time columns read JSON values
 * (docs/internals/columns.md); DEFAULT = the key is absent. */
enum { ICP_TIME_FMT_DEFAULT = -1, ICP_TIME_FMT_RFC3339, ICP_TIME_FMT_EPOCH_S,
       ICP_TIME_FMT_EPOCH_MS, ICP_TIME_FMT_EPOCH_US };
enum { ICP_PARQUET_ZSTD, ICP_PARQUET_SNAPPY, ICP_PARQUET_GZIP,
       ICP_PARQUET_LZ4_RAW, ICP_PARQUET_NONE };
enum { ICP_LOG_DEBUG, ICP_LOG_INFO, ICP_LOG_WARN, ICP_LOG_ERROR };
enum { ICP_LOG_LOGFMT, ICP_LOG_JSON };

typedef struct icp_config_strlist {
	char **items;
	size_t n;
} icp_config_strlist;

typedef struct icp_config_column {
	char *name;
	int type;      /* ICP_COL_*, set by validation from type_text */
	int required;
	char *type_text; /* the type as written (src/columns grammar) */
	int format;      /* ICP_TIME_FMT_*, DEFAULT when absent */
} icp_config_column;

typedef struct icp_config_mapping {
	char *topic;
	char *table;   /* "ns1.ns2.table": at least one dot, no empty part */
	int mode;      /* ICP_MAPPING_APPEND */
	int create_table_if_missing;
	int isolation_level; /* ICP_ISOLATION_* (default: processor's) */
	struct {
		int source; /* ICP_SOURCE_* (defaulted by the Go rule) */
		icp_config_column *columns;
		size_t n_columns;
		int allow_type_widening;
		/* source confluent: the registry subject ("" until validation
		 * sets the default <topic>-value) and ICP_CSR_MODE_* */
		char *subject;
		int mode;
		/* Protobuf: the message the table holds ("pkg.Msg"); "" = the
		 * subject file's first message */
		char *message;
	} schema;
	/* ICP_ON_INVALID_*: resolved by validation (absent: stop when the
	 * global schema.mode is strict, else drop) */
	int on_invalid;
	/* on_invalid dead_letter: "ns.table" ("" until validation sets the
	 * default <table>_dlq) */
	char *dead_letter_table;
	/* "" = none; else an optional timestamptz column (after the base
	 * ones) holding the record's Kafka timestamp in microseconds */
	char *timestamp_column;
	/* Partition transform expressions (src/pspec grammar). Absent and []
	 * differ: has_partition_by 0 = keep the table's spec; 1 with n == 0 =
	 * unpartitioned. Validated only (not used by the writer yet). */
	icp_config_strlist partition_by;
	int has_partition_by;
	icp_config_strlist sort_by; /* column names (validated only) */
	struct {
		int mode;   /* ICP_LFS_* */
		int64_t max_inline_size; /* 0 = no limit (resolve) */
		int store_metadata;
		int validate_checksum;
		int64_t resolve_concurrency;
	} lfs;
} icp_config_mapping;

typedef struct icp_config {
	struct {
		char *bucket;
		char *namespace;  /* without leading/trailing '/' */
		char *endpoint;   /* "" (AWS), http(s)://host[:port], file://dir */
		char *region;     /* resolved: AWS_REGION, AWS_DEFAULT_REGION, us-east-1 */
		int path_style;
		char *ca_bundle;  /* "" = the system's CAs */
		/* static credentials; "" = the AWS default chain */
		char *access_key_id;
		char *secret_access_key; /* secret */
		char *session_token;     /* secret */
		int64_t upload_concurrency; /* multipart parts in flight per file */
	} s3;
	struct {
		struct {
			int type; /* ICP_CATALOG_* */
			char *uri;
			char *token;    /* secret */
			char *username;
			char *password; /* secret */
			/* rest only */
			char *oauth2_server_uri; /* "" = {uri}/v1/oauth/tokens */
			char *scope;
			char *warehouse;  /* ?warehouse= of /v1/config; "" = iceberg.warehouse */
			char *ca_bundle;  /* "" = system CAs */
			char *access_delegation; /* rest: X-Iceberg-Access-Delegation */
			int64_t timeout_seconds;
		} catalog;
		char *warehouse;
		struct {        /* warehouse store; defaults to s3.* */
			char *endpoint;
			char *region;
			int path_style;
			char *ca_bundle;
			char *access_key_id;     /* with the two below: all from s3.* */
			char *secret_access_key; /* unless access_key_id is set here */
			char *session_token;
			int64_t upload_concurrency; /* 0 until derived */
		} s3;
	} iceberg;
	struct {
		int backend;    /* ICP_OFFSETS_* */
		int64_t lease_ttl_seconds;
		char *key_prefix;
		char *local_path;
	} offsets;
	struct {
		int64_t poll_interval_seconds;
		int64_t target_file_size_bytes;
		int64_t commit_interval_seconds;
		int64_t max_batch_bytes;
		int64_t max_decompressed_bytes;
		char *worker_id;  /* resolved: hostname, else "worker" */
		int64_t shutdown_timeout_seconds;
		int64_t fetch_concurrency;      /* S3 read-ahead chunks in flight */
		int isolation_level;            /* ICP_ISOLATION_* */
		int64_t transaction_buffer_bytes;
		int64_t stall_warning_seconds;
		int64_t progress_interval_seconds; /* --once progress lines */
		int64_t threads;  /* resolved: 0 becomes icp_pool_cpus() (>= 1) */
		int64_t memory_limit_bytes; /* one budget for every buffer (budget.h) */
		int64_t max_open_files;   /* per partitioned table (LRU roll past it) */
	} processor;
	struct {
		int enabled;               /* run mode: the maintenance thread */
		int64_t interval_seconds;  /* between passes (run mode) */
		struct {
			int64_t max_age_seconds; /* snapshots older may be expired */
			int64_t min_keep;        /* newest snapshots always kept */
		} expire_snapshots;
		struct {
			int64_t min_age_seconds; /* unreferenced files younger stay */
		} remove_orphans;
		struct {
			int64_t target_file_size_bytes; /* bin size of compaction */
			int64_t min_input_files;        /* small files a group needs */
		} compaction;
	} maintenance;
	struct {
		int mode;       /* ICP_DISCOVERY_* */
	} discovery;
	struct {
		icp_config_strlist endpoints;
		char *username;
		char *password; /* secret */
		struct {
			char *ca_file;   /* "" = system CAs */
			char *cert_file; /* client certificate; with key_file */
			char *key_file;
		} tls;
	} etcd;
	struct {
		int mode;       /* ICP_SCHEMA_* */
		struct {
			char *base_url;
			int64_t timeout_seconds;
			int64_t cache_seconds;
		} registry;
		struct { /* Confluent Schema Registry (mappings with source confluent) */
			char *url;
			char *username;
			char *password; /* secret */
			char *token;    /* secret */
			char *ca_bundle; /* "" = system CAs */
			int64_t timeout_seconds;
			int64_t cache_seconds;
		} confluent;
	} schema;
	struct {
		int compression; /* ICP_PARQUET_* */
		int64_t compression_level;
		int64_t row_group_bytes;
		int64_t page_bytes;
	} parquet;
	struct {
		int level;      /* ICP_LOG_* */
		int format;
	} log;
	icp_config_mapping *mappings;
	size_t n_mappings;

	icp_arena *arena_;  /* private: owns every string and array above */
} icp_config;

/* Receives one warning (e.g. `unknown key "s3.bukket" (line 3)`). */
typedef void (*icp_config_warn_fn)(void *ctx, const char *msg);
/* Environment lookup; returns NULL when the variable is unset. */
typedef const char *(*icp_config_getenv_fn)(void *ctx, const char *name);

typedef struct icp_config_opts {
	icp_config_warn_fn warn;     /* NULL: warnings are dropped */
	void *warn_ctx;
	int strict;                  /* unknown keys are errors, not warnings */
	icp_config_getenv_fn getenv; /* NULL: the process environment */
	void *env_ctx;
} icp_config_opts;

void icp_config_opts_init(icp_config_opts *o);

/* Parse, default, override from the environment and validate. On success
 * *out is a new config (free with icp_config_free). On failure *out is NULL
 * and err says which key and value are wrong: ICP_ERR_INVALID for a bad
 * config, ICP_ERR_TOO_LARGE past the size/depth caps, ICP_ERR_IO (file),
 * ICP_ERR_NOMEM. opts may be NULL. */
int icp_config_load_file(const char *path, const icp_config_opts *opts,
                         icp_config **out, icp_error *err);
int icp_config_load_string(const char *yaml, size_t len,
                           const icp_config_opts *opts, icp_config **out,
                           icp_error *err);
void icp_config_free(icp_config *cfg);

/* The normalized config (every key, defaults filled) as one JSON object
 * whose shape mirrors the YAML. With redact_secrets, a set secret prints
 * as "***" and an unset one as "". Returns ICP_OK or out->status. */
int icp_config_to_json(const icp_config *cfg, icp_buf *out, int redact_secrets);

/* Markdown reference of every key (type, default, env, help), generated
 * from the table. */
int icp_config_reference(icp_buf *out);

/* Name of an enum value of a key, e.g. ("iceberg.catalog.type", 1) ->
 * "sql"; mapping keys as "mappings.lfs.mode", columns as
 * "mappings.schema.columns.type". NULL when unknown. */
const char *icp_config_enum_name(const char *key, int value);

#endif
