/*
 * The Parquet writer options of parquet.* (icp_proc_parquet_options),
 * shared by ingest (table.c, which then sets the row group to its memory
 * share) and compaction (maintain.c), so both write files alike. Its own
 * file because both sides reach it: in either it would tie the two into
 * one call cycle.
 */
#include "processor/proc_int.h"

void icp_proc_parquet_options(const icp_config *cfg, icp_parquet_options *o)
{
	/* in the order of parquet.compression's enum (config_table.c) */
	static const icp_codec_id codecs[] = {ICP_CODEC_ZSTD, ICP_CODEC_SNAPPY, ICP_CODEC_GZIP,
	                                      ICP_CODEC_LZ4_RAW, ICP_CODEC_NONE};

	icp_parquet_options_init(o);
	o->codec = codecs[cfg->parquet.compression];
	o->codec_level = (int)cfg->parquet.compression_level;
	o->row_group_size = (size_t)cfg->parquet.row_group_bytes;
	o->page_size = (size_t)cfg->parquet.page_bytes;
}
