/* Raw HTML in Markdown, never passed through: blocks rebuilt from an
 * allowlist of elements and attributes, inline tags of the phrasing
 * elements policies use kept open until they close, the rest dropped with
 * their text kept. Part of the Markdown stage (markdown_internal.h). */
#include "markdown_internal.h"

#include <ctype.h>
#include <string.h>

#include <libxml/HTMLparser.h>

#include "fsutil.h"

static int is_line_break_tag(const char *html)
{
	static const char *const forms[] = {"<br>", "<br/>", "<br />", "<BR>", "<BR/>", "<BR />"};
	for (size_t i = 0; i < sizeof forms / sizeof *forms; i++)
		if (strcmp(html, forms[i]) == 0)
			return 1;
	return 0;
}

static int is_comment(const char *html)
{
	while (isspace((unsigned char)*html))
		html++;
	return strncmp(html, "<!--", 4) == 0;
}


static void drop_raw_html(render_state *st, cmark_node *node)
{
	const char *html = cmark_node_get_literal(node);
	if (html && is_comment(html))
		return;
	pp_diag_add(st->d, pp_md_content_severity(st), st->ctx->path, pp_md_line_of(st, node),
	            cmark_node_get_start_column(node), "raw HTML is not rendered; write this in Markdown");
}

/* ---- raw HTML blocks, rebuilt from an allowlist ---- */

/* Elements kept from raw HTML; the attributes each may keep are below.
 * Anything else is unwrapped (its text kept), except the elements whose
 * content is never text for a reader, which go whole. */
static const char *const kept_elements[] = {
	"p", "div", "span", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt",
	"dd", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "blockquote", "pre",
	"code", "em", "strong", "b", "i", "u", "s", "sub", "sup", "small", "mark", "abbr", "cite", "q",
	"a", "img", "details", "summary", "figure", "figcaption", "section", "address", "time", "del",
	"ins", "kbd", "var", "samp", "dfn", "bdi", "ruby", "rt", "rp", "wbr"};
static const char *const dropped_whole[] = {"script", "style", "iframe", "object", "embed", "noscript",
                                           "template", "svg", "math", "head", "title", "meta", "link",
                                           "base", "form", "input", "button", "select", "textarea"};
static const char *const kept_attributes[] = {"title", "lang", "dir", "colspan", "rowspan", "scope",
                                              "headers", "start", "reversed", "datetime", "alt", "abbr",
                                              "open"};

static int in_list(const xmlChar *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (xmlStrcasecmp(name, BAD_CAST list[i]) == 0)
			return 1;
	return 0;
}
#define IN(name, list) in_list(name, list, sizeof list / sizeof *list)

int pp_html_shows_nothing(const xmlChar *name) { return IN(name, dropped_whole); }

typedef struct {
	render_state *st;
	cmark_node *node; /* for positions in messages */
	int unsafe_urls, removed;
} sanitizer;

static void copy_safe_attributes(sanitizer *z, xmlNodePtr from, xmlNodePtr to)
{
	for (xmlAttrPtr a = from->properties; a; a = a->next) {
		xmlChar *value = xmlNodeGetContent((xmlNodePtr)a);
		const xmlChar *name = a->name;
		int is_url = xmlStrcasecmp(name, BAD_CAST "href") == 0 || xmlStrcasecmp(name, BAD_CAST "src") == 0 ||
		             xmlStrcasecmp(name, BAD_CAST "cite") == 0;
		if (is_url) {
			if (pp_url_is_safe((const char *)value, xmlStrcasecmp(name, BAD_CAST "href") != 0))
				xmlSetProp(to, name, value);
			else
				z->unsafe_urls++;
		} else if ((xmlStrcasecmp(name, BAD_CAST "name") == 0 && xmlStrcasecmp(from->name, BAD_CAST "a") == 0) ||
		           xmlStrcasecmp(name, BAD_CAST "id") == 0) {
			/* One id per page, as an attribute list's (an old-style <a name>
			 * anchor keeps working as the id). */
			if (value && !xmlHasProp(to, BAD_CAST "id"))
				pp_md_claim_id(z->st, to, (const char *)value, z->node);
		} else if (xmlStrcasecmp(name, BAD_CAST "lang") == 0 || xmlStrcasecmp(name, BAD_CAST "dir") == 0) {
			int lang = xmlStrcasecmp(name, BAD_CAST "lang") == 0;
			const char *text = value ? (const char *)value : "";
			if (lang ? pp_lang_is_valid(text) : pp_dir_is_valid(text))
				xmlSetProp(to, lang ? BAD_CAST "lang" : BAD_CAST "dir", value);
			else
				pp_warning(z->st->d, z->st->ctx->path, pp_md_line_of(z->st, z->node),
				           cmark_node_get_start_column(z->node), "%s '%s' is dropped: %s", lang ? "lang" : "dir",
				           text, lang ? "it is not a language tag" : "it is ltr, rtl or auto");
		} else if (IN(name, kept_attributes)) {
			xmlSetProp(to, name, value);
		} else {
			z->removed++; /* event handlers, style, class, data-*: none reach the page */
		}
		xmlFree(value);
	}
}

/* ---- inline raw HTML that policies use ---- */

/* Phrasing elements kept from inline raw HTML, with the attributes raw
 * blocks keep (an <a name> becomes an id); anything else is dropped as
 * before, its text kept. */
static const char *const inline_kept[] = {"a",     "abbr", "b",    "bdi",  "cite", "code", "dfn", "em",
                                          "i",     "kbd",  "mark", "q",    "s",    "samp", "small", "span",
                                          "strong", "sub", "sup",  "time", "u",    "var"};

/* The element name of a tag ("<abbr title=…>", "</abbr>"), lowercase, in
 * name; 1 for an opening tag, 2 for a closing one, 0 for neither. */
static int tag_name(const char *html, char *name, size_t size)
{
	if (html[0] != '<')
		return 0;
	int closing = html[1] == '/';
	const char *p = html + 1 + closing;
	size_t n = 0;
	while (isalnum((unsigned char)p[n]) && n + 1 < size) {
		name[n] = (char)tolower((unsigned char)p[n]);
		n++;
	}
	name[n] = '\0';
	if (n == 0 || (p[n] != '>' && p[n] != ' ' && p[n] != '\t' && p[n] != '\n' && p[n] != '/'))
		return 0;
	return closing ? 2 : 1;
}

/* The element of an opening tag, as libxml2's HTML parser reads it, in
 * *doc (freed by the caller); NULL when it reads none. */
static xmlNodePtr parse_opening_tag(const char *tag, size_t len, const char *name, htmlDocPtr *doc)
{
	char *whole = pp_strdup_printf("<body>%.*s</%s></body>", (int)len, tag, name);
	*doc = whole ? htmlReadMemory(whole, (int)strlen(whole), NULL, "UTF-8",
	                              HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING)
	             : NULL;
	free(whole);
	xmlNodePtr root = *doc ? xmlDocGetRootElement(*doc) : NULL;
	xmlNodePtr body = root ? root->children : NULL;
	while (body && (body->type != XML_ELEMENT_NODE || xmlStrcmp(body->name, BAD_CAST "body") != 0))
		body = body->next;
	xmlNodePtr parsed = body ? body->children : NULL;
	while (parsed && parsed->type != XML_ELEMENT_NODE)
		parsed = parsed->next;
	return parsed && xmlStrcmp(parsed->name, BAD_CAST name) == 0 ? parsed : NULL;
}

/* The attributes of a raw element that are removed and worth saying so:
 * event handlers, styles and unsafe links (z counted those it copied). */
static int unsafe_attributes(const sanitizer *z, xmlNodePtr parsed)
{
	int unsafe = z->unsafe_urls;
	for (xmlAttrPtr a = parsed->properties; a; a = a->next)
		unsafe += xmlStrncasecmp(a->name, BAD_CAST "on", 2) == 0 || xmlStrcasecmp(a->name, BAD_CAST "style") == 0;
	return unsafe;
}

/* Closes the innermost raw element named name that holder opened, and any
 * opened inside it; 0 when holder has none open. */
static int close_named(render_state *st, xmlNodePtr *cur, cmark_node *holder, const char *name, int context_rtl)
{
	size_t at = st->raw_count;
	while (at > 0 && st->raw[at - 1].holder == holder && xmlStrcmp(st->raw[at - 1].element->name, BAD_CAST name) != 0)
		at--;
	if (at == 0 || st->raw[at - 1].holder != holder)
		return 0;
	while (st->raw_count >= at)
		pp_md_close_raw(st, cur, context_rtl);
	return 1;
}

void pp_md_close_raw(render_state *st, xmlNodePtr *cur, int context_rtl)
{
	raw_open *top = &st->raw[--st->raw_count];
	st->containers_open -= top->opener != NULL;
	*cur = top->outside;
	/* It ends as every element does: its direction remembered, so no
	 * ancestor walks it twice; a link is isolated. */
	pp_md_exit_element(st, top->element, NULL, context_rtl);
}

void pp_md_close_raw_unclosed(render_state *st, xmlNodePtr *cur, int context_rtl)
{
	raw_open *top = &st->raw[st->raw_count - 1];
	xmlNodePtr el = top->element;
	xmlNodePtr moved = top->opener ? (top->own_last ? top->own_last->next : el->children) : NULL;
	if (moved) {
		/* Never closed: nothing after its block may end up inside it (a
		 * <details> would hide the rest of the policy). */
		pp_diag_add(st->d, pp_md_content_severity(st), st->ctx->path, pp_md_line_of(st, top->opener),
		            cmark_node_get_start_column(top->opener),
		            "raw HTML <%s> is not closed by a block of its own (</%s>): what follows it is shown "
		            "after it, not inside it",
		            (const char *)el->name, (const char *)el->name);
		for (xmlNodePtr after = el; moved && !st->failed;) {
			xmlNodePtr next = moved->next;
			xmlUnlinkNode(moved);
			/* A text merged into the one before it is freed: go on from it. */
			if (!(after = xmlAddNextSibling(after, moved)))
				st->failed = 1;
			moved = next;
		}
	}
	pp_md_close_raw(st, cur, context_rtl);
}

/* An inline tag of a kept element: opens it (its text then goes inside)
 * or closes it. Returns 1 when the tag was taken, 0 when it is dropped as
 * other raw HTML is. */
int pp_md_inline_raw_tag(render_state *st, cmark_node *node, xmlNodePtr *cur, int context_rtl)
{
	const char *html = cmark_node_get_literal(node);
	char name[16];
	int kind = html ? tag_name(html, name, sizeof name) : 0;
	if (!kind || !IN(BAD_CAST name, inline_kept))
		return 0;
	cmark_node *holder = cmark_node_parent(node);
	if (kind == 2) {
		/* Closes the innermost open one of that name in the same node; a
		 * stray closing tag is dropped. */
		close_named(st, cur, holder, name, context_rtl);
		return 1;
	}
	if (strstr(html, "/>"))
		return 0; /* <span/>: nothing to hold */
	htmlDocPtr doc;
	xmlNodePtr parsed = parse_opening_tag(html, strlen(html), name, &doc);
	xmlNodePtr el = parsed ? pp_md_new_child(*cur, name) : NULL;
	if (el && pp_grow(&st->raw, &st->raw_cap, st->raw_count, sizeof *st->raw, 16) == 0) {
		sanitizer z = {st, node, 0, 0};
		copy_safe_attributes(&z, parsed, el);
		if (unsafe_attributes(&z, parsed))
			pp_diag_add(st->d, pp_md_content_severity(st), st->ctx->path, pp_md_line_of(st, node),
			            cmark_node_get_start_column(node),
			            "raw HTML <%s>: its event handlers, styles or unsafe links were removed", name);
		st->raw[st->raw_count++] = (raw_open){el, *cur, holder, NULL, NULL};
		*cur = el;
	} else if (parsed) {
		st->failed = 1;
	}
	if (doc)
		xmlFreeDoc(doc);
	return el != NULL;
}

/* Copies the allowed part of src's children under dst, iteratively: raw
 * HTML can nest as deep as it likes. */
static int sanitize_children(sanitizer *z, xmlNodePtr src_parent, xmlNodePtr dst_parent)
{
	xmlNodePtr src = src_parent->children, dst = dst_parent;
	while (src) {
		xmlNodePtr descend_into = NULL;
		if (src->type == XML_TEXT_NODE || src->type == XML_CDATA_SECTION_NODE) {
			if (pp_md_append_text(dst, (const char *)src->content) != 0)
				return -1;
		} else if (src->type == XML_ELEMENT_NODE) {
			if (IN(src->name, dropped_whole)) {
				z->removed++;
			} else if (IN(src->name, kept_elements)) {
				xmlChar *lower = xmlStrdup(src->name);
				for (xmlChar *p = lower; p && *p; p++)
					*p = (xmlChar)tolower(*p);
				xmlNodePtr el = lower ? xmlNewChild(dst, NULL, lower, NULL) : NULL;
				xmlFree(lower);
				if (!el)
					return -1;
				copy_safe_attributes(z, src, el);
				dst = el;
				descend_into = src;
			} else {
				z->removed++;
				descend_into = src; /* unwrap: the text stays */
			}
		}
		if (descend_into && descend_into->children) {
			src = descend_into->children;
			continue;
		}
		if (descend_into && dst != dst_parent && dst->parent && descend_into != src_parent &&
		    IN(descend_into->name, kept_elements))
			dst = dst->parent;
		/* Next node: climb out of finished elements, closing their copies. */
		while (src && !src->next && src->parent != src_parent) {
			src = src->parent;
			if (src->type == XML_ELEMENT_NODE && IN(src->name, kept_elements) && !IN(src->name, dropped_whole))
				dst = dst->parent;
		}
		src = src ? src->next : NULL;
	}
	return 0;
}

/* A raw block that starts kramdown's <div markdown="1"> (a kept block
 * element whose opening tag may ask for Markdown): 2 when its closing tag
 * ends the block (no blank line in it), 1 when it stays open; the
 * element's name, the end of the opening tag and where the Markdown in the
 * block ends (the closing tag, or the end). 0 when it is not one. */
static int markdown_element(const char *html, char *name, size_t size, size_t *open_end, size_t *close_start)
{
	if (tag_name(html, name, size) != 1 || !IN(BAD_CAST name, kept_elements) || IN(BAD_CAST name, inline_kept))
		return 0;
	const char *gt = strchr(html, '>');
	if (!gt || !memmem(html, (size_t)(gt - html), "markdown", 8))
		return 0;
	size_t n = strlen(html), name_len = strlen(name);
	while (n > 0 && isspace((unsigned char)html[n - 1]))
		n--;
	size_t open = (size_t)(gt - html) + 1;
	*open_end = open;
	*close_start = n; /* not closed in this block: the element stays open */
	if (n >= open + name_len + 3 && html[n - 1] == '>' && strncasecmp(html + n - name_len - 1, name, name_len) == 0 &&
	    strncmp(html + n - name_len - 3, "</", 2) == 0) {
		*close_start = n - name_len - 3;
		return 2;
	}
	return 1;
}

/* A block that is only a closing tag ("</div>"): 1 with its name. */
static int closing_tag_only(const char *html, char *name, size_t size)
{
	if (tag_name(html, name, size) != 2)
		return 0;
	const char *gt = strchr(html, '>');
	while (gt && *++gt)
		if (!isspace((unsigned char)*gt))
			return 0;
	return gt != NULL;
}

/* Whether the opening tag asks for Markdown inside: markdown="1" or
 * "block". */
static int asks_for_markdown(xmlNodePtr parsed)
{
	xmlChar *mode = parsed ? xmlGetProp(parsed, BAD_CAST "markdown") : NULL;
	int wanted = mode && (xmlStrcmp(mode, BAD_CAST "1") == 0 || xmlStrcasecmp(mode, BAD_CAST "block") == 0);
	xmlFree(mode);
	return wanted;
}

int pp_markdown_html_holds_markdown(const char *html)
{
	char name[16];
	size_t open_end, close_start;
	if (markdown_element(html, name, sizeof name, &open_end, &close_start) != 2)
		return 0;
	htmlDocPtr doc;
	int wanted = asks_for_markdown(parse_opening_tag(html, open_end, name, &doc));
	if (doc)
		xmlFreeDoc(doc);
	return wanted;
}

static xmlNodePtr add_markdown_element(render_state *st, cmark_node *node, xmlNodePtr cur, int context_rtl);

/* The warning of a raw block rebuilt; removed: something unsafe went. */
static void say_rebuilt(render_state *st, cmark_node *node, int removed)
{
	pp_diag_add(st->d, pp_md_content_severity(st), st->ctx->path, pp_md_line_of(st, node),
	            cmark_node_get_start_column(node),
	            removed ? "raw HTML is not passed through: it was rebuilt from safe elements, and its "
	                      "scripts, styles, event handlers or unsafe links were removed"
	                    : "raw HTML is not passed through: it was rebuilt from safe elements; write this "
	                      "in Markdown");
}

/* Block containers a raw block may leave open, as pages written for
 * GitHub do: "<details>" and its summary, then Markdown, then a block
 * "</details>". A browser keeps the element open over the blocks between,
 * so they go inside it here too. At most MAX_OPEN_CONTAINERS at once. */
static const char *const open_containers[] = {"address", "blockquote", "details", "div", "figure", "section"};
#define MAX_OPEN_CONTAINERS 32

static int has_closing_tag(const char *html, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = strstr(html, "</"); p; p = strstr(p + 2, "</"))
		if (strncasecmp(p + 2, name, n) == 0 && (p[2 + n] == '>' || isspace((unsigned char)p[2 + n])))
			return 1;
	return 0;
}

/* A raw block that opens one of the containers and does not close it: the
 * element rebuilt from the allowlist with what the block holds, left open
 * for the blocks after it. 0 when the block is not one. */
static int open_container(render_state *st, cmark_node *node, xmlNodePtr *cur, cmark_node *holder)
{
	const char *html = cmark_node_get_literal(node);
	char name[16];
	if (tag_name(html, name, sizeof name) != 1 || !IN(BAD_CAST name, open_containers) ||
	    has_closing_tag(html, name) || st->containers_open >= MAX_OPEN_CONTAINERS)
		return 0;
	htmlDocPtr doc;
	xmlNodePtr parsed = parse_opening_tag(html, strlen(html), name, &doc);
	xmlNodePtr el = parsed ? pp_md_new_child(*cur, name) : NULL;
	int opened = 0;
	if (parsed && (!el || pp_grow(&st->raw, &st->raw_cap, st->raw_count, sizeof *st->raw, 16) != 0)) {
		st->failed = 1;
	} else if (el) {
		sanitizer z = {st, node, 0, 0};
		copy_safe_attributes(&z, parsed, el);
		int unsafe = unsafe_attributes(&z, parsed);
		if (sanitize_children(&z, parsed, el) != 0)
			st->failed = 1;
		say_rebuilt(st, node, unsafe || z.removed || z.unsafe_urls);
		st->raw[st->raw_count++] = (raw_open){el, *cur, holder, node, el->last};
		st->containers_open++;
		*cur = el;
		opened = 1;
	}
	if (doc)
		xmlFreeDoc(doc);
	return opened || st->failed;
}

int pp_md_block_raw_tag(render_state *st, cmark_node *node, xmlNodePtr *cur, int context_rtl)
{
	const char *html = cmark_node_get_literal(node);
	char name[16];
	size_t open_end, close_start;
	if (!html || st->nested)
		return 0;
	cmark_node *holder = cmark_node_parent(node);
	/* The closing tag of an element a markdown="1" tag opened in the same
	 * container. */
	if (closing_tag_only(html, name, sizeof name))
		return close_named(st, cur, holder, name, context_rtl);
	if (markdown_element(html, name, sizeof name, &open_end, &close_start) != 1)
		return open_container(st, node, cur, holder);
	xmlNodePtr el = add_markdown_element(st, node, *cur, context_rtl);
	if (!el)
		return st->failed || st->refused;
	/* The blocks after it, to its closing tag, go inside it. */
	if (pp_grow(&st->raw, &st->raw_cap, st->raw_count, sizeof *st->raw, 16) != 0) {
		st->failed = 1;
		return 1;
	}
	st->raw[st->raw_count++] = (raw_open){el, *cur, holder, NULL, NULL};
	*cur = el;
	return 1;
}

/* kramdown's markdown="1": the element rebuilt from the allowlist, the
 * rest of its block read as Markdown into it; the element, or NULL when
 * the block is not one, Markdown inside raw HTML is read already, or it
 * failed (st->failed). */
static xmlNodePtr add_markdown_element(render_state *st, cmark_node *node, xmlNodePtr cur, int context_rtl)
{
	const char *html = cmark_node_get_literal(node);
	char name[16];
	size_t open_end, close_start;
	int kind = st->nested ? 0 : markdown_element(html, name, sizeof name, &open_end, &close_start);
	if (!kind)
		return NULL;
	htmlDocPtr doc;
	xmlNodePtr parsed = parse_opening_tag(html, open_end, name, &doc);
	if (!asks_for_markdown(parsed)) {
		if (doc)
			xmlFreeDoc(doc);
		return NULL;
	}
	xmlUnsetProp(parsed, BAD_CAST "markdown"); /* kramdown's, not the page's */
	xmlNodePtr el = pp_md_new_child(cur, name);
	sanitizer z = {st, node, 0, 0};
	if (el)
		copy_safe_attributes(&z, parsed, el);
	int unsafe = unsafe_attributes(&z, parsed);
	xmlFreeDoc(doc);
	int first_line = 1;
	for (size_t i = 0; i < open_end; i++)
		first_line += html[i] == '\n';
	first_line += cmark_node_get_start_line(node) - 1;
	xmlChar *dir = el ? xmlGetProp(el, BAD_CAST "dir") : NULL;
	int inside_rtl = dir ? xmlStrcmp(dir, BAD_CAST "rtl") == 0 : context_rtl;
	xmlFree(dir);
	int rendered = el ? pp_md_render_nested(st, html + open_end, close_start - open_end, first_line, el, inside_rtl)
	                  : -1;
	if (rendered < 0) {
		st->failed |= rendered == -1;
		st->refused |= rendered == -2;
		return NULL;
	}
	/* Closed in its block: complete now; else when its closing tag comes. */
	if (kind == 2)
		pp_md_exit_element(st, el, NULL, context_rtl);
	pp_diag_add(st->d, pp_md_content_severity(st), st->ctx->path, pp_md_line_of(st, node),
	            cmark_node_get_start_column(node),
	            unsafe ? "raw HTML <%s markdown> is not passed through: it was rebuilt from safe elements, its "
	                     "inside read as Markdown, and its event handlers, styles or unsafe links were removed"
	                : "raw HTML <%s markdown> is not passed through: it was rebuilt from safe elements and "
	                  "its inside read as Markdown",
	            name);
	return el;
}

htmlDocPtr pp_html_block_parse(const char *html)
{
	/* Parsed with the implied <html> and <body>: with HTML_PARSE_NOIMPLIED,
	 * libxml2 hangs every top-level element after the first under it, so
	 * "<h1>…</h1><p>…</p>" would put the paragraph inside the heading. */
	return htmlReadMemory(html, (int)strlen(html), NULL, "UTF-8",
	                      HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | XML_PARSE_HUGE);
}

/* A raw HTML block becomes DOM built from what the allowlist keeps: the
 * words of the policy survive, nothing executable does, and no HTML string
 * reaches the page. */
void pp_md_add_html_block(render_state *st, cmark_node *node, xmlNodePtr cur, int context_rtl)
{
	const char *html = cmark_node_get_literal(node);
	if (!html || is_comment(html) || add_markdown_element(st, node, cur, context_rtl) || st->failed || st->refused)
		return;
	htmlDocPtr doc = pp_html_block_parse(html);
	sanitizer z = {st, node, 0, 0};
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	for (xmlNodePtr part = root ? root->children : NULL; part; part = part->next) {
		/* <head> holds only what is dropped whole (title, style, meta…);
		 * counting it keeps the warning's wording honest. */
		if (part->type != XML_ELEMENT_NODE || xmlStrcasecmp(part->name, BAD_CAST "body") != 0) {
			z.removed += part->type == XML_ELEMENT_NODE && part->children != NULL;
			continue;
		}
		if (sanitize_children(&z, part, cur) != 0)
			st->failed = 1;
	}
	if (doc)
		xmlFreeDoc(doc);
	say_rebuilt(st, node, z.removed || z.unsafe_urls);
}

void pp_md_add_inline_html(render_state *st, cmark_node *node, xmlNodePtr cur)
{
	if (is_line_break_tag(cmark_node_get_literal(node))) {
		if (!pp_md_new_child(cur, "br"))
			st->failed = 1;
		return;
	}
	drop_raw_html(st, node);
}
