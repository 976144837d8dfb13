/* The plain-text form of a marked output (and of a plain rendering), for a
 * terminal or a pull request: blocks separated by blank lines, headings as
 * "## ", list items with their markers, table cells between bars,
 * "[-removed-]" and "{+added+}". White space inside a block is written as
 * the DOM has it; white space between blocks is not. Unchanged blocks can be
 * folded away, keeping some context and the heading of each stretch shown.
 * The walk is iterative.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_internal.h"
#include "dom.h"
#include "fsutil.h"
#include "markdown.h"

/* A block of the text (what lies between two blank lines). */
typedef struct {
	size_t start, end;
	int changed;
	int heading;
} chunk;

typedef struct {
	xmlBufferPtr buf;
	int colour;
	int pending_blank; /* a block ended: separate what follows by a blank line */
	int item_start;    /* just wrote a list marker: the item's first block follows it */
	int open_marks;
	xmlNodePtr whole;  /* block added or removed whole, marked as one; NULL */
	chunk *chunks;
	size_t count, cap;
	int failed;
} text_writer;

static chunk *current(text_writer *tw) { return tw->count ? &tw->chunks[tw->count - 1] : NULL; }

static void start_chunk(text_writer *tw)
{
	if (pp_grow(&tw->chunks, &tw->cap, tw->count, sizeof *tw->chunks, 16) != 0) {
		tw->failed = 1;
		return;
	}
	chunk *c = &tw->chunks[tw->count++];
	c->start = (size_t)xmlBufferLength(tw->buf);
	c->changed = tw->open_marks > 0;
	c->heading = 0;
}

static void text_put(text_writer *tw, const char *s)
{
	if (tw->pending_blank && xmlBufferLength(tw->buf) > 0) {
		xmlBufferCat(tw->buf, BAD_CAST "\n\n");
		start_chunk(tw);
	} else if (!tw->count) {
		start_chunk(tw);
	}
	tw->pending_blank = 0;
	tw->item_start = 0;
	if (xmlBufferCat(tw->buf, BAD_CAST s) != 0)
		tw->failed = 1;
}

static long start_of(xmlNodePtr list, const char *attribute, long fallback)
{
	xmlChar *start = xmlGetProp(list, BAD_CAST attribute);
	long number = start ? strtol((const char *)start, NULL, 10) : fallback;
	xmlFree(start);
	return number;
}

/* An item's number on the side that hides the other side's items. */
static long list_number(xmlNodePtr li, int hidden_side)
{
	long number = start_of(li->parent, "start", 1);
	if (hidden_side == OP_INSERT)
		number = start_of(li->parent, "data-old-start", number);
	for (xmlNodePtr p = li->prev; p; p = p->prev)
		number += pp_diff_name_is(p, "li") && pp_diff_block_side(p) != hidden_side;
	return number;
}

/* White space that only separates blocks (or starts or ends one) shows
 * nothing; between inline content it is a space. */
static int separates_blocks(xmlNodePtr n)
{
	if (!pp_diff_is_blank_text(n))
		return 0;
	if (n->parent && n->parent->parent && !pp_dom_is_block(n->parent))
		return 0;
	return !n->prev || !n->next || pp_dom_is_block(n->prev) || pp_dom_is_block(n->next);
}

/* Writes what comes before an element's content; returns 1 to go inside. */
static int enter(text_writer *tw, xmlNodePtr n, int lists)
{
	if (pp_diff_is_label(n))
		return 0;
	int in_table = pp_diff_name_is(n, "td") || pp_diff_name_is(n, "th") || pp_diff_name_is(n, "tr") ||
	               pp_diff_name_is(n, "thead") || pp_diff_name_is(n, "tbody") || pp_diff_name_is(n, "tfoot");
	if (pp_dom_is_block(n) && !in_table && !tw->item_start)
		tw->pending_blank = 1;
	char prefix[64] = "";
	if (pp_dom_is_heading(n)) {
		int level = n->name[1] - '0';
		memset(prefix, '#', (size_t)level);
		prefix[level] = ' ';
		prefix[level + 1] = '\0';
	} else if (pp_diff_name_is(n, "li")) {
		int indent = lists > 1 ? (lists - 1) * 3 : 0;
		if (indent > 30)
			indent = 30;
		if (pp_diff_name_is(n->parent, "ol")) {
			int side = pp_diff_block_side(n);
			long old_number = list_number(n, OP_INSERT), new_number = list_number(n, OP_DELETE);
			long shown = side == OP_DELETE ? old_number : new_number;
			if (side == OP_EQUAL && old_number != new_number && !tw->whole) {
				/* Renumbered: the old number removed, the new added. */
				snprintf(prefix, sizeof prefix, "%*s", indent, "");
				text_put(tw, prefix);
				snprintf(prefix, sizeof prefix, "%s%ld.%s%s%ld.%s ", tw->colour ? "\033[31;9m[-" : "[-",
				         old_number, tw->colour ? "-]\033[0m" : "-]", tw->colour ? "\033[32;4m{+" : "{+",
				         new_number, tw->colour ? "+}\033[0m" : "+}");
				if (current(tw))
					current(tw)->changed = 1;
			} else {
				snprintf(prefix, sizeof prefix, "%*s%ld. ", indent, "", shown);
			}
		} else
			snprintf(prefix, sizeof prefix, "%*s- ", indent, "");
	} else if (pp_diff_name_is(n, "td") || pp_diff_name_is(n, "th")) {
		xmlNodePtr p = n->prev;
		while (p && p->type != XML_ELEMENT_NODE)
			p = p->prev;
		strcpy(prefix, p ? " | " : "| ");
	} else if (pp_diff_name_is(n, "tr") || pp_diff_name_is(n, "br")) {
		strcpy(prefix, "\n");
	} else if (pp_diff_name_is(n, "hr")) {
		strcpy(prefix, "***");
	} else if (pp_diff_name_is(n, "img")) {
		xmlChar *alt = xmlGetProp(n, BAD_CAST "alt");
		text_put(tw, alt && *alt ? "[image: " : "[image");
		if (alt)
			text_put(tw, (const char *)alt);
		xmlFree(alt);
		strcpy(prefix, "]");
	}
	if (pp_diff_name_is(n, "tr") && !n->prev && n->parent && !pp_diff_name_is(n->parent, "tbody"))
		*prefix = '\0'; /* the table's first row starts its block */
	int side = pp_dom_is_block(n) && !tw->whole ? pp_diff_block_side(n) : OP_EQUAL;
	if (side != OP_EQUAL) {
		/* A block added or removed whole is one mark, its marker inside. */
		tw->whole = n;
		text_put(tw, side == OP_DELETE ? (tw->colour ? "\033[31;9m[-" : "[-") : (tw->colour ? "\033[32;4m{+" : "{+"));
		tw->open_marks++;
		if (current(tw))
			current(tw)->changed = 1;
	}
	if (*prefix)
		text_put(tw, prefix);
	if (pp_dom_is_heading(n) && current(tw))
		current(tw)->heading = 1;
	if (pp_diff_name_is(n, "li"))
		tw->item_start = 1;
	if (pp_diff_is_mark(n) && !tw->whole) {
		int del = pp_diff_name_is(n, "del");
		text_put(tw, del ? (tw->colour ? "\033[31;9m[-" : "[-") : (tw->colour ? "\033[32;4m{+" : "{+"));
		tw->open_marks++;
		if (current(tw))
			current(tw)->changed = 1;
	}
	return 1;
}

static int hidden_on(xmlNodePtr n, int side) { return !pp_diff_shows(n, side); }

/* The text or atom that side shows next to el (after it when forward,
 * else before it), in the same block; NULL at the block's edge. */
static xmlNodePtr adjacent_leaf(xmlNodePtr el, int side, int forward)
{
	xmlNodePtr n = el;
	for (;;) {
		while (!(forward ? n->next : n->prev)) {
			n = n->parent;
			if (!n || pp_dom_is_block(n))
				return NULL;
		}
		n = forward ? n->next : n->prev;
		while (n->type == XML_ELEMENT_NODE && !hidden_on(n, side)) {
			if (pp_dom_is_block(n))
				return NULL;
			if (pp_diff_is_atom(n))
				return n;
			xmlNodePtr inside = forward ? n->children : n->last;
			if (!inside)
				break; /* empty: shows nothing */
			n = inside;
		}
		if (n->type == XML_TEXT_NODE)
			return n;
	}
}

/* Whether el holds text or an atom that side shows. */
static int shows_content(xmlNodePtr el, int side)
{
	for (xmlNodePtr n = el->children; n;) {
		if (n->type == XML_TEXT_NODE && n->content && *n->content)
			return 1;
		if (n->type == XML_ELEMENT_NODE && !hidden_on(n, side)) {
			if (pp_diff_is_atom(n))
				return 1;
			if (n->children) {
				n = n->children;
				continue;
			}
		}
		while (n != el && !n->next)
			n = n->parent;
		n = n == el ? NULL : n->next;
	}
	return 0;
}

/* Appends the text that side shows of el to buf (prepends when front). */
static void side_text(xmlNodePtr el, int side, xmlBufferPtr buf, int front)
{
	xmlBufferPtr piece = front ? pp_dom_buffer_new() : buf;
	if (!piece)
		return;
	for (xmlNodePtr n = el->children; n;) {
		if (n->type == XML_TEXT_NODE && n->content)
			xmlBufferCat(piece, n->content);
		if (n->type == XML_ELEMENT_NODE && !hidden_on(n, side) && n->children) {
			n = n->children;
			continue;
		}
		while (n != el && !n->next)
			n = n->parent;
		n = n == el ? NULL : n->next;
	}
	if (front) {
		xmlBufferAddHead(buf, xmlBufferContent(piece), xmlBufferLength(piece));
		xmlBufferFree(piece);
	}
}

/* The nearest link around a leaf, in its block. */
static xmlNodePtr link_of(xmlNodePtr leaf)
{
	for (xmlNodePtr p = leaf ? leaf->parent : NULL; p && !pp_dom_is_block(p); p = p->parent)
		if (pp_diff_name_is(p, "a"))
			return p;
	return NULL;
}

static int same_target(xmlNodePtr a, const xmlChar *href)
{
	xmlChar *other = a ? xmlGetProp(a, BAD_CAST "href") : NULL;
	int same = other && xmlStrcmp(other, href) == 0;
	xmlFree(other);
	return same;
}

/* Whether the text side shows of the link ending at a (with the pieces
 * before it, when a change split it) is its target. */
static int says_target(xmlNodePtr a, const xmlChar *href, int side)
{
	xmlBufferPtr text = pp_dom_buffer_new();
	if (!text)
		return 0;
	side_text(a, side, text, 0);
	for (xmlNodePtr x = a, p; (p = link_of(adjacent_leaf(x, side, 0))) && same_target(p, href); x = p)
		side_text(p, side, text, 1);
	const char *t = (const char *)xmlBufferContent(text), *h = (const char *)href;
	int says = strcmp(t, h) == 0 || (strncmp(h, "mailto:", 7) == 0 && strcmp(t, h + 7) == 0);
	xmlBufferFree(text);
	return says;
}

/* Whether the link goes on after el on side: the next thing shown is in
 * a link to the same target (a link split around a change is one link). */
static int link_goes_on(xmlNodePtr el, const xmlChar *href, int side)
{
	return same_target(link_of(adjacent_leaf(el, side, 1)), href);
}

/* A link's target where the link ends, unless its text says it already
 * (autolinks): a changed target shows in text as it does in the page. A
 * link that ends on one side only gets its target in that side's mark. */
static void write_target(text_writer *tw, xmlNodePtr a)
{
	xmlChar *href = xmlGetProp(a, BAD_CAST "href");
	if (!href)
		return;
	int old_shows = 1, new_shows = 1;
	if (tw->whole) {
		old_shows = pp_diff_block_side(tw->whole) == OP_DELETE;
		new_shows = !old_shows;
	}
	for (xmlNodePtr p = a->parent; p && !pp_dom_is_block(p); p = p->parent)
		if (pp_diff_is_mark(p)) {
			old_shows = pp_diff_name_is(p, "del");
			new_shows = !old_shows;
		}
	old_shows = old_shows && shows_content(a, SIDE_OLD);
	new_shows = new_shows && shows_content(a, SIDE_NEW);
	int old_ends = old_shows && !link_goes_on(a, href, SIDE_OLD) && !says_target(a, href, SIDE_OLD);
	int new_ends = new_shows && !link_goes_on(a, href, SIDE_NEW) && !says_target(a, href, SIDE_NEW);
	if (old_ends || new_ends) {
		int one_side = old_ends != new_ends && old_shows && new_shows;
		if (one_side)
			text_put(tw, old_ends ? (tw->colour ? "\033[31;9m[-" : "[-") : (tw->colour ? "\033[32;4m{+" : "{+"));
		text_put(tw, " <");
		text_put(tw, (const char *)href);
		text_put(tw, ">");
		if (one_side)
			text_put(tw, old_ends ? (tw->colour ? "-]\033[0m" : "-]") : (tw->colour ? "+}\033[0m" : "+}"));
	}
	xmlFree(href);
}

static void close_mark(text_writer *tw, int del)
{
	text_put(tw, del ? (tw->colour ? "-]\033[0m" : "-]") : (tw->colour ? "+}\033[0m" : "+}"));
	tw->open_marks--;
}

static void leave(text_writer *tw, xmlNodePtr n)
{
	if (pp_diff_name_is(n, "a"))
		write_target(tw, n);
	if (pp_diff_is_mark(n) && !tw->whole)
		close_mark(tw, pp_diff_name_is(n, "del"));
	if (n == tw->whole) {
		tw->whole = NULL;
		close_mark(tw, pp_diff_block_side(n) == OP_DELETE);
	}
	tw->item_start = 0;
}

static void write_tree(text_writer *tw, xmlNodePtr root)
{
	int lists = 0;
	xmlNodePtr n = root->children;
	while (n && !tw->failed) {
		int entered = 0;
		if (n->type == XML_TEXT_NODE) {
			if (n->content && !separates_blocks(n))
				text_put(tw, (const char *)n->content);
		} else if (n->type == XML_ELEMENT_NODE && enter(tw, n, lists)) {
			entered = 1;
			if (pp_diff_name_is(n, "ul") || pp_diff_name_is(n, "ol"))
				lists++;
		}
		if (entered && n->children) {
			n = n->children;
			continue;
		}
		if (entered) {
			if (pp_diff_name_is(n, "ul") || pp_diff_name_is(n, "ol"))
				lists--;
			leave(tw, n);
		}
		while (n != root && !n->next) {
			n = n->parent;
			if (n == root)
				break;
			if (pp_diff_name_is(n, "ul") || pp_diff_name_is(n, "ol"))
				lists--;
			leave(tw, n);
		}
		n = n == root ? NULL : n->next;
	}
}

/* The chunks to show: changed ones and context around them. */
static char *folded(text_writer *tw, long context)
{
	const char *text = (const char *)xmlBufferContent(tw->buf);
	size_t total = (size_t)xmlBufferLength(tw->buf);
	for (size_t i = 0; i < tw->count; i++)
		tw->chunks[i].end = i + 1 < tw->count ? tw->chunks[i + 1].start - 2 : total;
	unsigned char *keep = calloc(tw->count + 1, 1);
	xmlBufferPtr out = pp_dom_buffer_new();
	if (!keep || !out) {
		free(keep);
		if (out)
			xmlBufferFree(out);
		return NULL;
	}
	/* Mark the chunks within context of a change, in two linear passes. */
	long last = -1 - context;
	for (size_t i = 0; i < tw->count; i++) {
		if (tw->chunks[i].changed)
			last = (long)i;
		keep[i] = (long)i - last <= context;
	}
	last = (long)tw->count + context + 1;
	for (size_t i = tw->count; i-- > 0;) {
		if (tw->chunks[i].changed)
			last = (long)i;
		keep[i] |= last - (long)i <= context;
	}
	long heading = -1;
	int gap = 0, any = 0;
	for (size_t i = 0; i < tw->count; i++) {
		const chunk *c = &tw->chunks[i];
		if (!keep[i]) {
			gap = 1;
			if (c->heading)
				heading = (long)i;
			continue;
		}
		if (any)
			xmlBufferCat(out, BAD_CAST "\n\n");
		if (gap || (!any && i > 0)) {
			/* Where this stretch lies: the heading of its section. */
			xmlBufferCat(out, BAD_CAST(tw->colour ? "\033[36m@@" : "@@"));
			if (heading >= 0 && !c->heading) {
				const chunk *h = &tw->chunks[heading];
				xmlBufferCat(out, BAD_CAST " ");
				xmlBufferAdd(out, BAD_CAST text + h->start, (int)(h->end - h->start));
				xmlBufferCat(out, BAD_CAST " @@");
			}
			xmlBufferCat(out, BAD_CAST(tw->colour ? "\033[0m\n" : "\n"));
		}
		xmlBufferAdd(out, BAD_CAST text + c->start, (int)(c->end - c->start));
		if (c->heading)
			heading = (long)i;
		gap = 0;
		any = 1;
	}
	if (any)
		xmlBufferCat(out, BAD_CAST "\n");
	char *s = strdup((const char *)xmlBufferContent(out));
	xmlBufferFree(out);
	free(keep);
	return s;
}

char *pp_diff_to_text(xmlNodePtr out, int colour, long context)
{
	text_writer tw = {.buf = pp_dom_buffer_new(), .colour = colour};
	if (!tw.buf)
		return NULL;
	write_tree(&tw, out);
	char *s = NULL;
	if (!tw.failed) {
		if (context >= 0) {
			s = folded(&tw, context);
		} else {
			xmlBufferCat(tw.buf, BAD_CAST "\n");
			s = strdup((const char *)xmlBufferContent(tw.buf));
		}
	}
	xmlBufferFree(tw.buf);
	free(tw.chunks);
	return s;
}

char *pp_diff_plain_text(xmlNodePtr root)
{
	return pp_diff_to_text(root, 0, -1);
}
