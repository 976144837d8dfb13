#include "html.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/uri.h>
#include <libxml/xmlIO.h>

/* Elements with no end tag (HTML Living Standard, "void elements"). */
static int is_void(const xmlChar *name)
{
	static const char *const names[] = {"area", "base", "br",   "col",   "embed", "hr",  "img",
	                                    "input", "link", "meta", "source", "track", "wbr"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (xmlStrEqual(name, BAD_CAST names[i]))
			return 1;
	return 0;
}

/* Elements whose text is written as it is: an HTML parser does not decode
 * references inside them. */
static int is_raw_text(const xmlChar *name)
{
	return xmlStrEqual(name, BAD_CAST "script") || xmlStrEqual(name, BAD_CAST "style");
}

/* Attributes holding a URL, written %-escaped where they hold characters a
 * URL may not (non-ASCII, spaces), as libxml2's own HTML serializer does. */
static int is_url_attribute(xmlAttrPtr attr)
{
	const xmlChar *name = attr->name, *element = attr->parent->name;
	return xmlStrEqual(name, BAD_CAST "href") || xmlStrEqual(name, BAD_CAST "src") ||
	       xmlStrEqual(name, BAD_CAST "action") ||
	       (xmlStrEqual(name, BAD_CAST "name") && xmlStrEqual(element, BAD_CAST "a"));
}

typedef struct {
	xmlOutputBufferPtr out;
	xmlBufferPtr scratch; /* one attribute value at a time */
	xmlDocPtr doc;
} writer;

static void write_raw(writer *w, const char *text)
{
	xmlOutputBufferWrite(w->out, (int)strlen(text), text);
}

static void write_name(writer *w, xmlNsPtr ns, const xmlChar *name)
{
	if (ns && ns->prefix) {
		write_raw(w, (const char *)ns->prefix);
		write_raw(w, ":");
	}
	write_raw(w, (const char *)name);
}

/* Characters xmlURIEscapeStr leaves as they are: ASCII letters and digits,
 * its unreserved marks, and the list passed to it below. */
static int url_needs_escaping(const xmlChar *url)
{
	static const char kept[] = "-_.!~*'()@/:=?;#%&,+<>";
	for (const xmlChar *p = url; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr(kept, *p)))
			return 1;
	return 0;
}

/* Attribute values are escaped by libxml2 (&, <, >, ", and white space
 * other than the space as character references). */
static void write_attribute(writer *w, xmlAttrPtr attr)
{
	write_raw(w, " ");
	write_name(w, attr->ns, attr->name);
	if (!attr->children)
		return; /* a boolean attribute: its presence is its value */
	/* A value is almost always one text node: read it in place. */
	xmlChar *value = NULL;
	const xmlChar *text = attr->children->content;
	if (attr->children->next || attr->children->type != XML_TEXT_NODE || !text) {
		if (!(value = xmlNodeListGetString(w->doc, attr->children, 0))) {
			w->out->error = XML_ERR_NO_MEMORY;
			return;
		}
		text = value;
	}
	xmlChar *escaped = NULL;
	if (attr->ns == NULL && is_url_attribute(attr)) {
		while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
			text++;
		/* The same characters kept as libxml2's HTML serializer keeps. */
		if (url_needs_escaping(text) && !(escaped = xmlURIEscapeStr(text, BAD_CAST "@/:=?;#%&,+<>"))) {
			xmlFree(value);
			w->out->error = XML_ERR_NO_MEMORY;
			return;
		}
		if (escaped)
			text = escaped;
	}
	write_raw(w, "=\"");
	if (strpbrk((const char *)text, "&<>\"\n\r\t")) {
		xmlBufferEmpty(w->scratch);
		xmlAttrSerializeTxtContent(w->scratch, w->doc, attr, text);
		xmlOutputBufferWrite(w->out, xmlBufferLength(w->scratch), (const char *)xmlBufferContent(w->scratch));
	} else {
		write_raw(w, (const char *)text);
	}
	write_raw(w, "\"");
	xmlFree(escaped);
	xmlFree(value);
}

static void write_start_tag(writer *w, xmlNodePtr el)
{
	write_raw(w, "<");
	write_name(w, el->ns, el->name);
	for (xmlNsPtr ns = el->nsDef; ns; ns = ns->next) {
		write_raw(w, ns->prefix ? " xmlns:" : " xmlns");
		if (ns->prefix)
			write_raw(w, (const char *)ns->prefix);
		write_raw(w, "=\"");
		xmlOutputBufferWriteEscape(w->out, ns->href, NULL);
		write_raw(w, "\"");
	}
	for (xmlAttrPtr a = el->properties; a; a = a->next)
		write_attribute(w, a);
	write_raw(w, ">");
}

/* Writes node and its descendants, iteratively: a deep document must not
 * exhaust the stack. */
static void write_tree(writer *w, xmlNodePtr root)
{
	xmlNodePtr n = root;
	while (n && w->out->error == 0) {
		int descend = 0;
		switch (n->type) {
		case XML_ELEMENT_NODE:
			write_start_tag(w, n);
			if (is_void(n->name) && n->ns == NULL)
				break;
			if (n->children)
				descend = 1;
			else {
				write_raw(w, "</");
				write_name(w, n->ns, n->name);
				write_raw(w, ">");
			}
			break;
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE:
			if (!n->content)
				break;
			if (n->parent && n->parent->type == XML_ELEMENT_NODE && is_raw_text(n->parent->name))
				write_raw(w, (const char *)n->content);
			else
				xmlOutputBufferWriteEscape(w->out, n->content, NULL);
			break;
		case XML_COMMENT_NODE:
			write_raw(w, "<!--");
			if (n->content)
				write_raw(w, (const char *)n->content);
			write_raw(w, "-->");
			break;
		case XML_DTD_NODE:
			write_raw(w, "<!DOCTYPE html>\n");
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
			write_raw(w, "</");
			write_name(w, n->ns, n->name);
			write_raw(w, ">");
		}
		n = n == root ? NULL : n->next;
	}
}

int pp_html_serialize(xmlDocPtr doc, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	writer w = {xmlAllocOutputBuffer(NULL), xmlBufferCreate(), doc};
	if (!w.out || !w.scratch) {
		if (w.out)
			xmlOutputBufferClose(w.out);
		if (w.scratch)
			xmlBufferFree(w.scratch);
		return -1;
	}
	int has_doctype = 0;
	for (xmlNodePtr n = doc->children; n; n = n->next)
		has_doctype |= n->type == XML_DTD_NODE;
	if (!has_doctype)
		write_raw(&w, "<!DOCTYPE html>\n");
	for (xmlNodePtr n = doc->children; n; n = n->next) {
		write_tree(&w, n);
		if (n->type != XML_DTD_NODE)
			write_raw(&w, "\n");
	}
	xmlBufferFree(w.scratch);
	if (w.out->error) {
		xmlOutputBufferClose(w.out);
		return -1;
	}
	size_t size = xmlOutputBufferGetSize(w.out);
	char *copy = malloc(size + 1);
	if (copy) {
		memcpy(copy, xmlOutputBufferGetContent(w.out), size);
		copy[size] = '\0';
	}
	xmlOutputBufferClose(w.out);
	if (!copy)
		return -1;
	*out = copy;
	*len = size;
	return 0;
}
