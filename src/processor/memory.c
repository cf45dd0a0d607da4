/*
 * The processor's memory budget (processor.memory_limit_bytes) and how it
 * is divided (docs/internals/memory.md has the why):
 *
 *   L = the limit, T = the number of mapped tables (one open data file
 *   each at most).
 *   - Parquet writers: half of L. Each open file buffers at most
 *     rg = min(parquet.row_group_bytes, L / 4 / T) bytes of a row group
 *     as the writer measures them (compressed pages, the open page of each
 *     column, pages waiting for or on the worker pool); measured, a
 *     writer holds up to about twice that (buffers grown by doubling and
 *     kept for the next row group, dictionaries, per-column page
 *     buffers), so each is charged 2 * rg. Reserved for good at start:
 *     T * 2 * rg. A partitioned table holds up to F = max_open_files
 *     writers (one per partition tuple): each gets a row group of
 *     min(parquet.row_group_bytes, L / 4 / T / F), at least 1 MiB, so F
 *     of them still take about 2 * rg.
 *   - Multipart upload parts (an s3:// warehouse): an eighth of L. Each
 *     open file's upload holds at most concurrency + 1 parts of 8 MiB (one
 *     with concurrency 1: that part is sent on the writer's thread), so
 *     its concurrency becomes min(upload_concurrency, L / 8 / T / 8 MiB - 1),
 *     at least 1. Reserved at start: T * those parts * 8 MiB.
 *   - The rest is taken and given back while running:
 *     S3 read-ahead of a segment read asks for depth * 8 MiB and gets
 *     fewer chunks in flight (down to 2), or streams, when refused;
 *     read_committed transaction queues and segment reads a turn leaves
 *     open ask only up to L - 2 chunks, so they can never starve the
 *     read-ahead; refused, a queue is dropped (the partition re-reads from
 *     its position later) and an open read is closed (the next turn
 *     reopens it at the same position).
 * Nothing waits on the budget in the read loop: everything it refuses has
 * a slower way that needs no memory, so there is no deadlock to avoid.
 */
#include "processor/proc_int.h"

#include "budget/budget.h"
#include "log/log.h"

#include <stdio.h>

#define MEM_CHUNK ((uint64_t)ICP_PROC_FETCH_CHUNK)
#define MEM_PART ((uint64_t)8 << 20)
#define MEM_MIN_ROW_GROUP ((uint64_t)1 << 20)

int icp_proc_memory_open(icp_processor *p, icp_error *err)
{
	const icp_config *cfg = p->cfg;
	uint64_t L = (uint64_t)cfg->processor.memory_limit_bytes;
	uint64_t T = cfg->n_mappings ? cfg->n_mappings : 1;
	uint64_t rg, reserve, c, upload_conc;
	int rc;

	if (L == 0)
		L = (uint64_t)512 << 20; /* a config struct built by hand (tests) */
	rc = icp_budget_new(L, &p->budget, err);
	if (rc != ICP_OK)
		return rc;
	rg = L / 4 / T;
	if (rg > (uint64_t)cfg->parquet.row_group_bytes)
		rg = (uint64_t)cfg->parquet.row_group_bytes;
	if (rg < MEM_MIN_ROW_GROUP)
		rg = MEM_MIN_ROW_GROUP;
	p->mem_row_group = (size_t)rg;
	/* a partitioned table may hold max_open_files writers: they split
	 * the table's share, so its reservation stays 2 * rg (1 MiB floor) */
	{
		uint64_t F = (uint64_t)cfg->processor.max_open_files, rp;
		rp = L / 4 / T / (F ? F : 1);
		if (rp > (uint64_t)cfg->parquet.row_group_bytes)
			rp = (uint64_t)cfg->parquet.row_group_bytes;
		if (rp < MEM_MIN_ROW_GROUP)
			rp = MEM_MIN_ROW_GROUP;
		p->mem_row_group_part = (size_t)rp;
	}
	reserve = T * 2 * rg;
	p->mem_upload_conc = 0;
	if (strncmp(cfg->iceberg.warehouse, "s3://", 5) == 0) {
		upload_conc = (uint64_t)cfg->iceberg.s3.upload_concurrency;
		c = L / 8 / T / MEM_PART;
		c = c > 1 ? c - 1 : 1;
		if (upload_conc > 0 && c > upload_conc)
			c = upload_conc;
		p->mem_upload_conc = (int)c;
		reserve += T * (c > 1 ? c + 1 : 1) * MEM_PART;
	}
	p->mem_reserved = reserve;
	p->mem_ceiling = L > 2 * MEM_CHUNK ? L - 2 * MEM_CHUNK : L;
	if (!icp_budget_try_acquire(p->budget, reserve)) {
		char need[24], have[24];
		/* honest: the fixed shares do not fit; run, but say by how much */
		snprintf(need, sizeof(need), "%llu", (unsigned long long)reserve);
		snprintf(have, sizeof(have), "%llu", (unsigned long long)L);
		ICP_WARN("processor.memory_limit_bytes is below what the open data files need "
		         "at least (1 MiB row groups, one 8 MiB upload part in flight per table); "
		         "raise it", "reserved", need, "limit", have);
		icp_budget_try_acquire(p->budget, L); /* all of it: nothing dynamic */
		p->mem_reserved = L;
	}
	return ICP_OK;
}

void icp_proc_memory_close(icp_processor *p)
{
	icp_budget_free(p->budget);
	p->budget = NULL;
}

/* Read-ahead chunks for `bytes` of one S3 segment: the configured depth
 * (no more chunks than the bytes fill) if the budget has it, else fewer,
 * down to min_depth, else 0. *charged gets what was taken: the chunks,
 * or the bytes when they are fewer. */
size_t icp_proc_read_ahead(icp_processor *p, uint64_t bytes, size_t min_depth,
                           uint64_t *charged)
{
	size_t depth = (size_t)p->cfg->processor.fetch_concurrency;
	uint64_t need = (bytes + MEM_CHUNK - 1) / MEM_CHUNK;
	*charged = 0;
	if (depth > need)
		depth = (size_t)need;
	for (; depth >= min_depth && depth > 0; depth--) {
		uint64_t want = depth * MEM_CHUNK < bytes ? depth * MEM_CHUNK : bytes;
		if (icp_budget_try_acquire(p->budget, want)) {
			*charged = want;
			return depth;
		}
	}
	return 0;
}

int icp_proc_mem_try_keep(icp_processor *p, uint64_t n)
{
	return icp_budget_try_acquire_below(p->budget, n, p->mem_ceiling);
}

void icp_proc_mem_release(icp_processor *p, uint64_t n)
{
	icp_budget_release(p->budget, n);
}
