#include "markdown_internal.h"

#include <ctype.h>
#include <pthread.h>
#include <string.h>

#include <libxml/HTMLparser.h>

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm/registry.h>

#include "dom.h"
#include "fsutil.h"
#include "l10n.h"

#include <unicode/uchar.h>
#include <unicode/utf16.h>

void pp_markdown_init(void) { cmark_gfm_core_extensions_ensure_registered(); }

void pp_markdown_shutdown(void) { cmark_release_plugins(); }

int pp_markdown_costly_block(const char *text, size_t len, int *line)
{
	/* cmark-gfm 0.29.0.gfm.6 (Debian 12) walks every open bracket of a
	 * paragraph each time a link closes, and image openers ("![") stay open:
	 * a paragraph's cost grows with openers times links. A leaf block never
	 * spans a blank line, so counting between blank lines bounds it. */
	size_t openers = 0, links = 0;
	/* Over the whole text first: nearly every text is far below the bound
	 * there, and no paragraph can be above it then. */
	const char *end = text + len;
	for (const char *p = text; (p = memchr(p, '!', (size_t)(end - p))) != NULL && p + 1 < end; p++)
		openers += p[1] == '[';
	for (const char *p = text; openers && (p = memchr(p, ']', (size_t)(end - p))) != NULL && p + 1 < end; p++)
		links += p[1] == '(';
	if (openers * links <= PP_MAX_OPENERS_TIMES_LINKS)
		return 0;
	openers = links = 0;
	int ln = 1, chunk_line = 1, blank = 1;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == '\n') {
			if (blank) {
				openers = links = 0;
				chunk_line = ln + 1;
			}
			ln++;
			blank = 1;
			continue;
		}
		if (c != ' ' && c != '\t' && c != '\r')
			blank = 0;
		if (c == '!' && i + 1 < len && text[i + 1] == '[')
			openers++;
		else if (c == ']' && i + 1 < len && text[i + 1] == '(')
			links++;
		else
			continue;
		if (openers * links > PP_MAX_OPENERS_TIMES_LINKS) {
			*line = chunk_line;
			return 1;
		}
	}
	return 0;
}

/* cmark-gfm 0.29 keeps its table of special inline characters in a process
 * global: finishing a document adds the extensions' characters ('~', the
 * autolink triggers) before parsing inlines and removes them after. Two
 * parses at once would see each other's removal and miss strikethrough and
 * autolinks at random, so parses take turns. This lock guards the library's
 * state; policypress keeps none of its own. */
static pthread_mutex_t cmark_global_table = PTHREAD_MUTEX_INITIALIZER;

int pp_markdown_own_text(cmark_node *root)
{
	cmark_iter *iter = cmark_iter_new(root);
	if (!iter)
		return -1;
	int rc = 0;
	cmark_event_type ev;
	while ((ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(iter);
		if (ev != CMARK_EVENT_ENTER)
			continue;
		cmark_node_type type = cmark_node_get_type(n);
		if (type == CMARK_NODE_TEXT || type == CMARK_NODE_CODE || type == CMARK_NODE_HTML_INLINE) {
			const char *literal = cmark_node_get_literal(n);
			if (literal && !cmark_node_set_literal(n, literal))
				rc = -1;
		} else if (type == CMARK_NODE_LINK || type == CMARK_NODE_IMAGE) {
			const char *url = cmark_node_get_url(n), *title = cmark_node_get_title(n);
			if ((url && !cmark_node_set_url(n, url)) || (title && !cmark_node_set_title(n, title)))
				rc = -1;
		}
	}
	cmark_iter_free(iter);
	return rc;
}

cmark_node *pp_markdown_parse(const char *text, size_t len)
{
	pthread_mutex_lock(&cmark_global_table);
	cmark_node *doc = NULL;
	cmark_parser *parser = cmark_parser_new(CMARK_OPT_DEFAULT | CMARK_OPT_FOOTNOTES);
	if (!parser) {
		pthread_mutex_unlock(&cmark_global_table);
		return NULL;
	}
	static const char *const extensions[] = {"table", "strikethrough", "autolink"};
	for (size_t i = 0; i < sizeof extensions / sizeof *extensions; i++) {
		cmark_syntax_extension *ext = cmark_find_syntax_extension(extensions[i]);
		if (ext)
			cmark_parser_attach_syntax_extension(parser, ext);
	}
	cmark_parser_feed(parser, text, len);
	doc = cmark_parser_finish(parser);
	cmark_parser_free(parser);
	pthread_mutex_unlock(&cmark_global_table);
	return doc;
}

int pp_url_is_safe(const char *url, int for_image)
{
	/* Browsers drop ASCII whitespace and controls inside a scheme
	 * ("java\tscript:"), so do the same before reading it. */
	char scheme[16];
	size_t n = 0;
	int long_scheme = 0;
	const char *p = url;
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20)
			continue;
		if (c == ':' || c == '/' || c == '?' || c == '#')
			break;
		if (n + 1 < sizeof scheme)
			scheme[n++] = (char)tolower(c);
		else
			long_scheme = 1;
	}
	/* No scheme: a relative URL ("backpack-subprocessors/", however long
	 * its first segment) or a fragment. */
	if (*p != ':')
		return 1;
	if (long_scheme)
		return 0; /* none of the schemes allowed is that long */
	scheme[n] = '\0';
	if (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0)
		return 1;
	return !for_image && (strcmp(scheme, "mailto") == 0 || strcmp(scheme, "tel") == 0);
}

int pp_url_has_scheme(const char *url)
{
	size_t n = strspn(url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
	return n > 0 && isalpha((unsigned char)url[0]) && url[n] == ':';
}

int pp_dom_is_heading(xmlNodePtr n)
{
	return n && n->type == XML_ELEMENT_NODE && n->name[0] == 'h' && n->name[1] >= '1' &&
	       n->name[1] <= '6' && !n->name[2];
}

int pp_dom_is_block(xmlNodePtr n)
{
	/* Asked of every element the diff and the page writer read: the names
	 * by their first letter, so most elements (p, li, span, a, em) are
	 * answered by a test or two. */
	static const char *const by_letter[26][8] = {
		['a' - 'a'] = {"address"},
		['b' - 'a'] = {"blockquote"},
		['c' - 'a'] = {"caption"},
		['d' - 'a'] = {"dd", "details", "div", "dl", "dt"},
		['f' - 'a'] = {"figcaption", "figure"},
		['h' - 'a'] = {"h1", "h2", "h3", "h4", "h5", "h6", "hr"},
		['l' - 'a'] = {"li"},
		['o' - 'a'] = {"ol"},
		['p' - 'a'] = {"p", "pre"},
		['s' - 'a'] = {"section", "summary"},
		['t' - 'a'] = {"table", "tbody", "td", "tfoot", "th", "thead", "tr"},
		['u' - 'a'] = {"ul"},
	};
	if (!n || n->type != XML_ELEMENT_NODE || n->name[0] < 'a' || n->name[0] > 'z')
		return 0;
	for (const char *const *name = by_letter[n->name[0] - 'a']; *name; name++)
		if (strcmp((const char *)n->name, *name) == 0)
			return 1;
	return 0;
}

/* The element's own dir attribute: 1 for rtl, 0 for anything else, -1 when
 * it has none. */
static int own_dir_rtl(xmlNodePtr el)
{
	xmlChar *dir = xmlGetProp(el, BAD_CAST "dir");
	if (!dir)
		return -1;
	int rtl = xmlStrcmp(dir, BAD_CAST "rtl") == 0;
	xmlFree(dir);
	return rtl;
}

/* Adds the words of an element counted before (st->counted) to c, as a
 * word of their own; 0 when it was not counted. */
static int add_counted(const render_state *st, xmlNodePtr el, pp_direction_count *c)
{
	uintptr_t i = (uintptr_t)el->_private;
	if (i == 0)
		return 0;
	const pp_direction_count *own = &st->counted[i - 1];
	if (c->first == PP_DIR_NEUTRAL)
		c->first = own->first;
	c->ltr = own->ltr > UINT32_MAX - c->ltr ? UINT32_MAX : c->ltr + own->ltr;
	c->rtl = own->rtl > UINT32_MAX - c->rtl ? UINT32_MAX : c->rtl + own->rtl;
	c->word_counted = 0;
	return 1;
}

/* The words of each direction under node, in document order, skipping
 * elements that carry their own dir (they are isolated). An element
 * counted before is not entered: each text is read once however deep the
 * blocks around it nest. Iterative: depth costs no stack. */
static void count_directions(const render_state *st, xmlNodePtr node, pp_direction_count *c)
{
	memset(c, 0, sizeof *c);
	xmlNodePtr n = node->children;
	while (n) {
		xmlNodePtr descend = NULL;
		if (n->type == XML_TEXT_NODE && n->content)
			pp_text_facts_count_directions(st->ctx->facts, (const char *)n->content, strlen((const char *)n->content),
			                               c);
		else if (n->type == XML_ELEMENT_NODE && !xmlHasProp(n, BAD_CAST "dir") && !add_counted(st, n, c))
			descend = n->children;
		if (descend) {
			n = descend;
			continue;
		}
		while (n && n != node && !n->next)
			n = n->parent;
		n = n && n != node ? n->next : NULL;
	}
}

/* The direction most of the words run in; a tie is the context's. A
 * brand name, an address or a term in Latin letters at the start of an
 * Arabic sentence does not turn it left to right, as the first strong
 * character (rule P2, dir=auto) would. */
static pp_direction majority_direction(const pp_direction_count *c, int context_rtl)
{
	if (c->ltr != c->rtl)
		return c->ltr > c->rtl ? PP_DIR_LTR : PP_DIR_RTL;
	return c->ltr == 0 ? PP_DIR_NEUTRAL : context_rtl ? PP_DIR_RTL : PP_DIR_LTR;
}

int pp_dom_inherited_rtl(xmlNodePtr node, int rtl_default)
{
	for (; node && node->type == XML_ELEMENT_NODE; node = node->parent) {
		int rtl = own_dir_rtl(node);
		if (rtl >= 0)
			return rtl;
	}
	return rtl_default;
}

/* Gives a block its own dir when most of its words run the other way from
 * its context (context_rtl: the direction around it). */
static void set_block_direction(xmlNodePtr el, const pp_direction_count *c, int context_rtl)
{
	pp_direction dir = majority_direction(c, context_rtl);
	/* A direction the author gave (a kramdown attribute list) stays. */
	if (dir != PP_DIR_NEUTRAL && (dir == PP_DIR_RTL) != context_rtl && !xmlHasProp(el, BAD_CAST "dir"))
		xmlSetProp(el, BAD_CAST "dir", BAD_CAST(dir == PP_DIR_RTL ? "rtl" : "ltr"));
}

/* Isolates a link whose words run mostly left to right inside
 * right-to-left text. */
static void isolate_inline(xmlNodePtr el, const pp_direction_count *c, int context_rtl)
{
	if (context_rtl && majority_direction(c, context_rtl) == PP_DIR_LTR && !xmlHasProp(el, BAD_CAST "dir"))
		xmlSetProp(el, BAD_CAST "dir", BAD_CAST "ltr");
}

static void collect_text(cmark_node *node, xmlBufferPtr buf)
{
	cmark_iter *iter = cmark_iter_new(node);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		cmark_node *cur = cmark_iter_get_node(iter);
		if (ev != CMARK_EVENT_ENTER)
			continue;
		const char *lit = NULL;
		switch (cmark_node_get_type(cur)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			lit = cmark_node_get_literal(cur);
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			lit = " ";
			break;
		default:
			break;
		}
		if (lit)
			xmlBufferCat(buf, BAD_CAST lit);
	}
	cmark_iter_free(iter);
}

static const char *table_alignment_class(cmark_node *cell)
{
	cmark_node *row = cmark_node_parent(cell);
	cmark_node *table = row ? cmark_node_parent(row) : NULL;
	if (!table)
		return NULL;
	int index = 0;
	for (cmark_node *c = cmark_node_first_child(row); c && c != cell; c = cmark_node_next(c))
		index++;
	uint16_t columns = cmark_gfm_extensions_get_table_columns(table);
	uint8_t *align = cmark_gfm_extensions_get_table_alignments(table);
	if (!align || index >= columns)
		return NULL;
	/* GFM's "left" is where a line starts, which in RTL text is the right:
	 * logical names keep one meaning in both directions. */
	switch (align[index]) {
	case 'l': return "align-start";
	case 'c': return "align-center";
	case 'r': return "align-end";
	default: return NULL;
	}
}

xmlNodePtr pp_md_new_child(xmlNodePtr parent, const char *name)
{
	return xmlNewChild(parent, NULL, BAD_CAST name, NULL);
}

/* Text enters the DOM in NFC, so what is compared and published is the
 * canonical form of what the author typed. */
static int append_text(pp_text_facts *facts, xmlNodePtr parent, const char *text)
{
	if (!text || !*text)
		return 0;
	size_t len = strlen(text);
	int normalized = pp_text_facts_is_nfc(facts, text, len);
	char *nfc = normalized == 0 ? pp_nfc(text, len) : NULL;
	if (normalized < 0 || (normalized == 0 && !nfc))
		return -1;
	xmlNodePtr node = xmlNewText(BAD_CAST(nfc ? nfc : text));
	free(nfc);
	return node && xmlAddChild(parent, node) ? 0 : -1;
}

int pp_md_append_text(xmlNodePtr parent, const char *text) { return append_text(NULL, parent, text); }

/* Creates the element for a container node on entry. Returns the element
 * that the node's children go into, or NULL when the node is dropped. */
static xmlNodePtr enter_extension(cmark_node *node, xmlNodePtr cur)
{
	const char *type = cmark_node_get_type_string(node);
	if (strcmp(type, "table") == 0) {
		xmlNodePtr wrapper = pp_md_new_child(cur, "div");
		if (!wrapper)
			return NULL;
		/* Wide tables scroll inside the column instead of widening the page. */
		xmlSetProp(wrapper, BAD_CAST "class", BAD_CAST "table-scroll");
		return pp_md_new_child(wrapper, "table");
	}
	if (strcmp(type, "table_header") == 0 || strcmp(type, "table_row") == 0) {
		const char *group = strcmp(type, "table_header") == 0 ? "thead" : "tbody";
		xmlNodePtr section = cur->last;
		if (!section || xmlStrcmp(section->name, BAD_CAST group) != 0)
			section = pp_md_new_child(cur, group);
		return section ? pp_md_new_child(section, "tr") : NULL;
	}
	if (strcmp(type, "table_cell") == 0) {
		cmark_node *row = cmark_node_parent(node);
		int header = row && strcmp(cmark_node_get_type_string(row), "table_header") == 0;
		xmlNodePtr cell = pp_md_new_child(cur, header ? "th" : "td");
		const char *align = table_alignment_class(node);
		if (cell && align)
			xmlSetProp(cell, BAD_CAST "class", BAD_CAST align);
		return cell;
	}
	if (strcmp(type, "strikethrough") == 0)
		return pp_md_new_child(cur, "s");
	return pp_md_new_child(cur, "span");
}


static size_t id_hash(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot holding key, or NULL. */
static id_slot *id_find(const id_table *t, const char *key)
{
	if (!t->cap)
		return NULL;
	for (size_t i = id_hash(key) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		id_slot *slot = &t->slots[i];
		if (!slot->key && !slot->removed)
			return NULL;
		if (slot->key && strcmp(slot->key, key) == 0)
			return slot;
	}
}

/* Sets key (copied) to value. -1 when out of memory. */
static int id_set(id_table *t, const char *key, long value)
{
	id_slot *found = id_find(t, key);
	if (found) {
		found->value = value;
		return 0;
	}
	if ((t->filled + 1) * 2 > t->cap) {
		id_table grown = {calloc(t->cap ? t->cap * 2 : 32, sizeof *grown.slots), t->cap ? t->cap * 2 : 32, 0};
		if (!grown.slots)
			return -1;
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->slots[i].key)
				continue;
			size_t j = id_hash(t->slots[i].key) & (grown.cap - 1);
			while (grown.slots[j].key)
				j = (j + 1) & (grown.cap - 1);
			grown.slots[j] = t->slots[i];
			grown.filled++;
		}
		free(t->slots);
		*t = grown;
	}
	char *copy = strdup(key);
	if (!copy)
		return -1;
	size_t i = id_hash(key) & (t->cap - 1);
	while (t->slots[i].key)
		i = (i + 1) & (t->cap - 1);
	if (!t->slots[i].removed)
		t->filled++;
	t->slots[i] = (id_slot){copy, value, 0};
	return 0;
}

static void id_table_free(id_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i].key);
	free(t->slots);
}

int pp_md_line_of(const render_state *st, cmark_node *node)
{
	return cmark_node_get_start_line(node) + st->ctx->line_offset;
}

pp_severity pp_md_content_severity(const render_state *st)
{
	return st->ctx->strict ? PP_ERROR : PP_WARNING;
}

static xmlNodePtr enter_link(render_state *st, cmark_node *node, xmlNodePtr cur)
{
	const char *url = cmark_node_get_url(node);
	if (!url || !pp_url_is_safe(url, 0)) {
		pp_diag_add(st->d, pp_md_content_severity(st), st->ctx->path, pp_md_line_of(st, node),
		            cmark_node_get_start_column(node), "link to '%s' removed: only http, https, mailto, tel and relative links are "
		           "allowed",
		           url ? url : "");
		return pp_md_new_child(cur, "span");
	}
	xmlNodePtr a = pp_md_new_child(cur, "a");
	if (a) {
		xmlSetProp(a, BAD_CAST "href", BAD_CAST url);
		const char *title = cmark_node_get_title(node);
		if (title && *title)
			xmlSetProp(a, BAD_CAST "title", BAD_CAST title);
	}
	return a;
}

static void add_image(render_state *st, cmark_node *node, xmlNodePtr cur)
{
	const char *url = cmark_node_get_url(node);
	xmlBufferPtr alt = pp_dom_buffer_new();
	if (!alt) {
		st->failed = 1;
		return;
	}
	collect_text(node, alt);
	if (!url || !pp_url_is_safe(url, 1)) {
		pp_diag_add(st->d, pp_md_content_severity(st), st->ctx->path, pp_md_line_of(st, node),
		            cmark_node_get_start_column(node), "image '%s' removed: only http, https and relative image URLs are allowed",
		           url ? url : "");
		/* Keep the description so no words of the policy are lost. */
		if (pp_md_append_text(cur, (const char *)xmlBufferContent(alt)) != 0)
			st->failed = 1;
	} else {
		xmlNodePtr img = pp_md_new_child(cur, "img");
		if (!img) {
			st->failed = 1;
		} else {
			xmlSetProp(img, BAD_CAST "src", BAD_CAST url);
			xmlSetProp(img, BAD_CAST "alt", xmlBufferContent(alt));
			const char *title = cmark_node_get_title(node);
			if (title && *title)
				xmlSetProp(img, BAD_CAST "title", BAD_CAST title);
		}
	}
	xmlBufferFree(alt);
}

static void add_code_block(cmark_node *node, xmlNodePtr cur, render_state *st)
{
	xmlNodePtr pre = pp_md_new_child(cur, "pre");
	xmlNodePtr code = pre ? pp_md_new_child(pre, "code") : NULL;
	if (!code) {
		st->failed = 1;
		return;
	}
	/* Code reads left to right whatever the page's language. */
	xmlSetProp(pre, BAD_CAST "dir", BAD_CAST "ltr");
	const char *info = cmark_node_get_fence_info(node);
	if (info && *info) {
		size_t n = strcspn(info, " \t");
		xmlChar *lang = xmlStrncatNew(BAD_CAST "language-", BAD_CAST info, (int)n);
		if (lang) {
			xmlSetProp(code, BAD_CAST "class", lang);
			xmlFree(lang);
		}
	}
	if (pp_md_append_text(code, cmark_node_get_literal(node)) != 0)
		st->failed = 1;
}

/* ---- footnotes ---- */

static void set_id(render_state *st, xmlNodePtr el, const char *id)
{
	if (!el || !id || id_set(&st->ids, id, 0) != 0)
		st->failed = 1;
	else
		xmlSetProp(el, BAD_CAST "id", BAD_CAST id);
}

/* Remembers el in a list of the state; -1 when out of memory. */
static int remember(xmlNodePtr **list, size_t *count, size_t *cap, xmlNodePtr el)
{
	if (pp_grow(list, cap, *count, sizeof **list, 8) != 0)
		return -1;
	(*list)[(*count)++] = el;
	return 0;
}

/* The attributes a kramdown list gave node: lang and dir, and the id
 * (headings take theirs when their own id is given, at their end). A list
 * that is kramdown's table of contents is kept empty, to be filled once
 * every heading has its id: 1 then, so its items are not rendered. */
static int apply_attributes(render_state *st, cmark_node *node, xmlNodePtr el)
{
	const pp_attributes *a = pp_attributes_of(st->attrs, node);
	if (!a || !el || el->type != XML_ELEMENT_NODE)
		return 0;
	if (a->lang)
		xmlSetProp(el, BAD_CAST "lang", BAD_CAST a->lang);
	if (a->dir)
		xmlSetProp(el, BAD_CAST "dir", BAD_CAST a->dir);
	int toc = a->toc && cmark_node_get_type(node) == CMARK_NODE_LIST;
	if (a->no_toc && pp_dom_is_heading(el) && remember(&st->not_in_toc, &st->not_in_toc_count, &st->not_in_toc_cap, el) != 0)
		st->failed = 1;
	if (toc && remember(&st->tocs, &st->toc_count, &st->toc_cap, el) != 0)
		st->failed = 1;
	if (a->id && !pp_dom_is_heading(el))
		pp_md_claim_id(st, el, a->id, node);
	else if (toc && st->toc_count == 1)
		pp_md_claim_id(st, el, "markdown-toc", node); /* kramdown's id for it */
	return toc;
}

/* A reference: a superscript link to its note, with an id its note's back
 * link leads to ("fnref-2", "fnref-2-2" for the second reference to note 2). */
static void add_note_reference(render_state *st, cmark_node *node, xmlNodePtr cur)
{
	const char *number = cmark_node_get_literal(node);
	long n = number ? atol(number) : 0;
	if (n <= 0 || n > 1000000) {
		st->failed = 1;
		return;
	}
	size_t at = (size_t)n;
	if (at >= st->note_refs_cap) {
		size_t cap = st->note_refs_cap ? st->note_refs_cap : 16;
		while (cap <= at)
			cap *= 2;
		size_t *grown = realloc(st->note_refs, cap * sizeof *grown);
		if (!grown) {
			st->failed = 1;
			return;
		}
		memset(grown + st->note_refs_cap, 0, (cap - st->note_refs_cap) * sizeof *grown);
		st->note_refs = grown;
		st->note_refs_cap = cap;
	}
	size_t k = ++st->note_refs[at];
	xmlNodePtr sup = pp_md_new_child(cur, "sup");
	xmlNodePtr link = sup ? pp_md_new_child(sup, "a") : NULL;
	char *href = pp_strdup_printf("#fn-%ld", n);
	char *id = k == 1 ? pp_strdup_printf("fnref-%ld", n) : pp_strdup_printf("fnref-%ld-%zu", n, k);
	if (!link || !href || !id || pp_md_append_text(link, number) != 0) {
		st->failed = 1;
	} else {
		xmlSetProp(sup, BAD_CAST "class", BAD_CAST "footnote-ref");
		xmlSetProp(link, BAD_CAST "href", BAD_CAST href);
		xmlSetProp(link, BAD_CAST "role", BAD_CAST "doc-noteref");
		set_id(st, link, id);
	}
	free(href);
	free(id);
}

/* A note: an item of the notes section at the end of the document, opened
 * with the first note. */
static xmlNodePtr enter_note(render_state *st, xmlNodePtr cur)
{
	if (!st->notes) {
		xmlNodePtr section = pp_md_new_child(cur, "section");
		if (!section)
			return NULL;
		xmlSetProp(section, BAD_CAST "class", BAD_CAST "footnotes");
		xmlSetProp(section, BAD_CAST "role", BAD_CAST "doc-endnotes");
		st->notes = pp_md_new_child(section, "ol");
	}
	xmlNodePtr item = st->notes ? pp_md_new_child(st->notes, "li") : NULL;
	char *id = pp_strdup_printf("fn-%zu", ++st->notes_seen);
	set_id(st, item, id);
	free(id);
	return item;
}

/* The links back from a note to each reference to it, at the end of its
 * last paragraph (or of the note). */
static void add_note_back_links(render_state *st, xmlNodePtr item)
{
	size_t n = st->notes_seen, refs = n < st->note_refs_cap ? st->note_refs[n] : 0;
	xmlNodePtr at = item->last;
	while (at && at->type != XML_ELEMENT_NODE)
		at = at->prev;
	if (!at || xmlStrcmp(at->name, BAD_CAST "p") != 0)
		at = item;
	for (size_t k = 1; k <= refs; k++) {
		char *href = k == 1 ? pp_strdup_printf("#fnref-%zu", n) : pp_strdup_printf("#fnref-%zu-%zu", n, k);
		char *label = k == 1 ? strdup("\u21A9") : pp_strdup_printf("\u21A9%zu", k);
		xmlNodePtr link = href && label && pp_md_append_text(at, " ") == 0 ? pp_md_new_child(at, "a") : NULL;
		if (!link || pp_md_append_text(link, label) != 0) {
			st->failed = 1;
		} else {
			xmlSetProp(link, BAD_CAST "href", BAD_CAST href);
			xmlSetProp(link, BAD_CAST "class", BAD_CAST "footnote-backref");
			xmlSetProp(link, BAD_CAST "role", BAD_CAST "doc-backlink");
		}
		free(href);
		free(label);
	}
}

/* Element for a container node, or NULL if its children join cur directly. */
static xmlNodePtr enter_container(render_state *st, cmark_node *node, xmlNodePtr cur)
{
	char tag[4];
	switch (cmark_node_get_type(node)) {
	case CMARK_NODE_DOCUMENT:
		return cur;
	case CMARK_NODE_BLOCK_QUOTE:
		return pp_md_new_child(cur, "blockquote");
	case CMARK_NODE_LIST: {
		int ordered = cmark_node_get_list_type(node) == CMARK_ORDERED_LIST;
		xmlNodePtr list = pp_md_new_child(cur, ordered ? "ol" : "ul");
		int start = cmark_node_get_list_start(node);
		if (list && ordered && start != 1) {
			char number[16];
			snprintf(number, sizeof number, "%d", start);
			xmlSetProp(list, BAD_CAST "start", BAD_CAST number);
		}
		return list;
	}
	case CMARK_NODE_ITEM:
		return pp_md_new_child(cur, "li");
	case CMARK_NODE_PARAGRAPH: {
		/* Tight list items show their text without a paragraph, as cmark does. */
		cmark_node *parent = cmark_node_parent(node);
		cmark_node *list = parent ? cmark_node_parent(parent) : NULL;
		if (parent && cmark_node_get_type(parent) == CMARK_NODE_ITEM && list &&
		    cmark_node_get_list_tight(list))
			return cur;
		/* A term or a definition of a kramdown list: its line only. */
		if (parent && pp_kramdown_definition_part(parent))
			return cur;
		return pp_md_new_child(cur, "p");
	}
	case CMARK_NODE_HEADING:
		snprintf(tag, sizeof tag, "h%d", cmark_node_get_heading_level(node));
		return pp_md_new_child(cur, tag);
	case CMARK_NODE_EMPH:
		return pp_md_new_child(cur, "em");
	case CMARK_NODE_STRONG:
		return pp_md_new_child(cur, "strong");
	case CMARK_NODE_LINK:
		return enter_link(st, node, cur);
	case CMARK_NODE_FOOTNOTE_DEFINITION:
		return enter_note(st, cur);
	case CMARK_NODE_CUSTOM_BLOCK: {
		const char *part = pp_kramdown_definition_part(node);
		return part ? pp_md_new_child(cur, part) : cur; /* raw on_enter/on_exit text is never emitted */
	}
	case CMARK_NODE_CUSTOM_INLINE:
		return cur;
	default:
		return enter_extension(node, cur);
	}
}

/* len bytes of text appended to parent; -1 when out of memory. */
static int append_text_bytes(xmlNodePtr parent, const char *text, size_t len)
{
	char *copy = strndup(text, len);
	int rc = copy ? pp_md_append_text(parent, copy) : -1;
	free(copy);
	return rc;
}

/* A text node's text with kramdown's abbreviations in it as <abbr>s with
 * their titles; a heading's attribute block at the end of its text is left
 * to be read as one. */
static void append_abbreviated(render_state *st, cmark_node *node, xmlNodePtr cur, int context_rtl)
{
	const char *text = cmark_node_get_literal(node);
	if (!text)
		return;
	size_t len = strlen(text), end = len, done = 0, start, length;
	cmark_node *parent = cmark_node_parent(node);
	if (parent && cmark_node_get_type(parent) == CMARK_NODE_HEADING && !cmark_node_next(node)) {
		const char *block = pp_kramdown_trailing_block(text);
		if (block)
			end = (size_t)(block - text);
	}
	const char *title;
	while (!st->failed &&
	       pp_kramdown_abbreviation_find(st->ctx->abbreviations, text, end, done, &start, &length, &title,
	                                     &st->abbreviation_steps)) {
		xmlNodePtr abbr = append_text_bytes(cur, text + done, start - done) == 0 ? pp_md_new_child(cur, "abbr") : NULL;
		if (!abbr || (*title && !xmlSetProp(abbr, BAD_CAST "title", BAD_CAST title)) ||
		    append_text_bytes(abbr, text + start, length) != 0) {
			st->failed = 1;
			return;
		}
		pp_md_exit_element(st, abbr, NULL, context_rtl);
		done = start + length;
	}
	if (append_text_bytes(cur, text + done, len - done) != 0)
		st->failed = 1;
}

static void add_leaf(render_state *st, cmark_node *node, xmlNodePtr cur, int context_rtl)
{
	switch (cmark_node_get_type(node)) {
	case CMARK_NODE_TEXT:
		if (st->ctx->abbreviations)
			append_abbreviated(st, node, cur, context_rtl);
		else if (append_text(st->ctx->facts, cur, cmark_node_get_literal(node)) != 0)
			st->failed = 1;
		break;
	case CMARK_NODE_SOFTBREAK:
		if (pp_md_append_text(cur, "\n") != 0)
			st->failed = 1;
		break;
	case CMARK_NODE_LINEBREAK:
		if (!pp_md_new_child(cur, "br"))
			st->failed = 1;
		break;
	case CMARK_NODE_CODE: {
		xmlNodePtr code = pp_md_new_child(cur, "code");
		if (!code || pp_md_append_text(code, cmark_node_get_literal(node)) != 0)
			st->failed = 1;
		apply_attributes(st, node, code);
		if (code) {
			pp_direction_count words;
			count_directions(st, code, &words);
			isolate_inline(code, &words, context_rtl);
		}
		break;
	}
	case CMARK_NODE_CODE_BLOCK:
		add_code_block(node, cur, st);
		break;
	case CMARK_NODE_THEMATIC_BREAK:
		if (!pp_md_new_child(cur, "hr"))
			st->failed = 1;
		break;
	case CMARK_NODE_HTML_INLINE:
		pp_md_add_inline_html(st, node, cur);
		break;
	case CMARK_NODE_HTML_BLOCK:
		pp_md_add_html_block(st, node, cur, context_rtl);
		break;
	case CMARK_NODE_FOOTNOTE_REFERENCE:
		add_note_reference(st, node, cur);
		break;
	default:
		break;
	}
}

static int is_leaf(cmark_node *node)
{
	switch (cmark_node_get_type(node)) {
	case CMARK_NODE_TEXT:
	case CMARK_NODE_SOFTBREAK:
	case CMARK_NODE_LINEBREAK:
	case CMARK_NODE_CODE:
	case CMARK_NODE_CODE_BLOCK:
	case CMARK_NODE_THEMATIC_BREAK:
	case CMARK_NODE_HTML_INLINE:
	case CMARK_NODE_HTML_BLOCK:
	case CMARK_NODE_FOOTNOTE_REFERENCE:
		return 1;
	default:
		return 0;
	}
}

/* ---- attribute blocks and heading ids ---- */


/* Ids the pages make: footnotes' and their references', changes pages'
 * marks ("fn-3", "fnref-3-2", "change-12"). */
static int is_generated_id(const char *id)
{
	static const char *const prefixes[] = {"fn-", "fnref-", "change-"};
	for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(id, prefixes[i], n) == 0 && id[n] >= '0' && id[n] <= '9')
			return 1;
	}
	return 0;
}

static int is_page_id(const render_state *st, const char *id)
{
	for (size_t i = 0; i < st->ctx->reserved_count; i++)
		if (strcmp(st->ctx->reserved_ids[i], id) == 0)
			return 1;
	return 0;
}

static int id_taken(const render_state *st, const char *id)
{
	return id_find(&st->ids, id) != NULL || is_page_id(st, id) || is_generated_id(id);
}

void pp_md_claim_id(render_state *st, xmlNodePtr el, const char *id, cmark_node *node)
{
	const char *why = !pp_id_is_valid(id) ? "an id starts with a letter and holds letters, digits, '-', '_', ':' and '.'"
	                  : is_generated_id(id) ? "footnotes and changes pages make ids of that form"
	                  : is_page_id(st, id)  ? "the page around the text has an element of that id"
	                                        : NULL;
	int line = cmark_node_get_start_line(node) + st->ctx->line_offset, column = cmark_node_get_start_column(node);
	if (why)
		pp_warning(st->d, st->ctx->path, line, column, "id '%s' is dropped: %s", id, why);
	else if (id_find(&st->ids, id))
		pp_warning(st->d, st->ctx->path, line, column, "id '%s' is given twice; this one is dropped", id);
	else
		set_id(st, el, id);
}

/* A heading's words for its id: without its footnote references, so an
 * id does not change when an earlier note is added and the numbers move. */
static char *heading_words(xmlNodePtr heading)
{
	xmlBufferPtr words = pp_dom_buffer_new();
	if (!words)
		return NULL;
	for (xmlNodePtr n = heading->children; n;) {
		int skip = 0;
		if (n->type == XML_TEXT_NODE) {
			xmlBufferCat(words, n->content);
		} else if (n->type == XML_ELEMENT_NODE) {
			xmlChar *cls = xmlGetProp(n, BAD_CAST "class");
			skip = cls && xmlStrcmp(cls, BAD_CAST "footnote-ref") == 0;
			xmlFree(cls);
		}
		if (!skip && n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			continue;
		}
		while (n && !n->next && n != heading)
			n = n->parent;
		n = n && n != heading ? n->next : NULL;
	}
	char *text = strdup((const char *)xmlBufferContent(words));
	xmlBufferFree(words);
	return text;
}

/* Gives the heading an id unique in the document: wanted (pinned) or its
 * transliterated text, with "-2", "-3"... when taken. */
static void assign_heading_id(render_state *st, xmlNodePtr heading, cmark_node *node, const char *pinned)
{
	char *base = NULL;
	if (pinned) {
		base = strdup(pinned);
	} else {
		char *text = heading_words(heading);
		if (!st->slugger && !st->own_slugger) {
			st->slugger = pp_slugger_new();
			st->own_slugger = 1;
		}
		base = text && st->slugger ? pp_slug(st->slugger, text) : NULL;
		free(text);
		if (base && !*base) {
			free(base);
			base = strdup("section");
		}
	}
	if (!base)
		return;
	/* "## fn-1" would take a footnote's id and every suffix of it the
	 * footnotes' form: such a heading's id says it is a heading. */
	if (is_generated_id(base)) {
		char *prefixed = pp_strdup_printf("h-%s", base);
		free(base);
		if (!prefixed) {
			st->failed = 1;
			return;
		}
		base = prefixed;
	}
	/* The smallest free base-k, k >= 2, searched from where the last one
	 * was found: every base-k below the hint is taken. */
	char *id = strdup(base);
	if (id && id_taken(st, id)) {
		id_slot *hint = id_find(&st->next_suffix, base);
		long k = hint ? hint->value : 2;
		do {
			free(id);
			id = pp_strdup_printf("%s-%ld", base, k++);
		} while (id && id_taken(st, id));
		if (id_set(&st->next_suffix, base, k) != 0)
			st->failed = 1;
	}
	if (id && pinned && strcmp(id, base) != 0)
		pp_warning(st->d, st->ctx->path, cmark_node_get_start_line(node) + st->ctx->line_offset,
		           cmark_node_get_start_column(node), "id '%s' is %s; this one becomes '%s'", pinned,
		           is_page_id(st, base) ? "the page's own" : is_generated_id(pinned) ? "of the footnotes' form"
		                                                                           : "pinned twice",
		           id);
	if (id && id_set(&st->ids, id, 0) == 0)
		xmlSetProp(heading, BAD_CAST "id", BAD_CAST id);
	else
		st->failed = 1;
	free(id);
	free(base);
}

static void warn_attribute_block(render_state *st, cmark_node *node, const char *block)
{
	pp_warning(st->d, st->ctx->path, cmark_node_get_start_line(node) + st->ctx->line_offset,
	           cmark_node_get_start_column(node),
	           "attribute block '%s' is not understood and was dropped (only an id, as {#id} or "
	           "{: #id }, is used)",
	           block);
}

/* A heading's trailing attribute block: removed from its text; its id, if
 * any, returned (malloc'ed). */
static char *take_heading_attributes(render_state *st, xmlNodePtr heading, cmark_node *node)
{
	xmlNodePtr last = heading->last;
	if (!last || last->type != XML_TEXT_NODE || !last->content)
		return NULL;
	const char *text = (const char *)last->content;
	const char *block = pp_kramdown_trailing_block(text);
	if (!block)
		return NULL;
	size_t n = strlen(block);
	while (n > 0 && (block[n - 1] == ' ' || block[n - 1] == '\t'))
		n--; /* the block as it is shown in a warning */
	char *id = pp_heading_block_id(block, n, st->attrs);
	if (!id) {
		char *shown = strndup(block, n);
		warn_attribute_block(st, node, shown ? shown : "{}");
		free(shown);
	}
	size_t keep = (size_t)(block - text);
	while (keep > 0 && (text[keep - 1] == ' ' || text[keep - 1] == '\t'))
		keep--;
	xmlChar *rest = xmlStrndup(last->content, (int)keep);
	xmlNodeSetContent(last, rest);
	xmlFree(rest);
	return id;
}

/* ---- runs of the other direction inside text ---- */

/* Bidi classes seen from a context direction: the strong class of the other
 * direction starts a run; numbers, signs and separators can belong to one. */
static int opposite_strong(UCharDirection d, int rtl)
{
	return rtl ? d == U_LEFT_TO_RIGHT : (d == U_RIGHT_TO_LEFT || d == U_RIGHT_TO_LEFT_ARABIC);
}

static int number_part(UCharDirection d)
{
	return d == U_EUROPEAN_NUMBER || d == U_EUROPEAN_NUMBER_SEPARATOR ||
	       d == U_EUROPEAN_NUMBER_TERMINATOR || d == U_COMMON_NUMBER_SEPARATOR;
}

static UCharDirection dir_at(const uint8_t *directions, const UChar *s, int32_t i, int32_t n, int32_t *next)
{
	UChar32 c;
	U16_NEXT(s, i, n, c);
	*next = i;
	return pp_char_direction(directions, c);
}

/* End (exclusive) of the run of the other direction that starts at i, or i
 * when none starts there. A run reaches its last strong character or digit,
 * crossing spaces and separators between them, then takes signs glued to its
 * end ("C++", "100%") but not sentence punctuation. A run of digits alone is
 * only taken when it has signs or separators inside ("+966 11 234 5678",
 * "2024-09-01"), since plain numbers already display correctly. */
static int32_t run_end(const uint8_t *directions, const UChar *s, int32_t i, int32_t n, int rtl)
{
	int32_t next;
	UCharDirection d = dir_at(directions, s, i, n, &next);
	int starts = opposite_strong(d, rtl) ||
	             (rtl && (d == U_EUROPEAN_NUMBER || ((d == U_EUROPEAN_NUMBER_SEPARATOR ||
	                                                  d == U_EUROPEAN_NUMBER_TERMINATOR) &&
	                                                 next < n && dir_at(directions, s, next, n, &next) == U_EUROPEAN_NUMBER)));
	if (!starts)
		return i;
	int32_t k = i, good_end = i;
	int strong = 0, digits = 0, joiners = 0, pending_joiners = 0;
	while (k < n) {
		d = dir_at(directions, s, k, n, &next);
		if (opposite_strong(d, rtl) || (rtl && d == U_EUROPEAN_NUMBER) ||
		    (!rtl && (d == U_ARABIC_NUMBER || d == U_EUROPEAN_NUMBER)) ||
		    (d == U_DIR_NON_SPACING_MARK && good_end == k)) {
			strong |= opposite_strong(d, rtl);
			digits |= d == U_EUROPEAN_NUMBER || d == U_ARABIC_NUMBER;
			joiners += pending_joiners;
			pending_joiners = 0;
			good_end = next;
		} else if (d == U_WHITE_SPACE_NEUTRAL || (rtl && number_part(d)) ||
		           (!rtl && d == U_OTHER_NEUTRAL)) {
			pending_joiners++;
		} else {
			break;
		}
		k = next;
	}
	/* Signs glued to the end belong to the run ("C++", "C#", "50%"). */
	while (good_end < n) {
		d = dir_at(directions, s, good_end, n, &next);
		if (d != U_EUROPEAN_NUMBER_SEPARATOR && d != U_EUROPEAN_NUMBER_TERMINATOR)
			break;
		good_end = next;
		joiners++;
	}
	if (strong || (digits && joiners > 0))
		return good_end;
	return i;
}

/* A text node, or a <span dir> holding one. */
static xmlNodePtr piece(const UChar *s, int32_t len, const char *dir)
{
	char *text = pp_from_utf16(s, len);
	xmlNodePtr node = text ? xmlNewText(BAD_CAST text) : NULL;
	free(text);
	if (!node || !dir)
		return node;
	xmlNodePtr span = xmlNewNode(NULL, BAD_CAST "span");
	if (!span) {
		xmlFreeNode(node);
		return NULL;
	}
	xmlSetProp(span, BAD_CAST "dir", BAD_CAST dir);
	xmlAddChild(span, node);
	return span;
}

/* Puts node after *last (or in place of the original text node first);
 * pieces alternate text and span, so libxml2 never merges two text nodes. */
static int place(xmlNodePtr original, xmlNodePtr *last, xmlNodePtr node)
{
	if (!node)
		return -1;
	if (!*last)
		xmlReplaceNode(original, node);
	else
		xmlAddNextSibling(*last, node);
	*last = node;
	return 0;
}

/* Wraps runs of the other direction in a text node in <span dir>, which
 * isolates them (HTML gives dir on inline elements unicode-bidi: isolate):
 * neighbouring punctuation then stays where the author put it. */
/* Whether any character of the text could start a run of the other
 * direction, read from UTF-8: most text nodes have none and need no copy. */
static int may_hold_other_direction(const char *utf8, size_t len, int rtl)
{
	const uint8_t *s = (const uint8_t *)utf8;
	const uint8_t *directions = pp_direction_table();
	int32_t i = 0, n = (int32_t)len;
	while (i < n) {
		if (s[i] < 0x80 && !rtl) {
			i = pp_ascii_words_end(s, i + 1, n); /* ASCII never runs right to left */
			continue;
		}
		UChar32 c = pp_utf8_next(s, &i, n);
		if (c < 0)
			continue;
		UCharDirection d = pp_char_direction(directions, c);
		if (rtl ? (d == U_LEFT_TO_RIGHT || d == U_EUROPEAN_NUMBER)
		        : (d == U_RIGHT_TO_LEFT || d == U_RIGHT_TO_LEFT_ARABIC))
			return 1;
	}
	return 0;
}

static int may_hold_right_to_left(const char *utf8, size_t len) { return may_hold_other_direction(utf8, len, 0); }
static int may_hold_left_to_right(const char *utf8, size_t len) { return may_hold_other_direction(utf8, len, 1); }

/* Numbers of the questions isolate_text asks of text_facts. */
enum { FACTS_HOLDS_RTL, FACTS_HOLDS_LTR };

static int isolate_text(pp_text_facts *facts, xmlNodePtr text, int rtl)
{
	size_t len = strlen((const char *)text->content);
	if (!(rtl ? pp_text_facts_test(facts, (const char *)text->content, len, FACTS_HOLDS_LTR, may_hold_left_to_right)
	          : pp_text_facts_test(facts, (const char *)text->content, len, FACTS_HOLDS_RTL, may_hold_right_to_left)))
		return 0;
	int32_t n;
	UChar *s = pp_to_utf16((const char *)text->content, len, &n);
	if (!s)
		return -1;
	const uint8_t *directions = pp_direction_table();
	int32_t plain_start = 0, i = 0;
	int rc = 0;
	xmlNodePtr last = NULL;
	while (i < n && rc == 0) {
		int32_t end = run_end(directions, s, i, n, rtl);
		if (end == i) {
			U16_FWD_1(s, i, n);
			continue;
		}
		if (i > plain_start)
			rc |= place(text, &last, piece(s + plain_start, i - plain_start, NULL));
		rc |= place(text, &last, piece(s + i, end - i, rtl ? "ltr" : "rtl"));
		plain_start = i = end;
	}
	if (last) {
		if (rc == 0 && n > plain_start)
			rc |= place(text, &last, piece(s + plain_start, n - plain_start, NULL));
		xmlFreeNode(text); /* replaced by the first piece */
	}
	free(s);
	return rc;
}

/* The text of block, outside nested blocks and elements that carry their own
 * direction or are code. Iterative: inline elements nest as deep as the
 * input likes. A text node is replaced by its pieces, so where to go next is
 * read before it is. */
static int isolate_runs(pp_text_facts *facts, xmlNodePtr block, int rtl)
{
	xmlNodePtr n = block->children;
	while (n) {
		xmlNodePtr next = n->next, parent = n->parent, descend = NULL;
		if (n->type == XML_TEXT_NODE && n->content) {
			if (isolate_text(facts, n, rtl) != 0)
				return -1;
		} else if (n->type == XML_ELEMENT_NODE && !pp_dom_is_block(n) && !xmlHasProp(n, BAD_CAST "dir") &&
		           xmlStrcmp(n->name, BAD_CAST "code") != 0) {
			descend = n->children;
		}
		if (descend) {
			n = descend;
			continue;
		}
		while (!next && parent != block) {
			next = parent->next;
			parent = parent->parent;
		}
		n = next;
	}
	return 0;
}

/* The blocks that take a direction of their own (p, h1-h6, li, blockquote,
 * td, th). Asked of every element rendered: by the first letter. */
static int is_directed_block(const xmlChar *name)
{
	switch (name[0]) {
	case 'p':
		return name[1] == '\0';
	case 'h':
		return name[1] >= '1' && name[1] <= '6' && name[2] == '\0';
	case 'l':
		return name[1] == 'i' && name[2] == '\0';
	case 't':
		return (name[1] == 'd' || name[1] == 'h') && name[2] == '\0';
	case 'b':
		return xmlStrEqual(name, BAD_CAST "blockquote");
	default:
		return 0;
	}
}

/* Finishes an element when its node is left: heading ids, the block's
 * direction, isolated runs. context_rtl is the direction around it. Its
 * direction is remembered for the blocks around it. */
void pp_md_exit_element(render_state *st, xmlNodePtr el, cmark_node *node, int context_rtl)
{
	if (pp_dom_is_heading(el)) {
		/* An attribute list on the next line wins over one in the text. */
		char *trailing = take_heading_attributes(st, el, node);
		const pp_attributes *a = pp_attributes_of(st->attrs, node);
		assign_heading_id(st, el, node, a && a->id ? a->id : trailing);
		free(trailing);
	}
	pp_direction_count words;
	count_directions(st, el, &words);
	if (xmlStrEqual(el->name, BAD_CAST "a")) {
		isolate_inline(el, &words, context_rtl);
	} else if (is_directed_block(el->name)) {
		set_block_direction(el, &words, context_rtl);
		int own = own_dir_rtl(el);
		if (isolate_runs(st->ctx->facts, el, own >= 0 ? own : context_rtl) != 0)
			st->failed = 1;
	}
	if (pp_grow(&st->memoized, &st->memoized_cap, st->memoized_count, sizeof *st->memoized, 64) != 0 ||
	    pp_grow(&st->counted, &st->counted_cap, st->memoized_count, sizeof *st->counted, 64) != 0) {
		st->failed = 1;
		return;
	}
	st->counted[st->memoized_count] = words;
	st->memoized[st->memoized_count++] = el;
	el->_private = (void *)(uintptr_t)st->memoized_count;
}

/* An open element and the direction in force inside it. */
typedef struct {
	xmlNodePtr el;
	int rtl;
} open_element;

/* The tree's blocks and inlines as DOM under parent, st->attrs read from
 * it. Sets st->failed when out of memory. */
static void render_tree(render_state *st, cmark_node *root, xmlNodePtr parent, int parent_rtl)
{
	const pp_md_context *ctx = st->ctx;
	/* Text cmark split at characters that might have been markup reads as
	 * one text, as kramdown's does, for abbreviations found across them. */
	if (ctx->abbreviations)
		cmark_consolidate_text_nodes(root);
	cmark_iter *iter = cmark_iter_new(root);
	open_element *open = NULL;
	size_t depth = 0, cap = 0;
	if (!iter || pp_grow(&open, &cap, 0, sizeof *open, 64) != 0) {
		cmark_iter_free(iter);
		free(open);
		st->failed = 1;
		return;
	}
	/* Iterative walk: deeply nested lists, quotes or emphasis cannot exhaust
	 * the stack. A container's user data holds the element that was current
	 * before it, so leaving it restores the right place; the open elements
	 * keep the direction in force, so no ancestor is looked up twice. */
	open[depth++] = (open_element){parent, parent_rtl};
	xmlNodePtr cur = parent;
	cmark_event_type ev;
	while (!st->failed && (ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(iter);
		int here_rtl = open[depth - 1].rtl;
		if (ev == CMARK_EVENT_ENTER) {
			if (cmark_node_get_type(node) == CMARK_NODE_HTML_INLINE && pp_md_inline_raw_tag(st, node, &cur, here_rtl)) {
				continue;
			} else if (cmark_node_get_type(node) == CMARK_NODE_HTML_BLOCK &&
			           pp_md_block_raw_tag(st, node, &cur, here_rtl)) {
				continue;
			} else if (is_leaf(node)) {
				add_leaf(st, node, cur, here_rtl);
			} else if (cmark_node_get_type(node) == CMARK_NODE_IMAGE) {
				add_image(st, node, cur);
				apply_attributes(st, node, cur->last);
				cmark_iter_reset(iter, node, CMARK_EVENT_EXIT);
				cmark_node_set_user_data(node, cur);
			} else {
				xmlNodePtr el = enter_container(st, node, cur);
				if (!el) {
					st->failed = 1;
					break;
				}
				cmark_node_set_user_data(node, cur);
				if (el != cur) {
					if (apply_attributes(st, node, el)) {
						/* "* TOC": its items are not read, and it is filled at
						 * the end (the walk goes on after its exit). */
						cmark_iter_reset(iter, node, CMARK_EVENT_EXIT);
						continue;
					}
					if (pp_grow(&open, &cap, depth, sizeof *open, 64) != 0) {
						st->failed = 1;
						break;
					}
					int own = own_dir_rtl(el);
					open[depth++] = (open_element){el, own >= 0 ? own : here_rtl};
				}
				cur = el;
			}
		} else if (ev == CMARK_EVENT_EXIT) {
			/* Inline raw HTML left open inside it ends with it. */
			while (st->raw_count && st->raw[st->raw_count - 1].holder == node)
				pp_md_close_raw_unclosed(st, &cur, here_rtl);
			xmlNodePtr back = cmark_node_get_user_data(node);
			if (cmark_node_get_type(node) == CMARK_NODE_FOOTNOTE_DEFINITION && cur != back)
				add_note_back_links(st, cur);
			if (cur != back && depth > 1) {
				depth--; /* cur was pushed when it was entered */
				if (cur->type == XML_ELEMENT_NODE)
					pp_md_exit_element(st, cur, node, open[depth - 1].rtl);
			}
			if (back)
				cur = back;
		}
	}
	cmark_iter_free(iter);
	free(open);
}

int pp_md_render_nested(render_state *st, const char *text, size_t len, int first_line, xmlNodePtr into,
                        int into_rtl)
{
	if (st->nested)
		return 1;
	pp_md_context inner = *st->ctx;
	inner.source = text;
	inner.source_len = len;
	inner.line_offset = st->ctx->line_offset + first_line - 1;
	cmark_node *doc = pp_markdown_parse(text, len);
	pp_attribute_table *attrs =
	    doc ? pp_kramdown_attach(doc, text, len, inner.path, inner.line_offset, st->d) : NULL;
	if (!attrs) {
		if (doc)
			cmark_node_free(doc);
		return doc ? -2 : -1; /* refused: a comment left open, said in st->d */
	}
	const pp_md_context *outer = st->ctx;
	pp_attribute_table *outer_attrs = st->attrs;
	st->ctx = &inner;
	st->attrs = attrs;
	st->nested = 1;
	render_tree(st, doc, into, into_rtl);
	st->nested = 0;
	st->attrs = outer_attrs;
	st->ctx = outer;
	pp_attribute_table_free(attrs);
	cmark_node_free(doc);
	return st->failed ? -1 : 0;
}

int pp_markdown_render(cmark_node *root, xmlNodePtr parent, const pp_md_context *ctx, pp_diags *d)
{
	render_state st = {.ctx = ctx, .d = d, .slugger = ctx->slugger};
	st.attrs = pp_kramdown_attach(root, ctx->source, ctx->source_len, ctx->path, ctx->line_offset, d);
	if (!st.attrs)
		return -1;
	render_tree(&st, root, parent, pp_dom_inherited_rtl(parent, ctx->rtl));
	if (st.abbreviation_steps >= PP_MAX_ABBREVIATION_STEPS)
		pp_warning(d, ctx->path, 0, 0,
		           "too many abbreviations to mark in this text in reasonable time: some are shown without "
		           "their definitions");
	if (!st.failed && st.toc_count)
		pp_md_fill_tocs(&st, parent);
	free(st.tocs);
	free(st.not_in_toc);
	for (size_t i = 0; i < st.memoized_count; i++)
		st.memoized[i]->_private = NULL;
	free(st.memoized);
	free(st.counted);
	free(st.note_refs);
	free(st.raw);
	pp_attribute_table_free(st.attrs);
	id_table_free(&st.ids);
	id_table_free(&st.next_suffix);
	int no_transliterator = st.own_slugger && st.slugger && pp_slugger_failed(st.slugger);
	if (st.own_slugger)
		pp_slugger_free(st.slugger);
	if (no_transliterator) {
		pp_error(d, ctx->path, 0, 0, "cannot open ICU's Any-Latin transliterator for heading ids");
		return -1;
	}
	if (st.failed) {
		pp_error(d, ctx->path, 0, 0, "out of memory rendering Markdown");
		return -1;
	}
	return st.refused ? -1 : 0;
}

void pp_free_ids(char **ids, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(ids[i]);
	free(ids);
}

int pp_markdown_pinned_ids(const char *text, size_t len, char ***ids, size_t *count)
{
	*ids = NULL;
	*count = 0;
	cmark_node *doc = pp_markdown_parse(text, len);
	if (!doc)
		return -1;
	/* The same reading of attribute lists as rendering; its messages are
	 * the render's to give. */
	pp_diags quiet;
	pp_diags_init(&quiet);
	pp_attribute_table *attrs = pp_kramdown_attach(doc, text, len, "", 0, &quiet);
	pp_diags_free(&quiet);
	cmark_iter *iter = attrs ? cmark_iter_new(doc) : NULL;
	int rc = iter ? 0 : -1;
	size_t capacity = 0;
	cmark_event_type ev;
	while (rc == 0 && (ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(iter);
		if (ev != CMARK_EVENT_EXIT || cmark_node_get_type(node) != CMARK_NODE_HEADING)
			continue;
		const pp_attributes *given = pp_attributes_of(attrs, node);
		char *id = given && given->id ? strdup(given->id) : NULL;
		cmark_node *last = cmark_node_last_child(node);
		const char *lit = last && cmark_node_get_type(last) == CMARK_NODE_TEXT ? cmark_node_get_literal(last) : NULL;
		const char *block = !id && lit ? pp_kramdown_trailing_block(lit) : NULL;
		if (block)
			id = pp_heading_block_id(block, strlen(block), attrs);
		if (!id)
			continue;
		if (pp_grow(ids, &capacity, *count, sizeof **ids, 16) != 0) {
			free(id);
			rc = -1;
			break;
		}
		(*ids)[(*count)++] = id;
	}
	cmark_iter_free(iter);
	pp_attribute_table_free(attrs);
	cmark_node_free(doc);
	return rc;
}

xmlNodePtr pp_markdown_to_container(const char *text, size_t len, const pp_md_context *ctx,
                                    pp_diags *d)
{
	pp_md_context with_source = *ctx;
	with_source.source = text;
	with_source.source_len = len;
	/* kramdown's abbreviations: their definitions' lines are blank in the
	 * Markdown that is rendered. */
	pp_abbreviations *abbreviations = NULL;
	char *blanked = NULL;
	if (pp_kramdown_may_define_abbreviations(text, len)) {
		cmark_node *parsed = pp_markdown_parse(text, len);
		int rc = parsed ? pp_kramdown_abbreviations_read(parsed, text, len, ctx->path, ctx->line_offset, d,
		                                                  &abbreviations, &blanked)
		                : -1;
		cmark_node_free(parsed);
		if (rc != 0) {
			if (!parsed)
				pp_error(d, ctx->path, 0, 0, "out of memory parsing Markdown");
			return NULL;
		}
		if (blanked)
			with_source.source = blanked;
		with_source.abbreviations = abbreviations;
	}
	xmlNodePtr container = xmlNewNode(NULL, BAD_CAST "div");
	cmark_node *doc = container ? pp_markdown_parse(with_source.source, len) : NULL;
	int rc = doc ? pp_markdown_render(doc, container, &with_source, d) : -1;
	if (!doc)
		pp_error(d, ctx->path, 0, 0, "out of memory parsing Markdown");
	cmark_node_free(doc);
	pp_abbreviations_free(abbreviations);
	free(blanked);
	if (rc != 0) {
		xmlFreeNode(container);
		return NULL;
	}
	return container;
}

char *pp_markdown_first_heading_text(const char *text, size_t len)
{
	cmark_node *doc = pp_markdown_parse(text, len);
	/* A heading in a kramdown comment is no title. */
	pp_diags quiet;
	pp_diags_init(&quiet);
	if (doc)
		pp_kramdown_extensions(doc, "", 0, &quiet);
	pp_diags_free(&quiet);
	cmark_iter *iter = doc ? cmark_iter_new(doc) : NULL;
	if (!iter) {
		cmark_node_free(doc);
		return NULL;
	}
	xmlBufferPtr words = pp_dom_buffer_new();
	cmark_node *heading = NULL;
	cmark_event_type ev;
	while (words && (ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(iter);
		cmark_node_type type = cmark_node_get_type(node);
		if (!heading) {
			if (ev == CMARK_EVENT_ENTER && type == CMARK_NODE_HEADING)
				heading = node;
			continue;
		}
		if (node == heading) { /* its exit */
			if (xmlBufferLength(words) > 0)
				break;
			heading = NULL; /* no words: the next heading */
			continue;
		}
		if (type == CMARK_NODE_TEXT || type == CMARK_NODE_CODE)
			xmlBufferCat(words, BAD_CAST cmark_node_get_literal(node));
		else if (type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK)
			xmlBufferCat(words, BAD_CAST " ");
	}
	cmark_iter_free(iter);
	cmark_node_free(doc);
	if (!words)
		return NULL;
	char *joined = strdup((const char *)xmlBufferContent(words));
	xmlBufferFree(words);
	if (!joined)
		return NULL;
	const char *block = pp_kramdown_trailing_block(joined);
	if (block)
		joined[block - joined] = '\0';
	if (!joined[strspn(joined, " \t")]) {
		free(joined);
		return NULL;
	}
	return joined;
}
