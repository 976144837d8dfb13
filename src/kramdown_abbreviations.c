/* kramdown's abbreviations in Markdown and its parsed cmark-gfm tree: see
 * kramdown.h. */
#include "kramdown.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "fsutil.h"

/* The abbreviations are kept in a byte trie, so that the text is read once
 * whatever their number: at each place a word may start, the trie is walked
 * as far as the text follows it. */
typedef struct {
	uint32_t child, sibling; /* 0: none (the root is never either) */
	int32_t abbreviation;    /* index in names, or -1 */
	unsigned char byte;
} trie_node;

struct pp_abbreviations {
	char **names, **titles;
	size_t count, names_capacity, titles_capacity;
	trie_node *trie;
	size_t trie_count, trie_capacity;
	unsigned char starts[256]; /* the first bytes of names: elsewhere no word is looked at */
};

void pp_abbreviations_free(pp_abbreviations *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->count; i++) {
		free(a->names[i]);
		free(a->titles[i]);
	}
	free(a->names);
	free(a->titles);
	free(a->trie);
	free(a);
}

/* The new node's index, or UINT32_MAX when out of memory. */
static uint32_t new_trie_node(pp_abbreviations *a, unsigned char byte)
{
	if (pp_grow(&a->trie, &a->trie_capacity, a->trie_count, sizeof *a->trie, 64) != 0)
		return UINT32_MAX;
	a->trie[a->trie_count] = (trie_node){0, 0, -1, byte};
	return (uint32_t)a->trie_count++;
}

/* The trie node for name's bytes, made as needed; 0 (the root, which no
 * name ends at) when out of memory. */
static uint32_t trie_place(pp_abbreviations *a, const char *name)
{
	uint32_t at = 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		uint32_t c = a->trie[at].child;
		while (c && a->trie[c].byte != *p)
			c = a->trie[c].sibling;
		if (!c) {
			if ((c = new_trie_node(a, *p)) == UINT32_MAX)
				return 0;
			a->trie[c].sibling = a->trie[at].child;
			a->trie[at].child = c;
		}
		at = c;
	}
	return at;
}

/* Adds or replaces a definition; 1 when it replaced one, 0 when added, -1
 * when out of memory. */
static int define(pp_abbreviations *a, const char *name, size_t name_len, const char *title, size_t title_len)
{
	char *n = strndup(name, name_len), *t = strndup(title, title_len);
	uint32_t at = n && t ? trie_place(a, n) : 0;
	if (!at) {
		free(n);
		free(t);
		return -1;
	}
	int32_t old = a->trie[at].abbreviation;
	if (old >= 0) {
		free(n);
		free(a->titles[old]);
		a->titles[old] = t;
		return 1;
	}
	if (pp_grow(&a->names, &a->names_capacity, a->count, sizeof *a->names, 16) != 0 ||
	    pp_grow(&a->titles, &a->titles_capacity, a->count, sizeof *a->titles, 16) != 0) {
		free(n);
		free(t);
		return -1;
	}
	a->names[a->count] = n;
	a->titles[a->count] = t;
	a->starts[(unsigned char)n[0]] = 1;
	a->trie[at].abbreviation = (int32_t)a->count++;
	return 0;
}

/* ---- definitions ---- */

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n'; }

/* A definition "*[name]: title" in line (len bytes from the block's
 * start): kramdown's /\*\[(.+?)\]:(.*?)\n/, the name up to the first "]:",
 * the title trimmed. */
static int definition_at(const char *line, size_t len, const char **name, size_t *name_len, const char **title,
                         size_t *title_len)
{
	if (len < 5 || line[0] != '*' || line[1] != '[')
		return 0;
	for (size_t i = 3; i + 1 < len; i++)
		if (line[i] == ']' && line[i + 1] == ':') {
			*name = line + 2;
			*name_len = i - 2;
			size_t start = i + 2, end = len;
			while (start < end && is_space(line[start]))
				start++;
			while (end > start && is_space(line[end - 1]))
				end--;
			*title = line + start;
			*title_len = end - start;
			/* A name holds no line break (the line has none) nor a NUL. */
			return memchr(*name, '\0', *name_len) == NULL && memchr(*title, '\0', *title_len) == NULL;
		}
	return 0;
}

static int is_block_list(const char *line, size_t len);

int pp_kramdown_abbreviation_line(const char *line, size_t len, int after_definition)
{
	const char *name, *title;
	size_t name_len, title_len;
	if (definition_at(line, len, &name, &name_len, &title, &title_len))
		return 1;
	return after_definition && is_block_list(line, len);
}

/* A block attribute list on a line of its own: "{: .x}", not an extension. */
static int is_block_list(const char *line, size_t len)
{
	while (len > 0 && is_space(line[len - 1]))
		len--;
	return len >= 3 && line[0] == '{' && line[1] == ':' && line[2] != ':' && line[2] != '/' && line[len - 1] == '}';
}

/* Definitions at the start of paragraph: its first line, and the lines
 * right after it that are definitions too (or an attribute list, which
 * kramdown gives to the abbreviation: nothing a page shows), blanked in
 * copy. Returns -1 when out of memory. */
static int read_paragraph(pp_abbreviations *a, cmark_node *paragraph, pp_text_lines *l, char *copy,
                          const char *path, int line_offset, pp_diags *d)
{
	int first = cmark_node_get_start_line(paragraph), last = cmark_node_get_end_line(paragraph);
	for (int number = first; number <= last; number++) {
		size_t len;
		const char *line = pp_kramdown_paragraph_line(paragraph, l, number, &len);
		if (!line)
			return 0;
		const char *name, *title;
		size_t name_len, title_len;
		if (definition_at(line, len, &name, &name_len, &title, &title_len)) {
			int replaced = define(a, name, name_len, title, title_len);
			if (replaced < 0)
				return -1;
			if (replaced)
				pp_warning(d, path, number + line_offset, (int)(line - l->text - l->starts[number - 1]) + 1,
				           "abbreviation '%.*s' is defined again: this definition is used, as kramdown does",
				           (int)name_len, name);
		} else if (number == first || !is_block_list(line, len)) {
			return 0;
		}
		memset(copy + (line - l->text), ' ', len);
	}
	return 0;
}

int pp_kramdown_may_define_abbreviations(const char *text, size_t len)
{
	/* memchr, not memmem: asked of every version, and glibc's memmem reads
	 * a two-byte needle a byte at a time where memchr reads a vector. */
	const char *stop = text + len;
	for (const char *p = memchr(text, '*', len); p; p = memchr(p + 1, '*', (size_t)(stop - p - 1))) {
		if (p + 1 == stop || p[1] != '[')
			continue;
		const char *end = memchr(p, '\n', len - (size_t)(p - text));
		size_t line = end ? (size_t)(end - p) : len - (size_t)(p - text);
		if (memmem(p, line, "]:", 2))
			return 1;
	}
	return 0;
}

int pp_kramdown_abbreviations_read(cmark_node *parsed, const char *text, size_t len, const char *path,
                                   int line_offset, pp_diags *d, pp_abbreviations **abbreviations, char **blanked)
{
	*abbreviations = NULL;
	*blanked = NULL;
	/* Definitions inside a comment define nothing: comments go first. Their
	 * messages are the render's to give. */
	pp_diags quiet;
	pp_diags_init(&quiet);
	int refused = pp_kramdown_extensions(parsed, path, line_offset, &quiet) != 0;
	pp_diags_free(&quiet);
	if (refused)
		return 0; /* the render refuses it again, and says why */
	pp_abbreviations *a = calloc(1, sizeof *a);
	char *copy = a ? malloc(len + 1) : NULL;
	pp_text_lines l = {text, len, NULL, 0, 0};
	cmark_iter *iter = copy && new_trie_node(a, 0) == 0 /* the root */ ? cmark_iter_new(parsed) : NULL;
	int failed = iter == NULL;
	if (copy) {
		memcpy(copy, text, len);
		copy[len] = '\0';
	}
	cmark_event_type ev;
	while (!failed && (ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(iter);
		if (ev == CMARK_EVENT_ENTER && cmark_node_get_type(node) == CMARK_NODE_PARAGRAPH)
			failed = read_paragraph(a, node, &l, copy, path, line_offset, d) != 0;
	}
	cmark_iter_free(iter);
	failed |= l.failed;
	pp_text_lines_free(&l);
	if (failed || a->count == 0) {
		pp_abbreviations_free(a);
		free(copy);
		if (failed)
			pp_error(d, path, 0, 0, "out of memory reading abbreviations");
		return failed ? -1 : 0;
	}
	*abbreviations = a;
	*blanked = copy;
	return 0;
}

/* ---- occurrences ---- */

/* A word character as ICU's regular expressions read \w. */
static int is_word_char(UChar32 c)
{
	return c >= 0 && (u_hasBinaryProperty(c, UCHAR_ALPHABETIC) ||
	                  (U_GET_GC_MASK(c) & (U_GC_M_MASK | U_GC_ND_MASK | U_GC_PC_MASK)) || c == 0x200C ||
	                  c == 0x200D);
}

static int word_before(const char *s, size_t at)
{
	if (at == 0)
		return 0;
	int32_t i = (int32_t)at;
	UChar32 c;
	U8_PREV((const uint8_t *)s, 0, i, c);
	return is_word_char(c);
}

static int word_at(const char *s, size_t at, size_t len)
{
	if (at >= len)
		return 0;
	int32_t i = (int32_t)at;
	UChar32 c;
	U8_NEXT((const uint8_t *)s, i, (int32_t)len, c);
	return is_word_char(c);
}

/* The longest abbreviation that starts at `at` and ends before a non-word
 * character; its index, its length in *match, or -1. */
static int32_t match_at(const pp_abbreviations *a, const char *s, size_t len, size_t at, size_t *match,
                        size_t *steps)
{
	int32_t found = -1;
	uint32_t node = 0;
	for (size_t i = at; i < len; i++) {
		uint32_t c = a->trie[node].child;
		while (c && a->trie[c].byte != (unsigned char)s[i]) {
			c = a->trie[c].sibling;
			++*steps;
		}
		if (!c)
			break;
		node = c;
		++*steps;
		if (a->trie[node].abbreviation >= 0 && !word_at(s, i + 1, len)) {
			found = a->trie[node].abbreviation;
			*match = i + 1 - at;
		}
	}
	return found;
}

int pp_kramdown_abbreviation_find(const pp_abbreviations *a, const char *s, size_t len, size_t from, size_t *start,
                                  size_t *length, const char **title, size_t *steps)
{
	for (size_t at = from; a && at < len && *steps < PP_MAX_ABBREVIATION_STEPS; at++) {
		if (!a->starts[(unsigned char)s[at]] || (s[at] & 0xC0) == 0x80 || word_before(s, at))
			continue;
		int32_t k = match_at(a, s, len, at, length, steps);
		if (k >= 0) {
			*start = at;
			*title = a->titles[k];
			return 1;
		}
	}
	return 0;
}
