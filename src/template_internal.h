/* What the theme's modules share: the theme, its message catalogs and the
 * page variables, seen from inside (template.h is the public side).
 *
 * template.c loads a theme and writes pages from its templates;
 * template_vars.c keeps a page's variables; template_messages.c loads the
 * message catalogs, finds messages and formats them with ICU. Not for use
 * outside these three.
 */
#ifndef PP_TEMPLATE_INTERNAL_H
#define PP_TEMPLATE_INTERNAL_H

#include <stdint.h>

#include "template.h"

#define VAR_NAME_INLINE 24

typedef struct {
	/* A page sets dozens of variables, nearly all with short names: those
	 * are kept here, not allocated; a longer one in long_name. */
	char name[VAR_NAME_INLINE];
	char *long_name;
	uint32_t name_hash;  /* compared before the names: pages look up thousands */
	char *text;          /* text value, or NULL */
	xmlNodePtr nodes;    /* container whose children are the value, or NULL */
	int borrowed;        /* nodes belong to the caller: never freed here */
	pp_vars **items;     /* list value */
	size_t item_count, item_capacity;
	int is_list;
	int is_page;         /* the layout's page: the page template, written in place */
} var;

struct pp_vars {
	pp_vars *parent;
	var *vars;
	size_t count, capacity;
	/* Past a few variables, an open-addressed index by name hash (entries
	 * are positions in vars plus one; 0 is empty): a page sets and reads
	 * dozens. */
	uint32_t *slots;
	size_t slot_count;
};

typedef struct {
	char *name; /* file name without .html */
	char *path;
	xmlDocPtr doc;
} template_file;

typedef struct {
	char *key;
	char *text;
} message;

typedef struct {
	char *locale;
	message *messages;
	size_t count;
	/* Open addressing by key hash, a power of two at least twice count;
	 * of equal keys the first written (every page asks for dozens). */
	const message **slots;
	size_t slot_mask;
} catalog;

struct pp_theme {
	char *dir;
	char *real_dir; /* dir resolved: what the theme's files must lie in */
	char **page_ids; /* static id attributes of the templates, sorted, once each */
	size_t page_id_count;
	char *default_locale;
	template_file *templates;
	size_t template_count;
	catalog *catalogs;
	size_t catalog_count;
	char **assets;
	size_t asset_count;
};

/* FNV-1a of a variable name: names in templates are hashed once, at load. */
uint32_t pp_vars_name_hash(const char *name);
/* The variable name (of hash pp_vars_name_hash(name)) in vars or the scopes
 * around it; NULL when none has it. */
var *pp_vars_lookup(pp_vars *vars, const char *name, uint32_t hash);
/* The variable name in vars itself, created empty if missing; NULL when out
 * of memory. */
var *pp_vars_own(pp_vars *vars, const char *name);
/* Whether v counts as set for data-if: a non-empty text, list or node set. */
int pp_var_is_set(const var *v);

/* A theme file that resolves outside the theme's directory is refused, with
 * an error: -1. */
int pp_theme_refuse_outside(const pp_theme *theme, const char *path, pp_diags *d);
/* Loads messages/<locale>.yaml into theme->catalogs; -1 after reporting. */
int pp_theme_load_catalogs(pp_theme *theme, pp_diags *d);
void pp_theme_free_catalogs(pp_theme *theme);

#endif
