/*
 * config internals shared by the module's files: the key-table types, the
 * tables themselves (config_table.c), the small YAML tree (config_yaml.c)
 * and the passes over it (config_load.c, config_validate.c).
 *
 * A table describes the keys of one struct type: top-level icp_config, one
 * icp_config_mapping, one icp_config_column. Paths are dotted and relative
 * to that struct; a LIST key points at the table of its elements.
 */
#ifndef ICP_CONFIG_INT_H
#define ICP_CONFIG_INT_H

#include "config/config.h"

#include <stddef.h>

/* ------------------------------------------------------------ key table */

typedef enum icp_cfg_kind {
	ICP_CFG_STR,
	ICP_CFG_SECRET,   /* a string redacted in output */
	ICP_CFG_BOOL,     /* int 0/1 */
	ICP_CFG_INT,      /* int64_t within [min, max] */
	ICP_CFG_ENUM,     /* int index into names */
	ICP_CFG_STRLIST,  /* icp_config_strlist: items NULL = absent (or null);
	                   * non-NULL with n == 0 = an empty list */
	ICP_CFG_LIST      /* array of sub-table structs + size_t count */
} icp_cfg_kind;

enum {
	ICP_CFG_F_REQUIRED = 1u << 0,  /* must be set and non-empty */
	/* 0 or "" means "use the default", as the Go processor treats zero
	 * values of these keys. */
	ICP_CFG_F_ZERO_DEFAULT = 1u << 1,
	ICP_CFG_F_CASE_FOLD = 1u << 2, /* enum names match case-insensitively */
	/* The default depends on other keys or the host; config_validate.c
	 * resolves it (help text says how). Until then: NULL / -1. */
	ICP_CFG_F_DERIVED = 1u << 3,
	/* STRLIST: absent prints as null in check-config (absent and []
	 * mean different things, e.g. partition_by) */
	ICP_CFG_F_ABSENT_NULL = 1u << 4
};

typedef struct icp_cfg_table icp_cfg_table;

typedef struct icp_cfg_key {
	const char *path;        /* dotted, relative to the table's struct */
	icp_cfg_kind kind;
	size_t off;              /* offset of the field */
	size_t count_off;        /* LIST: offset of its size_t count */
	const char *def;         /* default as YAML text; NULL: none/derived */
	int64_t min, max;        /* INT bounds */
	const char *const *names;   /* ENUM names (NULL-terminated) */
	const icp_cfg_table *sub;   /* LIST element table */
	const char *env;         /* env variable that overrides the file */
	unsigned flags;          /* ICP_CFG_F_* */
	const char *help;
} icp_cfg_key;

struct icp_cfg_table {
	const char *name;        /* "" top level, "mappings", "columns" */
	const icp_cfg_key *keys;
	size_t n;
	size_t elem_size;        /* sizeof the struct the offsets refer to */
};

extern const icp_cfg_table icp_cfg_top_table;
extern const icp_cfg_table icp_cfg_mapping_table;
extern const icp_cfg_table icp_cfg_column_table;

const icp_cfg_key *icp_cfg_find(const icp_cfg_table *t, const char *path);
size_t icp_cfg_enum_count(const icp_cfg_key *k);

/* Field access by offset. */
#define ICP_CFG_FIELD(base, k, type) ((type *)(void *)((char *)(base) + (k)->off))

/* ------------------------------------------------------------ YAML tree */

enum { ICP_YN_SCALAR, ICP_YN_MAP, ICP_YN_SEQ };

typedef struct icp_ynode icp_ynode;
struct icp_ynode {
	int kind;
	int quoted;      /* scalar written quoted or as a block (not plain) */
	int is_null;     /* plain "", "~", "null", "Null", "NULL" */
	char *str;       /* scalar text, NUL-terminated */
	size_t len;
	/* MAP children alternate key, value; SEQ children are the items. */
	icp_ynode *first, *last, *next;
	size_t n;        /* MAP: pairs; SEQ: items */
	size_t line, col; /* 1-based position */
};

#define ICP_YAML_MAX_DEPTH 64
#define ICP_YAML_MAX_NODES 200000

/* Parses one YAML document into nodes allocated from a. *root is NULL for
 * an empty document. Errors: ICP_ERR_INVALID (syntax, anchors, aliases,
 * complex keys, several documents), ICP_ERR_TOO_LARGE (depth, nodes). */
int icp_yaml_parse(const char *text, size_t len, icp_arena *a,
                   icp_ynode **root, icp_error *err);

/* ------------------------------------------------------------ passes */

typedef struct icp_cfg_ctx {
	icp_config *cfg;
	const icp_config_opts *opts;
	icp_arena *arena;        /* = cfg->arena_ */
	icp_error *err;
} icp_cfg_ctx;

const char *icp_cfg_getenv(const icp_cfg_ctx *c, const char *name);
/* Cross-field rules and derived defaults, after the table pass. */
int icp_cfg_validate(icp_cfg_ctx *c);
/* mappings[i].timestamp_column, partition_by and sort_by against the
 * columns the table will have (config_layout.c); also sets
 * has_partition_by. Runs after the column checks. */
int icp_cfg_check_layout(icp_cfg_ctx *c, icp_config_mapping *m, size_t i);
/* "mappings[i]." style prefix helper: formats into buf, returns buf. */
char *icp_cfg_path(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
