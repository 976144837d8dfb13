/* HTML serialization: pages are written, not built and then dumped.
 *
 * Writes the HTML syntax (HTML Living Standard, "serializing HTML
 * fragments"): <!DOCTYPE html>, void elements without end tags, the text of
 * script and style as it is (unless it holds "</", which would end the
 * element: then escaped), every other text and attribute value escaped by
 * libxml2, URL attributes %-escaped where they hold characters a URL may not
 * (as libxml2's HTML serializer does). Nothing is added or reformatted:
 * white space is the document's.
 *
 * A writer collects one page. Templates (template.c) write their elements
 * through it one by one, and whole DOM subtrees (a rendered policy, a diff)
 * with pp_html_node; a failed allocation is remembered and reported by
 * pp_html_finish, so callers need not check every call.
 *
 * libxml2's own HTML serializer does the same with a tag lookup, a copy and
 * an allocation per node, on a document that must be built first; pages are
 * written by the tens of thousands.
 */
#ifndef PP_HTML_H
#define PP_HTML_H

#include <stddef.h>

#include <libxml/tree.h>

typedef struct pp_html_writer pp_html_writer;

pp_html_writer *pp_html_writer_new(void);

/* Hands over what was written (malloc'ed, NUL-terminated, *len bytes
 * without the NUL) and frees the writer. -1, and nothing in *out, when an
 * allocation failed on the way. */
int pp_html_finish(pp_html_writer *w, char **out, size_t *len);
/* The same in a block of the written size, for what is kept and read
 * again (a theme's pieces, written once when it loads): a writer's buffer
 * starts as large as a page, and kept pieces would lie that far apart. */
int pp_html_finish_fitted(pp_html_writer *w, char **out, size_t *len);
void pp_html_writer_free(pp_html_writer *w);

void pp_html_doctype(pp_html_writer *w);
/* A start tag in three steps: "<name", its attributes, ">". */
void pp_html_start(pp_html_writer *w, const xmlNs *ns, const xmlChar *name);
/* A NULL value writes the attribute without one (a boolean attribute). */
void pp_html_attribute(pp_html_writer *w, const xmlChar *element, const xmlNs *ns, const xmlChar *name,
                       const xmlChar *value);
void pp_html_start_end(pp_html_writer *w);
/* Markup written before by these functions into another writer and kept
 * (a template's fixed attributes, written once when the theme loads),
 * copied as it is. */
void pp_html_written(pp_html_writer *w, const char *markup, size_t len);
/* Bytes written so far. */
size_t pp_html_written_length(const pp_html_writer *w);
/* The end tag; nothing for void elements (br, img, meta…). */
void pp_html_end(pp_html_writer *w, const xmlNs *ns, const xmlChar *name);
/* Text, always escaped. */
void pp_html_text(pp_html_writer *w, const char *text);
/* Text of a raw-text element (<style>): written as it is, which the HTML
 * parser reads as it is; escaped instead when it holds "</", which would
 * end the element early. */
void pp_html_raw_text(pp_html_writer *w, const char *text);
/* A node and its descendants; iterative, so depth costs no stack. */
void pp_html_node(pp_html_writer *w, xmlNodePtr node);
/* Line break between top-level nodes, as a document is written. */
void pp_html_newline(pp_html_writer *w);

/* Serializes doc as HTML in UTF-8 into *out (malloc'ed, NUL-terminated,
 * *len bytes without the NUL), with <!DOCTYPE html> first. -1 when out of
 * memory; doc is not changed. */
int pp_html_serialize(xmlDocPtr doc, char **out, size_t *len);

#endif
