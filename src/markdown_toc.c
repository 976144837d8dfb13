/* kramdown's table of contents ("* TOC" with "{:toc}"): see
 * markdown_internal.h. */
#include "markdown_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dom.h"
#include "fsutil.h"

/* Entries written into all the tables of a text: beyond, the tables left
 * are left empty (a warning), so a hostile text of many tables and many
 * headings costs no more than a long text. */
#define MAX_TOC_ENTRIES 20000

static int compare_pointers(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (const xmlNodePtr *)a, y = (uintptr_t) * (const xmlNodePtr *)b;
	return x < y ? -1 : x > y;
}

static int heading_level(xmlNodePtr el)
{
	return pp_dom_is_heading(el) ? el->name[1] - '0' : 0;
}

/* The headings under root that have an id and are not left out, in
 * document order. */
static xmlNodePtr *headings_of(render_state *st, xmlNodePtr root, size_t *count)
{
	xmlNodePtr *found = NULL;
	size_t cap = 0;
	*count = 0;
	for (xmlNodePtr n = pp_dom_next(root, root, 1); n; n = pp_dom_next(n, root, 1)) {
		if (n->type != XML_ELEMENT_NODE || !heading_level(n) || !xmlHasProp(n, BAD_CAST "id"))
			continue;
		if (st->not_in_toc_count &&
		    bsearch(&n, st->not_in_toc, st->not_in_toc_count, sizeof *st->not_in_toc, compare_pointers))
			continue;
		if (pp_grow(&found, &cap, *count, sizeof *found, 32) != 0) {
			free(found);
			*count = 0;
			return NULL;
		}
		found[(*count)++] = n;
	}
	if (!found)
		found = malloc(1); /* none: not a failure */
	return found;
}

/* A heading's words for an entry: links become their text, note
 * references go, and no copy keeps an id. */
static int entry_text(xmlNodePtr heading, xmlNodePtr into)
{
	for (xmlNodePtr c = heading->children; c; c = c->next) {
		xmlNodePtr copy = pp_dom_copy(c, into->doc);
		if (!copy)
			return -1;
		xmlAddChild(into, copy);
	}
	xmlNodePtr *changed = NULL;
	size_t count = 0, cap = 0;
	for (xmlNodePtr n = pp_dom_next(into, into, 1); n; n = pp_dom_next(n, into, 1)) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		xmlUnsetProp(n, BAD_CAST "id");
		int link = xmlStrcmp(n->name, BAD_CAST "a") == 0;
		xmlChar *class = link ? NULL : xmlGetProp(n, BAD_CAST "class");
		int note = class && xmlStrcmp(class, BAD_CAST "footnote-ref") == 0;
		xmlFree(class);
		if ((link || note) && pp_grow(&changed, &cap, count, sizeof *changed, 8) != 0) {
			free(changed);
			return -1;
		}
		if (link || note)
			changed[count++] = n;
	}
	/* Last first: what is inside an element is done before it. */
	while (count > 0) {
		xmlNodePtr n = changed[--count];
		if (xmlStrcmp(n->name, BAD_CAST "a") == 0) {
			xmlNodePtr c;
			while ((c = n->children)) {
				xmlUnlinkNode(c);
				xmlAddPrevSibling(n, c);
			}
		}
		xmlUnlinkNode(n);
		xmlFreeNode(n);
	}
	free(changed);
	return 0;
}

typedef struct {
	int level;
	xmlNodePtr item;
} open_item;

/* Fills one table; its new elements are added to made, outer ones first. */
static int fill(xmlNodePtr toc, xmlNodePtr *headings, size_t count, xmlNodePtr **made, size_t *made_count,
                size_t *made_cap)
{
	open_item *stack = NULL;
	size_t depth = 0, stack_cap = 0;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < count; i++) {
		int level = heading_level(headings[i]);
		while (depth > 0 && stack[depth - 1].level >= level)
			depth--;
		xmlNodePtr list = toc;
		if (depth > 0) {
			/* Nested in the item above: in its list, made on its first entry. */
			xmlNodePtr above = stack[depth - 1].item;
			list = above->last;
			if (!list || list->type != XML_ELEMENT_NODE || xmlStrcmp(list->name, toc->name) != 0) {
				list = pp_md_new_child(above, (const char *)toc->name);
				if (!list || pp_grow(made, made_cap, *made_count, sizeof **made, 64) != 0) {
					rc = -1;
					break;
				}
				(*made)[(*made_count)++] = list;
			}
		}
		xmlNodePtr item = pp_md_new_child(list, "li");
		xmlNodePtr link = item ? pp_md_new_child(item, "a") : NULL;
		xmlChar *id = xmlGetProp(headings[i], BAD_CAST "id");
		char *href = id ? pp_strdup_printf("#%s", (const char *)id) : NULL;
		xmlFree(id);
		if (!link || !href || !xmlSetProp(link, BAD_CAST "href", BAD_CAST href) ||
		    entry_text(headings[i], link) != 0 || pp_grow(made, made_cap, *made_count + 1, sizeof **made, 64) != 0 ||
		    pp_grow(&stack, &stack_cap, depth, sizeof *stack, 16) != 0) {
			free(href);
			rc = -1;
			break;
		}
		free(href);
		(*made)[(*made_count)++] = item;
		(*made)[(*made_count)++] = link;
		stack[depth++] = (open_item){level, item};
	}
	free(stack);
	return rc;
}

void pp_md_fill_tocs(render_state *st, xmlNodePtr root)
{
	if (st->not_in_toc_count)
		qsort(st->not_in_toc, st->not_in_toc_count, sizeof *st->not_in_toc, compare_pointers);
	size_t count;
	xmlNodePtr *headings = headings_of(st, root, &count);
	if (!headings) {
		st->failed = 1;
		return;
	}
	xmlNodePtr *made = NULL;
	size_t made_cap = 0, written = 0;
	int full = 0;
	for (size_t t = 0; !st->failed && t < st->toc_count; t++) {
		if (!full && written + count > MAX_TOC_ENTRIES) {
			pp_warning(st->d, st->ctx->path, 0, 0,
			           "%zu tables of contents of %zu headings each are more than a page can hold: the ones "
			           "after the first %zu are left empty",
			           st->toc_count, count, t);
			full = 1;
		}
		xmlNodePtr toc = st->tocs[t];
		size_t made_count = 0;
		if (!full) {
			written += count;
			if (fill(toc, headings, count, &made, &made_count, &made_cap) != 0) {
				st->failed = 1;
				break;
			}
		}
		/* Directions as every element of the text gets them, inner elements
		 * first, the table last; none of its elements has a dir of its own
		 * before it is done, so the direction in force inside is the
		 * table's. */
		int inside_rtl = pp_dom_inherited_rtl(toc, st->ctx->rtl);
		for (size_t i = made_count; i-- > 0;)
			pp_md_exit_element(st, made[i], NULL, inside_rtl);
		pp_md_exit_element(st, toc, NULL, pp_dom_inherited_rtl(toc->parent, st->ctx->rtl));
	}
	free(made);
	free(headings);
}
