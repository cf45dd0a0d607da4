/*
 * Test fixture: two hand-encoded FileDescriptorProtos.
 *   dep.proto (proto3, package dep): message D { string y = 1; }
 *   t.proto (proto3, package t, imports dep.proto):
 *     message M {
 *       int32 a = 1; string s = 2; repeated int32 r = 3; E e = 4; N n = 5;
 *       map<int32, string> mp = 6; optional int32 o = 7;
 *       oneof c { string c1 = 8; int64 c2 = 9; }
 *       google.protobuf.Timestamp ts = 10; google.protobuf.StringValue ws = 11;
 *       bytes b = 12; bool bo = 13; double d = 14; float f = 15; uint64 u = 16;
 *       sint32 z = 17; fixed32 fx = 18; sfixed64 sf = 19; dep.D dd = 20;
 *       N rel = 21;  (type_name written relative: "N")
 *       repeated google.protobuf.Int32Value wr = 22;
 *       enum E { Z = 0; ONE = 1; }
 *       message N { int64 x = 1; }
 *       message MpEntry { option map_entry = true; int32 key = 1; string value = 2; }
 *     }
 *     message R { R self = 1; }
 *     message A { B b = 1; }  message B { int32 k = 1; A a = 2; }
 *     message U { nope.X x = 1; }
 * Timestamp/wrapper files are not given: they are built in.
 */
#ifndef ICP_TEST_PROTO_FIXTURE_H
#define ICP_TEST_PROTO_FIXTURE_H

#include "pbenc.h"
#include "proto/proto.h"

enum {
	T_DOUBLE = 1, T_FLOAT, T_INT64, T_UINT64, T_INT32, T_FIXED64, T_FIXED32, T_BOOL,
	T_STRING, T_GROUP, T_MESSAGE, T_BYTES, T_UINT32, T_ENUM, T_SFIXED32, T_SFIXED64,
	T_SINT32, T_SINT64
};

typedef struct fixture {
	icp_buf dep, main;
	icp_proto_schema *s;
} fixture;

static void fixture_files(fixture *fx)
{
	icp_buf m, n, top;
	static const char *const en[] = {"Z", "ONE"};
	static const int ev[] = {0, 1};

	fx->s = NULL;
	icp_buf_init(&fx->dep, 0);
	icp_buf_init(&fx->main, 0);
	icp_buf_init(&m, 0);
	icp_buf_init(&n, 0);
	icp_buf_init(&top, 0);

	pb_str(&fx->dep, 1, "dep.proto");
	pb_str(&fx->dep, 2, "dep");
	pb_str(&m, 1, "D");
	pb_field_desc(&m, "y", 1, L_OPT, T_STRING, NULL, -1, 0);
	pb_sub(&fx->dep, 4, &m);
	pb_str(&fx->dep, 12, "proto3");

	/* syntax first and package last: the parser must not depend on order */
	pb_str(&fx->main, 12, "proto3");
	pb_str(&fx->main, 1, "t.proto");
	pb_str(&fx->main, 3, "dep.proto");
	pb_str(&m, 1, "M");
	pb_field_desc(&m, "a", 1, L_OPT, T_INT32, NULL, -1, 0);
	pb_field_desc(&m, "s", 2, L_OPT, T_STRING, NULL, -1, 0);
	pb_field_desc(&m, "r", 3, L_REP, T_INT32, NULL, -1, 0);
	pb_field_desc(&m, "e", 4, L_OPT, T_ENUM, ".t.M.E", -1, 0);
	pb_field_desc(&m, "n", 5, L_OPT, T_MESSAGE, ".t.M.N", -1, 0);
	pb_field_desc(&m, "mp", 6, L_REP, T_MESSAGE, ".t.M.MpEntry", -1, 0);
	pb_field_desc(&m, "o", 7, L_OPT, T_INT32, NULL, 0, 1);
	pb_field_desc(&m, "c1", 8, L_OPT, T_STRING, NULL, 1, 0);
	pb_field_desc(&m, "c2", 9, L_OPT, T_INT64, NULL, 1, 0);
	pb_field_desc(&m, "ts", 10, L_OPT, T_MESSAGE, ".google.protobuf.Timestamp", -1, 0);
	pb_field_desc(&m, "ws", 11, L_OPT, T_MESSAGE, ".google.protobuf.StringValue", -1, 0);
	pb_field_desc(&m, "b", 12, L_OPT, T_BYTES, NULL, -1, 0);
	pb_field_desc(&m, "bo", 13, L_OPT, T_BOOL, NULL, -1, 0);
	pb_field_desc(&m, "d", 14, L_OPT, T_DOUBLE, NULL, -1, 0);
	pb_field_desc(&m, "f", 15, L_OPT, T_FLOAT, NULL, -1, 0);
	pb_field_desc(&m, "u", 16, L_OPT, T_UINT64, NULL, -1, 0);
	pb_field_desc(&m, "z", 17, L_OPT, T_SINT32, NULL, -1, 0);
	pb_field_desc(&m, "fx", 18, L_OPT, T_FIXED32, NULL, -1, 0);
	pb_field_desc(&m, "sf", 19, L_OPT, T_SFIXED64, NULL, -1, 0);
	pb_field_desc(&m, "dd", 20, L_OPT, T_MESSAGE, ".dep.D", -1, 0);
	pb_field_desc(&m, "rel", 21, L_OPT, 0, "N", -1, 0); /* type left out, relative */
	pb_field_desc(&m, "wr", 22, L_REP, T_MESSAGE, ".google.protobuf.Int32Value", -1, 0);
	pb_enum_desc(&m, 4, "E", en, ev, 2);
	pb_str(&n, 1, "N");
	pb_field_desc(&n, "x", 1, L_OPT, T_INT64, NULL, -1, 0);
	pb_sub(&m, 3, &n);
	pb_str(&n, 1, "MpEntry");
	pb_field_desc(&n, "key", 1, L_OPT, T_INT32, NULL, -1, 0);
	pb_field_desc(&n, "value", 2, L_OPT, T_STRING, NULL, -1, 0);
	pb_map_entry_opt(&n);
	pb_sub(&m, 3, &n);
	{ /* oneof_decl: names only, skipped by the parser */
		pb_str(&n, 1, "_o");
		pb_sub(&m, 8, &n);
		pb_str(&n, 1, "c");
		pb_sub(&m, 8, &n);
	}
	pb_sub(&fx->main, 4, &m);

	pb_str(&m, 1, "R");
	pb_field_desc(&m, "self", 1, L_OPT, T_MESSAGE, ".t.R", -1, 0);
	pb_sub(&fx->main, 4, &m);
	pb_str(&m, 1, "A");
	pb_field_desc(&m, "b", 1, L_OPT, T_MESSAGE, ".t.B", -1, 0);
	pb_sub(&fx->main, 4, &m);
	pb_str(&m, 1, "B");
	pb_field_desc(&m, "k", 1, L_OPT, T_INT32, NULL, -1, 0);
	pb_field_desc(&m, "a", 2, L_OPT, T_MESSAGE, ".t.A", -1, 0);
	pb_sub(&fx->main, 4, &m);
	pb_str(&m, 1, "U");
	pb_field_desc(&m, "x", 1, L_OPT, T_MESSAGE, ".nope.X", -1, 0);
	pb_sub(&fx->main, 4, &m);
	pb_str(&fx->main, 2, "t");

	icp_buf_dispose(&m);
	icp_buf_dispose(&n);
	icp_buf_dispose(&top);
}

/* Compiles the fixture (dependency first, main file last). */
static int fixture_init(fixture *fx, icp_error *err)
{
	icp_slice files[2];

	fixture_files(fx);
	files[0] = icp_slice_make(fx->dep.data, fx->dep.len);
	files[1] = icp_slice_make(fx->main.data, fx->main.len);
	return icp_proto_schema_new(files, 2, &fx->s, err);
}

static void fixture_dispose(fixture *fx)
{
	icp_proto_schema_free(fx->s);
	icp_buf_dispose(&fx->dep);
	icp_buf_dispose(&fx->main);
}

#endif
