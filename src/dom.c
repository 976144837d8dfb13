#include <string.h>

#include "dom.h"

/* Appends child as parent's last child, without xmlAddChild's merging of
 * neighbouring text nodes: the copy has the shape of the original. */
static void append(xmlNodePtr parent, xmlNodePtr child)
{
	child->parent = parent;
	child->prev = parent->last;
	if (parent->last)
		parent->last->next = child;
	else
		parent->children = child;
	parent->last = child;
}

xmlNodePtr pp_dom_copy(xmlNodePtr node, xmlDocPtr doc)
{
	/* extended = 2: the node with its attributes, not its children. */
	xmlNodePtr root = xmlDocCopyNode(node, doc, 2);
	if (!root)
		return NULL;
	xmlNodePtr from = node->type == XML_ELEMENT_NODE ? node->children : NULL, into = root;
	while (from) {
		xmlNodePtr copy = xmlDocCopyNode(from, doc, 2);
		if (!copy) {
			xmlFreeNode(root);
			return NULL;
		}
		append(into, copy);
		if (from->type == XML_ELEMENT_NODE && from->children) {
			into = copy;
			from = from->children;
			continue;
		}
		while (from != node && !from->next) {
			from = from->parent;
			into = into->parent;
		}
		from = from != node ? from->next : NULL;
	}
	return root;
}

xmlNodePtr pp_dom_next(xmlNodePtr node, xmlNodePtr root, int enter)
{
	if (enter && node->type == XML_ELEMENT_NODE && node->children)
		return node->children;
	while (node != root && !node->next)
		node = node->parent;
	return node != root ? node->next : NULL;
}

int pp_dom_attribute_value(const xmlAttr *attr, const xmlChar **value, xmlChar **owned)
{
	const xmlNode *c = attr->children;
	*owned = NULL;
	*value = NULL;
	if (!c)
		return 0;
	if (!c->next && c->type == XML_TEXT_NODE && c->content) {
		*value = c->content;
		return 0;
	}
	if (!(*owned = xmlNodeListGetString(attr->doc, c, 0)))
		return -1;
	*value = *owned;
	return 0;
}

const xmlChar *pp_dom_attribute(xmlNodePtr node, const char *name, xmlChar **owned)
{
	*owned = NULL;
	for (xmlAttrPtr a = node->properties; a; a = a->next) {
		if (strcmp((const char *)a->name, name) != 0)
			continue;
		const xmlChar *value;
		if (pp_dom_attribute_value(a, &value, owned) != 0 || !value)
			return BAD_CAST "";
		return value;
	}
	return NULL;
}

xmlBufferPtr pp_dom_buffer_new(void)
{
	/* Most hold a word run or a title: libxml2's default start, 4 KiB,
	 * is a large allocation for each of tens of thousands a build. */
	xmlBufferPtr buf = xmlBufferCreateSize(64);
	if (buf)
		xmlBufferSetAllocationScheme(buf, XML_BUFFER_ALLOC_DOUBLEIT);
	return buf;
}
