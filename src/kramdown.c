#include "kramdown.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "l10n.h"
#include "markdown.h"

typedef struct {
	cmark_node *node;
	size_t order;  /* lists for one node apply in document order */
	pp_attributes attrs;
} attached;

typedef struct {
	char *name;
	char *body;   /* the definition's inside: "#id .class" */
	size_t order; /* of two with one name, the later is used */
} definition;

struct pp_attribute_table {
	attached *items;   /* sorted by node once built, for bsearch */
	size_t count, capacity;
	definition *defs;
	size_t def_count, def_capacity;
};

/* References to definitions may nest; a cycle stops here. */
#define MAX_REFERENCE_DEPTH 8

void pp_attributes_clear(pp_attributes *a)
{
	free(a->id);
	free(a->lang);
	free(a->dir);
	*a = (pp_attributes){0};
}

/* Definitions are sorted by name (then by position, the last one wins),
 * so a document with many costs no scan per reference. */
static int compare_name_with(const char *name, size_t len, const char *other)
{
	int c = strncmp(name, other, len);
	return c ? c : -(other[len] != '\0');
}

static const definition *find_definition(const pp_attribute_table *t, const char *name, size_t len)
{
	size_t lo = 0, hi = t ? t->def_count : 0; /* the last definition of name */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (compare_name_with(name, len, t->defs[mid].name) >= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && compare_name_with(name, len, t->defs[lo - 1].name) == 0 ? &t->defs[lo - 1] : NULL;
}

static int is_name_char(char c) { return isalnum((unsigned char)c) || c == '_' || c == '-'; }

static int set_value(char **slot, const char *value, size_t len)
{
	char *copy = strndup(value, len);
	if (!copy)
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

/* The inside of a list: "#id .class key="value" key=value name". */
static int parse_inside(const char *p, const char *end, const pp_attribute_table *t, pp_attributes *out, int depth)
{
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end)
			break;
		if (*p == '#' || *p == '.') {
			char kind = *p++;
			const char *word = p;
			while (p < end && *p != ' ' && *p != '\t')
				p++;
			if (p == word)
				return -1;
			if (kind == '#' && set_value(&out->id, word, (size_t)(p - word)) != 0)
				return -1;
			if (kind == '.' && p - word == 6 && memcmp(word, "no_toc", 6) == 0)
				out->no_toc = 1;
			continue;
		}
		const char *name = p;
		while (p < end && is_name_char(*p))
			p++;
		if (p == name)
			return -1;
		size_t name_len = (size_t)(p - name);
		if (p < end && *p == '=') {
			p++;
			const char *value = p;
			size_t value_len;
			if (p < end && (*p == '"' || *p == '\'')) {
				char quote = *p++;
				value = p;
				while (p < end && *p != quote)
					p += *p == '\\' && p + 1 < end ? 2 : 1;
				if (p >= end)
					return -1;
				value_len = (size_t)(p - value);
				p++;
			} else {
				while (p < end && *p != ' ' && *p != '\t')
					p++;
				value_len = (size_t)(p - value);
			}
			char **slot = name_len == 2 && memcmp(name, "id", 2) == 0     ? &out->id
			              : name_len == 4 && memcmp(name, "lang", 4) == 0 ? &out->lang
			              : name_len == 3 && memcmp(name, "dir", 3) == 0  ? &out->dir
			                                                               : NULL;
			if (slot && set_value(slot, value, value_len) != 0)
				return -1;
			continue;
		}
		/* A name: the definition it refers to; "toc" needs none. */
		if (name_len == 3 && memcmp(name, "toc", 3) == 0)
			out->toc = 1;
		const definition *def = find_definition(t, name, name_len);
		if (def && depth < MAX_REFERENCE_DEPTH &&
		    parse_inside(def->body, def->body + strlen(def->body), t, out, depth + 1) != 0)
			return -1;
	}
	return 0;
}

/* "{: …}" trimmed: 1 with the inside, 0 when text is not one. A definition
 * "{:name: …}" is not a list. */
static int list_inside(const char *text, size_t len, const char **inside, const char **inside_end)
{
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	while (len > 0 && (*text == ' ' || *text == '\t'))
		text++, len--;
	if (len < 3 || text[0] != '{' || text[1] != ':' || text[len - 1] != '}')
		return 0;
	const char *p = text + 2, *end = text + len - 1;
	const char *q = p;
	while (q < end && is_name_char(*q))
		q++;
	if (q > p && q < end && *q == ':' && isalpha((unsigned char)*p))
		return 0; /* {:name: …} */
	if (memchr(p, '{', (size_t)(end - p)) || memchr(p, '}', (size_t)(end - p)))
		return 0;
	*inside = p;
	*inside_end = end;
	return 1;
}

int pp_lang_is_valid(const char *lang)
{
	int ok = isalpha((unsigned char)lang[0]) != 0 && strlen(lang) <= 35;
	for (const char *c = lang; ok && *c; c++)
		ok = isalnum((unsigned char)*c) || *c == '-';
	return ok;
}

int pp_dir_is_valid(const char *dir)
{
	return strcmp(dir, "ltr") == 0 || strcmp(dir, "rtl") == 0 || strcmp(dir, "auto") == 0;
}

/* An id links can use: a letter, then letters, digits, '-', '_', ':', '.'. */
int pp_id_is_valid(const char *id)
{
	if (!isalpha((unsigned char)id[0]))
		return 0;
	for (const char *c = id; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("-_:.", *c))
			return 0;
	return 1;
}

char *pp_heading_block_id(const char *text, size_t len, const pp_attribute_table *t)
{
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (len < 2 || text[0] != '{' || text[len - 1] != '}')
		return NULL;
	const char *p = text + 1 + (text[1] == ':'), *end = text + len - 1;
	pp_attributes a = {0};
	char *id = NULL;
	if (p <= end && !memchr(p, '{', (size_t)(end - p)) && !memchr(p, '}', (size_t)(end - p)) &&
	    parse_inside(p, end, t, &a, 0) == 0 && a.id && pp_id_is_valid(a.id)) {
		id = a.id;
		a.id = NULL;
	}
	pp_attributes_clear(&a);
	return id;
}

int pp_attributes_parse(const char *text, size_t len, const pp_attribute_table *t, pp_attributes *out)
{
	*out = (pp_attributes){0};
	const char *p, *end;
	if (!list_inside(text, len, &p, &end) || parse_inside(p, end, t, out, 0) != 0) {
		pp_attributes_clear(out);
		return -1;
	}
	return 0;
}

/* "{:name: …}": 1 with the name and the inside, else 0. */
static int definition_parts(const char *text, size_t len, char **name, char **body)
{
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (len < 5 || text[0] != '{' || text[1] != ':' || text[len - 1] != '}' || !isalpha((unsigned char)text[2]))
		return 0;
	const char *p = text + 2, *end = text + len - 1;
	while (p < end && is_name_char(*p))
		p++;
	if (p >= end || *p != ':')
		return 0;
	*name = strndup(text + 2, (size_t)(p - text - 2));
	*body = strndup(p + 1, (size_t)(end - p - 1));
	return 1;
}

static int is_end_of_block_marker(const char *text)
{
	while (*text == ' ' || *text == '\t')
		text++;
	if (*text != '^')
		return 0;
	for (text++; *text == ' ' || *text == '\t'; text++)
		;
	return *text == '\0';
}

/* ---- the tree ----------------------------------------------------------- */

typedef struct {
	pp_attribute_table *table;
	const char *source;
	size_t source_len;
	const char *path;
	int line_offset;
	pp_diags *d;
	int failed;
	cmark_node **doomed; /* nodes to free once the walk is over */
	size_t doomed_count, doomed_capacity;
	pp_text_lines lines; /* of the source, indexed once needed */
	size_t liquid_reported;
} pass;

static void doom(pass *ps, cmark_node *node)
{
	if (pp_grow(&ps->doomed, &ps->doomed_capacity, ps->doomed_count, sizeof *ps->doomed, 16) != 0) {
		ps->failed = 1;
		return;
	}
	ps->doomed[ps->doomed_count++] = node;
}

/* Where a paragraph's content stands on one of its lines (kramdown.h). */
const char *pp_kramdown_paragraph_line(cmark_node *paragraph, pp_text_lines *lines, int number, size_t *len)
{
	size_t whole;
	const char *line = pp_text_line(lines, number, &whole);
	if (!line)
		return NULL;
	size_t skip = 0;
	if (number == cmark_node_get_start_line(paragraph))
		skip = (size_t)cmark_node_get_start_column(paragraph) - 1;
	else
		while (skip < whole && (line[skip] == ' ' || line[skip] == '\t' || line[skip] == '>'))
			skip++; /* a continuation line's indent, or its quote's '>' */
	if (skip > whole)
		return NULL;
	*len = whole - skip;
	return line + skip;
}

/* The node that ends the line of inline nodes starting at first (its soft
 * break, or NULL), and whether the line is all text. */
static cmark_node *line_end(cmark_node *first, int *only_text)
{
	cmark_node *n = first;
	*only_text = 1;
	for (; n && cmark_node_get_type(n) != CMARK_NODE_SOFTBREAK; n = cmark_node_next(n))
		*only_text &= cmark_node_get_type(n) == CMARK_NODE_TEXT;
	return n;
}

/* The text of a line of inline nodes from first up to a soft break (or the
 * end), when it holds only text; *next is the node after it (the soft
 * break, or NULL). malloc'ed; NULL when the line holds other nodes. */
static char *line_text(cmark_node *first, cmark_node **next)
{
	int only_text;
	cmark_node *n = *next = line_end(first, &only_text);
	size_t len = 0;
	for (cmark_node *m = first; only_text && m != n; m = cmark_node_next(m))
		len += strlen(cmark_node_get_literal(m));
	char *text = only_text ? malloc(len + 1) : NULL;
	if (!text)
		return NULL;
	text[0] = '\0';
	for (cmark_node *m = first; m != n; m = cmark_node_next(m))
		strcat(text, cmark_node_get_literal(m));
	return text;
}

/* line_text for the paragraph passes, which care only for lines that may
 * be an attribute list, a definition or a marker: each starts, after
 * blanks, with '{' or '^'. Any other line is text (NULL) without being
 * put together: nearly every line of a policy. */
static char *marked_line_text(cmark_node *first, cmark_node **next)
{
	int only_text;
	cmark_node *end = *next = line_end(first, &only_text);
	for (cmark_node *m = first; only_text && m != end; m = cmark_node_next(m)) {
		const char *s = cmark_node_get_literal(m);
		s += strspn(s, " \t");
		if (*s)
			return *s == '{' || *s == '^' ? line_text(first, next) : NULL;
	}
	return NULL;
}

static int validate_and_store(pass *ps, cmark_node *target, pp_attributes *a, int line, int column)
{
	const char *where = ps->path;
	line += ps->line_offset;
	if (a->id) {
		if (!pp_id_is_valid(a->id)) {
			pp_warning(ps->d, where, line, column,
			           "id '%s' is dropped: an id starts with a letter and holds letters, digits, '-', '_', ':' "
			           "and '.'", a->id);
			free(a->id);
			a->id = NULL;
		}
	}
	if (a->lang) {
		if (!pp_lang_is_valid(a->lang)) {
			pp_warning(ps->d, where, line, column, "lang '%s' is dropped: it is not a language tag", a->lang);
			free(a->lang);
			a->lang = NULL;
		}
	}
	if (a->dir && !pp_dir_is_valid(a->dir)) {
		pp_warning(ps->d, where, line, column, "dir '%s' is dropped: it is ltr, rtl or auto", a->dir);
		free(a->dir);
		a->dir = NULL;
	}
	if (!a->id && !a->lang && !a->dir && !a->toc && !a->no_toc)
		return 0;
	pp_attribute_table *t = ps->table;
	if (pp_grow(&t->items, &t->capacity, t->count, sizeof *t->items, 16) != 0)
		return -1;
	t->items[t->count] = (attached){target, t->count, *a};
	t->count++;
	*a = (pp_attributes){0};
	return 0;
}

/* Reads the list text and gives its attributes to target (NULL: it
 * attaches to nothing, which is reported). */
static void attach(pass *ps, const char *text, cmark_node *target, int line, int column)
{
	pp_attributes a;
	if (pp_attributes_parse(text, strlen(text), ps->table, &a) != 0)
		return;
	if (!target)
		pp_warning(ps->d, ps->path, line + ps->line_offset, column,
		           "attribute list '%s' attaches to nothing: put it on the line right after its block, or "
		           "right before it, with no blank line between", text);
	else if (validate_and_store(ps, target, &a, line, column) != 0)
		ps->failed = 1;
	pp_attributes_clear(&a);
}

/* What a line is, as far as this pass goes. */
enum { LINE_TEXT, LINE_LIST, LINE_DEFINITION, LINE_MARKER };

static int line_kind(const char *text)
{
	if (!text)
		return LINE_TEXT;
	if (is_end_of_block_marker(text))
		return LINE_MARKER;
	const char *p, *end;
	if (list_inside(text, strlen(text), &p, &end))
		return LINE_LIST;
	char *name, *body;
	if (definition_parts(text, strlen(text), &name, &body)) {
		free(name);
		free(body);
		return LINE_DEFINITION;
	}
	return LINE_TEXT;
}

/* The source line (1-based, in the text parsed), or NULL. Line starts are
 * indexed on first use: a document with many lists reads no line twice. */
static const char *source_line(pass *ps, int line, size_t *len)
{
	return ps->source ? pp_text_line(&ps->lines, line, len) : NULL;
}

/* The block a list on a paragraph's last line belongs to: a lazy line (one
 * that does not carry its list item's indent or its quote's '>') ends the
 * list or quote it escapes, and kramdown gives the attributes to that. */
static cmark_node *last_line_target(pass *ps, cmark_node *paragraph)
{
	size_t len;
	const char *line = source_line(ps, cmark_node_get_end_line(paragraph), &len);
	if (!line)
		return paragraph;
	size_t indent = 0;
	while (indent < len && line[indent] == ' ')
		indent++;
	int quoted = indent < len && line[indent] == '>';
	cmark_node *target = paragraph;
	for (cmark_node *a = cmark_node_parent(paragraph); a; a = cmark_node_parent(a)) {
		cmark_node_type type = cmark_node_get_type(a);
		if (type == CMARK_NODE_ITEM) {
			cmark_node *first = cmark_node_first_child(a);
			int content_column = first ? cmark_node_get_start_column(first) : 1;
			if ((int)indent + 1 >= content_column || cmark_node_next(a))
				break;
			target = cmark_node_parent(a); /* the list */
			a = target;
		} else if (type == CMARK_NODE_BLOCK_QUOTE) {
			if (quoted)
				break;
			target = a;
		} else {
			break;
		}
	}
	return target;
}

/* A paragraph: lists on their own lines (the whole paragraph), on its last
 * line or on its first. */
static void one_paragraph_lists(pass *ps, cmark_node *paragraph)
{
	cmark_node *first = cmark_node_first_child(paragraph);
	int start_line = cmark_node_get_start_line(paragraph), column = cmark_node_get_start_column(paragraph);
	/* Every line a list, definition or marker: the paragraph is none. */
	int all = first != NULL, lines = 0;
	for (cmark_node *n = first; all && n;) {
		cmark_node *next;
		char *text = marked_line_text(n, &next);
		all = line_kind(text) != LINE_TEXT;
		free(text);
		lines++;
		n = next ? cmark_node_next(next) : NULL;
	}
	if (all) {
		cmark_node *before = cmark_node_previous(paragraph), *after = cmark_node_next(paragraph);
		int right_after = before && cmark_node_get_end_line(before) + 1 == start_line;
		int right_before = after && cmark_node_get_start_line(after) == cmark_node_get_end_line(paragraph) + 1;
		int line = start_line;
		for (cmark_node *n = first; n; line++) {
			cmark_node *next;
			char *text = marked_line_text(n, &next);
			if (text && line_kind(text) == LINE_LIST)
				attach(ps, text, right_after ? before : right_before ? after : NULL, line, column);
			free(text);
			n = next ? cmark_node_next(next) : NULL;
		}
		doom(ps, paragraph);
		return;
	}
	/* The last line. */
	cmark_node *last = cmark_node_last_child(paragraph), *line_start = last;
	while (line_start && cmark_node_previous(line_start) &&
	       cmark_node_get_type(cmark_node_previous(line_start)) != CMARK_NODE_SOFTBREAK)
		line_start = cmark_node_previous(line_start);
	cmark_node *brk = line_start ? cmark_node_previous(line_start) : NULL;
	if (brk) {
		cmark_node *next;
		char *text = marked_line_text(line_start, &next);
		int kind = line_kind(text);
		if (kind == LINE_LIST)
			attach(ps, text, last_line_target(ps, paragraph), cmark_node_get_end_line(paragraph), 1);
		if (kind != LINE_TEXT) {
			for (cmark_node *n = brk; n;) {
				cmark_node *following = cmark_node_next(n);
				cmark_node_unlink(n);
				doom(ps, n);
				n = following;
			}
		}
		free(text);
	}
	/* The first line: a list before the text it is for. */
	first = cmark_node_first_child(paragraph);
	cmark_node *next = NULL;
	char *text = first ? marked_line_text(first, &next) : NULL;
	if (text && next && line_kind(text) == LINE_LIST) {
		attach(ps, text, paragraph, start_line, column);
		cmark_node *stop = cmark_node_next(next);
		for (cmark_node *n = first; n != stop;) {
			cmark_node *following = cmark_node_next(n);
			cmark_node_unlink(n);
			doom(ps, n);
			n = following;
		}
	}
	free(text);
}

/* The outermost list item or quote that a paragraph's line escapes: a line
 * without its item's indent or its quote's '>' is a lazy continuation to
 * GFM, but kramdown's end-of-block marker there ends every block it does
 * not carry the marks of. NULL when it escapes none. */
static cmark_node *escaped_container(pass *ps, cmark_node *paragraph, int line_number)
{
	size_t len;
	const char *line = source_line(ps, line_number, &len);
	if (!line)
		return NULL;
	size_t indent = 0;
	while (indent < len && line[indent] == ' ')
		indent++;
	int quoted = indent < len && line[indent] == '>';
	cmark_node *escaped = NULL;
	for (cmark_node *a = cmark_node_parent(paragraph); a; a = cmark_node_parent(a)) {
		cmark_node_type type = cmark_node_get_type(a);
		if (type == CMARK_NODE_ITEM) {
			cmark_node *first = cmark_node_first_child(a);
			int content_column = first ? cmark_node_get_start_column(first) : 1;
			if ((int)indent + 1 >= content_column)
				break;
			escaped = a;
		} else if (type == CMARK_NODE_BLOCK_QUOTE) {
			if (quoted)
				break;
			escaped = a;
		} else if (type != CMARK_NODE_LIST) {
			break;
		}
	}
	/* An item's list ends with it. */
	if (escaped && cmark_node_get_type(escaped) == CMARK_NODE_ITEM)
		escaped = cmark_node_parent(escaped);
	return escaped;
}

/* A container like c, empty: a list keeps its kind, delimiter and
 * tightness, and numbers on from its first item, the one at index first. */
static cmark_node *empty_like(cmark_node *c, int first)
{
	cmark_node *copy = cmark_node_new(cmark_node_get_type(c));
	if (copy && cmark_node_get_type(c) == CMARK_NODE_LIST) {
		cmark_node_set_list_type(copy, cmark_node_get_list_type(c));
		cmark_node_set_list_delim(copy, cmark_node_get_list_delim(c));
		cmark_node_set_list_tight(copy, cmark_node_get_list_tight(c));
		cmark_node_set_list_start(copy, cmark_node_get_list_start(c) + first);
	}
	return copy;
}

/* Ends every block from node's parent up to top, as kramdown's marker
 * does: what follows node in each goes into a copy of that block, the
 * copies nested as the originals were, after top. Iterative. */
static void end_blocks_after(pass *ps, cmark_node *node, cmark_node *top)
{
	cmark_node *rest = NULL; /* the copy of the level below, holding what followed */
	for (cmark_node *at = node; at != top;) {
		cmark_node *parent = cmark_node_parent(at);
		int index = 0;
		for (cmark_node *n = cmark_node_first_child(parent); n && n != at; n = cmark_node_next(n))
			index++;
		cmark_node *tail = cmark_node_next(at);
		if (rest || tail) {
			cmark_node *copy = empty_like(parent, index + 1);
			if (!copy) {
				ps->failed = 1;
				cmark_node_free(rest);
				return;
			}
			if (rest)
				cmark_node_append_child(copy, rest);
			while (tail) {
				cmark_node *next = cmark_node_next(tail);
				cmark_node_append_child(copy, tail); /* unlinks it from parent */
				tail = next;
			}
			rest = copy;
		}
		at = parent;
	}
	if (rest)
		cmark_node_insert_after(top, rest);
}

/* Splits a paragraph at its first end-of-block marker line between text
 * ("Text\n^\nMore", "- item\n^"): the lines before stay, the marker goes,
 * the lines after become the paragraph returned (NULL when none), placed
 * right after it, or after the list or quote the marker escapes, which it
 * ends. A paragraph with no text line is left to one_paragraph_lists. */
static cmark_node *split_at_marker(pass *ps, cmark_node *paragraph)
{
	int has_text = 0, marker_line = 0, line = cmark_node_get_start_line(paragraph);
	cmark_node *marker = NULL, *marker_end = NULL;
	for (cmark_node *n = cmark_node_first_child(paragraph); n; line++) {
		cmark_node *next;
		char *text = marked_line_text(n, &next);
		int kind = line_kind(text);
		free(text);
		if (kind == LINE_TEXT)
			has_text = 1;
		if (kind == LINE_MARKER && !marker) {
			marker = n;
			marker_end = next;
			marker_line = line;
		}
		n = next ? cmark_node_next(next) : NULL;
	}
	if (!has_text || !marker)
		return NULL;
	/* The lines after move to a paragraph of their own: their text must
	 * not live in this one's buffer, which may go. */
	if (pp_markdown_own_text(paragraph) != 0) {
		ps->failed = 1;
		return NULL;
	}
	cmark_node *before_break = cmark_node_previous(marker); /* the soft break ending the line before */
	cmark_node *after = marker_end ? cmark_node_next(marker_end) : NULL;
	cmark_node *rest = NULL;
	if (after) {
		rest = cmark_node_new(CMARK_NODE_PARAGRAPH);
		if (!rest) {
			ps->failed = 1;
			return NULL;
		}
		while (after) {
			cmark_node *next = cmark_node_next(after);
			cmark_node_append_child(rest, after);
			after = next;
		}
	}
	/* Unlinked now, freed with the pass's other nodes: the walk's snapshot
	 * still names them. */
	for (cmark_node *n = before_break ? before_break : marker; n;) {
		cmark_node *next = cmark_node_next(n);
		cmark_node_unlink(n);
		doom(ps, n);
		n = next;
	}
	cmark_node *top = escaped_container(ps, paragraph, marker_line);
	cmark_node *place = top ? top : paragraph;
	if (top)
		end_blocks_after(ps, paragraph, top);
	if (rest)
		cmark_node_insert_after(place, rest);
	/* Two paragraphs in one item: a tight list would run them together. */
	cmark_node *holder = cmark_node_parent(rest ? rest : paragraph);
	if (rest && holder && cmark_node_get_type(holder) == CMARK_NODE_ITEM)
		cmark_node_set_list_tight(cmark_node_parent(holder), 0);
	if (!cmark_node_first_child(paragraph))
		doom(ps, paragraph);
	return rest;
}

/* A paragraph and what its end-of-block markers split from it. */
static void paragraph_lists(pass *ps, cmark_node *paragraph)
{
	while (paragraph && !ps->failed) {
		cmark_node *rest = split_at_marker(ps, paragraph);
		if (cmark_node_first_child(paragraph))
			one_paragraph_lists(ps, paragraph);
		paragraph = rest;
	}
}

/* A list right after a table is read by GFM as a last row whose first cell
 * is the list and the others empty. */
static void table_list(pass *ps, cmark_node *table)
{
	cmark_node *row = cmark_node_last_child(table);
	if (!row || strcmp(cmark_node_get_type_string(row), "table_row") != 0)
		return;
	cmark_node *cell = cmark_node_first_child(row);
	cmark_node *text_node = cell ? cmark_node_first_child(cell) : NULL;
	cmark_node *next;
	char *text = text_node ? line_text(text_node, &next) : NULL;
	int empty_rest = text && !next;
	for (cmark_node *c = cell ? cmark_node_next(cell) : NULL; empty_rest && c; c = cmark_node_next(c))
		empty_rest = cmark_node_first_child(c) == NULL;
	if (empty_rest && line_kind(text) == LINE_LIST) {
		attach(ps, text, table, cmark_node_get_end_line(table), 1);
		cmark_node_unlink(row);
		doom(ps, row);
	}
	free(text);
}

static int is_span_element(cmark_node *n)
{
	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_EMPH:
	case CMARK_NODE_STRONG:
	case CMARK_NODE_LINK:
	case CMARK_NODE_IMAGE:
	case CMARK_NODE_CODE:
		return 1;
	default:
		return strcmp(cmark_node_get_type_string(n), "strikethrough") == 0;
	}
}

/* "*text*{: .x}": a text right after a span element that starts with a
 * list. */
static void span_list(pass *ps, cmark_node *text_node)
{
	cmark_node *element = cmark_node_previous(text_node);
	const char *literal = cmark_node_get_literal(text_node);
	if (!element || !is_span_element(element) || !literal || literal[0] != '{' || literal[1] != ':')
		return;
	const char *close = strchr(literal, '}');
	if (!close)
		return;
	size_t n = (size_t)(close - literal + 1);
	char *list = strndup(literal, n);
	pp_attributes a;
	if (list && pp_attributes_parse(list, n, ps->table, &a) == 0) {
		int line = cmark_node_get_start_line(cmark_node_parent(text_node));
		if (validate_and_store(ps, element, &a, line, 1) != 0)
			ps->failed = 1;
		pp_attributes_clear(&a);
		char *rest = strdup(close + 1);
		if (!rest || !cmark_node_set_literal(text_node, rest))
			ps->failed = 1;
		free(rest);
	}
	free(list);
}

#define MAX_LIQUID_TAG 4096
#define MAX_LIQUID_REPORTS 100

/* Liquid tags in the text ("{% include x %}", "{{ site.name }}"): Jekyll
 * ran them; here they would show as text, so they are reported where they
 * stand (a code span may hold them on purpose). */
static void report_liquid(pass *ps, cmark_node *root)
{
	cmark_iter *iter = cmark_iter_new(root);
	cmark_event_type ev;
	while (iter && (ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(iter);
		if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(node) != CMARK_NODE_TEXT)
			continue;
		const char *text = cmark_node_get_literal(node);
		/* A tag is short: its end is looked for a little way on, so a text
		 * of a million "{%" costs no more than its length. */
		for (const char *p = text; p && (p = strchr(p, '{')) != NULL; p++) {
			if (p[1] != '%' && p[1] != '{')
				continue;
			if (ps->liquid_reported == MAX_LIQUID_REPORTS) {
				pp_warning(ps->d, ps->path, cmark_node_get_start_line(node) + ps->line_offset, 0,
				           "more Liquid tags are shown as text; only the first %d are reported", MAX_LIQUID_REPORTS);
				ps->liquid_reported++;
			}
			if (ps->liquid_reported > MAX_LIQUID_REPORTS)
				break;
			ps->liquid_reported++;
			size_t room = strnlen(p + 2, MAX_LIQUID_TAG);
			const char *end = memmem(p + 2, room, p[1] == '%' ? "%}" : "}}", 2);
			int line = cmark_node_get_start_line(node) + ps->line_offset;
			int column = cmark_node_get_start_column(node) + (int)(p - text);
			if (end) {
				size_t n = (size_t)(end + 2 - p);
				pp_warning(ps->d, ps->path, line, column,
				           "Liquid tag '%.*s' is shown as text: policypress does not run Liquid (write what it "
				           "stood for, or put it in a code span)", (int)pp_utf8_fit(p, n, 60), p);
				p = end + 1;
			} else {
				pp_warning(ps->d, ps->path, line, column,
				           "unclosed Liquid tag '%.2s' is shown as text: policypress does not run Liquid", p);
			}
		}
	}
	cmark_iter_free(iter);
}

static int compare_attached(const void *a, const void *b)
{
	const attached *p = a, *q = b;
	uintptr_t x = (uintptr_t)p->node, y = (uintptr_t)q->node;
	if (x != y)
		return x < y ? -1 : 1;
	return p->order < q->order ? -1 : p->order > q->order;
}

static int compare_node(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const attached *)a)->node, y = (uintptr_t)((const attached *)b)->node;
	return x < y ? -1 : x > y;
}

static int compare_definition(const void *a, const void *b)
{
	const definition *p = a, *q = b;
	int c = strcmp(p->name, q->name);
	return c ? c : (p->order < q->order ? -1 : p->order > q->order);
}

/* Several lists for one element add up, a later value replacing an earlier
 * one: sorted by element, then merged into one entry each. */
static void merge_attached(pp_attribute_table *t)
{
	if (t->count == 0)
		return;
	qsort(t->items, t->count, sizeof *t->items, compare_attached);
	size_t w = 0;
	for (size_t i = 0; i < t->count; i++) {
		if (w > 0 && t->items[w - 1].node == t->items[i].node) {
			pp_attributes *into = &t->items[w - 1].attrs, *from = &t->items[i].attrs;
			if (from->id)
				free(into->id), into->id = from->id, from->id = NULL;
			if (from->lang)
				free(into->lang), into->lang = from->lang, from->lang = NULL;
			if (from->dir)
				free(into->dir), into->dir = from->dir, from->dir = NULL;
			into->toc |= from->toc;
			into->no_toc |= from->no_toc;
			pp_attributes_clear(from);
		} else {
			t->items[w++] = t->items[i];
		}
	}
	t->count = w;
}

/* Definitions first (a list may use one defined further down), then the
 * lists, walking a snapshot of the paragraphs, tables and texts so the tree
 * may change under the walk's feet. */
pp_attribute_table *pp_kramdown_attach(cmark_node *root, const char *source, size_t source_len, const char *path,
                                       int line_offset, pp_diags *d)
{
	if (pp_kramdown_extensions(root, path, line_offset, d) != 0)
		return NULL;
	pp_attribute_table *t = calloc(1, sizeof *t);
	pass ps = {.table = t, .source = source, .source_len = source_len, .path = path, .line_offset = line_offset,
	           .d = d, .failed = t == NULL, .lines = {source, source_len, NULL, 0, 0}};
	cmark_node **nodes = NULL;
	size_t count = 0, capacity = 0;
	cmark_iter *iter = t ? cmark_iter_new(root) : NULL;
	cmark_event_type ev;
	while (iter && !ps.failed && (ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(iter);
		if (ev != CMARK_EVENT_ENTER)
			continue;
		cmark_node_type type = cmark_node_get_type(node);
		int wanted = type == CMARK_NODE_PARAGRAPH || strcmp(cmark_node_get_type_string(node), "table") == 0 ||
		             (type == CMARK_NODE_TEXT && cmark_node_previous(node));
		if (!wanted)
			continue;
		if (pp_grow(&nodes, &capacity, count, sizeof *nodes, 64) != 0) {
			ps.failed = 1;
			break;
		}
		nodes[count++] = node;
		if (type != CMARK_NODE_PARAGRAPH)
			continue;
		/* Definitions: paragraphs whose lines define. */
		cmark_node *next;
		for (cmark_node *n = cmark_node_first_child(node); n; n = next ? cmark_node_next(next) : NULL) {
			/* A definition line starts "{:": any other line of text is
			 * passed without being put together. */
			const char *lead = cmark_node_get_type(n) == CMARK_NODE_TEXT ? cmark_node_get_literal(n) : NULL;
			if (lead && lead[0] && lead[0] != '{') {
				int only_text;
				next = line_end(n, &only_text);
				if (!only_text)
					break; /* as a line that is not all text ends the look below */
				continue;
			}
			char *text = line_text(n, &next);
			char *name, *body;
			if (text && definition_parts(text, strlen(text), &name, &body)) {
				if (!name || !body || pp_grow(&t->defs, &t->def_capacity, t->def_count, sizeof *t->defs, 8) != 0) {
					free(name);
					free(body);
					ps.failed = 1;
				} else {
					t->defs[t->def_count] = (definition){name, body, t->def_count};
					t->def_count++;
				}
			}
			free(text);
			if (!text)
				break;
		}
	}
	cmark_iter_free(iter);
	if (t && t->def_count)
		qsort(t->defs, t->def_count, sizeof *t->defs, compare_definition);
	/* Spans first: they only change texts. Then blocks, innermost first
	 * (the snapshot is in document order; a paragraph never holds a
	 * paragraph or table, so the order among blocks does not matter). */
	for (size_t i = 0; !ps.failed && i < count; i++)
		if (cmark_node_get_type(nodes[i]) == CMARK_NODE_TEXT)
			span_list(&ps, nodes[i]);
	for (size_t i = 0; !ps.failed && i < count; i++) {
		if (cmark_node_get_type(nodes[i]) == CMARK_NODE_PARAGRAPH)
			paragraph_lists(&ps, nodes[i]);
		else if (cmark_node_get_type(nodes[i]) != CMARK_NODE_TEXT)
			table_list(&ps, nodes[i]);
	}
	free(nodes);
	/* A block that goes keeps nothing: drop what was given to it (sorted,
	 * the table is searched, not scanned, per node that goes). */
	if (t)
		merge_attached(t);
	for (size_t i = 0; i < ps.doomed_count; i++) {
		attached key = {.node = ps.doomed[i], .order = 0};
		attached *found = t && t->count ? bsearch(&key, t->items, t->count, sizeof *t->items, compare_node) : NULL;
		if (found)
			pp_attributes_clear(&found->attrs); /* an entry with nothing: no attributes */
		cmark_node_free(ps.doomed[i]);
	}
	free(ps.doomed);
	pp_text_lines_free(&ps.lines);
	if (!ps.failed)
		report_liquid(&ps, root);
	if (!ps.failed && pp_kramdown_definition_lists(root) != 0)
		ps.failed = 1;
	if (ps.failed) {
		pp_error(d, path, 0, 0, "out of memory reading attribute lists");
		pp_attribute_table_free(t);
		return NULL;
	}
	return t;
}

const char *pp_kramdown_trailing_block(const char *text)
{
	size_t n = strlen(text);
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
		n--;
	if (n == 0 || text[n - 1] != '}')
		return NULL;
	const char *open = NULL;
	for (size_t i = n; i-- > 0;)
		if (text[i] == '{') {
			open = text + i;
			break;
		}
	/* Only a block that follows a space, or the whole text, is an attribute block. */
	if (!open || (open > text && open[-1] != ' ' && open[-1] != '\t'))
		return NULL;
	return open;
}

const pp_attributes *pp_attributes_of(const pp_attribute_table *t, cmark_node *node)
{
	if (!t || !t->count)
		return NULL;
	attached key = {.node = node};
	const attached *found = bsearch(&key, t->items, t->count, sizeof *t->items, compare_node);
	const pp_attributes *a = found ? &found->attrs : NULL;
	return a && (a->id || a->lang || a->dir || a->toc || a->no_toc) ? a : NULL;
}

void pp_attribute_table_free(pp_attribute_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->count; i++)
		pp_attributes_clear(&t->items[i].attrs);
	free(t->items);
	for (size_t i = 0; i < t->def_count; i++) {
		free(t->defs[i].name);
		free(t->defs[i].body);
	}
	free(t->defs);
	free(t);
}
