/* Items of a container and their fingerprints (see diff_internal.h): a
 * container's children grouped into blocks and runs of inline content, the
 * fingerprints of a document's blocks made once, bottom-up, and the words
 * that pair similar blocks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "diff_internal.h"
#include "fsutil.h"
#include "markdown.h"

void pp_diff_items_free(item_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		if (!l->items[i].words_borrowed)
			free(l->items[i].words);
	free(l->items);
	memset(l, 0, sizeof *l);
}

int pp_diff_is_blank_text(xmlNodePtr n)
{
	if (n->type != XML_TEXT_NODE)
		return 0;
	for (const xmlChar *p = n->content; p && *p; p++)
		if (!pp_diff_is_collapsible(*p))
			return 0;
	return 1;
}

/* The next item of a container's children from *cursor: a block, or a run
 * of inline nodes (white space between blocks is no item). 0 at the end. */
static int next_item(xmlNodePtr *cursor, item *it)
{
	for (xmlNodePtr n = *cursor; n; n = n->next) {
		int block = pp_dom_is_block(n);
		if (!block && ((n->type != XML_TEXT_NODE && n->type != XML_ELEMENT_NODE) || pp_diff_is_blank_text(n)))
			continue;
		memset(it, 0, sizeof *it);
		it->first = it->last = n;
		it->inline_run = !block;
		while (!block && it->last->next && !pp_dom_is_block(it->last->next) &&
		       (it->last->next->type == XML_TEXT_NODE || it->last->next->type == XML_ELEMENT_NODE))
			it->last = it->last->next;
		*cursor = it->last->next;
		return 1;
	}
	return 0;
}

static size_t print_slot(const block_prints *m, xmlNodePtr node)
{
	size_t h = (size_t)(((uintptr_t)node >> 4) * 0x9E3779B97F4A7C15ULL);
	size_t i = h & (m->cap - 1);
	while (m->slots[i].node && m->slots[i].node != node)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static const block_print *print_of(const block_prints *m, xmlNodePtr node)
{
	if (!m->cap)
		return NULL;
	const block_print *p = &m->slots[print_slot(m, node)];
	return p->node ? p : NULL;
}

static int add_print(block_prints *m, xmlNodePtr node, uint64_t hash, int has_words)
{
	if ((m->count + 1) * 2 > m->cap) {
		block_prints grown = {calloc(m->cap ? m->cap * 2 : 64, sizeof *grown.slots), m->cap ? m->cap * 2 : 64, 0};
		if (!grown.slots)
			return -1;
		for (size_t i = 0; i < m->cap; i++)
			if (m->slots[i].node)
				grown.slots[print_slot(&grown, m->slots[i].node)] = m->slots[i];
		grown.count = m->count;
		free(m->slots);
		*m = grown;
	}
	m->slots[print_slot(m, node)] = (block_print){node, hash, has_words};
	m->count++;
	return 0;
}

/* An item's hash: a block's from the prints, a run's from its text. */
static int print_item(const pp_diff_options *opt, const block_prints *prints, item *it)
{
	const block_print *p = it->inline_run ? NULL : print_of(prints, it->first);
	if (p) {
		it->hash = p->hash;
		it->has_words = p->has_words;
		return 0;
	}
	pp_diff_fingerprint fp;
	if (pp_diff_fingerprint_range(opt, it->first, it->last,
	                              it->inline_run ? "#inline" : (const char *)it->first->name, 0, 0, 0, &fp) != 0)
		return -1;
	it->hash = fp.hash;
	it->has_words = fp.word_total > 0;
	return 0;
}

static int has_block_child(xmlNodePtr el)
{
	for (xmlNodePtr c = el->children; c; c = c->next)
		if (pp_dom_is_block(c))
			return 1;
	return 0;
}

/* The prints of every block under root, children before parents: a block
 * of text is hashed by its canonical form, once; a block holding blocks by
 * its name, shown attributes and its items' hashes in order. */
static int fill_prints(const pp_diff_options *opt, xmlNodePtr root, block_prints *prints)
{
	for (xmlNodePtr n = root->children; n;) {
		if (n->type == XML_ELEMENT_NODE && n->children && has_block_child(n)) {
			n = n->children;
			continue;
		}
		for (;;) { /* n's children are done: n itself, unless its print came from its form */
			if (pp_dom_is_block(n) && !print_of(prints, n)) {
				item it = {.first = n, .last = n};
				if (has_block_child(n)) {
					uint64_t h = pp_diff_block_head(n);
					xmlNodePtr cursor = n->children;
					item child;
					while (next_item(&cursor, &child)) {
						if (print_item(opt, prints, &child) != 0)
							return -1;
						h = (h ^ child.hash) * HASH_PRIME + 0x9e3779b97f4a7c15ULL;
						it.has_words |= child.has_words;
					}
					it.hash = pp_hash_bytes(h, "\2", 1);
				} else if (print_item(opt, prints, &it) != 0) {
					return -1;
				}
				if (add_print(prints, n, it.hash, it.has_words) != 0)
					return -1;
			}
			if (n->next) {
				n = n->next;
				break;
			}
			n = n->parent;
			if (n == root)
				return 0;
		}
	}
	return 0;
}

int pp_diff_make_prints(const pp_diff_options *opt, xmlNodePtr root, block_prints *prints)
{
	memset(prints, 0, sizeof *prints);
	return fill_prints(opt, root, prints);
}

int pp_diff_prints_from_form(const pp_diff_options *opt, xmlNodePtr root, const pp_diff_form *form,
                             block_prints *prints)
{
	memset(prints, 0, sizeof *prints);
	size_t count;
	const char *bytes;
	const pp_diff_block_bytes *blocks = pp_diff_form_blocks(form, &count, &bytes);
	/* A block of text is its bytes: they begin with its name and shown
	 * attributes, and hold its content as the fingerprint walk reads it. */
	for (size_t i = 0; i < count; i++)
		if (!has_block_child(blocks[i].node) &&
		    add_print(prints, blocks[i].node, XXH3_64bits(bytes + blocks[i].start, blocks[i].len),
		              blocks[i].has_words) != 0)
			return -1;
	return fill_prints(opt, root, prints);
}

int pp_diff_items_of(const pp_diff_options *opt, const block_prints *prints, xmlNodePtr container,
                    item_list *out)
{
	memset(out, 0, sizeof *out);
	xmlNodePtr cursor = container->children;
	item it;
	while (next_item(&cursor, &it)) {
		if (print_item(opt, prints, &it) != 0 ||
		    pp_grow(&out->items, &out->cap, out->count, sizeof *out->items, 8) != 0)
			return -1;
		out->items[out->count++] = it;
	}
	return 0;
}

/* Words compared for similarity: the first ones suffice to pair blocks, and
 * bound the cost of a gap of large containers. */
#define SIMILARITY_WORDS 2000

#define SORT_RUN 16

static void insertion_sort_u64(uint64_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t x = a[i];
		size_t j = i;
		for (; j > 0 && a[j - 1] > x; j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

/* A block's word hashes sorted in place: qsort's call per comparison cost
 * more than the comparisons. Runs of SORT_RUN sorted by insertion, then
 * merged bottom-up through a buffer on the stack, which holds the
 * SIMILARITY_WORDS a block's fingerprint keeps at most (more would be
 * sorted by insertion alone: slower, still sorted). */
static void sort_words(uint64_t *a, size_t n)
{
	if (n > SIMILARITY_WORDS) {
		insertion_sort_u64(a, n);
		return;
	}
	for (size_t start = 0; start < n; start += SORT_RUN)
		insertion_sort_u64(a + start, n - start < SORT_RUN ? n - start : SORT_RUN);
	uint64_t buf[SIMILARITY_WORDS];
	uint64_t *from = a, *to = buf;
	for (size_t width = SORT_RUN; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				to[k++] = from[j] < from[i] ? from[j++] : from[i++];
			while (i < mid)
				to[k++] = from[i++];
			while (j < hi)
				to[k++] = from[j++];
		}
		uint64_t *swap = from;
		from = to;
		to = swap;
	}
	if (from != a)
		memcpy(a, from, n * sizeof *a);
}

/* A block's words as kept in a series (KEPT_WORDS), found by its hash. */
typedef struct {
	uint64_t hash; /* the key: the item's */
	size_t count;
	uint64_t words[];
} kept_words;

/* The item's word hashes, sorted, made when first needed: from the series'
 * sets when an item of the same hash (the same canonical form, so the same
 * words) was asked for before. */
static void make_words(const pp_diff_options *opt, pp_kept *word_sets, item *it)
{
	if (it->words_made)
		return;
	it->words_made = 1;
	const kept_words *found = pp_kept_find(word_sets, &it->hash, sizeof it->hash);
	if (found) {
		it->words = (uint64_t *)found->words;
		it->word_count = found->count;
		it->words_borrowed = 1;
		return;
	}
	pp_diff_fingerprint fp;
	if (pp_diff_fingerprint_range(opt, it->first, it->last, "", 0, SIMILARITY_WORDS, 1, &fp) != 0)
		return; /* out of memory: no words, so no pairing by similarity */
	it->words = fp.words;
	it->word_count = fp.word_count;
	if (it->words)
		sort_words(it->words, it->word_count);
	if (!word_sets)
		return;
	/* Kept in one block with its key; the item borrows them from there. */
	size_t bytes = sizeof(kept_words) + it->word_count * sizeof *it->words;
	kept_words *kept = malloc(bytes);
	if (!kept)
		return;
	kept->hash = it->hash;
	kept->count = it->word_count;
	if (it->word_count)
		memcpy(kept->words, it->words, it->word_count * sizeof *it->words);
	if (!pp_kept_put(word_sets, &kept->hash, sizeof kept->hash, kept, bytes)) {
		free(kept);
		return;
	}
	free(it->words);
	it->words = kept->words;
	it->words_borrowed = 1;
}

/* Dice coefficient of two word-hash multisets. */
double pp_diff_similarity(const pp_diff_options *opt, pp_kept *word_sets, item *a, item *b)
{
	make_words(opt, word_sets, a);
	make_words(opt, word_sets, b);
	if (a->word_count + b->word_count == 0)
		return 1.0;
	size_t i = 0, j = 0, common = 0;
	while (i < a->word_count && j < b->word_count) {
		if (a->words[i] == b->words[j]) {
			common++;
			i++;
			j++;
		} else if (a->words[i] < b->words[j]) {
			i++;
		} else {
			j++;
		}
	}
	return 2.0 * (double)common / (double)(a->word_count + b->word_count);
}

int pp_diff_same_kind(const item *a, const item *b)
{
	if (a->inline_run || b->inline_run)
		return a->inline_run && b->inline_run;
	return xmlStrcmp(a->first->name, b->first->name) == 0 && pp_diff_same_block_attributes(a->first, b->first);
}
