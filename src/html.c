#include "html.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/uri.h>
#include <libxml/entities.h>

#include "dom.h"

/* Elements with no end tag (HTML Living Standard, "void elements"). Asked
 * of every element written, twice: by the first letter, so most elements
 * (p, li, div, span, ins, del) are answered by one test. */
static int is_void(const xmlChar *name)
{
	const char *n = (const char *)name;
	switch (n[0]) {
	case 'a':
		return strcmp(n, "area") == 0;
	case 'b':
		return (n[1] == 'r' && !n[2]) || strcmp(n, "base") == 0;
	case 'c':
		return strcmp(n, "col") == 0;
	case 'e':
		return strcmp(n, "embed") == 0;
	case 'h':
		return n[1] == 'r' && !n[2]; /* not h1-h6, head, header, html */
	case 'i':
		return (n[1] == 'm' && strcmp(n, "img") == 0) || (n[1] == 'n' && strcmp(n, "input") == 0);
	case 'l':
		return strcmp(n, "link") == 0;
	case 'm':
		return strcmp(n, "meta") == 0;
	case 's':
		return n[1] == 'o' && strcmp(n, "source") == 0; /* not span, section, strong */
	case 't':
		return n[1] == 'r' && strcmp(n, "track") == 0; /* not td, th, table */
	case 'w':
		return strcmp(n, "wbr") == 0;
	default:
		return 0;
	}
}

/* Elements whose text is written as it is: an HTML parser does not decode
 * references inside them. */
static int is_raw_text(const xmlChar *name)
{
	/* Asked of every text node's parent: most names fail at the letter. */
	const char *n = (const char *)name;
	return n[0] == 's' && (strcmp(n, "script") == 0 || strcmp(n, "style") == 0);
}

/* Attributes holding a URL, written %-escaped where they hold characters a
 * URL may not (non-ASCII, spaces), as libxml2's own HTML serializer does. */
static int is_url_attribute(const xmlChar *element, const xmlChar *name)
{
	/* Asked of every attribute written: by the first letter. */
	const char *n = (const char *)name;
	switch (n[0]) {
	case 'h':
		return strcmp(n, "href") == 0;
	case 's':
		return strcmp(n, "src") == 0;
	case 'a':
		return strcmp(n, "action") == 0;
	case 'n':
		return strcmp(n, "name") == 0 && xmlStrEqual(element, BAD_CAST "a");
	default:
		return 0;
	}
}

struct pp_html_writer {
	char *data; /* the page so far; grows by doubling */
	size_t len, capacity;
	xmlBufferPtr scratch; /* one attribute value at a time */
	xmlDocPtr encoding;   /* says UTF-8, so libxml2 leaves non-ASCII as it is */
	int failed;
};

pp_html_writer *pp_html_writer_new(void)
{
	pp_html_writer *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	/* Most pages are 10 to 60 KB: written without a copy as they grow. */
	w->capacity = 65536;
	w->data = malloc(w->capacity);
	w->scratch = pp_dom_buffer_new();
	w->encoding = xmlNewDoc(BAD_CAST "1.0");
	if (!w->data || !w->scratch || !w->encoding ||
	    !(w->encoding->encoding = xmlStrdup(BAD_CAST "UTF-8"))) {
		pp_html_writer_free(w);
		return NULL;
	}
	return w;
}

void pp_html_writer_free(pp_html_writer *w)
{
	if (!w)
		return;
	free(w->data);
	if (w->scratch)
		xmlBufferFree(w->scratch);
	if (w->encoding)
		xmlFreeDoc(w->encoding);
	free(w);
}

int pp_html_finish(pp_html_writer *w, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	if (!w)
		return -1;
	int rc = -1;
	if (!w->failed) {
		w->data[w->len] = '\0'; /* room is always kept for it */
		*out = w->data;
		*len = w->len;
		w->data = NULL;
		rc = 0;
	}
	pp_html_writer_free(w);
	return rc;
}

int pp_html_finish_fitted(pp_html_writer *w, char **out, size_t *len)
{
	if (pp_html_finish(w, out, len) != 0)
		return -1;
	char *fitted = realloc(*out, *len + 1);
	if (fitted)
		*out = fitted;
	return 0;
}

static void write_grown(pp_html_writer *w, const char *bytes, size_t n)
{
	if (w->failed)
		return;
	size_t capacity = w->capacity;
	while (capacity - w->len <= n)
		capacity *= 2;
	char *grown = realloc(w->data, capacity);
	if (!grown) {
		w->failed = 1;
		return;
	}
	w->data = grown;
	w->capacity = capacity;
	memcpy(w->data + w->len, bytes, n);
	w->len += n;
}

/* Pages are written in pieces of a few bytes (a tag's "<", its name, its
 * ">"): the common case, room enough, stays inline. One byte is always
 * left for the final '\0'. */
static inline void write_bytes(pp_html_writer *w, const char *bytes, size_t n)
{
	if (w->capacity - w->len > n && !w->failed) {
		memcpy(w->data + w->len, bytes, n);
		w->len += n;
	} else {
		write_grown(w, bytes, n);
	}
}

/* A string literal, its length known where it is written. */
#define write_literal(w, literal) write_bytes((w), "" literal, sizeof(literal) - 1)

static void write_raw(pp_html_writer *w, const char *text) { write_bytes(w, text, strlen(text)); }

/* Text escaped by libxml2 (&, <, >, and the carriage return); most text
 * has none of these and is copied as it is. */
static void write_escaped(pp_html_writer *w, const xmlChar *text)
{
	size_t plain = strcspn((const char *)text, "&<>\r");
	if (!text[plain]) {
		write_bytes(w, (const char *)text, plain);
		return;
	}
	xmlChar *escaped = xmlEncodeSpecialChars(NULL, text);
	if (!escaped) {
		w->failed = 1;
		return;
	}
	write_raw(w, (const char *)escaped);
	xmlFree(escaped);
}

static void write_name(pp_html_writer *w, const xmlNs *ns, const xmlChar *name)
{
	if (ns && ns->prefix) {
		write_raw(w, (const char *)ns->prefix);
		write_literal(w, ":");
	}
	write_raw(w, (const char *)name);
}

/* Characters xmlURIEscapeStr leaves as they are: ASCII letters and digits,
 * its unreserved marks "-_.!~*'()", and the list passed to it below, as a
 * bit per ASCII code (a page writes tens of thousands of URLs: a test per
 * byte, not a strchr). */
#define URL_BIT(c) ((uint64_t)1 << ((unsigned)(c)&63))
#define URL_RANGE(from, to) ((((uint64_t)2 << ((to) - (from))) - 1) << ((unsigned)(from)&63))
static const uint64_t url_kept_low = /* codes 0 to 63 */
    URL_RANGE('0', '9') | URL_BIT('-') | URL_BIT('.') | URL_BIT('!') | URL_BIT('*') | URL_BIT('\'') |
    URL_BIT('(') | URL_BIT(')') | URL_BIT('/') | URL_BIT(':') | URL_BIT('=') | URL_BIT('?') | URL_BIT(';') |
    URL_BIT('#') | URL_BIT('%') | URL_BIT('&') | URL_BIT(',') | URL_BIT('+') | URL_BIT('<') | URL_BIT('>');
static const uint64_t url_kept_high = /* codes 64 to 127 */
    URL_RANGE('A', 'Z') | URL_RANGE('a', 'z') | URL_BIT('_') | URL_BIT('~') | URL_BIT('@');

static int url_needs_escaping(const xmlChar *url)
{
	for (const xmlChar *p = url; *p; p++) {
		uint64_t kept = *p < 64 ? url_kept_low : *p < 128 ? url_kept_high : 0;
		if (!(kept >> (*p & 63) & 1))
			return 1;
	}
	return 0;
}

void pp_html_doctype(pp_html_writer *w) { write_literal(w, "<!DOCTYPE html>\n"); }
void pp_html_newline(pp_html_writer *w) { write_literal(w, "\n"); }

void pp_html_start(pp_html_writer *w, const xmlNs *ns, const xmlChar *name)
{
	write_literal(w, "<");
	write_name(w, ns, name);
}

void pp_html_start_end(pp_html_writer *w) { write_literal(w, ">"); }

void pp_html_written(pp_html_writer *w, const char *markup, size_t len) { write_bytes(w, markup, len); }

size_t pp_html_written_length(const pp_html_writer *w) { return w->len; }

void pp_html_end(pp_html_writer *w, const xmlNs *ns, const xmlChar *name)
{
	if (ns == NULL && is_void(name))
		return;
	write_literal(w, "</");
	write_name(w, ns, name);
	write_literal(w, ">");
}

/* Attribute values are escaped by libxml2 (&, <, >, ", and white space
 * other than the space as character references). */
void pp_html_attribute(pp_html_writer *w, const xmlChar *element, const xmlNs *ns, const xmlChar *name,
                       const xmlChar *value)
{
	write_literal(w, " ");
	write_name(w, ns, name);
	if (!value)
		return;
	xmlChar *escaped = NULL;
	if (ns == NULL && is_url_attribute(element, name)) {
		while (*value == ' ' || *value == '\t' || *value == '\n' || *value == '\r')
			value++;
		/* The same characters kept as libxml2's HTML serializer keeps. */
		if (url_needs_escaping(value)) {
			if (!(escaped = xmlURIEscapeStr(value, BAD_CAST "@/:=?;#%&,+<>"))) {
				w->failed = 1;
				return;
			}
			value = escaped;
		}
	}
	write_literal(w, "=\"");
	if (strpbrk((const char *)value, "&<>\"\n\r\t")) {
		xmlBufferEmpty(w->scratch);
		xmlAttrSerializeTxtContent(w->scratch, w->encoding, NULL, value);
		write_bytes(w, (const char *)xmlBufferContent(w->scratch), (size_t)xmlBufferLength(w->scratch));
	} else {
		write_raw(w, (const char *)value);
	}
	write_literal(w, "\"");
	xmlFree(escaped);
}

void pp_html_text(pp_html_writer *w, const char *text)
{
	write_escaped(w, BAD_CAST text);
}

void pp_html_raw_text(pp_html_writer *w, const char *text)
{
	if (strstr(text, "</"))
		write_escaped(w, BAD_CAST text);
	else
		write_raw(w, text);
}

static void write_dom_attribute(pp_html_writer *w, xmlAttrPtr attr)
{
	const xmlChar *value;
	xmlChar *owned;
	if (pp_dom_attribute_value(attr, &value, &owned) != 0) {
		w->failed = 1;
		return;
	}
	pp_html_attribute(w, attr->parent->name, attr->ns, attr->name, value);
	xmlFree(owned);
}

static void write_start_tag(pp_html_writer *w, xmlNodePtr el)
{
	pp_html_start(w, el->ns, el->name);
	for (xmlNsPtr ns = el->nsDef; ns; ns = ns->next) {
		write_raw(w, ns->prefix ? " xmlns:" : " xmlns");
		if (ns->prefix)
			write_raw(w, (const char *)ns->prefix);
		write_literal(w, "=\"");
		write_escaped(w, ns->href);
		write_literal(w, "\"");
	}
	for (xmlAttrPtr a = el->properties; a; a = a->next)
		write_dom_attribute(w, a);
	pp_html_start_end(w);
}

void pp_html_node(pp_html_writer *w, xmlNodePtr root)
{
	xmlNodePtr n = root;
	while (n && !w->failed) {
		int descend = 0;
		switch (n->type) {
		case XML_ELEMENT_NODE:
			write_start_tag(w, n);
			if (n->ns == NULL && is_void(n->name))
				break;
			if (n->children)
				descend = 1;
			else
				pp_html_end(w, n->ns, n->name);
			break;
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE:
			if (!n->content)
				break;
			/* Raw text ends at the first "</": text holding one could close
			 * its element and go on as markup, so it is escaped instead. */
			if (n->parent && n->parent->type == XML_ELEMENT_NODE && is_raw_text(n->parent->name) &&
			    !strstr((const char *)n->content, "</"))
				write_raw(w, (const char *)n->content);
			else
				write_escaped(w, n->content);
			break;
		case XML_COMMENT_NODE:
			write_literal(w, "<!--");
			if (n->content)
				write_raw(w, (const char *)n->content);
			write_literal(w, "-->");
			break;
		case XML_DTD_NODE:
			pp_html_doctype(w);
			break;
		default:
			break; /* processing instructions, entity references: not in HTML pages */
		}
		if (descend) {
			n = n->children;
			continue;
		}
		/* Next sibling, else close the ancestors we are leaving. */
		while (n != root && !n->next) {
			n = n->parent;
			pp_html_end(w, n->ns, n->name);
		}
		n = n == root ? NULL : n->next;
	}
}

int pp_html_serialize(xmlDocPtr doc, char **out, size_t *len)
{
	pp_html_writer *w = pp_html_writer_new();
	if (!w) {
		*out = NULL;
		*len = 0;
		return -1;
	}
	int has_doctype = 0;
	for (xmlNodePtr n = doc->children; n; n = n->next)
		has_doctype |= n->type == XML_DTD_NODE;
	if (!has_doctype)
		pp_html_doctype(w);
	for (xmlNodePtr n = doc->children; n; n = n->next) {
		pp_html_node(w, n);
		if (n->type != XML_DTD_NODE)
			pp_html_newline(w);
	}
	return pp_html_finish(w, out, len);
}
