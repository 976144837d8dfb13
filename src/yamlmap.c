#include "yamlmap.h"

#include <string.h>

int pp_yaml_line(const pp_yaml *y, const yaml_node_t *node)
{
	return (int)node->start_mark.line + 1 + y->line_offset;
}

int pp_yaml_column(const yaml_node_t *node) { return (int)node->start_mark.column + 1; }

int pp_yaml_load(pp_yaml *y, const char *path, const char *text, size_t len, int line_offset,
                 pp_diags *d)
{
	memset(y, 0, sizeof *y);
	y->path = path;
	y->line_offset = line_offset;
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		pp_error(d, path, 0, 0, "out of memory starting the YAML parser");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	if (!yaml_parser_load(&parser, &y->doc)) {
		yaml_mark_t mark = parser.problem_mark;
		pp_error(d, path, (int)mark.line + 1 + line_offset, (int)mark.column + 1,
		         "invalid YAML: %s%s%s", parser.problem ? parser.problem : "unknown problem",
		         parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return -1;
	}
	yaml_parser_delete(&parser);
	y->loaded = 1;
	return 0;
}

void pp_yaml_free(pp_yaml *y)
{
	if (y->loaded)
		yaml_document_delete(&y->doc);
	y->loaded = 0;
}

yaml_node_t *pp_yaml_root(pp_yaml *y) { return yaml_document_get_root_node(&y->doc); }

const char *pp_yaml_scalar(const yaml_node_t *node)
{
	return node && node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

const char *pp_yaml_expect_scalar(const pp_yaml *y, const char *key, const yaml_node_t *value,
                                  pp_diags *d)
{
	const char *text = pp_yaml_scalar(value);
	if (!text)
		pp_error(d, y->path, pp_yaml_line(y, value), pp_yaml_column(value),
		         "'%s' must be a single value, not a list or mapping", key);
	return text;
}

int pp_yaml_each_pair(const pp_yaml *y, yaml_node_t *map, void *ctx, pp_yaml_visitor visit,
                      pp_diags *d)
{
	int rc = 0;
	yaml_document_t *doc = (yaml_document_t *)&y->doc;
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = yaml_document_get_node(doc, pair->key);
		yaml_node_t *value = yaml_document_get_node(doc, pair->value);
		const char *name = pp_yaml_scalar(key);
		if (!name) {
			pp_error(d, y->path, pp_yaml_line(y, key), pp_yaml_column(key),
			         "keys must be plain names");
			rc = -1;
			continue;
		}
		int repeated = 0;
		for (yaml_node_pair_t *prev = map->data.mapping.pairs.start; prev < pair; prev++) {
			const char *prev_name = pp_yaml_scalar(yaml_document_get_node(doc, prev->key));
			if (prev_name && strcmp(prev_name, name) == 0)
				repeated = 1;
		}
		if (repeated) {
			pp_error(d, y->path, pp_yaml_line(y, key), pp_yaml_column(key),
			         "key '%s' is given twice", name);
			rc = -1;
			continue;
		}
		if (visit(ctx, y, name, key, value, d) != 0)
			rc = -1;
	}
	return rc;
}
