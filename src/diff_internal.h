/* Internals shared by the diff's modules, one concern each:
 *   diff_myers.c   Myers' O(ND) difference of key sequences, with its cost limit
 *   diff_canon.c   the canonical form of rendered text: what a reader sees of
 *                  a range of DOM, and of either side of a marked output; the
 *                  fidelity check compares the two
 *   diff_words.c   words of a paired text block: tokens, their edit script, and
 *                  the writer that emits marks around them
 *   diff_segments.c a text's word segments (ICU), each distinct text of a
 *                  series split once
 *   diff_items.c   items of a container (blocks, runs of inline content) and
 *                  their fingerprints, made once per document, bottom-up
 *   diff_marks.c   marks, the list of changes, blocks copied equal or marked
 *                  removed, added or moved whole
 *   diff_blocks.c  alignment of containers, pairing, moves, the self-check
 *                  with its fallback, the entry points
 *   diff_text.c    the plain-text form of a marked output
 * Not part of the public interface (diff.h); nothing here keeps global state.
 */
#ifndef PP_DIFF_INTERNAL_H
#define PP_DIFF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libxml/tree.h>
#include <unicode/ubrk.h>
#include <unicode/utypes.h>

#include "diff.h"
#include "kept.h"

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
 * anchored on the keys found once on each side (see diff.h), a stretch
 * between anchors past its own limit "delete all, insert all" with
 * *degraded set. Returns the op count (ops malloc'ed) or -1 when out of
 * memory. */
long pp_diff_keys(const uint64_t *a, size_t n, const uint64_t *b, size_t m, unsigned char **ops,
                  int *degraded);

/* ---- the state of one comparison ---- */

/* A top-level block the output copied unchanged from the newer version. */
typedef struct {
	xmlNodePtr out, source;
} pp_diff_copy;

/* What a series' contexts keep (each made on first use, bounded). Segments
 * and excerpts depend on the word break iterator's locale and go with it. */
typedef enum {
	KEPT_SEGMENTS,  /* a text's word segments (diff_segments.c), 4 MiB */
	KEPT_EXCERPTS,  /* a text's excerpts as changes show them (diff_marks.c), 2 MiB */
	KEPT_WORDS,     /* a block's sorted word hashes for similarity (diff_items.c), 4 MiB */
	KEPT_KINDS
} pp_kept_kind;
/* The series' table of kind; NULL when out of memory. */
pp_kept *pp_diff_contexts_kept(pp_diff_contexts *contexts, pp_kept_kind kind);

/* ---- word segments (diff_segments.c) ---- */

/* Where ICU's word break iterator splits a text: segment i ends at end16[i]
 * in text (the UTF-16 of the text) and at end8[i] in its UTF-8; is_word[i]
 * when its rule status is a word's. Read only. */
typedef struct {
	const UChar *text;
	int32_t len;
	size_t count, words;
	const int32_t *end16;
	const uint32_t *end8;
	const unsigned char *is_word;
} pp_diff_segmentation;

/* The segments of utf8 (utf8_len bytes of valid UTF-8) by words: from
 * kept (KEPT_SEGMENTS) when it holds that text, else split by words and
 * kept there while the bound allows. kept NULL: none kept. One not kept is
 * also set in *scratch, for the caller to free with
 * pp_diff_segmentation_free once read. NULL when out of memory or ICU
 * fails. */
const pp_diff_segmentation *pp_diff_segment(pp_kept *kept, UBreakIterator *words, const char *utf8,
                                            size_t utf8_len, pp_diff_segmentation **scratch);
void pp_diff_segmentation_free(pp_diff_segmentation *seg);

typedef struct diff_state {
	const pp_diff_options *opt;
	UBreakIterator *words;
	pp_kept *segments, *excerpts, *word_sets; /* the series' (pp_kept_kind), or NULL */
	xmlDocPtr doc;       /* output document */
	pp_diff_result *result;
	char *section;       /* current heading text (owned) */
	long section_index;  /* -1 before any heading */
	long counted_section;
	int open_whole;      /* kind of the run of whole blocks being emitted, or -1 */
	int failed;
	int fault;           /* PP_DIFF_FAULT_*, spent once (tests of the self-check) */
	const struct pp_diff_index *old_index, *new_index; /* fingerprints made before, or NULL */
	/* The indexes of exactly these two documents (else NULL): their word
	 * tokens are kept there. */
	struct pp_diff_index *old_own, *new_own;
	size_t old_cursor, new_cursor; /* for pp_diff_block_reads_as */
	const struct block_prints *old_prints, *new_prints; /* fingerprints of each side's blocks */
	pp_diff_copy *copies;  /* top-level blocks copied unchanged, for the final check */
	size_t copy_count, copy_cap;
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
	/* Asked of nearly every element the walks pass, mostly with a name
	 * that differs at its first letter: that is compared here, inline. */
	return n && n->type == XML_ELEMENT_NODE && n->name && n->name[0] == (xmlChar)name[0] &&
	       strcmp((const char *)n->name, name) == 0;
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

/* The screen-reader label a mark starts with. */
int pp_diff_is_label(xmlNodePtr el);
/* What side (SIDE_OLD, SIDE_NEW) of a marked output shows of node: 0
 * nothing (the other side's marks and blocks, labels), 1 the node, 2 its
 * content only (a mark of the side's own changes). 1 for SIDE_SOURCE and
 * for nodes other than elements. The self-check and the text form both ask
 * this, so they cannot disagree on what a side reads. */
int pp_diff_shows(xmlNodePtr node, int side);

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
/* contexts: shared by the forms whose bytes are compared with each other
 * (a series' versions), or NULL for a table of the form's own. A form keeps
 * no pointer to opt: comparisons pass theirs, which must be alike. */
pp_diff_form *pp_diff_form_new(const pp_diff_options *opt, xmlNodePtr first, xmlNodePtr last, int in_pre,
                               pp_diff_contexts *contexts);
void pp_diff_form_free(pp_diff_form *form);

/* A block's bytes in a form, and whether it holds a word (as a fingerprint
 * counts them). */
typedef struct {
	xmlNodePtr node;
	size_t start, len;
	int has_words;
} pp_diff_block_bytes;

/* pp_diff_form_new for a root's children (not in <pre>), also recording
 * the bytes of every block entered outside inline elements and <pre>,
 * for pp_diff_prints_from_form: in one walk instead of two. */
pp_diff_form *pp_diff_form_new_with_blocks(const pp_diff_options *opt, xmlNodePtr root,
                                           pp_diff_contexts *contexts);
/* The blocks recorded (in document order) and the form's bytes; *count 0
 * when none were. */
const pp_diff_block_bytes *pp_diff_form_blocks(const pp_diff_form *form, size_t *count, const char **bytes);

/* pp_diff_reads_as for a block of the document form was made for (in
 * SIDE_SOURCE, not in <pre>), against the form's bytes for it instead of a
 * form made anew: any block the form recorded (pp_diff_form_new_with_blocks),
 * else a top-level block; *cursor (0 at first) speeds up top-level blocks
 * asked in document order. -2 when block is no such block (the caller makes
 * a form), else as pp_diff_reads_as. */
int pp_diff_block_reads_as(const pp_diff_options *opt, pp_diff_form *form, xmlNodePtr block, size_t *cursor,
                           xmlNodePtr out_first, xmlNodePtr out_last, int side);

/* The word break iterator for locale kept in contexts (opened on first
 * use; borrowed, valid until contexts is freed or asked for another
 * locale), or NULL when ICU fails or memory runs out. */
UBreakIterator *pp_diff_contexts_words(pp_diff_contexts *contexts, const char *locale);

/* pp_diff_reads_as against a form: 1, 0, or -1 when out of memory. The
 * copies (in output order) are compared by the bytes that source, a form
 * sharing form's contexts, recorded for their blocks, instead of walked. */
int pp_diff_form_matches(const pp_diff_options *opt, pp_diff_form *form, xmlNodePtr out_first,
                         xmlNodePtr out_last, int side, const pp_diff_copy *copies, size_t copy_count,
                         const pp_diff_form *source);

/* ---- items (diff_items.c) ---- */

/* One comparable unit of a container: a block element, or a run of inline
 * nodes between blocks. */
typedef struct {
	xmlNodePtr first, last;
	int inline_run;
	uint64_t hash;      /* element name + canonical form of its content */
	int has_words;      /* holds a word: only such items can have moved */
	uint64_t *words;    /* word hashes, for similarity: made when a gap needs them */
	size_t word_count;
	int words_made;
	int words_borrowed; /* words belong to the series' KEPT_WORDS */
	int moved;          /* removed here and added unchanged elsewhere (or the reverse) */
} item;

typedef struct {
	item *items;
	size_t count, cap;
} item_list;

/* The fingerprints of a document's blocks, made once, bottom-up: a block
 * with blocks inside combines its children's, so no level of a deeply
 * nested document walks what lies below it again. Keyed by node. */
typedef struct {
	xmlNodePtr node;
	uint64_t hash;
	int has_words;
} block_print;

typedef struct block_prints {
	block_print *slots;
	size_t cap, count;
} block_prints;

struct pp_diff_index {
	xmlNodePtr root;
	block_prints prints;
	item_list items;
	pp_diff_form *form; /* the root's exact canonical form, made when first checked */
	pp_diff_contexts *contexts; /* shared by the series' indexes, or NULL */
	/* What the document's comparisons share of its blocks (diff_words.c):
	 * word tokens, word counts and excerpts. A version in force is compared
	 * with every earlier one, and its changed blocks would be split into
	 * words for each. Made when first needed; at most 1 MiB. */
	pp_kept *tokens;
};

void pp_diff_items_free(item_list *l);
/* White space only (what separates blocks). */
int pp_diff_is_blank_text(xmlNodePtr n);
/* The prints of every block under root; -1 when out of memory. */
int pp_diff_make_prints(const pp_diff_options *opt, xmlNodePtr root, block_prints *prints);
/* The same for a root whose form was made with its blocks' bytes (a
 * series' version): a block of text is hashed by its bytes there, which
 * the form's contexts make comparable within the series only. */
int pp_diff_prints_from_form(const pp_diff_options *opt, xmlNodePtr root, const pp_diff_form *form,
                             block_prints *prints);
/* The items of container's children, with their hashes (blocks' from prints). */
int pp_diff_items_of(const pp_diff_options *opt, const block_prints *prints, xmlNodePtr container,
                     item_list *out);
/* Dice coefficient of the items' first words (made when first needed, or
 * found in word_sets, KEPT_WORDS, which may be NULL). */
double pp_diff_similarity(const pp_diff_options *opt, pp_kept *word_sets, item *a, item *b);
/* Two items that may pair: runs, or blocks of one name and shown attributes. */
int pp_diff_same_kind(const item *a, const item *b);

/* ---- marks and changes (diff_marks.c) ---- */

xmlNodePtr pp_diff_new_mark(diff_state *st, int op, const char *id, int moved);
/* Records a change (its id returned, owned by the result): excerpt, the
 * words it removes when it replaces few (removed, may be NULL) and the words
 * before it (context, may be NULL), each cut at word boundaries. */
const char *pp_diff_new_change(diff_state *st, pp_change_kind kind, const char *excerpt, const char *removed,
                               const char *context);
/* A heading starts a section: changes under it name it. */
void pp_diff_enter_section(diff_state *st, xmlNodePtr heading);
/* White space before n in its source, copied to out (table cells stay apart). */
void pp_diff_copy_space_before(diff_state *st, xmlNodePtr n, xmlNodePtr out);
/* An item copied into out and marked removed (OP_DELETE), added or moved. */
void pp_diff_emit_whole(diff_state *st, const item *it, int op, xmlNodePtr out);
/* An item copied into out as it is in the newer version. */
void pp_diff_emit_equal(diff_state *st, const item *it, xmlNodePtr out);

/* ---- words (diff_words.c) ---- */

/* Compares the inline content of two paired ranges (siblings; last NULL:
 * to the end) word by word and appends the newer one with marks to out. */
void pp_diff_words(diff_state *st, xmlNodePtr old_first, xmlNodePtr old_last, xmlNodePtr new_first,
                   xmlNodePtr new_last, int in_pre, xmlNodePtr out);

/* Texts kept for a range of the document index was made for (index may
 * be NULL): the excerpt of a block added or removed whole. kept_text is
 * NULL when none is; keep_text copies text, or keeps nothing when out of
 * memory. */
enum { PP_KEPT_EXCERPT = 3 };
const char *pp_diff_kept_text(struct pp_diff_index *index, xmlNodePtr first, xmlNodePtr last, int kind);
void pp_diff_keep_text(struct pp_diff_index *index, xmlNodePtr first, xmlNodePtr last, int kind, const char *text);

/* Words (ICU word segments with a letter or digit) in a range of the
 * document index was made for (kept there; index may be NULL). */
size_t pp_diff_count_words(diff_state *st, struct pp_diff_index *index, xmlNodePtr first, xmlNodePtr last);

/* Tokens of a range, for the precision benchmark and tests. */
int pp_diff_word_keys(diff_state *st, xmlNodePtr first, xmlNodePtr last, int in_pre, uint64_t **keys,
                      unsigned char **is_word, size_t *count);

#endif
