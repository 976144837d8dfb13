/* Precision of the diff, for build-aux/bench (a measurement, not a test):
 * for every pair of consecutive versions under a content directory, the
 * words the changes page marks (inside <del>/<ins> or in blocks removed or
 * added whole) against the fewest a word diff could mark: the words of
 * either version outside an exact longest common subsequence of their
 * rendered words (each word with its inline context, as the diff compares
 * them). A ratio of 1 marks nothing a minimal edit would not; the diff's
 * readability rules (a block that kept under a third of its words shown
 * replaced whole, moves shown at both places) are what it spends above 1.
 *   diff_precision CONTENT_DIR
 * Prints pairs, words marked, minimum, ratio, and the share of pairs at the
 * minimum. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <unicode/ubrk.h>
#include <unicode/uclean.h>

#include "content.h"
#include "diff.h"
#include "diff_internal.h"
#include "fsutil.h"
#include "l10n.h"
#include "markdown.h"

/* Words of a text, as the diff's tokens count them. */
static size_t words_in(UBreakIterator *it, const char *utf8)
{
	int32_t len;
	UChar *text = pp_to_utf16(utf8, strlen(utf8), &len);
	if (!text)
		return 0;
	UErrorCode status = U_ZERO_ERROR;
	ubrk_setText(it, text, len, &status);
	size_t words = 0;
	for (int32_t end = (ubrk_first(it), ubrk_next(it)); end != UBRK_DONE; end = ubrk_next(it))
		words += ubrk_getRuleStatus(it) != UBRK_WORD_NONE;
	free(text);
	return words;
}

/* Words inside marks or in blocks marked whole, labels aside. */
static size_t marked_words(UBreakIterator *it, xmlNodePtr root)
{
	size_t words = 0;
	int depth_marked = 0;
	xmlNodePtr n = root->children;
	size_t depth = 0;
	int *marked_at = calloc(4096, sizeof *marked_at); /* generated corpora nest shallowly */
	while (n) {
		int entered = 0;
		if (n->type == XML_TEXT_NODE && depth_marked && n->content) {
			words += words_in(it, (const char *)n->content);
		} else if (n->type == XML_ELEMENT_NODE && depth < 4095) {
			xmlChar *cls = xmlGetProp(n, BAD_CAST "class");
			int label = cls && strstr((const char *)cls, "sr-only");
			int mark = pp_diff_is_mark(n) || (cls && strstr((const char *)cls, "diff-") &&
			                                  !strstr((const char *)cls, "diff-mark"));
			xmlFree(cls);
			if (!label) {
				marked_at[depth] = mark;
				depth_marked += mark;
				entered = 1;
			}
		}
		if (entered && n->children) {
			n = n->children;
			depth++;
			continue;
		}
		if (entered)
			depth_marked -= marked_at[depth];
		while (n != root && !n->next) {
			n = n->parent;
			if (n == root)
				break;
			depth--;
			depth_marked -= marked_at[depth];
		}
		n = n == root ? NULL : n->next;
	}
	free(marked_at);
	return words;
}

/* Fewest words a word diff can mark: n + m - 2 LCS over word keys. */
static size_t minimum_words(const pp_diff_options *opt, UBreakIterator *it, xmlNodePtr a, xmlNodePtr b)
{
	diff_state st = {.opt = opt, .words = it};
	uint64_t *ka, *kb;
	unsigned char *wa, *wb;
	size_t na, nb;
	if (pp_diff_word_keys(&st, a->children, NULL, 0, &ka, &wa, &na) != 0 ||
	    pp_diff_word_keys(&st, b->children, NULL, 0, &kb, &wb, &nb) != 0)
		return 0;
	/* Words only: white space and punctuation are not counted either side. */
	size_t n = 0, m = 0;
	for (size_t i = 0; i < na; i++)
		if (wa[i])
			ka[n++] = ka[i];
	for (size_t i = 0; i < nb; i++)
		if (wb[i])
			kb[m++] = kb[i];
	unsigned char *ops = NULL;
	long count = pp_myers((const unsigned long long *)ka, n, (const unsigned long long *)kb, m, n + m, &ops);
	size_t edits = 0;
	for (long i = 0; i < count; i++)
		edits += ops[i] != 0;
	free(ops);
	free(ka);
	free(kb);
	free(wa);
	free(wb);
	return count < 0 ? n + m : edits;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

typedef struct {
	size_t pairs, at_minimum, marked, minimum;
} totals;

static void series(const char *dir, const char *locale, totals *t)
{
	char **names;
	size_t count;
	if (pp_list_dir(dir, &names, &count) != 0)
		return;
	qsort(names, count, sizeof *names, by_name);
	xmlNodePtr previous = NULL;
	UErrorCode status = U_ZERO_ERROR;
	UBreakIterator *it = ubrk_open(UBRK_WORD, locale, NULL, 0, &status);
	UBreakIterator *counter = ubrk_open(UBRK_WORD, locale, NULL, 0, &status);
	pp_diff_options opt = {.locale = locale};
	for (size_t i = 0; i < count && U_SUCCESS(status); i++) {
		size_t len = strlen(names[i]);
		if (len < 3 || strcmp(names[i] + len - 3, ".md") != 0)
			continue;
		char *path = pp_path_join(dir, names[i]);
		pp_diags d;
		pp_diags_init(&d);
		pp_version v;
		xmlNodePtr body = NULL;
		if (pp_document_read(path, &v, &d) == 0) {
			pp_md_context ctx = {.path = path, .rtl = pp_locale_is_rtl(locale)};
			body = pp_markdown_to_container(v.body, v.body_len, &ctx, &d);
			pp_version_clear(&v);
		}
		if (previous && body) {
			xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
			xmlNodePtr out = xmlNewDocNode(doc, NULL, BAD_CAST "div", NULL);
			xmlDocSetRootElement(doc, out);
			pp_diff_result result;
			if (pp_diff_dom(previous, body, out, &opt, &result) == 0) {
				size_t marked = marked_words(counter, out), minimum = minimum_words(&opt, it, previous, body);
				t->pairs++;
				t->marked += marked;
				t->minimum += minimum;
				t->at_minimum += marked <= minimum;
				pp_diff_result_free(&result);
			}
			xmlFreeDoc(doc);
		}
		if (previous)
			xmlFreeNode(previous);
		previous = body;
		pp_diags_free(&d);
		free(path);
	}
	if (previous)
		xmlFreeNode(previous);
	ubrk_close(it);
	ubrk_close(counter);
	pp_free_names(names, count);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: diff_precision CONTENT_DIR\n");
		return 2;
	}
	xmlInitParser();
	pp_markdown_init();
	totals t = {0};
	char **policies;
	size_t np;
	if (pp_list_dir(argv[1], &policies, &np) != 0) {
		fprintf(stderr, "cannot list %s\n", argv[1]);
		return 2;
	}
	for (size_t p = 0; p < np; p++) {
		char *policy = pp_path_join(argv[1], policies[p]);
		char **locales;
		size_t nl;
		if (pp_list_dir(policy, &locales, &nl) == 0) {
			for (size_t l = 0; l < nl; l++) {
				char *dir = pp_path_join(policy, locales[l]);
				series(dir, locales[l], &t);
				free(dir);
			}
			pp_free_names(locales, nl);
		}
		free(policy);
	}
	pp_free_names(policies, np);
	printf("diff precision: %zu version pairs, %zu words marked, minimum word edit %zu: %.3f "
	       "(%.1f%% of pairs at the minimum)\n",
	       t.pairs, t.marked, t.minimum, t.minimum ? (double)t.marked / (double)t.minimum : 1.0,
	       t.pairs ? 100.0 * (double)t.at_minimum / (double)t.pairs : 100.0);
	pp_markdown_shutdown();
	xmlCleanupParser();
	u_cleanup();
	return 0;
}
