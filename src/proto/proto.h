/*
 * proto: Protobuf schemas (serialized FileDescriptorProtos, as the Confluent
 * Schema Registry serves them) and the decoding of Confluent Protobuf record
 * values into a vtree (src/vtree/vtree.h).
 *
 * Byte layout of a record value after the 5-byte Confluent header (magic 0 +
 * big-endian schema id, stripped by the caller):
 *   message-index array: zigzag varint count, then count zigzag varint
 *                        indexes (the single byte 0 stands for [0])
 *   the protobuf message: tag (varint: number << 3 | wire type) + value,
 *                        repeated to the end of the value
 *
 * Role: icp_proto_schema_new parses descriptors at the wire level (no
 * libprotobuf), resolves type names across the main file and its
 * dependencies, and compiles per message a field table (lookup by number).
 * icp_proto_to_iceberg maps a message to Iceberg columns; icp_proto_decode
 * turns one payload into a tree the column extractor shreds by field name.
 *
 * Mapping (Iceberg type / vtree node):
 *   message -> struct / OBJ, members in declaration order, named by the
 *     proto field names (keys point into the compiled schema);
 *   repeated -> list / ARR; map<K,V> -> map / MAP (K: string -> string,
 *     32-bit integer kinds -> int, other integer kinds -> long, bool ->
 *     boolean);
 *   double -> double, float -> float (both DOUBLE nodes); int32, sint32,
 *     sfixed32 -> int; int64, sint64, sfixed64, uint32, fixed32, uint64,
 *     fixed64 -> long (LONG nodes; a uint64/fixed64 above INT64_MAX is a
 *     decode error naming the field); bool -> boolean; string -> string
 *     (UTF-8 checked); bytes -> binary (zero copy); enum -> string (the
 *     value's name; a number the enum does not declare becomes its decimal
 *     text, written into doc.scratch);
 *   .google.protobuf.Timestamp -> timestamptz (TIMESTAMP node, microseconds,
 *     seconds in years 1..9999 and nanos in 0..999999999 else a decode
 *     error); .google.protobuf.{Double,Float,Int64,UInt64,Int32,UInt32,Bool,
 *     String,Bytes}Value -> the primitive. These are built in by full name,
 *     whether or not their files are given.
 *   Every Iceberg field, list element and map value is optional; ids run
 *   1.. depth-first (a field, then the ids inside its type).
 * Presence: an absent proto3 implicit-presence scalar takes its default
 *   (0, "", false, empty bytes, the enum's first value); an absent repeated
 *   or map field is an empty list or map; absent message fields, wrappers,
 *   and explicit-presence fields (proto3 `optional`, proto2 optional and
 *   required, oneof members) are NULL. proto2 default_value is not applied
 *   (absent means NULL). oneof members are plain optional fields.
 * Wire rules: fields in any order; repeated scalars packed or not (both
 *   accepted); a singular field seen twice: the last occurrence wins (also
 *   for messages, which protobuf would merge); unknown numbers skipped;
 *   groups (wire types 3, 4) are refused; wrong wire types are corrupt.
 *
 * Invariants: descriptor and payload bytes are untrusted: every length is
 * checked against the bytes left, nesting is limited to 64, the node count
 * to the doc's max_nodes; nothing aborts.
 *
 * Ownership: the schema owns its messages and names (one arena) and does not
 * keep the files given to icp_proto_schema_new. Message pointers live as
 * long as the schema. A decoder holds reusable scratch (no allocation per
 * record once grown); one decoder per thread; a schema is read-only after
 * construction and may be shared by threads.
 */
#ifndef ICP_PROTO_H
#define ICP_PROTO_H

#include "core/core.h"
#include "iceberg/iceberg.h"
#include "vtree/vtree.h"

#define ICP_PROTO_MAX_DEPTH 64

typedef struct icp_proto_schema icp_proto_schema;
typedef struct icp_proto_msg icp_proto_msg;   /* a message type of a schema */
typedef struct icp_proto_decoder icp_proto_decoder;

/* Compiles a schema from files[0..n): serialized FileDescriptorProtos; the
 * LAST one is the main file, the others its dependencies (any order). The
 * bytes are copied as needed (the caller keeps files). ICP_ERR_CORRUPT for
 * malformed descriptor bytes, ICP_ERR_INVALID for inconsistent ones
 * (duplicate field numbers, groups, bad numbers), ICP_ERR_NOMEM. A type
 * name that resolves nowhere is not an error here: icp_proto_to_iceberg and
 * icp_proto_decode report it for the message using it. *out is freed with
 * icp_proto_schema_free. */
int icp_proto_schema_new(const icp_slice *files, size_t n, icp_proto_schema **out,
                         icp_error *err);
void icp_proto_schema_free(icp_proto_schema *s);

/* The message at Confluent message indexes idx[0..n) (n == 0 means [0]):
 * idx[0] into the main file's top-level messages, each next one into the
 * previous message's nested types. ICP_ERR_NOT_FOUND naming the index. */
int icp_proto_message(const icp_proto_schema *s, const int32_t *idx, size_t n,
                      const icp_proto_msg **out, icp_error *err);
/* Full name of a message (".pkg.Outer.Inner"). */
const char *icp_proto_msg_name(const icp_proto_msg *m);
/* The message of the main file named name ("pkg.Outer.Inner", a leading
 * '.' allowed; nested ones included); NULL or "" = the first top-level
 * message ([0]). ICP_ERR_NOT_FOUND naming it. */
int icp_proto_find_message(const icp_proto_schema *s, const char *name,
                           const icp_proto_msg **out, icp_error *err);

/* Reads the message-index array at *p (advancing *p, never past end) into
 * idx[0..*n). ICP_ERR_CORRUPT for a truncated/negative array,
 * ICP_ERR_TOO_LARGE when it holds more than cap indexes. */
int icp_proto_read_indexes(const uint8_t **p, const uint8_t *end, int32_t *idx, size_t cap,
                           size_t *n, icp_error *err);

/* Iceberg columns of message m (schema id 0, ids 1.. depth-first, every
 * field optional; the caller renumbers). ICP_ERR_INVALID naming the field
 * path for a recursive message (directly or through others), an
 * unresolvable type name, or nesting past 64. *out is freed with
 * icp_ice_schema_free. */
int icp_proto_to_iceberg(const icp_proto_msg *m, icp_ice_schema **out, icp_error *err);

icp_proto_decoder *icp_proto_decoder_new(void);
void icp_proto_decoder_free(icp_proto_decoder *d);

/* Decodes the message m occupying p[0..n) into out (reset first; out's
 * max_nodes bounds the tree). The root is node 0, an OBJ. Strings and bytes
 * point into p, names into the schema, unknown enum numbers into
 * out->scratch (a zero-initialised doc's scratch is given an unlimited
 * icp_buf_init first). Valid while p, the schema and out are unchanged. ICP_ERR_CORRUPT naming the byte offset (from p) and the
 * field path; ICP_ERR_TOO_LARGE past max_nodes or depth 64;
 * ICP_ERR_INVALID for a field whose type did not resolve; ICP_ERR_NOMEM. */
int icp_proto_decode(icp_proto_decoder *d, const icp_proto_msg *m, const uint8_t *p, size_t n,
                     icp_vt_doc *out, icp_error *err);

#endif
