/* Parity of a translation with the authoritative version it translates:
 * both texts read as sequences of blocks (headings with their level,
 * paragraphs, list items, quotes, table rows and cells, code), aligned by
 * their kinds with the diff's sequence alignment, then compared:
 *   - structure: a block of the source with no counterpart is missing, one
 *     of the translation with none is extra, each named with its line and
 *     the source section it belongs to;
 *   - numbers: each aligned pair's numbers, in any script's digits
 *     (Latin, Arabic-Indic, extended Arabic-Indic…, read by value through
 *     ICU), must agree; a number one side writes in words counts when ICU's
 *     spell-out rules for that side's language parse it, and is never
 *     guessed otherwise;
 *   - links: each aligned pair's link targets (URLs, e-mail addresses)
 *     must be the same.
 * A raw HTML block's numbers and links, and the links of raw HTML tags in
 * a text (a and area href, img src), are read through libxml2's HTML
 * parser, as the page's rendering reads them.
 * Reported in the translation's file, with the severity given (warnings in
 * check, errors with --strict). The blocks are also what side-by-side
 * pages align.
 */
#ifndef PP_PARITY_H
#define PP_PARITY_H

#include <stddef.h>

#include "content.h"
#include "diag.h"

typedef enum {
	PP_BLOCK_HEADING = 0, /* + level 1..6 */
	PP_BLOCK_PARAGRAPH = 10,
	PP_BLOCK_ITEM = 11,   /* a paragraph in a list item */
	PP_BLOCK_QUOTE = 12,  /* a paragraph in a block quote */
	PP_BLOCK_ROW = 20,
	PP_BLOCK_CELL = 21,
	PP_BLOCK_CODE = 30,
	PP_BLOCK_HTML = 31,
	PP_BLOCK_RULE = 32
} pp_block_kind;

typedef struct {
	int kind;         /* pp_block_kind, a heading's level added */
	int line;         /* in the version's file */
	char *text;       /* its words, white space collapsed */
	char **links;     /* link and image targets */
	size_t link_count;
} pp_block;

typedef struct {
	pp_block *items;
	size_t count, capacity;
} pp_blocks;

/* Reads a version's text (v->body, or read again when loaded without it)
 * into blocks. 0, or -1 after an error in d. */
int pp_blocks_read(const pp_version *v, pp_blocks *out, pp_diags *d);
void pp_blocks_free(pp_blocks *b);

/* For each block of a, the index of its counterpart in b, or -1; *pairs
 * malloc'ed (a->count entries). 0, or -1 when out of memory. */
int pp_blocks_align(const pp_blocks *a, const pp_blocks *b, long **pairs);

/* Compares translation (locale) with source (source_locale), reporting at
 * the translation's lines with severity. 0, or -1 after an error in d. */
int pp_parity_check(const pp_version *source, const char *source_locale, const pp_version *translation,
                    const char *locale, pp_severity severity, pp_diags *d);

#endif
