/*
 * decode_int.h: the interface of decode.c (values of a schema.source
 * confluent mapping; docs/internals/confluent.md), for decode.c and the
 * files that decode (rows.c), learn ids and set the reader (tschema.c,
 * evolve.c). Kept out of proc_int.h, which every file includes.
 */
#ifndef ICP_PROC_DECODE_INT_H
#define ICP_PROC_DECODE_INT_H

#include "processor/proc_int.h"

/* decode.c: values of a schema.source confluent mapping (issue 18): the
 * wire-format prefix, the schemas by id (the processor's registry client,
 * p->csr), and one compiled decoder per writer schema resolved into the
 * table's reader schema (the subject's version the table follows). */
struct icp_csr;
int icp_decode_new(struct icp_csr *csr, const icp_config_mapping *m, icp_decode **out,
                   icp_error *err);
int icp_decode_mode(const icp_decode *d);
/* Fetches and compiles schema id `id` unless known (*first = 1 when it
 * was not). An unknown id (40403) or one that does not compile is
 * remembered as such (its records are invalid). ICP_ERR_RETRYABLE (or
 * INVALID: refused credentials) when the registry does not answer. */
int icp_decode_learn(icp_decode *d, int32_t id, int *first, icp_error *err);
/* 1 when id is known and compiled. */
int icp_decode_id_ok(icp_decode *d, int32_t id);
/* The version the table follows (0: none yet), and setting it after the
 * table evolved to it (learnt if needed: errors as _learn). */
int32_t icp_decode_reader(const icp_decode *d);
int icp_decode_set_reader(icp_decode *d, int32_t id, icp_error *err);
/* One value, decoded: a tree (Avro, Protobuf) or JSON text (JSON
 * Schema), valid until the next call. */
typedef struct icp_decoded {
	const icp_vt_doc *tree;
	icp_slice json;
	int is_json;
	int32_t schema_id;
} icp_decoded;
/* 1 decoded; 0 invalid (why filled, its strings valid until the next
 * call); ICP_ERR_NOMEM. */
int icp_decode_value(icp_decode *d, icp_slice v, icp_decoded *out, icp_invalid *why);

#endif
