/*
 * decode.c: Confluent Schema Registry values (placeholder until the
 * decoders land).
 */
#include "processor/proc_int.h"

void icp_decode_free(icp_decode *d)
{
	(void)d;
}

int icp_table_decode_prepare(icp_processor *p, icp_table *t, icp_part *pt, const icp_batch *b,
                             icp_error *err)
{
	(void)p;
	(void)t;
	(void)pt;
	(void)b;
	(void)err;
	return ICP_OK;
}
