/* What the Markdown stage's files share: the state of one rendering and
 * the helpers its parts call. Not for other stages: markdown.h is the API.
 *
 * markdown.c walks the cmark tree and builds the DOM (blocks, inlines,
 * footnotes, heading ids, direction); markdown_html.c rebuilds raw HTML. */
#ifndef PP_MARKDOWN_INTERNAL_H
#define PP_MARKDOWN_INTERNAL_H

#include <libxml/tree.h>

#include "kramdown.h"
#include "markdown.h"

/* Strings to numbers, by open addressing with tombstones: heading ids given
 * (a document can repeat one heading thousands of times; every id is
 * looked up in constant time, not by scanning all given so far). */
typedef struct {
	char *key;    /* owned; NULL when empty */
	long value;
	int removed;  /* a tombstone: the search goes on past it */
} id_slot;

typedef struct {
	id_slot *slots;
	size_t cap, filled; /* filled counts tombstones too */
} id_table;

/* An element of raw HTML ("<abbr title=…>", "<details>") kept open until
 * its closing tag, or the end of the Markdown node holding it. */
typedef struct {
	xmlNodePtr element;
	xmlNodePtr outside;  /* where the text went before it opened */
	cmark_node *holder;  /* the Markdown node its tag is in */
	/* A block container a raw block left open: its tag's block, and the
	 * last child made from that block (NULL: none). NULL opener: not one. */
	cmark_node *opener;
	xmlNodePtr own_last;
} raw_open;

typedef struct {
	const pp_md_context *ctx;
	pp_diags *d;
	int failed;
	pp_slugger *slugger;
	int own_slugger;
	id_table ids;      /* ids given so far in this document */
	id_table next_suffix; /* per base: every base-k below it is taken */
	/* Elements finished, their words by direction counted once: element
	 * i's counts are counted[i], and its _private holds i + 1. */
	xmlNodePtr *memoized;
	pp_direction_count *counted;
	size_t memoized_count, memoized_cap, counted_cap;
	/* Footnotes: cmark-gfm numbers references by note, in the order notes
	 * are first referred to, and moves the notes, in that order, to the end
	 * of the document (unused ones are dropped). */
	size_t *note_refs;   /* references seen so far per note number */
	size_t note_refs_cap;
	xmlNodePtr notes;    /* the list of the notes section, once opened */
	size_t notes_seen;   /* notes rendered so far */
	pp_attribute_table *attrs; /* kramdown attribute lists, by node */
	raw_open *raw;       /* raw HTML elements open, innermost last */
	size_t raw_count, raw_cap;
	size_t containers_open; /* of them, block containers a raw block left open */
	/* kramdown's tables of contents, empty lists until the end; the
	 * headings left out of them (class no_toc). */
	xmlNodePtr *tocs, *not_in_toc;
	size_t toc_count, toc_cap, not_in_toc_count, not_in_toc_cap;
	size_t abbreviation_steps; /* work done finding abbreviations */
	int nested;  /* rendering Markdown inside raw HTML (markdown="1") */
	int refused; /* what that Markdown holds was refused (an error in d) */
} render_state;

/* Gives el the id when it may have it: a valid id, not the page's, not
 * of a generated form, not given before in the text; else a warning at
 * node's position says why it was dropped. */
void pp_md_claim_id(render_state *st, xmlNodePtr el, const char *id, cmark_node *node);

/* A new element name appended to parent; NULL when out of memory. */
xmlNodePtr pp_md_new_child(xmlNodePtr parent, const char *name);
/* text appended to parent as a text node; -1 when out of memory. */
int pp_md_append_text(xmlNodePtr parent, const char *text);
/* The line of node in the version file, for messages. */
int pp_md_line_of(const render_state *st, cmark_node *node);
/* Content problems are errors in check (strict), warnings in build. */
pp_severity pp_md_content_severity(const render_state *st);
/* An element is complete: headings get their id, blocks their direction,
 * links are isolated, and its direction is remembered. node may be NULL
 * for an element that is no heading. */
void pp_md_exit_element(render_state *st, xmlNodePtr el, cmark_node *node, int context_rtl);

/* markdown_toc.c: fills each table of contents in st->tocs with the
 * headings under root that have an id, in order, nested by level as
 * kramdown nests them: an item per heading, a link to it holding a copy of
 * its text (links, note references and ids left out). */
void pp_md_fill_tocs(render_state *st, xmlNodePtr root);

/* Renders text (Markdown held in raw HTML, its first line first_line of
 * the node's text) into `into` as part of this rendering: its ids, notes
 * and headings are the page's. Not again inside it (raw HTML in it is
 * rebuilt as raw HTML is): 1 then, with nothing done. 0; -1 when out of
 * memory; -2 after an error in st->d (a kramdown comment left open).
 * into_rtl: the direction in force inside `into`. */
int pp_md_render_nested(render_state *st, const char *text, size_t len, int first_line, xmlNodePtr into,
                        int into_rtl);

/* markdown_html.c */
void pp_md_add_html_block(render_state *st, cmark_node *node, xmlNodePtr cur, int context_rtl);
/* An inline tag: a line break, or dropped with a warning. */
void pp_md_add_inline_html(render_state *st, cmark_node *node, xmlNodePtr cur);
/* An inline tag of a kept element opens it (*cur moves inside) or closes
 * it; 1 when taken, 0 when the tag is for pp_md_add_inline_html. */
int pp_md_inline_raw_tag(render_state *st, cmark_node *node, xmlNodePtr *cur, int context_rtl);
/* A raw HTML block that opens kramdown's <div markdown="1"> without closing
 * it (a blank line in it), or opens a block container (<details>, <div>)
 * and leaves it open: the blocks after it go inside it (*cur moves inside)
 * until a block that is its closing tag, or the end of the container
 * holding it; that closing tag closes it. 1 when taken, 0 when the block
 * is for pp_md_add_html_block. */
int pp_md_block_raw_tag(render_state *st, cmark_node *node, xmlNodePtr *cur, int context_rtl);

/* Ends the innermost open inline element; *cur goes back outside it. */
void pp_md_close_raw(render_state *st, xmlNodePtr *cur, int context_rtl);
/* The same when its holder ends first: a block container never closed is
 * shown as if closed at the end of its own block, what came after it put
 * back after it (said in a warning). */
void pp_md_close_raw_unclosed(render_state *st, xmlNodePtr *cur, int context_rtl);

#endif
