/* The canonical form of rendered text, and the fidelity check built on it.
 *
 * The canonical form of a range of DOM is what a reader gets from it: its
 * blocks, and inside each block its characters, each with the chain of
 * inline elements around it (names and attributes, id aside), white space
 * collapsed as HTML collapses it (outside <pre>), adjacent elements with
 * the same attributes read as one (<em>a </em><em>b</em> reads as <em>a b</em>),
 * atoms (images, line breaks) with their attributes. Text counts as the
 * comparison counts it: tatweel, and diacritics on request, are left out.
 *
 * It serves twice: hashed, it is a block's fingerprint, so two blocks that a
 * reader can tell apart (a word, a link target, emphasis) never align as
 * equal; exact, with every context interned, it checks that either side of
 * a marked output reads as that version (pp_diff_reads_as). The walk is
 * iterative: nesting depth costs heap, not stack.
 */
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "diff_internal.h"
#include "dom.h"
#include "fsutil.h"
#include "html.h"
#include "markdown.h"

int pp_diff_ignored(const pp_diff_options *opt, UChar32 c)
{
	return c == 0x0640 || (opt->ignore_diacritics && u_charType(c) == U_NON_SPACING_MARK);
}

int pp_diff_is_atom(xmlNodePtr el)
{
	return pp_diff_name_is(el, "br") || pp_diff_name_is(el, "img") || pp_diff_name_is(el, "wbr");
}

/* Read in place (the walks ask it of every mark and span they pass), as
 * xmlGetProp would find it: the first attribute of that name. */
static int has_class(xmlNodePtr el, const char *cls)
{
	xmlChar *owned;
	const xmlChar *value = el->properties ? pp_dom_attribute(el, "class", &owned) : NULL;
	if (!value)
		return 0;
	/* The diff's own marks and labels carry just the class asked for. */
	if (!owned && strcmp((const char *)value, cls) == 0)
		return 1;
	int found = 0;
	size_t n = strlen(cls);
	for (const char *p = (const char *)value; p && *p && !found;) {
		p += strspn(p, " \t\n");
		size_t len = strcspn(p, " \t\n");
		found = len == n && memcmp(p, cls, n) == 0;
		p += len;
	}
	xmlFree(owned);
	return found;
}

int pp_diff_is_mark(xmlNodePtr el)
{
	return (pp_diff_name_is(el, "del") || pp_diff_name_is(el, "ins")) && has_class(el, "diff-mark");
}

int pp_diff_block_side(xmlNodePtr el)
{
	/* Asked of every block both checks pass: the class read once, its
	 * words compared in one pass. */
	xmlChar *owned;
	const xmlChar *value = el->properties ? pp_dom_attribute(el, "class", &owned) : NULL;
	if (!value)
		return OP_EQUAL;
	int removed = 0, added = 0;
	for (const char *p = (const char *)value; *p;) {
		p += strspn(p, " \t\n");
		size_t len = strcspn(p, " \t\n");
		if ((len == 12 && memcmp(p, "diff-removed", 12) == 0) || (len == 15 && memcmp(p, "diff-moved-from", 15) == 0))
			removed = 1;
		else if ((len == 10 && memcmp(p, "diff-added", 10) == 0) || (len == 13 && memcmp(p, "diff-moved-to", 13) == 0))
			added = 1;
		p += len;
	}
	xmlFree(owned);
	return removed ? OP_DELETE : added ? OP_INSERT : OP_EQUAL;
}

int pp_diff_is_label(xmlNodePtr el)
{
	return pp_diff_name_is(el, "span") && el->parent && pp_diff_is_mark(el->parent) &&
	       has_class(el, "sr-only");
}

static int counts_as_attribute(xmlAttrPtr a)
{
	/* An id is an anchor, not something read; the diff strips it from the
	 * older side's copies so the page keeps one element per id. */
	return xmlStrcmp(a->name, BAD_CAST "id") != 0;
}

static uint64_t attribute_hash(xmlAttrPtr a)
{
	uint64_t h = pp_hash_bytes(HASH_INIT, a->name, (size_t)xmlStrlen(a->name) + 1);
	for (xmlNodePtr v = a->children; v; v = v->next)
		if (v->content)
			h = pp_hash_bytes(h, v->content, (size_t)xmlStrlen(v->content));
	return h * HASH_PRIME;
}

uint64_t pp_diff_signature(xmlNodePtr el)
{
	uint64_t h = pp_hash_bytes(HASH_INIT, el->name, (size_t)xmlStrlen(el->name) + 1);
	uint64_t attributes = 0;
	/* Summed, so the order the attributes were written in does not count. */
	for (xmlAttrPtr a = el->properties; a; a = a->next)
		if (counts_as_attribute(a))
			attributes += attribute_hash(a);
	return (h ^ attributes) * HASH_PRIME;
}

static int attribute_in(xmlAttrPtr a, xmlNodePtr el)
{
	for (xmlAttrPtr b = el->properties; b; b = b->next) {
		if (xmlStrcmp(a->name, b->name) != 0)
			continue;
		xmlChar *x = xmlNodeGetContent((xmlNodePtr)a), *y = xmlNodeGetContent((xmlNodePtr)b);
		int same = xmlStrcmp(x, y) == 0;
		xmlFree(x);
		xmlFree(y);
		return same;
	}
	return 0;
}

int pp_diff_same_signature(xmlNodePtr a, xmlNodePtr b)
{
	if (xmlStrcmp(a->name, b->name) != 0)
		return 0;
	size_t na = 0, nb = 0;
	for (xmlAttrPtr p = a->properties; p; p = p->next)
		if (counts_as_attribute(p)) {
			na++;
			if (!attribute_in(p, b))
				return 0;
		}
	for (xmlAttrPtr p = b->properties; p; p = p->next)
		nb += (size_t)counts_as_attribute(p);
	return na == nb;
}

/* ---- exact contexts ---------------------------------------------------------- */

/* Interned contexts: (parent context, element's name and sorted attributes)
 * to a number, so two walks sharing a table give equal numbers exactly to
 * equal chains, with no hash collision to hide a difference. */
typedef struct {
	uint64_t parent, id;
	char *key;
	size_t key_len;
	uint64_t hash;
} ctx_slot;

typedef struct {
	ctx_slot *slots;
	size_t cap, count;
} ctx_table;

static void ctx_table_free(ctx_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i].key);
	free(t->slots);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "name\0attr=value\0attr=value\0" with attributes sorted. */
static char *signature_key(xmlNodePtr el, size_t *len_out)
{
	size_t count = 0;
	for (xmlAttrPtr a = el->properties; a; a = a->next)
		count += (size_t)counts_as_attribute(a);
	char **parts = calloc(count + 1, sizeof *parts);
	if (!parts)
		return NULL;
	size_t n = 0, total = (size_t)xmlStrlen(el->name) + 1;
	int failed = 0;
	for (xmlAttrPtr a = el->properties; a && !failed; a = a->next) {
		if (!counts_as_attribute(a))
			continue;
		xmlChar *value = xmlNodeGetContent((xmlNodePtr)a);
		parts[n] = pp_strdup_printf("%s=%s", (const char *)a->name, value ? (const char *)value : "");
		xmlFree(value);
		if (!parts[n])
			failed = 1;
		else
			total += strlen(parts[n++]) + 1;
	}
	char *key = failed ? NULL : malloc(total);
	if (key) {
		qsort(parts, n, sizeof *parts, compare_strings);
		size_t pos = (size_t)xmlStrlen(el->name) + 1;
		memcpy(key, el->name, pos);
		for (size_t i = 0; i < n; i++) {
			size_t l = strlen(parts[i]) + 1;
			memcpy(key + pos, parts[i], l);
			pos += l;
		}
		*len_out = total;
	}
	for (size_t i = 0; i < n; i++)
		free(parts[i]);
	free(parts);
	return key;
}

/* The number of el's context under parent; 0 when out of memory. */
static uint64_t ctx_intern(ctx_table *t, uint64_t parent, xmlNodePtr el)
{
	if (t->count * 2 >= t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		ctx_slot *slots = calloc(cap, sizeof *slots);
		if (!slots)
			return 0;
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->slots[i].key)
				continue;
			size_t j = t->slots[i].hash & (cap - 1);
			while (slots[j].key)
				j = (j + 1) & (cap - 1);
			slots[j] = t->slots[i];
		}
		free(t->slots);
		t->slots = slots;
		t->cap = cap;
	}
	/* Most inline elements (em, strong, code, isolating spans) have no
	 * attribute that counts, and a link one: their key is made here, with
	 * no allocation, as signature_key makes it. */
	size_t counted = 0;
	xmlAttrPtr only = NULL;
	for (xmlAttrPtr a = el->properties; a && counted < 2; a = a->next)
		if (counts_as_attribute(a)) {
			counted++;
			only = a;
		}
	char small[256];
	size_t len = (size_t)xmlStrlen(el->name) + 1;
	char *key = NULL;
	if (counted == 0 && len <= sizeof small) {
		key = memcpy(small, el->name, len);
	} else if (counted == 1 && only->children && !only->children->next && only->children->type == XML_TEXT_NODE &&
	           only->children->content) {
		size_t name_len = (size_t)xmlStrlen(only->name), value_len = (size_t)xmlStrlen(only->children->content);
		if (len + name_len + value_len + 2 <= sizeof small) {
			memcpy(small, el->name, len);
			memcpy(small + len, only->name, name_len);
			small[len + name_len] = '=';
			memcpy(small + len + name_len + 1, only->children->content, value_len + 1);
			len += name_len + value_len + 2;
			key = small;
		}
	}
	if (!key && !(key = signature_key(el, &len)))
		return 0;
	uint64_t h = pp_hash_bytes(parent * HASH_PRIME, key, len);
	size_t j = h & (t->cap - 1);
	for (; t->slots[j].key; j = (j + 1) & (t->cap - 1)) {
		ctx_slot *s = &t->slots[j];
		if (s->hash == h && s->parent == parent && s->key_len == len && memcmp(s->key, key, len) == 0) {
			if (key != small)
				free(key);
			return s->id;
		}
	}
	if (key == small) {
		if (!(key = malloc(len)))
			return 0;
		memcpy(key, small, len);
	}
	t->slots[j] = (ctx_slot){parent, ++t->count, key, len, h};
	return t->slots[j].id;
}

/* ---- the walk ------------------------------------------------------------------ */

typedef struct {
	uint64_t ctx;
	xmlNodePtr node;
	unsigned char block, pre;
	size_t record;      /* its block's record plus one, or 0 */
	size_t words_before; /* words counted before its content */
} level;

/* Where a top-level block's bytes lie in a form. */
typedef struct {
	xmlNodePtr node;
	size_t start, len;
} segment;

typedef struct {
	const pp_diff_options *opt;
	int side;
	ctx_table *table; /* exact contexts; NULL: hashed */
	uint64_t hash;
	char *buf;        /* exact form, when table is set */
	size_t len, cap;
	pp_diff_fingerprint *fp; /* words counted */
	size_t max_words;        /* words whose hashes are kept */
	int words_only, stopped; /* stop once max_words are kept */
	size_t words_cap;
	uint64_t word;
	int in_word;
	int at_start;     /* nothing visible yet in this stretch of a block */
	int pending_space;
	uint64_t pending_ctx, written_ctx;
	int has_ctx;      /* written_ctx is set: a block boundary forgets it */
	int pre;
	int failed;
	/* Compared as written against a form made before, instead of kept. */
	const char *expect;
	size_t expect_len;
	int differs;
	/* Top-level blocks' segments, recorded when wanted. */
	int segments_wanted;
	segment *segments;
	size_t segment_count, segment_cap;
	/* Every block's bytes outside inline elements and <pre>, when wanted
	 * (then fp counts words into word_counter, none kept). */
	int blocks_wanted;
	pp_diff_block_bytes *blocks;
	size_t block_count, block_cap;
	pp_diff_fingerprint word_counter;
} canon;

static void put(canon *c, const void *data, size_t len)
{
	if (!c->table) {
		c->hash = pp_hash_bytes(c->hash, data, len);
		return;
	}
	if (c->expect) {
		if (!c->differs && (c->len + len > c->expect_len || memcmp(c->expect + c->len, data, len) != 0))
			c->differs = 1;
		c->len += len;
		return;
	}
	if (c->failed)
		return;
	if (c->len + len > c->cap) {
		size_t cap = c->cap ? c->cap : 256;
		while (cap < c->len + len)
			cap *= 2;
		char *grown = realloc(c->buf, cap);
		if (!grown) {
			c->failed = 1;
			return;
		}
		c->buf = grown;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, data, len);
	c->len += len;
}

static void put_tag(canon *c, unsigned char tag, uint64_t value)
{
	unsigned char bytes[9] = {tag};
	memcpy(bytes + 1, &value, sizeof value);
	put(c, bytes, sizeof bytes);
}

static void end_word(canon *c)
{
	if (c->fp && c->in_word && !c->failed) {
		c->fp->word_total++;
		if (c->fp->word_count >= c->max_words)
			c->stopped = c->words_only;
		else if (pp_grow(&c->fp->words, &c->words_cap, c->fp->word_count, sizeof *c->fp->words, 16) != 0)
			c->failed = 1;
		else
			c->fp->words[c->fp->word_count++] = c->word;
	}
	c->in_word = 0;
	c->word = HASH_INIT;
}

static void use_context(canon *c, uint64_t ctx)
{
	if (!c->has_ctx || ctx != c->written_ctx) {
		c->has_ctx = 1;
		put_tag(c, 3, ctx);
		c->written_ctx = ctx;
	}
}

/* Attributes of a block that change what a reader sees: list numbering,
 * table spans and alignment. (Direction and the diff's own classes follow
 * from the text; list item values are the diff's own numbering.) */
static const char *const shown_block_attributes[] = {"start", "reversed", "type", "colspan", "rowspan", "align"};

int pp_diff_same_block_attributes(xmlNodePtr a, xmlNodePtr b)
{
	int same = 1;
	for (size_t i = 0; same && i < sizeof shown_block_attributes / sizeof *shown_block_attributes; i++) {
		xmlChar *owned_x, *owned_y;
		const xmlChar *x = pp_dom_attribute(a, shown_block_attributes[i], &owned_x);
		const xmlChar *y = pp_dom_attribute(b, shown_block_attributes[i], &owned_y);
		same = xmlStrcmp(x, y) == 0;
		xmlFree(owned_x);
		xmlFree(owned_y);
	}
	return same;
}

static void boundary(canon *c, unsigned char tag, xmlNodePtr block)
{
	end_word(c);
	c->pending_space = 0;
	c->at_start = 1;
	c->has_ctx = 0; /* so the bytes of a block depend on nothing before it */
	put(c, &tag, 1);
	if (!block)
		return;
	put(c, block->name, (size_t)xmlStrlen(block->name) + 1);
	for (size_t i = 0; block->properties && i < sizeof shown_block_attributes / sizeof *shown_block_attributes; i++) {
		xmlChar *owned;
		const xmlChar *value = pp_dom_attribute(block, shown_block_attributes[i], &owned);
		if (value) {
			put(c, shown_block_attributes[i], strlen(shown_block_attributes[i]) + 1);
			put(c, value, (size_t)xmlStrlen(value) + 1);
		}
		xmlFree(owned);
	}
}

/* Before the first visible character of a run: the space it follows, if
 * any, and the context it is in. */
static void start_visible(canon *c, uint64_t ctx)
{
	if (c->pending_space) {
		use_context(c, c->pending_ctx);
		put(c, " ", 1);
		c->pending_space = 0;
	}
	use_context(c, ctx);
	c->at_start = 0;
}

static void add_to_word(canon *c, UChar32 ch)
{
	if (c->fp) {
		c->in_word = 1;
		c->word = (c->word ^ (uint64_t)(uint32_t)ch) * HASH_PRIME;
	}
}

/* The end of a run of shown bytes from i: the first byte at or below the
 * space, or tatweel's D9 80, or n (the terminating NUL). Eight bytes at a
 * time where the machine reads them little-endian: in Arabic text every
 * other letter starts with D9, which costs a byte-by-byte loop a branch it
 * cannot predict. Every mask below is exact per byte (no carry crosses a
 * byte), so the lowest bit set is the first byte that ends the run. */
static size_t shown_run_end(const uint8_t *s, size_t i, size_t n)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101u, lows = 0x7F7F7F7F7F7F7F7Fu, highs = 0x8080808080808080u;
	/* s[n] is the NUL, so the second load (from i + 1) stays inside too. */
	while (i + 8 <= n) {
		uint64_t here, next;
		memcpy(&here, s + i, 8);
		memcpy(&next, s + i + 1, 8);
		/* below 0x21: the low seven bits plus 0x5F stay under 0x80, and the
		 * byte's own high bit is clear */
		uint64_t low = ~(((here & lows) + ones * 0x5F) | here) & highs;
		uint64_t d9 = here ^ ones * 0xD9, x80 = next ^ ones * 0x80;
		uint64_t pair = ~(((d9 & lows) + lows) | d9) & ~(((x80 & lows) + lows) | x80) & highs;
		uint64_t stop = low | pair;
		if (stop)
			return i + (size_t)__builtin_ctzll(stop) / 8;
		i += 8;
	}
#else
	(void)n;
#endif
	while (s[i] > ' ' && !(s[i] == 0xD9 && s[i + 1] == 0x80))
		i++;
	return i;
}

/* Text in context ctx. Visible characters are copied in runs; white space
 * collapses outside <pre>; what comparisons ignore is left out; bytes that
 * tag events are escaped, so no text can pass for one. */
/* The same, byte by byte, when no code point beyond tatweel is ignored:
 * the only bytes that matter are ASCII white space, the tag bytes below 6
 * and tatweel's D9 80 (UTF-8 never has these inside another character). */
static void text_bytes(canon *c, const uint8_t *s, uint64_t ctx)
{
	size_t i = 0, n = strlen((const char *)s);
	for (;;) {
		/* A run of bytes shown as they are: everything above the space
		 * but tatweel (D9 80; other characters starting D9 are letters). */
		size_t run = i;
		for (;;) {
			size_t word_start = i;
			if (c->fp && c->max_words) {
				/* The run's end first: the hash's loop then has no branch
				 * to mispredict. */
				size_t end = shown_run_end(s, i, n);
				uint64_t word = c->word;
				for (; i < end; i++)
					word = (word ^ s[i]) * HASH_PRIME;
				c->word = word;
				c->in_word |= i > word_start;
			} else {
				/* Words counted, none kept: no word needs its hash. */
				i = shown_run_end(s, i, n);
				if (c->fp)
					c->in_word |= i > word_start;
			}
			/* One space between two shown characters, outside <pre>, is
			 * written as itself: collapsing it would write the same byte in
			 * the same context. The run goes on through it, so text costs
			 * a copy per run of words, not per word. */
			if (c->pre || i == run || s[i] != ' ' || s[i + 1] <= ' ' || (s[i + 1] == 0xD9 && s[i + 2] == 0x80))
				break;
			end_word(c);
			i++;
		}
		if (i > run) {
			start_visible(c, ctx);
			put(c, s + run, i - run);
		}
		uint8_t b = s[i];
		if (!b)
			return;
		if (b == 0xD9) { /* tatweel */
			i += 2;
		} else if (pp_diff_is_collapsible(b) && c->pre) {
			end_word(c);
			start_visible(c, ctx);
			put(c, s + i++, 1);
		} else if (pp_diff_is_collapsible(b)) {
			end_word(c);
			if (!c->at_start && !c->pending_space) {
				c->pending_space = 1;
				c->pending_ctx = ctx;
			}
			i++;
		} else { /* other control characters are text; those that tag events escaped */
			start_visible(c, ctx);
			if (b < 6)
				put(c, "\005", 1);
			put(c, s + i++, 1);
			add_to_word(c, b);
		}
	}
}

static void text(canon *c, const xmlChar *content, uint64_t ctx)
{
	if (!c->opt->ignore_diacritics) {
		text_bytes(c, content, ctx);
		return;
	}
	const uint8_t *s = content;
	int32_t n = (int32_t)strlen((const char *)s), i = 0, run = -1;
	while (i < n) {
		int32_t start = i;
		UChar32 ch = s[i];
		if (ch < 0x80)
			i++;
		else
			U8_NEXT(s, i, n, ch);
		if (ch < 0)
			ch = 0xFFFD;
		int space = ch < 0x80 && pp_diff_is_collapsible(ch);
		int verbatim = !space || c->pre;
		if (verbatim && ch >= 6 && !(ch >= 0x300 && pp_diff_ignored(c->opt, ch))) {
			if (run < 0) {
				start_visible(c, ctx);
				run = start;
			}
			if (space)
				end_word(c);
			else
				add_to_word(c, ch);
			continue;
		}
		if (run >= 0) {
			put(c, s + run, (size_t)(start - run));
			run = -1;
		}
		if (space) { /* collapsed: one space, written before what follows */
			end_word(c);
			if (!c->at_start && !c->pending_space) {
				c->pending_space = 1;
				c->pending_ctx = ctx;
			}
		} else if (ch < 6) {
			start_visible(c, ctx);
			put(c, "\005", 1);
			put(c, s + start, 1);
			add_to_word(c, ch);
		}
		/* else: ignored (tatweel, diacritics on request) */
	}
	if (run >= 0)
		put(c, s + run, (size_t)(n - run));
}

static void atom(canon *c, xmlNodePtr el, uint64_t ctx)
{
	end_word(c);
	int line_break = pp_diff_name_is(el, "br");
	if (line_break)
		c->pending_space = 0; /* white space at the end of a line is not shown */
	else if (c->pending_space) {
		use_context(c, c->pending_ctx);
		put(c, " ", 1);
		c->pending_space = 0;
	}
	use_context(c, ctx);
	uint64_t value = c->table ? ctx_intern(c->table, UINT64_MAX, el) : pp_diff_signature(el);
	if (c->table && value == 0)
		c->failed = 1;
	put_tag(c, 4, value);
	c->at_start = line_break;
	if (c->fp) {
		c->in_word = 1;
		c->word = pp_hash_bytes(HASH_INIT, el->name, (size_t)xmlStrlen(el->name));
		end_word(c);
	}
}

int pp_diff_shows(xmlNodePtr el, int side)
{
	if (side == SIDE_SOURCE || el->type != XML_ELEMENT_NODE)
		return 1;
	int hidden_op = side == SIDE_OLD ? OP_INSERT : OP_DELETE;
	/* Marks are <del> and <ins>, labels <span>: other names pass by. */
	char first = (char)el->name[0];
	if ((first == 'd' || first == 'i') && pp_diff_is_mark(el))
		return pp_diff_name_is(el, hidden_op == OP_INSERT ? "ins" : "del") ? 0 : 2;
	if (first == 's' && pp_diff_is_label(el))
		return 0;
	if (pp_dom_is_block(el) && pp_diff_block_side(el) == hidden_op)
		return 0;
	return 1;
}

/* After an element's content: the end of its block, its context left. */
static void leave(canon *c, const level *l, uint64_t *ctx)
{
	if (l->block)
		boundary(c, 2, NULL);
	if (l->record) {
		pp_diff_block_bytes *b = &c->blocks[l->record - 1];
		b->len = c->len - b->start;
		b->has_words = c->fp->word_total > l->words_before;
	}
	if (c->segments_wanted && c->segment_count && c->segments[c->segment_count - 1].node == l->node)
		c->segments[c->segment_count - 1].len = c->len - c->segments[c->segment_count - 1].start;
	c->pre -= l->pre;
	*ctx = l->ctx;
}

static int walk(canon *c, xmlNodePtr first, xmlNodePtr last)
{
	level *levels = NULL;
	size_t depth = 0, cap = 0;
	uint64_t ctx = 0;
	for (xmlNodePtr node = first; node && !c->failed && !c->stopped;) {
		int entered = 0;
		if (node->type == XML_TEXT_NODE && node->content) {
			text(c, node->content, ctx);
		} else if (node->type == XML_ELEMENT_NODE) {
			int how = pp_diff_shows(node, c->side);
			int block = how == 1 && pp_dom_is_block(node);
			if (how == 1 && !block && pp_diff_is_atom(node)) {
				atom(c, node, ctx);
			} else if (how == 1 && !block && !node->children) {
				/* An empty element (an anchor) shows nothing. */
			} else if (how) {
				if (pp_grow(&levels, &cap, depth, sizeof *levels, 16) != 0) {
					c->failed = 1;
					break;
				}
				if (depth == 0 && block && c->segments_wanted) {
					if (pp_grow(&c->segments, &c->segment_cap, c->segment_count, sizeof *c->segments, 16) != 0) {
						c->failed = 1;
						break;
					}
					c->segments[c->segment_count++] = (segment){node, c->len, 0};
				}
				level *l = &levels[depth++];
				l->ctx = ctx;
				l->node = node;
				l->block = (unsigned char)block;
				l->pre = (unsigned char)(block && pp_diff_name_is(node, "pre"));
				l->record = 0;
				if (block && c->blocks_wanted && ctx == 0 && !c->pre) {
					if (pp_grow(&c->blocks, &c->block_cap, c->block_count, sizeof *c->blocks, 64) != 0) {
						c->failed = 1;
						break;
					}
					c->blocks[c->block_count++] = (pp_diff_block_bytes){node, c->len, 0, 0};
					l->record = c->block_count;
				}
				if (block)
					boundary(c, 1, node);
				l->words_before = c->fp ? c->fp->word_total : 0;
				c->pre += l->pre;
				if (how == 1 && !block) {
					ctx = c->table ? ctx_intern(c->table, ctx, node)
					               : pp_diff_context(ctx, pp_diff_signature(node));
					if (c->table && ctx == 0)
						c->failed = 1;
				}
				entered = 1;
			}
		}
		if (entered && node->children) {
			node = node->children;
			continue;
		}
		if (entered)
			leave(c, &levels[--depth], &ctx);
		size_t before = depth;
		node = pp_diff_range_next(node, last, &depth);
		while (before > depth)
			leave(c, &levels[--before], &ctx);
	}
	end_word(c);
	free(levels);
	return c->failed ? -1 : 0;
}

uint64_t pp_diff_block_head(xmlNodePtr block)
{
	canon c = {.hash = HASH_INIT};
	boundary(&c, 1, block);
	return c.hash;
}

int pp_diff_fingerprint_range(const pp_diff_options *opt, xmlNodePtr first, xmlNodePtr last,
                              const char *name, int in_pre, size_t max_words, int words_only,
                              pp_diff_fingerprint *fp)
{
	memset(fp, 0, sizeof *fp);
	canon c = {.opt = opt, .side = SIDE_SOURCE, .hash = HASH_INIT, .fp = fp, .max_words = max_words,
	           .words_only = words_only, .word = HASH_INIT, .at_start = 1, .pre = in_pre};
	put(&c, name, strlen(name) + 1);
	int rc = walk(&c, first, last);
	fp->hash = c.hash;
	if (rc != 0) {
		free(fp->words);
		fp->words = NULL;
		fp->word_count = 0;
	}
	return rc;
}

struct pp_diff_contexts {
	ctx_table table;
	/* Opening a word break iterator costs more than comparing two short
	 * versions: one serves the series' comparisons, all in one locale. */
	UBreakIterator *words;
	char *words_locale;
	pp_kept *kept[KEPT_KINDS]; /* segments and excerpts for words_locale */
};

pp_diff_contexts *pp_diff_contexts_new(void) { return calloc(1, sizeof(pp_diff_contexts)); }

void pp_diff_contexts_free(pp_diff_contexts *contexts)
{
	if (!contexts)
		return;
	ctx_table_free(&contexts->table);
	if (contexts->words)
		ubrk_close(contexts->words);
	free(contexts->words_locale);
	for (size_t k = 0; k < KEPT_KINDS; k++)
		pp_kept_free(contexts->kept[k]);
	free(contexts);
}

pp_kept *pp_diff_contexts_kept(pp_diff_contexts *contexts, pp_kept_kind kind)
{
	static const size_t bounds[KEPT_KINDS] = {[KEPT_SEGMENTS] = 4u << 20, [KEPT_EXCERPTS] = 2u << 20,
	                                          [KEPT_WORDS] = 4u << 20};
	if (!contexts->kept[kind])
		contexts->kept[kind] = pp_kept_new(bounds[kind], NULL);
	return contexts->kept[kind];
}

UBreakIterator *pp_diff_contexts_words(pp_diff_contexts *contexts, const char *locale)
{
	locale = locale ? locale : "";
	if (contexts->words && strcmp(contexts->words_locale, locale) == 0)
		return contexts->words;
	if (contexts->words)
		ubrk_close(contexts->words);
	free(contexts->words_locale);
	contexts->words = NULL;
	/* Another locale splits otherwise. */
	pp_kept_free(contexts->kept[KEPT_SEGMENTS]);
	pp_kept_free(contexts->kept[KEPT_EXCERPTS]);
	contexts->kept[KEPT_SEGMENTS] = contexts->kept[KEPT_EXCERPTS] = NULL;
	UErrorCode status = U_ZERO_ERROR;
	if (!(contexts->words_locale = strdup(locale)))
		return NULL;
	UBreakIterator *words = ubrk_open(UBRK_WORD, locale, NULL, 0, &status);
	if (U_FAILURE(status)) {
		if (words)
			ubrk_close(words);
		return NULL;
	}
	return contexts->words = words;
}

struct pp_diff_form {
	pp_diff_contexts *contexts; /* shared with the walks compared against it */
	int owns_contexts;
	char *buf;
	size_t len;
	int in_pre;
	segment *segments;          /* the top-level blocks', in document order */
	size_t segment_count;
	pp_diff_block_bytes *blocks; /* every block's, when asked for */
	size_t block_count;
	size_t *block_slots;         /* blocks by node (index + 1), made when first asked */
	size_t block_slot_mask;
};

static pp_diff_form *make_form(const pp_diff_options *opt, xmlNodePtr first, xmlNodePtr last, int in_pre,
                               pp_diff_contexts *contexts, int blocks_wanted);

pp_diff_form *pp_diff_form_new(const pp_diff_options *opt, xmlNodePtr first, xmlNodePtr last, int in_pre,
                               pp_diff_contexts *contexts)
{
	return make_form(opt, first, last, in_pre, contexts, 0);
}

pp_diff_form *pp_diff_form_new_with_blocks(const pp_diff_options *opt, xmlNodePtr root,
                                           pp_diff_contexts *contexts)
{
	return make_form(opt, root->children, NULL, 0, contexts, 1);
}

const pp_diff_block_bytes *pp_diff_form_blocks(const pp_diff_form *form, size_t *count, const char **bytes)
{
	*count = form->block_count;
	*bytes = form->buf;
	return form->blocks;
}

static size_t node_slot(xmlNodePtr node, size_t mask)
{
	return (size_t)(((uint64_t)(uintptr_t)node * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & mask;
}

/* The bytes recorded for block, found through a table by node made when
 * first asked (pairs nested in lists and quotes are checked in any order);
 * NULL when the form recorded none for it, or memory ran out. */
static const pp_diff_block_bytes *recorded_block(pp_diff_form *form, xmlNodePtr block)
{
	if (!form->block_slots) {
		size_t cap = 16;
		while (cap < form->block_count * 2)
			cap *= 2;
		size_t *slots = calloc(cap, sizeof *slots);
		if (!slots)
			return NULL;
		for (size_t i = 0; i < form->block_count; i++) {
			size_t j = node_slot(form->blocks[i].node, cap - 1);
			while (slots[j])
				j = (j + 1) & (cap - 1);
			slots[j] = i + 1;
		}
		form->block_slots = slots;
		form->block_slot_mask = cap - 1;
	}
	for (size_t j = node_slot(block, form->block_slot_mask); form->block_slots[j];
	     j = (j + 1) & form->block_slot_mask)
		if (form->blocks[form->block_slots[j] - 1].node == block)
			return &form->blocks[form->block_slots[j] - 1];
	return NULL;
}

static pp_diff_form *make_form(const pp_diff_options *opt, xmlNodePtr first, xmlNodePtr last, int in_pre,
                               pp_diff_contexts *contexts, int blocks_wanted)
{
	pp_diff_form *form = calloc(1, sizeof *form);
	if (!form)
		return NULL;
	form->in_pre = in_pre;
	form->owns_contexts = !contexts;
	form->contexts = contexts ? contexts : pp_diff_contexts_new();
	if (!form->contexts) {
		free(form);
		return NULL;
	}
	canon c = {.opt = opt, .side = SIDE_SOURCE, .table = &form->contexts->table, .at_start = 1, .pre = in_pre,
	           .segments_wanted = 1, .blocks_wanted = blocks_wanted, .word = HASH_INIT};
	if (blocks_wanted)
		c.fp = &c.word_counter; /* words counted, none kept (max_words 0) */
	int rc = first ? walk(&c, first, last) : 0;
	form->buf = c.buf;
	form->len = c.len;
	form->segments = c.segments;
	form->segment_count = c.segment_count;
	form->blocks = c.blocks;
	form->block_count = c.block_count;
	if (rc != 0) {
		pp_diff_form_free(form);
		return NULL;
	}
	return form;
}

void pp_diff_form_free(pp_diff_form *form)
{
	if (!form)
		return;
	if (form->owns_contexts)
		pp_diff_contexts_free(form->contexts);
	free(form->buf);
	free(form->segments);
	free(form->blocks);
	free(form->block_slots);
	free(form);
}

int pp_diff_form_matches(const pp_diff_options *opt, pp_diff_form *form, xmlNodePtr out_first,
                         xmlNodePtr out_last, int side, const pp_diff_copy *copies, size_t copy_count,
                         const pp_diff_form *source)
{
	canon c = {.opt = opt, .side = side, .table = &form->contexts->table, .at_start = 1,
	           .pre = form->in_pre, .expect = form->buf ? form->buf : "", .expect_len = form->len};
	/* Copies are compared by their segments only when the bytes of both
	 * forms mean the same: one table of contexts. */
	if (!source || source->contexts != form->contexts)
		copy_count = 0;
	size_t k = 0, j = 0;
	for (xmlNodePtr node = out_first; node && !c.failed; node = node == out_last ? NULL : node->next) {
		if (k < copy_count && copies[k].out == node) {
			while (j < source->segment_count && source->segments[j].node != copies[k].source)
				j++;
			if (j < source->segment_count) {
				/* The block copied unchanged reads as its source: its
				 * bytes are the source's segment, compared where they
				 * must stand (a block starts and ends clean). */
				const segment *seg = &source->segments[j];
				put(&c, source->buf + seg->start, seg->len);
				c.at_start = 1;
				c.pending_space = 0;
				c.has_ctx = 0;
				k++;
				continue;
			}
			k = copy_count; /* not found: walk the rest */
		}
		if (walk(&c, node, node) != 0)
			return -1;
	}
	if (c.failed)
		return -1;
	return !c.differs && c.len == form->len;
}

int pp_diff_block_reads_as(const pp_diff_options *opt, pp_diff_form *form, xmlNodePtr block, size_t *cursor,
                           xmlNodePtr out_first, xmlNodePtr out_last, int side)
{
	if (form->in_pre)
		return -2;
	size_t start, len;
	if (form->block_count) {
		/* Every block outside inline elements and <pre> has its bytes
		 * recorded, top-level or not: a block starts clean (boundary), so
		 * its bytes are those of a form made for it alone. */
		const pp_diff_block_bytes *b = recorded_block(form, block);
		if (!b)
			return -2;
		start = b->start;
		len = b->len;
	} else {
		/* Top-level blocks only, checked in document order: the search
		 * goes on from the last one found, round to the start. */
		const segment *seg = NULL;
		for (size_t n = 0, j = *cursor; !seg && n < form->segment_count; n++, j = (j + 1) % form->segment_count)
			if (form->segments[j].node == block) {
				seg = &form->segments[j];
				*cursor = j;
			}
		if (!seg)
			return -2;
		start = seg->start;
		len = seg->len;
	}
	canon c = {.opt = opt, .side = side, .table = &form->contexts->table, .at_start = 1,
	           .expect = form->buf + start, .expect_len = len};
	for (xmlNodePtr node = out_first; node && !c.failed; node = node == out_last ? NULL : node->next)
		if (walk(&c, node, node) != 0)
			return -1;
	if (c.failed)
		return -1;
	return !c.differs && c.len == len;
}

int pp_diff_reads_as(const pp_diff_options *opt, xmlNodePtr out_first, xmlNodePtr out_last, int side,
                     xmlNodePtr src_first, xmlNodePtr src_last, int in_pre)
{
	pp_diff_form *form = pp_diff_form_new(opt, src_first, src_last, in_pre, NULL);
	int rc = form ? pp_diff_form_matches(opt, form, out_first, out_last, side, NULL, 0, NULL) : -1;
	pp_diff_form_free(form);
	return rc;
}
