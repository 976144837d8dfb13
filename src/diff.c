#include "diff.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include "fsutil.h"
#include "l10n.h"
#include "markdown.h"

/* ---- hashing ------------------------------------------------------------- */

#define HASH_INIT 1469598103934665603ULL

static uint64_t hash_bytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static uint64_t hash_str(uint64_t h, const char *s) { return hash_bytes(h, s, strlen(s) + 1); }

/* ---- Myers' O(ND) difference ---------------------------------------------- */

enum { OP_EQUAL = 0, OP_DELETE = 1, OP_INSERT = 2 };

long pp_myers(const unsigned long long *a, size_t n, const unsigned long long *b, size_t m,
              size_t max_edits, unsigned char **ops_out)
{
	*ops_out = NULL;
	if (n > INT32_MAX / 2 || m > INT32_MAX / 2)
		return -1;
	if (max_edits > n + m)
		max_edits = n + m;
	int32_t N = (int32_t)n, M = (int32_t)m, D = (int32_t)max_edits;
	/* trace[d] keeps V as it was before step d, for the diagonals -d-1..d+1:
	 * O(D^2) memory, which the cost limit keeps small. */
	size_t trace_len = ((size_t)D + 1) * ((size_t)D + 3);
	int32_t *trace = malloc(trace_len * sizeof *trace);
	int32_t *v = malloc(((size_t)2 * D + 3) * sizeof *v);
	if (!trace || !v) {
		free(trace);
		free(v);
		return -1;
	}
	int32_t off = D + 1;
	v[off + 1] = 0;
	int32_t found = -1;
	size_t pos = 0;
	for (int32_t d = 0; d <= D && found < 0; d++) {
		int32_t *snap = trace + pos;
		memcpy(snap, v + off - d - 1, ((size_t)2 * d + 3) * sizeof *v);
		pos += (size_t)2 * d + 3;
		for (int32_t k = -d; k <= d; k += 2) {
			int32_t x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1]
			                                                                   : v[off + k - 1] + 1;
			int32_t y = x - k;
			while (x < N && y < M && a[x] == b[y]) {
				x++;
				y++;
			}
			v[off + k] = x;
			if (x >= N && y >= M) {
				found = d;
				break;
			}
		}
	}
	free(v);
	if (found < 0) {
		free(trace);
		return -1;
	}
	size_t total = (size_t)N + (size_t)M;
	unsigned char *ops = malloc(total ? total : 1);
	if (!ops) {
		free(trace);
		return -1;
	}
	size_t count = 0;
	int32_t x = N, y = M;
	/* Walk back through the snapshots: each step d undoes one edit and the
	 * run of equal elements that followed it. */
	pos = 0;
	size_t *starts = malloc(((size_t)found + 1) * sizeof *starts);
	if (!starts) {
		free(trace);
		free(ops);
		return -1;
	}
	for (int32_t d = 0; d <= found; d++) {
		starts[d] = pos;
		pos += (size_t)2 * d + 3;
	}
	for (int32_t d = found; d > 0; d--) {
		const int32_t *snap = trace + starts[d]; /* index k + d + 1 */
		int32_t k = x - y;
		int down = k == -d || (k != d && snap[k - 1 + d + 1] < snap[k + 1 + d + 1]);
		int32_t prev_k = down ? k + 1 : k - 1;
		int32_t prev_x = snap[prev_k + d + 1], prev_y = prev_x - prev_k;
		int32_t start_x = down ? prev_x : prev_x + 1, start_y = down ? prev_y + 1 : prev_y;
		while (x > start_x && y > start_y) {
			ops[count++] = OP_EQUAL;
			x--;
			y--;
		}
		ops[count++] = down ? OP_INSERT : OP_DELETE;
		x = prev_x;
		y = prev_y;
	}
	while (x > 0 && y > 0) {
		ops[count++] = OP_EQUAL;
		x--;
		y--;
	}
	free(starts);
	free(trace);
	for (size_t i = 0; i < count / 2; i++) {
		unsigned char t = ops[i];
		ops[i] = ops[count - 1 - i];
		ops[count - 1 - i] = t;
	}
	*ops_out = ops;
	return (long)count;
}

/* Edit limit for sequences of total length len: exact for ordinary sizes,
 * shrinking for large inputs so (len * edits) stays near a fixed budget. */
static size_t edit_limit(size_t len)
{
	const size_t budget = 40000000, floor = 64, ceiling = 2000;
	size_t limit = budget / (len ? len : 1);
	if (limit < floor)
		limit = floor;
	if (limit > ceiling)
		limit = ceiling;
	return limit;
}

/* Myers with common prefix and suffix trimmed first, so a long document with
 * a few edits costs little. Falls back to "delete all, insert all" beyond the
 * edit limit; *degraded tells. Returns the op count or -1 (out of memory). */
static long diff_keys(const uint64_t *a, size_t n, const uint64_t *b, size_t m,
                      unsigned char **ops_out, int *degraded)
{
	size_t pre = 0, suf = 0;
	while (pre < n && pre < m && a[pre] == b[pre])
		pre++;
	while (suf < n - pre && suf < m - pre && a[n - 1 - suf] == b[m - 1 - suf])
		suf++;
	size_t mid_n = n - pre - suf, mid_m = m - pre - suf;
	unsigned char *mid = NULL;
	long mid_count = pp_myers((const unsigned long long *)a + pre, mid_n,
	                          (const unsigned long long *)b + pre, mid_m,
	                          edit_limit(mid_n + mid_m), &mid);
	if (mid_count < 0) {
		free(mid);
		mid = malloc(mid_n + mid_m + 1);
		if (!mid)
			return -1;
		memset(mid, OP_DELETE, mid_n);
		memset(mid + mid_n, OP_INSERT, mid_m);
		mid_count = (long)(mid_n + mid_m);
		*degraded = 1;
	}
	unsigned char *ops = malloc(pre + (size_t)mid_count + suf + 1);
	if (!ops) {
		free(mid);
		return -1;
	}
	memset(ops, OP_EQUAL, pre);
	memcpy(ops + pre, mid, (size_t)mid_count);
	memset(ops + pre + mid_count, OP_EQUAL, suf);
	free(mid);
	*ops_out = ops;
	return (long)(pre + (size_t)mid_count + suf);
}

/* ---- text normalization and words ---------------------------------------- */

typedef struct {
	const pp_diff_options *opt;
	UBreakIterator *words;
	xmlDocPtr doc;       /* output document */
	pp_diff_result *result;
	char *section;       /* current heading text (owned) */
	long section_index;  /* -1 before any heading */
	long counted_section;
	int open_whole;      /* kind of the run of whole blocks being emitted, or -1 */
	int failed;
	const struct pp_diff_index *old_index, *new_index; /* fingerprints made before, or NULL */
} diff_state;

static int is_tatweel(UChar32 c) { return c == 0x0640; }

/* One step of the hash per code point (FNV-1a over the code point value). */
static uint64_t mix(uint64_t h, UChar32 c) { return (h ^ (uint64_t)(uint32_t)c) * 1099511628211ULL; }

static int ignored_in_key(const diff_state *st, UChar32 c)
{
	return is_tatweel(c) || (st->opt->ignore_diacritics && u_charType(c) == U_NON_SPACING_MARK);
}

static uint64_t key_hash(const diff_state *st, uint64_t h, const UChar *s, int32_t len)
{
	for (int32_t i = 0; i < len;) {
		UChar32 c;
		U16_NEXT(s, i, len, c);
		if (!ignored_in_key(st, c))
			h = mix(h, c);
	}
	return h;
}

typedef struct {
	xmlNodePtr node;  /* source text node, or an atomic inline element (br, img) */
	char *text;       /* NFC text (NULL for atoms) */
	uint64_t key;
	int is_space;
	int is_word;
} token;

typedef struct {
	token *items;
	size_t count, cap;
	size_t words;
} token_list;

static void tokens_free(token_list *t)
{
	for (size_t i = 0; i < t->count; i++)
		free(t->items[i].text);
	free(t->items);
	memset(t, 0, sizeof *t);
}

static token *tokens_push(token_list *t)
{
	if (pp_grow(&t->items, &t->cap, t->count, sizeof *t->items, 32) != 0)
		return NULL;
	token *tok = &t->items[t->count++];
	memset(tok, 0, sizeof *tok);
	return tok;
}

/* Formatting around a text node (names and link targets up to the block),
 * so a word that became bold or a link that changed target is a change. */
static uint64_t context_hash(xmlNodePtr node, xmlNodePtr block)
{
	uint64_t h = HASH_INIT;
	for (xmlNodePtr p = node->parent; p && p != block; p = p->parent) {
		h = hash_str(h, (const char *)p->name);
		xmlChar *href = xmlGetProp(p, BAD_CAST "href");
		if (href) {
			h = hash_str(h, (const char *)href);
			xmlFree(href);
		}
	}
	return h;
}

static int is_space_only(const UChar *s, int32_t len)
{
	for (int32_t i = 0; i < len;) {
		UChar32 c;
		U16_NEXT(s, i, len, c);
		if (!u_isUWhiteSpace(c))
			return 0;
	}
	return 1;
}

static int tokenize_text(diff_state *st, xmlNodePtr node, xmlNodePtr block, token_list *out)
{
	int32_t len;
	UChar *text = pp_to_utf16((const char *)node->content, strlen((const char *)node->content), &len);
	if (!text)
		return -1;
	uint64_t context = context_hash(node, block);
	UErrorCode status = U_ZERO_ERROR;
	ubrk_setText(st->words, text, len, &status);
	if (U_FAILURE(status)) {
		free(text);
		return -1;
	}
	int32_t start = ubrk_first(st->words);
	for (int32_t end = ubrk_next(st->words); end != UBRK_DONE; start = end, end = ubrk_next(st->words)) {
		token *tok = tokens_push(out);
		if (!tok || !(tok->text = pp_from_utf16(text + start, end - start))) {
			free(text);
			return -1;
		}
		tok->node = node;
		tok->is_space = is_space_only(text + start, end - start);
		tok->is_word = ubrk_getRuleStatus(st->words) != UBRK_WORD_NONE;
		/* All whitespace compares equal: re-wrapping a line is not a change. */
		tok->key = tok->is_space ? hash_str(HASH_INIT, " ")
		                         : key_hash(st, context, text + start, end - start);
		if (tok->is_word)
			out->words++;
	}
	free(text);
	return 0;
}

static int is_atom(xmlNodePtr el)
{
	return xmlStrcmp(el->name, BAD_CAST "br") == 0 || xmlStrcmp(el->name, BAD_CAST "img") == 0 ||
	       !el->children;
}

/* Next node in document order after node, staying inside container and not
 * going past the top-level node last (NULL: all of container). */
static xmlNodePtr next_node(xmlNodePtr node, xmlNodePtr container, xmlNodePtr last, int descend)
{
	if (descend && node->children)
		return node->children;
	while (node && node != container) {
		if (node == last)
			return NULL;
		if (node->next)
			return node->next;
		node = node->parent;
	}
	return NULL;
}

/* Tokens of the inline nodes first..last (siblings inside container). */
static int tokenize_range(diff_state *st, xmlNodePtr container, xmlNodePtr first, xmlNodePtr last,
                          token_list *out)
{
	for (xmlNodePtr n = first; n;) {
		int descend = 0;
		if (n->type == XML_TEXT_NODE && n->content && *n->content) {
			if (tokenize_text(st, n, container, out) != 0)
				return -1;
		} else if (n->type == XML_ELEMENT_NODE) {
			if (is_atom(n)) {
				token *tok = tokens_push(out);
				if (!tok)
					return -1;
				tok->node = n;
				uint64_t h = hash_str(context_hash(n, container), (const char *)n->name);
				xmlChar *src = xmlGetProp(n, BAD_CAST "src");
				if (src) {
					h = hash_str(h, (const char *)src);
					xmlFree(src);
				}
				tok->key = h;
			} else {
				descend = 1;
			}
		}
		n = next_node(n, container, last, descend);
	}
	return 0;
}

/* ---- blocks -------------------------------------------------------------- */

static int name_is(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0;
}

/* Blocks whose content is text to compare word by word. */
static int holds_text(xmlNodePtr n)
{
	static const char *const names[] = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "td", "th", "dt"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (name_is(n, names[i]))
			return 1;
	return 0;
}

/* One comparable unit of a container: a block element, or a run of inline
 * nodes between blocks. */
typedef struct {
	xmlNodePtr first, last;
	int inline_run;
	uint64_t hash;      /* element name + comparison form of all its text */
	uint64_t *words;    /* sorted word hashes, for similarity */
	size_t word_count;
	int moved;          /* removed here and added unchanged elsewhere (or the reverse) */
	int words_sorted;   /* words are sorted only when a gap needs similarity */
} item;

typedef struct {
	item *items;
	size_t count;
} item_list;

struct pp_diff_index {
	xmlNodePtr root;
	item_list items;
};

static void items_free(item_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->items[i].words);
	free(l->items);
	memset(l, 0, sizeof *l);
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Appends the text of a range to buf (text of atoms as their name). */
static void collect_range_text(xmlNodePtr container, xmlNodePtr first, xmlNodePtr last, xmlBufferPtr buf)
{
	for (xmlNodePtr n = first; n;) {
		int descend = 0;
		if (n->type == XML_TEXT_NODE && n->content)
			xmlBufferCat(buf, n->content);
		else if (n->type == XML_ELEMENT_NODE) {
			if (pp_dom_is_block(n))
				xmlBufferCat(buf, BAD_CAST " ");
			if (name_is(n, "img") || name_is(n, "hr") || name_is(n, "br"))
				xmlBufferCat(buf, n->name);
			descend = 1;
		}
		n = next_node(n, container, last, descend);
	}
}

static int push_word(item *it, size_t *cap, uint64_t w)
{
	if (it->word_count == *cap) {
		uint64_t *grown = realloc(it->words, (*cap *= 2) * sizeof *grown);
		if (!grown)
			return -1;
		it->words = grown;
	}
	it->words[it->word_count++] = w;
	return 0;
}

/* Fingerprinting in progress: the text of a range is read as one string,
 * node after node, without being copied. */
typedef struct {
	const diff_state *st;
	item *it;
	size_t cap;
	uint64_t hash, word;
	int in_word, rc;
} fingerprinter;

static void end_word(fingerprinter *fp)
{
	if (fp->in_word && fp->rc == 0) {
		fp->rc = push_word(fp->it, &fp->cap, fp->word);
		fp->hash = (fp->hash ^ fp->word) * 1099511628211ULL;
	}
	fp->in_word = 0;
	fp->word = HASH_INIT;
}

static void fingerprint_text(fingerprinter *fp, const uint8_t *s)
{
	int32_t n = (int32_t)strlen((const char *)s), i = 0;
	while (i < n) {
		UChar32 c = s[i];
		if (c < 0x80)
			i++;
		else
			U8_NEXT(s, i, n, c);
		if (c < 0)
			c = 0xFFFD;
		/* ASCII's white space is tab to carriage return and the space. */
		if (c < 0x80 ? c == ' ' || (c >= '\t' && c <= '\r') : u_isUWhiteSpace(c)) {
			end_word(fp);
		} else {
			fp->in_word = 1;
			if (!ignored_in_key(fp->st, c))
				fp->word = mix(fp->word, c);
		}
	}
}

/* Hash of the item's element name and text, and the hashes of its words
 * (split on white space: cheap, and enough to judge similarity). Blocks
 * inside the item separate words; atoms (br, hr, img) count as their name.
 * The text is in NFC already (markdown.c puts it there), so UTF-8 is read
 * directly. */
static int fingerprint(diff_state *st, xmlNodePtr container, item *it)
{
	fingerprinter fp = {st, it, 16, 0, HASH_INIT, 0, 0};
	if (!(it->words = malloc(fp.cap * sizeof *it->words)))
		return -1;
	fp.hash = hash_str(HASH_INIT, it->inline_run ? "#inline" : (const char *)it->first->name);
	for (xmlNodePtr n = it->first; n && fp.rc == 0;) {
		int descend = 0;
		if (n->type == XML_TEXT_NODE && n->content) {
			fingerprint_text(&fp, n->content);
		} else if (n->type == XML_ELEMENT_NODE) {
			if (pp_dom_is_block(n))
				end_word(&fp);
			if (name_is(n, "img") || name_is(n, "hr") || name_is(n, "br"))
				fingerprint_text(&fp, n->name);
			descend = 1;
		}
		n = next_node(n, container, it->last, descend);
	}
	end_word(&fp);
	it->hash = fp.hash;
	return fp.rc;
}

static int is_blank_text(xmlNodePtr n)
{
	if (n->type != XML_TEXT_NODE)
		return 0;
	for (const xmlChar *p = n->content; p && *p; p++)
		if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r')
			return 0;
	return 1;
}

static int items_of(diff_state *st, xmlNodePtr container, item_list *out)
{
	size_t cap = 8;
	out->count = 0;
	out->items = malloc(cap * sizeof *out->items);
	if (!out->items)
		return -1;
	for (xmlNodePtr n = container->children; n; n = n->next) {
		int block = pp_dom_is_block(n);
		if (!block && (n->type != XML_TEXT_NODE && n->type != XML_ELEMENT_NODE))
			continue;
		item *prev = out->count ? &out->items[out->count - 1] : NULL;
		if (!block && prev && prev->inline_run && prev->last == n->prev) {
			prev->last = n;
			continue;
		}
		if (!block && is_blank_text(n))
			continue; /* white space between blocks */
		if (out->count == cap) {
			item *grown = realloc(out->items, (cap *= 2) * sizeof *grown);
			if (!grown)
				return -1;
			out->items = grown;
		}
		item *it = &out->items[out->count++];
		memset(it, 0, sizeof *it);
		it->first = it->last = n;
		it->inline_run = !block;
	}
	for (size_t i = 0; i < out->count; i++)
		if (fingerprint(st, container, &out->items[i]) != 0)
			return -1;
	return 0;
}

static void sort_words(item *it)
{
	if (!it->words_sorted)
		qsort(it->words, it->word_count, sizeof *it->words, compare_u64);
	it->words_sorted = 1;
}

/* Dice coefficient of two word-hash multisets. */
static double similarity(item *a, item *b)
{
	sort_words(a);
	sort_words(b);
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

static int same_kind(const item *a, const item *b)
{
	if (a->inline_run || b->inline_run)
		return a->inline_run && b->inline_run;
	return xmlStrcmp(a->first->name, b->first->name) == 0;
}

/* ---- output -------------------------------------------------------------- */

static void add_class(xmlNodePtr el, const char *cls)
{
	xmlChar *old = xmlGetProp(el, BAD_CAST "class");
	if (old) {
		xmlChar *joined = xmlStrncatNew(old, BAD_CAST " ", 1);
		joined = xmlStrcat(joined, BAD_CAST cls);
		xmlSetProp(el, BAD_CAST "class", joined);
		xmlFree(joined);
		xmlFree(old);
	} else {
		xmlSetProp(el, BAD_CAST "class", BAD_CAST cls);
	}
}

static char *text_excerpt(const char *text)
{
	while (*text == ' ' || *text == '\n' || *text == '\t')
		text++;
	/* About ten words, cut on a character boundary. */
	size_t limit = 80, n = 0, spaces = 0;
	while (n < limit && text[n] && spaces < 10) {
		if (text[n] == ' ')
			spaces++;
		n++;
	}
	while (n > 0 && (text[n] & 0xC0) == 0x80)
		n--;
	char *s = malloc(n + 4);
	if (!s)
		return NULL;
	memcpy(s, text, n);
	int more = text[n + strspn(text + n, " \n\t")] != '\0';
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t'))
		n--;
	strcpy(s + n, more ? "…" : "");
	/* Collapse line breaks in the excerpt. */
	for (char *p = s; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return s;
}

/* Counts the current section as changed, once. */
static void count_section(diff_state *st)
{
	if (st->section_index != st->counted_section) {
		st->counted_section = st->section_index;
		st->result->sections_changed++;
	}
}

/* Registers a change and returns its id (stored in the result). */
static const char *new_change(diff_state *st, pp_change_kind kind, const char *excerpt)
{
	pp_diff_result *r = st->result;
	pp_change *grown = realloc(r->changes, (r->change_count + 1) * sizeof *grown);
	if (!grown) {
		st->failed = 1;
		return NULL;
	}
	r->changes = grown;
	pp_change *c = &grown[r->change_count++];
	memset(c, 0, sizeof *c);
	snprintf(c->id, sizeof c->id, "change-%zu", r->change_count);
	c->kind = kind;
	c->section = st->section ? strdup(st->section) : NULL;
	c->excerpt = excerpt ? text_excerpt(excerpt) : NULL;
	count_section(st);
	return c->id;
}

/* A detached <del> or <ins>, with its screen-reader label. */
static xmlNodePtr new_mark(diff_state *st, int op, const char *id, int moved)
{
	xmlNodePtr mark = xmlNewDocNode(st->doc, NULL, BAD_CAST(op == OP_DELETE ? "del" : "ins"), NULL);
	if (!mark) {
		st->failed = 1;
		return NULL;
	}
	if (id)
		xmlSetProp(mark, BAD_CAST "id", BAD_CAST id);
	if (moved)
		xmlSetProp(mark, BAD_CAST "class", BAD_CAST "moved");
	const char *label = op == OP_DELETE ? st->opt->deleted_label : st->opt->inserted_label;
	if (label) {
		/* Screen readers do not announce <del>/<ins> by themselves. */
		xmlNodePtr sr = xmlNewDocNode(st->doc, NULL, BAD_CAST "span", NULL);
		xmlNodePtr text = xmlNewDocText(st->doc, BAD_CAST label);
		if (!sr || !text || !xmlAddChild(sr, text) || !xmlAddChild(mark, sr)) {
			st->failed = 1;
			return mark;
		}
		xmlSetProp(sr, BAD_CAST "class", BAD_CAST "sr-only");
	}
	return mark;
}

/* Wraps every run of inline content under el in a mark, so a block added or
 * removed whole reads as such; structure (lists, tables) stays valid. */
static void mark_block(diff_state *st, xmlNodePtr el, int op, const char **id, int moved)
{
	xmlNodePtr child = el->children;
	while (child && !st->failed) {
		if (pp_dom_is_block(child)) {
			mark_block(st, child, op, id, moved);
			child = child->next;
			continue;
		}
		if (is_blank_text(child)) {
			child = child->next;
			continue;
		}
		/* Gather this run of inline siblings into one mark. */
		xmlNodePtr mark = new_mark(st, op, *id, moved);
		if (!mark || !xmlAddPrevSibling(child, mark)) {
			st->failed = 1;
			return;
		}
		*id = NULL;
		while (child && !pp_dom_is_block(child)) {
			xmlNodePtr next = child->next;
			xmlUnlinkNode(child);
			xmlAddChild(mark, child);
			child = next;
		}
	}
}

static size_t count_words(diff_state *st, xmlNodePtr container, xmlNodePtr first, xmlNodePtr last)
{
	token_list t = {0};
	if (tokenize_range(st, container, first, last, &t) != 0)
		st->failed = 1;
	size_t words = t.words;
	tokens_free(&t);
	return words;
}

static char *range_text(xmlNodePtr container, xmlNodePtr first, xmlNodePtr last)
{
	xmlBufferPtr buf = xmlBufferCreate();
	if (!buf)
		return NULL;
	collect_range_text(container, first, last, buf);
	char *s = strdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	return s;
}

static void enter_section(diff_state *st, xmlNodePtr heading)
{
	xmlChar *text = xmlNodeGetContent(heading);
	free(st->section);
	st->section = text ? strdup((const char *)text) : NULL;
	xmlFree(text);
	st->section_index++;
}

static void strip_ids(xmlNodePtr node)
{
	for (; node; node = node->next) {
		if (node->type != XML_ELEMENT_NODE)
			continue;
		xmlUnsetProp(node, BAD_CAST "id");
		strip_ids(node->children);
	}
}

/* Copies an item (from either version) into out and marks it added,
 * removed or moved. */
static void emit_whole(diff_state *st, xmlNodePtr container, const item *it, int op, xmlNodePtr out)
{
	if (it->first == it->last && pp_dom_is_heading(it->first)) {
		enter_section(st, it->first);
		st->open_whole = -1; /* each section added or removed is its own change */
	}
	count_section(st);
	pp_change_kind kind = it->moved ? PP_CHANGE_MOVED : op == OP_DELETE ? PP_CHANGE_REMOVED : PP_CHANGE_ADDED;
	const char *id = NULL;
	/* Consecutive blocks added (or removed) together, such as a new section
	 * with its heading, are one change. */
	if (st->open_whole != (int)kind || kind == PP_CHANGE_MOVED) {
		char *text = range_text(container, it->first, it->last);
		id = new_change(st, kind, text);
		free(text);
		st->open_whole = (int)kind;
	}
	if (!it->moved) {
		size_t words = count_words(st, container, it->first, it->last);
		if (op == OP_DELETE)
			st->result->words_removed += words;
		else
			st->result->words_added += words;
	}
	/* Copy just the item's nodes (an inline run may be several). */
	xmlNodePtr copy = NULL, tail = NULL;
	for (xmlNodePtr n = it->first;; n = n->next) {
		xmlNodePtr c = xmlDocCopyNode(n, st->doc, 1);
		if (!c) {
			xmlFreeNodeList(copy);
			st->failed = 1;
			return;
		}
		if (tail) {
			tail->next = c;
			c->prev = tail;
		} else {
			copy = c;
		}
		tail = c;
		if (n == it->last)
			break;
	}
	if (it->inline_run) {
		xmlNodePtr mark = new_mark(st, op, id, it->moved);
		if (!mark || !xmlAddChild(out, mark))
			st->failed = 1;
		else
			xmlAddChildList(mark, copy);
		return;
	}
	xmlAddChild(out, copy);
	/* The newer text owns the ids (heading anchors): a removed copy keeping
	 * them would make two elements with one id. */
	if (op == OP_DELETE)
		strip_ids(copy);
	add_class(copy, op == OP_DELETE ? (it->moved ? "diff-moved-from" : "diff-removed")
	                                : (it->moved ? "diff-moved-to" : "diff-added"));
	mark_block(st, copy, op, &id, it->moved);
	if (id)
		xmlSetProp(copy, BAD_CAST "id", BAD_CAST id);
}

static void emit_equal(diff_state *st, const item *it, xmlNodePtr out)
{
	st->open_whole = -1;
	if (it->first == it->last && pp_dom_is_heading(it->first))
		enter_section(st, it->first);
	for (xmlNodePtr n = it->first;; n = n->next) {
		xmlNodePtr copy = xmlDocCopyNode(n, st->doc, 1);
		if (!copy || !xmlAddChild(out, copy)) {
			st->failed = 1;
			return;
		}
		if (n == it->last)
			break;
	}
}

/* Output of a word diff: keeps the inline elements of the source open while
 * consecutive tokens share them, so formatting is rebuilt around the marks. */
typedef struct {
	xmlNodePtr root;        /* where inline output goes */
	xmlNodePtr src_block;   /* the container the current token comes from */
	xmlNodePtr src_path[64];
	xmlNodePtr out_path[64];
	int depth;
	xmlNodePtr mark;        /* open <del>/<ins>, or NULL */
	int mark_op;
	/* Text of consecutive tokens bound for one place, added as one text node:
	 * appending word by word makes libxml2 merge and rescan, which is quadratic. */
	xmlBufferPtr pending;
	xmlNodePtr pending_parent;
	int last_op;
} word_writer;

static void writer_flush(diff_state *st, word_writer *w)
{
	if (!w->pending_parent || xmlBufferLength(w->pending) == 0)
		return;
	xmlNodePtr text = xmlNewDocTextLen(st->doc, xmlBufferContent(w->pending), xmlBufferLength(w->pending));
	if (!text || !xmlAddChild(w->pending_parent, text))
		st->failed = 1;
	xmlBufferEmpty(w->pending);
	w->pending_parent = NULL;
}

static void writer_emit(diff_state *st, word_writer *w, const token *tok, xmlNodePtr src_block,
                        int op, const char **id)
{
	/* Inline ancestors of the token inside its block, outermost first. */
	xmlNodePtr chain[64];
	int depth = 0;
	for (xmlNodePtr p = tok->node->type == XML_TEXT_NODE || is_atom(tok->node) ? tok->node->parent : tok->node;
	     p && p != src_block && depth < 64; p = p->parent)
		chain[depth++] = p;
	if (tok->node->type == XML_ELEMENT_NODE && depth > 0 && chain[0] == tok->node)
		memmove(chain, chain + 1, (size_t)--depth * sizeof *chain);
	for (int i = 0; i < depth / 2; i++) {
		xmlNodePtr t = chain[i];
		chain[i] = chain[depth - 1 - i];
		chain[depth - 1 - i] = t;
	}
	int common = 0;
	if (w->src_block == src_block)
		while (common < w->depth && common < depth && w->src_path[common] == chain[common])
			common++;
	if (common < w->depth || common < depth || op != w->last_op || !tok->text)
		writer_flush(st, w);
	w->last_op = op;
	if (common < w->depth) {
		w->mark = NULL;
	}
	w->depth = common;
	w->src_block = src_block;
	for (int i = common; i < depth; i++) {
		xmlNodePtr parent = i ? w->out_path[i - 1] : w->root;
		if (w->mark && i == common && w->depth == common)
			parent = w->mark; /* formatting opened inside a running mark */
		xmlNodePtr copy = xmlDocCopyNode(chain[i], st->doc, 2);
		if (!copy || !xmlAddChild(parent, copy)) {
			st->failed = 1;
			return;
		}
		w->src_path[i] = chain[i];
		w->out_path[i] = copy;
		w->depth = i + 1;
		if (parent != w->mark)
			w->mark = NULL;
	}
	xmlNodePtr parent = w->depth ? w->out_path[w->depth - 1] : w->root;
	if (op != OP_EQUAL) {
		if (!w->mark || w->mark_op != op || w->mark->parent != parent) {
			w->mark = new_mark(st, op, *id, 0);
			if (!w->mark || !xmlAddChild(parent, w->mark)) {
				st->failed = 1;
				return;
			}
			w->mark_op = op;
			*id = NULL;
		}
		parent = w->mark;
	} else {
		w->mark = NULL;
	}
	if (!parent)
		return;
	if (tok->text) {
		if (w->pending_parent && w->pending_parent != parent)
			writer_flush(st, w);
		w->pending_parent = parent;
		if (xmlBufferCat(w->pending, BAD_CAST tok->text) != 0)
			st->failed = 1;
		return;
	}
	xmlNodePtr node = xmlDocCopyNode(tok->node, st->doc, 1);
	if (!node || !xmlAddChild(parent, node))
		st->failed = 1;
}

enum { OP_REPLACE = 3 }; /* equal white space shown as removed and added */

/* Compares the inline content of two paired items word by word and writes
 * the newer one with marks into out. */
static void diff_words(diff_state *st, xmlNodePtr old_container, const item *old_it,
                       xmlNodePtr new_container, const item *new_it, xmlNodePtr out)
{
	token_list a = {0}, b = {0};
	uint64_t *ka = NULL, *kb = NULL;
	unsigned char *ops = NULL;
	size_t *at = NULL, *bt = NULL; /* token index in a / b at each op */
	if (tokenize_range(st, old_container, old_it->first, old_it->last, &a) != 0 ||
	    tokenize_range(st, new_container, new_it->first, new_it->last, &b) != 0)
		goto fail;
	ka = malloc((a.count + 1) * sizeof *ka);
	kb = malloc((b.count + 1) * sizeof *kb);
	if (!ka || !kb)
		goto fail;
	for (size_t i = 0; i < a.count; i++)
		ka[i] = a.items[i].key;
	for (size_t i = 0; i < b.count; i++)
		kb[i] = b.items[i].key;
	long count = diff_keys(ka, a.count, kb, b.count, &ops, &st->result->degraded);
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
	/* A block that kept under a third of its words reads better replaced whole. */
	size_t larger = a.words > b.words ? a.words : b.words;
	int replace_all = larger > 0 && kept * 10 < larger * 3;
	for (long i = 0; i < count; i++) {
		if (replace_all) {
			if (ops[i] == OP_EQUAL)
				ops[i] = OP_REPLACE;
			continue;
		}
		/* White space alone between two changes joins them into one. */
		if (ops[i] != OP_EQUAL || i == 0 || ops[i - 1] == OP_EQUAL)
			continue;
		long j = i;
		while (j < count && ops[j] == OP_EQUAL && a.items[at[j]].is_space)
			j++;
		if (j > i && j < count && ops[j] != OP_EQUAL)
			for (long k = i; k < j; k++)
				ops[k] = OP_REPLACE;
	}

	word_writer w = {.root = out, .pending = xmlBufferCreate(), .last_op = -1};
	if (!w.pending)
		goto fail;
	for (long i = 0; i < count && !st->failed;) {
		if (ops[i] == OP_EQUAL) {
			const char *none = NULL;
			writer_emit(st, &w, &b.items[bt[i]], new_container, OP_EQUAL, &none);
			i++;
			continue;
		}
		long j = i;
		while (j < count && ops[j] != OP_EQUAL)
			j++;
		/* White space that both sides end the change with stays outside it. */
		long last_del = -1, last_ins = -1;
		for (long k = i; k < j; k++) {
			if (ops[k] != OP_INSERT)
				last_del = k;
			if (ops[k] != OP_DELETE)
				last_ins = k;
		}
		const token *trailing_space = NULL;
		if (last_del >= 0 && last_ins >= 0 && a.items[at[last_del]].is_space &&
		    b.items[bt[last_ins]].is_space)
			trailing_space = &b.items[bt[last_ins]];
		/* Excerpt: the new words, or the removed ones for a pure deletion. */
		xmlBufferPtr ex = xmlBufferCreate();
		int any_insert = 0;
		for (long k = i; k < j; k++)
			any_insert |= ops[k] != OP_DELETE;
		for (long k = i; ex && k < j; k++) {
			const token *t = any_insert ? (ops[k] != OP_DELETE ? &b.items[bt[k]] : NULL)
			                            : &a.items[at[k]];
			if (t && t->text)
				xmlBufferCat(ex, BAD_CAST t->text);
		}
		const char *id = new_change(st, PP_CHANGE_CHANGED, ex ? (const char *)xmlBufferContent(ex) : NULL);
		if (ex)
			xmlBufferFree(ex);
		/* Every deletion of the region first, then every insertion. */
		for (long k = i; k < j; k++)
			if (ops[k] != OP_INSERT && !(trailing_space && k == last_del)) {
				st->result->words_removed += a.items[at[k]].is_word;
				writer_emit(st, &w, &a.items[at[k]], old_container, OP_DELETE, &id);
			}
		for (long k = i; k < j; k++)
			if (ops[k] != OP_DELETE && !(trailing_space && k == last_ins)) {
				st->result->words_added += b.items[bt[k]].is_word;
				writer_emit(st, &w, &b.items[bt[k]], new_container, OP_INSERT, &id);
			}
		if (trailing_space) {
			const char *none = NULL;
			writer_emit(st, &w, trailing_space, new_container, OP_EQUAL, &none);
		}
		i = j;
	}
	writer_flush(st, &w);
	xmlBufferFree(w.pending);
	goto done;
fail:
	st->failed = 1;
done:
	free(ops);
	free(at);
	free(bt);
	free(ka);
	free(kb);
	tokens_free(&a);
	tokens_free(&b);
}

static void diff_children(diff_state *st, xmlNodePtr old_el, xmlNodePtr new_el, xmlNodePtr out);

static void emit_pair(diff_state *st, xmlNodePtr old_container, const item *o,
                      xmlNodePtr new_container, const item *n, xmlNodePtr out)
{
	st->open_whole = -1;
	if (o->hash == n->hash) {
		emit_equal(st, n, out);
		return;
	}
	if (n->inline_run) {
		diff_words(st, old_container, o, new_container, n, out);
		return;
	}
	if (pp_dom_is_heading(n->first))
		enter_section(st, n->first);
	xmlNodePtr shell = xmlDocCopyNode(n->first, st->doc, 2);
	if (!shell || !xmlAddChild(out, shell)) {
		st->failed = 1;
		return;
	}
	if (holds_text(n->first) || name_is(n->first, "pre")) {
		item oi = {.first = o->first->children, .last = o->first->last, .inline_run = 1};
		item ni = {.first = n->first->children, .last = n->first->last, .inline_run = 1};
		if (name_is(n->first, "pre")) {
			/* <pre><code>: compare the code's text. */
			xmlNodePtr oc = o->first->children, nc = n->first->children;
			xmlNodePtr code = xmlDocCopyNode(nc, st->doc, 2);
			if (!code || !xmlAddChild(shell, code)) {
				st->failed = 1;
				return;
			}
			oi = (item){.first = oc ? oc->children : NULL, .last = oc ? oc->last : NULL, .inline_run = 1};
			ni = (item){.first = nc ? nc->children : NULL, .last = nc ? nc->last : NULL, .inline_run = 1};
			if (oi.first && ni.first)
				diff_words(st, oc, &oi, nc, &ni, code);
			return;
		}
		if (oi.first && ni.first)
			diff_words(st, o->first, &oi, n->first, &ni, shell);
		return;
	}
	diff_children(st, o->first, n->first, shell);
}

/* Pairs the removed and added items of one gap: the single pair when the gap
 * is one item on each side and of one kind, else the monotonic pairing with
 * the most word overlap among items at least half alike (small gaps only). */
static size_t pair_gap(item_list *olds, const size_t *gd, size_t nd, item_list *news,
                       const size_t *gi, size_t ni, size_t *pairs_d, size_t *pairs_i)
{
	if (nd == 1 && ni == 1)
		return same_kind(&olds->items[gd[0]], &news->items[gi[0]]) ? (pairs_d[0] = 0, pairs_i[0] = 0, 1) : 0;
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
			if (same_kind(a, b)) {
				double sim = similarity(a, b);
				if (sim >= 0.5 && S(i + 1, j + 1) + sim > best)
					best = S(i + 1, j + 1) + sim;
			}
			S(i, j) = best;
		}
	size_t count = 0, i = 0, j = 0;
	while (i < nd && j < ni) {
		item *a = &olds->items[gd[i]], *b = &news->items[gi[j]];
		double sim = same_kind(a, b) ? similarity(a, b) : 0;
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
	for (xmlNodePtr li = out_list->children; li; li = li->next) {
		xmlChar *cls = name_is(li, "li") ? xmlGetProp(li, BAD_CAST "class") : NULL;
		if (cls && (strstr((const char *)cls, "diff-removed") || strstr((const char *)cls, "diff-moved-from")))
			any_removed = 1;
		xmlFree(cls);
	}
	if (!any_removed)
		return;
	xmlChar *s = xmlGetProp(new_list, BAD_CAST "start");
	long next = s ? strtol((const char *)s, NULL, 10) : 1;
	xmlFree(s);
	s = xmlGetProp(old_list, BAD_CAST "start");
	long old_start = s ? strtol((const char *)s, NULL, 10) : 1;
	xmlFree(s);
	for (xmlNodePtr li = out_list->children; li; li = li->next) {
		if (!name_is(li, "li"))
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
		if (ops[i] == OP_INSERT && news->items[ib].word_count > 0)
			added[n_added++] = (hashed_index){news->items[ib].hash, (size_t)ib};
		ib += ops[i] != OP_DELETE;
	}
	qsort(added, n_added, sizeof *added, compare_hashed);
	for (long i = 0, ia = 0; i < count; i++) {
		if (ops[i] == OP_DELETE && olds->items[ia].word_count > 0) {
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
	if (!name_is(it->first, "li") || !out->last)
		return;
	char number[24];
	snprintf(number, sizeof number, "%zu", index);
	xmlSetProp(out->last, BAD_CAST "data-old-number", BAD_CAST number);
}

/* The items of container: from its index when it has one (borrowed, with
 * the marks of an earlier comparison cleared), else fingerprinted now. */
static int items_for(diff_state *st, const pp_diff_index *index, xmlNodePtr container, item_list *out,
                     int *borrowed)
{
	*borrowed = index && index->root == container;
	if (!*borrowed)
		return items_of(st, container, out);
	*out = index->items;
	for (size_t i = 0; i < out->count; i++)
		out->items[i].moved = 0;
	return 0;
}

static void diff_children(diff_state *st, xmlNodePtr old_el, xmlNodePtr new_el, xmlNodePtr out)
{
	item_list olds = {0}, news = {0};
	int olds_borrowed = 0, news_borrowed = 0;
	uint64_t *ka = NULL, *kb = NULL;
	unsigned char *ops = NULL;
	size_t *gd = NULL, *gi = NULL, *pd = NULL, *pi = NULL;
	if (items_for(st, st->old_index, old_el, &olds, &olds_borrowed) != 0 ||
	    items_for(st, st->new_index, new_el, &news, &news_borrowed) != 0)
		goto fail;
	ka = malloc((olds.count + 1) * sizeof *ka);
	kb = malloc((news.count + 1) * sizeof *kb);
	gd = malloc((olds.count + 1) * sizeof *gd);
	gi = malloc((news.count + 1) * sizeof *gi);
	pd = malloc((olds.count + 1) * sizeof *pd);
	pi = malloc((news.count + 1) * sizeof *pi);
	if (!ka || !kb || !gd || !gi || !pd || !pi)
		goto fail;
	for (size_t i = 0; i < olds.count; i++)
		ka[i] = olds.items[i].hash;
	for (size_t i = 0; i < news.count; i++)
		kb[i] = news.items[i].hash;
	long count = diff_keys(ka, olds.count, kb, news.count, &ops, &st->result->degraded);
	if (count < 0)
		goto fail;

	if (mark_moves(&olds, &news, ops, count) != 0)
		goto fail;

	size_t ia = 0, ib = 0;
	for (long i = 0; i < count && !st->failed;) {
		if (ops[i] == OP_EQUAL) {
			emit_equal(st, &news.items[ib], out);
			ia++;
			ib++;
			i++;
			continue;
		}
		/* A gap: moved items first, where they stand, then the rest paired. */
		size_t nd = 0, ni = 0;
		for (; i < count && ops[i] != OP_EQUAL; i++) {
			if (ops[i] == OP_DELETE) {
				if (olds.items[ia].moved) {
					emit_whole(st, old_el, &olds.items[ia], OP_DELETE, out);
					remember_old_number(out, &olds.items[ia], ia);
				} else
					gd[nd++] = ia;
				ia++;
			} else {
				if (news.items[ib].moved)
					emit_whole(st, new_el, &news.items[ib], OP_INSERT, out);
				else
					gi[ni++] = ib;
				ib++;
			}
		}
		size_t pairs = pair_gap(&olds, gd, nd, &news, gi, ni, pd, pi);
		size_t d = 0, k = 0;
		for (size_t p = 0; p <= pairs && !st->failed; p++) {
			size_t stop_d = p < pairs ? pd[p] : nd, stop_i = p < pairs ? pi[p] : ni;
			for (; d < stop_d; d++) {
				emit_whole(st, old_el, &olds.items[gd[d]], OP_DELETE, out);
				remember_old_number(out, &olds.items[gd[d]], gd[d]);
			}
			for (; k < stop_i; k++)
				emit_whole(st, new_el, &news.items[gi[k]], OP_INSERT, out);
			if (p < pairs) {
				emit_pair(st, old_el, &olds.items[gd[d]], new_el, &news.items[gi[k]], out);
				d++;
				k++;
			}
		}
	}
	if (name_is(new_el, "ol"))
		renumber_list(out, old_el, new_el);
	goto done;
fail:
	st->failed = 1;
done:
	free(ops);
	free(ka);
	free(kb);
	free(gd);
	free(gi);
	free(pd);
	free(pi);
	if (!olds_borrowed)
		items_free(&olds);
	if (!news_borrowed)
		items_free(&news);
}

/* ---- entry points --------------------------------------------------------- */

pp_diff_index *pp_diff_index_new(xmlNodePtr root, const pp_diff_options *options)
{
	pp_diff_index *index = calloc(1, sizeof *index);
	diff_state st = {.opt = options};
	if (!index)
		return NULL;
	index->root = root;
	if (items_of(&st, root, &index->items) != 0) {
		pp_diff_index_free(index);
		return NULL;
	}
	return index;
}

void pp_diff_index_free(pp_diff_index *index)
{
	if (!index)
		return;
	items_free(&index->items);
	free(index);
}

int pp_diff_dom_indexed(xmlNodePtr old_root, pp_diff_index *old_index, xmlNodePtr new_root,
                        pp_diff_index *new_index, xmlNodePtr out, const pp_diff_options *options,
                        pp_diff_result *result)
{
	memset(result, 0, sizeof *result);
	UErrorCode status = U_ZERO_ERROR;
	diff_state st = {.opt = options, .doc = out->doc, .result = result, .section_index = -1,
	                 .counted_section = -2, .open_whole = -1, .old_index = old_index,
	                 .new_index = new_index};
	st.words = ubrk_open(UBRK_WORD, options->locale ? options->locale : "", NULL, 0, &status);
	if (U_FAILURE(status))
		return -1;
	diff_children(&st, old_root, new_root, out);
	ubrk_close(st.words);
	free(st.section);
	return st.failed ? -1 : 0;
}

int pp_diff_dom(xmlNodePtr old_root, xmlNodePtr new_root, xmlNodePtr out,
                const pp_diff_options *options, pp_diff_result *result)
{
	return pp_diff_dom_indexed(old_root, NULL, new_root, NULL, out, options, result);
}

void pp_diff_result_free(pp_diff_result *result)
{
	for (size_t i = 0; i < result->change_count; i++) {
		free(result->changes[i].section);
		free(result->changes[i].excerpt);
	}
	free(result->changes);
	memset(result, 0, sizeof *result);
}

/* ---- plain text ------------------------------------------------------------ */

typedef struct {
	xmlBufferPtr buf;
	int colour;
	int pending_blank; /* a block ended: separate what follows by a blank line */
	int item_start;    /* just wrote a list marker: the item's first block follows it */
} text_writer;

static void text_put(text_writer *tw, const char *s)
{
	if (tw->pending_blank && xmlBufferLength(tw->buf) > 0)
		xmlBufferCat(tw->buf, BAD_CAST "\n\n");
	tw->pending_blank = 0;
	tw->item_start = 0;
	xmlBufferCat(tw->buf, BAD_CAST s);
}

static long list_number(xmlNodePtr li)
{
	xmlChar *value = xmlGetProp(li, BAD_CAST "value");
	long number = 1;
	if (value) {
		number = strtol((const char *)value, NULL, 10);
	} else {
		xmlChar *start = xmlGetProp(li->parent, BAD_CAST "start");
		number = start ? strtol((const char *)start, NULL, 10) : 1;
		xmlFree(start);
		for (xmlNodePtr p = li->prev; p; p = p->prev)
			number += name_is(p, "li");
	}
	xmlFree(value);
	return number;
}

/* depth: how many lists enclose node, for indenting items. */
static void text_node(text_writer *tw, xmlNodePtr node, int depth)
{
	for (xmlNodePtr n = node->children; n; n = n->next) {
		if (n->type == XML_TEXT_NODE) {
			if (!is_blank_text(n) || !pp_dom_is_block(node))
				text_put(tw, (const char *)n->content);
			continue;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		xmlChar *cls = xmlGetProp(n, BAD_CAST "class");
		int sr_only = cls && strstr((const char *)cls, "sr-only");
		xmlFree(cls);
		if (sr_only)
			continue;
		int is_list = name_is(n, "ul") || name_is(n, "ol");
		int in_table = name_is(n, "td") || name_is(n, "th") || name_is(n, "tr") ||
		               name_is(n, "thead") || name_is(n, "tbody");
		if (pp_dom_is_block(n) && !in_table && !tw->item_start)
			tw->pending_blank = 1;
		char prefix[64] = "";
		if (pp_dom_is_heading(n)) {
			int level = n->name[1] - '0';
			memset(prefix, '#', (size_t)level);
			prefix[level] = ' ';
			prefix[level + 1] = '\0';
		} else if (name_is(n, "li")) {
			int indent = depth > 0 ? (depth - 1) * 3 : 0;
			if (name_is(n->parent, "ol"))
				snprintf(prefix, sizeof prefix, "%*s%ld. ", indent, "", list_number(n));
			else
				snprintf(prefix, sizeof prefix, "%*s- ", indent, "");
		} else if (name_is(n, "td") || name_is(n, "th")) {
			strcpy(prefix, n->prev ? " | " : "| ");
		} else if (name_is(n, "tr") || name_is(n, "br")) {
			strcpy(prefix, "\n");
		} else if (name_is(n, "hr")) {
			strcpy(prefix, "***");
		}
		if (*prefix)
			text_put(tw, prefix);
		if (name_is(n, "li"))
			tw->item_start = 1;
		int del = name_is(n, "del"), ins = name_is(n, "ins");
		if (del)
			text_put(tw, tw->colour ? "\033[31;9m[-" : "[-");
		if (ins)
			text_put(tw, tw->colour ? "\033[32;4m{+" : "{+");
		text_node(tw, n, depth + is_list);
		if (del)
			text_put(tw, tw->colour ? "-]\033[0m" : "-]");
		if (ins)
			text_put(tw, tw->colour ? "+}\033[0m" : "+}");
		tw->item_start = 0;
	}
}

char *pp_diff_to_text(xmlNodePtr out, int colour)
{
	text_writer tw = {xmlBufferCreate(), colour, 0, 0};
	if (!tw.buf)
		return NULL;
	text_node(&tw, out, 0);
	xmlBufferCat(tw.buf, BAD_CAST "\n");
	char *s = strdup((const char *)xmlBufferContent(tw.buf));
	xmlBufferFree(tw.buf);
	return s;
}
