/* The structural word diff on real cases in Arabic and English, its text
 * form, its bounds, and the diff command's exit codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <pthread.h>
#include <unicode/ubrk.h>
#include <unicode/ustring.h>

#include "diff.h"
#include "diff_internal.h"
#include "html.h"
#include "markdown.h"
#include "template.h"
#include "testutil.h"

typedef struct {
	pp_diff_result result;
	htmlDocPtr page; /* the marked output, serialized and parsed back */
	char *text;      /* the plain-text form */
	int faithful;    /* the output holds both versions (pp_diff_is_faithful) */
} compared;

static compared compare_faulty(const char *old_md, const char *new_md, int ignore_diacritics, int fault)
{
	compared c;
	pp_diags d;
	pp_diags_init(&d);
	pp_md_context ctx = {.path = "x.md", .line_offset = 0, .rtl = 1};
	xmlNodePtr old_body = pp_markdown_to_container(old_md, strlen(old_md), &ctx, &d);
	xmlNodePtr new_body = pp_markdown_to_container(new_md, strlen(new_md), &ctx, &d);
	assert_non_null(old_body);
	assert_non_null(new_body);
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr out = xmlNewDocNode(doc, NULL, BAD_CAST "div", NULL);
	xmlDocSetRootElement(doc, out);
	pp_diff_options opt = {.ignore_diacritics = ignore_diacritics, .locale = "ar", .deleted_label = "[removed] ",
	                       .inserted_label = "[added] ", .inject_fault = fault};
	assert_int_equal(pp_diff_dom(old_body, new_body, out, &opt, &c.result), 0);
	c.faithful = pp_diff_is_faithful(old_body, new_body, out, &opt);
	char *html;
	size_t len;
	assert_int_equal(pp_html_serialize(doc, &html, &len), 0);
	c.page = tu_parse_html_string(html);
	c.text = pp_diff_to_text(out, 0, -1);
	free(html);
	xmlFreeDoc(doc);
	xmlFreeNode(old_body);
	xmlFreeNode(new_body);
	pp_diags_free(&d);
	return c;
}

static compared compare_with(const char *old_md, const char *new_md, int ignore_diacritics)
{
	return compare_faulty(old_md, new_md, ignore_diacritics, 0);
}

static compared compare(const char *old_md, const char *new_md)
{
	compared c = compare_with(old_md, new_md, 0);
	assert_int_equal(c.faithful, 1);
	assert_int_equal(c.result.repaired, 0);
	return c;
}

static void release(compared *c)
{
	pp_diff_result_free(&c->result);
	xmlFreeDoc(c->page);
	free(c->text);
}

/* Text of the marks without their screen-reader labels. */
static char *marked(htmlDocPtr page, const char *which, int index)
{
	char xpath[128];
	snprintf(xpath, sizeof xpath, "string(//%s[%d]/text())", which, index);
	char *s = tu_string(page, xpath);
	if (!*s) {
		free(s);
		snprintf(xpath, sizeof xpath, "string((//%s)[%d])", which, index);
		s = tu_string(page, xpath);
	}
	return s;
}

static const char sentence_old[] = "تقوم مالاكايت بجمع معلومات عن المستخدمين بطرق متعددة، وتشمل ولا تقتصر فقط على التسجيل.\n";
static const char sentence_new[] = "تقوم مالاكايت بجمع معلومات عن المستخدمين بطرق مختلفة، وتشمل ولا تقتصر فقط على التسجيل.\n";

static void test_one_arabic_word_changed(void **state)
{
	(void)state;
	compared c = compare(sentence_old, sentence_new);
	assert_int_equal(tu_count(c.page, "//del"), 1);
	assert_int_equal(tu_count(c.page, "//ins"), 1);
	assert_string_equal(c.text, "تقوم مالاكايت بجمع معلومات عن المستخدمين بطرق [-متعددة-]{+مختلفة+}، "
	                            "وتشمل ولا تقتصر فقط على التسجيل.\n");
	assert_int_equal(c.result.words_added, 1);
	assert_int_equal(c.result.words_removed, 1);
	assert_int_equal(c.result.change_count, 1);
	assert_int_equal(c.result.changes[0].kind, PP_CHANGE_CHANGED);
	assert_string_equal(c.result.changes[0].excerpt, "مختلفة");
	/* The mark carries the change's id and its screen-reader label. */
	assert_int_equal(tu_count(c.page, "//del[@id='change-1']/span[@class='sr-only'][.='[removed] ']"), 1);
	release(&c);
}

static void test_clitic_change(void **state)
{
	(void)state;
	/* The conjunction و attached to a word changes only that word. */
	compared c = compare("نحمي البيانات الخدمة بعناية.\n", "نحمي البيانات والخدمة بعناية.\n");
	assert_string_equal(c.text, "نحمي البيانات [-الخدمة-]{+والخدمة+} بعناية.\n");
	assert_int_equal(c.result.words_added, 1);
	assert_int_equal(c.result.words_removed, 1);
	release(&c);
}

static void test_diacritics_with_and_without_option(void **state)
{
	(void)state;
	const char *plain = "يقر المستخدم بذلك.\n", *vowelled = "يُقِرّ المستخدم بذلك.\n";
	compared c = compare(plain, vowelled);
	assert_int_equal(c.result.change_count, 1);
	assert_string_equal(c.text, "[-يقر-]{+يُقِرّ+} المستخدم بذلك.\n");
	release(&c);
	c = compare_with(plain, vowelled, 1);
	assert_int_equal(c.result.change_count, 0);
	assert_int_equal(tu_count(c.page, "//del | //ins"), 0);
	/* The newer text is what is shown. */
	assert_string_equal(c.text, "يُقِرّ المستخدم بذلك.\n");
	release(&c);
}

static void test_tatweel_and_white_space_are_not_changes(void **state)
{
	(void)state;
	compared c = compare("سياسة الخصوصية هذه\nتطبق على الخدمة.\n",
	                     "سيـــاسة   الخصوصية هذه تطبق\nعلى الخدمة.\n");
	assert_int_equal(c.result.change_count, 0);
	release(&c);
}

static const char list_old[] = "الأغراض:\n\n1. تحسين الخدمة\n2. إرسال الرسائل\n3. الدعم\n";
static const char list_new[] = "الأغراض:\n\n1. تحسين الخدمة\n2. حماية الحسابات\n3. إرسال الرسائل\n4. الدعم\n";

static void test_list_item_inserted_in_the_middle(void **state)
{
	(void)state;
	compared c = compare(list_old, list_new);
	assert_int_equal(tu_count(c.page, "//ol/li"), 4);
	assert_int_equal(tu_count(c.page, "//ol/li[2][contains(@class,'diff-added')]/ins[contains(., 'حماية الحسابات')]"), 1);
	assert_int_equal(tu_count(c.page, "//ol/li[not(@class)]"), 3);
	assert_int_equal(tu_count(c.page, "//del"), 0);
	assert_int_equal(c.result.change_count, 1);
	assert_int_equal(c.result.changes[0].kind, PP_CHANGE_ADDED);
	assert_int_equal(c.result.words_added, 2);
	/* In text the added item is one mark with its number, and the items
	 * after it show their old and new numbers, so either side reads true. */
	assert_string_equal(c.text, "الأغراض:\n\n1. تحسين الخدمة\n\n{+2. حماية الحسابات+}\n\n[-2.-]{+3.+} إرسال "
	                            "الرسائل\n\n[-3.-]{+4.+} الدعم\n");
	release(&c);
}

static void test_list_item_removed_keeps_numbers(void **state)
{
	(void)state;
	compared c = compare(list_new, list_old);
	/* The removed item shows its old number; the others count as now. */
	assert_int_equal(tu_count(c.page, "//ol/li[@value='1'][not(@class)]"), 1);
	assert_int_equal(tu_count(c.page, "//ol/li[@value='2'][contains(@class,'diff-removed')]"), 1);
	assert_int_equal(tu_count(c.page, "//ol/li[@value='2'][not(@class)]"), 1);
	assert_int_equal(tu_count(c.page, "//ol/li[@value='3'][not(@class)]"), 1);
	release(&c);
}

static const char doc_old[] =
    "## Cookies\n\nWe use cookies to keep you signed in.\n\n"
    "## Sharing\n\nWe never sell your data.\n\nWe share data with processors.\n\n"
    "## Contact\n\nWrite to privacy@example.org.\n";

static void test_section_removed(void **state)
{
	(void)state;
	compared c = compare(doc_old, "## Cookies\n\nWe use cookies to keep you signed in.\n\n"
	                              "## Contact\n\nWrite to privacy@example.org.\n");
	assert_int_equal(tu_count(c.page, "//h2[contains(@class,'diff-removed')]/del[.='Sharing' or contains(.,'Sharing')]"), 1);
	assert_int_equal(tu_count(c.page, "//p[contains(@class,'diff-removed')]"), 2);
	assert_int_equal(c.result.change_count, 1);
	assert_int_equal(c.result.changes[0].kind, PP_CHANGE_REMOVED);
	assert_int_equal(c.result.words_removed, 1 + 5 + 5);
	assert_int_equal(c.result.sections_changed, 1);
	release(&c);
}

static void test_heading_renamed(void **state)
{
	(void)state;
	char *renamed = strdup(doc_old);
	memcpy(strstr(renamed, "Sharing"), "Sharers", 7);
	compared c = compare(doc_old, renamed);
	assert_int_equal(tu_count(c.page, "//h2[del and ins]"), 1);
	char *del = marked(c.page, "del", 1), *ins = marked(c.page, "ins", 1);
	assert_string_equal(del, "Sharing");
	assert_string_equal(ins, "Sharers");
	assert_int_equal(c.result.change_count, 1);
	assert_string_equal(c.result.changes[0].section, "Sharers");
	free(del);
	free(ins);
	free(renamed);
	release(&c);
}

static void test_renamed_heading_keeps_one_pinned_id(void **state)
{
	(void)state;
	/* Different words, same pinned id: the id stays unique on the page. */
	compared c = compare("## Cookies {#cookies}\n\nText.\n\n## Contact\n", "## Tracking technologies {#cookies}\n\nText.\n\n## Contact\n");
	assert_int_equal(tu_count(c.page, "//*[@id='cookies']"), 1);
	assert_int_equal(tu_count(c.page, "//h2[@id='cookies']/ins"), 1);
	release(&c);
	c = compare("## Cookies {#cookies}\n\nText.\n", "Intro.\n\n## Cookies {#cookies}\n\nText.\n\n## Cookies {#cookies}\n");
	assert_int_equal(tu_count(c.page, "//*[@id='cookies']"), 1);
	release(&c);
}

static void test_paragraph_moved(void **state)
{
	(void)state;
	const char *before = "First paragraph here.\n\nSecond paragraph here.\n\nThird one, which will move.\n";
	const char *after = "Third one, which will move.\n\nFirst paragraph here.\n\nSecond paragraph here.\n";
	compared c = compare(before, after);
	assert_int_equal(tu_count(c.page, "//p[contains(@class,'diff-moved-to')]/ins[@class='diff-mark moved']"), 1);
	assert_int_equal(tu_count(c.page, "//p[contains(@class,'diff-moved-from')]/del[@class='diff-mark moved']"), 1);
	/* Shown at the new place first, then where it was. */
	assert_int_equal(tu_count(c.page, "/html/body/div/p[1][contains(@class,'diff-moved-to')]"), 1);
	assert_int_equal(tu_count(c.page, "/html/body/div/p[4][contains(@class,'diff-moved-from')]"), 1);
	assert_int_equal(c.result.words_added, 0);
	assert_int_equal(c.result.words_removed, 0);
	assert_int_equal(c.result.changes[0].kind, PP_CHANGE_MOVED);
	release(&c);
}

static void test_identical_documents(void **state)
{
	(void)state;
	compared c = compare(doc_old, doc_old);
	assert_int_equal(c.result.change_count, 0);
	assert_int_equal(c.result.sections_changed, 0);
	assert_int_equal(tu_count(c.page, "//del | //ins"), 0);
	assert_int_equal(tu_count(c.page, "//h2"), 3);
	release(&c);
}

static void test_empty_old_document(void **state)
{
	(void)state;
	compared c = compare("", doc_old);
	assert_int_equal(tu_count(c.page, "//del"), 0);
	assert_int_equal(tu_count(c.page, "/html/body/div/*[not(contains(@class,'diff-added'))]"), 0);
	/* One change per section added, each under its heading. */
	assert_int_equal(c.result.change_count, 3);
	assert_string_equal(c.result.changes[2].section, "Contact");
	assert_int_equal(c.result.sections_changed, 3);
	/* 1 + 8 + 1 + 5 + 5 + 1 + 3: ICU keeps an e-mail address as one word. */
	assert_int_equal(c.result.words_added, 24);
	release(&c);
}

static void test_formatting_kept_around_marks(void **state)
{
	(void)state;
	compared c = compare("Read **our full policy** or [the summary](https://example.org/a).\n",
	                     "Read **our complete policy** or [the summary](https://example.org/b).\n");
	assert_int_equal(tu_count(c.page, "//strong/del[contains(., 'full')]"), 1);
	assert_int_equal(tu_count(c.page, "//strong/ins[contains(., 'complete')]"), 1);
	/* A link whose target changed is a change even with the same text:
	 * the old link removed whole, the new one added whole. */
	assert_int_equal(tu_count(c.page, "//del/a[@href='https://example.org/a'][.='the summary']"), 1);
	assert_int_equal(tu_count(c.page, "//ins/a[@href='https://example.org/b'][.='the summary']"), 1);
	assert_int_equal(tu_count(c.page, "//a[@href='https://example.org/b'][not(ancestor::ins)]"), 0);
	release(&c);
}

/* ---- the guarantee on the cases that broke it (issue 11) ---- */

static void test_word_replaced_by_link(void **state)
{
	(void)state;
	/* The insertion used to be written inside the still-open deletion. */
	compared c = compare("a b\n", "a [c](https://e.org/u)\n");
	assert_string_equal(c.text, "a [-b-]{+c <https://e.org/u>+}\n");
	assert_int_equal(tu_count(c.page, "//del//ins | //ins//del"), 0);
	assert_int_equal(tu_count(c.page, "//del[.='[removed] b']"), 1);
	assert_int_equal(tu_count(c.page, "//ins/a[@href='https://e.org/u'][.='c']"), 1);
	release(&c);
}

static void test_arabic_word_replaced_by_latin_name(void **state)
{
	(void)state;
	/* The isolated Latin run used to be lost from the new side. */
	compared c = compare("أ ب ج\n", "أ Firefox ج\n");
	assert_string_equal(c.text, "أ [-ب-]{+Firefox+} ج\n");
	assert_int_equal(tu_count(c.page, "//ins/span[@dir='ltr'][.='Firefox']"), 1);
	assert_int_equal(c.result.words_added, 1);
	assert_int_equal(c.result.words_removed, 1);
	release(&c);
}

static void test_unchanged_emphasis_next_to_edit(void **state)
{
	(void)state;
	/* The unchanged <em> used to be pulled into the deletion. */
	compared c = compare("a b *F* c\n", "a *F* c\n");
	assert_string_equal(c.text, "a [-b -]F c\n");
	assert_int_equal(tu_count(c.page, "//em[.='F'][not(ancestor::del)][not(ancestor::ins)]"), 1);
	assert_int_equal(c.result.words_removed, 1);
	assert_int_equal(c.result.words_added, 0);
	release(&c);
}

static void test_unchanged_latin_name_next_to_insertion(void **state)
{
	(void)state;
	/* "Firefox" used to be shown as inserted. */
	compared c = compare("يرسل Firefox بيانات\n", "يرسل إلينا Firefox بيانات\n");
	assert_string_equal(c.text, "يرسل {+إلينا +}Firefox بيانات\n");
	assert_int_equal(tu_count(c.page, "//span[@dir='ltr'][.='Firefox'][not(ancestor::ins)]"), 1);
	assert_int_equal(c.result.words_added, 1);
	release(&c);
}

static void test_space_added_before_link(void **state)
{
	(void)state;
	/* The unchanged link used to be marked inserted. */
	compared c = compare("a.[b](https://e.org/u)\n", "a. [b](https://e.org/u)\n");
	assert_string_equal(c.text, "a.{+ +}b <https://e.org/u>\n");
	assert_int_equal(tu_count(c.page, "//a[@href='https://e.org/u'][not(ancestor::ins)][.='b']"), 1);
	assert_int_equal(tu_count(c.page, "//ins[normalize-space(.)='[added]']"), 1);
	release(&c);
}

static void test_moved_block_keeps_both_orders(void **state)
{
	(void)state;
	/* The moved block's removal used to come before the edited block, so
	 * the old side read "B x one S". */
	compared c = compare("x one\n\nB\n\nS\n", "x two\n\nS\n\nB\n");
	assert_string_equal(c.text, "x [-one-]{+two+}\n\n[-B-]\n\nS\n\n{+B+}\n");
	assert_int_equal(tu_count(c.page, "/html/body/div/p[1][del='[removed] one']"), 1);
	assert_int_equal(tu_count(c.page, "/html/body/div/p[2][contains(@class,'diff-moved-from')]"), 1);
	assert_int_equal(tu_count(c.page, "/html/body/div/p[4][contains(@class,'diff-moved-to')]"), 1);
	release(&c);
}

static void test_link_target_changed(void **state)
{
	(void)state;
	/* Used to be "no change". */
	compared c = compare("[a](https://e.org/u)\n", "[a](https://e.org/v)\n");
	assert_int_equal(c.result.change_count, 1);
	assert_string_equal(c.text, "[-a <https://e.org/u>-]{+a <https://e.org/v>+}\n");
	assert_int_equal(tu_count(c.page, "//del/a[@href='https://e.org/u']"), 1);
	assert_int_equal(tu_count(c.page, "//ins/a[@href='https://e.org/v']"), 1);
	release(&c);
}

static void test_text_keeps_spaces_next_to_links(void **state)
{
	(void)state;
	/* The text form used to print "x [-a-]{+d+}b c", losing a space. */
	compared c = compare("x [a](https://e.org/u) b c\n", "x [d](https://e.org/u)b c\n");
	assert_string_equal(c.text, "x [-a <https://e.org/u> -]{+d <https://e.org/u>+}b c\n");
	release(&c);
}

static void test_formatting_change_is_a_change(void **state)
{
	(void)state;
	compared c = compare("We keep **all** data.\n", "We keep all data.\n");
	assert_int_equal(c.result.change_count, 1);
	assert_int_equal(tu_count(c.page, "//del/strong[.='all']"), 1);
	assert_int_equal(tu_count(c.page, "//ins[.='[added] all']"), 1);
	release(&c);
	c = compare("Code: `rm -rf`.\n", "Code: rm -rf.\n");
	assert_int_equal(c.result.change_count, 1);
	release(&c);
}

/* A kramdown definition list compares as its terms and definitions: a
 * word changed in a definition is marked there, a term added is added. */
static void test_definition_list_changes(void **state)
{
	(void)state;
	compared c = compare("Personal data\n: any information about a person.\n\nProcessor\n: acts for us.\n",
	                     "Personal data\n: any information about a natural person.\n\nProcessor\n: acts for us.\n\n"
	                     "Recipient\n: receives data.\n");
	assert_true(c.faithful);
	assert_int_equal(c.result.repaired, 0);
	assert_int_equal(tu_count(c.page, "//dl/dd[1]/ins[normalize-space(.)='[added] natural']"), 1);
	assert_int_equal(tu_count(c.page, "//dl/dd[2][not(.//ins)][not(.//del)]"), 1);
	assert_int_equal(tu_count(c.page, "//dl/dt[3][contains(@class,'diff-added')] | //dl/dt[3][ins]"), 1);
	release(&c);
}

static void test_list_start_number_is_a_change(void **state)
{
	(void)state;
	/* A list that starts at another number reads differently. */
	compared c = compare("2. one\n3. two\n", "1. one\n2. two\n");
	assert_true(c.result.change_count > 0);
	assert_int_equal(tu_count(c.page, "//ol[@start='2'][contains(@class,'diff-removed')]"), 1);
	release(&c);
}

static void test_raw_html_table_keeps_space_between_cells(void **state)
{
	(void)state;
	compared c = compare("<table>\n<tr><td>a</td> <td>b</td></tr>\n</table>\n",
	                     "<table>\n<tr><td>a</td> <td>c</td></tr>\n</table>\n");
	/* The white space between the cells, as the version page has it. */
	assert_int_equal(tu_count(c.page, "//tr/td[1]/following-sibling::node()[1][self::text()][.=' ']"), 1);
	assert_int_equal(tu_count(c.page, "//tr/td[2]/del[.='[removed] b']"), 1);
	release(&c);
}

static void test_raw_html_blocks_stay_apart(void **state)
{
	(void)state;
	/* One raw HTML block with two top-level elements: siblings, not nested. */
	compared c = compare("<h2>Taxes</h2>\n<p>We collect tax.</p>\n", "<h2>Taxes</h2>\n<p>We collect taxes.</p>\n");
	assert_int_equal(tu_count(c.page, "//h2//p"), 0);
	assert_int_equal(tu_count(c.page, "/html/body/div/p/del"), 1);
	release(&c);
}

/* A policy's own <details> holding a change, or added, is shown open on
 * the comparison: a change a reader must see is never folded away. One
 * unchanged stays as the policy has it. */
static void test_details_holding_a_change_open(void **state)
{
	(void)state;
	const char *old_text = "<details>\n<summary>Cookies</summary>\n\nWe keep cookies for 30 days.\n\n</details>\n\n"
	                       "<details>\n<summary>Same</summary>\n\nNothing changed here.\n\n</details>\n\n"
	                       "<div>\n\n<details>\n<summary>Deep</summary>\n\n- one\n- two\n\n</details>\n\n</div>\n";
	const char *new_text = "<details>\n<summary>Cookies</summary>\n\nWe keep cookies for 400 days.\n\n</details>\n\n"
	                       "<details>\n<summary>Same</summary>\n\nNothing changed here.\n\n</details>\n\n"
	                       "<div>\n\n<details>\n<summary>Deep</summary>\n\n- one\n- three\n\n</details>\n\n</div>\n\n"
	                       "<details>\n<summary>Added</summary>\n\nA new section.\n\n</details>\n";
	compared c = compare(old_text, new_text);
	assert_int_equal(tu_count(c.page, "//details[summary='Cookies'][@open]/p/ins[contains(.,'400')]"), 1);
	assert_int_equal(tu_count(c.page, "//details[summary='Same'][not(@open)]"), 1);
	assert_int_equal(tu_count(c.page, "//div/details[summary='Deep'][@open]//li//ins[contains(.,'three')]"), 1);
	assert_int_equal(tu_count(c.page, "//details[contains(summary,'Added')][@open]"), 1);
	assert_int_equal(tu_count(c.page, "//details[@open]"), 3);
	release(&c);
}

static void test_heading_holding_a_paragraph(void **state)
{
	(void)state;
	/* Broken raw HTML nests a paragraph in a heading: compared as a
	 * container, not shown replaced whole, and no repair needed. */
	compared c = compare("<h2>Title<x/h2>\n<p>old words</p>\n", "<h2>Title</h2>\n<p>new words</p>\n");
	assert_int_equal(tu_count(c.page, "//h2[not(@class)][contains(.,'Title')][not(.//ins)]"), 1);
	assert_int_equal(tu_count(c.page, "//p[contains(@class,'diff-removed')]/del[contains(.,'old words')]"), 1);
	assert_int_equal(tu_count(c.page, "//p[contains(@class,'diff-added')]/ins[contains(.,'new words')]"), 1);
	release(&c);
}

/* A pair of paragraphs past PP_DIFF_MAX_WORDS_TEXT is shown replaced whole,
 * the result says it was degraded, and the guarantee still holds; one just
 * below is still compared word by word. Memory stays a few times the text:
 * no token is kept per punctuation mark of a huge paragraph. */
static void test_huge_paragraph_replaced_whole(void **state)
{
	(void)state;
	for (int over = 0; over <= 1; over++) {
		size_t n = PP_DIFF_MAX_WORDS_TEXT / 2 + (over ? 64 : -64);
		char *old_md = malloc(n + 8), *new_md = malloc(n + 8);
		for (size_t i = 0; i < n; i++)
			old_md[i] = new_md[i] = i % 2 ? ';' : 'e'; /* a token per character */
		memcpy(old_md + n, "\n", 2);
		memcpy(new_md + n, " x\n", 4);
		compared c = compare(old_md, new_md);
		assert_int_equal(c.result.degraded, over);
		if (over) {
			assert_int_equal(tu_count(c.page, "//p[contains(@class, 'diff-removed')]"), 1);
			assert_int_equal(tu_count(c.page, "//p[contains(@class, 'diff-added')]"), 1);
		} else {
			assert_int_equal(tu_count(c.page, "//ins"), 1);
			assert_int_equal(tu_count(c.page, "//del"), 0);
		}
		release(&c);
		free(old_md);
		free(new_md);
	}
}

/* Deep nesting costs the diff no stack: 8,000 nested quotes compared on a
 * thread with a 1 MiB stack, which a frame per level would overflow. */
typedef struct {
	char *old_md, *new_md;
	compared result;
} deep_case;

static void *compare_deep(void *arg)
{
	deep_case *c = arg;
	c->result = compare(c->old_md, c->new_md);
	return NULL;
}

static void test_deep_nesting_costs_no_stack(void **state)
{
	(void)state;
	enum { LEVELS = 8000 };
	deep_case c = {.old_md = malloc(2 * LEVELS + 16), .new_md = malloc(2 * LEVELS + 16)};
	for (int i = 0; i < LEVELS; i++) {
		memcpy(c.old_md + 2 * i, "> ", 2);
		memcpy(c.new_md + 2 * i, "> ", 2);
	}
	strcpy(c.old_md + 2 * LEVELS, "a b c\n");
	strcpy(c.new_md + 2 * LEVELS, "a x c\n");
	pthread_attr_t attr;
	pthread_t thread;
	assert_int_equal(pthread_attr_init(&attr), 0);
	assert_int_equal(pthread_attr_setstacksize(&attr, 1024 * 1024), 0);
	assert_int_equal(pthread_create(&thread, &attr, compare_deep, &c), 0);
	assert_int_equal(pthread_join(thread, NULL), 0);
	pthread_attr_destroy(&attr);
	assert_int_equal(c.result.result.change_count, 1);
	assert_int_equal(c.result.result.words_removed, 1);
	assert_int_equal(c.result.result.words_added, 1);
	/* (libxml2's HTML parser stops short of this depth: the text form.) */
	assert_non_null(strstr(c.result.text, "a [-b-]{+x+} c"));
	release(&c.result);
	free(c.old_md);
	free(c.new_md);
}

/* The self-check: an output that lost a word (or a block) on the way is
 * caught and the place shown replaced whole, which holds both versions. */
static void test_self_check_repairs_a_lost_word(void **state)
{
	(void)state;
	compared c = compare_faulty("One two three.\n\nKept paragraph.\n", "One four three.\n\nKept paragraph.\n", 0,
	                            PP_DIFF_FAULT_WORD);
	assert_int_equal(c.result.repaired, 1);
	assert_int_equal(c.faithful, 1);
	assert_string_equal(c.text, "[-One two three.-]\n\n{+One four three.+}\n\nKept paragraph.\n");
	assert_int_equal(c.result.words_removed, 3);
	assert_int_equal(c.result.words_added, 3);
	release(&c);
}

static void test_self_check_repairs_a_lost_block(void **state)
{
	(void)state;
	compared c = compare_faulty("Gone paragraph.\n\nKept paragraph.\n", "Kept paragraph.\n", 0, PP_DIFF_FAULT_BLOCK);
	assert_int_equal(c.result.repaired, 1);
	assert_int_equal(c.faithful, 1);
	/* The whole document is shown replaced. */
	assert_string_equal(c.text, "[-Gone paragraph.-]\n\n[-Kept paragraph.-]\n\n{+Kept paragraph.+}\n");
	release(&c);
}

static void test_text_context_folds_unchanged_blocks(void **state)
{
	(void)state;
	const char *old_md = "# Policy\n\nIntro.\n\n## Data\n\nOne.\n\nTwo.\n\nThree.\n\nFour.\n\n## Contact\n\nMail us.\n";
	const char *new_md = "# Policy\n\nIntro.\n\n## Data\n\nOne.\n\nTwo.\n\nThree.\n\nFive.\n\n## Contact\n\nMail us.\n";
	pp_diags d;
	pp_diags_init(&d);
	pp_md_context ctx = {.path = "x.md"};
	xmlNodePtr a = pp_markdown_to_container(old_md, strlen(old_md), &ctx, &d);
	xmlNodePtr b = pp_markdown_to_container(new_md, strlen(new_md), &ctx, &d);
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr out = xmlNewDocNode(doc, NULL, BAD_CAST "div", NULL);
	xmlDocSetRootElement(doc, out);
	pp_diff_options opt = {.locale = "en"};
	pp_diff_result result;
	assert_int_equal(pp_diff_dom(a, b, out, &opt, &result), 0);
	char *folded = pp_diff_to_text(out, 0, 1);
	assert_string_equal(folded, "@@ ## Data @@\nThree.\n\n[-Four.-]{+Five.+}\n\n## Contact\n");
	free(folded);
	folded = pp_diff_to_text(out, 0, 0);
	assert_string_equal(folded, "@@ ## Data @@\n[-Four.-]{+Five.+}\n");
	free(folded);
	pp_diff_result_free(&result);
	xmlFreeDoc(doc);
	xmlFreeNode(a);
	xmlFreeNode(b);
	pp_diags_free(&d);
}

/* ---- the algorithm itself ---- */

static size_t lcs_length(const unsigned long long *a, size_t n, const unsigned long long *b, size_t m)
{
	size_t *row = calloc(m + 1, sizeof *row), *prev = calloc(m + 1, sizeof *prev);
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++)
			row[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : (prev[j] > row[j - 1] ? prev[j] : row[j - 1]);
		size_t *t = prev;
		prev = row;
		row = t;
	}
	size_t result = prev[m];
	free(row);
	free(prev);
	return result;
}

static void test_myers_is_minimal_and_consistent(void **state)
{
	(void)state;
	srand(12345);
	for (int round = 0; round < 300; round++) {
		size_t n = (size_t)(rand() % 40), m = (size_t)(rand() % 40);
		unsigned long long a[40], b[40];
		for (size_t i = 0; i < n; i++)
			a[i] = (unsigned long long)(rand() % 5);
		for (size_t i = 0; i < m; i++)
			b[i] = (unsigned long long)(rand() % 5);
		unsigned char *ops;
		long count = pp_myers(a, n, b, m, n + m, &ops);
		assert_true(count >= 0);
		size_t ia = 0, ib = 0, equal = 0;
		for (long i = 0; i < count; i++) {
			if (ops[i] == 0) {
				assert_true(a[ia] == b[ib]);
				ia++, ib++, equal++;
			} else if (ops[i] == 1) {
				ia++;
			} else {
				ib++;
			}
		}
		assert_int_equal(ia, n);
		assert_int_equal(ib, m);
		assert_int_equal(equal, lcs_length(a, n, b, m));
		free(ops);
	}
}

static void test_myers_cost_limit(void **state)
{
	(void)state;
	unsigned long long a[100], b[100];
	for (int i = 0; i < 100; i++) {
		a[i] = (unsigned long long)i;
		b[i] = (unsigned long long)(1000 + i);
	}
	unsigned char *ops;
	assert_int_equal(pp_myers(a, 100, b, 100, 50, &ops), -1);
	assert_null(ops);
	assert_int_equal(pp_myers(a, 100, b, 100, 200, &ops), 200);
	free(ops);
}

/* An edit script's steps replayed: each side rebuilt, equal steps only on
 * equal keys. The number of equal steps, or -1 when the script is wrong. */
static long replay_script(const uint64_t *a, size_t n, const uint64_t *b, size_t m, const unsigned char *ops,
                          long count)
{
	size_t ia = 0, ib = 0;
	long equal = 0;
	for (long i = 0; i < count; i++) {
		if (ops[i] == PP_SEQ_EQUAL) {
			if (ia >= n || ib >= m || a[ia] != b[ib])
				return -1;
			ia++, ib++, equal++;
		} else if (ops[i] == PP_SEQ_REMOVED) {
			ia++;
		} else {
			ib++;
		}
	}
	return ia == n && ib == m ? equal : -1;
}

/* Past Myers' edit limit (30,000 items a side, 3,000 replaced at random
 * places: 6,000 edits, over nine times the limit for that length), the
 * items found once on each side anchor the comparison: every unchanged item
 * stays equal, as the shortest script has it, instead of everything being
 * replaced. Where no item is found once on each side, still replaced whole,
 * but for a common prefix; with anchors among repeated noise, a valid
 * script keeping the anchors. */
static void test_sequences_anchored_past_the_limit(void **state)
{
	(void)state;
	enum { N = 30000 };
	uint64_t *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
	assert_non_null(a);
	assert_non_null(b);
	uint64_t seed = 7;
	size_t replaced = 0;
	for (size_t i = 0; i < N; i++) {
		a[i] = b[i] = 1000000 + i;
		if (tu_random(&seed) % 10 == 0) {
			b[i] = 5000000 + i;
			replaced++;
		}
	}
	unsigned char *ops;
	long count = pp_diff_sequences(a, N, b, N, &ops);
	assert_true(count > 0);
	assert_int_equal(replay_script(a, N, b, N, ops, count), N - replaced);
	free(ops);

	for (size_t i = 0; i < N; i++) {
		a[i] = 1;
		b[i] = 2 + (i % 2);
	}
	count = pp_diff_sequences(a, N, b, N, &ops);
	assert_int_equal(replay_script(a, N, b, N, ops, count), 0);
	assert_int_equal(count, 2 * N);
	free(ops);

	/* A common prefix of repeated items (no anchor) before a middle with
	 * none found on both sides: the prefix stays equal. */
	for (size_t i = 0; i < N; i++) {
		a[i] = i < 100 ? 7 : 1000000 + i;
		b[i] = i < 100 ? 7 : 5000000 + i;
	}
	count = pp_diff_sequences(a, N, b, N, &ops);
	assert_int_equal(replay_script(a, N, b, N, ops, count), 100);
	free(ops);

	/* Every fifth item unique and kept; the rest noise from three keys. */
	size_t anchors = 0;
	for (size_t i = 0; i < N; i++) {
		int unique = i % 5 == 0;
		a[i] = unique ? 1000000 + i : tu_random(&seed) % 3;
		b[i] = unique ? 1000000 + i : tu_random(&seed) % 3;
		anchors += unique;
	}
	count = pp_diff_sequences(a, N, b, N, &ops);
	long equal = replay_script(a, N, b, N, ops, count);
	assert_true(equal >= (long)anchors);
	free(ops);
	free(a);
	free(b);
}

/* A document of 12,000 paragraphs with 1,200 of them edited: past the
 * block alignment's limit, yet every edit is shown word by word and
 * nothing is replaced whole. */
static void test_long_document_with_scattered_edits(void **state)
{
	(void)state;
	enum { PARAGRAPHS = 12000 };
	size_t size = PARAGRAPHS * 48;
	char *old_md = malloc(size), *new_md = malloc(size);
	assert_non_null(old_md);
	assert_non_null(new_md);
	size_t o = 0, n = 0;
	for (int i = 0; i < PARAGRAPHS; i++) {
		o += (size_t)sprintf(old_md + o, "Paragraph %d keeps its words.\n\n", i);
		n += (size_t)sprintf(new_md + n, i % 10 == 3 ? "Paragraph %d changes its words.\n\n"
		                                             : "Paragraph %d keeps its words.\n\n", i);
	}
	compared c = compare(old_md, new_md);
	assert_int_equal(c.result.degraded, 0);
	assert_int_equal(c.result.repaired, 0);
	assert_true(c.faithful);
	assert_int_equal(c.result.change_count, PARAGRAPHS / 10);
	assert_int_equal(tu_count(c.page, "//del[.='[removed] keeps']"), PARAGRAPHS / 10);
	assert_int_equal(tu_count(c.page, "//*[contains(@class,'diff-removed') or contains(@class,'diff-added')]"), 0);
	release(&c);
	free(old_md);
	free(new_md);
}

static char *random_document(unsigned seed, size_t bytes)
{
	static const char *const words[] = {"privacy", "data", "الخدمة", "المستخدم", "cookies", "قد",
	                                    "نحن", "policy", "share", "المعلومات", "we", "and"};
	char *doc = malloc(bytes + 64);
	size_t n = 0;
	srand(seed);
	while (n < bytes) {
		const char *w = words[rand() % 12];
		n += (size_t)sprintf(doc + n, "%s%s", w, rand() % 15 == 0 ? "\n\n" : " ");
	}
	doc[n] = '\0';
	return doc;
}

static void test_unrelated_documents_degrade_not_hang(void **state)
{
	(void)state;
	/* Large unrelated texts: bounded work, replaced whole where it had to. */
	char *a = random_document(1, 200000), *b = random_document(2, 200000);
	compared c = compare(a, b);
	assert_true(c.result.change_count > 0);
	assert_true(c.result.words_added > 0);
	free(a);
	free(b);
	release(&c);
}

/* ---- the command ---- */

static char *write_temp(const char *dir, const char *name, const char *text)
{
	char *path = tu_join(dir, name);
	tu_write(path, text);
	return path;
}

static void test_diff_command_exit_codes(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char *old_path = write_temp(dir, "old.md", sentence_old);
	char *new_path = write_temp(dir, "new.md", sentence_new);
	char *fm_path = write_temp(dir, "fm.md", "---\ntitle: T\nupdated: 2024-01-01\n---\n\nتقوم مالاكايت بجمع معلومات عن المستخدمين بطرق متعددة، وتشمل ولا تقتصر فقط على التسجيل.\n");
	char *out = NULL;
	char *same[] = {(char *)tu_binary(), "diff", old_path, fm_path, NULL};
	assert_int_equal(tu_run(same, &out, NULL), 0);
	free(out);
	char *text[] = {(char *)tu_binary(), "diff", old_path, new_path, NULL};
	assert_int_equal(tu_run(text, &out, NULL), 1);
	/* Not a terminal: no colour codes. */
	assert_string_equal(out, "تقوم مالاكايت بجمع معلومات عن المستخدمين بطرق [-متعددة-]{+مختلفة+}، "
	                         "وتشمل ولا تقتصر فقط على التسجيل.\n");
	free(out);
	char *html[] = {(char *)tu_binary(), "diff", "--format", "html", old_path, new_path, NULL};
	assert_int_equal(tu_run(html, &out, NULL), 1);
	htmlDocPtr page = tu_parse_html_string(out);
	assert_int_equal(tu_count(page, "//div[@dir='rtl']/p/del[.='متعددة']"), 1);
	assert_int_equal(tu_count(page, "//div[@dir='rtl']/p/ins[.='مختلفة']"), 1);
	xmlFreeDoc(page);
	free(out);
	char *err = NULL;
	char *missing[] = {(char *)tu_binary(), "diff", old_path, "/nonexistent/x.md", NULL};
	assert_int_equal(tu_run(missing, NULL, &err), 2);
	assert_non_null(strstr(err, "/nonexistent/x.md: error: cannot open: No such file or directory"));
	free(err);
	char *usage[] = {(char *)tu_binary(), "diff", old_path, NULL};
	assert_int_equal(tu_run(usage, NULL, NULL), 2);
	tu_remove(dir);
	free(dir);
	free(old_path);
	free(new_path);
	free(fm_path);
}

/* A version compared with the one before and then with the one after, its
 * fingerprints made once: the same marks as comparing from scratch, with
 * nothing of the first comparison carried into the second (the paragraph
 * moved in the first is removed in the second, not moved again). */
static char *diff_html(xmlNodePtr old_body, pp_diff_index *old_index, xmlNodePtr new_body,
                       pp_diff_index *new_index, const pp_diff_options *opt, size_t *changes)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr out = xmlNewDocNode(doc, NULL, BAD_CAST "div", NULL);
	xmlDocSetRootElement(doc, out);
	pp_diff_result result;
	assert_int_equal(pp_diff_dom_indexed(old_body, old_index, new_body, new_index, out, opt, &result), 0);
	*changes = result.change_count;
	pp_diff_result_free(&result);
	char *html;
	size_t len;
	assert_int_equal(pp_html_serialize(doc, &html, &len), 0);
	xmlFreeDoc(doc);
	return html;
}

static void test_indexed_versions_compare_the_same(void **state)
{
	(void)state;
	const char *versions[] = {
	    "## أ\n\nالفقرة الأولى هنا.\n\nالفقرة الثانية هنا.\n\nفقرة ثالثة ستنتقل.\n\n- بند\n- بند آخر\n",
	    "## أ\n\nفقرة ثالثة ستنتقل.\n\nالفقرة الأولى هنا.\n\nالفقرة الثانية هنا.\n\n- بند\n- بند آخر\n",
	    "## أ\n\nالفقرة الأولى هناك.\n\n- بند\n- بند جديد\n- بند آخر\n",
	};
	pp_diags d;
	pp_diags_init(&d);
	pp_md_context ctx = {.path = "x.md", .line_offset = 0, .rtl = 1};
	xmlNodePtr bodies[3];
	for (int i = 0; i < 3; i++)
		assert_non_null(bodies[i] = pp_markdown_to_container(versions[i], strlen(versions[i]), &ctx, &d));
	pp_diff_options opt = {.locale = "ar"};
	pp_diff_index *indexes[3];
	pp_diff_contexts *contexts = pp_diff_contexts_new();
	assert_non_null(contexts);
	for (int i = 0; i < 3; i++)
		assert_non_null(indexes[i] = pp_diff_index_new(bodies[i], &opt, contexts));
	size_t total = 0;
	for (int i = 1; i < 3; i++) {
		size_t plain_changes, indexed_changes;
		char *plain = diff_html(bodies[i - 1], NULL, bodies[i], NULL, &opt, &plain_changes);
		char *indexed = diff_html(bodies[i - 1], indexes[i - 1], bodies[i], indexes[i], &opt, &indexed_changes);
		assert_string_equal(indexed, plain);
		assert_int_equal(indexed_changes, plain_changes);
		total += plain_changes;
		if (i == 1)
			assert_non_null(strstr(plain, "diff-moved-"));
		else
			assert_null(strstr(plain, "diff-moved-"));
		free(plain);
		free(indexed);
	}
	assert_true(total >= 3);
	for (int i = 0; i < 3; i++) {
		pp_diff_index_free(indexes[i]);
		xmlFreeNode(bodies[i]);
	}
	pp_diff_contexts_free(contexts);
	pp_diags_free(&d);
}

/* A version whose changed paragraph has more words than an index keeps
 * (1 MiB of tokens), the first thing either index is asked to keep:
 * compared through the indexes, twice, as from scratch, with a block added
 * after it counted. */
static void test_index_over_its_token_budget(void **state)
{
	(void)state;
	size_t words = 60000;
	char *long_old = malloc(words * 8 + 200), *long_new = malloc(words * 8 + 200);
	assert_non_null(long_old);
	assert_non_null(long_new);
	char *o = long_old, *n = long_new;
	o += sprintf(o, "Intro.\n\n");
	n += sprintf(n, "Intro.\n\n");
	for (size_t i = 0; i < words; i++) {
		o += sprintf(o, "w%zu ", i % 97);
		n += sprintf(n, "w%zu ", i == words / 2 ? 1000 : i % 97);
	}
	sprintf(o, "\n\nKept.\n");
	sprintf(n, "\n\nKept.\n\nAdded last.\n");
	pp_diags d;
	pp_diags_init(&d);
	pp_md_context ctx = {.path = "x.md", .line_offset = 0, .rtl = 0};
	xmlNodePtr bodies[2] = {pp_markdown_to_container(long_old, strlen(long_old), &ctx, &d),
	                        pp_markdown_to_container(long_new, strlen(long_new), &ctx, &d)};
	assert_non_null(bodies[0]);
	assert_non_null(bodies[1]);
	pp_diff_options opt = {.locale = "en"};
	pp_diff_contexts *contexts = pp_diff_contexts_new();
	pp_diff_index *indexes[2] = {pp_diff_index_new(bodies[0], &opt, contexts),
	                             pp_diff_index_new(bodies[1], &opt, contexts)};
	assert_non_null(indexes[0]);
	assert_non_null(indexes[1]);
	size_t plain_changes, indexed_changes;
	char *plain = diff_html(bodies[0], NULL, bodies[1], NULL, &opt, &plain_changes);
	for (int round = 0; round < 2; round++) {
		char *indexed = diff_html(bodies[0], indexes[0], bodies[1], indexes[1], &opt, &indexed_changes);
		assert_string_equal(indexed, plain);
		assert_int_equal(indexed_changes, plain_changes);
		free(indexed);
	}
	assert_true(plain_changes >= 2);
	free(plain);
	for (int i = 0; i < 2; i++) {
		pp_diff_index_free(indexes[i]);
		xmlFreeNode(bodies[i]);
	}
	pp_diff_contexts_free(contexts);
	pp_diags_free(&d);
	free(long_old);
	free(long_new);
}

/* Segments as ICU's word break iterator gives them, read here directly:
 * ends in UTF-16 and UTF-8, and which are words. */
static void assert_segments_are_icu(UBreakIterator *words, const char *utf8, const pp_diff_segmentation *seg)
{
	UChar u[4096];
	int32_t len;
	UErrorCode status = U_ZERO_ERROR;
	u_strFromUTF8(u, 4096, &len, utf8, -1, &status);
	assert_true(U_SUCCESS(status));
	assert_int_equal(seg->len, len);
	assert_memory_equal(seg->text, u, (size_t)len * sizeof *u);
	ubrk_setText(words, u, len, &status);
	assert_true(U_SUCCESS(status));
	size_t i = 0, counted = 0;
	ubrk_first(words);
	for (int32_t end = ubrk_next(words); end != UBRK_DONE; end = ubrk_next(words), i++) {
		assert_true(i < seg->count);
		assert_int_equal(seg->end16[i], end);
		int32_t bytes = 0;
		status = U_ZERO_ERROR;
		u_strToUTF8(NULL, 0, &bytes, u, end, &status);
		assert_int_equal(seg->end8[i], (uint32_t)bytes);
		int is_word = ubrk_getRuleStatus(words) != UBRK_WORD_NONE;
		assert_int_equal(seg->is_word[i], is_word);
		counted += (size_t)is_word;
	}
	assert_int_equal(seg->count, i);
	assert_int_equal(seg->words, counted);
}

/* The word segments a series keeps are ICU's for each text, whichever
 * text asked first; a text asked again is found, not split again; past the
 * cache's bound texts are still split right, and handed to the caller. */
static void test_word_segments_kept_per_series(void **state)
{
	(void)state;
	const char *texts[] = {
		"نحن نجمع المعلومات التي تقدمها لنا مباشرةً، مثل الاسم (GDPR) والبريد الإلكتروني.",
		"We collect the information you give us: name, e-mail, 3.5 GB of files.",
		"אנו אוספים מידע על ארה״ב ועל 42 משתמשים.",
		"ภาษาไทยไม่มีช่องว่างระหว่างคำ",
		"  spaces\tand\nlines  ",
		"x",
		"😀 emoji 👍🏽 and CJK 日本語のテキスト",
		"نحن نجمع المعلومات التي تقدمها لنا مباشرةً، مثل الاسم (GDPR) والبريد الإلكترونى.", /* one letter off */
	};
	size_t n = sizeof texts / sizeof *texts;
	UErrorCode status = U_ZERO_ERROR;
	UBreakIterator *words = ubrk_open(UBRK_WORD, "ar", NULL, 0, &status);
	UBreakIterator *reader = ubrk_open(UBRK_WORD, "ar", NULL, 0, &status);
	assert_true(U_SUCCESS(status));
	pp_kept *cache = pp_kept_new(4u << 20, NULL);
	assert_non_null(cache);
	const pp_diff_segmentation *first[8];
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < n; i++) {
			pp_diff_segmentation *scratch;
			const pp_diff_segmentation *seg = pp_diff_segment(cache, words, texts[i], strlen(texts[i]), &scratch);
			assert_non_null(seg);
			assert_null(scratch); /* kept: far under the bound */
			if (round == 0)
				first[i] = seg;
			else
				assert_ptr_equal(seg, first[i]); /* found, not split again */
			assert_segments_are_icu(reader, texts[i], seg);
		}
	/* A text longer than the stack buffer, and many distinct texts: past
	 * the bound (4 MiB), each is split right and left to the caller. */
	char *text = malloc(3000);
	assert_non_null(text);
	size_t scratches = 0;
	for (unsigned k = 0; k < 4000; k++) {
		int at = 0;
		for (unsigned w = 0; at < 2900; w++)
			at += sprintf(text + at, "%s%u ", w % 2 ? "كلمة" : "word", k * 7919u + w);
		pp_diff_segmentation *scratch;
		const pp_diff_segmentation *seg = pp_diff_segment(cache, words, text, strlen(text), &scratch);
		assert_non_null(seg);
		if (k % 97 == 0 || scratch)
			assert_segments_are_icu(reader, text, seg);
		scratches += scratch != NULL;
		pp_diff_segmentation_free(scratch);
	}
	assert_true(scratches > 1000);
	assert_true(scratches < 4000);
	/* Without a cache, nothing is kept. */
	pp_diff_segmentation *scratch;
	const pp_diff_segmentation *seg = pp_diff_segment(NULL, words, texts[0], strlen(texts[0]), &scratch);
	assert_ptr_equal(seg, scratch);
	assert_segments_are_icu(reader, texts[0], seg);
	pp_diff_segmentation_free(scratch);
	free(text);
	pp_kept_free(cache);
	ubrk_close(words);
	ubrk_close(reader);
}

/* Similarity pairs blocks by their words as multisets, each side's word
 * hashes sorted and merged: for paragraphs of every size (one sorted run,
 * several, odd and even numbers of runs, the 2,000 words compared), words
 * repeated and shuffled, some replaced, the Dice coefficient is exactly
 * the one the word counts give. */
static xmlNodePtr paragraph_of(const unsigned *ids, size_t n, pp_diags *d)
{
	char *md = malloc(n * 12 + 2);
	assert_non_null(md);
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(md + len, "%sw%u", i ? " " : "", ids[i]);
	md[len++] = '\n';
	md[len] = '\0';
	pp_md_context ctx = {.path = "x.md", .line_offset = 0, .rtl = 0};
	xmlNodePtr body = pp_markdown_to_container(md, len, &ctx, d);
	free(md);
	assert_non_null(body);
	return body;
}

static void test_similarity_counts_shuffled_words(void **state)
{
	(void)state;
	static const size_t sizes[] = {1, 2, 15, 16, 17, 33, 100, 511, 512, 513, 1200, 2000};
	uint64_t rng = 7;
	pp_diff_options opt = {.locale = "en"};
	pp_diags d;
	pp_diags_init(&d);
	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
		for (int round = 0; round < 3; round++) {
			size_t n = sizes[s], pool = n / 2 + 1, replaced = round * n / 4;
			unsigned *old_ids = malloc(n * sizeof *old_ids), *new_ids = malloc(n * sizeof *new_ids);
			unsigned *counts = calloc(pool + n, sizeof *counts);
			assert_true(old_ids && new_ids && counts);
			for (size_t i = 0; i < n; i++)
				old_ids[i] = new_ids[i] = (unsigned)(tu_random(&rng) % pool);
			for (size_t i = n; i > 1; i--) {
				size_t j = (size_t)(tu_random(&rng) % i);
				unsigned t = new_ids[i - 1];
				new_ids[i - 1] = new_ids[j];
				new_ids[j] = t;
			}
			for (size_t i = 0; i < replaced; i++)
				new_ids[i] = (unsigned)(pool + i); /* a word the old text lacks */
			/* The words both sides share, counted with their repeats. */
			size_t common = 0;
			for (size_t i = 0; i < n; i++)
				counts[old_ids[i]]++;
			for (size_t i = 0; i < n; i++)
				if (counts[new_ids[i]]) {
					counts[new_ids[i]]--;
					common++;
				}
			xmlNodePtr old_body = paragraph_of(old_ids, n, &d), new_body = paragraph_of(new_ids, n, &d);
			item a = {.first = old_body->children, .last = old_body->children, .hash = 1};
			item b = {.first = new_body->children, .last = new_body->children, .hash = 2};
			double sim = pp_diff_similarity(&opt, NULL, &a, &b);
			assert_int_equal(a.word_count, n);
			assert_int_equal(b.word_count, n);
			double expected = (double)common / (double)n;
			assert_true(sim - expected < 1e-12 && expected - sim < 1e-12);
			for (size_t i = 1; i < n; i++)
				assert_true(a.words[i - 1] <= a.words[i] && b.words[i - 1] <= b.words[i]);
			free(a.words);
			free(b.words);
			xmlFreeNode(old_body);
			xmlFreeNode(new_body);
			free(old_ids);
			free(new_ids);
			free(counts);
		}
	}
	pp_diags_free(&d);
}

/* The table a series keeps its texts' segments, excerpts and blocks' words
 * in (and themes their formatted counts): a key is found by its bytes; a
 * key kept already is not kept twice; past the bound nothing more is kept,
 * and what was kept stays. */
static void test_kept_values(void **state)
{
	(void)state;
	pp_kept *kept = pp_kept_new(64 * 1024, NULL);
	assert_non_null(kept);
	assert_null(pp_kept_find(kept, "a", 1));
	assert_null(pp_kept_find(NULL, "a", 1));
	size_t stored = 0, refused = 0;
	for (unsigned i = 0; i < 4000; i++) {
		char *block = malloc(64);
		assert_non_null(block);
		int len = snprintf(block, 64, "key %u", i);
		if (pp_kept_put(kept, block, (size_t)len, block, 64))
			stored++;
		else {
			refused++;
			free(block);
		}
	}
	assert_true(stored > 100);
	assert_true(refused > 100); /* the bound reached */
	for (unsigned i = 0; i < 4000; i++) {
		char key[32];
		int len = snprintf(key, sizeof key, "key %u", i);
		const char *found = pp_kept_find(kept, key, (size_t)len);
		if (i < stored) {
			assert_non_null(found);
			assert_memory_equal(found, key, (size_t)len);
		} else {
			assert_null(found);
		}
		/* Its prefix and a key of the same length with other bytes are
		 * other keys. */
		assert_true(pp_kept_find(kept, key, (size_t)len - 1) != found || !found);
		key[len - 1] = 'x';
		assert_null(pp_kept_find(kept, key, (size_t)len));
	}
	/* A key kept already: the second block stays the caller's. */
	pp_kept *small = pp_kept_new(4096, NULL);
	char *first = strdup("same"), *second = strdup("same");
	assert_int_equal(pp_kept_put(small, first, 4, first, 5), 1);
	assert_int_equal(pp_kept_put(small, second, 4, second, 5), 0);
	assert_ptr_equal(pp_kept_find(small, "same", 4), first);
	free(second);
	/* Texts after their keys: found as given, by the whole key only; a
	 * second text for a key is not kept; none past the bound. */
	assert_null(pp_kept_find_text(small, "k1", 2));
	pp_kept_put_text(small, "k1", 2, "first text");
	pp_kept_put_text(small, "k1", 2, "second text");
	pp_kept_put_text(small, "k12", 3, "");
	assert_string_equal(pp_kept_find_text(small, "k1", 2), "first text");
	assert_string_equal(pp_kept_find_text(small, "k12", 3), "");
	assert_null(pp_kept_find_text(small, "k", 1));
	char big[5000];
	memset(big, 'b', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	pp_kept_put_text(small, "big", 3, big);
	assert_null(pp_kept_find_text(small, "big", 3));
	pp_kept_put_text(NULL, "k1", 2, "nothing kept, no crash");
	pp_kept_free(small);
	pp_kept_free(kept);
}

int main(void)
{
	xmlInitParser(); /* before test_deep_nesting_costs_no_stack starts a thread */
	pp_markdown_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_arabic_word_changed),
		cmocka_unit_test(test_indexed_versions_compare_the_same),
		cmocka_unit_test(test_index_over_its_token_budget),
		cmocka_unit_test(test_word_segments_kept_per_series),
		cmocka_unit_test(test_kept_values),
		cmocka_unit_test(test_details_holding_a_change_open),
		cmocka_unit_test(test_clitic_change),
		cmocka_unit_test(test_diacritics_with_and_without_option),
		cmocka_unit_test(test_tatweel_and_white_space_are_not_changes),
		cmocka_unit_test(test_list_item_inserted_in_the_middle),
		cmocka_unit_test(test_list_item_removed_keeps_numbers),
		cmocka_unit_test(test_section_removed),
		cmocka_unit_test(test_heading_renamed),
		cmocka_unit_test(test_renamed_heading_keeps_one_pinned_id),
		cmocka_unit_test(test_paragraph_moved),
		cmocka_unit_test(test_identical_documents),
		cmocka_unit_test(test_empty_old_document),
		cmocka_unit_test(test_formatting_kept_around_marks),
		cmocka_unit_test(test_myers_is_minimal_and_consistent),
		cmocka_unit_test(test_myers_cost_limit),
		cmocka_unit_test(test_definition_list_changes),
		cmocka_unit_test(test_sequences_anchored_past_the_limit),
		cmocka_unit_test(test_long_document_with_scattered_edits),
		cmocka_unit_test(test_unrelated_documents_degrade_not_hang),
		cmocka_unit_test(test_diff_command_exit_codes),
		cmocka_unit_test(test_word_replaced_by_link),
		cmocka_unit_test(test_arabic_word_replaced_by_latin_name),
		cmocka_unit_test(test_unchanged_emphasis_next_to_edit),
		cmocka_unit_test(test_unchanged_latin_name_next_to_insertion),
		cmocka_unit_test(test_space_added_before_link),
		cmocka_unit_test(test_moved_block_keeps_both_orders),
		cmocka_unit_test(test_link_target_changed),
		cmocka_unit_test(test_text_keeps_spaces_next_to_links),
		cmocka_unit_test(test_formatting_change_is_a_change),
		cmocka_unit_test(test_list_start_number_is_a_change),
		cmocka_unit_test(test_raw_html_table_keeps_space_between_cells),
		cmocka_unit_test(test_raw_html_blocks_stay_apart),
		cmocka_unit_test(test_heading_holding_a_paragraph),
		cmocka_unit_test(test_deep_nesting_costs_no_stack),
		cmocka_unit_test(test_huge_paragraph_replaced_whole),
		cmocka_unit_test(test_self_check_repairs_a_lost_word),
		cmocka_unit_test(test_self_check_repairs_a_lost_block),
		cmocka_unit_test(test_text_context_folds_unchanged_blocks),
		cmocka_unit_test(test_similarity_counts_shuffled_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
