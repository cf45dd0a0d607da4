/*
 * avro internals shared by the writer and the reader: the compiled schema
 * (a graph of icp_avro_type nodes in an arena; named references point at
 * their definition, so recursive schemas are cycles) and varint helpers.
 */
#ifndef ICP_AVRO_INT_H
#define ICP_AVRO_INT_H

#include "avro/avro.h"

typedef enum avro_kind {
	AV_NULL,
	AV_BOOLEAN,
	AV_INT,
	AV_LONG,
	AV_FLOAT,
	AV_DOUBLE,
	AV_BYTES,
	AV_STRING,
	AV_RECORD,
	AV_ENUM,
	AV_ARRAY,
	AV_MAP,
	AV_UNION,
	AV_FIXED
} avro_kind;

typedef struct avro_type avro_type;
struct avro_type {
	avro_kind kind;
	const char *name;     /* full name of records, enums, fixed */
	size_t n;             /* fields, symbols, branches; fixed: its size */
	avro_type **types;    /* record fields / union branches; [0] = items, values */
	const char **names;   /* record field names / enum symbols */
	size_t *name_lens;
	size_t min_size;      /* fewest bytes one value can encode to */
	int min_state;        /* 0 unknown, 1 computing, 2 done */
};

/* Compiles a parsed schema; every node lives in a. Returns ICP_OK,
 * ICP_ERR_NOMEM, or bad_status (the writer passes INVALID: the caller's
 * mistake; the reader CORRUPT: the file's) with what and where in err. */
int icp_avro_schema_compile(icp_arena *a, const icp_json *schema, int bad_status,
                            avro_type **root, icp_error *err);

/* At most this many items per block when an item can encode to 0 bytes. */
#define AVRO_ZERO_SIZE_CAP 65536

#endif
