/* kramdown's attribute lists, for policies written for Jekyll: read from a
 * parsed cmark-gfm tree before it is rendered.
 *
 * A block attribute list ("{: #telemetry lang="fr" .note }") on the line
 * right after a block, or right before one, gives that block attributes;
 * one at the end of a paragraph's last line that escapes a list or a quote
 * (a lazy line) gives them to the list or quote, as kramdown reads it; one
 * right after a table gives them to the table. A span attribute list
 * ("*text*{: .x}") gives them to the element just before it. Attribute list
 * definitions ("{:name: #id .class}") are named sets that lists refer to by
 * name, defined anywhere in the document; the end-of-block marker "^" only
 * separates blocks. None of them is ever shown as text: each is taken out of
 * the tree.
 *
 * Of the attributes, the id is kept (links to "#telemetry" keep working), so
 * are lang and dir (a valid language tag; ltr, rtl or auto); classes and
 * other keys are dropped, as a theme cannot know them. A list that attaches
 * to nothing (blank lines on both sides) is reported, as is a value that
 * cannot be kept, and so is a Liquid tag ("{% include … %}", "{{ … }}") in
 * the text, which Jekyll ran and which would show here as text.
 *
 * The table is owned by the caller: pp_attribute_table_free. Node pointers
 * stay valid while the tree does; the table holds no other reference.
 */
#ifndef PP_KRAMDOWN_H
#define PP_KRAMDOWN_H

#include <stddef.h>

#include <cmark-gfm.h>

#include "diag.h"
#include "fsutil.h"

typedef struct {
	char *id, *lang, *dir; /* NULL when not given */
	/* kramdown's table of contents: a list that refers to "toc" ("* TOC"
	 * and "{:toc}") is replaced by one, of the headings with an id that do
	 * not have the class "no_toc". */
	unsigned toc : 1, no_toc : 1;
} pp_attributes;

typedef struct pp_attribute_table pp_attribute_table;

/* kramdown's extensions (kramdown_extensions.c), read before attribute
 * lists: "{::comment}" … "{:/comment}" (or "{:/}") is taken out with all it
 * holds, across blocks as in one line, and in raw HTML too (where kramdown
 * would publish it as text: a warning), so an internal note is never
 * published; "{::nomarkdown}" … "{:/nomarkdown}" loses its tags and its
 * inside is read as Markdown (a warning: raw HTML in it is only kept as far
 * as any raw HTML is); "{::options … /}" goes with a warning; self-closing
 * tags ("{::comment /}") go. A comment or nomarkdown left open is an error
 * (everything after it would be hidden or taken as raw), and so is a text
 * that comments leave empty. Returns 0, or -1 after an error in d. */
int pp_kramdown_extensions(cmark_node *root, const char *path, int line_offset, pp_diags *d);

/* Reads and removes every attribute list, definition and end-of-block
 * marker in root, after pp_kramdown_extensions (so a list in a comment is
 * comment too). source (the Markdown root was parsed from, may be NULL)
 * tells lazy lines apart; messages name path, with line_offset added to
 * cmark's lines. NULL after an error in d (out of memory, or what
 * pp_kramdown_extensions refuses). */
pp_attribute_table *pp_kramdown_attach(cmark_node *root, const char *source, size_t source_len, const char *path,
                                       int line_offset, pp_diags *d);

/* kramdown's definition lists (kramdown_definitions.c), read by
 * pp_kramdown_attach once attribute lists are out: a paragraph whose lines
 * after the first start with ": " (a colon and a space or tab) is a list,
 * the lines before the first of them its terms, each of them a definition
 * (the lines after one, lazily, part of it); a paragraph that starts so
 * defines the terms of the paragraph before it, after a blank line, or
 * adds to the list before it. The list is a custom block whose on_enter is
 * "dl", holding custom blocks "dt" and "dd", each holding one paragraph
 * with the line's inline nodes (rendered without a <p>). Returns 0, or -1
 * when out of memory. */
int pp_kramdown_definition_lists(cmark_node *root);

/* "dl", "dt" or "dd" for a node of a definition list made above, else
 * NULL. */
const char *pp_kramdown_definition_part(cmark_node *node);

/* kramdown's abbreviations (kramdown_abbreviations.c). A definition
 * "*[GDPR]: General Data Protection Regulation" is a line that starts a
 * block, or follows a definition (an attribute list right after one is
 * kramdown's for the abbreviation: nothing a page shows). Every occurrence
 * of a defined abbreviation in the document's text, wherever the definition
 * stands, as a whole word (\w as ICU's regular expressions read it), the
 * longest first, becomes an <abbr> whose title is the definition's text, as
 * kramdown writes it; code, raw HTML, addresses and images' alternative
 * text are left as they are.
 *
 * Reading takes the tree parsed from text (which it changes: kramdown's
 * comments are taken out, so a definition in one defines nothing) and gives
 * the definitions, with a copy of text whose definitions' lines are blank
 * (same length, same lines and columns): the Markdown to parse and render.
 * A definition given again is a warning; the last one counts, as in
 * kramdown. Both are NULL when text defines none. Returns 0, or -1 when out
 * of memory (reported in d). The caller frees *abbreviations with
 * pp_abbreviations_free and *blanked with free. */
typedef struct pp_abbreviations pp_abbreviations;
int pp_kramdown_abbreviations_read(cmark_node *parsed, const char *text, size_t len, const char *path,
                                   int line_offset, pp_diags *d, pp_abbreviations **abbreviations, char **blanked);

/* Whether text may define an abbreviation: a line with "*[" and a "]:"
 * after it. When it does not, reading would find none (and parse for
 * nothing). */
int pp_kramdown_may_define_abbreviations(const char *text, size_t len);

/* The first occurrence in s[from, len) of a defined abbreviation (at a
 * place a word may start, before a place it may end, the longest there):
 * 1 with its start, its length and its title ("" for none), else 0. steps
 * counts the work done for one text; once it passes
 * PP_MAX_ABBREVIATION_STEPS (about a second of a hostile text) nothing more
 * is found, and the caller says so. */
#define PP_MAX_ABBREVIATION_STEPS ((size_t)1 << 27)
int pp_kramdown_abbreviation_find(const pp_abbreviations *abbreviations, const char *s, size_t len, size_t from,
                                  size_t *start, size_t *length, const char **title, size_t *steps);

/* Line number of paragraph (parsed from the text lines index) from where
 * the paragraph's content starts: on its first line its column, on the
 * others past the indent and quote marks ('>') before it. NULL past the
 * text. */
const char *pp_kramdown_paragraph_line(cmark_node *paragraph, pp_text_lines *lines, int number, size_t *len);

/* Whether line (a block's line, from where the block's content starts) is
 * an abbreviation's definition, or, after_definition, the attribute list
 * that may follow one: what reading takes out. */
int pp_kramdown_abbreviation_line(const char *line, size_t len, int after_definition);

void pp_abbreviations_free(pp_abbreviations *abbreviations);

/* The attribute block at the end of a heading's text ("Title {#id}"): its
 * start in text, or NULL. */
const char *pp_kramdown_trailing_block(const char *text);

/* The attributes given to node, or NULL. */
const pp_attributes *pp_attributes_of(const pp_attribute_table *table, cmark_node *node);

void pp_attribute_table_free(pp_attribute_table *table);

/* Reads the inside of an attribute list ("#id .class key="v" name") into
 * out (its strings malloc'ed; release with pp_attributes_clear); names of
 * definitions it refers to are looked up in the table's definitions (table
 * may be NULL). Returns 0, or -1 when text is not an attribute list. */
int pp_attributes_parse(const char *text, size_t len, const pp_attribute_table *table, pp_attributes *out);
void pp_attributes_clear(pp_attributes *a);

/* The values kept of attributes, from attribute lists and raw HTML alike:
 * an id starts with a letter and holds letters, digits, '-', '_', ':', '.';
 * a lang is a language tag's shape; a dir is ltr, rtl or auto. */
int pp_id_is_valid(const char *id);
int pp_lang_is_valid(const char *lang);
int pp_dir_is_valid(const char *dir);

/* The id an attribute block at the end of a heading pins: kramdown's
 * "{: #cookies }" or Pandoc's "{#cookies .x}", read as any attribute list
 * is (definitions in table, which may be NULL). malloc'ed; NULL when it
 * pins no valid id. */
char *pp_heading_block_id(const char *text, size_t len, const pp_attribute_table *table);

#endif
