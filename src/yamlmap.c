#include "yamlmap.h"

#include <string.h>

#include <libxml/hash.h>

#include "l10n.h"

int pp_yaml_line(const pp_yaml *y, const yaml_node_t *node)
{
	return (int)node->start_mark.line + 1 + y->line_offset;
}

int pp_yaml_column(const yaml_node_t *node) { return (int)node->start_mark.column + 1; }

/* Where flow collections ([ ], { }) first nest deeper than PP_YAML_MAX_DEPTH,
 * outside quotes and comments; 0 when they never do. libyaml takes time
 * quadratic in that depth, so deep nesting is refused before it parses. A
 * bracket inside a block scalar or a plain word counts too: the limit is far
 * above what settings need. */
static int too_deep(const char *text, size_t len, int *line, int *column)
{
	int depth = 0, ln = 1, col = 0;
	char quote = 0;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		col += ((unsigned char)c & 0xC0) != 0x80;
		if (c == '\n') {
			ln++;
			col = 0;
			if (quote == 0)
				continue;
		}
		if (quote) {
			if (quote == '"' && c == '\\' && i + 1 < len)
				i++;
			else if (c == quote)
				quote = 0;
		} else if (c == '"' || c == '\'') {
			quote = c;
		} else if (c == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '\n')) {
			while (i + 1 < len && text[i + 1] != '\n')
				i++;
		} else if (c == '[' || c == '{') {
			if (++depth > PP_YAML_MAX_DEPTH) {
				*line = ln;
				*column = col;
				return 1;
			}
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

int pp_yaml_load(pp_yaml *y, const char *path, const char *text, size_t len, int line_offset,
                 pp_diags *d)
{
	memset(y, 0, sizeof *y);
	int deep_line, deep_column;
	if (too_deep(text, len, &deep_line, &deep_column)) {
		pp_error(d, path, deep_line + line_offset, deep_column, "YAML nests deeper than %d levels",
		         PP_YAML_MAX_DEPTH);
		return -1;
	}
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
	int line = pp_yaml_line(y, value), column = pp_yaml_column(value);
	if (!text) {
		pp_error(d, y->path, line, column, "'%s' must be a single value, not a list or mapping", key);
		return NULL;
	}
	/* An escape ("\f", "\0") can put in a value what the file itself may not
	 * hold; a NUL would also cut the value short without a word. */
	int at_line, at_column;
	size_t offset;
	int32_t found = pp_text_find_forbidden(text, value->data.scalar.length, &at_line, &at_column, &offset);
	if (found != -2) {
		char what[96];
		pp_describe_forbidden(found, text, offset, what, sizeof what);
		pp_error(d, y->path, line, column, "'%s': %s", key, what);
		return NULL;
	}
	/* YAML reads these plain words as null or a boolean, not as text. */
	static const char *const not_text[] = {"~", "null", "Null", "NULL", "true", "True",
	                                       "TRUE", "false", "False", "FALSE"};
	if (value->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		for (size_t i = 0; i < sizeof not_text / sizeof *not_text; i++)
			if (strcmp(text, not_text[i]) == 0) {
				pp_error(d, y->path, line, column,
				         "'%s' is %s, not text; quote it (\"%s\") if that is the text", key,
				         i < 4 ? "null" : "a boolean", text);
				return NULL;
			}
	return text;
}

int pp_yaml_expect_bool(const pp_yaml *y, const char *key, const yaml_node_t *value, int *out,
                        pp_diags *d)
{
	const char *text = pp_yaml_scalar(value);
	static const char *const truths[] = {"true", "True", "TRUE"}, *const lies[] = {"false", "False", "FALSE"};
	for (size_t i = 0; text && value->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && i < 3; i++)
		if (strcmp(text, truths[i]) == 0 || strcmp(text, lies[i]) == 0) {
			*out = strcmp(text, truths[i]) == 0;
			return 0;
		}
	pp_error(d, y->path, pp_yaml_line(y, value), pp_yaml_column(value), "'%s' must be true or false, not '%s'",
	         key, text ? text : "a list or mapping");
	return -1;
}

int pp_yaml_each_pair(const pp_yaml *y, yaml_node_t *map, void *ctx, pp_yaml_visitor visit,
                      pp_diags *d)
{
	int rc = 0;
	yaml_document_t *doc = (yaml_document_t *)&y->doc;
	/* Keys seen so far, found in constant time: a mapping may hold many. */
	xmlHashTablePtr seen = xmlHashCreate(16);
	if (!seen) {
		pp_error(d, y->path, 0, 0, "out of memory reading YAML");
		return -1;
	}
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
		if (xmlHashLookup(seen, BAD_CAST name)) {
			pp_error(d, y->path, pp_yaml_line(y, key), pp_yaml_column(key),
			         "key '%s' is given twice", name);
			rc = -1;
			continue;
		}
		if (xmlHashAddEntry(seen, BAD_CAST name, key) != 0) {
			pp_error(d, y->path, pp_yaml_line(y, key), pp_yaml_column(key), "out of memory reading YAML");
			rc = -1;
			break;
		}
		if (visit(ctx, y, name, key, value, d) != 0)
			rc = -1;
	}
	xmlHashFree(seen, NULL);
	return rc;
}
