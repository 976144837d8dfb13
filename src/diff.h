/* Change diffs between two versions of a policy, inside the document's
 * structure.
 *
 * Both versions are first rendered to DOM (markdown.c); the diff works on
 * those trees, so what it marks is exactly what readers see:
 *   1. The blocks of each container (paragraphs, headings, lists, list
 *      items, quotes, tables, rows, cells; a run of inline content counts as
 *      one block) are aligned: identical blocks by Myers' O(ND) algorithm on
 *      their normalized text, then the remaining blocks of each gap paired by
 *      element type and word overlap. A block left over was removed or added
 *      whole. A block that was removed in one place and added unchanged in
 *      another of the same container is marked as moved.
 *   2. Paired containers are compared recursively; paired text blocks word by
 *      word. Words come from ICU's word break iterator on NFC text (the
 *      renderer puts all text in NFC; callers passing other DOM must too), so Arabic
 *      with attached clitics, tashkeel and tatweel segments as a reader expects.
 *      Whitespace-only differences and tatweel are never changes; diacritics
 *      (Unicode Mn marks) are ignored on request.
 *   3. The output is the newer document with <del> and <ins> placed inside its
 *      own elements; each change gets an id ("change-1", …) for jump links.
 *
 * Cost is bounded: Myers is cut off after a number of edits that shrinks as
 * the inputs grow, and a comparison over the limit degrades to replacing the
 * whole block (or document) instead of searching on. Nothing here keeps
 * state between calls; an ICU break iterator is opened per call.
 */
#ifndef PP_DIFF_H
#define PP_DIFF_H

#include <stddef.h>

#include <libxml/tree.h>

typedef struct {
	int ignore_diacritics;
	const char *locale;         /* for word breaking; NULL for the root locale */
	const char *deleted_label;  /* screen-reader text at the start of each deletion, or NULL */
	const char *inserted_label; /* likewise for insertions */
} pp_diff_options;

typedef enum { PP_CHANGE_CHANGED, PP_CHANGE_ADDED, PP_CHANGE_REMOVED, PP_CHANGE_MOVED } pp_change_kind;

typedef struct {
	char id[24];          /* "change-N", the id of the change's first marked element */
	pp_change_kind kind;
	char *section;        /* text of the heading the change falls under; NULL before any heading */
	char *excerpt;        /* a few words of the change */
} pp_change;

typedef struct {
	size_t words_added;
	size_t words_removed;
	size_t sections_changed; /* headings-delimited sections that contain a change */
	pp_change *changes;
	size_t change_count;
	int degraded;            /* some comparison hit the cost limit and was replaced whole */
} pp_diff_result;

/* Compares the children of old_root with those of new_root and appends the
 * marked-up newer document to out (in out's document). result is filled and
 * must be released with pp_diff_result_free. Returns 0, or -1 when out of
 * memory or when ICU fails. */
int pp_diff_dom(xmlNodePtr old_root, xmlNodePtr new_root, xmlNodePtr out,
                const pp_diff_options *options, pp_diff_result *result);

/* The fingerprints of a document's blocks, made once for a document that
 * is compared twice (a version with the one before it and the one after).
 * root must not change while the index is in use; options must be those
 * of the comparisons. NULL when out of memory. */
typedef struct pp_diff_index pp_diff_index;
pp_diff_index *pp_diff_index_new(xmlNodePtr root, const pp_diff_options *options);
void pp_diff_index_free(pp_diff_index *index);

/* pp_diff_dom with indexes of old_root and new_root (either may be NULL).
 * An index is read and its marks reset: one comparison at a time. */
int pp_diff_dom_indexed(xmlNodePtr old_root, pp_diff_index *old_index, xmlNodePtr new_root,
                        pp_diff_index *new_index, xmlNodePtr out, const pp_diff_options *options,
                        pp_diff_result *result);

void pp_diff_result_free(pp_diff_result *result);

/* Writes the marked-up output of pp_diff_dom as plain text for a terminal:
 * blocks separated by blank lines, "[-removed-]" and "{+added+}", and ANSI
 * colour as well when colour is set. Returns a malloc'ed string. */
char *pp_diff_to_text(xmlNodePtr out, int colour);

/* Myers' O(ND) difference of two sequences of keys, exposed for tests and
 * benchmarks. Fills ops (0 equal, 1 delete from a, 2 insert from b) in order
 * and returns their count, or -1 when more than max_edits edits would be
 * needed or memory ran out. *ops is malloc'ed. */
long pp_myers(const unsigned long long *a, size_t n, const unsigned long long *b, size_t m,
              size_t max_edits, unsigned char **ops);

#endif
