/* What the diff writes around whole blocks and changes (see
 * diff_internal.h): the marks and their labels, the list of changes with
 * their sections and excerpts, blocks copied equal or marked removed,
 * added or moved whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_internal.h"
#include "dom.h"
#include "fsutil.h"
#include "l10n.h"
#include "markdown.h"

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

/* text with its white space collapsed to single spaces and trimmed. */
static char *collapse_space(const char *text)
{
	char *out = malloc(strlen(text) + 1), *w = out;
	int space = 0;
	for (const char *p = text; out && *p; p++) {
		if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') {
			space = w != out;
			continue;
		}
		if (space)
			*w++ = ' ';
		space = 0;
		*w++ = *p;
	}
	if (out)
		*w = '\0';
	return out;
}

/* At most max_words words of text, from its start (or, from_end, its end),
 * cut at word boundaries as ICU finds them (the diff's own words), with an
 * ellipsis where the text goes on. malloc'ed; NULL when out of memory. */
static char *cut_words(diff_state *st, const char *text, size_t max_words, int from_end)
{
	char *collapsed = collapse_space(text);
	int32_t len = 0;
	UChar *u = collapsed ? pp_to_utf16(collapsed, strlen(collapsed), &len) : NULL;
	UErrorCode status = U_ZERO_ERROR;
	if (!u || !st->words) {
		free(u);
		return collapsed;
	}
	ubrk_setText(st->words, u, len, &status);
	int32_t cut = from_end ? 0 : len;
	size_t words = 0;
	if (U_SUCCESS(status)) {
		if (!from_end) {
			for (int32_t b = ubrk_first(st->words); b != UBRK_DONE; b = ubrk_next(st->words))
				if (ubrk_getRuleStatus(st->words) != UBRK_WORD_NONE && ++words == max_words) {
					cut = b;
					break;
				}
		} else {
			/* The starts of the last max_words words, in a ring. */
			int32_t ring[8];
			size_t keep = max_words < 8 ? max_words : 8;
			int32_t prev = ubrk_first(st->words);
			for (int32_t b = ubrk_next(st->words); b != UBRK_DONE; prev = b, b = ubrk_next(st->words))
				if (ubrk_getRuleStatus(st->words) != UBRK_WORD_NONE)
					ring[words++ % keep] = prev;
			if (words > keep)
				cut = ring[words % keep];
		}
	}
	int more = from_end ? cut > 0 : cut < len;
	char *part = from_end ? pp_from_utf16(u + cut, len - cut) : pp_from_utf16(u, cut);
	free(u);
	free(collapsed);
	if (!part || !more)
		return part;
	char *trimmed = collapse_space(part);
	free(part);
	char *marked = trimmed ? pp_strdup_printf(from_end ? "…%s" : "%s…", trimmed) : NULL;
	free(trimmed);
	return marked;
}

/* cut_words, from the series' excerpts when that text was cut so before.
 * A change's excerpt, its removed words and its context are cut from the
 * texts of its blocks, and the same blocks change in many comparisons of a
 * series (a paragraph changed once is changed in every comparison of an
 * earlier version with the version in force): 193,552 cuts of 12,332
 * distinct texts on the benchmark's 10,000 versions. A series keeps each
 * cut (KEPT_EXCERPTS) by its key: how it is cut, then the text. */
static char *words_of(diff_state *st, const char *text, size_t max_words, int from_end)
{
	if (!st->excerpts || !st->words)
		return cut_words(st, text, max_words, from_end);
	/* The key: [max_words][from_end]text (max_words is one of this file's
	 * few small counts). */
	size_t len = strlen(text), key_len = len + 2;
	char stack[512];
	char *key = key_len <= sizeof stack ? stack : malloc(key_len);
	if (!key)
		return cut_words(st, text, max_words, from_end);
	key[0] = (char)max_words;
	key[1] = (char)from_end;
	memcpy(key + 2, text, len);
	const char *found = pp_kept_find_text(st->excerpts, key, key_len);
	char *cut = found ? strdup(found) : cut_words(st, text, max_words, from_end);
	if (cut && !found)
		pp_kept_put_text(st->excerpts, key, key_len, cut);
	if (key != stack)
		free(key);
	return cut;
}

static void count_section(diff_state *st)
{
	if (st->section_index != st->counted_section) {
		st->counted_section = st->section_index;
		st->result->sections_changed++;
	}
}

#define EXCERPT_WORDS 10

/* A change whose excerpt is cut already (taken; NULL for none, or failed
 * when excerpt_failed). */
static const char *record_change(diff_state *st, pp_change_kind kind, char *excerpt, int excerpt_failed,
                                 const char *removed, const char *context)
{
	pp_diff_result *r = st->result;
	if (pp_grow(&r->changes, &r->change_capacity, r->change_count, sizeof *r->changes, 16) != 0) {
		free(excerpt);
		st->failed = 1;
		return NULL;
	}
	pp_change *c = &r->changes[r->change_count++];
	memset(c, 0, sizeof *c);
	snprintf(c->id, sizeof c->id, "change-%zu", r->change_count);
	c->kind = kind;
	c->section = st->section ? strdup(st->section) : NULL;
	c->excerpt = excerpt;
	c->removed = removed ? words_of(st, removed, 6, 0) : NULL;
	c->context = context ? words_of(st, context, 3, 1) : NULL;
	if (excerpt_failed || (removed && !c->removed) || (context && !c->context))
		st->failed = 1;
	/* Nothing but white space is no excerpt. */
	if (c->excerpt && !*c->excerpt) {
		free(c->excerpt);
		c->excerpt = NULL;
	}
	if (c->context && !*c->context) {
		free(c->context);
		c->context = NULL;
	}
	count_section(st);
	return c->id;
}

const char *pp_diff_new_change(diff_state *st, pp_change_kind kind, const char *excerpt, const char *removed,
                               const char *context)
{
	char *cut = excerpt ? words_of(st, excerpt, EXCERPT_WORDS, 0) : NULL;
	return record_change(st, kind, cut, excerpt && !cut, removed, context);
}

xmlNodePtr pp_diff_new_mark(diff_state *st, int op, const char *id, int moved)
{
	xmlNodePtr mark = xmlNewDocNode(st->doc, NULL, BAD_CAST(op == OP_DELETE ? "del" : "ins"), NULL);
	if (!mark) {
		st->failed = 1;
		return NULL;
	}
	if (id)
		xmlSetProp(mark, BAD_CAST "id", BAD_CAST id);
	/* The class tells the diff's marks from <del> and <ins> in the text. */
	xmlSetProp(mark, BAD_CAST "class", BAD_CAST(moved ? "diff-mark moved" : "diff-mark"));
	const char *label = op == OP_DELETE ? st->opt->deleted_label : st->opt->inserted_label;
	if (label) {
		/* Screen readers do not announce <del>/<ins> by themselves. */
		xmlNodePtr sr = xmlNewDocNode(st->doc, NULL, BAD_CAST "span", NULL);
		xmlNodePtr text = xmlNewDocText(st->doc, BAD_CAST label);
		if (!sr || !text || !xmlAddChild(sr, text) || !xmlAddChild(mark, sr)) {
			xmlFreeNode(sr);
			xmlFreeNode(text);
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
	xmlNodePtr parent = el, child = el->children;
	for (;;) {
		while (child && !st->failed) {
			if (pp_dom_is_block(child)) {
				if (child->children) {
					parent = child;
					child = child->children;
				} else {
					child = child->next;
				}
				continue;
			}
			if (pp_diff_is_blank_text(child)) {
				child = child->next;
				continue;
			}
			xmlNodePtr mark = pp_diff_new_mark(st, op, *id, moved);
			if (!mark || !xmlAddPrevSibling(child, mark)) {
				xmlFreeNode(mark);
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
		if (parent == el || st->failed)
			return;
		child = parent->next;
		parent = parent->parent;
	}
}

static void strip_ids(xmlNodePtr root)
{
	for (xmlNodePtr n = root; n;) {
		if (n->type == XML_ELEMENT_NODE) {
			xmlUnsetProp(n, BAD_CAST "id");
			if (n->children) {
				n = n->children;
				continue;
			}
		}
		while (n != root && !n->next)
			n = n->parent;
		n = n == root ? NULL : n->next;
	}
}

static char *range_text(xmlNodePtr first, xmlNodePtr last)
{
	xmlBufferPtr buf = pp_dom_buffer_new();
	if (!buf)
		return NULL;
	for (xmlNodePtr n = first;; n = n->next) {
		xmlChar *text = xmlNodeGetContent(n);
		if (text) {
			xmlBufferCat(buf, text);
			xmlBufferCat(buf, BAD_CAST " ");
		}
		xmlFree(text);
		if (n == last)
			break;
	}
	char *s = strdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	return s;
}

void pp_diff_enter_section(diff_state *st, xmlNodePtr heading)
{
	xmlChar *text = xmlNodeGetContent(heading);
	free(st->section);
	st->section = text ? strdup((const char *)text) : NULL;
	xmlFree(text);
	st->section_index++;
}

/* White space between blocks, copied from the newer side so the output's
 * text reads as its page does (table cells stay apart). */
void pp_diff_copy_space_before(diff_state *st, xmlNodePtr n, xmlNodePtr out)
{
	if (n->prev && pp_diff_is_blank_text(n->prev)) {
		xmlNodePtr copy = xmlNewDocText(st->doc, n->prev->content);
		if (!copy || !xmlAddChild(out, copy)) {
			xmlFreeNode(copy);
			st->failed = 1;
		}
	}
}

static xmlNodePtr copy_range(diff_state *st, xmlNodePtr first, xmlNodePtr last)
{
	xmlNodePtr copy = NULL, tail = NULL;
	for (xmlNodePtr n = first;; n = n->next) {
		xmlNodePtr c = pp_dom_copy(n, st->doc);
		if (!c) {
			xmlFreeNodeList(copy);
			st->failed = 1;
			return NULL;
		}
		if (tail) {
			tail->next = c;
			c->prev = tail;
		} else {
			copy = c;
		}
		tail = c;
		if (n == last)
			break;
	}
	return copy;
}

/* Copies an item (from either version) into out and marks it added,
 * removed or moved. */
void pp_diff_emit_whole(diff_state *st, const item *it, int op, xmlNodePtr out)
{
	if (st->fault == PP_DIFF_FAULT_BLOCK && op == OP_DELETE && !it->moved) {
		st->fault = 0; /* tests of the self-check: a removed block is lost */
		return;
	}
	if (it->first == it->last && pp_dom_is_heading(it->first)) {
		pp_diff_enter_section(st, it->first);
		st->open_whole = -1; /* each section added or removed is its own change */
	}
	count_section(st);
	pp_change_kind kind = it->moved ? PP_CHANGE_MOVED : op == OP_DELETE ? PP_CHANGE_REMOVED : PP_CHANGE_ADDED;
	const char *id = NULL;
	/* Consecutive blocks added (or removed) together, such as a new section
	 * with its heading, are one change. */
	if (st->open_whole != (int)kind || kind == PP_CHANGE_MOVED) {
		/* The version in force is compared with every earlier one: its
		 * block's excerpt is cut once, in its index. */
		pp_diff_index *index = op == OP_DELETE ? st->old_own : st->new_own;
		const char *kept = pp_diff_kept_text(index, it->first, it->last, PP_KEPT_EXCERPT);
		char *cut = kept ? strdup(kept) : NULL;
		int failed = kept && !cut;
		if (!kept) {
			char *text = range_text(it->first, it->last);
			cut = text ? words_of(st, text, EXCERPT_WORDS, 0) : NULL;
			failed = text && !cut;
			free(text);
			if (cut)
				pp_diff_keep_text(index, it->first, it->last, PP_KEPT_EXCERPT, cut);
		}
		id = record_change(st, kind, cut, failed, NULL, NULL);
		st->open_whole = (int)kind;
	}
	if (!it->moved) {
		size_t words = pp_diff_count_words(st, op == OP_DELETE ? st->old_own : st->new_own, it->first, it->last);
		if (op == OP_DELETE)
			st->result->words_removed += words;
		else
			st->result->words_added += words;
	}
	if (op == OP_INSERT)
		pp_diff_copy_space_before(st, it->first, out);
	xmlNodePtr copy = copy_range(st, it->first, it->last);
	if (!copy)
		return;
	if (it->inline_run) {
		xmlNodePtr mark = pp_diff_new_mark(st, op, id, it->moved);
		if (!mark || !xmlAddChild(out, mark)) {
			xmlFreeNode(mark);
			xmlFreeNodeList(copy);
			st->failed = 1;
			return;
		}
		if (op == OP_DELETE)
			for (xmlNodePtr c = copy; c; c = c->next)
				strip_ids(c);
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

void pp_diff_emit_equal(diff_state *st, const item *it, xmlNodePtr out)
{
	st->open_whole = -1;
	if (it->first == it->last && pp_dom_is_heading(it->first))
		pp_diff_enter_section(st, it->first);
	pp_diff_copy_space_before(st, it->first, out);
	xmlNodePtr copy = copy_range(st, it->first, it->last);
	if (copy)
		xmlAddChildList(out, copy);
}
