/*
 * The configuration table: every key the processor reads, in one place.
 * Parsing, defaults, bounds, environment overrides, check-config output and
 * the reference doc are all driven from here, so a new key is one entry
 * (plus a field in config.h). Defaults are written as YAML text and go
 * through the same converter as the file, so a default can never be a value
 * the loader would refuse (tests/config checks this).
 *
 * Keys marked "Go" exist in the Go processor and keep its defaults; a zero
 * value (0 or "") of those it defaulted still means "default"
 * (ICP_CFG_F_ZERO_DEFAULT).
 */
#include "config/config_int.h"

#include <stdint.h>

#define TOP(f) offsetof(icp_config, f)
#define MAP(f) offsetof(icp_config_mapping, f)
#define COL(f) offsetof(icp_config_column, f)

#define REQ ICP_CFG_F_REQUIRED
#define ZD ICP_CFG_F_ZERO_DEFAULT
#define DER ICP_CFG_F_DERIVED

#define MiB (INT64_C(1) << 20)
#define GiB (INT64_C(1) << 30)

static const char *const catalog_types[] = {"rest", "sql", NULL};
static const char *const offsets_backends[] = {"etcd", "local", NULL};
static const char *const discovery_modes[] = {"auto", "etcd", "s3", NULL};
static const char *const schema_modes[] = {"off", "lenient", "strict", NULL};
static const char *const schema_sources[] = {"mapping", "registry", "none", "confluent", NULL};
static const char *const csr_modes[] = {"schema_id_prefix", "latest", NULL};
static const char *const on_invalid_modes[] = {"drop", "dead_letter", "stop", NULL};
static const char *const mapping_modes[] = {"append", NULL};
static const char *const isolation_levels[] = {"read_committed", "read_uncommitted", NULL};
static const char *const lfs_modes[] = {"off", "resolve", "reference", "skip",
                                        "hybrid", NULL};
static const char *const column_types[] = {"boolean", "int", "long", "float",
                                           "double", "string", "binary",
                                           "timestamp", "date", "timestamptz",
                                           "time", "uuid", NULL};
/* order of ICP_TIME_FMT_* */
static const char *const time_formats[] = {"rfc3339", "epoch_s", "epoch_ms",
                                           "epoch_us", NULL};
static const char *const compressions[] = {"zstd", "snappy", "gzip", "lz4_raw",
                                           "none", NULL};
static const char *const log_levels[] = {"debug", "info", "warn", "error", NULL};
static const char *const log_formats[] = {"logfmt", "json", NULL};

static const icp_cfg_key column_keys[] = {
	{.path = "name", .kind = ICP_CFG_STR, .off = COL(name), .flags = REQ,
	 .help = "Column name; the value is the top-level JSON field of that "
	         "name (Go)."},
	/* A string checked by config_validate.c (nested types have a
	 * grammar); names still lists the flat types for the docs and
	 * icp_config_enum_name(), and validation sets `type` from it. */
	{.path = "type", .kind = ICP_CFG_STR, .off = COL(type_text),
	 .names = column_types, .flags = REQ,
	 .help = "Iceberg type (case-insensitive) (Go), or decimal(P,S) "
	         "(1 <= P <= 38, 0 <= S <= P), struct<name:type,..>, "
	         "list<type>, map<string,type>."},
	{.path = "required", .kind = ICP_CFG_BOOL, .off = COL(required),
	 .def = "false", .help = "Column is required (not null) (Go)."},
	/* No default: absent keeps the rule typed columns always had. */
	{.path = "format", .kind = ICP_CFG_ENUM, .off = COL(format),
	 .names = time_formats,
	 .help = "Time columns only (timestamp, timestamptz, date, time, also "
	         "nested in the column): how JSON numbers are read. epoch_s, "
	         "epoch_ms, epoch_us: numbers in that unit (a fraction is "
	         "floored to the microsecond; date: the instant's UTC day; time: "
	         "since midnight), strings RFC 3339; rfc3339: strings only. "
	         "Absent: integers are epoch milliseconds (timestamps), strings "
	         "RFC 3339."},
};

const icp_cfg_table icp_cfg_column_table = {
	"columns", column_keys, ICP_ARRAY_LEN(column_keys), sizeof(icp_config_column)};

static const icp_cfg_key mapping_keys[] = {
	{.path = "topic", .kind = ICP_CFG_STR, .off = MAP(topic), .flags = REQ,
	 .help = "KafScale topic to read; each topic at most once (Go)."},
	{.path = "table", .kind = ICP_CFG_STR, .off = MAP(table), .flags = REQ,
	 .help = "Target table: dotted namespace path + table name, e.g. "
	         "prod.orders (Go)."},
	{.path = "mode", .kind = ICP_CFG_ENUM, .off = MAP(mode), .def = "append",
	 .names = mapping_modes, .flags = ZD, .help = "Write mode (Go)."},
	{.path = "create_table_if_missing", .kind = ICP_CFG_BOOL,
	 .off = MAP(create_table_if_missing), .def = "false",
	 .help = "Create the table (and its namespaces) when missing (Go)."},
	{.path = "schema.source", .kind = ICP_CFG_ENUM, .off = MAP(schema.source),
	 .names = schema_sources, .flags = ZD | DER,
	 .help = "Where extra columns come from. Default: mapping when columns "
	         "are given, else registry when schema.registry.base_url is "
	         "set, else none (Go). confluent: values are Confluent Schema "
	         "Registry Avro, Protobuf or JSON Schema payloads "
	         "(schema.confluent.url); the columns follow the subject's latest "
	         "version."},
	{.path = "schema.subject", .kind = ICP_CFG_STR, .off = MAP(schema.subject), .def = "",
	 .flags = DER,
	 .help = "source confluent: the registry subject whose latest version gives "
	         "the table's columns. Empty: <topic>-value (TopicNameStrategy)."},
	{.path = "schema.message", .kind = ICP_CFG_STR, .off = MAP(schema.message), .def = "",
	 .help = "source confluent, Protobuf: the message the table holds (full name, "
	         "e.g. shop.Order; top-level messages). Records of another message of "
	         "the subject are invalid (stage schema, reason other_message). Empty: "
	         "the first message of the subject's file."},
	{.path = "schema.mode", .kind = ICP_CFG_ENUM, .off = MAP(schema.mode),
	 .def = "schema_id_prefix", .names = csr_modes,
	 .help = "source confluent: schema_id_prefix decodes each value with the "
	         "schema its wire-format prefix names (magic byte 0, 4-byte id; "
	         "Protobuf then message indexes); latest decodes values without a "
	         "prefix with the subject's latest version."},
	{.path = "schema.columns", .kind = ICP_CFG_LIST, .off = MAP(schema.columns),
	 .count_off = MAP(schema.n_columns), .sub = &icp_cfg_column_table,
	 .help = "Columns after the built-in ones (Go)."},
	{.path = "schema.allow_type_widening", .kind = ICP_CFG_BOOL,
	 .off = MAP(schema.allow_type_widening), .def = "false",
	 .help = "Allow int->long and float->double on evolution (Go)."},
	{.path = "on_invalid", .kind = ICP_CFG_ENUM, .off = MAP(on_invalid),
	 .names = on_invalid_modes,
	 .help = "What an invalid record does (an undecodable payload, an unknown "
	         "schema id, a validation failure, a value a required column cannot "
	         "take): drop (counted, logged), dead_letter (written to "
	         "dead_letter_table with the reason) or stop (the partition stops "
	         "at it). Absent: stop when schema.mode is strict, else drop."},
	{.path = "dead_letter_table", .kind = ICP_CFG_STR, .off = MAP(dead_letter_table),
	 .def = "", .flags = DER,
	 .help = "on_invalid dead_letter: the table invalid records go to, created "
	         "when missing (base columns plus error_stage, error_reason, "
	         "error_path, schema_id). Empty: <table>_dlq."},
	{.path = "isolation_level", .kind = ICP_CFG_ENUM, .off = MAP(isolation_level),
	 .names = isolation_levels, .flags = ZD | DER,
	 .help = "Transactions of this topic: read_committed or read_uncommitted. "
	         "Default: processor.isolation_level."},
	{.path = "timestamp_column", .kind = ICP_CFG_STR, .off = MAP(timestamp_column),
	 .def = "",
	 .help = "Name of an extra timestamptz column (optional, right after the "
	         "base columns) holding the record's Kafka timestamp in "
	         "microseconds; timestamp_ms stays. A timestamp whose microseconds "
	         "leave int64 is null there (counted in "
	         "timestamp_out_of_range_total, logged once per partition). Must "
	         "not be a base, mapping or lfs_* metadata column name. Empty: no "
	         "such column."},
	{.path = "partition_by", .kind = ICP_CFG_STRLIST, .off = MAP(partition_by),
	 .flags = ICP_CFG_F_ABSENT_NULL,
	 .help = "Partition transforms, e.g. [day(event_time), \"bucket(16, id)\"]: "
	         "col, identity(col), year(col), month(col), day(col), hour(col), "
	         "bucket(N, col), truncate(W, col), void(col). Absent: keep the "
	         "table's partition spec (whoever set it); []: unpartitioned; "
	         "otherwise the table's default spec becomes this one when it "
	         "partitions differently (old files keep their spec). Checked "
	         "against the table's columns when the config is loaded "
	         "(schema.source registry: syntax at load, columns at table "
	         "open). Data files are written one per partition tuple. A string "
	         "is split at commas outside parentheses."},
	{.path = "sort_by", .kind = ICP_CFG_STRLIST, .off = MAP(sort_by),
	 .help = "Top-level primitive column names to sort rows by, checked when "
	         "the config is loaded (schema.source registry: duplicates only). "
	         "Rows are sorted within each data file (ascending, nulls first; "
	         "rows are kept up to the table's row-group share of memory, then "
	         "written sorted) and the table's default sort order becomes these "
	         "columns, recorded on every data file. Empty: the table's sort "
	         "order is kept."},
	{.path = "lfs.mode", .kind = ICP_CFG_ENUM, .off = MAP(lfs.mode),
	 .def = "off", .names = lfs_modes, .flags = ZD,
	 .env = "KAFSCALE_ICEBERG_LFS_MODE",
	 .help = "LFS envelope handling (Go)."},
	{.path = "lfs.max_inline_size", .kind = ICP_CFG_INT,
	 .off = MAP(lfs.max_inline_size), .def = "0", .min = 0,
	 .max = INT64_C(1) << 40, .env = "KAFSCALE_ICEBERG_LFS_MAX_INLINE_SIZE",
	 .help = "Bytes; resolve: larger blobs are an error (0 = no limit); "
	         "hybrid: resolve up to this size, must be > 0 (Go)."},
	{.path = "lfs.store_metadata", .kind = ICP_CFG_BOOL,
	 .off = MAP(lfs.store_metadata), .def = "false",
	 .env = "KAFSCALE_ICEBERG_LFS_STORE_METADATA",
	 .help = "Add the lfs_* metadata columns (Go)."},
	{.path = "lfs.validate_checksum", .kind = ICP_CFG_BOOL,
	 .off = MAP(lfs.validate_checksum), .def = "true",
	 .env = "KAFSCALE_ICEBERG_LFS_VALIDATE_CHECKSUM",
	 .help = "Verify resolved blobs against the envelope checksum (Go)."},
	{.path = "lfs.resolve_concurrency", .kind = ICP_CFG_INT,
	 .off = MAP(lfs.resolve_concurrency), .def = "4", .min = 0, .max = 256,
	 .flags = ZD, .env = "KAFSCALE_ICEBERG_LFS_RESOLVE_CONCURRENCY",
	 .help = "Parallel blob fetches per batch; 0 means the default (Go)."},
};

const icp_cfg_table icp_cfg_mapping_table = {
	"mappings", mapping_keys, ICP_ARRAY_LEN(mapping_keys), sizeof(icp_config_mapping)};

static const icp_cfg_key top_keys[] = {
	/* s3: where KafScale segments are */
	{.path = "s3.bucket", .kind = ICP_CFG_STR, .off = TOP(s3.bucket),
	 .flags = REQ, .help = "Bucket holding the KafScale segments (Go)."},
	{.path = "s3.namespace", .kind = ICP_CFG_STR, .off = TOP(s3.namespace),
	 .def = "", .help = "Key prefix of the segments; leading/trailing '/' "
	                    "are stripped (Go)."},
	{.path = "s3.endpoint", .kind = ICP_CFG_STR, .off = TOP(s3.endpoint),
	 .def = "", .help = "\"\" = AWS; http(s)://host:port for MinIO and other "
	                    "S3 servers; file:///dir (or file://./dir, relative "
	                    "to the working directory) = local store whose "
	                    "buckets are sub-folders of dir."},
	{.path = "s3.region", .kind = ICP_CFG_STR, .off = TOP(s3.region),
	 .flags = DER, .help = "Default: $AWS_REGION, else $AWS_DEFAULT_REGION, "
	                       "else us-east-1 (Go used the AWS SDK chain)."},
	{.path = "s3.path_style", .kind = ICP_CFG_BOOL, .off = TOP(s3.path_style),
	 .def = "false", .help = "Path-style addressing (MinIO) (Go)."},
	{.path = "s3.ca_bundle", .kind = ICP_CFG_STR, .off = TOP(s3.ca_bundle), .def = "",
	 .help = "PEM file of the CAs trusted for an https:// endpoint (default: "
	         "the system's)."},
	{.path = "s3.access_key_id", .kind = ICP_CFG_STR, .off = TOP(s3.access_key_id),
	 .def = "", .help = "Static credentials (use ${ENV} expansion); with "
	                    "s3.secret_access_key. Empty: the AWS chain (env, "
	                    "shared files, web identity, container, IMDS)."},
	{.path = "s3.secret_access_key", .kind = ICP_CFG_SECRET,
	 .off = TOP(s3.secret_access_key), .def = "",
	 .help = "Secret of s3.access_key_id."},
	{.path = "s3.session_token", .kind = ICP_CFG_SECRET, .off = TOP(s3.session_token),
	 .def = "", .help = "Session token of temporary static credentials."},
	{.path = "s3.upload_concurrency", .kind = ICP_CFG_INT,
	 .off = TOP(s3.upload_concurrency), .def = "4", .min = 1, .max = 64,
	 .help = "Multipart parts of one file uploaded at once, each on its own "
	         "thread and connection; a file being written holds up to this + 1 "
	         "parts (8 MiB each) in memory. 1 = one part after another in the "
	         "writing thread."},
	/* iceberg */
	{.path = "iceberg.catalog.type", .kind = ICP_CFG_ENUM,
	 .off = TOP(iceberg.catalog.type), .names = catalog_types, .flags = REQ,
	 .help = "rest = Iceberg REST catalog (Go); sql = local SQLite catalog "
	         "(uri sqlite:///path/catalog.db)."},
	{.path = "iceberg.catalog.uri", .kind = ICP_CFG_STR,
	 .off = TOP(iceberg.catalog.uri), .flags = REQ,
	 .help = "rest: http(s)://catalog; sql: sqlite:///abs/path.db or "
	         "sqlite://./rel/path.db (Go)."},
	{.path = "iceberg.catalog.token", .kind = ICP_CFG_SECRET,
	 .off = TOP(iceberg.catalog.token), .def = "",
	 .help = "Bearer token for the REST catalog (Go)."},
	{.path = "iceberg.catalog.username", .kind = ICP_CFG_STR,
	 .off = TOP(iceberg.catalog.username), .def = "",
	 .help = "With password: OAuth2 client credentials (Go)."},
	{.path = "iceberg.catalog.password", .kind = ICP_CFG_SECRET,
	 .off = TOP(iceberg.catalog.password), .def = "",
	 .help = "OAuth2 client secret (Go)."},
	{.path = "iceberg.catalog.oauth2_server_uri", .kind = ICP_CFG_STR,
	 .off = TOP(iceberg.catalog.oauth2_server_uri), .def = "",
	 .help = "rest: OAuth2 token endpoint (client credentials). Default: "
	         "{uri}/v1/oauth/tokens."},
	{.path = "iceberg.catalog.scope", .kind = ICP_CFG_STR,
	 .off = TOP(iceberg.catalog.scope), .def = "catalog",
	 .help = "rest: OAuth2 scope requested with the client credentials."},
	{.path = "iceberg.catalog.warehouse", .kind = ICP_CFG_STR,
	 .off = TOP(iceberg.catalog.warehouse), .def = "",
	 .help = "rest: the `warehouse` parameter of GET /v1/config (a catalog "
	         "name for Polaris/Lakekeeper). Default: iceberg.warehouse."},
	{.path = "iceberg.catalog.ca_bundle", .kind = ICP_CFG_STR,
	 .off = TOP(iceberg.catalog.ca_bundle), .def = "",
	 .help = "rest: PEM file of the CAs trusted for https (default: the "
	         "system's)."},
	{.path = "iceberg.catalog.access_delegation", .kind = ICP_CFG_STR,
	 .off = TOP(iceberg.catalog.access_delegation), .def = "",
	 .help = "rest: X-Iceberg-Access-Delegation header sent to the catalog, "
	         "e.g. vended-credentials (the catalog then vends S3 settings per "
	         "table); empty = not sent."},
	{.path = "iceberg.catalog.timeout_seconds", .kind = ICP_CFG_INT,
	 .off = TOP(iceberg.catalog.timeout_seconds), .def = "30", .min = 1,
	 .max = 3600, .help = "rest: timeout of one catalog request; a commit "
	                      "that times out has an unknown outcome (resolved "
	                      "by reloading the table)."},
	{.path = "iceberg.warehouse", .kind = ICP_CFG_STR,
	 .off = TOP(iceberg.warehouse), .def = "",
	 .help = "Warehouse root: s3://bucket/prefix or file:///dir (Go)."},
	{.path = "iceberg.s3.endpoint", .kind = ICP_CFG_STR,
	 .off = TOP(iceberg.s3.endpoint), .flags = DER,
	 .help = "Endpoint of the warehouse store. Default: s3.endpoint."},
	{.path = "iceberg.s3.region", .kind = ICP_CFG_STR,
	 .off = TOP(iceberg.s3.region), .flags = DER,
	 .help = "Region of the warehouse store. Default: s3.region."},
	{.path = "iceberg.s3.path_style", .kind = ICP_CFG_BOOL,
	 .off = TOP(iceberg.s3.path_style), .flags = DER,
	 .help = "Path-style addressing for the warehouse. Default: "
	         "s3.path_style."},
	{.path = "iceberg.s3.ca_bundle", .kind = ICP_CFG_STR,
	 .off = TOP(iceberg.s3.ca_bundle), .flags = DER,
	 .help = "CA bundle for the warehouse store. Default: s3.ca_bundle."},
	{.path = "iceberg.s3.access_key_id", .kind = ICP_CFG_STR,
	 .off = TOP(iceberg.s3.access_key_id), .flags = DER,
	 .help = "Static credentials of the warehouse store. Default (with the "
	         "secret and token): s3.*."},
	{.path = "iceberg.s3.secret_access_key", .kind = ICP_CFG_SECRET,
	 .off = TOP(iceberg.s3.secret_access_key), .flags = DER,
	 .help = "Secret of iceberg.s3.access_key_id."},
	{.path = "iceberg.s3.session_token", .kind = ICP_CFG_SECRET,
	 .off = TOP(iceberg.s3.session_token), .flags = DER,
	 .help = "Session token of iceberg.s3.access_key_id."},
	{.path = "iceberg.s3.upload_concurrency", .kind = ICP_CFG_INT,
	 .off = TOP(iceberg.s3.upload_concurrency), .min = 1, .max = 64, .flags = DER,
	 .help = "Parts uploaded at once per data file of the warehouse. "
	         "Default: s3.upload_concurrency."},
	/* offsets */
	{.path = "offsets.backend", .kind = ICP_CFG_ENUM, .off = TOP(offsets.backend),
	 .def = "etcd", .names = offsets_backends, .flags = ZD,
	 .help = "etcd (Go) or local (a JSON file, one process only)."},
	{.path = "offsets.lease_ttl_seconds", .kind = ICP_CFG_INT,
	 .off = TOP(offsets.lease_ttl_seconds), .def = "30", .min = 1,
	 .max = 86400, .flags = ZD, .help = "Partition lease TTL (Go)."},
	{.path = "offsets.key_prefix", .kind = ICP_CFG_STR,
	 .off = TOP(offsets.key_prefix), .def = "processors", .flags = ZD,
	 .help = "etcd key prefix of leases, offsets, watermarks (Go)."},
	{.path = "offsets.local_path", .kind = ICP_CFG_STR,
	 .off = TOP(offsets.local_path), .def = "./state/offsets.json",
	 .help = "offsets.backend=local: the offsets file (relative to the "
	         "working directory)."},
	/* processor */
	{.path = "processor.poll_interval_seconds", .kind = ICP_CFG_INT,
	 .off = TOP(processor.poll_interval_seconds), .def = "5", .min = 1,
	 .max = 86400, .flags = ZD, .help = "Pause between discovery polls (Go)."},
	{.path = "processor.target_file_size_bytes", .kind = ICP_CFG_INT,
	 .off = TOP(processor.target_file_size_bytes), .def = "134217728",
	 .min = MiB, .max = 16 * GiB, .help = "Roll a data file at this size."},
	{.path = "processor.commit_interval_seconds", .kind = ICP_CFG_INT,
	 .off = TOP(processor.commit_interval_seconds), .def = "60", .min = 1,
	 .max = 86400, .help = "Commit to Iceberg at least this often (fewer, "
	                       "larger snapshots than one per segment)."},
	{.path = "processor.max_batch_bytes", .kind = ICP_CFG_INT,
	 .off = TOP(processor.max_batch_bytes), .def = "67108864", .min = 64 * 1024,
	 .max = 2 * GiB, .help = "Largest record batch accepted (compressed)."},
	{.path = "processor.max_decompressed_bytes", .kind = ICP_CFG_INT,
	 .off = TOP(processor.max_decompressed_bytes), .def = "268435456",
	 .min = 64 * 1024, .max = 4 * GiB,
	 .help = "Largest decompressed batch (zip-bomb cap)."},
	{.path = "processor.worker_id", .kind = ICP_CFG_STR,
	 .off = TOP(processor.worker_id), .flags = DER,
	 .help = "Lease owner id. Default: the host name (the pod name), else "
	         "\"worker\" (Go)."},
	{.path = "processor.shutdown_timeout_seconds", .kind = ICP_CFG_INT,
	 .off = TOP(processor.shutdown_timeout_seconds), .def = "25", .min = 0,
	 .max = 3600, .help = "On SIGTERM, finish and commit within this time "
	                      "(below Kubernetes' 30 s grace period)."},
	{.path = "processor.fetch_concurrency", .kind = ICP_CFG_INT,
	 .off = TOP(processor.fetch_concurrency), .def = "4", .min = 1, .max = 64,
	 .help = "S3 segments: chunks of 8 MiB read ahead of the decoder, each "
	         "with its own ranged GET (memory: this many x 8 MiB); 1 = one "
	         "streaming GET per segment. Local stores always stream."},
	{.path = "processor.isolation_level", .kind = ICP_CFG_ENUM,
	 .off = TOP(processor.isolation_level), .def = "read_committed",
	 .names = isolation_levels, .flags = ZD,
	 .help = "As a Kafka consumer's isolation.level: read_committed writes no "
	         "record of an aborted transaction and nothing at or past the "
	         "first offset of a transaction still open until its marker "
	         "arrives; read_uncommitted writes every data record."},
	{.path = "processor.transaction_buffer_bytes", .kind = ICP_CFG_INT,
	 .off = TOP(processor.transaction_buffer_bytes), .def = "33554432", .min = 0,
	 .max = 4 * GiB,
	 .help = "read_committed: batches past an open transaction's first offset "
	         "are kept in memory up to this size until its marker; past it "
	         "they are read again from the store instead (0: always)."},
	{.path = "processor.stall_warning_seconds", .kind = ICP_CFG_INT,
	 .off = TOP(processor.stall_warning_seconds), .def = "300", .min = 1,
	 .max = 86400 * 7,
	 .help = "A partition waiting this long on an incomplete segment while "
	         "later complete ones exist is reported stalled (warning, "
	         "/status, partition_stalled gauge)."},
	{.path = "processor.progress_interval_seconds", .kind = ICP_CFG_INT,
	 .off = TOP(processor.progress_interval_seconds), .def = "5", .min = 1,
	 .max = 3600, .help = "With --once: seconds between the progress lines "
	                      "logged per table (info level)."},
	{.path = "processor.threads", .kind = ICP_CFG_INT,
	 .off = TOP(processor.threads), .def = "0", .min = 0, .max = 1024,
	 .help = "Worker threads that encode and compress Parquet column chunks "
	         "in parallel. 0: the CPUs this process may use (its CPU "
	         "affinity, capped by the cgroup v2 quota in "
	         "/sys/fs/cgroup/cpu.max, rounded up). 1: everything on one "
	         "thread (deterministic; the files are the same bytes for any "
	         "value)."},
	{.path = "processor.memory_limit_bytes", .kind = ICP_CFG_INT,
	 .off = TOP(processor.memory_limit_bytes), .def = "536870912", .min = 32 * MiB,
	 .max = 1024 * GiB,
	 .help = "One memory budget for the buffers that grow with the data: "
	         "Parquet row groups of the open data files, S3 read-ahead "
	         "chunks, multipart upload parts, read_committed transaction "
	         "queues and segment reads kept open between partition turns. "
	         "They are sized down or wait (never fail) to stay under it "
	         "(see docs/internals/memory.md); fixed costs (code, metadata, "
	         "one batch being decoded) come on top."},
	{.path = "processor.max_open_files", .kind = ICP_CFG_INT,
	 .off = TOP(processor.max_open_files), .def = "16", .min = 1, .max = 4096,
	 .help = "Open data files per table when the table is partitioned (one "
	         "per partition value being written); past it, the least "
	         "recently used file is rolled (closed, committed with the next "
	         "commit). Each open file holds a row group in memory "
	         "(processor.memory_limit_bytes: the table's share is split "
	         "between them, at least 1 MiB each)."},
	/* maintenance (iceberg-processor maintain; run mode: a pass every interval) */
	{.path = "maintenance.enabled", .kind = ICP_CFG_BOOL, .off = TOP(maintenance.enabled),
	 .def = "true",
	 .help = "Run mode: a maintenance thread runs a pass over the mapped tables "
	         "every maintenance.interval_seconds (the pass of `maintain`), "
	         "beside ingest and never blocking it. With etcd, a table is "
	         "maintained by one worker at a time (key "
	         "<offsets.key_prefix>/maintenance/<table>). false: only `maintain` "
	         "runs passes."},
	{.path = "maintenance.interval_seconds", .kind = ICP_CFG_INT,
	 .off = TOP(maintenance.interval_seconds), .def = "3600", .min = 1, .max = 31622400,
	 .help = "Run mode: seconds from the end of one maintenance pass to the "
	         "start of the next (the first one starts this long after start-up)."},
	{.path = "maintenance.expire_snapshots.max_age_seconds", .kind = ICP_CFG_INT,
	 .off = TOP(maintenance.expire_snapshots.max_age_seconds), .def = "432000", .min = 0,
	 .max = INT64_C(1) << 40,
	 .help = "`maintain`: snapshots older than this may be expired (default 5 "
	         "days). The table property history.expire.max-snapshot-age-ms wins "
	         "when a table sets it."},
	{.path = "maintenance.expire_snapshots.min_keep", .kind = ICP_CFG_INT,
	 .off = TOP(maintenance.expire_snapshots.min_keep), .def = "100", .min = 1,
	 .max = 1000000000,
	 .help = "`maintain`: the newest snapshots of each branch always kept, "
	         "whatever their age. The table property "
	         "history.expire.min-snapshots-to-keep wins when a table sets it."},
	{.path = "maintenance.compaction.target_file_size_bytes", .kind = ICP_CFG_INT,
	 .off = TOP(maintenance.compaction.target_file_size_bytes), .def = "536870912",
	 .min = 1024, .max = INT64_C(1) << 40,
	 .help = "`maintain`: compaction rewrites data files smaller than 75% of "
	         "this, within each partition and spec, into files of about this "
	         "size (default 512 MiB)."},
	{.path = "maintenance.compaction.min_input_files", .kind = ICP_CFG_INT,
	 .off = TOP(maintenance.compaction.min_input_files), .def = "5", .min = 2,
	 .max = 1000000000,
	 .help = "`maintain`: a partition is compacted only when it has at least "
	         "this many small files."},
	{.path = "maintenance.remove_orphans.min_age_seconds", .kind = ICP_CFG_INT,
	 .off = TOP(maintenance.remove_orphans.min_age_seconds), .def = "259200", .min = 0,
	 .max = INT64_C(1) << 40,
	 .help = "`maintain`: a file under a table's location that no snapshot or "
	         "metadata-log entry reaches is deleted only once it is older than "
	         "this (default 3 days): a commit in flight (or another engine's "
	         "long write) has files no metadata names yet, so this must exceed "
	         "the longest write and commit retry. Files whose age the store "
	         "does not report are never deleted."},
	/* discovery, etcd */
	{.path = "discovery.mode", .kind = ICP_CFG_ENUM, .off = TOP(discovery.mode),
	 .def = "auto", .names = discovery_modes, .flags = ZD,
	 .help = "How segments are found: auto, etcd or s3 listing (Go)."},
	{.path = "etcd.endpoints", .kind = ICP_CFG_STRLIST,
	 .off = TOP(etcd.endpoints),
	 .help = "etcd URLs; required when offsets.backend or discovery.mode is "
	         "etcd. A string is split at commas (Go: list only)."},
	{.path = "etcd.username", .kind = ICP_CFG_STR, .off = TOP(etcd.username),
	 .def = "", .help = "etcd user (Go)."},
	{.path = "etcd.password", .kind = ICP_CFG_SECRET, .off = TOP(etcd.password),
	 .def = "", .help = "etcd password (Go)."},
	{.path = "etcd.tls.ca_file", .kind = ICP_CFG_STR, .off = TOP(etcd.tls.ca_file),
	 .def = "", .help = "PEM file of the CAs trusted for https:// etcd endpoints "
	                    "(default: the system's; etcdctl --cacert)."},
	{.path = "etcd.tls.cert_file", .kind = ICP_CFG_STR, .off = TOP(etcd.tls.cert_file),
	 .def = "", .help = "PEM client certificate for etcd's --client-cert-auth; "
	                    "needs etcd.tls.key_file (etcdctl --cert)."},
	{.path = "etcd.tls.key_file", .kind = ICP_CFG_STR, .off = TOP(etcd.tls.key_file),
	 .def = "", .help = "PEM private key of etcd.tls.cert_file (etcdctl --key)."},
	/* schema */
	{.path = "schema.mode", .kind = ICP_CFG_ENUM, .off = TOP(schema.mode),
	 .def = "off", .names = schema_modes, .flags = ZD,
	 .help = "Validate values against the registry schema: off, lenient "
	         "(drop invalid), strict (stop) (Go)."},
	{.path = "schema.registry.base_url", .kind = ICP_CFG_STR,
	 .off = TOP(schema.registry.base_url), .def = "",
	 .help = "GET {base_url}/{topic}.json; required when schema.mode != off "
	         "or a mapping uses source registry (Go)."},
	{.path = "schema.registry.timeout_seconds", .kind = ICP_CFG_INT,
	 .off = TOP(schema.registry.timeout_seconds), .def = "5", .min = 1,
	 .max = 3600, .flags = ZD, .help = "Registry HTTP timeout (Go)."},
	{.path = "schema.registry.cache_seconds", .kind = ICP_CFG_INT,
	 .off = TOP(schema.registry.cache_seconds), .def = "300", .min = 1,
	 .max = 604800, .flags = ZD, .help = "Schema cache lifetime (Go)."},
	{.path = "schema.confluent.url", .kind = ICP_CFG_STR,
	 .off = TOP(schema.confluent.url), .def = "",
	 .help = "Confluent Schema Registry base URL (http(s)://host[:port][/path]); "
	         "required when a mapping uses schema.source confluent."},
	{.path = "schema.confluent.username", .kind = ICP_CFG_STR,
	 .off = TOP(schema.confluent.username), .def = "",
	 .help = "Basic auth user (Confluent Cloud: the API key)."},
	{.path = "schema.confluent.password", .kind = ICP_CFG_SECRET,
	 .off = TOP(schema.confluent.password), .def = "",
	 .help = "Basic auth password (Confluent Cloud: the API secret)."},
	{.path = "schema.confluent.token", .kind = ICP_CFG_SECRET,
	 .off = TOP(schema.confluent.token), .def = "",
	 .help = "Bearer token (instead of username/password)."},
	{.path = "schema.confluent.ca_bundle", .kind = ICP_CFG_STR,
	 .off = TOP(schema.confluent.ca_bundle), .def = "",
	 .help = "PEM file of the CAs trusted for an https:// registry (default: "
	         "the system's)."},
	{.path = "schema.confluent.timeout_seconds", .kind = ICP_CFG_INT,
	 .off = TOP(schema.confluent.timeout_seconds), .def = "5", .min = 1, .max = 3600,
	 .help = "Registry HTTP timeout."},
	{.path = "schema.confluent.cache_seconds", .kind = ICP_CFG_INT,
	 .off = TOP(schema.confluent.cache_seconds), .def = "300", .min = 1,
	 .max = 604800,
	 .help = "How long a subject's latest version is cached. Schemas by id are "
	         "immutable and cached for the process's life (one lookup per id)."},
	/* parquet */
	{.path = "parquet.compression", .kind = ICP_CFG_ENUM,
	 .off = TOP(parquet.compression), .def = "zstd", .names = compressions,
	 .help = "Data file compression codec."},
	{.path = "parquet.compression_level", .kind = ICP_CFG_INT,
	 .off = TOP(parquet.compression_level), .def = "3", .min = -7, .max = 22,
	 .help = "zstd: -7..22; gzip: 1..9; ignored by the other codecs."},
	{.path = "parquet.row_group_bytes", .kind = ICP_CFG_INT,
	 .off = TOP(parquet.row_group_bytes), .def = "134217728", .min = MiB,
	 .max = 4 * GiB, .help = "Target row group size."},
	{.path = "parquet.page_bytes", .kind = ICP_CFG_INT,
	 .off = TOP(parquet.page_bytes), .def = "1048576", .min = 4096,
	 .max = GiB, .help = "Target page size; at most row_group_bytes."},
	/* log */
	{.path = "log.level", .kind = ICP_CFG_ENUM, .off = TOP(log.level),
	 .def = "info", .names = log_levels, .flags = ICP_CFG_F_CASE_FOLD,
	 .env = "KAFSCALE_LOG_LEVEL", .help = "Least severe level logged."},
	{.path = "log.format", .kind = ICP_CFG_ENUM, .off = TOP(log.format),
	 .def = "logfmt", .names = log_formats, .flags = ICP_CFG_F_CASE_FOLD,
	 .env = "KAFSCALE_LOG_FORMAT",
	 .help = "Log line format: logfmt, or json (one JSON object per line; numbers "
	         "as numbers). The environment variable also applies to a config "
	         "that cannot be loaded."},
	/* mappings */
	{.path = "mappings", .kind = ICP_CFG_LIST, .off = TOP(mappings),
	 .count_off = TOP(n_mappings), .sub = &icp_cfg_mapping_table,
	 .help = "Topic to table mappings (Go); at least one."},
};

const icp_cfg_table icp_cfg_top_table = {
	"", top_keys, ICP_ARRAY_LEN(top_keys), sizeof(icp_config)};

const icp_cfg_key *icp_cfg_find(const icp_cfg_table *t, const char *path)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->keys[i].path, path) == 0)
			return &t->keys[i];
	return NULL;
}

size_t icp_cfg_enum_count(const icp_cfg_key *k)
{
	size_t n = 0;

	while (k->names && k->names[n])
		n++;
	return n;
}

const char *icp_config_enum_name(const char *key, int value)
{
	const icp_cfg_table *t = &icp_cfg_top_table;
	const icp_cfg_key *k;

	if (strncmp(key, "mappings.schema.columns.", 24) == 0) {
		t = &icp_cfg_column_table;
		key += 24;
	} else if (strncmp(key, "mappings.", 9) == 0) {
		t = &icp_cfg_mapping_table;
		key += 9;
	}
	k = icp_cfg_find(t, key);
	if (!k || !k->names || value < 0 ||
	    (size_t)value >= icp_cfg_enum_count(k))
		return NULL;
	return k->names[value];
}
