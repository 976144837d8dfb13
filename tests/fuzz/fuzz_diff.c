/* libFuzzer target: the structural diff. The input is two documents
 * separated by the first NUL byte (or cut in half when there is none).
 * Beyond crashes and sanitizer reports, it checks the guarantee: the output
 * holds both versions, and the construction never needed the self-check's
 * repair (a repair is a bug in the diff, caught before it could ship). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "diff.h"
#include "markdown.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static pp_slugger *slugger;

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
	}
	xmlFreeNode(a);
	xmlFreeNode(b);
	pp_diags_free(&d);
	return 0;
}
