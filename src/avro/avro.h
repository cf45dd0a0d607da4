/*
 * avro: Avro object container files (OCF, Avro 1.11 spec): a writer for
 * the manifests and manifest lists we produce, and a small reader for the
 * ones others produced and for our tests. And single binary datums (Schema
 * Registry records) decoded with schema resolution into a vtree: see the
 * "datums" section below.
 *
 * File layout (all integers are zigzag varints unless said otherwise):
 *   header: "Obj" 0x01
 *           metadata: map<bytes> in blocks (count, [byte size if count < 0],
 *                     count x (string key, bytes value)), ended by count 0;
 *                     must hold "avro.schema" (the writer schema, JSON) and
 *                     may hold "avro.codec" ("null" when absent)
 *           sync: 16 bytes
 *   blocks: object count (long), byte size (long), that many bytes of
 *           serialized objects (compressed for codec "deflate": raw RFC 1951,
 *           no zlib header), then the 16-byte sync again.
 * Datum encoding: null = nothing; boolean = one byte 0/1; int, long = zigzag
 * varint; float, double = IEEE 754 little-endian (4, 8 bytes); bytes,
 * string = long length + bytes; fixed = its bytes; enum = int index; union
 * = long branch index + value; array, map = blocks of (long count, items)
 * ended by count 0 (map items are string key + value); record = fields in
 * schema order.
 *
 * Writer
 * - icp_avro_writer_new() checks the schema (it must parse and compile),
 *   then writes the header into the caller's icp_buf: the schema text
 *   verbatim as "avro.schema" (so attributes such as Iceberg's "field-id"
 *   survive), "avro.codec", and the caller's extra metadata (keys must not
 *   start with "avro.").
 * - The caller encodes each datum with the icp_avro_write_* calls, in schema
 *   order (the writer does not check datums against the schema: the reader
 *   in our tests does), and ends each datum with icp_avro_end_datum(). A
 *   block is flushed to the output when it reaches opts.block_bytes and by
 *   icp_avro_writer_finish().
 * - Errors are sticky: write calls return ICP_OK or the first error, and
 *   finish() reports it with detail. The output buffer stays the caller's;
 *   the writer only appends to it.
 *
 * Reader
 * - icp_avro_reader_open() borrows the whole file (it must outlive the
 *   reader), decodes the header and compiles the writer schema (records,
 *   enums, arrays, maps, unions, fixed, named references, logical types read
 *   as their base type). icp_avro_reader_next() decodes one datum into a
 *   JSON DOM (see json/json.h) allocated entirely in the caller's arena:
 *   null, boolean -> NULL, BOOL; int, long -> INT; float, double -> DOUBLE
 *   (raw == NULL); string, bytes, fixed -> STRING with its exact bytes (not
 *   checked as UTF-8); enum -> STRING symbol; union -> the branch's value;
 *   array -> ARRAY; map -> OBJECT; record -> OBJECT with fields in order.
 * - Hostile input never aborts or reads out of bounds: sizes are checked
 *   against what remains, a count must fit the bytes left (using the
 *   smallest encoding of its items; items that can encode to zero bytes
 *   are capped at 65536 per block), and decompressed blocks, nodes per
 *   datum and nesting depth are bounded. Errors are ICP_ERR_CORRUPT,
 *   ICP_ERR_TOO_LARGE or ICP_ERR_UNSUPPORTED (unknown codec) with the file
 *   offset.
 */
#ifndef ICP_AVRO_H
#define ICP_AVRO_H

#include "core/core.h"
#include "json/json.h"
#include "vtree/vtree.h"

#define ICP_AVRO_SYNC_SIZE 16

typedef enum icp_avro_codec {
	ICP_AVRO_CODEC_NULL = 0,
	ICP_AVRO_CODEC_DEFLATE
} icp_avro_codec;

/* One user metadata entry; value is bytes (Iceberg stores JSON text). */
typedef struct icp_avro_meta {
	const char *key;
	icp_slice value;
} icp_avro_meta;

/* ---------------------------------------------------------------- writer */

typedef struct icp_avro_writer icp_avro_writer;

typedef struct icp_avro_writer_opts {
	icp_avro_codec codec;
	int deflate_level;        /* 0 = zlib's default; 1..9 */
	size_t block_bytes;       /* flush threshold, uncompressed; 0 = 64 KiB */
	const uint8_t *sync;      /* 16 bytes, or NULL for a random marker */
} icp_avro_writer_opts;

/* Creates a writer appending to out and writes the file header there.
 * schema_json[0..schema_len) is stored verbatim; meta[0..n_meta) are extra
 * metadata entries (copied). opts may be NULL (codec null, random sync).
 * Returns ICP_OK, ICP_ERR_INVALID (schema does not parse or compile, bad
 * metadata key), ICP_ERR_NOMEM, ICP_ERR_IO (no random source) or the
 * buffer's TOO_LARGE. Free with icp_avro_writer_free. */
int icp_avro_writer_new(const char *schema_json, size_t schema_len,
                        const icp_avro_meta *meta, size_t n_meta,
                        const icp_avro_writer_opts *opts, icp_buf *out,
                        icp_avro_writer **w, icp_error *err);
void icp_avro_writer_free(icp_avro_writer *w);

/* Datum encoding into the current block. Each returns the sticky status. */
int icp_avro_write_null(icp_avro_writer *w);
int icp_avro_write_boolean(icp_avro_writer *w, int v);
int icp_avro_write_int(icp_avro_writer *w, int32_t v);
int icp_avro_write_long(icp_avro_writer *w, int64_t v);
int icp_avro_write_float(icp_avro_writer *w, float v);
int icp_avro_write_double(icp_avro_writer *w, double v);
int icp_avro_write_bytes(icp_avro_writer *w, const void *p, size_t n);
int icp_avro_write_string(icp_avro_writer *w, const char *s, size_t n);
int icp_avro_write_cstr(icp_avro_writer *w, const char *s);
int icp_avro_write_fixed(icp_avro_writer *w, const void *p, size_t n);
int icp_avro_write_enum(icp_avro_writer *w, int32_t index);
int icp_avro_write_union_branch(icp_avro_writer *w, int32_t index);
/* count items (map: count key/value pairs, each key written with
 * icp_avro_write_string) follow start; end closes the array or map. One
 * block per array; count 0 writes only the terminator. */
int icp_avro_write_array_start(icp_avro_writer *w, int64_t count);
int icp_avro_write_array_end(icp_avro_writer *w);
int icp_avro_write_map_start(icp_avro_writer *w, int64_t count);
int icp_avro_write_map_end(icp_avro_writer *w);
/* Marks the end of one top-level datum; may flush a block. */
int icp_avro_end_datum(icp_avro_writer *w);
/* Number of datums ended so far. */
int64_t icp_avro_writer_count(const icp_avro_writer *w);
/* Flushes the last block. Returns ICP_OK or the first error (with detail
 * in err). The writer must still be freed. */
int icp_avro_writer_finish(icp_avro_writer *w, icp_error *err);

/* Appends the zigzag varint encoding of v (the "long" encoding); exposed
 * for tests and for callers that pre-encode values. */
int icp_avro_encode_long(icp_buf *b, int64_t v);
/* Decodes one long at *p (< end), advancing *p. ICP_ERR_CORRUPT when
 * truncated, longer than 10 bytes, or overflowing 64 bits. */
int icp_avro_decode_long(const uint8_t **p, const uint8_t *end, int64_t *out);

/* ---------------------------------------------------------------- reader */

typedef struct icp_avro_reader icp_avro_reader;

typedef struct icp_avro_reader_opts {
	size_t max_block_bytes;   /* decompressed block size; 0 = 64 MiB */
	size_t max_nodes;         /* DOM nodes per datum; 0 = 1 Mi */
	int max_depth;            /* datum nesting; 0 = 64 */
} icp_avro_reader_opts;

/* Opens file[0..) (borrowed; must outlive the reader). opts may be NULL.
 * Returns ICP_OK, ICP_ERR_CORRUPT, ICP_ERR_TOO_LARGE, ICP_ERR_UNSUPPORTED
 * (codec) or ICP_ERR_NOMEM. Free with icp_avro_reader_free. */
int icp_avro_reader_open(icp_slice file, const icp_avro_reader_opts *opts,
                         icp_avro_reader **r, icp_error *err);
void icp_avro_reader_free(icp_avro_reader *r);

/* The writer schema: its text and parsed JSON (owned by the reader). */
icp_slice icp_avro_reader_schema_text(const icp_avro_reader *r);
const icp_json *icp_avro_reader_schema(const icp_avro_reader *r);
icp_avro_codec icp_avro_reader_codec(const icp_avro_reader *r);
const uint8_t *icp_avro_reader_sync(const icp_avro_reader *r);
/* Metadata value by key (ICP_OK, or ICP_ERR_NOT_FOUND); the slice points
 * into the file. Entries in file order: count and i-th. */
int icp_avro_reader_meta(const icp_avro_reader *r, const char *key, icp_slice *value);
size_t icp_avro_reader_meta_count(const icp_avro_reader *r);
icp_avro_meta icp_avro_reader_meta_at(const icp_avro_reader *r, size_t i);

/* Decodes the next datum into *out, allocated in a (caller-owned; nothing
 * in it points into the file or the reader). Returns ICP_OK, ICP_END after
 * the last datum, or an error (the reader is then unusable). */
int icp_avro_reader_next(icp_avro_reader *r, icp_arena *a, icp_json **out,
                         icp_error *err);

/* ------------------------------------------------- datums (Schema Registry)
 *
 * Single Avro binary datums (no container, no header: what a Confluent
 * Schema Registry record carries after its 5-byte prefix), decoded with
 * the writer schema (the record's schema id) into the reader schema (the
 * subject version that defines the table), by the "Schema Resolution"
 * rules of the Avro 1.11 specification. The result is a vtree (see
 * vtree/vtree.h) that the column extractor shreds by field name.
 *
 * Schemas
 * - icp_avro_schema_parse() parses and compiles a schema text. Named types
 *   follow the spec's full names and namespaces and may be used by name
 *   after their definition, also across texts: refs are the schema texts of
 *   Confluent "references", dependencies first, whose named types the main
 *   text may use. Logical types: decimal (bytes, fixed; invalid precision or
 *   scale = the base type, as the spec says), uuid (string), date,
 *   time-millis (int), time-micros, timestamp-millis/-micros/-nanos,
 *   local-timestamp-millis/-micros/-nanos (long); unknown ones are ignored.
 *
 * Iceberg columns of a reader schema (icp_avro_schema_to_iceberg) and the
 * vtree nodes the decoder emits for each reader type:
 *   record            struct            OBJ, members keyed by the reader's
 *                                       field names (pointers into the
 *                                       reader schema)
 *   array             list              ARR
 *   map               map<string, V>    MAP, STR keys (into the payload)
 *   ["null", T], [T, "null"]
 *                     optional T        NULL or T's node
 *   other unions      struct<member0, member1, ...>: one field per non-null
 *                     branch in branch order; OBJ with the one member of the
 *                     branch taken, or NULL for a null branch
 *   "null"            no column: a record field of type null (or a union of
 *                     nulls only) is left out of the Iceberg struct; the
 *                     decoder still emits a NULL member for it
 *   enum              string            STR (the reader's symbol)
 *   fixed(N)          fixed[N]          BYTES
 *   bytes             binary            BYTES
 *   string            string            STR (checked as UTF-8)
 *   boolean           boolean           BOOL
 *   int, long         int, long         LONG
 *   float, double     float, double     DOUBLE
 *   decimal(P,S)      decimal(P,S)      DECIMAL (the unscaled bytes, scale
 *                                       S); P > 38 is refused by to_iceberg
 *   uuid              uuid              STR (the text)
 *   date              date              DATE (days)
 *   time-millis/-micros time            TIME (micros)
 *   timestamp-millis/-micros/-nanos
 *                     timestamptz       TIMESTAMP (micros)
 *   local-timestamp-millis/-micros/-nanos
 *                     timestamp         TIMESTAMP (micros)
 *   Nanoseconds become microseconds rounded toward negative infinity
 *   (Iceberg v2 has no nanosecond type); milliseconds that overflow int64
 *   microseconds are CORRUPT.
 * - Every Iceberg field, list element and map value is optional
 *   (required = 0), nested ones included: a registry subject evolves
 *   (fields come and go, unions gain a null), and an optional column never
 *   turns a later record invalid. Field ids are 1.. in depth-first order
 *   (a field, then what is inside it); the caller renumbers them.
 * - A recursive record (one that contains itself at any depth) has no
 *   Iceberg type: to_iceberg refuses it, naming the path. Decoding them
 *   works (bounded by the nesting depth).
 *
 * Resolution (icp_avro_decoder_new) compiles writer x reader once into a
 * graph of steps, so decoding does no name lookup and no allocation:
 * - Records match by unqualified name (or a reader alias); fields by name
 *   (or a reader field's aliases). Writer fields the reader lacks are
 *   skipped (decoded for their size, not emitted); reader fields the
 *   writer lacks get the reader field's "default", emitted as nodes of the
 *   reader's type (bytes and fixed defaults are ISO-8859-1 strings); a
 *   missing default fails decoder_new naming the field path.
 * - Promotions int -> long, float, double; long -> float, double; float ->
 *   double; string <-> bytes. Enums and fixed match by unqualified name,
 *   fixed by size too; decimals by scale.
 * - A writer enum symbol unknown to the reader maps to the reader enum's
 *   "default"; without one, a datum carrying it is CORRUPT (naming the
 *   path), as is a writer union branch that resolves against nothing in
 *   the reader (decoder_new fails only when no branch resolves). A writer
 *   union branch, or a non-union writer type against a reader union, takes
 *   the first reader branch of the same type (or name), else the first
 *   the writer type promotes to.
 *
 * Decoding limits: nesting depth ICP_AVRO_DATUM_MAX_DEPTH, nodes per datum
 * (the doc's max_nodes), block counts must fit the bytes left (items that
 * encode to zero bytes: 65536 per block, 1 Mi per datum). Strings, bytes,
 * fixed, decimals and map keys point into the payload (zero copy); field
 * names, enum symbols and defaults into the reader schema, "member<k>"
 * keys and bytes defaults into the decoder: the tree is valid while the
 * payload, the reader schema and the decoder are.
 *
 * Ownership: schemas and decoders are freed with their _free (NULL is a
 * no-op). A decoder borrows both schemas, which must outlive it. Schemas
 * and decoders are read-only once made (icp_avro_decode keeps its state on
 * the stack): threads may share them, each decoding into its own doc.
 */

#define ICP_AVRO_DATUM_MAX_DEPTH 64

typedef struct icp_avro_schema icp_avro_schema;
struct icp_ice_schema;

/* Parses and compiles text (and refs[0..n_refs) first, see above). Returns
 * ICP_OK, ICP_ERR_INVALID (JSON or schema error: what and where, "ref 2:"
 * for a reference), ICP_ERR_TOO_LARGE or ICP_ERR_NOMEM. Free with
 * icp_avro_schema_free. */
int icp_avro_schema_parse(const icp_slice *refs, size_t n_refs, icp_slice text,
                          icp_avro_schema **out, icp_error *err);
void icp_avro_schema_free(icp_avro_schema *s);

/* The Iceberg columns of record schema s (mapping above): *out is a new
 * icp_ice_schema (schema id 0; free with icp_ice_schema_free). Returns
 * ICP_OK, ICP_ERR_NOMEM or ICP_ERR_INVALID naming the path (top level not
 * a record, recursive record, decimal precision > 38). */
int icp_avro_schema_to_iceberg(const icp_avro_schema *s, struct icp_ice_schema **out,
                               icp_error *err);

typedef struct icp_avro_decoder icp_avro_decoder;

/* Compiles the resolution of writer against reader (reader NULL = writer
 * itself). Returns ICP_OK, ICP_ERR_INVALID naming the field path when they
 * do not resolve (or a default does not fit its type), ICP_ERR_NOMEM. Free
 * with icp_avro_decoder_free. */
int icp_avro_decoder_new(const icp_avro_schema *writer, const icp_avro_schema *reader,
                         icp_avro_decoder **out, icp_error *err);
void icp_avro_decoder_free(icp_avro_decoder *d);

/* Decodes exactly one datum, p[0..n) (trailing bytes are an error), into
 * out, which it resets first. Returns ICP_OK, ICP_ERR_CORRUPT ("avro: at
 * byte 17, field address.zip: truncated long"), ICP_ERR_TOO_LARGE (depth,
 * nodes) or ICP_ERR_NOMEM. On error out holds a partial tree: ignore it. */
int icp_avro_decode(const icp_avro_decoder *d, const uint8_t *p, size_t n, icp_vt_doc *out,
                    icp_error *err);

#endif
