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

static long list_number(xmlNodePtr li)
{
	xmlChar *value = xmlGetProp(li, BAD_CAST "value");
	long number = 1;
	if (value) {
		number = strtol((const char *)value, NULL, 10);
	} else {
		xmlChar *start = xmlGetProp(li->parent, BAD_CAST "start");
		number = start ? strtol((const char *)start, NULL, 10) : 1;
		xmlFree(start);
		for (xmlNodePtr p = li->prev; p; p = p->prev)
			number += pp_diff_name_is(p, "li");
	}
	xmlFree(value);
	return number;
}

/* White space that only separates blocks (or starts or ends one) shows
 * nothing; between inline content it is a space. */
static int separates_blocks(xmlNodePtr n)
{
	for (const xmlChar *p = n->content; p && *p; p++)
		if (!pp_diff_is_collapsible(*p))
			return 0;
	if (n->parent && n->parent->parent && !pp_dom_is_block(n->parent))
		return 0;
	return !n->prev || !n->next || pp_dom_is_block(n->prev) || pp_dom_is_block(n->next);
}

static int is_sr_only(xmlNodePtr n)
{
	xmlChar *cls = xmlGetProp(n, BAD_CAST "class");
	int sr_only = cls && strstr((const char *)cls, "sr-only");
	xmlFree(cls);
	return sr_only;
}

/* Writes what comes before an element's content; returns 1 to go inside. */
static int enter(text_writer *tw, xmlNodePtr n, int lists)
{
	if (is_sr_only(n))
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
		if (pp_diff_name_is(n->parent, "ol"))
			snprintf(prefix, sizeof prefix, "%*s%ld. ", indent, "", list_number(n));
		else
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
		snprintf(prefix, sizeof prefix, "[image%s%.40s]", alt && *alt ? ": " : "", alt ? (const char *)alt : "");
		xmlFree(alt);
	}
	if (pp_diff_name_is(n, "tr") && !n->prev && n->parent && !pp_diff_name_is(n->parent, "tbody"))
		*prefix = '\0'; /* the table's first row starts its block */
	if (*prefix)
		text_put(tw, prefix);
	if (pp_dom_is_heading(n) && current(tw))
		current(tw)->heading = 1;
	if (pp_diff_name_is(n, "li"))
		tw->item_start = 1;
	if (pp_diff_is_mark(n)) {
		int del = pp_diff_name_is(n, "del");
		text_put(tw, del ? (tw->colour ? "\033[31;9m[-" : "[-") : (tw->colour ? "\033[32;4m{+" : "{+"));
		tw->open_marks++;
		if (current(tw))
			current(tw)->changed = 1;
	}
	return 1;
}

/* A link's target, unless its text says it already (autolinks): a
 * changed target must show in text as it does in the page. */
static void write_target(text_writer *tw, xmlNodePtr a)
{
	xmlChar *href = xmlGetProp(a, BAD_CAST "href");
	xmlChar *text = href ? xmlNodeGetContent(a) : NULL;
	if (href && text) {
		const char *h = (const char *)href, *t = (const char *)text;
		if (strncmp(h, "mailto:", 7) == 0 && strcmp(h + 7, t) == 0)
			h = NULL;
		if (h && strcmp(h, t) != 0) {
			text_put(tw, " <");
			text_put(tw, h);
			text_put(tw, ">");
		}
	}
	xmlFree(href);
	xmlFree(text);
}

static void leave(text_writer *tw, xmlNodePtr n)
{
	if (pp_diff_name_is(n, "a"))
		write_target(tw, n);
	if (pp_diff_is_mark(n)) {
		int del = pp_diff_name_is(n, "del");
		text_put(tw, del ? (tw->colour ? "-]\033[0m" : "-]") : (tw->colour ? "+}\033[0m" : "+}"));
		tw->open_marks--;
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
	xmlBufferPtr out = xmlBufferCreate();
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
	text_writer tw = {xmlBufferCreate(), colour, 0, 0, 0, NULL, 0, 0, 0};
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
