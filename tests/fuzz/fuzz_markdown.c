/* libFuzzer target: Markdown to DOM in both directions, then HTML
 * serialization, as every page does. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <libxml/parser.h>

#include "markdown.h"
#include "html.h"

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
	for (int rtl = 0; rtl < 2; rtl++) {
		pp_diags d;
		pp_diags_init(&d);
		pp_md_context ctx = {.path = "fuzz.md", .rtl = rtl, .slugger = slugger};
		xmlNodePtr body = pp_markdown_to_container((const char *)data, size, &ctx, &d);
		if (body) {
			xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
			xmlDocSetRootElement(doc, body);
			char *html;
			size_t len;
			if (pp_html_serialize(doc, &html, &len) == 0)
				free(html);
			xmlFreeDoc(doc);
		}
		pp_diags_free(&d);
	}
	return 0;
}
