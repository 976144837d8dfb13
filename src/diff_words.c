/* Word-by-word comparison of two paired runs of inline content, and the
 * writer that emits the newer run with the changes marked.
 *
 * Each side is flattened into tokens (ICU word segments of its text nodes,
 * and atoms such as images and line breaks); a token's key is its text as
 * compared together with its inline context, the chain of elements (names
 * and attributes) around it, so a word that became bold or a link whose
 * target changed is a change. Myers' algorithm gives the edit script.
 *
 * Fidelity by construction: every token of either side is written exactly
 * once, in its side's order (equal tokens once for both), inside copies of
 * its own inline elements. The writer keeps a stack of open output elements;
 * each stands for an element of the older side, of the newer side, or of
 * both (a pair, opened for an equal token whose elements match on both
 * sides). Marks (<del>, <ins>) sit below the pairs and above the elements of
 * one side only, so removing every insertion leaves each older token inside
 * copies of exactly its elements, and the same for deletions. Elements are
 * split where the two sides' structures cross; adjacent copies of one
 * element read as that element (diff_canon.c).
 */
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>

#include "diff_internal.h"
#include "dom.h"
#include "fsutil.h"
#include "markdown.h"

/* A segment of a text node, or an atom element. Segments point into their
 * node's text instead of holding a copy: a paragraph of punctuation makes a
 * token per character, and each costs only this struct. */
typedef struct {
	xmlNodePtr node;       /* source text node, or an atom element */
	uint64_t key;          /* text as compared, with its context */
	uint32_t offset, length; /* the segment, in bytes of node's text */
	uint32_t depth;        /* inline elements between the range's container and node */
	unsigned char is_text, is_space, is_word;
} token;

/* Appends the token's text to buf; 0, or -1 when out of memory. */
static int add_token_text(xmlBufferPtr buf, const token *tok)
{
	return xmlBufferAdd(buf, tok->node->content + tok->offset, (int)tok->length) == 0 ? 0 : -1;
}

typedef struct {
	token *items;
	size_t count, cap;
	size_t words;
	int count_only; /* words are counted, tokens not kept (scratch takes each) */
	token scratch;
} token_list;

static void tokens_free(token_list *t)
{
	free(t->items);
	memset(t, 0, sizeof *t);
}

static token *tokens_push(token_list *t)
{
	if (t->count_only) {
		memset(&t->scratch, 0, sizeof t->scratch);
		return &t->scratch;
	}
	if (pp_grow(&t->items, &t->cap, t->count, sizeof *t->items, 32) != 0)
		return NULL;
	token *tok = &t->items[t->count++];
	memset(tok, 0, sizeof *tok);
	return tok;
}

static int all_collapsible(const UChar *s, int32_t len)
{
	for (int32_t i = 0; i < len; i++)
		if (!pp_diff_is_collapsible(s[i]))
			return 0;
	return 1;
}

static uint64_t segment_key(const pp_diff_options *opt, uint64_t h, const UChar *s, int32_t len)
{
	for (int32_t i = 0; i < len;) {
		UChar32 c;
		U16_NEXT(s, i, len, c);
		if (!pp_diff_ignored(opt, c))
			h = (h ^ (uint64_t)(uint32_t)c) * HASH_PRIME;
	}
	return h;
}

static int tokenize_text(diff_state *st, xmlNodePtr node, uint64_t ctx, uint32_t depth, int in_pre,
                         token_list *out)
{
	const char *utf8 = (const char *)node->content;
	size_t utf8_len = strlen(utf8);
	if (utf8_len > UINT32_MAX)
		return -1;
	pp_diff_segmentation *scratch;
	const pp_diff_segmentation *seg = pp_diff_segment(st->segments, st->words, utf8, utf8_len, &scratch);
	if (!seg)
		return -1;
	if (out->count_only) { /* words counted: no token, key or offset needed */
		out->words += seg->words;
		pp_diff_segmentation_free(scratch);
		return 0;
	}
	int32_t start = 0;
	for (size_t i = 0; i < seg->count; start = seg->end16[i++]) {
		token *tok = tokens_push(out);
		if (!tok) {
			pp_diff_segmentation_free(scratch);
			return -1;
		}
		int32_t end = seg->end16[i];
		tok->offset = i ? seg->end8[i - 1] : 0;
		tok->length = seg->end8[i] - tok->offset;
		tok->is_text = 1;
		tok->node = node;
		tok->depth = depth;
		tok->is_space = (unsigned char)all_collapsible(seg->text + start, end - start);
		tok->is_word = seg->is_word[i];
		/* Outside <pre> every run of white space reads as one space:
		 * re-wrapping a line is not a change. */
		tok->key = tok->is_space && !in_pre ? pp_hash_bytes(ctx, " ", 1)
		                                    : segment_key(st->opt, ctx * HASH_PRIME + 1, seg->text + start, end - start);
		if (tok->is_word)
			out->words++;
	}
	pp_diff_segmentation_free(scratch);
	return 0;
}

/* Tokens of the sibling range first..last (NULL: to the end), walked
 * without recursion; contexts are kept per level on the heap. */
static int tokenize_range(diff_state *st, xmlNodePtr first, xmlNodePtr last, int in_pre, token_list *out)
{
	uint64_t *ctx = NULL;
	size_t depth = 0, cap = 0;
	uint64_t here = HASH_INIT;
	int rc = 0;
	for (xmlNodePtr n = first; n && rc == 0;) {
		int entered = 0;
		if (n->type == XML_TEXT_NODE && n->content && *n->content) {
			rc = tokenize_text(st, n, here, (uint32_t)depth, in_pre, out);
		} else if (n->type == XML_ELEMENT_NODE) {
			if (!n->children && !pp_diff_is_atom(n)) {
				/* shows nothing: not compared */
			} else if (pp_diff_is_atom(n)) {
				token *tok = tokens_push(out);
				if (!tok) {
					rc = -1;
					break;
				}
				tok->node = n;
				tok->depth = (uint32_t)depth;
				tok->key = pp_diff_context(here, pp_diff_signature(n));
			} else if (pp_grow(&ctx, &cap, depth, sizeof *ctx, 16) != 0) {
				rc = -1;
				break;
			} else {
				ctx[depth++] = here;
				here = pp_diff_context(here, pp_diff_signature(n));
				entered = 1;
			}
		}
		if (entered) {
			n = n->children;
			continue;
		}
		size_t before = depth;
		n = pp_diff_range_next(n, last, &depth);
		if (depth < before)
			here = ctx[depth];
	}
	free(ctx);
	return rc;
}

int pp_diff_word_keys(diff_state *st, xmlNodePtr first, xmlNodePtr last, int in_pre, uint64_t **keys,
                      unsigned char **is_word, size_t *count)
{
	token_list t = {0};
	*keys = NULL;
	*is_word = NULL;
	*count = 0;
	if (tokenize_range(st, first, last, in_pre, &t) != 0) {
		tokens_free(&t);
		return -1;
	}
	*keys = malloc((t.count + 1) * sizeof **keys);
	*is_word = malloc(t.count + 1);
	if (!*keys || !*is_word) {
		free(*keys);
		free(*is_word);
		tokens_free(&t);
		return -1;
	}
	for (size_t i = 0; i < t.count; i++) {
		(*keys)[i] = t.items[i].key;
		(*is_word)[i] = t.items[i].is_word;
	}
	*count = t.count;
	tokens_free(&t);
	return 0;
}

/* ---- the writer ------------------------------------------------------------- */

typedef struct {
	xmlNodePtr out;               /* the element written */
	xmlNodePtr old_src, new_src;  /* what it stands for on each side; NULL: not on that side */
	int mark;                     /* OP_DELETE or OP_INSERT for a mark, else 0 */
} open_element;

#define NO_MARK ((size_t)-1)
/* Levels of the next equal token looked at to open pairs early; deeper
 * nesting only costs a less tidy (still faithful) output. */
#define LOOKAHEAD_LEVELS 32

typedef struct {
	diff_state *st;
	xmlNodePtr root;
	open_element *stack;
	size_t len, cap;
	size_t mark_at;              /* index of the open mark, or NO_MARK */
	xmlBufferPtr pending;        /* text bound for the top element, added as one node */
	const char *change_id;       /* id for the first mark of the current change */
	/* Scratch: a token's elements, outermost first (for an equal token, the
	 * older side's in chain and the newer side's in new_chain). */
	xmlNodePtr *chain, *new_chain;
	size_t chain_cap, new_chain_cap;
	/* Elements of the next equal token on each side, outermost first. */
	xmlNodePtr ahead_old[LOOKAHEAD_LEVELS], ahead_new[LOOKAHEAD_LEVELS];
	size_t ahead_depth;
} writer;

static xmlNodePtr top(const writer *w) { return w->len ? w->stack[w->len - 1].out : w->root; }

static void flush(writer *w)
{
	int len = xmlBufferLength(w->pending);
	if (len == 0)
		return;
	xmlNodePtr text = xmlNewDocTextLen(w->st->doc, xmlBufferContent(w->pending), len);
	if (!text || !xmlAddChild(top(w), text)) {
		xmlFreeNode(text);
		w->st->failed = 1;
	}
	xmlBufferEmpty(w->pending);
}

static void pop_to(writer *w, size_t len)
{
	if (w->len > len)
		flush(w);
	w->len = len;
	if (w->mark_at != NO_MARK && w->mark_at >= len)
		w->mark_at = NO_MARK;
}

static int push(writer *w, xmlNodePtr out, xmlNodePtr old_src, xmlNodePtr new_src, int mark)
{
	flush(w);
	if (!out || pp_grow(&w->stack, &w->cap, w->len, sizeof *w->stack, 16) != 0 || !xmlAddChild(top(w), out)) {
		xmlFreeNode(out);
		w->st->failed = 1;
		return -1;
	}
	if (mark)
		w->mark_at = w->len;
	w->stack[w->len++] = (open_element){out, old_src, new_src, mark};
	return 0;
}

/* A copy of an element without its content; an older element's copy
 * loses its id, which the newer text owns. */
static xmlNodePtr shell(writer *w, xmlNodePtr src, int older)
{
	xmlNodePtr copy = xmlDocCopyNode(src, w->st->doc, 2);
	if (copy && older)
		xmlUnsetProp(copy, BAD_CAST "id");
	return copy;
}

/* The elements around tok from level from down, into (*chain)[from..depth). */
static int load_chain(writer *w, const token *tok, size_t from, xmlNodePtr **chain, size_t *cap)
{
	if (tok->depth > *cap) {
		/* Doubled, not grown to the depth: a text nested a level deeper at
		 * each word would otherwise copy the chain once per word. */
		size_t capacity = *cap * 2 > tok->depth ? *cap * 2 : tok->depth;
		xmlNodePtr *grown = realloc(*chain, capacity * sizeof *grown);
		if (!grown) {
			w->st->failed = 1;
			return -1;
		}
		*chain = grown;
		*cap = capacity;
	}
	xmlNodePtr x = tok->node->parent;
	for (size_t level = tok->depth; level-- > from; x = x->parent)
		(*chain)[level] = x;
	return 0;
}

static xmlNodePtr side_src(const open_element *e, int side)
{
	return side == SIDE_OLD ? e->old_src : e->new_src;
}

/* Opens pairs early for a one-sided token whose element also holds the next
 * equal token, so "*a b*" -> "*b*" keeps one <em> with the deletion inside. */
static size_t open_ahead(writer *w, size_t level, size_t depth, int side)
{
	for (; level < depth && level < w->ahead_depth; level++) {
		xmlNodePtr mine = side == SIDE_OLD ? w->ahead_old[level] : w->ahead_new[level];
		if (mine != w->chain[level] || !pp_diff_same_signature(w->ahead_old[level], w->ahead_new[level]))
			break;
		if (level > 0 && side_src(&w->stack[level - 1], side == SIDE_OLD ? SIDE_NEW : SIDE_OLD) !=
		                     (side == SIDE_OLD ? w->ahead_new[level - 1] : w->ahead_old[level - 1]))
			break;
		if (push(w, shell(w, w->ahead_new[level], 0), w->ahead_old[level], w->ahead_new[level], 0) != 0)
			return level;
	}
	return level;
}

static void write_token(writer *w, const token *tok, int older)
{
	if (tok->is_text) {
		if (add_token_text(w->pending, tok) != 0)
			w->st->failed = 1;
		return;
	}
	flush(w);
	xmlNodePtr copy = pp_dom_copy(tok->node, w->st->doc);
	if (copy && older)
		xmlUnsetProp(copy, BAD_CAST "id");
	if (!copy || !xmlAddChild(top(w), copy)) {
		xmlFreeNode(copy);
		w->st->failed = 1;
	}
}

/* Writes a token of one side (op OP_DELETE: a of the older side; OP_INSERT:
 * of the newer) inside a mark of that op. */
static void emit_one_side(writer *w, const token *tok, int op)
{
	int side = op == OP_DELETE ? SIDE_OLD : SIDE_NEW;
	size_t depth = tok->depth;
	/* Levels of the stack this side sees: the pairs, and what is inside a
	 * mark of this side's op. */
	int own_mark = w->mark_at != NO_MARK && w->stack[w->mark_at].mark == op;
	size_t view = w->mark_at == NO_MARK ? w->len : own_mark ? w->len - 1 : w->mark_at;
	size_t level = depth;
	xmlNodePtr x = tok->node->parent;
	while (level > view) {
		x = x->parent;
		level--;
	}
	while (level > 0) {
		size_t index = w->mark_at != NO_MARK && level - 1 >= w->mark_at ? level : level - 1;
		if (side_src(&w->stack[index], side) == x)
			break;
		x = x->parent;
		level--;
	}
	size_t common = level;
	if (load_chain(w, tok, common, &w->chain, &w->chain_cap) != 0)
		return;
	if (own_mark && common >= w->mark_at) {
		pop_to(w, common + 1);
	} else {
		pop_to(w, common);
		common = open_ahead(w, common, depth, side);
		if (push(w, pp_diff_new_mark(w->st, op, w->change_id, 0), NULL, NULL, op) != 0)
			return;
		w->change_id = NULL;
	}
	for (size_t l = common; l < depth; l++)
		if (push(w, shell(w, w->chain[l], side == SIDE_OLD), side == SIDE_OLD ? w->chain[l] : NULL,
		         side == SIDE_NEW ? w->chain[l] : NULL, 0) != 0)
			return;
	write_token(w, tok, side == SIDE_OLD);
}

/* Writes a token equal on both sides (a older, b newer) inside pairs. */
static void emit_equal(writer *w, const token *a, const token *b)
{
	if (a->depth != b->depth) {
		/* Keys matched but the structure did not (a hash collision):
		 * written as a change, which stays faithful. */
		emit_one_side(w, a, OP_DELETE);
		emit_one_side(w, b, OP_INSERT);
		return;
	}
	size_t depth = b->depth;
	size_t view = w->mark_at == NO_MARK ? w->len : w->mark_at;
	size_t level = depth;
	xmlNodePtr xa = a->node->parent, xb = b->node->parent;
	while (level > view) {
		xa = xa->parent;
		xb = xb->parent;
		level--;
	}
	while (level > 0 && !(w->stack[level - 1].old_src == xa && w->stack[level - 1].new_src == xb)) {
		xa = xa->parent;
		xb = xb->parent;
		level--;
	}
	pop_to(w, level);
	if (level < depth) {
		if (load_chain(w, a, level, &w->chain, &w->chain_cap) != 0 ||
		    load_chain(w, b, level, &w->new_chain, &w->new_chain_cap) != 0)
			return;
		for (size_t l = level; l < depth && !w->st->failed; l++)
			push(w, shell(w, w->new_chain[l], 0), w->chain[l], w->new_chain[l], 0);
	}
	write_token(w, b, 0);
}

/* Loads the elements of the next equal token (a older, b newer) for
 * open_ahead, when it is shallow enough. */
static void look_ahead(writer *w, const token *a, const token *b)
{
	w->ahead_depth = 0;
	if (!a || !b || a->depth != b->depth || a->depth > LOOKAHEAD_LEVELS)
		return;
	xmlNodePtr x = a->node->parent, y = b->node->parent;
	for (size_t l = a->depth; l-- > 0; x = x->parent, y = y->parent) {
		w->ahead_old[l] = x;
		w->ahead_new[l] = y;
	}
	w->ahead_depth = a->depth;
}

/* ---- the comparison ------------------------------------------------------------ */

/* Tests of the self-check: the first token of a change is lost, once. */
static int lose_for_tests(diff_state *st)
{
	if (st->fault != PP_DIFF_FAULT_WORD)
		return 0;
	st->fault = 0;
	return 1;
}

/* ---- tokens kept per document ---------------------------------------------- */

/* Bytes one document keeps at most (tokens and texts): a hostile document
 * of long paragraphs changed everywhere would otherwise keep all its words. */
#define TOKEN_CACHE_BYTES (1u << 20)

/* Word counts are kept beside token lists, under this in_pre. */
#define COUNTED 2

/* What a document keeps of one range, found by the range and a kind: its
 * tokens (kind 0 or 1, in_pre), its word count (COUNTED) or a text
 * (PP_KEPT_EXCERPT). The key is three words, with no padding to compare. */
typedef struct {
	uintptr_t key[3]; /* first, last, kind */
	token_list tokens;
	char *text;
} cached_tokens;

static void free_cached_tokens(void *block)
{
	cached_tokens *e = block;
	tokens_free(&e->tokens);
	free(e->text);
	free(e);
}

static void range_key(uintptr_t key[3], xmlNodePtr first, xmlNodePtr last, int kind)
{
	key[0] = (uintptr_t)first;
	key[1] = (uintptr_t)last;
	key[2] = (uintptr_t)kind;
}

/* What index keeps for the range under kind, or NULL. */
static const cached_tokens *kept(const pp_diff_index *index, xmlNodePtr first, xmlNodePtr last, int kind)
{
	if (!index || !index->tokens || !first)
		return NULL;
	uintptr_t key[3];
	range_key(key, first, last, kind);
	return pp_kept_find(index->tokens, key, sizeof key);
}

/* Keeps t (taken: *t is emptied) and text (taken) for the range in index's
 * cache, if the budget allows; 1 when kept. */
static int keep_tokens(pp_diff_index *index, xmlNodePtr first, xmlNodePtr last, int in_pre, token_list *t,
                       char *text)
{
	if (!index->tokens && !(index->tokens = pp_kept_new(TOKEN_CACHE_BYTES, free_cached_tokens)))
		return 0;
	cached_tokens *e = malloc(sizeof *e);
	if (!e)
		return 0;
	range_key(e->key, first, last, in_pre);
	e->tokens = *t;
	e->text = text;
	size_t bytes = sizeof *e + t->count * sizeof *t->items + (text ? strlen(text) + 1 : 0);
	if (!pp_kept_put(index->tokens, e->key, sizeof e->key, e, bytes)) {
		free(e); /* t and text stay the caller's */
		return 0;
	}
	memset(t, 0, sizeof *t);
	return 1;
}

/* The tokens of a range: kept in its document's index, else made now (and
 * kept there when it has one). *list: the index's list, or out. */
static int tokens_of(diff_state *st, pp_diff_index *index, xmlNodePtr first, xmlNodePtr last, int in_pre,
                     token_list *out, const token_list **list)
{
	const cached_tokens *e = kept(index, first, last, in_pre);
	if (e) {
		*list = &e->tokens;
		return 0;
	}
	if (tokenize_range(st, first, last, in_pre, out) != 0)
		return -1;
	*list = out;
	if (index && first && keep_tokens(index, first, last, in_pre, out, NULL))
		*list = &kept(index, first, last, in_pre)->tokens;
	return 0;
}

const char *pp_diff_kept_text(pp_diff_index *index, xmlNodePtr first, xmlNodePtr last, int kind)
{
	const cached_tokens *e = kept(index, first, last, kind);
	return e ? e->text : NULL;
}

void pp_diff_keep_text(pp_diff_index *index, xmlNodePtr first, xmlNodePtr last, int kind, const char *text)
{
	token_list none = {0};
	char *copy = index && first ? strdup(text) : NULL;
	if (copy && !keep_tokens(index, first, last, kind, &none, copy))
		free(copy);
}

size_t pp_diff_count_words(diff_state *st, pp_diff_index *index, xmlNodePtr first, xmlNodePtr last)
{
	const cached_tokens *e = kept(index, first, last, COUNTED);
	if (e)
		return e->tokens.words;
	token_list t = {.count_only = 1};
	if (tokenize_range(st, first, last, 0, &t) != 0)
		st->failed = 1;
	size_t words = t.words;
	tokens_free(&t);
	if (index && first && !st->failed) {
		token_list counted = {.words = words};
		keep_tokens(index, first, last, COUNTED, &counted, NULL);
	}
	return words;
}

void pp_diff_words(diff_state *st, xmlNodePtr old_first, xmlNodePtr old_last, xmlNodePtr new_first,
                   xmlNodePtr new_last, int in_pre, xmlNodePtr out)
{
	token_list own_a = {0}, own_b = {0};
	const token_list *list_a = &own_a, *list_b = &own_b;
	uint64_t *ka = NULL, *kb = NULL;
	unsigned char *ops = NULL;
	size_t *at = NULL, *bt = NULL; /* token index in a / b at each op */
	writer w = {.st = st, .root = out, .mark_at = NO_MARK, .pending = pp_dom_buffer_new()};
	if (!w.pending || tokens_of(st, st->old_own, old_first, old_last, in_pre, &own_a, &list_a) != 0 ||
	    tokens_of(st, st->new_own, new_first, new_last, in_pre, &own_b, &list_b) != 0)
		goto fail;
	const token_list a = *list_a, b = *list_b; /* read only: a kept list serves other comparisons */
	ka = malloc((a.count + 1) * sizeof *ka);
	kb = malloc((b.count + 1) * sizeof *kb);
	if (!ka || !kb)
		goto fail;
	for (size_t i = 0; i < a.count; i++)
		ka[i] = a.items[i].key;
	for (size_t i = 0; i < b.count; i++)
		kb[i] = b.items[i].key;
	long count = pp_diff_keys(ka, a.count, kb, b.count, &ops, &st->result->degraded);
	if (count < 0)
		goto fail;
	at = malloc(((size_t)count + 1) * sizeof *at);
	bt = malloc(((size_t)count + 1) * sizeof *bt);
	if (!at || !bt)
		goto fail;
	size_t kept = 0;
	for (long i = 0, ia = 0, ib = 0; i < count; i++) {
		at[i] = (size_t)ia;
		bt[i] = (size_t)ib;
		if (ops[i] == OP_EQUAL && a.items[ia].is_word)
			kept++;
		ia += ops[i] != OP_INSERT;
		ib += ops[i] != OP_DELETE;
	}
	/* Readability: a block that kept under a third of its words reads
	 * better replaced whole; white space alone between two changes joins
	 * them. Both only turn equal tokens into a removal and an addition. */
	size_t larger = a.words > b.words ? a.words : b.words;
	int replace_all = larger > 0 && kept * 10 < larger * 3;
	for (long i = 0; i < count; i++) {
		if (replace_all) {
			if (ops[i] == OP_EQUAL)
				ops[i] = OP_REPLACE;
			continue;
		}
		if (ops[i] != OP_EQUAL || i == 0 || ops[i - 1] == OP_EQUAL)
			continue;
		long j = i;
		while (j < count && ops[j] == OP_EQUAL && a.items[at[j]].is_space)
			j++;
		if (j > i && j < count && ops[j] != OP_EQUAL)
			for (long k = i; k < j; k++)
				ops[k] = OP_REPLACE;
	}

	for (long i = 0; i < count && !st->failed;) {
		if (ops[i] == OP_EQUAL) {
			emit_equal(&w, &a.items[at[i]], &b.items[bt[i]]);
			i++;
			continue;
		}
		long j = i;
		while (j < count && ops[j] != OP_EQUAL)
			j++;
		look_ahead(&w, j < count ? &a.items[at[j]] : NULL, j < count ? &b.items[bt[j]] : NULL);
		/* White space that both sides end the change with stays outside it. */
		long last_del = -1, last_ins = -1;
		for (long k = i; k < j; k++) {
			if (ops[k] != OP_INSERT)
				last_del = k;
			if (ops[k] != OP_DELETE)
				last_ins = k;
		}
		int trailing = last_del >= 0 && last_ins >= 0 && a.items[at[last_del]].is_space &&
		               b.items[bt[last_ins]].is_space && ka[at[last_del]] == kb[bt[last_ins]];
		/* Excerpt: the new words, or the removed ones for a pure deletion;
		 * for a replacement, the removed words too (the list shows "او"
		 * becoming "أو"); and the words before it, which tell apart
		 * changes that add the same words. */
		xmlBufferPtr ex = pp_dom_buffer_new(), gone = pp_dom_buffer_new(), before = pp_dom_buffer_new();
		int any_insert = 0, any_delete = 0;
		for (long k = i; k < j; k++) {
			any_insert |= ops[k] != OP_DELETE;
			any_delete |= ops[k] != OP_INSERT;
		}
		for (long k = i; ex && gone && k < j; k++) {
			const token *t = any_insert ? (ops[k] != OP_DELETE ? &b.items[bt[k]] : NULL) : &a.items[at[k]];
			if (t && t->is_text)
				add_token_text(ex, t);
			if (any_insert && ops[k] != OP_INSERT && a.items[at[k]].is_text)
				add_token_text(gone, &a.items[at[k]]);
		}
		/* A few equal tokens back are enough for three words. */
		long from = i;
		for (size_t seen = 0; from > 0 && seen < 12 && ops[from - 1] == OP_EQUAL; from--)
			seen++;
		for (long k = from; before && k < i; k++)
			if (b.items[bt[k]].is_text)
				add_token_text(before, &b.items[bt[k]]);
		w.change_id = pp_diff_new_change(st, PP_CHANGE_CHANGED, ex ? (const char *)xmlBufferContent(ex) : NULL,
		                                 any_insert && any_delete && gone ? (const char *)xmlBufferContent(gone) : NULL,
		                                 before && xmlBufferLength(before) ? (const char *)xmlBufferContent(before) : NULL);
		if (!ex || !gone || !before)
			st->failed = 1;
		xmlBufferFree(ex);
		xmlBufferFree(gone);
		xmlBufferFree(before);
		/* Every removal of the change first, then every addition: each
		 * side's tokens stay in their order. */
		for (long k = i; k < j; k++)
			if (ops[k] != OP_INSERT && !(trailing && k == last_del)) {
				st->result->words_removed += a.items[at[k]].is_word;
				if (!lose_for_tests(st))
					emit_one_side(&w, &a.items[at[k]], OP_DELETE);
			}
		for (long k = i; k < j; k++)
			if (ops[k] != OP_DELETE && !(trailing && k == last_ins)) {
				st->result->words_added += b.items[bt[k]].is_word;
				if (!lose_for_tests(st))
					emit_one_side(&w, &b.items[bt[k]], OP_INSERT);
			}
		if (trailing)
			emit_equal(&w, &a.items[at[last_del]], &b.items[bt[last_ins]]);
		i = j;
	}
	pop_to(&w, 0);
	flush(&w);
	goto done;
fail:
	st->failed = 1;
done:
	if (w.pending)
		xmlBufferFree(w.pending);
	free(w.stack);
	free(w.chain);
	free(w.new_chain);
	free(ops);
	free(at);
	free(bt);
	free(ka);
	free(kb);
	tokens_free(&own_a);
	tokens_free(&own_b);
}
