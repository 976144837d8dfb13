/* kramdown's definition lists in a parsed cmark-gfm tree: see kramdown.h. */
#include "kramdown.h"

#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "markdown.h"

const char *pp_kramdown_definition_part(cmark_node *node)
{
	if (cmark_node_get_type(node) != CMARK_NODE_CUSTOM_BLOCK)
		return NULL;
	const char *tag = cmark_node_get_on_enter(node);
	if (!tag)
		return NULL;
	return strcmp(tag, "dl") == 0 || strcmp(tag, "dt") == 0 || strcmp(tag, "dd") == 0 ? tag : NULL;
}

/* Whether node is a definition list made here. */
static int is_list(cmark_node *node)
{
	const char *part = node ? pp_kramdown_definition_part(node) : NULL;
	return part && strcmp(part, "dl") == 0;
}

/* Whether the line that starts with node is a definition: ':' and a space
 * or a tab at its start (cmark took the indent before it). */
static int is_definition_line(cmark_node *node)
{
	if (!node || cmark_node_get_type(node) != CMARK_NODE_TEXT)
		return 0;
	const char *text = cmark_node_get_literal(node);
	return text && text[0] == ':' && (text[1] == ' ' || text[1] == '\t');
}

static cmark_node *new_part(const char *tag)
{
	cmark_node *node = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
	if (node && !cmark_node_set_on_enter(node, tag)) {
		cmark_node_free(node);
		node = NULL;
	}
	return node;
}

/* A dt or dd holding a new paragraph, appended to dl; the paragraph, or
 * NULL when out of memory. */
static cmark_node *add_part(cmark_node *dl, const char *tag)
{
	cmark_node *part = new_part(tag), *paragraph = cmark_node_new(CMARK_NODE_PARAGRAPH);
	if (!part || !paragraph || !cmark_node_append_child(dl, part) || !cmark_node_append_child(part, paragraph)) {
		cmark_node_free(paragraph);
		if (part && !cmark_node_parent(part))
			cmark_node_free(part);
		return NULL;
	}
	return paragraph;
}

/* Moves the inline nodes of source from first on into dl: each line a term
 * (dt) until the first definition line, then each definition line a dd
 * (without its ':'), the lines after one joining it. Returns 0, or -1 when
 * out of memory. */
static int move_lines(cmark_node *dl, cmark_node *first, int terms)
{
	/* Their texts and addresses live in their paragraph's buffer, which
	 * goes: each gets its own copy first. */
	if (first && pp_markdown_own_text(cmark_node_parent(first)) != 0)
		return -1;
	cmark_node *into = NULL, *next;
	int after_break = 1;
	for (cmark_node *n = first; n; n = next) {
		next = cmark_node_next(n);
		if (cmark_node_get_type(n) == CMARK_NODE_SOFTBREAK && (terms || is_definition_line(next))) {
			cmark_node_free(n); /* the line ends its dt or dd */
			after_break = 1;
			continue;
		}
		if (after_break && is_definition_line(n)) {
			terms = 0;
			const char *text = cmark_node_get_literal(n) + 2;
			text += strspn(text, " \t");
			if (!(into = add_part(dl, "dd")))
				return -1;
			if (!*text) {
				cmark_node_free(n);
				after_break = 0;
				continue;
			}
			if (!cmark_node_set_literal(n, text))
				return -1;
		} else if (after_break && terms) {
			if (!(into = add_part(dl, "dt")))
				return -1;
		}
		after_break = 0;
		cmark_node_unlink(n);
		if (!cmark_node_append_child(into, n)) {
			cmark_node_free(n);
			return -1;
		}
	}
	return 0;
}

/* The list the terms of paragraph join: the one right before it (a blank
 * line between), which goes on as kramdown reads it, else a new one put
 * before it. NULL when out of memory. */
static cmark_node *list_for(cmark_node *paragraph)
{
	cmark_node *before = cmark_node_previous(paragraph);
	if (is_list(before))
		return before;
	cmark_node *dl = new_part("dl");
	if (dl && !cmark_node_insert_before(paragraph, dl)) {
		cmark_node_free(dl);
		dl = NULL;
	}
	return dl;
}

/* Takes the emptied paragraph out of the tree, to be freed at the end. */
static int set_aside(cmark_node ***gone, size_t *count, size_t *capacity, cmark_node *paragraph)
{
	cmark_node_unlink(paragraph);
	if (pp_grow(gone, capacity, *count, sizeof **gone, 16) != 0) {
		cmark_node_free(paragraph);
		return -1;
	}
	(*gone)[(*count)++] = paragraph;
	return 0;
}

/* The first inline node of the paragraph's first definition line after its
 * first line, or NULL. */
static cmark_node *first_definition_line(cmark_node *paragraph)
{
	for (cmark_node *n = cmark_node_first_child(paragraph); n; n = cmark_node_next(n))
		if (cmark_node_get_type(n) == CMARK_NODE_SOFTBREAK && is_definition_line(cmark_node_next(n)))
			return cmark_node_next(n);
	return NULL;
}

/* kramdown's
 *     term
 *     : definition
 * in one paragraph, or with a blank line before the definition (the term a
 * paragraph of its own, or definitions going on after a list). */
int pp_kramdown_definition_lists(cmark_node *root)
{
	cmark_node **paragraphs = NULL, **gone = NULL;
	size_t count = 0, capacity = 0, gone_count = 0, gone_capacity = 0;
	int failed = 0;
	cmark_iter *iter = cmark_iter_new(root);
	cmark_event_type ev;
	while (iter && (ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(iter);
		if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(node) != CMARK_NODE_PARAGRAPH)
			continue;
		cmark_node *first = cmark_node_first_child(node);
		if (!first_definition_line(node) && !is_definition_line(first))
			continue;
		if (pp_grow(&paragraphs, &capacity, count, sizeof *paragraphs, 16) != 0) {
			failed = 1;
			break;
		}
		paragraphs[count++] = node;
	}
	failed |= iter == NULL;
	cmark_iter_free(iter);
	for (size_t i = 0; !failed && i < count; i++) {
		cmark_node *paragraph = paragraphs[i], *first = cmark_node_first_child(paragraph);
		cmark_node *before = cmark_node_previous(paragraph);
		if (is_definition_line(first)) {
			/* Definitions after a blank line: of the paragraph before (its
			 * lines the terms), or more of the list before. */
			cmark_node *dl = NULL;
			if (is_list(before)) {
				dl = before;
			} else if (before && cmark_node_get_type(before) == CMARK_NODE_PARAGRAPH) {
				if (!(dl = list_for(before))) {
					failed = 1;
					break;
				}
				failed = move_lines(dl, cmark_node_first_child(before), 1) != 0;
				failed = failed || set_aside(&gone, &gone_count, &gone_capacity, before) != 0;
			} else {
				continue; /* nothing to define: text as it is */
			}
			failed = failed || move_lines(dl, first, 0) != 0;
			failed = failed || set_aside(&gone, &gone_count, &gone_capacity, paragraph) != 0;
			continue;
		}
		cmark_node *dl = list_for(paragraph);
		if (!dl) {
			failed = 1;
			break;
		}
		failed = move_lines(dl, first, 1) != 0;
		failed = failed || set_aside(&gone, &gone_count, &gone_capacity, paragraph) != 0;
	}
	/* Freed only now: the attribute table finds nodes by address, and a
	 * node made in this pass must not take the address of one that went. */
	for (size_t i = 0; i < gone_count; i++)
		cmark_node_free(gone[i]);
	free(gone);
	free(paragraphs);
	return failed ? -1 : 0;
}
