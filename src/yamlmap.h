/* YAML mappings with positions: the shared reader for front matter, site
 * settings and theme message catalogs, built on libyaml's document API.
 *
 * A pp_yaml owns the parsed document; release it with pp_yaml_free. Messages
 * carry the position in the original file: line_offset is added to the
 * document's own line numbers, for YAML cut out of a larger file.
 */
#ifndef PP_YAMLMAP_H
#define PP_YAMLMAP_H

#include <stddef.h>

#include <yaml.h>

#include "diag.h"

typedef struct {
	yaml_document_t doc;
	int loaded;
	const char *path;
	int line_offset;
} pp_yaml;

/* Flow collections nesting deeper than this are refused before parsing. */
#define PP_YAML_MAX_DEPTH 64

int pp_yaml_load(pp_yaml *y, const char *path, const char *text, size_t len, int line_offset,
                 pp_diags *d);
void pp_yaml_free(pp_yaml *y);

yaml_node_t *pp_yaml_root(pp_yaml *y);
int pp_yaml_line(const pp_yaml *y, const yaml_node_t *node);
int pp_yaml_column(const yaml_node_t *node);

/* The text of a scalar node; NULL for lists and mappings. */
const char *pp_yaml_scalar(const yaml_node_t *node);

/* The text of a scalar value, or NULL after an error naming key: a list or
 * mapping, a character XML and HTML cannot hold (written as an escape), or a
 * plain ~, null, true or false, which YAML does not read as text. */
const char *pp_yaml_expect_scalar(const pp_yaml *y, const char *key, const yaml_node_t *value,
                                  pp_diags *d);

/* A boolean value: a plain true or false (any case YAML's core schema
 * allows). 0 with *out set, or -1 after an error naming key. */
int pp_yaml_expect_bool(const pp_yaml *y, const char *key, const yaml_node_t *value, int *out,
                        pp_diags *d);

/* Calls visit for each pair of a mapping after checking that the key is a
 * scalar given once. Returns -1 if any pair was refused, 0 otherwise. */
typedef int (*pp_yaml_visitor)(void *ctx, const pp_yaml *y, const char *key,
                               yaml_node_t *key_node, yaml_node_t *value, pp_diags *d);
int pp_yaml_each_pair(const pp_yaml *y, yaml_node_t *map, void *ctx, pp_yaml_visitor visit,
                      pp_diags *d);

#endif
