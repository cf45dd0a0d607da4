/*
 * Many workers, one etcd (offsets.backend: etcd): which partitions this
 * worker processes, and the offsets cache dashboards read.
 *
 * Each poll round (and between partitions when a round runs long) the
 * coordinator ticks with every discovered partition; its answer is
 * applied here:
 * - claimed: the table is refreshed from the catalog first (another
 *   worker may have committed since we last looked), then the partition
 *   is read from the offset the table holds;
 * - to_release (over the fair share after workers joined): the table's
 *   buffered data is committed, then the lease is given back; if that
 *   commit fails the data is discarded instead (it is read again by the
 *   next owner: nothing lost);
 * - lost (lease expired or taken, etcd unreachable past the local
 *   deadline): the partition is dropped at once and the table's
 *   uncommitted data discarded.
 * None of this is what keeps exactly-once: every commit asserts the
 * table's current snapshot, and offsets live in the snapshot, so a stale
 * worker's commit fails and its data is dropped
 * (docs/internals/coordination.md). Leases keep workers from doing the
 * same work twice.
 *
 * After each commit the committed partitions' offsets and watermarks are
 * written to etcd with the keys and JSON of compatibility.md.
 */
#include "processor/proc_int.h"

#include "log/log.h"

#include <stdio.h>

int icp_proc_coord_open(icp_processor *p, icp_error *err)
{
	const icp_config *cfg = p->cfg;
	icp_coord_opts o;
	int rc;

	if (cfg->offsets.backend != ICP_OFFSETS_ETCD)
		return ICP_OK;
	memset(&o, 0, sizeof(o));
	o.etcd.endpoints = (const char *const *)cfg->etcd.endpoints.items;
	o.etcd.n_endpoints = cfg->etcd.endpoints.n;
	o.etcd.username = cfg->etcd.username;
	o.etcd.password = cfg->etcd.password;
	o.etcd.ca_file = cfg->etcd.tls.ca_file;
	o.etcd.cert_file = cfg->etcd.tls.cert_file;
	o.etcd.key_file = cfg->etcd.tls.key_file;
	o.key_prefix = cfg->offsets.key_prefix;
	o.worker_id = cfg->processor.worker_id;
	o.ttl_s = cfg->offsets.lease_ttl_seconds;
	rc = icp_coord_new(&o, &p->coord, err);
	if (rc != ICP_OK)
		icp_error_prefix(err, "etcd");
	return rc;
}

void icp_proc_coord_close(icp_processor *p)
{
	icp_error e;
	if (!p->coord)
		return;
	icp_error_init(&e);
	/* Revoking the lease hands every partition over at once instead of
	 * after a TTL. */
	if (icp_coord_shutdown(p->coord, &e) != ICP_OK)
		ICP_WARN("could not release the etcd lease; it expires on its own", "err", e.msg);
	icp_coord_free(p->coord);
	p->coord = NULL;
}

static icp_part *part_of(icp_processor *p, const char *tp)
{
	size_t i;
	for (i = 0; i < p->n_parts; i++)
		if (strcmp(p->parts[i]->tp, tp) == 0)
			return p->parts[i];
	return NULL;
}

static void log_tp(int level, const char *msg, const char *tp, const char *why)
{
	ICP_LOG(level, msg, "partition", tp, "reason", why ? why : "");
}

static void apply_lost(icp_processor *p, const icp_coord_changes *ch)
{
	size_t i;
	for (i = 0; i < ch->n_lost; i++) {
		icp_part *pt = part_of(p, ch->lost[i]);
		if (!pt || !pt->owned)
			continue;
		pt->owned = 0;
		log_tp(ICP_LOG_LEVEL_WARN, "partition lease lost; stopped processing it", pt->tp,
		       NULL);
		icp_table_discard(p, pt->table, "a partition lease of the table was lost");
	}
}

static void apply_release(icp_processor *p, const icp_coord_changes *ch)
{
	size_t i;
	for (i = 0; i < ch->n_to_release; i++) {
		icp_part *pt = part_of(p, ch->to_release[i]);
		icp_error e;
		icp_error_init(&e);
		if (pt && pt->owned && icp_table_busy(pt->table) &&
		    icp_table_commit(p, pt->table, &e) != ICP_OK) {
			log_tp(ICP_LOG_LEVEL_WARN, "commit before hand-over failed; data discarded",
			       pt->tp, e.msg);
			icp_table_discard(p, pt->table, "hand-over of a partition");
		}
		icp_error_init(&e);
		if (icp_coord_release(p->coord, ch->to_release[i], &e) != ICP_OK &&
		    e.status != ICP_ERR_NOT_FOUND)
			log_tp(ICP_LOG_LEVEL_WARN, "lease release not confirmed; retried next round",
			       ch->to_release[i], e.msg);
		if (pt) {
			pt->owned = 0;
			log_tp(ICP_LOG_LEVEL_INFO, "partition handed over", pt->tp, "rebalance");
		}
	}
}

static void apply_claims(icp_processor *p, const icp_coord_changes *ch)
{
	size_t i, j;
	for (i = 0; i < ch->n_claimed; i++) {
		icp_part *pt = part_of(p, ch->claimed[i]);
		icp_error e;
		if (!pt)
			continue;
		/* one refresh per table for all of this round's claims */
		for (j = 0; j < i; j++) {
			icp_part *q = part_of(p, ch->claimed[j]);
			if (q && q->table == pt->table)
				break;
		}
		icp_error_init(&e);
		if (j == i && icp_table_refresh(p, pt->table, &e) != ICP_OK) {
			/* Not fatal: the commit assertion would catch stale
			 * offsets; try to read anyway and let it decide. */
			log_tp(ICP_LOG_LEVEL_WARN, "table refresh after claim failed", pt->tp, e.msg);
		}
		pt->owned = 1;
		icp_part_resume(pt);
		log_tp(ICP_LOG_LEVEL_INFO, "partition claimed", pt->tp, NULL);
	}
}

int icp_proc_coord_round(icp_processor *p, icp_error *err)
{
	const char **tps;
	icp_coord_changes ch;
	size_t i;
	int rc;

	if (!p->coord)
		return ICP_OK;
	tps = icp_calloc(p->n_parts ? p->n_parts : 1, sizeof(*tps));
	if (!tps)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	for (i = 0; i < p->n_parts; i++)
		tps[i] = p->parts[i]->tp;
	memset(&ch, 0, sizeof(ch));
	rc = icp_coord_tick(p->coord, tps, p->n_parts, &ch, err);
	icp_free(tps);
	p->last_tick_ns = icp_mono_ns();
	if (p->maintd) {
		/* the maintenance thread attaches its per-table keys to our
		 * lease while we trust it (maintd.c) */
		icp_coord_status cs;
		icp_error e;
		int64_t lease = 0;
		icp_error_init(&e);
		if (icp_coord_status_get(p->coord, &cs, &e) == ICP_OK && cs.deadline_in_ms > 0)
			lease = cs.lease_id;
		icp_maintd_set_lease(p->maintd, lease);
	}
	/* losses are reported even when the tick failed */
	apply_lost(p, &ch);
	if (rc != ICP_OK) {
		icp_error_prefix(err, "etcd");
		return rc;
	}
	apply_release(p, &ch);
	apply_claims(p, &ch);
	return ICP_OK;
}

int icp_proc_coord_due(const icp_processor *p)
{
	uint64_t third;
	if (!p->coord)
		return 0;
	third = (uint64_t)p->cfg->offsets.lease_ttl_seconds * 1000000000ull / 3;
	return icp_mono_ns() - p->last_tick_ns >= third;
}

void icp_proc_coord_offsets(icp_processor *p)
{
	size_t i;
	if (!p->coord)
		return;
	for (i = 0; i < p->n_parts; i++) {
		icp_part *pt = p->parts[i];
		icp_error e;
		if (pt->committed_next <= 0 || pt->committed_next == pt->etcd_next)
			continue;
		icp_error_init(&e);
		if (icp_coord_put_offset(p->coord, pt->topic, pt->partition, pt->committed_next - 1,
		                         pt->committed_ts, &e) != ICP_OK) {
			char num[16];
			snprintf(num, sizeof(num), "%d", pt->partition);
			icp_metrics_counter_inc(p->m_err_checkpoint);
			ICP_WARN("writing offsets to etcd failed; retried after the next commit", "topic",
			         pt->topic, "partition", num, "err", e.msg);
			continue;
		}
		pt->etcd_next = pt->committed_next;
	}
}

/* discovery.mode etcd/auto: the KafScale metadata snapshot, restricted to
 * mapped topics. ICP_ERR_NOT_FOUND when there is no snapshot. */
int icp_proc_coord_discover(icp_processor *p, icp_error *err)
{
	icp_arena *a;
	icp_coord_tp_list l;
	size_t i, j;
	int rc;

	if (!p->coord)
		return icp_error_set(err, ICP_ERR_NOT_FOUND, "no etcd configured");
	a = icp_arena_new(0);
	if (!a)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	rc = icp_coord_discover_etcd(icp_coord_etcd(p->coord), a, &l, err);
	for (i = 0; rc == ICP_OK && i < l.n; i++)
		for (j = 0; rc == ICP_OK && j < p->n_tables; j++)
			if (strcmp(p->tables[j].map->topic, l.v[i].topic) == 0)
				rc = icp_parts_add(p, &p->tables[j], l.v[i].partition, err);
	icp_arena_free(a);
	return rc;
}
