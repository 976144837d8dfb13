/* Translation units: see translate_units.h. */
#include "translate_units.h"

#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "dom.h"
#include "fsutil.h"
#include "kramdown.h"
#include "l10n.h"
#include "markdown.h"

enum { UNIT_HEADING = 1, UNIT_PARAGRAPH, UNIT_ITEM, UNIT_QUOTE, UNIT_CELL, UNIT_NOTE, UNIT_ABBREVIATIONS, UNIT_HTML, UNIT_KINDS };

static const char *kind_code(int kind)
{
	switch (kind) {
	case UNIT_HEADING: return "h";
	case UNIT_ITEM: return "li";
	case UNIT_QUOTE: return "q";
	case UNIT_CELL: return "td";
	case UNIT_NOTE: return "note";
	case UNIT_ABBREVIATIONS: return "abbr";
	case UNIT_HTML: return "html";
	default: return "p";
	}
}

static const char *kind_note(int kind)
{
	switch (kind) {
	case UNIT_HEADING: return "heading";
	case UNIT_ITEM: return "list item";
	case UNIT_QUOTE: return "quotation";
	case UNIT_CELL: return "table cell";
	case UNIT_NOTE: return "footnote";
	case UNIT_ABBREVIATIONS: return "abbreviations, a line each: *[abbreviation]: what it stands for";
	case UNIT_HTML: return "raw HTML: translate its text and its title, alt and aria-label values; keep every tag and "
	                       "other attribute as it is";
	default: return "paragraph";
	}
}

/* ---- raw HTML blocks ---- */

/* Attributes whose values are words a reader sees or hears (or the
 * language and direction of those words): a translation changes them. */
static int translatable_attribute(const xmlChar *name)
{
	static const char *const names[] = {"title", "alt", "aria-label", "lang", "dir"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (xmlStrcasecmp(name, BAD_CAST names[i]) == 0)
			return 1;
	return 0;
}

static int has_visible(const xmlChar *text)
{
	for (const xmlChar *p = text; p && *p; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != '\f')
			return 1;
	return 0;
}

/* text's length without the white space and line ends it ends with. */
static size_t trimmed_length(const char *text)
{
	size_t n = strlen(text);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' ' || text[n - 1] == '\t'))
		n--;
	return n;
}

static void add(xmlBufferPtr shape, const xmlChar *text, int *failed) { *failed |= xmlBufferCat(shape, text) != 0; }

/* A raw HTML block as the page's rendering reads it (pp_html_block_parse):
 * its tags in document order, with every attribute but the translatable
 * ones' values, in *shape, and whether it has words (text the page shows,
 * or a translatable attribute's value) in *words. What the page drops
 * whole (script, style…) is a tag without content. Walked without
 * recursion. 0, or -1 when out of memory. */
static int html_shape(const char *html, xmlBufferPtr shape, int *words)
{
	*words = 0;
	htmlDocPtr doc = pp_html_block_parse(html);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	int failed = !doc;
	for (xmlNodePtr n = root; n && !failed;) {
		if (n->type == XML_TEXT_NODE && has_visible(n->content))
			*words = 1;
		if (n->type == XML_ELEMENT_NODE) {
			add(shape, BAD_CAST "<", &failed);
			add(shape, n->name, &failed);
			for (xmlAttrPtr a = n->properties; a; a = a->next) {
				xmlChar *value = xmlNodeGetContent((xmlNodePtr)a);
				int free_text = translatable_attribute(a->name);
				*words |= free_text && !xmlStrEqual(a->name, BAD_CAST "dir") &&
				          !xmlStrEqual(a->name, BAD_CAST "lang") && has_visible(value);
				add(shape, BAD_CAST " ", &failed);
				add(shape, a->name, &failed);
				if (!free_text) {
					add(shape, BAD_CAST "=\"", &failed);
					add(shape, value ? value : BAD_CAST "", &failed);
					add(shape, BAD_CAST "\"", &failed);
				}
				xmlFree(value);
			}
			add(shape, BAD_CAST ">", &failed);
			if (n->children && !pp_html_shows_nothing(n->name)) {
				n = n->children;
				continue;
			}
		}
		/* Up past every last child, closing each element left. */
		for (;;) {
			if (n->type == XML_ELEMENT_NODE) {
				add(shape, BAD_CAST "</", &failed);
				add(shape, n->name, &failed);
				add(shape, BAD_CAST ">", &failed);
			}
			if (n == root || n->next)
				break;
			n = n->parent;
		}
		n = n == root ? NULL : n->next;
	}
	if (doc)
		xmlFreeDoc(doc);
	return failed ? -1 : 0;
}

/* Whether a raw HTML block has words a reader sees: a unit. -1 when out
 * of memory. */
static int html_has_words(const char *html)
{
	xmlBufferPtr shape = pp_dom_buffer_new();
	int words = 0;
	int rc = shape ? html_shape(html, shape, &words) : -1;
	xmlBufferFree(shape);
	return rc == 0 ? words : -1;
}

/* A raw HTML block takes its translation when that is one raw HTML block
 * of the same tags and attributes, only its text and translatable values
 * changed: the page shows the translation's words in the source's
 * structure, links and all. */
static void compose_html(pp_unit *u, const char *translation, int line, const char *file, pp_diags *d)
{
	char *literal = pp_strdup_printf("%.*s\n", (int)trimmed_length(translation), translation);
	cmark_node *parsed = literal ? pp_markdown_parse(literal, strlen(literal)) : NULL;
	cmark_node *block = parsed ? cmark_node_first_child(parsed) : NULL;
	xmlBufferPtr want = parsed ? pp_dom_buffer_new() : NULL, got = want ? pp_dom_buffer_new() : NULL;
	int words;
	if (!got || html_shape(cmark_node_get_literal(u->node), want, &words) != 0) {
		pp_error(d, file, line, line ? 1 : 0, "out of memory");
	} else if (!block || cmark_node_next(block) || cmark_node_get_type(block) != CMARK_NODE_HTML_BLOCK) {
		pp_error(d, file, line, line ? 1 : 0,
		         "unit %s: its translation must be one raw HTML block, as its source is (it reads as %s): begin it "
		         "with the source's first tag and leave no blank line in it",
		         u->id, !block ? "nothing" : cmark_node_next(block) ? "several blocks" : cmark_node_get_type_string(block));
	} else if (html_shape(literal, got, &words) != 0) {
		pp_error(d, file, line, line ? 1 : 0, "out of memory");
	} else if (strcmp((const char *)xmlBufferContent(want), (const char *)xmlBufferContent(got)) != 0) {
		pp_error(d, file, line, line ? 1 : 0,
		         "unit %s: its tags or attributes differ from its source's: keep every tag and attribute as the "
		         "source has them (only the text and the title, alt, aria-label, lang and dir values are translated)",
		         u->id);
	} else if (!cmark_node_set_literal(u->node, literal)) {
		pp_error(d, file, line, line ? 1 : 0, "out of memory");
	}
	if (got)
		xmlBufferFree(got);
	if (want)
		xmlBufferFree(want);
	if (parsed)
		cmark_node_free(parsed);
	free(literal);
}

void pp_units_free(pp_units *u)
{
	for (size_t i = 0; i < u->count; i++) {
		free(u->items[i].id);
		free(u->items[i].text);
		free(u->items[i].note);
	}
	free(u->items);
	for (size_t i = 0; i < u->lazy_count; i++)
		free(u->lazy_lists[i]);
	free(u->lazy_lists);
	if (u->doc)
		cmark_node_free(u->doc);
	memset(u, 0, sizeof *u);
}

/* A raw HTML block's text as written, without its line's end. */
static char *raw_literal(cmark_node *block)
{
	const char *html = cmark_node_get_literal(block);
	return html ? strndup(html, trimmed_length(html)) : NULL;
}

/* A block's inline content as Markdown: its children moved into a
 * paragraph of their own for the renderer, then moved back. */
static char *inline_markdown(cmark_node *block)
{
	cmark_node *holder = cmark_node_new(CMARK_NODE_PARAGRAPH);
	if (!holder)
		return NULL;
	cmark_node *child;
	while ((child = cmark_node_first_child(block)))
		cmark_node_append_child(holder, child);
	char *text = cmark_render_commonmark(holder, CMARK_OPT_DEFAULT, 0);
	while ((child = cmark_node_first_child(holder)))
		cmark_node_append_child(block, child);
	cmark_node_free(holder);
	if (!text)
		return NULL;
	size_t n = strlen(text);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
		text[--n] = '\0';
	return text;
}

/* A block's words, without Markdown: for its section's id. */
static char *plain_text(cmark_node *block)
{
	xmlBufferPtr words = pp_dom_buffer_new();
	cmark_iter *iter = words ? cmark_iter_new(block) : NULL;
	cmark_event_type ev;
	while (iter && (ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(iter);
		if (ev == CMARK_EVENT_ENTER && (cmark_node_get_type(n) == CMARK_NODE_TEXT || cmark_node_get_type(n) == CMARK_NODE_CODE))
			xmlBufferCat(words, BAD_CAST cmark_node_get_literal(n));
	}
	char *text = iter ? strdup((const char *)xmlBufferContent(words)) : NULL;
	cmark_iter_free(iter);
	xmlBufferFree(words);
	return text;
}

/* Whether a list item's text is kramdown's table of contents ("TOC" and
 * "{:toc}" under it): the page replaces it, there is nothing to translate. */
static int is_table_of_contents(const char *text)
{
	const char *last = strrchr(text, '\n');
	if (!last)
		return 0;
	pp_attributes a;
	if (pp_attributes_parse(last + 1, strlen(last + 1), NULL, &a) != 0)
		return 0;
	int toc = a.toc;
	pp_attributes_clear(&a);
	return toc;
}

/* Whether a paragraph is only a kramdown attribute list ("{: #id }"). */
static int is_attribute_list(const char *text)
{
	size_t n = strlen(text);
	return n >= 3 && text[0] == '{' && text[1] == ':' && text[n - 1] == '}' && !strchr(text, '\n');
}

/* A paragraph of kramdown abbreviations' definitions only, as its lines
 * are written (cmark would escape them into text): malloc'ed, or NULL when
 * it is another paragraph. *failed when out of memory. */
static char *definitions_text(cmark_node *paragraph, pp_text_lines *c, int *failed)
{
	int first = cmark_node_get_start_line(paragraph), last = cmark_node_get_end_line(paragraph);
	xmlBufferPtr lines = NULL;
	for (int number = first; number <= last; number++) {
		size_t len;
		const char *line = pp_kramdown_paragraph_line(paragraph, c, number, &len);
		if (!line || !pp_kramdown_abbreviation_line(line, len, number > first))
			break;
		if (!lines && !(lines = pp_dom_buffer_new())) {
			*failed = 1;
			return NULL;
		}
		if (number > first)
			xmlBufferAdd(lines, BAD_CAST "\n", 1);
		xmlBufferAdd(lines, BAD_CAST line, (int)len);
		if (number == last) {
			char *text = strdup((const char *)xmlBufferContent(lines));
			*failed = !text;
			xmlBufferFree(lines);
			return text;
		}
	}
	if (lines)
		xmlBufferFree(lines);
	return NULL;
}

/* An attribute list on the paragraph's last line, written at the line's
 * start inside a list item or a quote: a lazy line, whose list belongs to
 * the list or quote (see kramdown.h). Kept in out; -1 when out of memory. */
static int keep_lazy_list(cmark_node *paragraph, pp_text_lines *c, pp_units *out)
{
	int contained = 0;
	for (cmark_node *a = cmark_node_parent(paragraph); a && !contained; a = cmark_node_parent(a))
		contained = cmark_node_get_type(a) == CMARK_NODE_ITEM || cmark_node_get_type(a) == CMARK_NODE_BLOCK_QUOTE;
	int last = cmark_node_get_end_line(paragraph);
	size_t len;
	const char *line = contained && last > cmark_node_get_start_line(paragraph) ? pp_text_line(c, last, &len) : NULL;
	if (!line || len < 3 || line[0] != '{' || line[1] != ':')
		return 0;
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (line[len - 1] != '}')
		return 0;
	char *list = strndup(line, len);
	if (!list || pp_grow(&out->lazy_lists, &out->lazy_capacity, out->lazy_count, sizeof *out->lazy_lists, 8) != 0) {
		free(list);
		return -1;
	}
	out->lazy_lists[out->lazy_count++] = list;
	return 0;
}

/* The written document with each lazy attribute list back at its line's
 * start: the writer indents it (or quotes it) with the paragraph it ends.
 * Found in order, each after the one before; changed in place. */
static void unindent_lazy_lists(const pp_units *units, char *markdown)
{
	size_t from = 0;
	for (size_t i = 0; i < units->lazy_count; i++) {
		const char *list = units->lazy_lists[i];
		size_t n = strlen(list);
		for (char *line = markdown + from; *line;) {
			char *end = strchr(line, '\n');
			size_t line_len = end ? (size_t)(end - line) : strlen(line), prefix = 0;
			while (prefix < line_len && (line[prefix] == ' ' || line[prefix] == '>'))
				prefix++;
			if (prefix > 0 && line_len - prefix == n && memcmp(line + prefix, list, n) == 0) {
				memmove(line, line + prefix, strlen(line + prefix) + 1);
				from = (size_t)(line - markdown) + n;
				break;
			}
			if (!end)
				break;
			line = end + 1;
		}
	}
}

int pp_units_read(const pp_version *v, pp_units *out, pp_diags *d)
{
	memset(out, 0, sizeof *out);
	pp_version read;
	const pp_version *text = v;
	if (!v->body) {
		if (pp_version_read_text(v, &read, d) != 0)
			return -1;
		text = &read;
	}
	int rc = 0;
	out->doc = pp_markdown_parse(text->body, text->body_len);
	/* Comments are not for translators; attribute lists stay as text. */
	if (!out->doc || pp_kramdown_extensions(out->doc, v->path, text->body_line - 1, d) != 0)
		rc = -1;
	pp_slugger *slugger = rc == 0 ? pp_slugger_new() : NULL;
	cmark_iter *iter = slugger ? cmark_iter_new(out->doc) : NULL;
	if (rc == 0 && !iter)
		rc = -1;
	char *section = strdup("intro");
	size_t counts[UNIT_KINDS] = {0};
	pp_text_lines lines = {text->body, text->body_len, NULL, 0, 0};
	int items = 0, quotes = 0, notes = 0;
	cmark_event_type ev;
	while (rc == 0 && section && (ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(iter);
		cmark_node_type type = cmark_node_get_type(node);
		const char *name = cmark_node_get_type_string(node);
		int enter = ev == CMARK_EVENT_ENTER;
		if (type == CMARK_NODE_ITEM)
			items += enter ? 1 : -1;
		else if (type == CMARK_NODE_BLOCK_QUOTE)
			quotes += enter ? 1 : -1;
		else if (type == CMARK_NODE_FOOTNOTE_DEFINITION)
			notes += enter ? 1 : -1;
		int kind = 0;
		if (!enter)
			continue;
		int raw_words = 0;
		if (type == CMARK_NODE_HTML_BLOCK && pp_markdown_html_holds_markdown(cmark_node_get_literal(node)))
			pp_warning(d, v->path, cmark_node_get_start_line(node) + text->body_line - 1, 1,
			           "the Markdown inside this markdown=\"1\" element is not offered for translation: put a "
			           "blank line after its opening tag and one before its closing tag, and its blocks are units");
		else if (type == CMARK_NODE_HTML_BLOCK && (raw_words = html_has_words(cmark_node_get_literal(node))) < 0) {
			rc = -1;
			break;
		}
		if (raw_words)
			kind = UNIT_HTML;
		else if (type == CMARK_NODE_HEADING)
			kind = UNIT_HEADING;
		else if (type == CMARK_NODE_PARAGRAPH)
			kind = notes ? UNIT_NOTE : items ? UNIT_ITEM : quotes ? UNIT_QUOTE : UNIT_PARAGRAPH;
		else if (strcmp(name, "table_cell") == 0)
			kind = UNIT_CELL;
		if (!kind)
			continue;
		int failed = 0;
		char *markdown = type == CMARK_NODE_PARAGRAPH ? definitions_text(node, &lines, &failed) : NULL;
		if (!markdown && !failed && type == CMARK_NODE_PARAGRAPH && keep_lazy_list(node, &lines, out) != 0)
			failed = 1;
		if (markdown)
			kind = UNIT_ABBREVIATIONS;
		else if (kind == UNIT_HTML)
			markdown = raw_literal(node);
		else if (!failed)
			markdown = inline_markdown(node);
		if (!markdown) {
			rc = -1;
			break;
		}
		if ((kind == UNIT_PARAGRAPH && is_attribute_list(markdown)) || (kind == UNIT_CELL && !*markdown) ||
		    (kind == UNIT_ITEM && is_table_of_contents(markdown))) {
			free(markdown); /* kept from the source as it is */
			continue;
		}
		if (kind == UNIT_HEADING) {
			/* A new section: its pinned id, else its words transliterated. */
			char *words = plain_text(node);
			/* "Title {#pin}": the attribute block at its end pins the id. */
			const char *block = words ? strrchr(words, '{') : NULL;
			char *pinned = block && (block == words || block[-1] == ' ' || block[-1] == '\t')
			                   ? pp_heading_block_id(block, strlen(block), NULL)
			                   : NULL;
			char *plain = pinned || !words ? NULL : pp_slug(slugger, words);
			free(words);
			free(section);
			section = pinned ? pinned : plain && *plain ? plain : strdup("section");
			if (plain && section != plain)
				free(plain);
			memset(counts, 0, sizeof counts);
		}
		counts[kind]++;
		char *id = kind == UNIT_HEADING ? pp_strdup_printf("%s/h", section)
		                                : pp_strdup_printf("%s/%s-%zu", section, kind_code(kind), counts[kind]);
		char *note = pp_strdup_printf("%s, in section %s", kind_note(kind), section);
		if (!id || !note || pp_grow(&out->items, &out->capacity, out->count, sizeof *out->items, 64) != 0) {
			free(id);
			free(note);
			free(markdown);
			rc = -1;
			break;
		}
		out->items[out->count++] = (pp_unit){id, markdown, note, kind,
		                                     cmark_node_get_start_line(node) + text->body_line - 1, node,
		                                     kind == UNIT_HTML};
	}
	if (!section || lines.failed)
		rc = -1;
	if (slugger && pp_slugger_failed(slugger)) {
		pp_error(d, v->path, 0, 0, "cannot open ICU's Any-Latin transliterator for heading ids");
		rc = -1;
	}
	free(section);
	pp_text_lines_free(&lines);
	cmark_iter_free(iter);
	pp_slugger_free(slugger);
	if (text == &read)
		pp_version_clear(&read);
	if (rc != 0) {
		if (d->errors == 0)
			pp_error(d, v->path, 0, 0, "out of memory reading the text's units");
		pp_units_free(out);
	}
	return rc;
}

int pp_units_align(const pp_units *a, const pp_units *b, long **pairs)
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

/* "[^label]: -" for every footnote of the document: a unit's text parsed
 * with them reads its references as references. */
static char *footnote_definitions(cmark_node *doc)
{
	xmlBufferPtr defs = pp_dom_buffer_new();
	cmark_iter *iter = defs ? cmark_iter_new(doc) : NULL;
	cmark_event_type ev;
	while (iter && (ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(iter);
		if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(n) != CMARK_NODE_FOOTNOTE_DEFINITION)
			continue;
		/* cmark-gfm gives a definition's label only in its rendering:
		 * "[^label]:". */
		char *rendered = cmark_render_commonmark(n, CMARK_OPT_DEFAULT, 0);
		char *end = rendered && strncmp(rendered, "[^", 2) == 0 ? strstr(rendered, "]:") : NULL;
		if (end) {
			xmlBufferCat(defs, BAD_CAST "\n\n");
			xmlBufferAdd(defs, BAD_CAST rendered, (int)(end - rendered + 2));
			xmlBufferCat(defs, BAD_CAST " -");
		}
		free(rendered);
	}
	char *text = iter ? strdup((const char *)xmlBufferContent(defs)) : NULL;
	cmark_iter_free(iter);
	xmlBufferFree(defs);
	return text;
}

/* Whether every line of text is a definition (the first) or, after one, a
 * definition or an attribute list. */
static int all_definitions(const char *text)
{
	int count = 0;
	for (const char *p = text; p; count++) {
		const char *end = strchr(p, '\n');
		if (!pp_kramdown_abbreviation_line(p, end ? (size_t)(end - p) : strlen(p), count > 0))
			return 0;
		p = end ? end + 1 : NULL;
	}
	return 1;
}

/* The lines of a translation of abbreviations' definitions, as they are to
 * be written: a PO file gives them so; an XLIFF file gives Markdown written
 * back from its pieces, its text escaped ("\\*\\[RGPD\\]: …"), which is
 * read here (the text as a reader reads it, anything else as its Markdown).
 * malloc'ed; NULL when they are not definitions (*failed when out of
 * memory). */
static char *definition_lines(const char *text, int *failed)
{
	*failed = 0;
	if (all_definitions(text)) {
		char *copy = strdup(text);
		*failed = !copy;
		return copy;
	}
	cmark_node *doc = pp_markdown_parse(text, strlen(text));
	cmark_node *para = doc ? cmark_node_first_child(doc) : NULL;
	xmlBufferPtr lines = para ? pp_dom_buffer_new() : NULL;
	int one = lines && cmark_node_get_type(para) == CMARK_NODE_PARAGRAPH && !cmark_node_next(para);
	for (cmark_node *n = one ? cmark_node_first_child(para) : NULL; n && !*failed; n = cmark_node_next(n)) {
		cmark_node_type type = cmark_node_get_type(n);
		if (type == CMARK_NODE_TEXT) {
			xmlBufferCat(lines, BAD_CAST cmark_node_get_literal(n));
		} else if (type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK) {
			xmlBufferCat(lines, BAD_CAST "\n");
		} else {
			char *markdown = cmark_render_commonmark(n, CMARK_OPT_DEFAULT, 0);
			size_t len = markdown ? strlen(markdown) : 0;
			while (len > 0 && markdown[len - 1] == '\n')
				len--;
			if (markdown)
				xmlBufferAdd(lines, BAD_CAST markdown, (int)len);
			*failed = !markdown;
			free(markdown);
		}
	}
	char *out = one && !*failed ? strdup((const char *)xmlBufferContent(lines)) : NULL;
	*failed = *failed || !doc || (para && !lines) || (one && !out);
	if (out && !all_definitions(out)) {
		free(out);
		out = NULL;
	}
	if (lines)
		xmlBufferFree(lines);
	if (doc)
		cmark_node_free(doc);
	return out;
}

/* A unit of abbreviations' definitions takes its translation's lines as
 * they are written, each of them a definition (or the attribute list after
 * one), as its source's are. */
static void compose_definitions(pp_unit *u, const char *translation, int line, const char *file, pp_diags *d)
{
	int failed;
	char *text = definition_lines(translation, &failed);
	if (!text) {
		if (failed)
			pp_error(d, file, line, line ? 1 : 0, "out of memory");
		else
			pp_error(d, file, line, line ? 1 : 0,
			         "unit %s: each line of its translation must define an abbreviation, as its source's lines "
			         "do (*[abbreviation]: what it stands for)",
			         u->id);
		return;
	}
	cmark_node *child;
	while ((child = cmark_node_first_child(u->node)))
		cmark_node_free(child);
	/* Raw, so the CommonMark writer keeps "*[" as it is; line by line, so
	 * it puts each inside the blocks around it ("> "). */
	for (const char *p = text; p;) {
		const char *end = strchr(p, '\n');
		char *one = end ? strndup(p, (size_t)(end - p)) : strdup(p);
		cmark_node *raw = one ? cmark_node_new(CMARK_NODE_HTML_INLINE) : NULL;
		cmark_node *brk = end && raw ? cmark_node_new(CMARK_NODE_SOFTBREAK) : NULL;
		int ok = raw && (!end || brk) && cmark_node_set_literal(raw, one) && cmark_node_append_child(u->node, raw);
		ok = ok && (!brk || cmark_node_append_child(u->node, brk));
		free(one);
		if (!ok) {
			if (raw && !cmark_node_parent(raw))
				cmark_node_free(raw);
			if (brk && !cmark_node_parent(brk))
				cmark_node_free(brk);
			pp_error(d, file, line, line ? 1 : 0, "out of memory");
			break;
		}
		p = end ? end + 1 : NULL;
	}
	free(text);
}

char *pp_units_compose(pp_units *units, const char *const *texts, const int *lines, const char *file, pp_diags *d)
{
	size_t errors_before = d->errors;
	char *defs = footnote_definitions(units->doc);
	if (!defs) {
		pp_error(d, file, 0, 0, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < units->count; i++) {
		pp_unit *u = &units->items[i];
		if (u->kind == UNIT_ABBREVIATIONS) {
			compose_definitions(u, texts[i], lines ? lines[i] : 0, file, d);
			continue;
		}
		if (u->kind == UNIT_HTML) {
			compose_html(u, texts[i], lines ? lines[i] : 0, file, d);
			continue;
		}
		char *with_notes = pp_strdup_printf("%s%s\n", texts[i], defs);
		cmark_node *parsed = with_notes ? pp_markdown_parse(with_notes, strlen(with_notes)) : NULL;
		free(with_notes);
		cmark_node *block = parsed ? cmark_node_first_child(parsed) : NULL;
		if (!parsed) {
			pp_error(d, file, lines ? lines[i] : 0, lines && lines[i] ? 1 : 0, "out of memory");
			continue;
		}
		/* After the text, only the definitions added. */
		cmark_node *extra = block ? cmark_node_next(block) : NULL;
		while (extra && cmark_node_get_type(extra) == CMARK_NODE_FOOTNOTE_DEFINITION)
			extra = cmark_node_next(extra);
		if (!block || extra || cmark_node_get_type(block) != CMARK_NODE_PARAGRAPH) {
			pp_error(d, file, lines ? lines[i] : 0, lines && lines[i] ? 1 : 0,
			         "unit %s: its translation must be one run of text, as its source is (it reads as %s); "
			         "escape a leading '#', '-', '>' or number with '\\'",
			         u->id, !block ? "nothing" : extra ? "several blocks" : cmark_node_get_type_string(block));
			cmark_node_free(parsed);
			continue;
		}
		/* A footnote reference belongs to the parse it was read in (its
		 * definition there): written out as its Markdown, raw, it reads as
		 * a reference again in the composed text. */
		cmark_iter *refs = cmark_iter_new(block);
		cmark_node **ref_nodes = NULL;
		size_t ref_count = 0, ref_capacity = 0;
		cmark_event_type ev;
		while (refs && (ev = cmark_iter_next(refs)) != CMARK_EVENT_DONE)
			if (ev == CMARK_EVENT_ENTER &&
			    cmark_node_get_type(cmark_iter_get_node(refs)) == CMARK_NODE_FOOTNOTE_REFERENCE) {
				if (pp_grow(&ref_nodes, &ref_capacity, ref_count, sizeof *ref_nodes, 8) != 0) {
					pp_error(d, file, 0, 0, "out of memory");
					break;
				}
				ref_nodes[ref_count++] = cmark_iter_get_node(refs);
			}
		cmark_iter_free(refs);
		for (size_t k = 0; k < ref_count; k++) {
			char *markdown = cmark_render_commonmark(ref_nodes[k], CMARK_OPT_DEFAULT, 0);
			size_t n = markdown ? strlen(markdown) : 0;
			while (n > 0 && (markdown[n - 1] == '\n' || markdown[n - 1] == ' '))
				markdown[--n] = '\0';
			cmark_node *raw = markdown ? cmark_node_new(CMARK_NODE_HTML_INLINE) : NULL;
			if (raw && cmark_node_set_literal(raw, markdown) && cmark_node_insert_before(ref_nodes[k], raw))
				cmark_node_free(ref_nodes[k]);
			else if (raw)
				cmark_node_free(raw);
			free(markdown);
		}
		free(ref_nodes);
		cmark_node *child;
		if (pp_markdown_own_text(block) != 0) {
			pp_error(d, file, 0, 0, "out of memory");
			cmark_node_free(parsed);
			continue;
		}
		while ((child = cmark_node_first_child(u->node)))
			cmark_node_free(child);
		while ((child = cmark_node_first_child(block)))
			cmark_node_append_child(u->node, child);
		cmark_node_free(parsed);
	}
	free(defs);
	if (d->errors != errors_before)
		return NULL;
	char *markdown = cmark_render_commonmark(units->doc, CMARK_OPT_DEFAULT, 0);
	if (markdown)
		unindent_lazy_lists(units, markdown);
	else
		pp_error(d, file, 0, 0, "out of memory writing the translation");
	return markdown;
}

char *pp_inline_codes(const char *markdown)
{
	cmark_node *doc = pp_markdown_parse(markdown, strlen(markdown));
	cmark_iter *iter = doc ? cmark_iter_new(doc) : NULL;
	xmlBufferPtr codes = iter ? pp_dom_buffer_new() : NULL;
	cmark_event_type ev;
	while (codes && (ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(iter);
		if (ev == CMARK_EVENT_ENTER && cmark_node_get_type(node) == CMARK_NODE_CODE) {
			xmlBufferCat(codes, BAD_CAST cmark_node_get_literal(node));
			xmlBufferCat(codes, BAD_CAST "\n");
		}
	}
	char *out = codes ? strdup((const char *)xmlBufferContent(codes)) : NULL;
	xmlBufferFree(codes);
	cmark_iter_free(iter);
	if (doc)
		cmark_node_free(doc);
	return out;
}

char *pp_inline_canonical(const char *markdown)
{
	/* Its footnote references defined, so they read as references. */
	xmlBufferPtr text = pp_dom_buffer_new();
	if (!text)
		return NULL;
	xmlBufferCat(text, BAD_CAST markdown);
	for (const char *p = strstr(markdown, "[^"); p; p = strstr(p + 2, "[^")) {
		const char *end = strchr(p, ']');
		if (!end || memchr(p, ' ', (size_t)(end - p)) || memchr(p, '\n', (size_t)(end - p)))
			continue;
		xmlBufferCat(text, BAD_CAST "\n\n");
		xmlBufferAdd(text, BAD_CAST p, (int)(end - p + 1));
		xmlBufferCat(text, BAD_CAST ": -");
	}
	cmark_node *doc = pp_markdown_parse((const char *)xmlBufferContent(text), (size_t)xmlBufferLength(text));
	xmlBufferFree(text);
	cmark_node *block = doc ? cmark_node_first_child(doc) : NULL;
	char *out = block ? inline_markdown(block) : NULL;
	if (doc)
		cmark_node_free(doc);
	return out ? out : strdup(markdown);
}
