/*
 * vtree: one decoded record value as a flat tree, the form every payload
 * decoder produces and the column extractor (src/columns) consumes.
 *
 * Role: the JSON scanner (columns), the Avro datum decoder (src/avro) and
 * the Protobuf decoder (src/proto) all turn one record's bytes into this
 * tree; the extractor shreds it into Parquet leaves without caring which
 * format it came from. Binary formats keep their values native (an int64,
 * a double, a decimal's unscaled bytes, microseconds), so nothing is
 * printed to text and parsed again.
 *
 * Shape:
 * - Nodes are in pre-order: a container's children follow it, each child
 *   subtree being consecutive; node.end is the index one past the node's
 *   subtree, so the next sibling of child c starts at nodes[c].end.
 * - OBJ: n members, each child has key/key_len (its name).
 *   ARR: n elements.
 *   MAP: n entries as 2n children: key, value, key, value ... (keys of any
 *   primitive kind; a JSON object stands for a map with string keys too).
 * - Byte ranges (s/len of STR, NUM, BYTES, DECIMAL; keys) point into the
 *   record's payload, a compiled schema, or doc.scratch: they are valid
 *   while those are, i.e. for the record being extracted. A decoder that
 *   writes into scratch must reserve it up front (icp_buf_reserve) so
 *   earlier pointers into it stay valid.
 *
 * Kinds and their payload:
 *   NULL; BOOL b (0/1); NUM: JSON number text in s/len, b = 1 for an
 *   integer literal; STR: UTF-8 bytes; ARR, OBJ, MAP: n children as above;
 *   LONG: i; DOUBLE: d (a float is widened exactly); BYTES: raw bytes
 *   (bytes, fixed); DECIMAL: s/len big-endian two's-complement unscaled
 *   value (1..16 bytes, or more with leading sign bytes), scale in .scale;
 *   TIMESTAMP: i microseconds since 1970-01-01T00:00:00 (UTC for an
 *   instant; the column says whether it is one); DATE: i days since
 *   1970-01-01; TIME: i microseconds since midnight.
 *
 * Ownership: an icp_vt_doc is the caller's (zero-initialised, then reused
 * record after record: arrays grow, never shrink) and freed with
 * icp_vt_doc_dispose. Not thread-safe; one doc per thread.
 */
#ifndef ICP_VTREE_H
#define ICP_VTREE_H

#include "core/core.h"

typedef enum icp_vt_kind {
	/* The first six are the JSON kinds (their order is relied upon). */
	ICP_VT_NULL = 0,
	ICP_VT_BOOL,
	ICP_VT_NUM,
	ICP_VT_STR,
	ICP_VT_ARR,
	ICP_VT_OBJ,
	ICP_VT_MAP,
	ICP_VT_LONG,
	ICP_VT_DOUBLE,
	ICP_VT_BYTES,
	ICP_VT_DECIMAL,
	ICP_VT_TIMESTAMP,
	ICP_VT_DATE,
	ICP_VT_TIME
} icp_vt_kind;

typedef struct icp_vt_node {
	uint8_t type;       /* icp_vt_kind */
	uint8_t b;          /* BOOL: value; NUM: 1 when an integer literal */
	int16_t scale;      /* DECIMAL */
	uint32_t end;       /* index one past this node's subtree */
	uint32_t n;         /* ARR/OBJ/MAP: children (MAP: entries) */
	union {
		struct {
			const char *s; /* STR, NUM, BYTES, DECIMAL */
			size_t len;
		};
		int64_t i;      /* LONG, TIMESTAMP, DATE, TIME */
		double d;       /* DOUBLE */
	};
	const char *key;    /* member of an OBJ: its name */
	size_t key_len;
} icp_vt_node;

typedef struct icp_vt_doc {
	icp_vt_node *nodes;
	size_t n, cap;
	size_t max_nodes;   /* 0 = 1 Mi; hostile input cannot grow past it */
	icp_buf scratch;
} icp_vt_doc;

void icp_vt_doc_dispose(icp_vt_doc *d);
/* Forgets the nodes and the scratch bytes (keeps their memory). */
void icp_vt_reset(icp_vt_doc *d);

/* Appends a node of kind type (zeroed, end = its index + 1: a leaf) and
 * sets *idx to its index. Node pointers are invalidated by the next push:
 * keep indices. ICP_ERR_NOMEM, ICP_ERR_TOO_LARGE past max_nodes. */
int icp_vt_push(icp_vt_doc *d, icp_vt_kind type, uint32_t *idx);
/* Closes container idx after its children were pushed: end = d->n, n =
 * count (MAP: entries, i.e. children / 2). */
static inline void icp_vt_close(icp_vt_doc *d, uint32_t idx, uint32_t count)
{
	d->nodes[idx].end = (uint32_t)d->n;
	d->nodes[idx].n = count;
}

/* Member of OBJ node o named (k, kl): the last one, as JSON.parse; NULL
 * when absent. Linear in o's members. */
const icp_vt_node *icp_vt_member(const icp_vt_doc *d, const icp_vt_node *o, const char *k,
                                 size_t kl);

/* Appends the tree rooted at node idx as JSON text (tests, dead-letter
 * reasons, debugging): BYTES and DECIMAL as base64 strings, TIMESTAMP,
 * DATE, TIME as their integer, MAP as an object when every key is a STR
 * else as [[k,v],...]. ICP_ERR_NOMEM (the buffer's status). */
int icp_vt_to_json(const icp_vt_doc *d, uint32_t idx, icp_buf *out);

#endif
