/* Translation units of a version: what a translator translates, one per
 * block of text (a heading, a paragraph, a list item's or a quote's
 * paragraph, a table cell, a footnote's paragraph), as inline Markdown
 * (emphasis, links, code spans kept, as po4a keeps them), plus the
 * version's title, summary and description.
 *
 * A unit's id is stable across versions: the id of the section it is in (a
 * pinned heading id, else the heading transliterated, "intro" before the
 * first heading), then its kind and its number among units of that kind in
 * the section: "personal-information/p-2". Paragraphs that are only a
 * kramdown attribute list are not units (they are kept from the source),
 * and kramdown comments never are.
 *
 * A raw HTML block with words (text, or a title, alt or aria-label value)
 * is a unit of its own ("section/html-1"), its text the HTML as written:
 * a page shows those words, so a translation must have them. Its
 * translation is taken only as one raw HTML block with the source's tags
 * and attributes (libxml2's HTML parser reads both), so a translator can
 * change words, never a link or what the page keeps of the markup.
 *
 * pp_units_compose is the way back: the source's document with each unit's
 * inline content replaced by its translation, written out through
 * cmark-gfm's CommonMark renderer.
 */
#ifndef PP_TRANSLATE_UNITS_H
#define PP_TRANSLATE_UNITS_H

#include <stddef.h>

#include <cmark-gfm.h>

#include "content.h"
#include "diag.h"

typedef struct {
	char *id;          /* "section/p-2" */
	char *text;        /* inline Markdown, lines joined by "\n" */
	char *note;        /* for the translator: its kind and section */
	int kind;          /* for aligning two texts' units by structure */
	int line;          /* in the version's file */
	cmark_node *node;  /* its block in the parsed document (compose) */
	int raw_html;      /* a raw HTML block: text is its HTML as written, not inline Markdown */
} pp_unit;

typedef struct {
	pp_unit *items;
	size_t count, capacity;
	cmark_node *doc;   /* the parsed document the nodes are in; owned */
	/* kramdown attribute lists on a lazy last line of a list's or quote's
	 * paragraph ("- TOC" / "{:toc}"), which belong to the list or quote:
	 * written back without the indent or '>' the writer gives them. */
	char **lazy_lists;
	size_t lazy_count, lazy_capacity;
} pp_units;

/* The units of a version's text (read again when loaded without it).
 * 0, or -1 after an error in d. Release with pp_units_free. */
int pp_units_read(const pp_version *v, pp_units *out, pp_diags *d);
void pp_units_free(pp_units *u);

/* For each unit of a, the index of its counterpart in b by structure
 * (kinds aligned as the diff aligns), or -1. *pairs malloc'ed. */
int pp_units_align(const pp_units *a, const pp_units *b, long **pairs);

/* Writes units' document with texts[i] (inline Markdown) in place of unit
 * i's content, as CommonMark: malloc'ed. A text that is not one block of
 * inline content (it parses as a list, a heading, several paragraphs) is
 * an error naming the unit, at file:line (line: of the unit in the file
 * the texts come from, or 0). NULL after errors in d. */
char *pp_units_compose(pp_units *units, const char *const *texts, const int *lines, const char *file, pp_diags *d);

/* Inline Markdown as cmark-gfm writes it back (escapes and delimiters its
 * own): two texts that read the same have the same form. malloc'ed; NULL
 * when out of memory. */
char *pp_inline_canonical(const char *markdown);

/* The code spans of inline Markdown, in order, joined by "\n": what a
 * translation must keep as it is. malloc'ed. */
char *pp_inline_codes(const char *markdown);

#endif
