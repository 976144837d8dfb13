/* Alignment of containers: blocks aligned by Myers on their fingerprints,
 * gaps paired, moves, containers descended with an explicit stack; the
 * self-check and the entry points (see diff.h).
 *
 * Every pair of text blocks compared word by word is checked as soon as it
 * is written: each side of the output must read exactly as that side's
 * block (pp_diff_reads_as). A block that fails is written again replaced
 * whole, old removed and new added, which is faithful by construction. The
 * whole output is checked the same way at the end; should the block
 * structure fail, the document is shown replaced whole. Either way the
 * result says so (repaired) and the build warns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ubrk.h>

#include "diff_internal.h"
#include "dom.h"
#include "fsutil.h"
#include "markdown.h"

/* Blocks whose content is text to compare word by word. */
static int holds_text(xmlNodePtr n)
{
	static const char *const names[] = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "td", "th", "dt",
	                                    "caption", "summary", "figcaption"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (pp_diff_name_is(n, names[i]))
			return 1;
	return 0;
}

/* Whether a block lies anywhere in the sibling range first..last (NULL: to
 * the end) or inside it: words are compared only in runs of inline content. */
static int has_block_inside(xmlNodePtr first, xmlNodePtr last)
{
	size_t depth = 0;
	for (xmlNodePtr n = first; n;) {
		if (pp_dom_is_block(n))
			return 1;
		if (n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			depth++;
		} else {
			n = pp_diff_range_next(n, last, &depth);
		}
	}
	return 0;
}

/* What a comparison has added to the result, to take back when its output
 * is replaced. */
typedef struct {
	size_t words_added, words_removed, sections_changed, change_count;
	long counted_section;
	int open_whole;
} tally;

static tally tally_of(const diff_state *st)
{
	const pp_diff_result *r = st->result;
	return (tally){r->words_added, r->words_removed, r->sections_changed, r->change_count,
	               st->counted_section, st->open_whole};
}

static void restore_tally(diff_state *st, const tally *t)
{
	pp_diff_result *r = st->result;
	for (size_t i = t->change_count; i < r->change_count; i++) {
		free(r->changes[i].section);
		free(r->changes[i].excerpt);
		free(r->changes[i].removed);
		free(r->changes[i].context);
	}
	r->change_count = t->change_count;
	r->words_added = t->words_added;
	r->words_removed = t->words_removed;
	r->sections_changed = t->sections_changed;
	st->counted_section = t->counted_section;
	st->open_whole = t->open_whole;
}

static void remove_after(xmlNodePtr out, xmlNodePtr keep_last)
{
	xmlNodePtr n = keep_last ? keep_last->next : out->children;
	while (n) {
		xmlNodePtr next = n->next;
		xmlUnlinkNode(n);
		xmlFreeNode(n);
		n = next;
	}
}

/* A pair shown as the old removed and the new added, both whole. */
static void replace_pair(diff_state *st, const item *o, const item *n, xmlNodePtr out)
{
	item whole_o = *o, whole_n = *n;
	whole_o.moved = whole_n.moved = 0;
	st->open_whole = -1;
	pp_diff_emit_whole(st, &whole_o, OP_DELETE, out);
	st->open_whole = -1;
	pp_diff_emit_whole(st, &whole_n, OP_INSERT, out);
}

/* Whether a side of a pair's output reads as its item: against the bytes
 * of the version's form when the item is one of the blocks it recorded (a
 * version in force is checked against every earlier one), else against a
 * form made for the item. */
static int side_reads_as(diff_state *st, pp_diff_index *index, size_t *cursor, xmlNodePtr first, xmlNodePtr last,
                         int side, const item *it, int in_pre)
{
	if (index && index->form && !in_pre && !it->inline_run && it->first == it->last) {
		int rc = pp_diff_block_reads_as(st->opt, index->form, it->first, cursor, first, last, side);
		if (rc != -2)
			return rc;
	}
	return pp_diff_reads_as(st->opt, first, last, side, it->first, it->last, in_pre);
}

/* The self-check of one pair's output (the nodes of out after before):
 * each side must read as its source, or the pair is shown replaced whole. */
static void check_pair(diff_state *st, const item *o, const item *n, xmlNodePtr out, xmlNodePtr before,
                       const tally *t, int in_pre)
{
	if (st->failed)
		return;
	xmlNodePtr first = before ? before->next : out->children;
	int old_ok = side_reads_as(st, st->old_own, &st->old_cursor, first, out->last, SIDE_OLD, o, in_pre);
	int new_ok = old_ok == 1 ? side_reads_as(st, st->new_own, &st->new_cursor, first, out->last, SIDE_NEW, n, in_pre)
	                         : old_ok;
	if (old_ok < 0 || new_ok < 0) {
		st->failed = 1;
		return;
	}
	if (old_ok && new_ok)
		return;
	remove_after(out, before);
	restore_tally(st, t);
	st->result->repaired++;
	replace_pair(st, o, n, out);
}

/* Bytes of text in first..last (NULL: to the end) and below, counted up to
 * limit. */
static size_t text_bytes(xmlNodePtr first, xmlNodePtr last, size_t limit)
{
	size_t bytes = 0;
	for (xmlNodePtr top = first; top && bytes <= limit; top = top == last ? NULL : top->next) {
		if (top->type == XML_TEXT_NODE && top->content)
			bytes += strlen((const char *)top->content);
		for (xmlNodePtr n = top->children; n && bytes <= limit; n = pp_dom_next(n, top, 1))
			if (n->type == XML_TEXT_NODE && n->content)
				bytes += strlen((const char *)n->content);
	}
	return bytes;
}

/* Whether a pair of text blocks holds too much text to compare word by
 * word: the comparison keeps a token per word and per punctuation mark, so
 * its memory grows with the text; past PP_DIFF_MAX_WORDS_TEXT the pair is
 * shown replaced whole and the result says it was degraded. */
static int too_large_for_words(diff_state *st, const item *o, const item *n)
{
	size_t bytes = text_bytes(o->first, o->last, PP_DIFF_MAX_WORDS_TEXT);
	if (bytes <= PP_DIFF_MAX_WORDS_TEXT)
		bytes += text_bytes(n->first, n->last, PP_DIFF_MAX_WORDS_TEXT - bytes);
	if (bytes <= PP_DIFF_MAX_WORDS_TEXT)
		return 0;
	st->result->degraded = 1;
	return 1;
}

/* Writes a pair of items. When both are containers whose children must be
 * aligned in turn, writes the newer one's shell and returns it (the caller
 * descends: nesting costs no stack); else returns NULL. */
static xmlNodePtr emit_pair(diff_state *st, const item *o, const item *n, xmlNodePtr out)
{
	st->open_whole = -1;
	if (o->hash == n->hash) {
		pp_diff_emit_equal(st, n, out);
		return NULL;
	}
	if ((n->inline_run || holds_text(n->first) || pp_diff_name_is(n->first, "pre")) &&
	    too_large_for_words(st, o, n)) {
		replace_pair(st, o, n, out);
		return NULL;
	}
	xmlNodePtr before = out->last;
	tally t = tally_of(st);
	if (n->inline_run) {
		/* Blocks inside inline elements (raw HTML): no word diff to make. */
		if (has_block_inside(o->first, o->last) || has_block_inside(n->first, n->last)) {
			replace_pair(st, o, n, out);
			return NULL;
		}
		pp_diff_words(st, o->first, o->last, n->first, n->last, 0, out);
		check_pair(st, o, n, out, before, &t, 0);
		return NULL;
	}
	if (pp_dom_is_heading(n->first))
		pp_diff_enter_section(st, n->first);
	xmlNodePtr oe = o->first, ne = n->first;
	/* A text block holding blocks (raw HTML) is compared as a container,
	 * but <pre>, whose white space counts, is shown replaced whole. */
	int mixed = holds_text(ne) && (has_block_inside(oe->children, NULL) || has_block_inside(ne->children, NULL));
	if (mixed && pp_diff_name_is(ne, "pre")) {
		replace_pair(st, o, n, out);
		return NULL;
	}
	pp_diff_copy_space_before(st, ne, out);
	before = out->last;
	xmlNodePtr shell = xmlDocCopyNode(ne, st->doc, 2);
	if (!shell || !xmlAddChild(out, shell)) {
		xmlFreeNode(shell);
		st->failed = 1;
		return NULL;
	}
	if (mixed)
		return shell;
	if (pp_diff_name_is(ne, "pre")) {
		/* <pre><code>: the code's text, white space and all. */
		xmlNodePtr oc = oe->children, nc = ne->children;
		if (pp_diff_name_is(oc, "code") && !oc->next && pp_diff_name_is(nc, "code") && !nc->next &&
		    pp_diff_same_signature(oc, nc)) {
			xmlNodePtr code = xmlDocCopyNode(nc, st->doc, 2);
			if (!code || !xmlAddChild(shell, code)) {
				xmlFreeNode(code);
				st->failed = 1;
				return NULL;
			}
			pp_diff_words(st, oc->children, NULL, nc->children, NULL, 1, code);
		} else {
			pp_diff_words(st, oc, NULL, nc, NULL, 1, shell);
		}
		check_pair(st, o, n, out, before, &t, 0);
		return NULL;
	}
	if (holds_text(ne)) {
		if (oe->children || ne->children)
			pp_diff_words(st, oe->children, NULL, ne->children, NULL, 0, shell);
		check_pair(st, o, n, out, before, &t, 0);
		return NULL;
	}
	return shell;
}


/* Pairs the removed and added items of one gap: the single pair when the gap
 * is one item on each side and of one kind, else the monotonic pairing with
 * the most word overlap among items at least half alike (small gaps only).
 * gd and gi hold item indices; pairs are positions in them. */
static size_t pair_gap(diff_state *st, item_list *olds, const size_t *gd, size_t nd,
                       item_list *news, const size_t *gi, size_t ni, size_t *pairs_d, size_t *pairs_i)
{
	if (nd == 1 && ni == 1)
		return pp_diff_same_kind(&olds->items[gd[0]], &news->items[gi[0]]) ? (pairs_d[0] = 0, pairs_i[0] = 0, 1) : 0;
	if (nd == 0 || ni == 0 || nd * ni > 2500)
		return 0;
	double *score = calloc((nd + 1) * (ni + 1), sizeof *score);
	if (!score)
		return 0;
#define S(i, j) score[(i) * (ni + 1) + (j)]
	for (size_t i = nd; i-- > 0;)
		for (size_t j = ni; j-- > 0;) {
			double best = S(i + 1, j) > S(i, j + 1) ? S(i + 1, j) : S(i, j + 1);
			item *a = &olds->items[gd[i]], *b = &news->items[gi[j]];
			if (pp_diff_same_kind(a, b)) {
				double sim = pp_diff_similarity(st->opt, st->word_sets, a, b);
				if (sim >= 0.5 && S(i + 1, j + 1) + sim > best)
					best = S(i + 1, j + 1) + sim;
			}
			S(i, j) = best;
		}
	size_t count = 0, i = 0, j = 0;
	while (i < nd && j < ni) {
		item *a = &olds->items[gd[i]], *b = &news->items[gi[j]];
		double sim = pp_diff_same_kind(a, b) ? pp_diff_similarity(st->opt, st->word_sets, a, b) : 0;
		if (sim >= 0.5 && S(i, j) == S(i + 1, j + 1) + sim) {
			pairs_d[count] = i;
			pairs_i[count] = j;
			count++;
			i++;
			j++;
		} else if (S(i, j) == S(i + 1, j)) {
			i++;
		} else {
			j++;
		}
	}
#undef S
	free(score);
	return count;
}

/* Numbers of an ordered list whose old items are shown: removed items keep
 * their old numbers and the others count as in the new version. */
static void renumber_list(xmlNodePtr out_list, xmlNodePtr old_list, xmlNodePtr new_list)
{
	int any_removed = 0;
	for (xmlNodePtr li = out_list->children; li; li = li->next)
		if (pp_diff_name_is(li, "li") && pp_diff_block_side(li) == OP_DELETE)
			any_removed = 1;
	if (!any_removed)
		return;
	xmlChar *s = xmlGetProp(new_list, BAD_CAST "start");
	long next = s ? strtol((const char *)s, NULL, 10) : 1;
	xmlFree(s);
	s = xmlGetProp(old_list, BAD_CAST "start");
	long old_start = s ? strtol((const char *)s, NULL, 10) : 1;
	xmlFree(s);
	for (xmlNodePtr li = out_list->children; li; li = li->next) {
		if (!pp_diff_name_is(li, "li"))
			continue;
		char number[24];
		xmlChar *old_number = xmlGetProp(li, BAD_CAST "data-old-number");
		if (old_number) {
			snprintf(number, sizeof number, "%ld", old_start + strtol((const char *)old_number, NULL, 10));
			xmlUnsetProp(li, BAD_CAST "data-old-number");
			xmlFree(old_number);
		} else {
			snprintf(number, sizeof number, "%ld", next++);
		}
		xmlSetProp(li, BAD_CAST "value", BAD_CAST number);
	}
}

typedef struct {
	uint64_t hash;
	size_t index;
} hashed_index;

static int compare_hashed(const void *a, const void *b)
{
	const hashed_index *x = a, *y = b;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* A block removed in one place and added unchanged in another has moved:
 * pairs them up (first removed with first added of the same text) through a
 * sorted index, so the cost stays O(n log n) on large documents. */
static int mark_moves(item_list *olds, item_list *news, const unsigned char *ops, long count)
{
	hashed_index *added = malloc((news->count + 1) * sizeof *added);
	if (!added)
		return -1;
	size_t n_added = 0;
	for (long i = 0, ib = 0; i < count; i++) {
		if (ops[i] == OP_INSERT && news->items[ib].has_words)
			added[n_added++] = (hashed_index){news->items[ib].hash, (size_t)ib};
		ib += ops[i] != OP_DELETE;
	}
	qsort(added, n_added, sizeof *added, compare_hashed);
	for (long i = 0, ia = 0; i < count; i++) {
		if (ops[i] == OP_DELETE && olds->items[ia].has_words) {
			uint64_t h = olds->items[ia].hash;
			size_t lo = 0, hi = n_added;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (added[mid].hash < h)
					lo = mid + 1;
				else
					hi = mid;
			}
			for (; lo < n_added && added[lo].hash == h; lo++)
				if (!news->items[added[lo].index].moved) {
					news->items[added[lo].index].moved = 1;
					olds->items[ia].moved = 1;
					break;
				}
		}
		ia += ops[i] != OP_INSERT;
	}
	free(added);
	return 0;
}

/* A removed list item keeps its old position, for renumber_list. */
static void remember_old_number(xmlNodePtr out, const item *it, size_t index)
{
	if (!pp_diff_name_is(it->first, "li") || !out->last || !pp_diff_name_is(out->last, "li"))
		return;
	char number[24];
	snprintf(number, sizeof number, "%zu", index);
	xmlSetProp(out->last, BAD_CAST "data-old-number", BAD_CAST number);
}

/* The items of container: from its index when it has one (borrowed, with
 * the marks of an earlier comparison cleared), else fingerprinted now. */
static int items_for(diff_state *st, const pp_diff_index *index, const block_prints *prints,
                     xmlNodePtr container, item_list *out, int *borrowed)
{
	*borrowed = index && index->root == container;
	if (!*borrowed)
		return pp_diff_items_of(st->opt, prints, container, out);
	*out = index->items;
	for (size_t i = 0; i < out->count; i++)
		out->items[i].moved = 0;
	return 0;
}

/* The alignment of one pair of containers, in progress: a frame of the
 * explicit stack that diff_tree keeps, so nesting depth costs heap. */
typedef struct {
	xmlNodePtr old_el, new_el, out;
	item_list olds, news;
	int olds_borrowed, news_borrowed;
	unsigned char *ops;
	long count, i;
	size_t ia, ib;
	size_t *gd, *gi; /* the gap being written: removed items in old order, added in new order */
	size_t nd, ni;
	/* For each side of the gap: positions (in gd, gi) of the items that did
	 * not move, their item indices, and the pairs found among them. */
	size_t *pos_d, *items_d, *pairs_d, *pos_i, *items_i, *pairs_i;
	size_t pairs, p, d, k;
	int in_gap;
} frame;

static void frame_free(frame *f)
{
	free(f->ops);
	free(f->gd);
	free(f->gi);
	free(f->pos_d);
	if (!f->olds_borrowed)
		pp_diff_items_free(&f->olds);
	if (!f->news_borrowed)
		pp_diff_items_free(&f->news);
}

/* Aligns the children of a frame's containers. -1 when out of memory. */
static int frame_start(diff_state *st, frame *f)
{
	if (items_for(st, st->old_index, st->old_prints, f->old_el, &f->olds, &f->olds_borrowed) != 0 ||
	    items_for(st, st->new_index, st->new_prints, f->new_el, &f->news, &f->news_borrowed) != 0)
		return -1;
	size_t no = f->olds.count, nn = f->news.count;
	uint64_t *ka = malloc((no + 1) * sizeof *ka), *kb = malloc((nn + 1) * sizeof *kb);
	f->gd = malloc((no + 1) * sizeof *f->gd);
	f->gi = malloc((nn + 1) * sizeof *f->gi);
	f->pos_d = malloc(3 * (no + nn + 2) * sizeof *f->pos_d);
	int rc = -1;
	if (ka && kb && f->gd && f->gi && f->pos_d) {
		f->items_d = f->pos_d + no + 1;
		f->pairs_d = f->items_d + no + 1;
		f->pos_i = f->pairs_d + no + 1;
		f->items_i = f->pos_i + nn + 1;
		f->pairs_i = f->items_i + nn + 1;
		for (size_t i = 0; i < no; i++)
			ka[i] = f->olds.items[i].hash;
		for (size_t i = 0; i < nn; i++)
			kb[i] = f->news.items[i].hash;
		f->count = pp_diff_keys(ka, no, kb, nn, &f->ops, &st->result->degraded);
		rc = f->count < 0 || mark_moves(&f->olds, &f->news, f->ops, f->count) != 0 ? -1 : 0;
	}
	free(ka);
	free(kb);
	return rc;
}

/* Opens the next gap: removed and added items up to the next equal one,
 * and pairs among those that did not move. */
static void open_gap(diff_state *st, frame *f)
{
	f->nd = f->ni = 0;
	for (; f->i < f->count && f->ops[f->i] != OP_EQUAL; f->i++) {
		if (f->ops[f->i] == OP_DELETE)
			f->gd[f->nd++] = f->ia++;
		else
			f->gi[f->ni++] = f->ib++;
	}
	size_t free_d = 0, free_i = 0;
	for (size_t k = 0; k < f->nd; k++)
		if (!f->olds.items[f->gd[k]].moved) {
			f->pos_d[free_d] = k;
			f->items_d[free_d++] = f->gd[k];
		}
	for (size_t k = 0; k < f->ni; k++)
		if (!f->news.items[f->gi[k]].moved) {
			f->pos_i[free_i] = k;
			f->items_i[free_i++] = f->gi[k];
		}
	f->pairs = pair_gap(st, &f->olds, f->items_d, free_d, &f->news, f->items_i, free_i, f->pairs_d, f->pairs_i);
	f->p = f->d = f->k = 0;
	f->in_gap = 1;
}

/* Writes the gap on: each side's items keep their order (before a pair come
 * the items of each side that precede it there, moved ones where they
 * stand). Returns the shell of a pair of containers to descend into, or
 * NULL when the gap is written. */
static xmlNodePtr step_gap(diff_state *st, frame *f, const item **old_item, const item **new_item)
{
	for (; f->p <= f->pairs && !st->failed; f->p++) {
		size_t stop_d = f->p < f->pairs ? f->pos_d[f->pairs_d[f->p]] : f->nd;
		size_t stop_i = f->p < f->pairs ? f->pos_i[f->pairs_i[f->p]] : f->ni;
		for (; f->d < stop_d && !st->failed; f->d++) {
			pp_diff_emit_whole(st, &f->olds.items[f->gd[f->d]], OP_DELETE, f->out);
			remember_old_number(f->out, &f->olds.items[f->gd[f->d]], f->gd[f->d]);
		}
		for (; f->k < stop_i && !st->failed; f->k++)
			pp_diff_emit_whole(st, &f->news.items[f->gi[f->k]], OP_INSERT, f->out);
		if (f->p < f->pairs && !st->failed) {
			*old_item = &f->olds.items[f->gd[f->d++]];
			*new_item = &f->news.items[f->gi[f->k++]];
			xmlNodePtr shell = emit_pair(st, *old_item, *new_item, f->out);
			if (shell) {
				f->p++;
				return shell;
			}
		}
	}
	f->in_gap = 0;
	return NULL;
}

static void frame_finish(diff_state *st, frame *f)
{
	xmlNodePtr last = f->new_el->last;
	if (last && pp_diff_is_blank_text(last) && !st->failed) {
		xmlNodePtr space = xmlNewDocText(st->doc, last->content);
		if (!space || !xmlAddChild(f->out, space)) {
			xmlFreeNode(space);
			st->failed = 1;
		}
	}
	if (pp_diff_name_is(f->new_el, "ol")) {
		renumber_list(f->out, f->old_el, f->new_el);
		/* The text form shows items whose number changed with both. */
		xmlChar *old_start = xmlGetProp(f->old_el, BAD_CAST "start"), *new_start = xmlGetProp(f->new_el, BAD_CAST "start");
		if (xmlStrcmp(old_start, new_start) != 0)
			xmlSetProp(f->out, BAD_CAST "data-old-start", old_start ? old_start : BAD_CAST "1");
		xmlFree(old_start);
		xmlFree(new_start);
	}
}

/* A top-level block copied unchanged: the final check compares its bytes
 * instead of walking it. (Without memory for the list, it is walked.) */
static void remember_copy(diff_state *st, xmlNodePtr out, xmlNodePtr source)
{
	if (pp_grow(&st->copies, &st->copy_cap, st->copy_count, sizeof *st->copies, 32) == 0)
		st->copies[st->copy_count++] = (pp_diff_copy){out, source};
}

/* Aligns the children of old_root and new_root into out, and of every pair
 * of containers inside them, depth first, with an explicit stack. */
static void diff_tree(diff_state *st, xmlNodePtr old_root, xmlNodePtr new_root, xmlNodePtr out)
{
	frame *stack = NULL;
	size_t depth = 0, cap = 0;
	xmlNodePtr old_el = old_root, new_el = new_root, target = out;
	for (;;) {
		if (old_el) { /* a pair of containers to align */
			if (pp_grow(&stack, &cap, depth, sizeof *stack, 16) != 0) {
				st->failed = 1;
				break;
			}
			frame *f = &stack[depth++];
			memset(f, 0, sizeof *f);
			f->old_el = old_el;
			f->new_el = new_el;
			f->out = target;
			old_el = NULL;
			if (frame_start(st, f) != 0) {
				st->failed = 1;
				break;
			}
		}
		if (!depth || st->failed)
			break;
		frame *f = &stack[depth - 1];
		const item *o = NULL, *n = NULL;
		xmlNodePtr shell = NULL;
		while (!shell && !st->failed && (f->in_gap || f->i < f->count)) {
			if (f->in_gap) {
				shell = step_gap(st, f, &o, &n);
			} else if (f->ops[f->i] == OP_EQUAL) {
				pp_diff_emit_equal(st, &f->news.items[f->ib], f->out);
				if (depth == 1 && !f->news.items[f->ib].inline_run)
					remember_copy(st, f->out->last, f->news.items[f->ib].first);
				f->ia++;
				f->ib++;
				f->i++;
			} else {
				open_gap(st, f);
			}
		}
		if (shell) {
			old_el = o->first;
			new_el = n->first;
			target = shell;
			continue;
		}
		frame_finish(st, f);
		frame_free(f);
		depth--;
	}
	while (depth > 0)
		frame_free(&stack[--depth]);
	free(stack);
}

/* ---- entry points --------------------------------------------------------- */

pp_diff_index *pp_diff_index_new(xmlNodePtr root, const pp_diff_options *options, pp_diff_contexts *contexts)
{
	pp_diff_index *index = calloc(1, sizeof *index);
	if (!index)
		return NULL;
	index->root = root;
	index->contexts = contexts;
	/* In a series, the form its comparisons check against is made now, and
	 * its blocks' prints read from it: one walk of the version, not two.
	 * The blocks' records stay: a pair nested in a list or a quote is
	 * checked against its bytes there, as a top-level one is. */
	int rc = 0;
	if (contexts) {
		rc = (index->form = pp_diff_form_new_with_blocks(options, root, contexts)) &&
		             pp_diff_prints_from_form(options, root, index->form, &index->prints) == 0
		         ? 0
		         : -1;
	} else {
		rc = pp_diff_make_prints(options, root, &index->prints);
	}
	if (rc != 0 || pp_diff_items_of(options, &index->prints, root, &index->items) != 0) {
		pp_diff_index_free(index);
		return NULL;
	}
	return index;
}

void pp_diff_index_free(pp_diff_index *index)
{
	if (!index)
		return;
	pp_diff_items_free(&index->items);
	free(index->prints.slots);
	pp_diff_form_free(index->form);
	pp_kept_free(index->tokens);
	free(index);
}

/* The last resort: every old block removed, every new block added. */
static void replace_document(diff_state *st, xmlNodePtr old_root, xmlNodePtr new_root, xmlNodePtr out,
                             xmlNodePtr before)
{
	remove_after(out, before);
	st->copy_count = 0;
	pp_diff_result *r = st->result;
	size_t repaired = r->repaired;
	int degraded = r->degraded;
	pp_diff_result_free(r);
	r->repaired = repaired + 1;
	r->degraded = degraded;
	st->section_index = -1;
	st->counted_section = -2;
	st->open_whole = -1;
	free(st->section);
	st->section = NULL;
	item_list olds = {0}, news = {0};
	if (pp_diff_items_of(st->opt, st->old_prints, old_root, &olds) != 0 ||
	    pp_diff_items_of(st->opt, st->new_prints, new_root, &news) != 0) {
		st->failed = 1;
	} else {
		for (size_t i = 0; i < olds.count && !st->failed; i++)
			pp_diff_emit_whole(st, &olds.items[i], OP_DELETE, out);
		st->open_whole = -1;
		for (size_t i = 0; i < news.count && !st->failed; i++)
			pp_diff_emit_whole(st, &news.items[i], OP_INSERT, out);
	}
	pp_diff_items_free(&olds);
	pp_diff_items_free(&news);
}

/* A version's form: kept in its index (made once for its two comparisons),
 * else in *own, made for this comparison. */
static pp_diff_form *form_of(diff_state *st, pp_diff_index *index, xmlNodePtr root, pp_diff_contexts *contexts,
                             pp_diff_form **own)
{
	if (index && index->root == root) {
		if (!index->form)
			index->form = pp_diff_form_new(st->opt, root->children, NULL, 0, index->contexts);
		return index->form;
	}
	return *own = pp_diff_form_new(st->opt, root->children, NULL, 0, contexts);
}

/* The final self-check: each side of the output against its version's form;
 * blocks copied unchanged compared by their bytes in the newer form. 1 when
 * both sides read true, 0 when not, -1 when out of memory. */
static int document_reads_true(diff_state *st, pp_diff_index *old_index, xmlNodePtr old_root,
                               pp_diff_index *new_index, xmlNodePtr new_root, xmlNodePtr first, xmlNodePtr last)
{
	pp_diff_contexts *shared = NULL;
	if (!(old_index && old_index->root == old_root && old_index->contexts) ||
	    !(new_index && new_index->root == new_root && new_index->contexts))
		shared = pp_diff_contexts_new();
	pp_diff_form *own_old = NULL, *own_new = NULL;
	pp_diff_form *old_form = form_of(st, old_index, old_root, shared, &own_old);
	pp_diff_form *new_form = form_of(st, new_index, new_root, shared, &own_new);
	int rc = -1;
	if (old_form && new_form) {
		rc = pp_diff_form_matches(st->opt, old_form, first, last, SIDE_OLD, st->copies, st->copy_count, new_form);
		if (rc == 1)
			rc = pp_diff_form_matches(st->opt, new_form, first, last, SIDE_NEW, st->copies, st->copy_count, new_form);
	}
	pp_diff_form_free(own_old);
	pp_diff_form_free(own_new);
	pp_diff_contexts_free(shared);
	return rc;
}

/* Opens every <details> (a policy's own, from raw HTML) that holds a
 * change or is one: a change a reader must see may not sit in a closed
 * disclosure. Top-level blocks copied unchanged hold none and are passed
 * by; the rest is walked once, the <details> above the current node kept
 * in a stack, each opened once. -1 when out of memory. */
static int open_changed_details(const diff_state *st, xmlNodePtr first)
{
	xmlNodePtr *above = NULL;
	size_t depth = 0, cap = 0, opened = 0, k = 0;
	int rc = 0;
	for (xmlNodePtr top = first; top && rc == 0; top = top->next) {
		if (k < st->copy_count && st->copies[k].out == top) {
			k++;
			continue;
		}
		for (xmlNodePtr n = top; n;) {
			int is_details = n->type == XML_ELEMENT_NODE && pp_diff_name_is(n, "details");
			/* Classes are read only where a <details> would be opened. */
			if (n->type == XML_ELEMENT_NODE && (is_details || opened < depth) &&
			    (pp_diff_is_mark(n) || (pp_dom_is_block(n) && pp_diff_block_side(n) != OP_EQUAL))) {
				for (; opened < depth; opened++)
					xmlSetProp(above[opened], BAD_CAST "open", BAD_CAST "");
				if (is_details)
					xmlSetProp(n, BAD_CAST "open", BAD_CAST "");
			}
			if (n->type == XML_ELEMENT_NODE && n->children) {
				if (is_details) {
					if (pp_grow(&above, &cap, depth, sizeof *above, 16) != 0) {
						rc = -1;
						break;
					}
					above[depth++] = n;
				}
				n = n->children;
				continue;
			}
			while (n != top && !n->next) {
				n = n->parent;
				if (depth && above[depth - 1] == n && --depth < opened)
					opened = depth;
			}
			n = n == top ? NULL : n->next;
		}
		depth = opened = 0;
	}
	free(above);
	return rc;
}

int pp_diff_dom_indexed(xmlNodePtr old_root, pp_diff_index *old_index, xmlNodePtr new_root,
                        pp_diff_index *new_index, xmlNodePtr out, const pp_diff_options *options,
                        pp_diff_result *result)
{
	memset(result, 0, sizeof *result);
	UErrorCode status = U_ZERO_ERROR;
	/* Each side's block prints: from its index, or made for this comparison.
	 * An index in a series has prints made from its series' form, which
	 * compare only with another index of that series. */
	int one_series = old_index && new_index && old_index->contexts && old_index->contexts == new_index->contexts;
	pp_diff_index *old_printed = old_index && old_index->root == old_root && (!old_index->contexts || one_series)
	                                 ? old_index : NULL;
	pp_diff_index *new_printed = new_index && new_index->root == new_root && (!new_index->contexts || one_series)
	                                 ? new_index : NULL;
	diff_state st = {.opt = options, .fault = options->inject_fault, .doc = out->doc, .result = result, .section_index = -1,
	                 .counted_section = -2, .open_whole = -1, .old_index = old_printed,
	                 .new_index = new_printed};
	block_prints own_old = {0}, own_new = {0};
	st.old_prints = old_printed ? &old_printed->prints : &own_old;
	st.new_prints = new_printed ? &new_printed->prints : &own_new;
	st.old_own = old_index && old_index->root == old_root ? old_index : NULL;
	st.new_own = new_index && new_index->root == new_root ? new_index : NULL;
	if ((st.old_prints == &own_old && pp_diff_make_prints(options, old_root, &own_old) != 0) ||
	    (st.new_prints == &own_new && pp_diff_make_prints(options, new_root, &own_new) != 0)) {
		free(own_old.slots);
		free(own_new.slots);
		return -1;
	}
	/* The series' iterator when the newer side is indexed with its
	 * contexts, else one of this comparison's own. */
	pp_diff_contexts *series = new_index && new_index->root == new_root ? new_index->contexts : NULL;
	UBreakIterator *own_words = NULL;
	if (series) {
		st.words = pp_diff_contexts_words(series, options->locale);
		st.segments = pp_diff_contexts_kept(series, KEPT_SEGMENTS);
		st.excerpts = pp_diff_contexts_kept(series, KEPT_EXCERPTS);
		st.word_sets = pp_diff_contexts_kept(series, KEPT_WORDS);
	}
	else if ((own_words = ubrk_open(UBRK_WORD, options->locale ? options->locale : "", NULL, 0, &status)) &&
	         U_FAILURE(status)) {
		ubrk_close(own_words);
		own_words = NULL;
	}
	if (!series)
		st.words = own_words;
	if (!st.words) {
		free(own_old.slots);
		free(own_new.slots);
		return -1;
	}
	/* Each side's form now, so the pairs' checks can read their blocks'
	 * bytes there (the final check needs the forms anyway). */
	pp_diff_index *sides[] = {st.old_own, st.new_own};
	for (size_t k = 0; k < 2; k++)
		if (sides[k] && !sides[k]->form)
			sides[k]->form = pp_diff_form_new(options, sides[k]->root->children, NULL, 0, sides[k]->contexts);
	xmlNodePtr before = out->last;
	diff_tree(&st, old_root, new_root, out);
	if (!st.failed) {
		xmlNodePtr first = before ? before->next : out->children;
		int reads_true = document_reads_true(&st, old_index, old_root, new_index, new_root, first, out->last);
		if (reads_true < 0)
			st.failed = 1;
		else if (!reads_true) {
			replace_document(&st, old_root, new_root, out, before);
			st.copy_count = 0; /* the copies went with what was replaced */
		}
	}
	if (!st.failed && open_changed_details(&st, before ? before->next : out->children) != 0)
		st.failed = 1;
	if (own_words)
		ubrk_close(own_words);
	free(st.section);
	free(own_old.slots);
	free(own_new.slots);
	free(st.copies);
	return st.failed ? -1 : 0;
}

int pp_diff_dom(xmlNodePtr old_root, xmlNodePtr new_root, xmlNodePtr out, const pp_diff_options *options,
                pp_diff_result *result)
{
	return pp_diff_dom_indexed(old_root, NULL, new_root, NULL, out, options, result);
}

void pp_diff_result_free(pp_diff_result *result)
{
	for (size_t i = 0; i < result->change_count; i++) {
		free(result->changes[i].section);
		free(result->changes[i].excerpt);
		free(result->changes[i].removed);
		free(result->changes[i].context);
	}
	free(result->changes);
	memset(result, 0, sizeof *result);
}

int pp_diff_is_faithful(xmlNodePtr old_root, xmlNodePtr new_root, xmlNodePtr out,
                        const pp_diff_options *options)
{
	int old_ok = pp_diff_reads_as(options, out->children, NULL, SIDE_OLD, old_root->children, NULL, 0);
	int new_ok = pp_diff_reads_as(options, out->children, NULL, SIDE_NEW, new_root->children, NULL, 0);
	if (old_ok < 0 || new_ok < 0)
		return -1;
	return old_ok && new_ok;
}
