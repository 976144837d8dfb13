/* Internals shared by the diff's modules, one concern each:
 *   diff_myers.c   Myers' O(ND) difference of key sequences, with its cost limit
 *   diff_canon.c   the canonical form of rendered text: what a reader sees of
 *                  a range of DOM, and of either side of a marked output; the
 *                  fidelity check compares the two
 *   diff_words.c   words of a paired text block: tokens, their edit script, and
 *                  the writer that emits marks around them
 *   diff_blocks.c  blocks of a container: fingerprints, alignment, pairing,
 *                  moves, whole-block marks, entry points
 *   diff_text.c    the plain-text form of a marked output
 * Not part of the public interface (diff.h); nothing here keeps global state.
 */
#ifndef PP_DIFF_INTERNAL_H
#define PP_DIFF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>
#include <unicode/ubrk.h>
#include <unicode/utypes.h>

#include "diff.h"

enum { OP_EQUAL = 0, OP_DELETE = 1, OP_INSERT = 2, OP_REPLACE = 3 };

#define HASH_INIT 1469598103934665603ULL
#define HASH_PRIME 1099511628211ULL

static inline uint64_t pp_hash_bytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * HASH_PRIME;
	return h;
}

/* Myers with common prefix and suffix trimmed first; beyond the edit limit
 * the middle is "delete all, insert all" and *degraded is set. Returns the
 * op count (ops malloc'ed) or -1 when out of memory. */
long pp_diff_keys(const uint64_t *a, size_t n, const uint64_t *b, size_t m, unsigned char **ops,
                  int *degraded);

/* ---- the state of one comparison ---- */

typedef struct diff_state {
	const pp_diff_options *opt;
	UBreakIterator *words;
	xmlDocPtr doc;       /* output document */
	pp_diff_result *result;
	char *section;       /* current heading text (owned) */
	long section_index;  /* -1 before any heading */
	long counted_section;
	int open_whole;      /* kind of the run of whole blocks being emitted, or -1 */
	int failed;
	int fault;           /* PP_DIFF_FAULT_*, spent once (tests of the self-check) */
	const struct pp_diff_index *old_index, *new_index; /* fingerprints made before, or NULL */
	const struct block_prints *old_prints, *new_prints; /* fingerprints of each side's blocks */
} diff_state;

/* True for code points that never count in a comparison: tatweel, and
 * non-spacing marks when diacritics are ignored. */
int pp_diff_ignored(const pp_diff_options *opt, UChar32 c);

/* HTML's collapsible white space: space, tab, line feed, form feed, return. */
static inline int pp_diff_is_collapsible(UChar32 c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static inline int pp_diff_name_is(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0;
}

/* The node after n in document order, not entering n's children, in a walk
 * of the sibling range that ends at last (NULL: at the end of its parent);
 * *depth is how far below the range's top n lies, and drops by one for
 * every level climbed, so callers keeping state per level can pop it.
 * NULL past the range. */
static inline xmlNodePtr pp_diff_range_next(xmlNodePtr n, xmlNodePtr last, size_t *depth)
{
	for (;;) {
		if (*depth == 0)
			return n == last ? NULL : n->next;
		if (n->next)
			return n->next;
		n = n->parent;
		--*depth;
	}
}

/* Elements compared as one token: line breaks and images. Other elements
 * with no content (anchors made from <a name>) show nothing and are not
 * compared. */
int pp_diff_is_atom(xmlNodePtr el);

/* ---- signatures and the canonical form (diff_canon.c) ---- */

/* Hash of what a reader sees of an inline element itself: its name and its
 * attributes (in any order) but its id. */
uint64_t pp_diff_signature(xmlNodePtr el);
/* Exact form of the same. */
int pp_diff_same_signature(xmlNodePtr a, xmlNodePtr b);
/* Context of a child of an element in context ctx. */
static inline uint64_t pp_diff_context(uint64_t ctx, uint64_t signature)
{
	return (ctx ^ signature) * HASH_PRIME + 0x9e3779b97f4a7c15ULL;
}

/* Whether two blocks agree on the attributes that change what is shown
 * (list numbering, table spans and alignment): only such blocks pair. */
int pp_diff_same_block_attributes(xmlNodePtr a, xmlNodePtr b);

/* OP_DELETE for a block copied whole from the older side (removed or moved
 * away), OP_INSERT for one from the newer side, OP_EQUAL otherwise. */
int pp_diff_block_side(xmlNodePtr el);

enum { SIDE_SOURCE = 0, SIDE_OLD = 1, SIDE_NEW = 2 };

/* Fingerprint of a range: the hash of its canonical form, how many words
 * it has (split on white space), and the hashes of the first max_words of
 * them (for similarity; malloc'ed, or NULL). */
typedef struct {
	uint64_t hash;
	uint64_t *words;
	size_t word_count;  /* hashes in words */
	size_t word_total;  /* words in the range */
} pp_diff_fingerprint;

/* first..last are siblings (last NULL: to the end); name is hashed first.
 * With words_only, the walk stops once max_words are collected and the
 * hash is not made. */
int pp_diff_fingerprint_range(const pp_diff_options *opt, xmlNodePtr first, xmlNodePtr last,
                              const char *name, int in_pre, size_t max_words, int words_only,
                              pp_diff_fingerprint *fp);

/* Canonical hash of a block's own part: its name and shown attributes,
 * combined with its child items' hashes by diff_blocks.c's fingerprints. */
uint64_t pp_diff_block_head(xmlNodePtr block);

/* Whether side (SIDE_OLD or SIDE_NEW) of the marked range out_first..out_last
 * reads exactly as the source range src_first..src_last: the same words in
 * the same order, the same white space between them (as HTML collapses it),
 * the same inline structure (elements and attributes around every
 * character, adjacent equal elements read as one), the same blocks. Text
 * counts as comparisons do (tatweel, and diacritics on request, ignored).
 * Returns 1 when it does, 0 when not, -1 when out of memory. */
int pp_diff_reads_as(const pp_diff_options *opt, xmlNodePtr out_first, xmlNodePtr out_last, int side,
                     xmlNodePtr src_first, xmlNodePtr src_last, int in_pre);

/* The exact canonical form of a source range, made once and compared with
 * several outputs (a version is the newer side of one comparison and the
 * older side of the next). NULL when out of memory. */
typedef struct pp_diff_form pp_diff_form;
pp_diff_form *pp_diff_form_new(const pp_diff_options *opt, xmlNodePtr first, xmlNodePtr last, int in_pre);
void pp_diff_form_free(pp_diff_form *form);
/* pp_diff_reads_as against a form: 1, 0, or -1 when out of memory. */
int pp_diff_form_matches(pp_diff_form *form, xmlNodePtr out_first, xmlNodePtr out_last, int side);

/* ---- marks and changes (diff_blocks.c) ---- */

xmlNodePtr pp_diff_new_mark(diff_state *st, int op, const char *id, int moved);
const char *pp_diff_new_change(diff_state *st, pp_change_kind kind, const char *excerpt);

/* ---- words (diff_words.c) ---- */

/* Compares the inline content of two paired ranges (siblings; last NULL:
 * to the end) word by word and appends the newer one with marks to out. */
void pp_diff_words(diff_state *st, xmlNodePtr old_first, xmlNodePtr old_last, xmlNodePtr new_first,
                   xmlNodePtr new_last, int in_pre, xmlNodePtr out);

/* Words (ICU word segments with a letter or digit) in a range. */
size_t pp_diff_count_words(diff_state *st, xmlNodePtr first, xmlNodePtr last);

/* Tokens of a range, for the precision benchmark and tests. */
int pp_diff_word_keys(diff_state *st, xmlNodePtr first, xmlNodePtr last, int in_pre, uint64_t **keys,
                      unsigned char **is_word, size_t *count);

#endif
