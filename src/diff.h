/* Change diffs between two versions of a policy, inside the document's
 * structure.
 *
 * The guarantee, for every output (HTML and text): remove every insertion
 * and what remains reads exactly as the older version renders (its words,
 * their order, the white space between them, the inline elements around
 * each with their attributes: link targets, emphasis, code, isolated runs);
 * remove every deletion and what remains reads exactly as the newer one;
 * two versions that a reader can tell apart never compare equal.
 *
 * Both versions are first rendered to DOM (markdown.c); the diff works on
 * those trees, so what it marks is exactly what readers see:
 *   1. The blocks of each container (paragraphs, headings, lists, list
 *      items, quotes, tables, rows, cells; a run of inline content counts as
 *      one block) are aligned: identical blocks by Myers' O(ND) algorithm on
 *      a hash of their canonical form (diff_canon.c: text and inline
 *      structure), then the remaining blocks of each gap paired by element
 *      type and word overlap. A block left over was removed or added whole;
 *      one removed in one place and added unchanged in another of the same
 *      container is marked as moved. Each side's blocks keep their order.
 *   2. Paired containers are compared recursively; paired text blocks word by
 *      word (diff_words.c): each token carries its inline context, and each
 *      is written once inside copies of its own elements, so the guarantee
 *      holds by construction. Words come from ICU's word break iterator on
 *      NFC text (the renderer puts all text in NFC; callers passing other
 *      DOM must too). Whitespace-only differences and tatweel are never
 *      changes; diacritics (Unicode Mn marks) are ignored on request.
 *   3. The output is the newer document with <del class="diff-mark"> and
 *      <ins class="diff-mark"> placed inside its own elements (the class
 *      tells them from <del> and <ins> of the text); each change gets an id
 *      ("change-1", ...) for jump links.
 *   4. Self-check: each pair of text blocks and then the whole output are
 *      checked against the guarantee. A block that fails is shown replaced
 *      whole (old removed, new added); if the whole fails, the document is.
 *      result->repaired counts these; callers warn.
 *
 * Cost is bounded: Myers is cut off after a number of edits that shrinks as
 * the inputs grow. Past that limit the items found exactly once on each
 * side are anchors, as in patience diff (the longest run of them in the same
 * order on both sides is kept equal), and the stretches between anchors are
 * compared apart, each within its own limit and all within a total of work;
 * only a stretch past those degrades to being replaced whole, instead of
 * searching on (result->degraded). Memory too: a pair of
 * text blocks holding more than PP_DIFF_MAX_WORDS_TEXT bytes of text is
 * shown replaced whole without being split into words. Nothing here keeps
 * state between calls but a pp_diff_contexts (below), which also keeps the
 * ICU word break iterator its series' comparisons share. Nothing
 * recurses: containers are aligned with an explicit stack, and each
 * document's blocks are fingerprinted once, bottom-up, so nesting depth
 * costs neither stack nor repeated walks.
 */
#ifndef PP_DIFF_H
#define PP_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#define PP_DIFF_MAX_WORDS_TEXT (1024 * 1024)

typedef struct {
	int ignore_diacritics;
	const char *locale;         /* for word breaking; NULL for the root locale */
	const char *deleted_label;  /* screen-reader text at the start of each deletion, or NULL */
	const char *inserted_label; /* likewise for insertions */
	int inject_fault;           /* tests only: PP_DIFF_FAULT_WORD loses the first word
	                               of a change, PP_DIFF_FAULT_BLOCK the first removed block, so
	                               the self-check must repair the output */
} pp_diff_options;

enum { PP_DIFF_FAULT_WORD = 1, PP_DIFF_FAULT_BLOCK = 2 };

typedef enum { PP_CHANGE_CHANGED, PP_CHANGE_ADDED, PP_CHANGE_REMOVED, PP_CHANGE_MOVED } pp_change_kind;

typedef struct {
	char id[24];          /* "change-N", the id of the change's first marked element */
	pp_change_kind kind;
	char *section;        /* text of the heading the change falls under; NULL before any heading */
	char *excerpt;        /* a few words of the change: what it adds (or, removing only, removes) */
	char *removed;        /* a replacement's removed words, when few ("او" for "أو"); else NULL */
	char *context;        /* the words just before it in its block, which tell like changes
	                         apart; NULL at a block's start */
} pp_change;

typedef struct {
	size_t words_added;
	size_t words_removed;
	size_t sections_changed; /* headings-delimited sections that contain a change */
	pp_change *changes;
	size_t change_count;
	size_t change_capacity;  /* of changes; the diff's own bookkeeping */
	int degraded;            /* some comparison hit the cost limit and was replaced whole */
	size_t repaired;         /* blocks (or the document) the self-check replaced whole */
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
/* The contexts (inline elements with their attributes) seen in a series of
 * versions, interned once: indexes sharing them check unchanged blocks by
 * comparing bytes instead of walking them. It also keeps the series' word
 * break iterator and the word segments of the texts it compared (each
 * distinct text split once). Not for two threads at once. */
typedef struct pp_diff_contexts pp_diff_contexts;
pp_diff_contexts *pp_diff_contexts_new(void);
void pp_diff_contexts_free(pp_diff_contexts *contexts);
/* contexts may be NULL; it must outlive the index. */
pp_diff_index *pp_diff_index_new(xmlNodePtr root, const pp_diff_options *options, pp_diff_contexts *contexts);
void pp_diff_index_free(pp_diff_index *index);

/* pp_diff_dom with indexes of old_root and new_root (either may be NULL).
 * An index is read and its marks reset: one comparison at a time. */
int pp_diff_dom_indexed(xmlNodePtr old_root, pp_diff_index *old_index, xmlNodePtr new_root,
                        pp_diff_index *new_index, xmlNodePtr out, const pp_diff_options *options,
                        pp_diff_result *result);

void pp_diff_result_free(pp_diff_result *result);

/* Whether the marked output out (children of out after none were there
 * before the comparison) satisfies the guarantee against old_root and
 * new_root: 1 when it does, 0 when not, -1 when out of memory. */
int pp_diff_is_faithful(xmlNodePtr old_root, xmlNodePtr new_root, xmlNodePtr out,
                        const pp_diff_options *options);

/* Whether el is a <del> or <ins> that the diff made (a policy's text may
 * hold its own). */
int pp_diff_is_mark(xmlNodePtr el);

/* Writes the marked-up output of pp_diff_dom as plain text for a terminal:
 * blocks separated by blank lines, "[-removed-]" and "{+added+}", and ANSI
 * colour as well when colour is set. With context >= 0 only changed blocks
 * are shown, with context unchanged blocks around each; every stretch
 * shown after one left out starts with "@@ heading @@", the section it lies
 * in (like diff -U with function context). context < 0 shows everything.
 * Returns a malloc'ed string, or NULL when out of memory. */
char *pp_diff_to_text(xmlNodePtr out, int colour, long context);

/* The plain text of a version's rendering (no marks), as pp_diff_to_text
 * writes it: what either side of a text diff must read as. */
char *pp_diff_plain_text(xmlNodePtr root);

/* Myers' O(ND) difference of two sequences of keys, exposed for tests and
 * benchmarks. Fills ops (0 equal, 1 delete from a, 2 insert from b) in order
 * and returns their count, or -1 when more than max_edits edits would be
 * needed or memory ran out. *ops is malloc'ed. */
long pp_myers(const unsigned long long *a, size_t n, const unsigned long long *b, size_t m,
              size_t max_edits, unsigned char **ops);

/* The shortest edit script between two sequences of keys (Myers, within
 * the diff's cost limit; past it anchored on the keys found once on each
 * side, and a stretch between anchors past its own limit all removed, then
 * all added): *ops gets one PP_SEQ_* per step, malloc'ed. Returns the number
 * of steps, or -1 when out of memory. For aligning other sequences than
 * texts (a translation's blocks with its source's). */
enum { PP_SEQ_EQUAL = 0, PP_SEQ_REMOVED = 1, PP_SEQ_ADDED = 2 };
long pp_diff_sequences(const uint64_t *a, size_t n, const uint64_t *b, size_t m, unsigned char **ops);

/* For each item of a, the index of its counterpart in b (-1 for none), as
 * pp_diff_sequences pairs them, of equal items the first ones pairing (an
 * item added or missing among like ones is taken to be the last, as diff
 * slides its changes down). *pairs malloc'ed (n entries). 0, or -1 when
 * out of memory. */
int pp_diff_pairs(const uint64_t *a, size_t n, const uint64_t *b, size_t m, long **pairs);

#endif
