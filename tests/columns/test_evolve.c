/* Schema evolution at every depth (columns_evolve.c): new nested fields
 * with fresh ids, kept fields, widening, required -> optional, refusals
 * naming the full path, and a three-version chain. */
#include "columns/columns.h"
#include "test.h"

/* A schema of base columns + one column per (name, type text) pair. */
static icp_ice_schema *sch1(const char *name, const char *type)
{
	icp_columns_def d[1];
	icp_ice_schema *s = NULL;
	icp_error err;

	memset(d, 0, sizeof(d));
	d[0].name = name;
	d[0].type = type;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_schema(d, 1, &s, &err), ICP_OK);
	return s;
}

static const icp_ice_field *field(const icp_ice_type *st, const char *name)
{
	size_t i;
	for (i = 0; st && i < st->n_fields; i++)
		if (strcmp(st->fields[i].name, name) == 0)
			return &st->fields[i];
	return NULL;
}

static int evolve(const icp_ice_schema *cur, const icp_ice_schema *want, int widen,
                  icp_ice_schema **out, icp_error *err)
{
	icp_error_init(err);
	return icp_columns_evolve("db.t", cur, want, widen, out, err);
}

/* Refused with msg in the error. */
static void refused(const char *cur_t, const char *want_t, int widen, const char *msg)
{
	icp_ice_schema *c = sch1("address", cur_t), *w = sch1("address", want_t), *o = NULL;
	icp_error err;

	if (c && w) {
		CHECK_EQ_INT(evolve(c, w, widen, &o, &err), ICP_ERR_INVALID);
		CHECK(o == NULL);
		CHECK_CONTAINS(err.msg, msg);
	}
	icp_ice_schema_free(c);
	icp_ice_schema_free(w);
}

static void test_add_nested(void)
{
	icp_ice_schema *c = sch1("address", "struct<city:string,geo:struct<lat:double>,old:int>");
	icp_ice_schema *w = sch1("address", "struct<city:string,geo:struct<lat:double,lon:double>,"
	                                   "zip:long,meta:struct<a:int,b:list<long>>>");
	icp_ice_schema *o = NULL;
	const icp_ice_field *a, *g, *m;
	icp_error err;

	if (!c || !w)
		goto out;
	/* address 9, city 10, geo 11, lat 12, old 13 */
	CHECK_EQ_INT(c->highest_field_id, 13);
	c->highest_field_id = 40; /* ids of dropped columns are never reused */
	CHECK_EQ_INT(evolve(c, w, 0, &o, &err), ICP_OK);
	CHECK(o != NULL);
	if (!o)
		goto out;
	CHECK_EQ_INT(o->schema_id, c->schema_id + 1);
	a = icp_ice_schema_find(o, "address");
	CHECK(a && a->id == 9);
	g = field(a->type, "geo");
	CHECK(g && g->id == 11 && field(g->type, "lat")->id == 12);
	/* depth first in declaration order: geo.lon, zip, meta, meta.a,
	 * meta.b, meta.b.element */
	CHECK(field(g->type, "lon") && field(g->type, "lon")->id == 41 &&
	      !field(g->type, "lon")->required);
	CHECK(field(a->type, "zip") && field(a->type, "zip")->id == 42);
	m = field(a->type, "meta");
	CHECK(m && m->id == 43 && !m->required);
	CHECK(m && field(m->type, "a")->id == 44 && field(m->type, "b")->id == 45 &&
	      field(m->type, "b")->type->element_id == 46);
	CHECK_EQ_INT(o->highest_field_id, 46);
	/* a field the wanted schema lacks stays, with its id */
	CHECK(field(a->type, "old") && field(a->type, "old")->id == 13);
	CHECK_EQ_INT((int)a->type->n_fields, 5);
	/* evolving again to the same wants: nothing */
	{
		icp_ice_schema *o2 = NULL;
		CHECK_EQ_INT(evolve(o, w, 0, &o2, &err), ICP_OK);
		CHECK(o2 == NULL);
	}
out:
	icp_ice_schema_free(o);
	icp_ice_schema_free(c);
	icp_ice_schema_free(w);
}

/* New fields inside list elements and map values. */
static void test_add_in_containers(void)
{
	icp_ice_schema *c = sch1("items", "list<struct<sku:string>>");
	icp_ice_schema *w = sch1("items", "list<struct<sku:string,n:int>>");
	icp_ice_schema *o = NULL;
	icp_error err;

	if (c && w) {
		CHECK_EQ_INT(evolve(c, w, 0, &o, &err), ICP_OK);
		if (o) {
			const icp_ice_type *el = icp_ice_schema_find(o, "items")->type->element;
			CHECK(icp_ice_schema_find(o, "items")->type->element_id == 10);
			CHECK(field(el, "sku")->id == 11 && field(el, "n")->id == 12);
		}
	}
	icp_ice_schema_free(o);
	icp_ice_schema_free(c);
	icp_ice_schema_free(w);
	o = NULL;
	c = sch1("attrs", "map<string,struct<v:long>>");
	w = sch1("attrs", "map<string,struct<v:long,unit:string>>");
	if (c && w) {
		CHECK_EQ_INT(evolve(c, w, 0, &o, &err), ICP_OK);
		if (o) {
			const icp_ice_type *t = icp_ice_schema_find(o, "attrs")->type;
			CHECK(t->key_id == 10 && t->value_id == 11 && field(t->value, "v")->id == 12 &&
			      field(t->value, "unit")->id == 13);
		}
	}
	icp_ice_schema_free(o);
	icp_ice_schema_free(c);
	icp_ice_schema_free(w);
}

static void test_widen_refuse(void)
{
	icp_ice_schema *c = sch1("address", "struct<geo:struct<lat:float,n:int,"
	                                    "amt:decimal(9,2)>>");
	icp_ice_schema *w = sch1("address", "struct<geo:struct<lat:double,n:long,"
	                                    "amt:decimal(20,2)>>");
	icp_ice_schema *o = NULL;
	icp_error err;

	if (c && w) {
		CHECK_EQ_INT(evolve(c, w, 0, &o, &err), ICP_ERR_INVALID);
		CHECK_CONTAINS(err.msg, "table db.t: column address.geo.lat is float in the table, "
		                        "the mapping wants double: widening needs "
		                        "schema.allow_type_widening: true");
		CHECK_EQ_INT(evolve(c, w, 1, &o, &err), ICP_OK);
		if (o) {
			const icp_ice_type *g =
			    field(icp_ice_schema_find(o, "address")->type, "geo")->type;
			CHECK(field(g, "lat")->type->kind == ICP_ICE_DOUBLE && field(g, "lat")->id == 11);
			CHECK(field(g, "n")->type->kind == ICP_ICE_LONG);
			CHECK(field(g, "amt")->type->precision == 20 && field(g, "amt")->type->scale == 2);
			CHECK_EQ_INT(o->highest_field_id, c->highest_field_id);
		}
	}
	icp_ice_schema_free(o);
	icp_ice_schema_free(c);
	icp_ice_schema_free(w);
	/* the registry formats: widening allowed, their own wording */
	c = sch1("n", "list<int>");
	w = sch1("n", "list<long>");
	o = NULL;
	if (c && w) {
		icp_columns_evolve_opts opts;
		memset(&opts, 0, sizeof(opts));
		opts.allow_widening = 1;
		opts.wanted_by = "the registry schema";
		icp_error_init(&err);
		CHECK_EQ_INT(icp_columns_evolve_with("db.t", c, w, &opts, &o, &err), ICP_OK);
		CHECK(o && icp_ice_schema_find(o, "n")->type->element->kind == ICP_ICE_LONG);
		icp_ice_schema_free(o);
		o = NULL;
		CHECK_EQ_INT(icp_columns_evolve_with("db.t", w, c, &opts, &o, &err), ICP_ERR_INVALID);
		CHECK_CONTAINS(err.msg, "table db.t: column n.element is long in the table, the "
		                        "registry schema wants int");
	}
	icp_ice_schema_free(c);
	icp_ice_schema_free(w);

	/* narrowing and other changes at depth: refused with the path */
	refused("struct<geo:struct<lat:double>>", "struct<geo:struct<lat:float>>", 1,
	        "table db.t: column address.geo.lat is double in the table, the mapping wants "
	        "float: only int->long");
	refused("list<long>", "list<int>", 1, "column address.element is long in the table");
	refused("map<string,decimal(10,2)>", "map<string,decimal(10,3)>", 1,
	        "column address.value is decimal(10,2) in the table, the mapping wants "
	        "decimal(10,3)");
	refused("map<string,decimal(10,2)>", "map<string,decimal(9,2)>", 1,
	        "column address.value is decimal(10,2)");
	refused("struct<a:struct<b:int>>", "struct<a:int>", 1,
	        "column address.a is struct<b:int> in the table, the mapping wants int");
	refused("struct<a:int>", "struct<a:struct<b:int>>", 1,
	        "column address.a is int in the table, the mapping wants struct<b:int>");
	refused("list<string>", "map<string,string>", 1,
	        "column address is list<string> in the table, the mapping wants "
	        "map<string,string>");
	refused("struct<a:list<struct<x:string>>>", "struct<a:list<struct<x:binary>>>", 1,
	        "column address.a.element.x is string in the table, the mapping wants binary");
}

/* A map key change (itype defs: map<long,..> against map<int,..>). */
static void test_map_key(void)
{
	icp_ice_type *m1 = icp_ice_type_new(ICP_ICE_MAP), *m2 = icp_ice_type_new(ICP_ICE_MAP);
	icp_columns_def d;
	icp_ice_schema *c = NULL, *w = NULL, *o = NULL;
	icp_error err;

	m1->key = icp_ice_type_new(ICP_ICE_INT);
	m1->value = icp_ice_type_new(ICP_ICE_STRING);
	m2->key = icp_ice_type_new(ICP_ICE_LONG);
	m2->value = icp_ice_type_new(ICP_ICE_STRING);
	memset(&d, 0, sizeof(d));
	d.name = "attrs";
	d.itype = m1;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_schema(&d, 1, &c, &err), ICP_OK);
	d.itype = m2;
	CHECK_EQ_INT(icp_columns_schema(&d, 1, &w, &err), ICP_OK);
	if (c && w) {
		/* even a widening: keys identify entries */
		CHECK_EQ_INT(evolve(c, w, 1, &o, &err), ICP_ERR_INVALID);
		CHECK_CONTAINS(err.msg, "table db.t: column attrs.key is int in the table, the "
		                        "mapping wants long: a map's key type cannot change");
	}
	icp_ice_schema_free(c);
	icp_ice_schema_free(w);
	icp_ice_type_free(m1);
	icp_ice_type_free(m2);
}

/* required -> optional at every level with relax_required (else kept);
 * optional -> required never. */
static void test_required(void)
{
	icp_ice_type *st = icp_ice_type_new(ICP_ICE_STRUCT), *ls = icp_ice_type_new(ICP_ICE_LIST);
	icp_ice_type *mp = icp_ice_type_new(ICP_ICE_MAP), *st2, *ls2, *mp2;
	icp_columns_def d[3];
	icp_ice_schema *c = NULL, *w = NULL, *o = NULL;
	icp_error err;

	icp_ice_type_add_field(st, 0, "a", 1, icp_ice_type_new(ICP_ICE_LONG));
	icp_ice_type_add_field(st, 0, "b", 0, icp_ice_type_new(ICP_ICE_LONG));
	ls->element = icp_ice_type_new(ICP_ICE_STRING);
	ls->element_required = 1;
	mp->key = icp_ice_type_new(ICP_ICE_STRING);
	mp->value = icp_ice_type_new(ICP_ICE_STRING);
	mp->value_required = 1;
	memset(d, 0, sizeof(d));
	d[0].name = "s";
	d[0].itype = st;
	d[0].required = 1;
	d[1].name = "l";
	d[1].itype = ls;
	d[2].name = "m";
	d[2].itype = mp;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_schema(d, 3, &c, &err), ICP_OK);
	/* the wanted: everything optional, b required */
	st2 = icp_ice_type_copy(st);
	st2->fields[0].required = 0;
	st2->fields[1].required = 1;
	ls2 = icp_ice_type_copy(ls);
	ls2->element_required = 0;
	mp2 = icp_ice_type_copy(mp);
	mp2->value_required = 0;
	d[0].itype = st2;
	d[0].required = 0;
	d[1].itype = ls2;
	d[2].itype = mp2;
	CHECK_EQ_INT(icp_columns_schema(d, 3, &w, &err), ICP_OK);
	if (c && w) {
		const icp_ice_field *f;
		/* the base columns are required in both: kept; make the wanted
		 * record_id optional: the processor's own column stays */
		icp_columns_evolve_opts opts;
		w->root.fields[0].required = 0;
		/* the JSON mapping's rule: requiredness is kept */
		CHECK_EQ_INT(evolve(c, w, 0, &o, &err), ICP_OK);
		CHECK(o == NULL);
		memset(&opts, 0, sizeof(opts));
		opts.relax_required = 1;
		icp_error_init(&err);
		CHECK_EQ_INT(icp_columns_evolve_with("db.t", c, w, &opts, &o, &err), ICP_OK);
		CHECK(o != NULL);
		if (o) {
			CHECK(icp_ice_schema_find(o, "record_id")->required);
			f = icp_ice_schema_find(o, "s");
			CHECK(!f->required && !field(f->type, "a")->required);
			CHECK(!field(f->type, "b")->required); /* never made required */
			CHECK(!icp_ice_schema_find(o, "l")->type->element_required);
			CHECK(!icp_ice_schema_find(o, "m")->type->value_required);
			CHECK(icp_ice_schema_equal(o, o));
			CHECK_EQ_INT(o->highest_field_id, c->highest_field_id);
			CHECK(field(f->type, "a")->id == field(icp_ice_schema_find(c, "s")->type, "a")->id);
		}
		/* the first wants again (optional -> required): nothing to do */
		if (o) {
			icp_ice_schema *o2 = NULL;
			CHECK_EQ_INT(icp_columns_evolve_with("db.t", o, c, &opts, &o2, &err), ICP_OK);
			CHECK(o2 == NULL);
		}
	}
	icp_ice_schema_free(o);
	icp_ice_schema_free(c);
	icp_ice_schema_free(w);
	icp_ice_type_free(st);
	icp_ice_type_free(ls);
	icp_ice_type_free(mp);
	icp_ice_type_free(st2);
	icp_ice_type_free(ls2);
	icp_ice_type_free(mp2);
}

/* v1 -> v2 -> v3: ids of every version's fields stay; each new field
 * takes the next id; schema ids count up. */
static void test_chain(void)
{
	icp_ice_schema *v1 = sch1("address", "struct<city:string,geo:struct<lat:float>>");
	icp_ice_schema *w2 = sch1("address", "struct<city:string,geo:struct<lat:float,lon:float>>");
	icp_ice_schema *w3 = sch1("address", "struct<city:string,geo:struct<lat:double,lon:double,"
	                                    "alt:list<int>>,zip:string>");
	icp_ice_schema *v2 = NULL, *v3 = NULL;
	icp_error err;

	if (!v1 || !w2 || !w3)
		goto out;
	CHECK_EQ_INT(v1->highest_field_id, 12);
	CHECK_EQ_INT(evolve(v1, w2, 0, &v2, &err), ICP_OK);
	if (!v2)
		goto out;
	CHECK_EQ_INT(v2->schema_id, 1);
	CHECK_EQ_INT(v2->highest_field_id, 13);
	CHECK_EQ_INT(evolve(v2, w3, 0, &v3, &err), ICP_ERR_INVALID); /* widening gated */
	CHECK_EQ_INT(evolve(v2, w3, 1, &v3, &err), ICP_OK);
	if (!v3)
		goto out;
	CHECK_EQ_INT(v3->schema_id, 2);
	{
		const icp_ice_type *a = icp_ice_schema_find(v3, "address")->type;
		const icp_ice_type *g = field(a, "geo")->type;
		CHECK(field(a, "city")->id == 10 && field(a, "geo")->id == 11);
		CHECK(field(g, "lat")->id == 12 && field(g, "lat")->type->kind == ICP_ICE_DOUBLE);
		CHECK(field(g, "lon")->id == 13 && field(g, "lon")->type->kind == ICP_ICE_DOUBLE);
		CHECK(field(g, "alt")->id == 14 && field(g, "alt")->type->element_id == 15);
		CHECK(field(a, "zip")->id == 16);
		CHECK_EQ_INT(v3->highest_field_id, 16);
	}
	/* v3 against v1's wants: narrowing back is refused with the path */
	{
		icp_ice_schema *o = NULL;
		CHECK_EQ_INT(evolve(v3, v1, 1, &o, &err), ICP_ERR_INVALID);
		CHECK_CONTAINS(err.msg, "column address.geo.lat is double in the table");
	}
out:
	icp_ice_schema_free(v1);
	icp_ice_schema_free(v2);
	icp_ice_schema_free(v3);
	icp_ice_schema_free(w2);
	icp_ice_schema_free(w3);
}

int main(void)
{
	TEST_RUN(test_add_nested);
	TEST_RUN(test_add_in_containers);
	TEST_RUN(test_widen_refuse);
	TEST_RUN(test_map_key);
	TEST_RUN(test_required);
	TEST_RUN(test_chain);
	return TEST_DONE();
}
