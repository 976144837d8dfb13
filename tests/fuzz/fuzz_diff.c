/* libFuzzer target: the structural diff. The input is two documents
 * separated by the first NUL byte (or cut in half when there is none).
 * Beyond crashes and sanitizer reports, it checks the guarantee: the output
 * holds both versions, and the construction never needed the self-check's
 * repair (a repair is a bug in the diff, caught before it could ship). And
 * compared as a site compares them, through indexes sharing a series'
 * contexts and what they keep (prints made from forms, word segments,
 * excerpts, similarity words, tokens), both ways and again, the output and
 * the changes must be those of the comparison made from scratch. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "diff.h"
#include "html.h"
#include "markdown.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static pp_slugger *slugger;

/* The marked output as HTML, with the changes listed after it. */
static char *described(xmlNodePtr out, const pp_diff_result *result)
{
	pp_html_writer *w = pp_html_writer_new();
	if (!w)
		return NULL;
	for (xmlNodePtr n = out->children; n; n = n->next)
		pp_html_node(w, n);
	char *html;
	size_t len;
	if (pp_html_finish(w, &html, &len) != 0)
		return NULL;
	size_t size = len + 64 + result->change_count * 64;
	for (size_t i = 0; i < result->change_count; i++) {
		const pp_change *c = &result->changes[i];
		size += (c->section ? strlen(c->section) : 0) + (c->excerpt ? strlen(c->excerpt) : 0) +
		        (c->removed ? strlen(c->removed) : 0) + (c->context ? strlen(c->context) : 0);
	}
	char *all = malloc(size);
	if (!all) {
		free(html);
		return NULL;
	}
	size_t at = (size_t)snprintf(all, size, "%s\n%zu %zu %zu\n", html, result->words_added, result->words_removed,
	                             result->sections_changed);
	for (size_t i = 0; i < result->change_count; i++) {
		const pp_change *c = &result->changes[i];
		at += (size_t)snprintf(all + at, size - at, "%s %d|%s|%s|%s|%s\n", c->id, (int)c->kind,
		                       c->section ? c->section : "-", c->excerpt ? c->excerpt : "-",
		                       c->removed ? c->removed : "-", c->context ? c->context : "-");
	}
	free(html);
	return all;
}

/* The comparison of old_root with new_root (through the indexes when given)
 * described; NULL when it failed. */
static char *compared(xmlNodePtr old_root, pp_diff_index *old_index, xmlNodePtr new_root, pp_diff_index *new_index,
                      const pp_diff_options *opt)
{
	xmlNodePtr out = xmlNewNode(NULL, BAD_CAST "div");
	pp_diff_result result;
	char *text = NULL;
	if (out && pp_diff_dom_indexed(old_root, old_index, new_root, new_index, out, opt, &result) == 0)
		text = described(out, &result);
	if (out)
		pp_diff_result_free(&result);
	xmlFreeNode(out);
	return text;
}

/* Both ways, through indexes of one series, twice: as from scratch. */
static void check_through_indexes(xmlNodePtr a, xmlNodePtr b, const pp_diff_options *opt)
{
	pp_diff_contexts *series = pp_diff_contexts_new();
	pp_diff_index *ia = series ? pp_diff_index_new(a, opt, series) : NULL;
	pp_diff_index *ib = series ? pp_diff_index_new(b, opt, series) : NULL;
	xmlNodePtr sides[2][2] = {{a, b}, {b, a}};
	pp_diff_index *indexes[2][2] = {{ia, ib}, {ib, ia}};
	for (int round = 0; ia && ib && round < 4; round++) {
		int way = round % 2;
		char *plain = compared(sides[way][0], NULL, sides[way][1], NULL, opt);
		char *indexed = compared(sides[way][0], indexes[way][0], sides[way][1], indexes[way][1], opt);
		if (plain && indexed && strcmp(plain, indexed) != 0) {
			fprintf(stderr, "compared through a series' indexes, round %d:\n%s\n-- from scratch:\n%s\n", round,
			        indexed, plain);
			abort();
		}
		free(plain);
		free(indexed);
	}
	pp_diff_index_free(ia);
	pp_diff_index_free(ib);
	pp_diff_contexts_free(series);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xmlInitParser();
	pp_markdown_init();
	slugger = pp_slugger_new();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t old_len = nul ? (size_t)(nul - data) : size / 2;
	const char *old_text = (const char *)data, *new_text = (const char *)data + old_len + (nul ? 1 : 0);
	size_t new_len = size - old_len - (nul ? 1 : 0);
	pp_diags d;
	pp_diags_init(&d);
	pp_md_context ctx = {.path = "fuzz.md", .rtl = size % 2, .slugger = slugger};
	xmlNodePtr a = pp_markdown_to_container(old_text, old_len, &ctx, &d);
	xmlNodePtr b = pp_markdown_to_container(new_text, new_len, &ctx, &d);
	if (a && b) {
		xmlNodePtr out = xmlNewNode(NULL, BAD_CAST "div");
		pp_diff_options opt = {.ignore_diacritics = (int)(size % 3 == 0), .locale = "ar",
		                       .deleted_label = "-", .inserted_label = "+"};
		pp_diff_result result;
		if (out && pp_diff_dom(a, b, out, &opt, &result) == 0) {
			if (result.repaired || pp_diff_is_faithful(a, b, out, &opt) != 1) {
				fprintf(stderr, "diff guarantee broken: %zu repaired\n", result.repaired);
				abort();
			}
			char *text = pp_diff_to_text(out, 1, size % 5 == 0 ? 1 : -1);
			free(text);
		}
		if (out) /* filled even when the comparison fails */
			pp_diff_result_free(&result);
		xmlFreeNode(out);
		check_through_indexes(a, b, &opt);
	}
	xmlFreeNode(a);
	xmlFreeNode(b);
	pp_diags_free(&d);
	return 0;
}
