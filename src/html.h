/* HTML serialization of pages built as libxml2 documents.
 *
 * Writes the HTML syntax (HTML Living Standard, "serializing HTML
 * fragments"): <!DOCTYPE html>, void elements without end tags, the text of
 * script and style as it is, every other text and attribute value escaped by
 * libxml2, URL attributes %-escaped where they hold characters a URL may not.
 * Nothing is added or reformatted: white space is the document's.
 *
 * libxml2's own HTML serializer does the same with a tag lookup, a copy and
 * an allocation per node; pages are written by the tens of thousands.
 */
#ifndef PP_HTML_H
#define PP_HTML_H

#include <stddef.h>

#include <libxml/tree.h>

/* Serializes doc as HTML in UTF-8 into *out (malloc'ed, NUL-terminated,
 * *len bytes without the NUL). -1 when out of memory; doc is not changed. */
int pp_html_serialize(xmlDocPtr doc, char **out, size_t *len);

#endif
