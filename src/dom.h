/* DOM helpers that hold however deep a tree nests, and read in place.
 *
 * libxml2 copies a subtree by recursion (xmlCopyNode, xmlDocCopyNode with
 * children), one C stack frame per level: an input nested 100,000 levels
 * deep (emphasis, quotes, raw HTML) would overflow a thread's stack. Every
 * copy of rendered content goes through pp_dom_copy instead.
 */
#ifndef PP_DOM_H
#define PP_DOM_H

#include <libxml/tree.h>

/* A deep copy of node (its attributes and all its descendants, text nodes
 * kept as they are, never merged) for doc (NULL: no document), made without
 * recursion. NULL when out of memory. The caller owns it (xmlFreeNode, which
 * frees without recursion). */
xmlNodePtr pp_dom_copy(xmlNodePtr node, xmlDocPtr doc);

/* The node after node in document order among root's descendants, or NULL
 * when the walk is over; with enter = 0, node's own descendants are skipped.
 * A loop over it visits a subtree without recursion:
 *     for (n = root->children; n; n = pp_dom_next(n, root, 1)) */
xmlNodePtr pp_dom_next(xmlNodePtr node, xmlNodePtr root, int enter);

/* The value of a DOM attribute into *value: in place when it is one text
 * node (nearly always), else assembled into *owned, which the caller frees
 * with xmlFree. NULL for an attribute without a value. -1 when out of memory. */
int pp_dom_attribute_value(const xmlAttr *attr, const xmlChar **value, xmlChar **owned);

/* The value of node's first attribute named name, as xmlGetProp finds it
 * (whatever its namespace; "" when empty, and, as there, when memory runs
 * out putting it together; entity references aside, which rendered text
 * has none), through pp_dom_attribute_value: *owned is the
 * copy to free, set only when the value had to be put together. NULL when
 * node has no such attribute. Valid until the attribute changes. */
const xmlChar *pp_dom_attribute(xmlNodePtr node, const char *name, xmlChar **owned);

/* An empty xmlBuffer that doubles as it grows. libxml2 2.9's default
 * scheme grows a buffer to the exact size asked, so text appended a piece
 * at a time is copied once per piece; every buffer that accumulates goes
 * through here. NULL when out of memory; free with xmlBufferFree. */
xmlBufferPtr pp_dom_buffer_new(void);

#endif
