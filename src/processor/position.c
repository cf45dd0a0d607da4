/*
 * A partition's position: the only writers of its read and commit
 * position, its timestamps, its stop state and its error (proc_int.h,
 * "The partition's position"). Polling (partition.c), reading
 * (segread.c) and committing (table.c) call these; they call nothing of
 * those files back (only the transaction state and the metrics), so the
 * module has no call cycle through the position.
 */
#include "processor/txn_int.h"

/* The only way the read position moves back: forgets what was read past
 * `next`: the listing cursor and the transaction state and queue. The
 * reading state (index, open read, segment fetched ahead) belongs to
 * segread.c: the new epoch tells it to drop them before its next read
 * (icp_segread_sync). */
static void rewind_to(icp_part *pt, int64_t next)
{
	pt->next = next;
	icp_free(pt->last_key);
	pt->last_key = NULL;
	if (pt->txn)
		icp_txn_reset(pt->txn, next);
	pt->rewinds++;
}

void icp_part_advance(icp_part *pt, int64_t next)
{
	pt->next = next;
}

void icp_part_saw_ts(icp_part *pt, int64_t ts)
{
	pt->last_ts = ts;
}

void icp_part_stop_at(icp_part *pt, int64_t offset)
{
	pt->next = offset;
	pt->stopped = 1;
	pt->stop_offset = offset;
}

void icp_part_stop_before(icp_part *pt, int64_t base)
{
	pt->stopped = 1;
	pt->stop_base = base;
}

void icp_part_resume(icp_part *pt)
{
	pt->stopped = 0;
}

void icp_part_set_error(icp_part *pt, const char *msg)
{
	icp_free(pt->error);
	pt->error = msg ? icp_strdup(msg) : NULL;
}

void icp_part_committed(icp_part *pt)
{
	pt->committed_next = pt->next;
	pt->committed_ts = pt->last_ts;
	icp_obs_committed(pt);
}

void icp_part_reset(icp_part *pt, int64_t committed)
{
	if (committed == pt->committed_next && committed == pt->next)
		return;
	pt->committed_next = committed;
	rewind_to(pt, committed);
}

void icp_part_drop_uncommitted(icp_part *pt, int64_t committed)
{
	pt->committed_next = committed;
	pt->last_ts = pt->committed_ts;
	rewind_to(pt, committed);
}

