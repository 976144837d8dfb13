/* Parity of a translation with its source: see parity.h. */
#include "parity.h"

#include <stdlib.h>
#include <string.h>

#include <cmark-gfm.h>
#include <unicode/uchar.h>
#include <unicode/unum.h>
#include <unicode/utf8.h>

#include "diff.h"
#include "dom.h"
#include "fsutil.h"
#include "kramdown.h"
#include "l10n.h"
#include "markdown.h"

void pp_blocks_free(pp_blocks *b)
{
	for (size_t i = 0; i < b->count; i++) {
		free(b->items[i].text);
		for (size_t k = 0; k < b->items[i].link_count; k++)
			free(b->items[i].links[k]);
		free(b->items[i].links);
	}
	free(b->items);
	memset(b, 0, sizeof *b);
}

static int add_block(pp_blocks *b, int kind, int line)
{
	if (pp_grow(&b->items, &b->capacity, b->count, sizeof *b->items, 32) != 0)
		return -1;
	b->items[b->count++] = (pp_block){kind, line, NULL, NULL, 0};
	return 0;
}

static int add_link(pp_block *block, const char *url)
{
	char **grown = realloc(block->links, (block->link_count + 1) * sizeof *grown);
	if (!grown)
		return -1;
	block->links = grown;
	return (block->links[block->link_count++] = strdup(url ? url : "")) ? 0 : -1;
}

/* Raw HTML's link targets (a and area href, img src, in order) added to
 * block, and its words (for its numbers) to words when given, as the
 * page's rendering reads the HTML: nothing of what it drops whole. Walked
 * without recursion. */
static int read_html(const char *html, pp_block *block, xmlBufferPtr words)
{
	htmlDocPtr doc = pp_html_block_parse(html);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	int rc = doc ? 0 : -1;
	for (xmlNodePtr n = root ? root->children : NULL, next; n && rc == 0; n = next) {
		next = pp_dom_next(n, root, n->type != XML_ELEMENT_NODE || !pp_html_shows_nothing(n->name));
		if (n->type == XML_TEXT_NODE && n->content && words) {
			xmlBufferCat(words, n->content);
			xmlBufferCat(words, BAD_CAST " ");
		} else if (n->type == XML_ELEMENT_NODE) {
			const char *attribute = xmlStrcasecmp(n->name, BAD_CAST "a") == 0 ||
			                                xmlStrcasecmp(n->name, BAD_CAST "area") == 0
			                            ? "href"
			                        : xmlStrcasecmp(n->name, BAD_CAST "img") == 0 ? "src"
			                                                                     : NULL;
			xmlChar *url = attribute ? xmlGetProp(n, BAD_CAST attribute) : NULL;
			if (url)
				rc = add_link(block, (const char *)url);
			xmlFree(url);
		}
	}
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

/* A raw HTML block's links and words (see read_html). */
static int read_html_block(const char *html, pp_block *block)
{
	xmlBufferPtr words = pp_dom_buffer_new();
	int rc = words ? read_html(html, block, words) : -1;
	if (rc == 0 && !(block->text = strdup((const char *)xmlBufferContent(words))))
		rc = -1;
	if (words)
		xmlBufferFree(words);
	return rc;
}

/* The blocks of a parsed document, iteratively. */
static int read_tree(cmark_node *doc, int line_offset, pp_blocks *out)
{
	cmark_iter *iter = cmark_iter_new(doc);
	xmlBufferPtr text = pp_dom_buffer_new();
	int items = 0, quotes = 0, rc = iter && text ? 0 : -1;
	long current = -1; /* the block inline text goes to */
	cmark_event_type ev;
	while (rc == 0 && (ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(iter);
		cmark_node_type type = cmark_node_get_type(node);
		const char *name = cmark_node_get_type_string(node);
		int enter = ev == CMARK_EVENT_ENTER, line = cmark_node_get_start_line(node) + line_offset;
		int kind = -1, holds_text = 0;
		if (type == CMARK_NODE_ITEM) {
			items += enter ? 1 : -1;
		} else if (type == CMARK_NODE_BLOCK_QUOTE) {
			quotes += enter ? 1 : -1;
		} else if (type == CMARK_NODE_HEADING) {
			kind = PP_BLOCK_HEADING + cmark_node_get_heading_level(node), holds_text = 1;
		} else if (type == CMARK_NODE_PARAGRAPH) {
			kind = items ? PP_BLOCK_ITEM : quotes ? PP_BLOCK_QUOTE : PP_BLOCK_PARAGRAPH, holds_text = 1;
		} else if (strcmp(name, "table_row") == 0 || strcmp(name, "table_header") == 0) {
			kind = PP_BLOCK_ROW;
		} else if (strcmp(name, "table_cell") == 0) {
			kind = PP_BLOCK_CELL, holds_text = 1;
		} else if (type == CMARK_NODE_CODE_BLOCK && enter) {
			rc |= add_block(out, PP_BLOCK_CODE, line);
			if (rc == 0)
				out->items[out->count - 1].text = strdup(cmark_node_get_literal(node) ? cmark_node_get_literal(node) : "");
			continue;
		} else if (type == CMARK_NODE_HTML_BLOCK && enter) {
			rc |= add_block(out, PP_BLOCK_HTML, line);
			if (rc == 0)
				rc = read_html_block(cmark_node_get_literal(node) ? cmark_node_get_literal(node) : "",
				                     &out->items[out->count - 1]);
			continue;
		} else if (type == CMARK_NODE_THEMATIC_BREAK && enter) {
			rc |= add_block(out, PP_BLOCK_RULE, line);
			continue;
		} else if (current >= 0 && enter && (type == CMARK_NODE_TEXT || type == CMARK_NODE_CODE)) {
			xmlBufferCat(text, BAD_CAST cmark_node_get_literal(node));
		} else if (current >= 0 && enter && (type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK)) {
			xmlBufferCat(text, BAD_CAST " ");
		} else if (current >= 0 && enter && (type == CMARK_NODE_LINK || type == CMARK_NODE_IMAGE)) {
			rc |= add_link(&out->items[current], cmark_node_get_url(node));
		} else if (current >= 0 && enter && type == CMARK_NODE_HTML_INLINE && cmark_node_get_literal(node)) {
			/* An opening tag: "<a href=…>", "<img src=…>". */
			rc |= read_html(cmark_node_get_literal(node), &out->items[current], NULL);
		}
		if (kind < 0)
			continue;
		if (enter) {
			rc |= add_block(out, kind, line);
			if (holds_text) {
				current = (long)out->count - 1;
				xmlBufferEmpty(text);
			}
		} else if (holds_text && current >= 0) {
			out->items[current].text = strdup((const char *)xmlBufferContent(text));
			rc |= out->items[current].text ? 0 : -1;
			current = -1;
		}
	}
	cmark_iter_free(iter);
	xmlBufferFree(text);
	return rc;
}

int pp_blocks_read(const pp_version *v, pp_blocks *out, pp_diags *d)
{
	memset(out, 0, sizeof *out);
	pp_version read;
	const pp_version *text = v;
	if (!v->body) {
		if (pp_version_read_text(v, &read, d) != 0)
			return -1;
		text = &read;
	}
	cmark_node *doc = pp_markdown_parse(text->body, text->body_len);
	/* Attribute lists and comments are not text: read as rendering reads
	 * them, their messages the render's to give. */
	pp_diags quiet;
	pp_diags_init(&quiet);
	pp_attribute_table *attrs = doc ? pp_kramdown_attach(doc, text->body, text->body_len, v->path,
	                                                     text->body_line - 1, &quiet)
	                                : NULL;
	/* A text the render refuses (a comment left open) is reported there. */
	int refused = !attrs && quiet.errors > 0 && !quiet.out_of_memory;
	pp_diags_free(&quiet);
	int rc = attrs ? read_tree(doc, text->body_line - 1, out) : -1;
	pp_attribute_table_free(attrs);
	cmark_node_free(doc);
	if (text == &read)
		pp_version_clear(&read);
	if (rc != 0) {
		pp_blocks_free(out);
		if (!refused)
			pp_error(d, v->path, 0, 0, "out of memory reading the text's blocks");
	}
	return rc;
}

int pp_blocks_align(const pp_blocks *a, const pp_blocks *b, long **pairs)
{
	uint64_t *ka = malloc((a->count ? a->count : 1) * sizeof *ka), *kb = malloc((b->count ? b->count : 1) * sizeof *kb);
	int rc = ka && kb ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < a->count; i++)
		ka[i] = (uint64_t)a->items[i].kind;
	for (size_t i = 0; rc == 0 && i < b->count; i++)
		kb[i] = (uint64_t)b->items[i].kind;
	if (rc == 0)
		rc = pp_diff_pairs(ka, a->count, kb, b->count, pairs);
	free(ka);
	free(kb);
	return rc;
}

/* ---- numbers ------------------------------------------------------------ */

typedef struct {
	char **values; /* digits as ASCII, "1000.5": group separators gone, leading zeros too */
	size_t count;
} numbers;

static void numbers_free(numbers *n)
{
	for (size_t i = 0; i < n->count; i++)
		free(n->values[i]);
	free(n->values);
}

static int compare_strings(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The numbers of text, in any script's decimal digits, sorted. */
static int numbers_of(const char *text, numbers *out)
{
	memset(out, 0, sizeof *out);
	int32_t len = (int32_t)strlen(text), i = 0;
	char value[64];
	while (i < len) {
		UChar32 c;
		int32_t start = i;
		U8_NEXT((const uint8_t *)text, i, len, c);
		if (c < 0 || u_charDigitValue(c) < 0 || u_charType(c) != U_DECIMAL_DIGIT_NUMBER)
			continue;
		size_t n = 0;
		int32_t at = start;
		for (;;) {
			U8_NEXT((const uint8_t *)text, at, len, c);
			if (c >= 0 && u_charType(c) == U_DECIMAL_DIGIT_NUMBER) {
				if (n + 1 < sizeof value)
					value[n++] = (char)('0' + u_charDigitValue(c));
				i = at;
			} else if (c == ',' || c == '.' || c == 0x066B || c == 0x066C) {
				/* A separator between digits: decimal ('.', ARABIC DECIMAL
				 * SEPARATOR) or grouping (',', ARABIC THOUSANDS SEPARATOR). */
				int32_t peek = at;
				UChar32 next;
				if (peek >= len)
					break;
				U8_NEXT((const uint8_t *)text, peek, len, next);
				if (next < 0 || u_charType(next) != U_DECIMAL_DIGIT_NUMBER)
					break;
				if ((c == '.' || c == 0x066B) && n + 1 < sizeof value)
					value[n++] = '.';
			} else {
				break;
			}
			if (at >= len)
				break;
		}
		value[n] = '\0';
		const char *v = value;
		while (v[0] == '0' && v[1] >= '0' && v[1] <= '9')
			v++;
		char **grown = realloc(out->values, (out->count + 1) * sizeof *grown);
		if (!grown || !(grown[out->count] = strdup(v))) {
			out->values = grown ? grown : out->values;
			numbers_free(out);
			return -1;
		}
		out->values = grown;
		out->count++;
	}
	if (out->count)
		qsort(out->values, out->count, sizeof *out->values, compare_strings);
	return 0;
}

/* Whether text writes value in words that ICU's spell-out rules for locale
 * parse ("ninety days" for 90): tried at every word start. */
static int spelled_in(const char *text, const char *locale, const char *value)
{
	UErrorCode status = U_ZERO_ERROR;
	UNumberFormat *spell = unum_open(UNUM_SPELLOUT, NULL, 0, locale, NULL, &status);
	int32_t len = 0;
	UChar *u = U_SUCCESS(status) ? pp_to_utf16(text, strlen(text), &len) : NULL;
	double want = atof(value);
	int found = 0;
	for (int32_t i = 0; u && !found && i < len; i++) {
		if (i > 0 && !u_isspace(u[i - 1]))
			continue;
		int32_t pos = 0;
		UErrorCode parse = U_ZERO_ERROR;
		double got = unum_parseDouble(spell, u + i, len - i, &pos, &parse);
		found = U_SUCCESS(parse) && pos > 0 && got == want;
	}
	free(u);
	if (spell)
		unum_close(spell);
	return found;
}

/* ---- the check ---------------------------------------------------------- */

static const char *kind_name(int kind)
{
	if (kind > PP_BLOCK_HEADING && kind <= PP_BLOCK_HEADING + 6)
		return "heading";
	switch (kind) {
	case PP_BLOCK_PARAGRAPH: return "paragraph";
	case PP_BLOCK_ITEM: return "list item";
	case PP_BLOCK_QUOTE: return "quoted paragraph";
	case PP_BLOCK_ROW: return "table row";
	case PP_BLOCK_CELL: return "table cell";
	case PP_BLOCK_CODE: return "code block";
	case PP_BLOCK_HTML: return "HTML block";
	default: return "rule";
	}
}

/* The heading of source block i's section (without a pinned id's
 * "{#…}"), malloc'ed, or NULL. */
static char *section_of(const pp_blocks *b, size_t i)
{
	for (size_t k = i + 1; k-- > 0;)
		if (b->items[k].kind > PP_BLOCK_HEADING && b->items[k].kind <= PP_BLOCK_HEADING + 6 && b->items[k].text) {
			char *text = strdup(b->items[k].text);
			char *pin = text ? strstr(text, " {") : NULL;
			size_t n = text ? strlen(text) : 0;
			if (pin && n && text[n - 1] == '}')
				*pin = '\0';
			return text;
		}
	return NULL;
}

static int links_equal(const pp_block *a, const pp_block *b, const char **differ_a, const char **differ_b)
{
	*differ_a = *differ_b = NULL;
	/* Compared in order: a translation keeps its links where they are. */
	for (size_t k = 0; k < a->link_count || k < b->link_count; k++) {
		const char *x = k < a->link_count ? a->links[k] : NULL, *y = k < b->link_count ? b->links[k] : NULL;
		if (!x || !y || strcmp(x, y) != 0) {
			*differ_a = x;
			*differ_b = y;
			return 0;
		}
	}
	return 1;
}

static void compare_numbers(const pp_block *sb, const char *source_locale, const pp_block *tb, const char *locale,
                            const char *path, pp_severity severity, pp_diags *d)
{
	numbers a, b;
	if (numbers_of(sb->text ? sb->text : "", &a) != 0)
		return;
	if (numbers_of(tb->text ? tb->text : "", &b) != 0) {
		numbers_free(&a);
		return;
	}
	/* What each side has that the other has not (the lists are sorted). */
	const char *only_a = NULL, *only_b = NULL;
	size_t i = 0, j = 0;
	while (i < a.count || j < b.count) {
		int cmp = i >= a.count ? 1 : j >= b.count ? -1 : strcmp(a.values[i], b.values[j]);
		if (cmp == 0) {
			i++, j++;
		} else if (cmp < 0) {
			if (!only_a && !spelled_in(tb->text ? tb->text : "", locale, a.values[i]))
				only_a = a.values[i];
			i++;
		} else {
			if (!only_b && !spelled_in(sb->text ? sb->text : "", source_locale, b.values[j]))
				only_b = b.values[j];
			j++;
		}
	}
	/* Both differ: a number changed. One side only: said only when the
	 * other writes its numbers in digits too (words ICU cannot read are
	 * not guessed at). */
	if (only_a && only_b)
		pp_diag_add(d, severity, path, tb->line, 1, "the authoritative text has %s here, the translation %s", only_a,
		            only_b);
	else if (only_a && b.count)
		pp_diag_add(d, severity, path, tb->line, 1, "the authoritative text has %s here, the translation does not",
		            only_a);
	else if (only_b && a.count)
		pp_diag_add(d, severity, path, tb->line, 1, "the translation has %s here, the authoritative text does not",
		            only_b);
	numbers_free(&a);
	numbers_free(&b);
}

int pp_parity_check(const pp_version *source, const char *source_locale, const pp_version *translation,
                    const char *locale, pp_severity severity, pp_diags *d)
{
	pp_blocks a, b;
	if (pp_blocks_read(source, &a, d) != 0)
		return -1;
	if (pp_blocks_read(translation, &b, d) != 0) {
		pp_blocks_free(&a);
		return -1;
	}
	long *pairs = NULL;
	if (pp_blocks_align(&a, &b, &pairs) != 0) {
		pp_error(d, translation->path, 0, 0, "out of memory aligning with %s", source->path);
		pp_blocks_free(&a);
		pp_blocks_free(&b);
		return -1;
	}
	const char *path = translation->path;
	size_t reported = 0, next_b = 0;
	for (size_t i = 0; i < a.count && reported < 50; i++) {
		const pp_block *sb = &a.items[i];
		if (pairs[i] < 0) {
			/* Where the translation would have it: before its next aligned block. */
			int line = next_b < b.count ? b.items[next_b].line : b.count ? b.items[b.count - 1].line : translation->body_line;
			char *section = section_of(&a, i);
			pp_diag_add(d, severity, path, line, 1,
			            "missing %s: the authoritative text has one here (%s:%d%s%s%s)", kind_name(sb->kind),
			            source->path, sb->line, section ? ", in «" : "", section ? section : "", section ? "»" : "");
			free(section);
			reported++;
			continue;
		}
		/* Blocks of the translation with no counterpart, before this one. */
		for (; next_b < (size_t)pairs[i] && reported < 50; next_b++, reported++)
			pp_diag_add(d, severity, path, b.items[next_b].line, 1,
			            "extra %s: the authoritative text has none here", kind_name(b.items[next_b].kind));
		const pp_block *tb = &b.items[pairs[i]];
		next_b = (size_t)pairs[i] + 1;
		compare_numbers(sb, source_locale, tb, locale, path, severity, d);
		const char *la, *lb;
		if (!links_equal(sb, tb, &la, &lb))
			pp_diag_add(d, severity, path, tb->line, 1, "link target differs: the authoritative text links %s, the "
			            "translation %s", la ? la : "nothing more", lb ? lb : "nothing more");
	}
	for (; next_b < b.count && reported < 50; next_b++, reported++)
		pp_diag_add(d, severity, path, b.items[next_b].line, 1, "extra %s: the authoritative text has none here",
		            kind_name(b.items[next_b].kind));
	free(pairs);
	pp_blocks_free(&a);
	pp_blocks_free(&b);
	return 0;
}
