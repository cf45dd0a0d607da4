/* Unit tests of the pure balancing functions (src/coord/assign.c): fair
 * share, rendezvous ranking, tp parsing, and a simulation of workers
 * claiming and releasing through a shared owner table the way
 * icp_coord_tick does against etcd. */
#include "coord/coord.h"
#include "test.h"

#define NTP 24

static char tp_buf[NTP][16];
static const char *tps[NTP];

static void make_tps(void)
{
	int i;
	for (i = 0; i < NTP; i++) {
		snprintf(tp_buf[i], sizeof(tp_buf[i]), "t%d/%d", i / 8, i % 8);
		tps[i] = tp_buf[i];
	}
}

static void test_fair_share(void)
{
	CHECK_EQ_INT(icp_coord_fair_share(24, 3), 8);
	CHECK_EQ_INT(icp_coord_fair_share(24, 4), 6);
	CHECK_EQ_INT(icp_coord_fair_share(24, 5), 5);
	CHECK_EQ_INT(icp_coord_fair_share(24, 0), 24);
	CHECK_EQ_INT(icp_coord_fair_share(0, 3), 0);
	CHECK_EQ_INT(icp_coord_fair_share(1, 3), 1);
	CHECK_EQ_INT(icp_coord_fair_share(7, 7), 1);
	CHECK_EQ_INT(icp_coord_fair_share(8, 7), 2);
}

static void test_score(void)
{
	/* Deterministic and separator-aware. */
	CHECK(icp_coord_score("w1", "t/0") == icp_coord_score("w1", "t/0"));
	CHECK(icp_coord_score("w1", "t/0") != icp_coord_score("w2", "t/0"));
	CHECK(icp_coord_score("ab", "c/0") != icp_coord_score("a", "bc/0"));
	CHECK(icp_coord_score("w1", "t/1") != icp_coord_score("w1", "t/2"));
}

static void test_rank(void)
{
	size_t a[NTP], b[NTP], i;
	int seen[NTP] = {0};

	make_tps();
	for (i = 0; i < NTP; i++)
		a[i] = b[NTP - 1 - i] = i;
	icp_coord_rank("worker-a", tps, a, NTP);
	icp_coord_rank("worker-a", tps, b, NTP);
	for (i = 0; i < NTP; i++) {
		CHECK_EQ_INT(a[i], b[i]); /* independent of input order */
		seen[a[i]]++;
	}
	for (i = 0; i < NTP; i++)
		CHECK_EQ_INT(seen[i], 1); /* a permutation */
	for (i = 1; i < NTP; i++)
		CHECK(icp_coord_score("worker-a", tps[a[i - 1]]) >=
		      icp_coord_score("worker-a", tps[a[i]]));
}

/* Three workers starting together: how much do their first choices
 * (top 8) overlap? With rendezvous hashing far less than all. */
static void test_spread(void)
{
	const char *w[3] = {"proc-0", "proc-1", "proc-2"};
	size_t r[3][NTP], i, j, k, overlap = 0;

	make_tps();
	for (k = 0; k < 3; k++) {
		for (i = 0; i < NTP; i++)
			r[k][i] = i;
		icp_coord_rank(w[k], tps, r[k], NTP);
	}
	for (i = 0; i < 8; i++)
		for (j = 0; j < 8; j++)
			overlap += r[0][i] == r[1][j];
	printf("top-8 overlap proc-0/proc-1: %zu of 8\n", overlap);
	CHECK(overlap < 8);
	CHECK(r[0][0] != r[1][0] || r[0][0] != r[2][0]);
}

/* ---- simulation of the tick's balancing over a shared owner table. */

typedef struct sim {
	int owner[NTP];   /* -1 free, else worker index */
	int releasing[NTP];
	char names[8][16];
	int alive[8];
	int n;
} sim;

static int members(const sim *s)
{
	int i, m = 0;
	for (i = 0; i < s->n; i++)
		m += s->alive[i];
	return m;
}

static int count(const sim *s, int w)
{
	int i, c = 0;
	for (i = 0; i < NTP; i++)
		c += s->owner[i] == w;
	return c;
}

/* One tick of worker w: release marked partitions (the processor answers
 * at once here), mark excess, claim free in rank order. */
static void sim_tick(sim *s, int w)
{
	size_t share = icp_coord_fair_share(NTP, (size_t)members(s));
	size_t idx[NTP], n = 0, i, active;

	for (i = 0; i < NTP; i++)
		if (s->owner[i] == w && s->releasing[i]) {
			s->owner[i] = -1;
			s->releasing[i] = 0;
		}
	for (i = 0; i < NTP; i++)
		if (s->owner[i] == w)
			idx[n++] = i;
	icp_coord_rank(s->names[w], tps, idx, n);
	active = n;
	for (i = n; i-- > 0 && active > share; active--)
		s->releasing[idx[i]] = 1;
	n = 0;
	for (i = 0; i < NTP; i++)
		if (s->owner[i] == -1)
			idx[n++] = i;
	icp_coord_rank(s->names[w], tps, idx, n);
	for (i = 0; i < n && active < share; i++, active++)
		s->owner[idx[i]] = w;
}

static void sim_rounds(sim *s, int rounds)
{
	int r, w;
	for (r = 0; r < rounds; r++)
		for (w = 0; w < s->n; w++)
			if (s->alive[w])
				sim_tick(s, w);
}

static void test_simulation(void)
{
	sim s;
	int i, total;

	make_tps();
	memset(&s, 0, sizeof(s));
	for (i = 0; i < NTP; i++)
		s.owner[i] = -1;
	for (i = 0; i < 8; i++)
		snprintf(s.names[i], sizeof(s.names[i]), "proc-%d", i);
	/* 3 workers join at once. */
	s.n = 3;
	s.alive[0] = s.alive[1] = s.alive[2] = 1;
	sim_rounds(&s, 3);
	for (i = 0; i < 3; i++)
		CHECK_EQ_INT(count(&s, i), 8);
	/* Worker 1 dies: its keys expire. */
	s.alive[1] = 0;
	for (i = 0; i < NTP; i++)
		if (s.owner[i] == 1)
			s.owner[i] = -1;
	sim_rounds(&s, 3);
	CHECK_EQ_INT(count(&s, 0), 12);
	CHECK_EQ_INT(count(&s, 2), 12);
	/* Two more join: 4 live -> 6 each, nothing unowned. */
	s.n = 5;
	s.alive[3] = s.alive[4] = 1;
	sim_rounds(&s, 4);
	total = 0;
	for (i = 0; i < 5; i++) {
		if (i == 1)
			continue;
		CHECK_EQ_INT(count(&s, i), 6);
		total += count(&s, i);
	}
	CHECK_EQ_INT(total, NTP);
}

static void test_split(void)
{
	icp_slice t;
	int32_t p;
	icp_error err;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_split_tp("orders/12", &t, &p, &err), ICP_OK);
	CHECK(icp_slice_eq(t, icp_slice_cstr("orders")));
	CHECK_EQ_INT(p, 12);
	CHECK_EQ_INT(icp_coord_split_tp("a/b/3", &t, &p, &err), ICP_OK);
	CHECK(icp_slice_eq(t, icp_slice_cstr("a/b")));
	CHECK_EQ_INT(icp_coord_split_tp("orders", &t, &p, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "topic/partition");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_split_tp("/3", &t, &p, &err), ICP_ERR_INVALID);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_split_tp("t/", &t, &p, &err), ICP_ERR_INVALID);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_split_tp("t/-1", &t, &p, &err), ICP_ERR_INVALID);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_split_tp("t/2147483648", &t, &p, &err), ICP_ERR_INVALID);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_split_tp("t/99999999999999999999999", &t, &p, &err),
	             ICP_ERR_INVALID);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_split_tp("t/2147483647", &t, &p, &err), ICP_OK);
	CHECK_EQ_INT(p, 2147483647);
}

int main(void)
{
	TEST_RUN(test_fair_share);
	TEST_RUN(test_score);
	TEST_RUN(test_rank);
	TEST_RUN(test_spread);
	TEST_RUN(test_simulation);
	TEST_RUN(test_split);
	return TEST_DONE();
}
