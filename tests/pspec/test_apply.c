/* Transforms on values: the spec's Appendix B hash test values, buckets,
 * the truncate examples of the spec, time transforms before and after
 * 1970, nulls and void, kind checks; single-value serialization and the
 * ordering of partition values. */
#include "pspec/pspec.h"
#include "test.h"

#include <math.h>

#define TS_2017 INT64_C(1510871468000000) /* 2017-11-16T22:31:08 UTC, micros */
#define DAY_US INT64_C(86400000000)

static icp_pspec_field field(icp_pspec_transform t, int32_t param, icp_ice_kind k)
{
	icp_pspec_field f;

	memset(&f, 0, sizeof(f));
	f.name = (char *)"f";
	f.transform_text = (char *)"t";
	f.transform = t;
	f.param = param;
	f.source_type.kind = k;
	return f;
}

static int32_t hash_of(icp_pspec_value v)
{
	int32_t h = 0;
	icp_error err;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_pspec_hash(&v, &h, &err), ICP_OK);
	return h;
}

static void test_spec_hash_values(void)
{
	static const uint8_t dec1420[] = {0x05, 0x8c};
	static const uint8_t dec1420_padded[] = {0x00, 0x00, 0x05, 0x8c};
	static const uint8_t uuid[] = {0xf7, 0x9c, 0x3e, 0x09, 0x67, 0x7c, 0x4b, 0xbd,
	                               0xa4, 0x79, 0x3f, 0x34, 0x9c, 0xb7, 0x85, 0xe7};
	static const uint8_t bytes[] = {0, 1, 2, 3};
	static const uint8_t one_le[8] = {1};
	static const uint8_t double_one_le[8] = {0, 0, 0, 0, 0, 0, 0xf0, 0x3f};
	static const uint8_t double_zero_le[8] = {0};

	/* Appendix B of the Iceberg table spec */
	CHECK_EQ_INT(hash_of(icp_pspec_value_int(ICP_ICE_INT, 34)), 2017239379);
	CHECK_EQ_INT(hash_of(icp_pspec_value_int(ICP_ICE_LONG, 34)), 2017239379);
	CHECK_EQ_INT(hash_of(icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, dec1420, 2, 2)),
	             -500754589);
	/* storage padding does not change the hash */
	CHECK_EQ_INT(hash_of(icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, dec1420_padded, 4, 2)),
	             -500754589);
	CHECK_EQ_INT(hash_of(icp_pspec_value_int(ICP_ICE_DATE, 17486)), -653330422);
	CHECK_EQ_INT(hash_of(icp_pspec_value_int(ICP_ICE_TIME, INT64_C(81068000000))),
	             -662762989);
	CHECK_EQ_INT(hash_of(icp_pspec_value_int(ICP_ICE_TIMESTAMP, TS_2017)), -2047944441);
	CHECK_EQ_INT(hash_of(icp_pspec_value_int(ICP_ICE_TIMESTAMP, TS_2017 + 1)), -1207196810);
	/* 2017-11-16T14:31:08-08:00 is the same instant */
	CHECK_EQ_INT(hash_of(icp_pspec_value_int(ICP_ICE_TIMESTAMPTZ, TS_2017)), -2047944441);
	CHECK_EQ_INT(hash_of(icp_pspec_value_int(ICP_ICE_TIMESTAMPTZ, TS_2017 + 1)),
	             -1207196810);
	CHECK_EQ_INT(hash_of(icp_pspec_value_of_bytes(ICP_ICE_STRING, "iceberg", 7, 0)),
	             1210000089);
	CHECK_EQ_INT(hash_of(icp_pspec_value_of_bytes(ICP_ICE_UUID, uuid, 16, 0)), 1488055340);
	CHECK_EQ_INT(hash_of(icp_pspec_value_of_bytes(ICP_ICE_FIXED, bytes, 4, 0)), -188683207);
	CHECK_EQ_INT(hash_of(icp_pspec_value_of_bytes(ICP_ICE_BINARY, bytes, 4, 0)), -188683207);
	/* the spec's values for types not bucketed (hashInt(1), doubles) */
	CHECK_EQ_INT((int32_t)icp_pspec_murmur3(one_le, 8), 1392991556);
	CHECK_EQ_INT((int32_t)icp_pspec_murmur3(double_one_le, 8), -142385009);
	CHECK_EQ_INT((int32_t)icp_pspec_murmur3(double_zero_le, 8), 1669671676);
}

static void test_hash_refusals(void)
{
	static const uint8_t short_uuid[4] = {0};
	icp_pspec_value v = icp_pspec_value_of_bytes(ICP_ICE_UUID, short_uuid, 4, 0);
	int32_t h;
	icp_error err;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_pspec_hash(&v, &h, &err), ICP_ERR_INVALID);
	CHECK_EQ_STR(err.msg, "uuid value of 4 bytes, not 16");
	icp_error_init(&err);
	v = icp_pspec_value_int(ICP_ICE_BOOLEAN, 1);
	CHECK_EQ_INT(icp_pspec_hash(&v, &h, &err), ICP_ERR_INVALID);
	CHECK_EQ_STR(err.msg, "no bucket hash for boolean values");
}

static int64_t apply_i(icp_pspec_transform t, int32_t param, icp_pspec_value in)
{
	icp_pspec_field f = field(t, param, in.kind);
	icp_pspec_value out;
	icp_error err;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_pspec_apply(&f, &in, &out, &err), ICP_OK);
	CHECK(!out.is_null);
	return out.i;
}

static void test_bucket(void)
{
	CHECK_EQ_INT(apply_i(ICP_PSPEC_BUCKET, 16, icp_pspec_value_int(ICP_ICE_INT, 34)), 3);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_BUCKET, 100,
	                     icp_pspec_value_int(ICP_ICE_TIMESTAMP, TS_2017)), 7);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_BUCKET, 7,
	                     icp_pspec_value_of_bytes(ICP_ICE_STRING, "iceberg", 7, 0)), 4);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_BUCKET, 1, icp_pspec_value_int(ICP_ICE_LONG, -5)), 0);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_BUCKET, 2147483647,
	                     icp_pspec_value_int(ICP_ICE_LONG, 34)), 2017239379);
}

static void test_time_transforms(void)
{
	icp_pspec_value ts = icp_pspec_value_int(ICP_ICE_TIMESTAMPTZ, TS_2017);
	icp_pspec_value d = icp_pspec_value_int(ICP_ICE_DATE, 17486);
	icp_pspec_value pre = icp_pspec_value_int(ICP_ICE_TIMESTAMP, -1);

	CHECK_EQ_INT(apply_i(ICP_PSPEC_YEAR, 0, ts), 47);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_MONTH, 0, ts), 47 * 12 + 10);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_DAY, 0, ts), 17486);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_HOUR, 0, ts), 17486 * 24 + 22);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_YEAR, 0, d), 47);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_MONTH, 0, d), 574);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_DAY, 0, d), 17486);
	/* 1969-12-31T23:59:59.999999: floor, not truncation toward zero */
	CHECK_EQ_INT(apply_i(ICP_PSPEC_YEAR, 0, pre), -1);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_MONTH, 0, pre), -1);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_DAY, 0, pre), -1);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_HOUR, 0, pre), -1);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_DAY, 0, icp_pspec_value_int(ICP_ICE_TIMESTAMP, -DAY_US)),
	             -1);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_HOUR, 0, icp_pspec_value_int(ICP_ICE_TIMESTAMP, -DAY_US)),
	             -24);
	/* 1969-01-01T00:00 is year -1; a microsecond earlier is year -2 */
	CHECK_EQ_INT(apply_i(ICP_PSPEC_YEAR, 0,
	                     icp_pspec_value_int(ICP_ICE_TIMESTAMP, -365 * DAY_US)), -1);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_YEAR, 0,
	                     icp_pspec_value_int(ICP_ICE_TIMESTAMP, -365 * DAY_US - 1)), -2);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_MONTH, 0,
	                     icp_pspec_value_int(ICP_ICE_TIMESTAMP, -365 * DAY_US)), -12);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_MONTH, 0, icp_pspec_value_int(ICP_ICE_DATE, -1)), -1);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_MONTH, 0, icp_pspec_value_int(ICP_ICE_DATE, 0)), 0);
	/* leap day 2000-02-29 = day 11016: month 361 */
	CHECK_EQ_INT(apply_i(ICP_PSPEC_MONTH, 0, icp_pspec_value_int(ICP_ICE_DATE, 11016)), 361);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_MONTH, 0, icp_pspec_value_int(ICP_ICE_DATE, 11017)), 362);
}

static void test_time_range(void)
{
	icp_pspec_field f = field(ICP_PSPEC_HOUR, 0, ICP_ICE_TIMESTAMP);
	icp_pspec_value in = icp_pspec_value_int(ICP_ICE_TIMESTAMP, INT64_MAX), out;
	icp_error err;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_pspec_apply(&f, &in, &out, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "beyond int range");
	f = field(ICP_PSPEC_YEAR, 0, ICP_ICE_TIMESTAMP);
	in.i = INT64_MIN;
	CHECK_EQ_INT(icp_pspec_apply(&f, &in, &out, &err), ICP_OK);
	CHECK(out.i < -290000);
}

static icp_pspec_value apply_v(icp_pspec_transform t, int32_t param, icp_pspec_value in)
{
	icp_pspec_field f = field(t, param, in.kind);
	icp_pspec_value out;
	icp_error err;

	icp_error_init(&err);
	memset(&out, 0, sizeof(out));
	CHECK_EQ_INT(icp_pspec_apply(&f, &in, &out, &err), ICP_OK);
	return out;
}

static int bytes_are(icp_pspec_value v, const void *p, size_t n)
{
	icp_slice s = icp_pspec_value_bytes(&v);
	return s.len == n && (n == 0 || memcmp(s.ptr, p, n) == 0);
}

static void test_truncate(void)
{
	static const uint8_t d1065[] = {0x04, 0x29}, dm1065[] = {0xfb, 0xd7};
	static const uint8_t bin[] = {1, 2, 3, 4, 5};
	icp_pspec_value v, copy;

	/* the spec's examples */
	CHECK_EQ_INT(apply_i(ICP_PSPEC_TRUNCATE, 10, icp_pspec_value_int(ICP_ICE_INT, 1)), 0);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_TRUNCATE, 10, icp_pspec_value_int(ICP_ICE_INT, -1)), -10);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_TRUNCATE, 10, icp_pspec_value_int(ICP_ICE_LONG, 1)), 0);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_TRUNCATE, 10, icp_pspec_value_int(ICP_ICE_LONG, -1)), -10);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_TRUNCATE, 10, icp_pspec_value_int(ICP_ICE_LONG, -10)),
	             -10);
	CHECK_EQ_INT(apply_i(ICP_PSPEC_TRUNCATE, 10, icp_pspec_value_int(ICP_ICE_LONG, 19)), 10);
	/* 10.65 with W=50, scale 2 -> 10.50 (unscaled 1065 -> 1050 = 0x041a) */
	v = apply_v(ICP_PSPEC_TRUNCATE, 50, icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, d1065, 2, 2));
	CHECK(bytes_are(v, "\x04\x1a", 2));
	CHECK_EQ_INT(v.scale, 2);
	CHECK_EQ_INT(v.kind, ICP_ICE_DECIMAL);
	copy = v; /* computed bytes live in the struct: copies stay valid */
	CHECK(bytes_are(copy, "\x04\x1a", 2));
	/* -10.65 -> -11.00 (unscaled -1100 = 0xfbb4) */
	v = apply_v(ICP_PSPEC_TRUNCATE, 50, icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, dm1065, 2, 2));
	CHECK(bytes_are(v, "\xfb\xb4", 2));
	/* 0.05 with W=10 -> 0.00: minimal zero is one 0x00 byte */
	v = apply_v(ICP_PSPEC_TRUNCATE, 10, icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, "\x05", 1, 2));
	CHECK(bytes_are(v, "\x00", 1));
	/* 127 W=2 -> 126; -128 W=3 -> -129 (needs a second byte) */
	v = apply_v(ICP_PSPEC_TRUNCATE, 2, icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, "\x7f", 1, 0));
	CHECK(bytes_are(v, "\x7e", 1));
	v = apply_v(ICP_PSPEC_TRUNCATE, 3, icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, "\x80", 1, 0));
	CHECK(bytes_are(v, "\xff\x7f", 2));
	/* a 16-byte value (precision 38 range) */
	v = apply_v(ICP_PSPEC_TRUNCATE, 1000,
	            icp_pspec_value_of_bytes(ICP_ICE_DECIMAL,
	                                     "\x4b\x3b\x4c\xa8\x5a\x86\xc4\x7a\x09\x8a\x22\x3f"
	                                     "\xff\xff\xff\xff", 16, 0));
	/* 10^38-1 truncated to 1000 is 10^38-1000 */
	CHECK(bytes_are(v, "\x4b\x3b\x4c\xa8\x5a\x86\xc4\x7a\x09\x8a\x22\x3f\xff\xff"
	                   "\xfc\x18", 16));
	{
		icp_pspec_value again = apply_v(ICP_PSPEC_TRUNCATE, 1000, v);
		CHECK_EQ_INT(icp_pspec_value_cmp(&again, &v), 0);
		icp_pspec_value orig = icp_pspec_value_of_bytes(
			ICP_ICE_DECIMAL, "\x4b\x3b\x4c\xa8\x5a\x86\xc4\x7a\x09\x8a\x22\x3f"
			                 "\xff\xff\xff\xff", 16, 0);
		CHECK(icp_pspec_value_cmp(&v, &orig) < 0);
	}
	/* strings by code points; binaries by bytes */
	v = apply_v(ICP_PSPEC_TRUNCATE, 3, icp_pspec_value_of_bytes(ICP_ICE_STRING, "iceberg", 7, 0));
	CHECK(bytes_are(v, "ice", 3));
	v = apply_v(ICP_PSPEC_TRUNCATE, 2,
	            icp_pspec_value_of_bytes(ICP_ICE_STRING, "h\xc3\xa9llo", 6, 0));
	CHECK(bytes_are(v, "h\xc3\xa9", 3));
	v = apply_v(ICP_PSPEC_TRUNCATE, 1,
	            icp_pspec_value_of_bytes(ICP_ICE_STRING, "\xf0\x9f\x98\x80" "a", 5, 0));
	CHECK(bytes_are(v, "\xf0\x9f\x98\x80", 4));
	v = apply_v(ICP_PSPEC_TRUNCATE, 10, icp_pspec_value_of_bytes(ICP_ICE_STRING, "ab", 2, 0));
	CHECK(bytes_are(v, "ab", 2));
	v = apply_v(ICP_PSPEC_TRUNCATE, 3, icp_pspec_value_of_bytes(ICP_ICE_BINARY, bin, 5, 0));
	CHECK(bytes_are(v, "\x01\x02\x03", 3));
	v = apply_v(ICP_PSPEC_TRUNCATE, 3,
	            icp_pspec_value_of_bytes(ICP_ICE_BINARY, "\xc3\xa9\xc3\xa9", 4, 0));
	CHECK(bytes_are(v, "\xc3\xa9\xc3", 3));
}

static void test_truncate_overflow(void)
{
	icp_pspec_field f = field(ICP_PSPEC_TRUNCATE, 10, ICP_ICE_INT);
	icp_pspec_value in = icp_pspec_value_int(ICP_ICE_INT, INT32_MIN), out;
	icp_error err;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_pspec_apply(&f, &in, &out, &err), ICP_ERR_INVALID);
	CHECK_EQ_STR(err.msg, "truncate[10] of -2147483648 leaves the int range");
	CHECK(out.is_null);
	f.source_type.kind = ICP_ICE_LONG;
	in = icp_pspec_value_int(ICP_ICE_LONG, INT64_MIN);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_pspec_apply(&f, &in, &out, &err), ICP_ERR_INVALID);
	/* 17 bytes of decimal are beyond precision 38 */
	f.source_type.kind = ICP_ICE_DECIMAL;
	in = icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, "\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
	                              17, 0);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_pspec_apply(&f, &in, &out, &err), ICP_ERR_UNSUPPORTED);
}

static void test_identity_void_null(void)
{
	icp_pspec_field f = field(ICP_PSPEC_IDENTITY, 0, ICP_ICE_STRING);
	icp_pspec_value in = icp_pspec_value_of_bytes(ICP_ICE_STRING, "abc", 3, 0), out;
	icp_error err;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_pspec_apply(&f, &in, &out, &err), ICP_OK);
	CHECK(!out.is_null && out.kind == ICP_ICE_STRING && bytes_are(out, "abc", 3));
	f = field(ICP_PSPEC_VOID, 0, ICP_ICE_STRING);
	CHECK_EQ_INT(icp_pspec_apply(&f, &in, &out, &err), ICP_OK);
	CHECK(out.is_null && out.kind == ICP_ICE_STRING);
	f = field(ICP_PSPEC_BUCKET, 4, ICP_ICE_STRING);
	in = icp_pspec_value_null(ICP_ICE_STRING);
	CHECK_EQ_INT(icp_pspec_apply(&f, &in, &out, &err), ICP_OK);
	CHECK(out.is_null && out.kind == ICP_ICE_INT);
	f = field(ICP_PSPEC_DAY, 0, ICP_ICE_TIMESTAMP);
	in = icp_pspec_value_null(ICP_ICE_TIMESTAMP);
	CHECK_EQ_INT(icp_pspec_apply(&f, &in, &out, &err), ICP_OK);
	CHECK(out.is_null);
	/* kind must match the bound source type and the transform */
	in = icp_pspec_value_int(ICP_ICE_LONG, 5);
	CHECK_EQ_INT(icp_pspec_apply(&f, &in, &out, &err), ICP_ERR_INVALID);
	CHECK_EQ_STR(err.msg, "partition field \"f\" (t): got a long value");
	f.source_type.kind = 0;
	CHECK_EQ_INT(icp_pspec_apply(&f, &in, &out, &err), ICP_ERR_INVALID);
	f.transform = ICP_PSPEC_UNKNOWN;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_pspec_apply(&f, &in, &out, &err), ICP_ERR_UNSUPPORTED);
}

static int ser_is(icp_pspec_value v, const void *p, size_t n)
{
	uint8_t scratch[16];
	icp_slice s;

	if (icp_pspec_value_serialize(&v, scratch, &s) != ICP_OK)
		return 0;
	return s.len == n && memcmp(s.ptr, p, n) == 0;
}

static void test_serialize(void)
{
	static const uint8_t uuid[16] = {0xf7, 0x9c, 0x3e, 0x09};
	uint8_t scratch[16];
	icp_pspec_value v, back;
	icp_slice s;
	icp_error err;

	CHECK(ser_is(icp_pspec_value_int(ICP_ICE_INT, 1), "\x01\0\0\0", 4));
	CHECK(ser_is(icp_pspec_value_int(ICP_ICE_INT, -2), "\xfe\xff\xff\xff", 4));
	CHECK(ser_is(icp_pspec_value_int(ICP_ICE_DATE, 17486), "\x4e\x44\0\0", 4));
	CHECK(ser_is(icp_pspec_value_int(ICP_ICE_LONG, 1), "\x01\0\0\0\0\0\0\0", 8));
	CHECK(ser_is(icp_pspec_value_int(ICP_ICE_TIMESTAMPTZ, -1),
	             "\xff\xff\xff\xff\xff\xff\xff\xff", 8));
	CHECK(ser_is(icp_pspec_value_int(ICP_ICE_BOOLEAN, 1), "\x01", 1));
	v = icp_pspec_value_int(ICP_ICE_DOUBLE, 0);
	v.d = 1.0;
	CHECK(ser_is(v, "\0\0\0\0\0\0\xf0\x3f", 8));
	v.kind = ICP_ICE_FLOAT;
	CHECK(ser_is(v, "\0\0\x80\x3f", 4));
	CHECK(ser_is(icp_pspec_value_of_bytes(ICP_ICE_STRING, "iceberg", 7, 0), "iceberg", 7));
	CHECK(ser_is(icp_pspec_value_of_bytes(ICP_ICE_UUID, uuid, 16, 0), uuid, 16));
	CHECK(ser_is(icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, "\0\0\x05\x8c", 4, 2),
	             "\x05\x8c", 2));
	CHECK(ser_is(icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, "\xff\xff\xff", 3, 2), "\xff", 1));
	CHECK(ser_is(icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, "\x00\x80", 2, 2), "\x00\x80", 2));
	CHECK(ser_is(icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, NULL, 0, 2), "\x00", 1));
	v = icp_pspec_value_null(ICP_ICE_INT);
	CHECK_EQ_INT(icp_pspec_value_serialize(&v, scratch, &s), ICP_ERR_INVALID);

	/* round trips */
	icp_error_init(&err);
	v = icp_pspec_value_int(ICP_ICE_INT, -7);
	CHECK_EQ_INT(icp_pspec_value_serialize(&v, scratch, &s), ICP_OK);
	CHECK_EQ_INT(icp_pspec_value_deserialize(ICP_ICE_INT, 0, s, &back, &err), ICP_OK);
	CHECK_EQ_INT(back.i, -7);
	CHECK_EQ_INT(icp_pspec_value_cmp(&v, &back), 0);
	v = icp_pspec_value_int(ICP_ICE_TIMESTAMP, TS_2017);
	icp_pspec_value_serialize(&v, scratch, &s);
	CHECK_EQ_INT(icp_pspec_value_deserialize(ICP_ICE_TIMESTAMP, 0, s, &back, &err), ICP_OK);
	CHECK(back.i == TS_2017);
	v = icp_pspec_value_int(ICP_ICE_FLOAT, 0);
	v.d = -2.5;
	icp_pspec_value_serialize(&v, scratch, &s);
	CHECK_EQ_INT(icp_pspec_value_deserialize(ICP_ICE_FLOAT, 0, s, &back, &err), ICP_OK);
	CHECK(back.d == -2.5);
	CHECK_EQ_INT(icp_pspec_value_deserialize(ICP_ICE_DECIMAL, 2, icp_slice_make("\x05\x8c", 2),
	                                         &back, &err), ICP_OK);
	CHECK(back.scale == 2 && bytes_are(back, "\x05\x8c", 2));
	CHECK_EQ_INT(icp_pspec_value_deserialize(ICP_ICE_LONG, 0, icp_slice_make("\1\2\3", 3),
	                                         &back, &err), ICP_ERR_CORRUPT);
	CHECK_EQ_STR(err.msg, "long value of 3 bytes, expected 8");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_pspec_value_deserialize(ICP_ICE_LIST, 0, icp_slice_make("", 0), &back,
	                                         &err), ICP_ERR_CORRUPT);
}

static icp_pspec_value dbl(double d)
{
	icp_pspec_value v = icp_pspec_value_int(ICP_ICE_DOUBLE, 0);
	v.d = d;
	return v;
}

static int cmpv(icp_pspec_value a, icp_pspec_value b)
{
	int c = icp_pspec_value_cmp(&a, &b), r = icp_pspec_value_cmp(&b, &a);
	CHECK((c < 0 && r > 0) || (c > 0 && r < 0) || (c == 0 && r == 0));
	return c;
}

static void test_compare(void)
{
	icp_pspec_value n = icp_pspec_value_null(ICP_ICE_LONG);

	CHECK(cmpv(icp_pspec_value_int(ICP_ICE_LONG, -1), icp_pspec_value_int(ICP_ICE_LONG, 0)) < 0);
	CHECK(cmpv(icp_pspec_value_int(ICP_ICE_INT, 5), icp_pspec_value_int(ICP_ICE_INT, 5)) == 0);
	CHECK(cmpv(n, icp_pspec_value_int(ICP_ICE_LONG, INT64_MIN)) < 0);
	CHECK(cmpv(n, n) == 0);
	CHECK(cmpv(icp_pspec_value_of_bytes(ICP_ICE_STRING, "a", 1, 0),
	           icp_pspec_value_of_bytes(ICP_ICE_STRING, "ab", 2, 0)) < 0);
	CHECK(cmpv(icp_pspec_value_of_bytes(ICP_ICE_STRING, "ab", 2, 0),
	           icp_pspec_value_of_bytes(ICP_ICE_STRING, "b", 1, 0)) < 0);
	/* UTF-8 bytes unsigned: U+00E9 sorts after 'z' */
	CHECK(cmpv(icp_pspec_value_of_bytes(ICP_ICE_STRING, "z", 1, 0),
	           icp_pspec_value_of_bytes(ICP_ICE_STRING, "\xc3\xa9", 2, 0)) < 0);
	CHECK(cmpv(icp_pspec_value_of_bytes(ICP_ICE_BINARY, "\x7f", 1, 0),
	           icp_pspec_value_of_bytes(ICP_ICE_BINARY, "\x80", 1, 0)) < 0);
	/* decimals numerically, any byte length */
	CHECK(cmpv(icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, "\xff", 1, 2),
	           icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, "\x00", 1, 2)) < 0);
	CHECK(cmpv(icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, "\x7f", 1, 2),
	           icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, "\x00\xff", 2, 2)) < 0);
	CHECK(cmpv(icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, "\xff\x00", 2, 2),
	           icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, "\x80", 1, 2)) < 0);
	CHECK(cmpv(icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, "\x00\x05", 2, 2),
	           icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, "\x05", 1, 2)) == 0);
	/* doubles as Java's Double.compare */
	CHECK(cmpv(dbl(-0.0), dbl(0.0)) < 0);
	CHECK(cmpv(dbl(1e300), dbl(NAN)) < 0);
	CHECK(cmpv(dbl(NAN), dbl(NAN)) == 0);
	CHECK(cmpv(dbl(-1.5), dbl(-1.25)) < 0);
}

static void test_tuple_key(void)
{
	icp_pspec_field fields[3];
	icp_pspec spec = {0, fields, 3};
	icp_pspec_value v[3];
	icp_buf a, b;

	memset(fields, 0, sizeof(fields));
	icp_buf_init(&a, ICP_BUF_UNLIMITED);
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	v[0] = icp_pspec_value_int(ICP_ICE_INT, 17486);
	v[1] = icp_pspec_value_of_bytes(ICP_ICE_STRING, "ab", 2, 0);
	v[2] = icp_pspec_value_null(ICP_ICE_LONG);
	CHECK_EQ_INT(icp_pspec_tuple_key(&spec, v, &a), ICP_OK);
	CHECK_EQ_INT(a.len, 1 + 4 + 4 + 1 + 4 + 2 + 1);
	CHECK(a.len == 17 && memcmp(a.data, "\x01\x04\0\0\0\x4e\x44\0\0\x01\x02\0\0\0ab\0", 17) == 0);
	/* ("a","b") and ("ab","") must differ: lengths are part of the key */
	v[1] = icp_pspec_value_of_bytes(ICP_ICE_STRING, "a", 1, 0);
	v[2] = icp_pspec_value_of_bytes(ICP_ICE_STRING, "b", 1, 0);
	CHECK_EQ_INT(icp_pspec_tuple_key(&spec, v, &b), ICP_OK);
	icp_buf_reset(&a);
	v[1] = icp_pspec_value_of_bytes(ICP_ICE_STRING, "ab", 2, 0);
	v[2] = icp_pspec_value_of_bytes(ICP_ICE_STRING, "", 0, 0);
	CHECK_EQ_INT(icp_pspec_tuple_key(&spec, v, &a), ICP_OK);
	CHECK(a.len != b.len || memcmp(a.data, b.data, a.len) != 0);
	v[2] = icp_pspec_value_int(ICP_ICE_LIST, 0);
	CHECK_EQ_INT(icp_pspec_tuple_key(&spec, v, &a), ICP_ERR_INVALID);
	icp_buf_dispose(&a);
	icp_buf_dispose(&b);
}

int main(void)
{
	TEST_RUN(test_tuple_key);
	TEST_RUN(test_spec_hash_values);
	TEST_RUN(test_hash_refusals);
	TEST_RUN(test_bucket);
	TEST_RUN(test_time_transforms);
	TEST_RUN(test_time_range);
	TEST_RUN(test_truncate);
	TEST_RUN(test_truncate_overflow);
	TEST_RUN(test_identity_void_null);
	TEST_RUN(test_serialize);
	TEST_RUN(test_compare);
	return TEST_DONE();
}
