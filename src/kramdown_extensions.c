/* kramdown's extensions in a parsed cmark-gfm tree: see kramdown.h. */
#include "kramdown.h"

#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

typedef enum { EXT_COMMENT, EXT_NOMARKDOWN, EXT_OPTIONS, EXT_UNKNOWN } ext_kind;

static const char *const ext_names[] = {"comment", "nomarkdown", "options"};

/* A tag found in a run of text: "{::name attrs}", "{::name attrs /}",
 * "{:/name}" or "{:/}". */
typedef struct {
	size_t start, end; /* bytes of the run it spans */
	ext_kind kind;
	int closing, self_closing;
} ext_tag;

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* The next tag in text from `from`, or 0. A tag never holds a line break,
 * nor a '}' before its end (attribute values in quotes may hold one in
 * kramdown; a policy's comment tag has none). */
static int next_tag(const char *text, size_t len, size_t from, ext_tag *out)
{
	for (const char *p = memchr(text + from, '{', len - from); p; p = memchr(p + 1, '{', (size_t)(text + len - p - 1))) {
		size_t at = (size_t)(p - text);
		if (at + 3 > len || p[1] != ':' || (p[2] != ':' && p[2] != '/'))
			continue;
		int closing = p[2] == '/';
		size_t name = at + 3, name_end = name;
		while (name_end < len && is_name_char(text[name_end]))
			name_end++;
		if (!closing && name_end == name)
			continue;
		const char *close = memchr(text + name_end, '}', len - name_end);
		const char *newline = memchr(text + name_end, '\n', len - name_end);
		if (!close || (newline && newline < close))
			continue;
		/* After the name: nothing (closing), or attributes and "/" (opening). */
		if (closing && (size_t)(close - text) != name_end)
			continue;
		if (!closing && name_end < len && text[name_end] != '}' && text[name_end] != ' ' && text[name_end] != '/')
			continue;
		ext_kind kind = EXT_UNKNOWN;
		for (int k = 0; k < 3; k++)
			if (name_end - name == strlen(ext_names[k]) && memcmp(text + name, ext_names[k], name_end - name) == 0)
				kind = (ext_kind)k;
		if (closing && name_end == name)
			kind = EXT_UNKNOWN; /* "{:/}": closes whatever is open */
		else if (kind == EXT_UNKNOWN)
			continue; /* an extension kramdown has not: text */
		const char *before_close = close;
		while (before_close > text + name_end && before_close[-1] == ' ')
			before_close--;
		*out = (ext_tag){at, (size_t)(close - text) + 1, kind, closing,
		                 !closing && before_close > text + name_end && before_close[-1] == '/'};
		return 1;
	}
	return 0;
}

typedef struct {
	const char *path;
	int line_offset;
	pp_diags *d;
	int failed;
	ext_kind open;  /* EXT_UNKNOWN when none is open */
	int open_line, open_column;
	int removed;    /* something was taken out */
	cmark_node **doomed;
	size_t doomed_count, doomed_capacity;
	char *run;      /* the current run of texts, joined */
	size_t run_capacity;
} ext_pass;

static void doom(ext_pass *ps, cmark_node *node)
{
	if (pp_grow(&ps->doomed, &ps->doomed_capacity, ps->doomed_count, sizeof *ps->doomed, 16) != 0)
		ps->failed = 1;
	else
		ps->doomed[ps->doomed_count++] = node;
}

/* Appends text[from, to) to kept (whose length is *kept_len). */
static void keep(char *kept, size_t *kept_len, const char *text, size_t from, size_t to)
{
	memcpy(kept + *kept_len, text + from, to - from);
	*kept_len += to - from;
}

/* Reads the run of adjacent text nodes that starts with first (cmark splits
 * text where an extension might start, so a tag may span nodes), or the
 * raw HTML node first alone: takes out tags, and everything between a
 * comment's tags; the run's kept text goes into its first node and the
 * others go. Returns the node after it. */
static cmark_node *read_run(ext_pass *ps, cmark_node *first)
{
	size_t len = 0;
	cmark_node *after = first;
	int html = cmark_node_get_type(first) != CMARK_NODE_TEXT;
	int brace = 0;
	if (html) {
		const char *lit = cmark_node_get_literal(first) ? cmark_node_get_literal(first) : "";
		len = strlen(lit);
		brace = memchr(lit, '{', len) != NULL;
		after = cmark_node_next(first);
	}
	for (; !html && after && cmark_node_get_type(after) == CMARK_NODE_TEXT; after = cmark_node_next(after)) {
		const char *lit = cmark_node_get_literal(after);
		size_t n = strlen(lit);
		brace |= memchr(lit, '{', n) != NULL;
		len += n;
	}
	if (ps->open == EXT_UNKNOWN && !brace)
		return after; /* the usual case: plain text, left as it is, not even copied */
	if (len + 1 > ps->run_capacity) {
		char *grown = realloc(ps->run, 2 * (len + 1));
		if (!grown) {
			ps->failed = 1;
			return after;
		}
		ps->run = grown;
		ps->run_capacity = 2 * (len + 1);
	}
	size_t at = 0;
	for (cmark_node *n = first; n != after; n = cmark_node_next(n)) {
		const char *lit = cmark_node_get_literal(n) ? cmark_node_get_literal(n) : "";
		size_t n_len = strlen(lit);
		memcpy(ps->run + at, lit, n_len);
		at += n_len;
	}
	ps->run[len] = '\0';

	char *kept = malloc(len + 1);
	if (!kept) {
		ps->failed = 1;
		return after;
	}
	size_t kept_len = 0, from = 0;
	ext_tag tag;
	int changed = 0;
	while (from <= len && next_tag(ps->run, len, from, &tag)) {
		if (html && !changed && (tag.kind == EXT_COMMENT || ps->open == EXT_COMMENT))
			/* kramdown leaves raw HTML as it is, tags and all: the
			 * site Jekyll built published this comment. */
			pp_warning(ps->d, ps->path, cmark_node_get_start_line(first) + ps->line_offset, 1,
			           "a kramdown comment tag in raw HTML: kramdown publishes it as text, with what it "
			           "hides; policypress takes the comment out, as anywhere else");
		if (ps->open != EXT_COMMENT)
			keep(kept, &kept_len, ps->run, from, tag.start);
		from = tag.end;
		if (tag.closing) {
			if (ps->open == EXT_UNKNOWN || (tag.kind != EXT_UNKNOWN && tag.kind != ps->open)) {
				if (ps->open != EXT_COMMENT)
					keep(kept, &kept_len, ps->run, tag.start, tag.end); /* closes nothing: text */
				continue;
			}
			ps->open = EXT_UNKNOWN;
			changed = 1;
			continue;
		}
		if (ps->open == EXT_COMMENT) {
			continue; /* inside a comment, a tag is comment too */
		}
		changed = 1;
		if (tag.kind == EXT_OPTIONS) {
			pp_warning(ps->d, ps->path, cmark_node_get_start_line(first) + ps->line_offset, 1,
			           "kramdown's {::options} are ignored: policypress reads every text the same way");
			if (!tag.self_closing)
				ps->open = EXT_OPTIONS;
			continue;
		}
		if (tag.self_closing)
			continue;
		if (tag.kind == EXT_NOMARKDOWN)
			pp_warning(ps->d, ps->path, cmark_node_get_start_line(first) + ps->line_offset, 1,
			           "kramdown's {::nomarkdown} is read as Markdown here: raw HTML in it is kept only "
			           "as far as any raw HTML is");
		ps->open = tag.kind;
		ps->open_line = cmark_node_get_start_line(first) + ps->line_offset;
		ps->open_column = cmark_node_get_start_column(first) > 0 ? cmark_node_get_start_column(first) : 1;
	}
	if (ps->open != EXT_COMMENT && from < len)
		keep(kept, &kept_len, ps->run, from, len);
	else if (from < len)
		changed = 1;
	kept[kept_len] = '\0';
	if (changed) {
		ps->removed = 1;
		if (cmark_node_set_literal(first, kept) != 1)
			ps->failed = 1;
		for (cmark_node *n = cmark_node_next(first); n != after; n = cmark_node_next(n))
			doom(ps, n);
		if (kept_len == 0)
			doom(ps, first);
	}
	free(kept);
	return after;
}

/* Containers that hold only what a comment took out go too; a table's
 * cells and rows stay, empty, so the table keeps its shape. */
static int prunable(cmark_node *node)
{
	const char *type = cmark_node_get_type_string(node);
	return cmark_node_get_type(node) != CMARK_NODE_DOCUMENT && strcmp(type, "table_cell") != 0 &&
	       strcmp(type, "table_row") != 0 && strcmp(type, "table_header") != 0 && strcmp(type, "table") != 0;
}

/* The node after node's subtree in document order, or NULL. */
static cmark_node *after_subtree(cmark_node *node)
{
	for (; node; node = cmark_node_parent(node))
		if (cmark_node_next(node))
			return cmark_node_next(node);
	return NULL;
}

/* A table a comment reached loses the rows the comment emptied (GFM reads
 * a closing tag on the line after a table as one more row), and goes whole
 * when none is left with anything in it. */
static void tidy_table(cmark_node *table)
{
	int kept = 0;
	cmark_node *next;
	for (cmark_node *row = cmark_node_first_child(table); row; row = next) {
		next = cmark_node_next(row);
		int empty = 1;
		for (cmark_node *cell = cmark_node_first_child(row); cell && empty; cell = cmark_node_next(cell))
			empty = cmark_node_first_child(cell) == NULL;
		if (!empty)
			kept = 1;
		else if (row != cmark_node_first_child(table))
			cmark_node_free(row); /* the header row stays while the table does */
	}
	if (!kept)
		cmark_node_free(table);
}

int pp_kramdown_extensions(cmark_node *root, const char *path, int line_offset, pp_diags *d)
{
	ext_pass ps = {.path = path, .line_offset = line_offset, .d = d, .open = EXT_UNKNOWN};
	cmark_node **nodes = NULL;
	size_t count = 0, capacity = 0;
	cmark_iter *iter = cmark_iter_new(root);
	cmark_event_type ev;
	/* A snapshot in document order: the walk changes the tree. */
	while (iter && (ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		if (ev != CMARK_EVENT_ENTER)
			continue;
		if (pp_grow(&nodes, &capacity, count, sizeof *nodes, 64) != 0) {
			ps.failed = 1;
			break;
		}
		nodes[count++] = cmark_iter_get_node(iter);
	}
	ps.failed |= iter == NULL;
	cmark_iter_free(iter);
	cmark_node *table = NULL, *table_end = NULL, **tables = NULL;
	size_t tables_count = 0, tables_capacity = 0;
	for (size_t i = 0; !ps.failed && i < count; i++) {
		cmark_node *node = nodes[i];
		if (strcmp(cmark_node_get_type_string(node), "table") == 0) {
			table = node; /* GFM tables do not nest: the last entered holds what follows, */
			table_end = after_subtree(node);
		} else if (node == table_end) {
			table = NULL; /* up to the node after it */
		}
		size_t doomed_before = ps.doomed_count;
		cmark_node_type type = cmark_node_get_type(node);
		if (type == CMARK_NODE_TEXT) {
			cmark_node *prev = cmark_node_previous(node);
			if (!prev || cmark_node_get_type(prev) != CMARK_NODE_TEXT)
				read_run(&ps, node);
		} else if (type == CMARK_NODE_HTML_BLOCK || type == CMARK_NODE_HTML_INLINE) {
			/* A comment in raw HTML (or one that reaches into it) hides
			 * there too; nomarkdown's tags, which usually wrap raw HTML,
			 * go from it. */
			read_run(&ps, node);
		} else if (ps.open == EXT_COMMENT && !cmark_node_first_child(node) && prunable(node)) {
			doom(&ps, node); /* code, breaks, HTML, images: inside a comment */
			ps.removed = 1;
		}
		if (table && ps.doomed_count > doomed_before && (!tables_count || tables[tables_count - 1] != table)) {
			if (pp_grow(&tables, &tables_capacity, tables_count, sizeof *tables, 4) != 0)
				ps.failed = 1;
			else
				tables[tables_count++] = table;
		}
	}
	free(nodes);
	free(ps.run);
	/* Leaves go first; a container left empty by them goes with them. */
	for (size_t i = 0; i < ps.doomed_count; i++) {
		cmark_node *parent = cmark_node_parent(ps.doomed[i]);
		cmark_node_free(ps.doomed[i]);
		while (parent && !cmark_node_first_child(parent) && prunable(parent)) {
			cmark_node *up = cmark_node_parent(parent);
			cmark_node_free(parent);
			parent = up;
		}
	}
	free(ps.doomed);
	for (size_t i = 0; i < tables_count; i++)
		tidy_table(tables[i]);
	free(tables);
	if (ps.failed) {
		pp_error(d, path, 0, 0, "out of memory reading kramdown's extensions");
		return -1;
	}
	if (ps.open == EXT_COMMENT || ps.open == EXT_NOMARKDOWN) {
		pp_error(d, path, ps.open_line, ps.open_column,
		         "kramdown's {::%s} is not closed: end it with {:/%s} (else everything after it would be %s)",
		         ext_names[ps.open], ext_names[ps.open], ps.open == EXT_COMMENT ? "hidden" : "taken as raw");
		return -1;
	}
	if (ps.removed && !cmark_node_first_child(root)) {
		pp_error(d, path, line_offset + 1, 1,
		         "nothing is left of the text once its kramdown comments are taken out");
		return -1;
	}
	return 0;
}
