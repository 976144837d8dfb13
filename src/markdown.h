/* Markdown to DOM: parses policy text with cmark-gfm and builds libxml2 nodes.
 *
 * No HTML string is ever produced here: every element and text node is made
 * through the libxml2 tree API, so text is escaped when the page is
 * serialized and cannot break out of its element. Raw HTML in Markdown is
 * not passed through (a warning says where it was dropped, except comments,
 * which authors use for notes); link and image URLs with schemes other than
 * http, https, mailto and tel are removed with a warning.
 *
 * Headings get ids: the one the author pinned with a trailing attribute block
 * ("## Cookies {#cookies}", or kramdown's "{: #cookies }" at the end or on
 * the next line), else a readable ASCII transliteration of the heading
 * ("#mlwmat-alhwyt-alshkhsyt"), unique within the document, so links to a
 * section survive new versions. Attribute blocks never show as text; one
 * that is not understood is dropped with a warning.
 *
 * Direction: each block whose first strong character (Unicode bidi rule P2)
 * disagrees with the direction around it gets its own dir attribute, and LTR
 * runs inside RTL text (code, links whose text is Latin) are isolated with
 * dir="ltr" so neighbouring punctuation stays where the author put it.
 *
 * Parsing takes a lock: cmark-gfm keeps process-wide state that concurrent
 * parses would corrupt (see pp_markdown_parse); rendering runs in parallel.
 *
 * The cmark tree returned by pp_markdown_parse belongs to the caller
 * (cmark_node_free). Rendering writes user data into the cmark nodes, so one
 * tree must not be rendered by two threads at once; separate trees may.
 */
#ifndef PP_MARKDOWN_H
#define PP_MARKDOWN_H

#include <stddef.h>

#include <cmark-gfm.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "diag.h"
#include "kramdown.h"
#include "l10n.h"
#include "text_facts.h"

typedef struct {
	const char *path;  /* source file named in messages */
	int line_offset;   /* added to cmark's line numbers: the body's first line - 1 */
	int rtl;           /* direction of the page the nodes go into */
	int strict;        /* raw HTML and refused URLs are errors, not warnings (check) */
	pp_slugger *slugger; /* for heading ids; NULL: one is opened for the call */
	/* The Markdown the tree was parsed from, or NULL: it tells kramdown's
	 * lazy lines apart (see kramdown.h); pp_markdown_to_container sets it. */
	const char *source;
	size_t source_len;
	/* Ids the page around the text has (the theme's "main"…), which the
	 * text's ids may not take; reserved_count of them, may be NULL. Ids of
	 * the forms the pages generate (fn-N, fnref-N, change-N) are reserved
	 * always. */
	const char *const *reserved_ids;
	size_t reserved_count;
	/* kramdown's abbreviations, marked after attribute lists are read
	 * (NULL: none); pp_markdown_to_container reads them. */
	const pp_abbreviations *abbreviations;
	/* What is known of texts rendered before (a series' versions repeat
	 * most of theirs); NULL: every text is read. */
	pp_text_facts *facts;
} pp_md_context;

/* Registers cmark-gfm's extensions. Call once, before any thread parses. */
void pp_markdown_init(void);
/* Releases them at exit, after the last parse. */
void pp_markdown_shutdown(void);

/* cmark keeps the text of inline nodes in their block's buffer: before
 * inline nodes move to another block that may outlive theirs, each gets
 * its own copy. Iterative; -1 when out of memory. */
int pp_markdown_own_text(cmark_node *root);

/* Whether a raw HTML block is kramdown's <div markdown="1"> … </div> in
 * one block (no blank line in it): Markdown inside raw HTML, which the
 * page renders but a reader of the parsed tree sees as raw HTML. */
int pp_markdown_html_holds_markdown(const char *html);

/* A raw HTML block's text as the page's rendering reads it: libxml2's HTML
 * parser, its implied <html> and <body> kept (see pp_md_add_html_block).
 * The caller frees it (xmlFreeDoc); NULL when out of memory. */
htmlDocPtr pp_html_block_parse(const char *html);

/* Whether raw HTML's element name is one whose content never reaches the
 * page (script, style, a form's controls, svg…): dropped whole. */
int pp_html_shows_nothing(const xmlChar *name);

/* Parses UTF-8 Markdown; NULL when out of memory. */
cmark_node *pp_markdown_parse(const char *text, size_t len);

/* Whether text has a paragraph that cmark-gfm 0.29.0.gfm.6 would take
 * quadratic time over: image openers ("![") times links ("](") above
 * PP_MAX_OPENERS_TIMES_LINKS between two blank lines (a real policy's
 * paragraph is below 1,000). Returns 1 with the line where that paragraph
 * starts, else 0. Loading refuses such a version before parsing it. */
#define PP_MAX_OPENERS_TIMES_LINKS 20000000u
int pp_markdown_costly_block(const char *text, size_t len, int *line);

/* Renders node (a document, or any block or inline inside one) and appends
 * the result to parent, in parent's document. Returns 0, or -1 when out of
 * memory (reported in d). Content problems are warnings. */
int pp_markdown_render(cmark_node *node, xmlNodePtr parent, const pp_md_context *ctx, pp_diags *d);

/* Parses and renders text into a new detached <div> (no document), the
 * form in which site pages and diffs take a version's body. NULL after an
 * error in d. The caller frees it with xmlFreeNode. */
xmlNodePtr pp_markdown_to_container(const char *text, size_t len, const pp_md_context *ctx,
                                    pp_diags *d);

/* The ids pinned by attribute blocks in text, in document order (for check:
 * every locale of a version should pin the same set). *ids is malloc'ed,
 * with malloc'ed strings; free with pp_free_ids. */
int pp_markdown_pinned_ids(const char *text, size_t len, char ***ids, size_t *count);
void pp_free_ids(char **ids, size_t count);

/* The words of text's first heading, of any level, as a reader sees them:
 * inline HTML tags and a trailing attribute block ({#id}, {: .class}) left
 * out, entities and escapes resolved (white space as the text has it); a
 * title for a document that names none. NULL when text has no heading with words, or
 * when out of memory. malloc'ed. */
char *pp_markdown_first_heading_text(const char *text, size_t len);

/* The direction in force at node: its nearest dir attribute, or rtl_default. */
int pp_dom_inherited_rtl(xmlNodePtr node, int rtl_default);

/* True when the URL's scheme is one a policy page may link to. */
int pp_url_is_safe(const char *url, int for_image);

/* True when url starts with a scheme ("https:", "mailto:"); relative URLs
 * and fragments have none. */
int pp_url_has_scheme(const char *url);

/* h1 to h6. */
int pp_dom_is_heading(xmlNodePtr node);

/* Block-level elements, as rendered Markdown and rebuilt raw HTML make them:
 * text inside one belongs to it, not to the block around it. */
int pp_dom_is_block(xmlNodePtr node);

#endif
