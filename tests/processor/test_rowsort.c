/*
 * Sort keys of rows written sorted (src/processor/rowsort.c): two columns
 * (string, then long), nulls first, unsigned byte order for strings,
 * signed for numbers, stable for equal keys, and reuse after reset.
 */
#include "processor/rows_int.h"

#include "../test.h"

static void add(icp_rowsort *rs, const char *s, int64_t v, int v_null)
{
	icp_pspec_value k[2];
	k[0] = s ? icp_pspec_value_of_bytes(ICP_ICE_STRING, s, strlen(s), 0)
	         : icp_pspec_value_null(ICP_ICE_STRING);
	k[1] = v_null ? icp_pspec_value_null(ICP_ICE_LONG) : icp_pspec_value_int(ICP_ICE_LONG, v);
	CHECK_EQ_INT(icp_rowsort_add(rs, k), ICP_OK);
}

static void test_sort(void)
{
	icp_pspec_field f[2];
	icp_rowsort *rs;
	uint32_t rows[8];
	/* expected order of the rows added below */
	static const uint32_t want[8] = {2, 6, 5, 4, 1, 7, 0, 3};
	char big[4] = {(char)0xc3, (char)0xa9, 0, 0}; /* "é": above ASCII */
	int round;
	size_t i;

	memset(f, 0, sizeof(f));
	f[0].source_type.kind = ICP_ICE_STRING;
	f[1].source_type.kind = ICP_ICE_LONG;
	rs = icp_rowsort_new(f, 2);
	CHECK(rs != NULL);
	for (round = 0; round < 2; round++) {
		icp_rowsort_reset(rs);
		add(rs, "b", 5, 0);     /* 0 */
		add(rs, "a", 10, 0);    /* 1 */
		add(rs, NULL, 3, 0);    /* 2: null string first */
		add(rs, big, -1, 0);    /* 3: last (0xc3 > 'b') */
		add(rs, "a", -7, 0);    /* 4: negative before 10 */
		add(rs, "a", 0, 1);     /* 5: null long first within "a" */
		add(rs, "", 99, 0);     /* 6: empty string before "a" */
		add(rs, "a", 10, 0);    /* 7: equal to 1: stays after it */
		for (i = 0; i < 8; i++)
			rows[i] = (uint32_t)i;
		CHECK_EQ_INT(icp_rowsort_sort(rs, rows, 8), ICP_OK);
		for (i = 0; i < 8; i++)
			CHECK_EQ_INT(rows[i], want[i]);
		CHECK(icp_rowsort_bytes(rs) > 0);
	}
	/* a subset (one partition tuple's rows) sorts among itself */
	rows[0] = 7;
	rows[1] = 3;
	rows[2] = 4;
	CHECK_EQ_INT(icp_rowsort_sort(rs, rows, 3), ICP_OK);
	CHECK(rows[0] == 4 && rows[1] == 7 && rows[2] == 3);
	icp_rowsort_free(rs);
}

int main(void)
{
	TEST_RUN(test_sort);
	return TEST_DONE();
}
