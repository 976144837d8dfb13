/* Markdown to DOM: structure, safety (no raw HTML, no script URLs) and
 * direction of blocks and inline runs. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unicode/utf8.h>

#include "html.h"
#include "kramdown.h"
#include "markdown.h"
#include "template.h"
#include "testutil.h"

typedef struct {
	xmlDocPtr doc;
	pp_diags diags;
	char *html; /* the body serialized, as a page would be */
} rendered;

static const char *const *page_ids; /* what render() reserves, as a theme's layout would */
static size_t page_id_count;

/* Every text rendered by these tests, in pages of both directions: what
 * it keeps of them must render them as reading them again does. */
static pp_text_facts *facts_of_all;

static rendered render_with(const char *markdown, int rtl, pp_text_facts *facts)
{
	rendered r;
	pp_diags_init(&r.diags);
	r.doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr html = xmlNewDocNode(r.doc, NULL, BAD_CAST "html", NULL);
	xmlDocSetRootElement(r.doc, html);
	xmlSetProp(html, BAD_CAST "dir", BAD_CAST(rtl ? "rtl" : "ltr"));
	xmlNodePtr body = xmlNewChild(html, NULL, BAD_CAST "body", NULL);
	/* As pages render a version's text. */
	pp_md_context ctx = {.path = "doc.md", .line_offset = 4, .rtl = rtl, .reserved_ids = page_ids,
	                     .reserved_count = page_id_count, .facts = facts};
	xmlNodePtr container = pp_markdown_to_container(markdown, strlen(markdown), &ctx, &r.diags);
	assert_non_null(container);
	while (container->children) {
		xmlNodePtr child = container->children;
		xmlUnlinkNode(child);
		xmlAddChild(body, child);
	}
	xmlFreeNode(container);
	size_t len;
	assert_int_equal(pp_html_serialize(r.doc, &r.html, &len), 0);
	return r;
}

static void release(rendered *r);

/* markdown rendered into a page of direction rtl, as a build renders it:
 * through the texts kept from the renderings before it, which gives what
 * reading every text again gives. */
static rendered render(const char *markdown, int rtl)
{
	if (!facts_of_all)
		assert_non_null(facts_of_all = pp_text_facts_new(8u << 20));
	rendered read = render_with(markdown, rtl, NULL);
	rendered kept = render_with(markdown, rtl, facts_of_all);
	assert_string_equal(kept.html, read.html);
	release(&read);
	return kept;
}

static void release(rendered *r)
{
	xmlFreeDoc(r->doc);
	pp_diags_free(&r->diags);
	free(r->html);
}

static char *first_message(const rendered *r)
{
	if (r->diags.count == 0)
		return strdup("");
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	pp_diag_format(&r->diags.items[0], f);
	fclose(f);
	return buf;
}

static void test_structure(void **state)
{
	(void)state;
	rendered r = render("## Heading\n\nPara *em* **strong** `code`.\n\n3. three\n4. four\n\n"
	                    "> quote\n\n- a\n- b\n\n---\n\n```sh\nls -l\n```\n",
	                    0);
	htmlDocPtr page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//body/h2[.='Heading']"), 1);
	assert_int_equal(tu_count(page, "//p/em[.='em']"), 1);
	assert_int_equal(tu_count(page, "//p/strong[.='strong']"), 1);
	assert_int_equal(tu_count(page, "//p/code[.='code']"), 1);
	assert_int_equal(tu_count(page, "//ol[@start='3']/li"), 2);
	assert_int_equal(tu_count(page, "//blockquote/p[.='quote']"), 1);
	assert_int_equal(tu_count(page, "//ul/li"), 2);
	assert_int_equal(tu_count(page, "//hr"), 1);
	assert_int_equal(tu_count(page, "//pre[@dir='ltr']/code[@class='language-sh']"), 1);
	assert_int_equal(r.diags.count, 0);
	xmlFreeDoc(page);
	release(&r);
}

static void test_tables(void **state)
{
	(void)state;
	rendered r = render("| البيان | المدة |\n|:--|--:|\n| السجلات | ٣٠ يومًا |\n", 1);
	htmlDocPtr page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//table/thead/tr/th"), 2);
	assert_int_equal(tu_count(page, "//table/tbody/tr/td"), 2);
	assert_int_equal(tu_count(page, "//th[@class='align-start']"), 1);
	assert_int_equal(tu_count(page, "//td[@class='align-end']"), 1);
	xmlFreeDoc(page);
	release(&r);
}

static void test_script_does_not_come_through(void **state)
{
	(void)state;
	rendered r = render("Text\n\n<script>alert(1)</script>\n\nInline <img src=x onerror=alert(1)> "
	                    "and <b onclick=\"x()\">bold</b>.\n",
	                    0);
	htmlDocPtr page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//script"), 0);
	assert_int_equal(tu_count(page, "//img"), 0);
	assert_int_equal(tu_count(page, "//@onclick | //@onerror"), 0);
	assert_null(strstr(r.html, "<script"));
	assert_null(strstr(r.html, "alert(1)"));
	/* The words between inline tags are kept as text. */
	assert_int_equal(tu_count(page, "//p[contains(., 'bold')]"), 1);
	char *msg = first_message(&r);
	assert_string_equal(msg, "doc.md:7:1: warning: raw HTML is not passed through: it was rebuilt "
	                         "from safe elements, and its scripts, styles, event handlers or unsafe "
	                         "links were removed\n");
	free(msg);
	xmlFreeDoc(page);
	release(&r);
}

/* Raw HTML blocks keep their words and safe structure, never their scripts. */
static void test_raw_html_block_rebuilt_safely(void **state)
{
	(void)state;
	rendered r = render("<table class=\"x\" onclick=\"evil()\">\n<tr><th>البيانات</th><th>المدة</th></tr>\n"
	                    "<tr><td>السجلات <b>كاملة</b></td><td style=\"color:red\">٣٠ يومًا</td></tr>\n</table>\n\n"
	                    "<div><script>alert(1)</script><p>Kept <a href=\"javascript:x\">words</a>, "
	                    "<a name=\"old-anchor\">anchor</a>, <a href=\"https://example.org\" onmouseover=\"x()\">link</a> "
	                    "and <font color=red>font text</font><img src=\"data:image/png;base64,AA\" alt=\"img\"></p></div>\n\n"
	                    "<details><summary>More</summary>Hidden <iframe src=\"https://evil.example\"></iframe>text</details>\n",
	                    1);
	htmlDocPtr page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//table//th"), 2);
	assert_int_equal(tu_count(page, "//table//td[.='٣٠ يومًا']"), 1);
	assert_int_equal(tu_count(page, "//td/b[.='كاملة']"), 1);
	assert_int_equal(tu_count(page, "//@class | //@style | //@onclick | //@onmouseover"), 0);
	assert_int_equal(tu_count(page, "//script | //iframe | //font"), 0);
	assert_null(strstr(r.html, "alert"));
	assert_null(strstr(r.html, "javascript"));
	assert_int_equal(tu_count(page, "//a[.='words'][not(@href)]"), 1);
	assert_int_equal(tu_count(page, "//a[@id='old-anchor']"), 1);
	assert_int_equal(tu_count(page, "//a[@href='https://example.org'][.='link']"), 1);
	assert_int_equal(tu_count(page, "//p[contains(., 'font text')]"), 1);
	assert_int_equal(tu_count(page, "//img[starts-with(@src, 'data:')]"), 0);
	assert_int_equal(tu_count(page, "//details/summary[.='More']"), 1);
	assert_int_equal(tu_count(page, "//details[contains(., 'Hidden text')]"), 1);
	assert_int_equal(r.diags.count, 3);
	xmlFreeDoc(page);
	release(&r);
}

static void test_comments_and_line_breaks(void **state)
{
	(void)state;
	rendered r = render("<!-- note for reviewers -->\n\nOne<br>two\n", 0);
	htmlDocPtr page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//p/br"), 1);
	assert_null(strstr(r.html, "reviewers"));
	assert_int_equal(r.diags.count, 0);
	xmlFreeDoc(page);
	release(&r);
}

static void test_dangerous_urls_removed(void **state)
{
	(void)state;
	rendered r = render("[a](javascript:alert(1)) [b](<JaVa\tScRiPt:alert(2)>) [c](vbscript:x) "
	                    "![d](data:image/png;base64,AAAA) [ok](https://example.org/p?q=1) "
	                    "[mail](mailto:a@example.org) [rel](../other/) [frag](#cookies) "
	                    "[long](backpack-subprocessors/index.html) [longer](an-unknown-long-scheme:x)\n",
	                    0);
	htmlDocPtr page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//a[starts-with(translate(@href,'JAVSCRIPT','javscript'),"
	                                "'javascript')]"),
	                 0);
	assert_int_equal(tu_count(page, "//a[contains(@href, 'script')]"), 0);
	assert_int_equal(tu_count(page, "//img"), 0);
	assert_int_equal(tu_count(page, "//a"), 5);
	assert_int_equal(tu_count(page, "//a[@href='https://example.org/p?q=1']"), 1);
	/* A relative link whose first segment is long is still relative. */
	assert_int_equal(tu_count(page, "//a[@href='backpack-subprocessors/index.html']"), 1);
	assert_int_equal(tu_count(page, "//a[contains(@href, 'unknown')]"), 0);
	/* Link text survives removal of the link. */
	assert_int_equal(tu_count(page, "//p[contains(., 'a b c d ok')]"), 1);
	assert_int_equal(r.diags.count, 5);
	char *msg = first_message(&r);
	assert_string_equal(msg, "doc.md:5:1: warning: link to 'javascript:alert(1)' removed: only "
	                         "http, https, mailto, tel and relative links are allowed\n");
	free(msg);
	xmlFreeDoc(page);
	release(&r);
}

static void test_block_direction(void **state)
{
	(void)state;
	rendered r = render("فقرة عربية.\n\nAn English paragraph.\n\n## Cookies\n\n- عنصر\n- Item\n", 1);
	htmlDocPtr page = tu_parse_html_string(r.html);
	/* Nothing added where the block agrees with the page. */
	assert_int_equal(tu_count(page, "//p[1][not(@dir)]"), 1);
	assert_int_equal(tu_count(page, "//p[.='An English paragraph.'][@dir='ltr']"), 1);
	assert_int_equal(tu_count(page, "//h2[@dir='ltr']"), 1);
	assert_int_equal(tu_count(page, "//li[.='عنصر'][not(@dir)]"), 1);
	assert_int_equal(tu_count(page, "//li[.='Item'][@dir='ltr']"), 1);
	xmlFreeDoc(page);
	release(&r);

	r = render("English first.\n\nثم فقرة عربية.\n", 0);
	page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//p[@dir='rtl']"), 1);
	assert_int_equal(tu_count(page, "//p[@dir]"), 1);
	xmlFreeDoc(page);
	release(&r);
}

/* A block's direction is that of most of its words (a tie: the page's),
 * not its first strong character's (dir=auto): an Arabic sentence that
 * starts with a Latin brand name stays right to left, the name isolated;
 * an English one that starts with an Arabic name stays left to right. */
static void test_block_direction_by_most_words(void **state)
{
	(void)state;
	rendered r = render("Google Analytics تستخدم ملفات تعريف الارتباط.\n\n## Malachite والخصوصية\n\n"
	                    "- iOS وAndroid هما نظاما التشغيل.\n\nThis sentence quotes one word, مرحبا, in Arabic.\n", 1);
	htmlDocPtr page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//p[1][not(@dir)]/span[@dir='ltr'][.='Google Analytics']"), 1);
	assert_int_equal(tu_count(page, "//h2[not(@dir)]/span[@dir='ltr'][.='Malachite']"), 1);
	assert_int_equal(tu_count(page, "//li[not(@dir)]/span[@dir='ltr']"), 2);
	assert_int_equal(tu_count(page, "//p[starts-with(., 'This sentence')][@dir='ltr']/span[@dir='rtl'][.='مرحبا']"), 1);
	xmlFreeDoc(page);
	release(&r);
	r = render("مالاكايت is the name we trade under.\n\nمالاكايت للبرمجيات Malachite\n", 0);
	page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//p[1][not(@dir)]/span[@dir='rtl'][.='مالاكايت']"), 1);
	assert_int_equal(tu_count(page, "//p[2][@dir='rtl']"), 1);
	xmlFreeDoc(page);
	release(&r);
}

/* Generated paragraphs of Arabic and Latin words in every order, on pages
 * of both directions: a paragraph has its own dir exactly when most of its
 * words run against the page, and it is theirs. */
static void test_block_direction_property(void **state)
{
	(void)state;
	static const char *const arabic[] = {"سياسة", "الخصوصية", "(بيانات)", "نستخدم،"};
	static const char *const latin[] = {"Google", "iOS", "cookies.", "e-mail"};
	uint32_t seed = 11;
	for (int i = 0; i < 2000; i++) {
		char text[512] = "";
		int rtl_page = i & 1, count[2] = {0, 0};
		seed = seed * 1103515245u + 12345u;
		int words = 1 + (int)((seed >> 16) % 8);
		for (int w = 0; w < words; w++) {
			seed = seed * 1103515245u + 12345u;
			int is_arabic = (int)((seed >> 16) & 1);
			count[is_arabic]++;
			strcat(text, w ? (seed >> 20) % 3 ? " " : " - " : "");
			strcat(text, is_arabic ? arabic[(seed >> 24) % 4] : latin[(seed >> 24) % 4]);
		}
		strcat(text, "\n");
		const char *expected = count[1] > count[0] ? "rtl" : count[0] > count[1] ? "ltr" : NULL;
		if (expected && (strcmp(expected, "rtl") == 0) == rtl_page)
			expected = NULL; /* agrees with the page: nothing added */
		rendered r = render(text, rtl_page);
		htmlDocPtr page = tu_parse_html_string(r.html);
		char *got = tu_string(page, "string(//p/@dir)");
		if (strcmp(got, expected ? expected : "") != 0)
			fail_msg("%s page, \"%s\": dir '%s', expected '%s'", rtl_page ? "rtl" : "ltr", text, got,
			         expected ? expected : "");
		free(got);
		xmlFreeDoc(page);
		release(&r);
	}
}

static void test_ltr_runs_isolated_in_rtl(void **state)
{
	(void)state;
	rendered r = render("راسلنا على privacy@malachite.example أو استخدم `--help` أو [الموقع](https://example.org).\n", 1);
	htmlDocPtr page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//a[@href='mailto:privacy@malachite.example'][@dir='ltr']"), 1);
	assert_int_equal(tu_count(page, "//code[.='--help'][@dir='ltr']"), 1);
	/* A link whose text is Arabic is not isolated. */
	assert_int_equal(tu_count(page, "//a[.='الموقع'][not(@dir)]"), 1);
	/* The paragraph starts with Arabic: no dir of its own on an RTL page. */
	assert_int_equal(tu_count(page, "//p[not(@dir)]"), 1);
	xmlFreeDoc(page);
	release(&r);
}

static void test_opposite_runs_isolated_inside_text(void **state)
{
	(void)state;
	/* The example of issue 6: C++ must not show as ++C, the plus sign stays
	 * before the digits, and the full stop stays at the sentence's end. */
	rendered r = render("نستخدم C++ ونرد على الرقم +966 11 234 5678 خلال يومين.\n", 1);
	htmlDocPtr page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//p/span[@dir='ltr']"), 2);
	assert_int_equal(tu_count(page, "//p/span[@dir='ltr'][.='C++']"), 1);
	assert_int_equal(tu_count(page, "//p/span[@dir='ltr'][.='+966 11 234 5678']"), 1);
	char *text = tu_string(page, "string(//p)");
	assert_string_equal(text, "نستخدم C++ ونرد على الرقم +966 11 234 5678 خلال يومين.");
	free(text);
	xmlFreeDoc(page);
	release(&r);
	/* Dates and percentages are isolated; a plain number is left alone. */
	r = render("تنتهي المهلة في 2024-09-01 بعد 30 يومًا، والنسبة 50%.\n", 1);
	page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//p/span[@dir='ltr'][.='2024-09-01']"), 1);
	assert_int_equal(tu_count(page, "//p/span[@dir='ltr'][.='50%']"), 1);
	assert_int_equal(tu_count(page, "//p/span[contains(., '30')]"), 0);
	xmlFreeDoc(page);
	release(&r);
	/* The other way round: Arabic inside English, brackets left outside. */
	r = render("We are Malachite (مالاكايت للبرمجيات) since 2010.\n", 0);
	page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//p/span[@dir='rtl'][.='مالاكايت للبرمجيات']"), 1);
	assert_int_equal(tu_count(page, "//p/span"), 1);
	xmlFreeDoc(page);
	release(&r);
	/* Wherever an Arabic letter stands in English (ASCII is passed eight
	 * bytes at a time), it is found. */
	for (int ascii = 0; ascii < 20; ascii++) {
		char source[128];
		snprintf(source, sizeof source, "%.*s ب and more English text.\n", ascii + 1,
		         "Abcdefghijklmnopqrstuvwxyz");
		r = render(source, 0);
		page = tu_parse_html_string(r.html);
		if (tu_count(page, "//p/span[@dir='rtl'][.='ب']") != 1)
			fail_msg("the Arabic letter after %d letters is not isolated: %s", ascii + 1, r.html);
		xmlFreeDoc(page);
		release(&r);
	}
	/* Text of one direction only gets nothing. */
	r = render("نص عربي فقط، بلا أي كلمة لاتينية.\n", 1);
	assert_null(strstr(r.html, "<span"));
	release(&r);
	/* One text asked both questions: as a paragraph of its own whether it
	 * holds a left-to-right run (no), then inside an English sentence
	 * whether it holds a right-to-left one (yes); render() checks the
	 * answers kept against reading. */
	for (int k = 0; k < 2; k++) {
		r = render("مالاكايت للبرمجيات والخدمات\n", 1);
		assert_null(strstr(r.html, "<span"));
		release(&r);
		r = render("We are Malachite Software and more words *مالاكايت للبرمجيات والخدمات* here.\n", 0);
		page = tu_parse_html_string(r.html);
		assert_int_equal(tu_count(page, "//p/em/span[@dir='rtl'][.='مالاكايت للبرمجيات والخدمات']"), 1);
		xmlFreeDoc(page);
		release(&r);
	}
}

static void test_heading_ids(void **state)
{
	(void)state;
	rendered r = render("## معلومات الهوية الشخصية\n\n## Cookies & Tracking\n\n"
	                    "## ملفات تعريف الارتباط {#cookies}\n\n## البيانات\n{: #personal-data }\n\n"
	                    "## Contact {: #contact .big }\n\n## Cookies & Tracking\n\n## !!!\n",
	                    1);
	htmlDocPtr page = tu_parse_html_string(r.html);
	/* Readable ASCII from the Arabic through ICU transliteration. */
	assert_int_equal(tu_count(page, "//h2[@id='mlwmat-alhwyt-alshkhsyt']"), 1);
	assert_int_equal(tu_count(page, "//h2[@id='cookies-tracking']"), 1);
	/* Pinned ids, and the attribute blocks never show. */
	assert_int_equal(tu_count(page, "//h2[@id='cookies'][.='ملفات تعريف الارتباط']"), 1);
	assert_int_equal(tu_count(page, "//h2[@id='personal-data'][.='البيانات']"), 1);
	assert_int_equal(tu_count(page, "//h2[@id='contact'][.='Contact']"), 1);
	assert_int_equal(tu_count(page, "//p"), 0);
	assert_null(strstr(r.html, "{"));
	/* Unique within the page. */
	assert_int_equal(tu_count(page, "//h2[@id='cookies-tracking-2']"), 1);
	assert_int_equal(tu_count(page, "//h2[@id='section'][.='!!!']"), 1);
	assert_int_equal(r.diags.count, 0);
	xmlFreeDoc(page);
	release(&r);
}

/* Thousands of headings with one text get purpose, purpose-2, ...
 * purpose-3000, found without scanning every id given so far; an id
 * given up (a heading re-pinned on its next line) is taken again. */
static void test_repeated_headings_get_unique_ids(void **state)
{
	(void)state;
	enum { HEADINGS = 3000 };
	char *text = malloc(HEADINGS * 24 + 64), *p = text;
	for (int i = 0; i < HEADINGS; i++)
		p += sprintf(p, "## Purpose\n\n");
	strcpy(p, "## Purpose\n{: #elsewhere }\n\n## Purpose\n");
	rendered r = render(text, 0);
	htmlDocPtr page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//h2"), HEADINGS + 2);
	assert_int_equal(tu_count(page, "//h2[@id='purpose']"), 1);
	assert_int_equal(tu_count(page, "//h2[2][@id='purpose-2']"), 1);
	assert_int_equal(tu_count(page, "(//h2)[3000][@id='purpose-3000']"), 1);
	/* purpose-3001, given to the re-pinned heading and given up, is free again. */
	assert_int_equal(tu_count(page, "(//h2)[3001][@id='elsewhere']"), 1);
	assert_int_equal(tu_count(page, "(//h2)[3002][@id='purpose-3001']"), 1);
	assert_int_equal(tu_count(page, "//h2[@id=preceding::h2/@id]"), 0);
	xmlFreeDoc(page);
	release(&r);
	free(text);
}

static void test_unknown_attribute_blocks_dropped_with_warning(void **state)
{
	(void)state;
	rendered r = render("## Title {.wide}\n\nText.\n{: .note }\n\n{: .note }\n", 0);
	htmlDocPtr page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//h2[.='Title'][@id='title']"), 1);
	assert_null(strstr(r.html, ".wide"));
	/* The list right after the paragraph is its own (a class, dropped
	 * silently); the one after a blank line attaches to nothing. */
	assert_int_equal(r.diags.count, 2);
	pp_diags_sort(&r.diags);
	char *msg = first_message(&r);
	assert_string_equal(msg, "doc.md:5:1: warning: attribute block '{.wide}' is not understood and was "
	                         "dropped (only an id, as {#id} or {: #id }, is used)\n");
	free(msg);
	assert_true(pp_diags_has(&r.diags, PP_WARNING, "attribute list '{: .note }' attaches to nothing"));
	assert_null(strstr(r.html, "note"));
	xmlFreeDoc(page);
	release(&r);
}

/* kramdown attribute lists on any block, on spans, through definitions,
 * and the end-of-block marker: ids, lang and dir kept, the rest dropped,
 * and none of it ever shown as text. */
static void test_kramdown_attribute_lists(void **state)
{
	(void)state;
	rendered r = render("Intro paragraph.\n{: #intro lang=\"fr\" .lead}\n\n"
	                    "- one\n- two\n{: #list}\n\n"
	                    "> quoted\n{: #quote dir=\"ltr\"}\n\n"
	                    "| a | b |\n|---|---|\n| 1 | 2 |\n{: #table}\n\n"
	                    "{: #before}\nParagraph after its list.\n\n"
	                    "Some *emphasis*{: #emph lang='en'} and `code`{: #code}.\n\n"
	                    "Referenced.\n{: myref}\n\n"
	                    "- c\n\n^\n\n- d\n\n"
	                    "## Heading\n{: #pinned-heading}\n\n"
	                    "Bad values.\n{: #9bad dir=\"sideways\"}\n\n"
	                    "{:myref: #defined .x}\n",
	                    0);
	htmlDocPtr page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//p[@id='intro'][@lang='fr'][not(@class)][.='Intro paragraph.']"), 1);
	assert_int_equal(tu_count(page, "//ul[@id='list']/li"), 2);
	assert_int_equal(tu_count(page, "//blockquote[@id='quote'][@dir='ltr']/p[.='quoted']"), 1);
	assert_int_equal(tu_count(page, "//table[@id='table']/tbody/tr"), 1);
	assert_int_equal(tu_count(page, "//p[@id='before'][.='Paragraph after its list.']"), 1);
	assert_int_equal(tu_count(page, "//em[@id='emph'][@lang='en'][.='emphasis']"), 1);
	assert_int_equal(tu_count(page, "//code[@id='code'][.='code']"), 1);
	assert_int_equal(tu_count(page, "//p[@id='defined'][.='Referenced.']"), 1);
	assert_int_equal(tu_count(page, "//ul[li='c'] | //ul[li='d']"), 2);
	assert_int_equal(tu_count(page, "//h2[@id='pinned-heading'][.='Heading']"), 1);
	assert_int_equal(tu_count(page, "//p[.='Bad values.'][not(@id)][not(@dir)]"), 1);
	assert_null(strstr(r.html, "{:"));
	assert_null(strstr(r.html, "^"));
	assert_null(strstr(r.html, "lead"));
	assert_true(pp_diags_has(&r.diags, PP_WARNING, "id '9bad' is dropped"));
	assert_true(pp_diags_has(&r.diags, PP_WARNING, "dir 'sideways' is dropped: it is ltr, rtl or auto"));
	assert_int_equal(r.diags.count, 2);
	xmlFreeDoc(page);
	release(&r);
	/* Liquid in the text is shown as it is written, and reported where it stands. */
	r = render("Hello {{ site.name }}.\nMore {% include x.html %} and `{% raw %}` and {% if\n", 0);
	pp_diags_sort(&r.diags);
	char *msg = first_message(&r);
	assert_string_equal(msg, "doc.md:5:7: warning: Liquid tag '{{ site.name }}' is shown as text: policypress does "
	                         "not run Liquid (write what it stood for, or put it in a code span)\n");
	free(msg);
	assert_true(pp_diags_has(&r.diags, PP_WARNING, "Liquid tag '{% include x.html %}' is shown as text"));
	assert_true(pp_diags_has(&r.diags, PP_WARNING, "unclosed Liquid tag '{%' is shown as text"));
	assert_int_equal(r.diags.count, 3); /* not the one in the code span */
	release(&r);
	/* A quoted tag longer than a message quotes is cut between characters. */
	r = render("نص {{ xمتغير_طويل_جدا_باللغة_العربية_لا_ينتهي_قريبا }} آخر.\n", 1);
	assert_int_equal(r.diags.count, 1);
	const char *message = r.diags.items[0].message;
	int32_t length = (int32_t)strlen(message), i = 0;
	while (i < length) {
		UChar32 c;
		U8_NEXT((const uint8_t *)message, i, length, c);
		if (c < 0)
			fail_msg("the message is cut inside a character: %s", message);
	}
	assert_non_null(strstr(message, "Liquid tag '{{ xمتغير_طويل"));
	release(&r);
}

/* Renders markdown expecting it refused: the first message, malloc'ed. */
static char *render_error(const char *markdown)
{
	pp_diags d;
	pp_diags_init(&d);
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr body = xmlNewDocNode(doc, NULL, BAD_CAST "body", NULL);
	xmlDocSetRootElement(doc, body);
	cmark_node *md = pp_markdown_parse(markdown, strlen(markdown));
	pp_md_context ctx = {.path = "doc.md", .line_offset = 4, .source = markdown, .source_len = strlen(markdown)};
	assert_int_equal(pp_markdown_render(md, body, &ctx, &d), -1);
	cmark_node_free(md);
	xmlFreeDoc(doc);
	rendered r = {.diags = d};
	pp_diags_sort(&r.diags);
	char *msg = first_message(&r);
	pp_diags_free(&d);
	return msg;
}

/* kramdown's comments are never published, whatever they span; nomarkdown
 * and options lose their tags; code keeps what it shows. */
static void test_kramdown_comments_never_published(void **state)
{
	(void)state;
	rendered r = render("Do you see {::comment}SECRET one{:/comment}? Yes{::comment /}.\n\n"
	                    "{::comment}\nInternal note: SECRET two.\n\n- a *SECRET* item `SECRET`\n\n"
	                    "| a | b |\n|---|---|\n| SECRET | y |\n{:/comment}\n\n"
	                    "## Kept\n\nStill {::comment}SECRET\nacross lines{:/} here.\n\n"
	                    "{::comment}\n## SECRET heading\n{:/comment}\n\n"
	                    "Raw {::nomarkdown}<b>bold</b>{:/} and {::options parse_block_html=\"true\" /}.\n\n"
	                    "`{::comment}` stays {:/comment} as text.\n\n"
	                    "```\n{::comment} in code {:/comment}\n```\n",
	                    0);
	htmlDocPtr page = tu_parse_html_string(r.html);
	assert_null(strstr(r.html, "SECRET"));
	assert_null(strstr(r.html, "Internal"));
	assert_int_equal(tu_count(page, "//table | //ul | //li"), 0);
	assert_int_equal(tu_count(page, "//p[.='Do you see ? Yes.']"), 1);
	assert_int_equal(tu_count(page, "//p[.='Still  here.']"), 1);
	assert_int_equal(tu_count(page, "//h2"), 1);
	assert_int_equal(tu_count(page, "//p[starts-with(., 'Raw ')]/b[.='bold']"), 1);
	/* A closing tag that closes nothing, and tags in code, are text. */
	assert_int_equal(tu_count(page, "//p[code='{::comment}'][contains(., 'stays {:/comment} as text.')]"), 1);
	assert_int_equal(tu_count(page, "//pre/code[contains(., '{::comment} in code {:/comment}')]"), 1);
	assert_true(pp_diags_has(&r.diags, PP_WARNING, "kramdown's {::nomarkdown} is read as Markdown here"));
	assert_true(pp_diags_has(&r.diags, PP_WARNING, "kramdown's {::options} are ignored"));
	xmlFreeDoc(page);
	release(&r);
	/* In raw HTML kramdown leaves its tags as text, and Jekyll published
	 * the note: taken out here too, with a warning that says so; the
	 * nomarkdown tags that usually wrap raw HTML go from it. */
	r = render("<div class=\"box\">\nVisible.\n{::comment}\nSECRET note\n{:/comment}\n</div>\n\n"
	           "{::nomarkdown}\n<table><tr><td>cell</td></tr></table>\n{:/nomarkdown}\n",
	           0);
	page = tu_parse_html_string(r.html);
	assert_null(strstr(r.html, "SECRET"));
	assert_null(strstr(r.html, "nomarkdown"));
	assert_int_equal(tu_count(page, "//div[contains(., 'Visible.')]"), 1);
	assert_int_equal(tu_count(page, "//td[.='cell']"), 1);
	assert_true(pp_diags_has(&r.diags, PP_WARNING, "a kramdown comment tag in raw HTML: kramdown publishes it as text"));
	xmlFreeDoc(page);
	release(&r);
	/* Left open, a comment would hide the rest: refused where it starts. */
	char *msg = render_error("Text.\n\nMore {::comment} hidden\n\nand more.\n");
	assert_string_equal(msg, "doc.md:7:1: error: kramdown's {::comment} is not closed: end it with {:/comment} "
	                         "(else everything after it would be hidden)\n");
	free(msg);
	/* A text of comments only says nothing. */
	msg = render_error("{::comment}\nNothing to publish yet.\n{:/comment}\n");
	assert_string_equal(msg, "doc.md:5:1: error: nothing is left of the text once its kramdown comments are taken "
	                         "out\n");
	free(msg);
}

/* kramdown's definition lists: terms and definitions in one paragraph or
 * after blank lines, one list while they follow each other, lazy lines part
 * of a definition; a colon inside a line, or a first line's colon with no
 * term before it, is text. */
static void test_kramdown_definition_lists(void **state)
{
	(void)state;
	rendered r = render("Personal data\n: any information about a person.\n\n"
	                    "Controller\nData controller\n: decides the purposes;\nand the means.\n"
	                    ": a second *definition*.\n\n"
	                    "Processor\n\n: processes on behalf of the controller.\n\n"
	                    "Kept: a colon inside a line.\n\n"
	                    "## After\n\n: a colon first, no term before.\n\n"
	                    "المعالج\n: جهة تعالج البيانات.\n",
	                    0);
	htmlDocPtr page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//dl"), 2);
	assert_int_equal(tu_count(page, "(//dl)[1]/dt"), 4);
	assert_int_equal(tu_count(page, "(//dl)[1]/dd"), 4);
	assert_int_equal(tu_count(page, "(//dl)[1]/dt[1][.='Personal data']"), 1);
	assert_int_equal(tu_count(page, "(//dl)[1]/dt[3][.='Data controller']"), 1);
	assert_int_equal(tu_count(page, "(//dl)[1]/dd[2][.='decides the purposes;\nand the means.']"), 1);
	assert_int_equal(tu_count(page, "(//dl)[1]/dd[3]/em[.='definition']"), 1);
	assert_int_equal(tu_count(page, "(//dl)[1]/dt[4][.='Processor']"), 1);
	assert_int_equal(tu_count(page, "(//dl)[1]/dd[4][.='processes on behalf of the controller.']"), 1);
	assert_int_equal(tu_count(page, "//dd//p | //dt//p | //dl/p"), 0);
	assert_int_equal(tu_count(page, "//p[.='Kept: a colon inside a line.']"), 1);
	assert_int_equal(tu_count(page, "//h2/following-sibling::p[.=': a colon first, no term before.']"), 1);
	assert_int_equal(tu_count(page, "(//dl)[2]/dt[.='المعالج']"), 1);
	assert_int_equal(tu_count(page, "(//dl)[2]/dd[.='جهة تعالج البيانات.']"), 1);
	assert_null(strstr(r.html, "\n: "));
	xmlFreeDoc(page);
	release(&r);
	/* Links move with their lines: their addresses lived in the paragraph
	 * that goes (the sanitized build read them freed). */
	r = render("Website http://example.com\n: https://example.org/a\n\n[Term](https://t.example \"T\")\n"
	           ": with [a link](https://l.example/x \"title\") and ![i](i.png)\n",
	           0);
	page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//dl/dt[1]/a[@href='http://example.com'][.='http://example.com']"), 1);
	assert_int_equal(tu_count(page, "//dl/dd[1]/a[@href='https://example.org/a']"), 1);
	assert_int_equal(tu_count(page, "//dl/dt[2]/a[@href='https://t.example'][@title='T'][.='Term']"), 1);
	assert_int_equal(tu_count(page, "//dl/dd[2]/a[@href='https://l.example/x'][@title='title'][.='a link']"), 1);
	assert_int_equal(tu_count(page, "//dl/dd[2]/img[@src='i.png'][@alt='i']"), 1);
	xmlFreeDoc(page);
	release(&r);
}

/* kramdown's abbreviations: definitions never published, occurrences
 * marked as whole words wherever the definition stands, the longest first;
 * code, addresses and images' text left alone; a definition in a comment
 * defines nothing; one given again is a warning, and the last counts. */
static void test_kramdown_abbreviations(void **state)
{
	(void)state;
	rendered r = render("We follow the GDPR and the EU-US DPF: see [GDPR](https://gdpr.eu), `GDPR`.\n\n"
	                    "*[GDPR]: General Data Protection Regulation\n"
	                    "*[EU-US DPF]: EU-U.S. Data Privacy Framework\n"
	                    "*[EU]: European Union\n"
	                    "{: .note}\n"
	                    "## Our GDPR duties {#duties}\n\n"
	                    "The EU, GDPRs, xGDPR and GDPR_x; *GDPR* is. ![GDPR](logo.png)\n\n"
	                    "- *[CCPA]:\n  Under CCPA.\n\n"
	                    "> *[ن.ع.م]: نظام عربي مختصر\n> وفق ن.ع.م والنعم.\n\n"
	                    "Text\n*[NOTDEF]: continues the paragraph\n\nNOTDEF.\n\n"
	                    "{::comment}\n*[SECRET]: never a definition\n{:/comment}\nSECRET stays.\n\n"
	                    "| GDPR | x |\n|---|---|\n| EU | ~~GDPR~~ |\n\n"
	                    "*[GDPR]: General Data Protection Regulation (EU) 2016/679\n",
	                    0);
	htmlDocPtr page = tu_parse_html_string(r.html);
	const char *gdpr = "//abbr[@title='General Data Protection Regulation (EU) 2016/679'][.='GDPR']";
	assert_int_equal(tu_count(page, gdpr), 6); /* text, link, heading, emphasis, table: the last definition */
	assert_int_equal(tu_count(page, "//th/abbr[.='GDPR'] | //td/s/abbr[.='GDPR'] | //td/abbr[.='EU']"), 3);
	assert_int_equal(tu_count(page, "//p[1]/a[@href='https://gdpr.eu']/abbr[.='GDPR']"), 1);
	assert_int_equal(tu_count(page, "//code[.='GDPR']"), 1);
	assert_int_equal(tu_count(page, "//h2[@id='duties']/abbr[.='GDPR']"), 1);
	assert_int_equal(tu_count(page, "//em/abbr[.='GDPR']"), 1);
	assert_int_equal(tu_count(page, "//img[@alt='GDPR']"), 1);
	assert_int_equal(tu_count(page, "//abbr[@title='EU-U.S. Data Privacy Framework'][.='EU-US DPF']"), 1);
	assert_int_equal(tu_count(page, "//abbr[@title='European Union'][.='EU']"), 2);
	assert_int_equal(tu_count(page, "//abbr[not(@title)][.='CCPA']"), 1);
	assert_int_equal(tu_count(page, "//li[.='Under CCPA.']"), 1);
	assert_int_equal(tu_count(page, "//blockquote/p/abbr[@title='نظام عربي مختصر'][.='ن.ع.م']"), 1);
	assert_int_equal(tu_count(page, "//blockquote/p[.='وفق ن.ع.م والنعم.']"), 1);
	assert_int_equal(tu_count(page, "//abbr"), 11);
	/* Not definitions: a paragraph's second line, and one in a comment. */
	assert_int_equal(tu_count(page, "//p[.='Text\n*[NOTDEF]: continues the paragraph']"), 1);
	assert_int_equal(tu_count(page, "//p[normalize-space(.)='SECRET stays.']"), 1);
	assert_int_equal(tu_count(page, "//p[.='NOTDEF.']"), 1);
	/* The attribute list after a definition is the abbreviation's. */
	assert_null(strstr(r.html, "{: .note}"));
	assert_null(strstr(r.html, "*[GDPR]"));
	assert_null(strstr(r.html, "*[EU"));
	assert_int_equal(r.diags.count, 1);
	char *message = first_message(&r);
	assert_string_equal(message, "doc.md:35:1: warning: abbreviation 'GDPR' is defined again: this definition is "
	                             "used, as kramdown does\n");
	free(message);
	xmlFreeDoc(page);
	release(&r);
	/* The quick look that decides whether a text is read for definitions:
	 * a line with "*[" and then "]:", within the length given. */
	static const struct {
		const char *text;
		size_t len; /* 0: all of it */
		int may;
	} looks[] = {{"*[A]: a", 0, 1},      {"**[A]: a", 0, 1},         {"* * *[A]: a", 0, 1},
	             {"- x\n* y\n*[A]: a", 0, 1}, {"*", 0, 0},             {"x *", 0, 0},
	             {"*[", 0, 0},           {"*[A]\n]: a", 0, 0},        {"]: a *[A]", 0, 0},
	             {"*[A]: a", 4, 0},      {"*[A]: a", 6, 1},          {"** [A]: a", 0, 0}};
	for (size_t i = 0; i < sizeof looks / sizeof *looks; i++) {
		size_t len = looks[i].len ? looks[i].len : strlen(looks[i].text);
		/* A copy of exactly len bytes, so reading past it is caught. */
		char *copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, looks[i].text, len);
		if (pp_kramdown_may_define_abbreviations(copy, len) != looks[i].may)
			fail_msg("'%s' (%zu bytes) may define an abbreviation: expected %d", looks[i].text, len, looks[i].may);
		free(copy);
	}
}

/* Generated documents of words, some defined as abbreviations (one a part
 * of another, some defined twice, Arabic among them), with the definitions
 * anywhere: every occurrence of a defined name as a whole word is marked
 * with its last definition, the longest first, nothing else is, and the
 * text reads as written. The expected marks come from a plain search of
 * every name at every place. */
static void test_kramdown_abbreviations_property(void **state)
{
	(void)state;
	static const char *const names[] = {"EU", "EU-US", "GDPR", "DPO", "ن.ع", "ن.ع.م", "A"};
	static const char *const words[] = {"EU", "EU-US", "GDPR", "GDPRs", "xEU", "DPO_2", "ن.ع.م", "ن.ع", "ن.عم",
	                                    "نعم", "A", "Aé", "data", "(GDPR)", "EU.", "A1", "é"};
	static const char *const separators[] = {" ", ", ", "  ", "، ", "\n", " (", ") "};
	const size_t name_count = sizeof names / sizeof *names;
	uint64_t seed = 23;
	for (int round = 0; round < 2000; round++) {
		char doc[8192] = "", text[4096] = "";
		size_t at = 0, text_at = 0;
		int defined[sizeof names / sizeof *names] = {0}; /* the last title number + 1 */
		int paragraphs = 1 + (int)(tu_random(&seed) % 4);
		for (int p = 0; p < paragraphs; p++) {
			for (size_t n = 0; n < name_count; n++)
				if (tu_random(&seed) % 4 == 0) {
					int title = (int)(tu_random(&seed) % 1000);
					at += (size_t)snprintf(doc + at, sizeof doc - at, "*[%s]: T%d\n", names[n], title);
					defined[n] = title + 1;
				}
			at += (size_t)snprintf(doc + at, sizeof doc - at, "\n");
			int count = 1 + (int)(tu_random(&seed) % 12);
			for (int w = 0; w < count; w++) {
				const char *word = words[tu_random(&seed) % (sizeof words / sizeof *words)];
				const char *sep = w + 1 < count ? separators[tu_random(&seed) % 7] : "";
				const char *stress = tu_random(&seed) % 5 == 0 ? "*" : "";
				at += (size_t)snprintf(doc + at, sizeof doc - at, "%s%s%s%s", stress, word, stress, sep);
				text_at += (size_t)snprintf(text + text_at, sizeof text - text_at, "%s%s", word, sep);
			}
			at += (size_t)snprintf(doc + at, sizeof doc - at, "\n\n");
			text_at += (size_t)snprintf(text + text_at, sizeof text - text_at, "\n");
		}
		/* Expected: at each place a word may start, the longest name
		 * defined that ends where a word ends (the Arabic comma is the one
		 * character past ASCII that is no word's). */
		char marks[4096] = "";
		size_t expected = 0, marks_at = 0;
		for (size_t i = 0; text[i];) {
			unsigned char before = i ? (unsigned char)text[i - 1] : ' ';
			int starts = !(isalnum(before) || before == '_' || (before >= 0x80 && !(i >= 2 && memcmp(text + i - 2, "،", 2) == 0)));
			size_t best = 0;
			for (size_t n = 0; starts && (text[i] & 0xC0) != 0x80 && n < name_count; n++) {
				size_t len = strlen(names[n]);
				unsigned char after = (unsigned char)text[i + len];
				int word_after = isalnum(after) || after == '_' || (after >= 0x80 && memcmp(text + i + len, "،", 2) != 0);
				if (defined[n] && strncmp(text + i, names[n], len) == 0 && len > best && !word_after)
					best = len;
			}
			if (best) {
				expected++;
				marks_at += (size_t)snprintf(marks + marks_at, sizeof marks - marks_at, "%.*s|", (int)best, text + i);
			}
			i += best > 0 ? best : 1;
		}
		rendered r = render(doc, round % 2);
		htmlDocPtr page = tu_parse_html_string(r.html);
		char found[4096] = "";
		size_t found_at = 0;
		xmlXPathContextPtr xp = xmlXPathNewContext(page);
		xmlXPathObjectPtr all = xp ? xmlXPathEvalExpression(BAD_CAST "//abbr", xp) : NULL;
		assert_non_null(all);
		for (int k = 0; all->nodesetval && k < all->nodesetval->nodeNr; k++) {
			xmlChar *words_of = xmlNodeGetContent(all->nodesetval->nodeTab[k]);
			found_at += (size_t)snprintf(found + found_at, sizeof found - found_at, "%s|", (char *)words_of);
			xmlFree(words_of);
		}
		xmlXPathFreeObject(all);
		xmlXPathFreeContext(xp);
		if ((size_t)tu_count(page, "//abbr") != expected || strcmp(found, marks) != 0 || strstr(r.html, "*["))
			fail_msg("marked %s, expected %s, in:\n%s\n---\n%s", found, marks, doc, r.html);
		for (size_t n = 0; n < name_count; n++) {
			char xpath[128];
			snprintf(xpath, sizeof xpath, "//abbr[.='%s'][@title!='T%d']", names[n], defined[n] - 1);
			if (tu_count(page, xpath) != 0)
				fail_msg("'%s' marked with a title other than its last definition in:\n%s\n---\n%s", names[n],
				         doc, r.html);
		}
		/* The words as written (white space aside), the marks taken away. */
		xmlChar *shown = xmlXPathCastNodeToString(xmlDocGetRootElement(page));
		char *a = (char *)shown, *b = text;
		for (;; a++, b++) {
			while (*a && isspace((unsigned char)*a))
				a++;
			while (*b && isspace((unsigned char)*b))
				b++;
			if (*a != *b || !*a)
				break;
		}
		if (*a || *b)
			fail_msg("the text does not read as written:\n%s\n---\n%s", doc, (char *)shown);
		xmlFree(shown);
		xmlFreeDoc(page);
		release(&r);
	}
}

/* kramdown's table of contents: "* TOC" with "{:toc}" becomes the list of
 * the headings with links to them, nested by level, wherever it stands;
 * headings of class no_toc are left out; entries keep a heading's words
 * and formatting but not its links, note references or ids. */
static void test_kramdown_table_of_contents(void **state)
{
	(void)state;
	rendered r = render("## Contents\n{: .no_toc}\n\n* TOC\n* ignored\n{:toc}\n\n"
	                    "## First [section](https://x.example) with a note[^1]\n\nText.\n\n"
	                    "### Sub *emph*\n\n#### Deep\n\n## Second {#pinned}\n\n# Top\n\n"
	                    "1. TOC\n{: #again toc}\n\n[^1]: The note.\n",
	                    0);
	htmlDocPtr page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//ul[@id='markdown-toc']"), 1);
	assert_int_equal(tu_count(page, "//ul[@id='markdown-toc']/li"), 3);
	assert_int_equal(tu_count(page, "//ul[@id='markdown-toc']/li[1]/a[@href='#first-section-with-a-note']"
	                                "[.='First section with a note'][not(.//a)][not(.//sup)]"), 1);
	assert_int_equal(tu_count(page, "//ul[@id='markdown-toc']/li[1]/ul/li/a[@href='#sub-emph']/em[.='emph']"), 1);
	assert_int_equal(tu_count(page, "//ul[@id='markdown-toc']/li[1]/ul/li/ul/li/a[@href='#deep'][.='Deep']"), 1);
	assert_int_equal(tu_count(page, "//ul[@id='markdown-toc']/li[2]/a[@href='#pinned'][.='Second']"), 1);
	assert_int_equal(tu_count(page, "//ul[@id='markdown-toc']/li[3]/a[@href='#top'][.='Top']"), 1);
	assert_int_equal(tu_count(page, "//ul[@id='markdown-toc']//a[@href='#contents']"), 0);
	assert_int_equal(tu_count(page, "//li[.='TOC' or .='ignored']"), 0);
	/* The second table, an ordered one with its own id, lists the same. */
	assert_int_equal(tu_count(page, "//ol[@id='again']/li"), 3);
	assert_int_equal(tu_count(page, "//ol[@id='again']/li[1]/ol/li/ol/li/a[@href='#deep']"), 1);
	/* Every id once on the page. */
	assert_int_equal(tu_count(page, "//*[@id][@id = preceding::*/@id]"), 0);
	assert_int_equal(tu_count(page, "//*[@id='fnref-1']"), 1);
	assert_int_equal(r.diags.count, 0);
	xmlFreeDoc(page);
	release(&r);
	/* Right to left: entries isolate their left-to-right words as their
	 * headings do. */
	r = render("* TOC\n{:toc}\n\n## البيانات الشخصية GDPR\n\nنص.\n", 1);
	page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//ul[@id='markdown-toc']/li/a[starts-with(@href, '#')]"
	                                "[.='البيانات الشخصية GDPR']/span[@dir='ltr'][.='GDPR']"), 1);
	xmlFreeDoc(page);
	release(&r);
}

/* Generated sequences of heading levels: each table nests its entries as
 * kramdown's generate_toc_tree does (an entry goes under the last one of
 * a lower level still open), checked against that algorithm written here. */
static void test_kramdown_table_of_contents_property(void **state)
{
	(void)state;
	uint64_t seed = 5;
	for (int round = 0; round < 1000; round++) {
		char doc[4096] = "* TOC\n{:toc}\n\n", expected[4096] = "";
		size_t at = strlen(doc), e = 0;
		int levels[40], count = 1 + (int)(tu_random(&seed) % 30);
		int open[8], depth = 0;
		for (int i = 0; i < count; i++) {
			levels[i] = 1 + (int)(tu_random(&seed) % 6);
			at += (size_t)snprintf(doc + at, sizeof doc - at, "%.*s h%d\n\n", levels[i], "######", i);
			while (depth > 0 && open[depth - 1] >= levels[i])
				depth--;
			/* The expected entry: its name after as many dots as its depth. */
			e += (size_t)snprintf(expected + e, sizeof expected - e, "%.*sh%d|", depth, "........", i);
			open[depth++] = levels[i];
		}
		rendered r = render(doc, 0);
		htmlDocPtr page = tu_parse_html_string(r.html);
		xmlXPathContextPtr xp = xmlXPathNewContext(page);
		xmlXPathObjectPtr entries = xmlXPathEvalExpression(BAD_CAST "//ul[@id='markdown-toc']//a", xp);
		char got[4096] = "";
		size_t g = 0;
		for (int k = 0; entries && entries->nodesetval && k < entries->nodesetval->nodeNr; k++) {
			xmlNodePtr a = entries->nodesetval->nodeTab[k];
			int nested = -1;
			for (xmlNodePtr p = a->parent; p && xmlStrcmp(p->name, BAD_CAST "body") != 0; p = p->parent)
				nested += xmlStrcmp(p->name, BAD_CAST "ul") == 0;
			xmlChar *text = xmlNodeGetContent(a);
			g += (size_t)snprintf(got + g, sizeof got - g, "%.*s%s|", nested, "........", (char *)text);
			xmlFree(text);
		}
		xmlXPathFreeObject(entries);
		xmlXPathFreeContext(xp);
		if (strcmp(got, expected) != 0)
			fail_msg("table of contents %s, expected %s, of:\n%s", got, expected, doc);
		xmlFreeDoc(page);
		release(&r);
	}
}

/* kramdown's markdown="1" on a raw block element: its inside is Markdown,
 * in one raw block or across blank lines to its closing tag (the blocks
 * between go inside it), rebuilt from the allowlist as raw HTML is; not
 * again inside Markdown read so, nor with another value. */
static void test_kramdown_markdown_in_html(void **state)
{
	(void)state;
	rendered r = render("<div class=\"note\" markdown=\"1\" onclick=\"x()\">\n**Important:** read [bad](javascript:x).\n\n"
	                    "- item\n\n## Inside\n</div>\n\n"
	                    "<section markdown=\"block\" lang=\"ar\" dir=\"rtl\">نص *مهم* GDPR\n"
	                    "<div markdown=\"1\">**nested**</div>\n</section>\n\n"
	                    "<div markdown=\"0\">\n**raw**\n</div>\n\nAfter.\n",
	                    0);
	htmlDocPtr page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "/html/body/div[1][not(@class)][not(@onclick)][not(@markdown)]"
	                                "/p[1]/strong[.='Important:']"), 1);
	assert_int_equal(tu_count(page, "/html/body/div[1]/ul/li[.='item']"), 1);
	assert_int_equal(tu_count(page, "/html/body/div[1]/h2[@id='inside'][.='Inside']"), 1);
	assert_int_equal(tu_count(page, "//a[contains(@href, 'javascript')]"), 0);
	assert_int_equal(tu_count(page, "/html/body/section[@lang='ar'][@dir='rtl']/p/em[.='مهم']"), 1);
	assert_int_equal(tu_count(page, "/html/body/section/p/span[@dir='ltr'][.='GDPR']"), 1);
	assert_int_equal(tu_count(page, "/html/body/section//div[normalize-space(.)='**nested**']"), 1);
	assert_int_equal(tu_count(page, "/html/body/div[2][normalize-space(.)='**raw**']"), 1);
	assert_int_equal(tu_count(page, "/html/body/p[.='After.']"), 1);
	assert_int_equal(tu_count(page, "//*[@markdown]"), 0);
	pp_diags_sort(&r.diags);
	char *message = first_message(&r);
	assert_string_equal(message, "doc.md:5:1: warning: raw HTML <div markdown> is not passed through: it was rebuilt from "
	                             "safe elements, its inside read as Markdown, and its event handlers, styles or unsafe "
	                             "links were removed\n");
	free(message);
	int link_at_its_line = 0;
	for (size_t i = 0; i < r.diags.count; i++)
		link_at_its_line |= r.diags.items[i].line == 6 && r.diags.items[i].column == 21 &&
		                    strstr(r.diags.items[i].message, "javascript:x") != NULL;
	assert_true(link_at_its_line);
	xmlFreeDoc(page);
	release(&r);
}

/* A raw block that opens a container and leaves it open (GitHub's
 * <details> pattern): the blocks after it go inside, as a browser puts
 * them, to a block of its closing tag in the same container; never closed
 * there, they stay after it (nothing hidden in a <details>), said at its
 * line. Nesting, lists, and the bound on open containers. */
static void test_raw_containers_left_open(void **state)
{
	(void)state;
	rendered r = render("Intro.\n\n<details open onclick=\"x()\">\n<summary>About <b>cookies</b></summary>\n\n"
	                    "We use **cookies**.\n\n- one\n\n<div lang=\"ar\" dir=\"rtl\">\n\nنص *مهم*\n\n</div>\n\n"
	                    "</details>\n\nMiddle.\n\n- item\n\n  <section>\n\n  Inside the item.\n\n  </section>\n\n"
	                    "  After the section.\n\n<details>\n<summary>Never closed</summary>\n\nVisible "
	                    "</details>\n\nEnd.\n",
	                    0);
	htmlDocPtr page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "/html/body/details[1][@open][not(@onclick)]/summary[.='About cookies']/b"), 1);
	assert_int_equal(tu_count(page, "/html/body/details[1]/p/strong[.='cookies']"), 1);
	assert_int_equal(tu_count(page, "/html/body/details[1]/ul/li[.='one']"), 1);
	assert_int_equal(tu_count(page, "/html/body/details[1]/div[@lang='ar'][@dir='rtl']/p/em[.='مهم']"), 1);
	assert_int_equal(tu_count(page, "/html/body/p[.='Middle.']"), 1);
	assert_int_equal(tu_count(page, "/html/body/ul/li/section/p[.='Inside the item.']"), 1);
	assert_int_equal(tu_count(page, "/html/body/ul/li/p[.='After the section.']"), 1);
	/* The second <details> is closed only inside a paragraph: what follows
	 * its block is shown after it. */
	assert_int_equal(tu_count(page, "/html/body/details[2][count(*)=1]/summary[.='Never closed']"), 1);
	assert_int_equal(tu_count(page, "/html/body/details[2]/following-sibling::p[starts-with(., 'Visible')]"), 1);
	assert_int_equal(tu_count(page, "/html/body/p[last()][.='End.']"), 1);
	int said = 0;
	for (size_t i = 0; i < r.diags.count; i++)
		said |= r.diags.items[i].line == 34 && r.diags.items[i].column == 1 &&
		        strcmp(r.diags.items[i].message, "raw HTML <details> is not closed by a block of its own (</details>): "
		                                         "what follows it is shown after it, not inside it") == 0;
	assert_true(said);
	xmlFreeDoc(page);
	release(&r);
	/* Deeper than the bound: the containers past it close at the end of
	 * their own blocks, and nothing is lost. */
	char deep[64 * 16 + 64 * 16 + 32] = "";
	for (int i = 0; i < 40; i++)
		strcat(deep, "<div>\n\n");
	strcat(deep, "Deep.\n\n");
	for (int i = 0; i < 40; i++)
		strcat(deep, "</div>\n\n");
	r = render(deep, 0);
	page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//p[.='Deep.']"), 1);
	assert_int_equal(tu_count(page, "//p[.='Deep.'][count(ancestor::div)=32]"), 1);
	xmlFreeDoc(page);
	release(&r);
}

/* Generated documents of kept words and comments in every position (inline,
 * across lines, across blocks, in lists, quotes, tables and emphasis): no
 * comment word is ever published, and every kept word is. */
static void test_kramdown_comments_property(void **state)
{
	(void)state;
	/* A is kept, S is comment, B is kept. */
	static const char *const shapes[] = {"A {::comment}S{:/comment} B\n\n",
	                                     "A\n\n{::comment}\nS\n\nS\n{:/comment}\n\nB\n\n",
	                                     "- A\n- {::comment}S{:/}\n- B\n\n",
	                                     "> A {::comment}\n> S\n> {:/comment}\n\nB\n\n",
	                                     "| A | x |\n|---|---|\n| y | z |\n\n{::comment}\n| S |\n{:/comment}\n\nB\n\n",
	                                     "*A {::comment}S*{:/comment}* B*\n\n",
	                                     "{::comment}\n# S\n{:/comment}\nA\n\nB\n\n",
	                                     "A{::comment}\n\n> S\n\n```\nS\n```\n{:/}B\n\n",
	                                     "1. A\n2. {::comment}S\n3. S{:/comment}B\n\n",
	                                     /* In raw HTML, where kramdown would publish it. */
	                                     "<div>\nA\n{::comment}\nS\n{:/comment}\n</div>\n\nB\n\n",
	                                     "<p>A {::comment}S{:/comment} B</p>\n\n",
	                                     "{::comment}\n<div>S</div>\n{:/comment}\n\nA\n\nB\n\n",
	                                     "A <span>{::comment}S</span> S{:/comment} B\n\n",
	                                     "<div>\nA {::comment}\n</div>\n\nS\n\n{:/comment}\nB\n\n"};
	unsigned seed = 42;
	for (int round = 0; round < 2000; round++) {
		char doc[4096] = "", kept[8][32];
		size_t at = 0;
		int blocks = 1 + round % 4;
		for (int b = 0; b < blocks; b++) {
			seed = seed * 1103515245u + 12345u;
			const char *shape = shapes[(seed >> 16) % (sizeof shapes / sizeof *shapes)];
			snprintf(kept[2 * b], sizeof kept[0], "keep%da%d", round, b);
			snprintf(kept[2 * b + 1], sizeof kept[0], "keep%db%d", round, b);
			for (const char *c = shape; *c; c++)
				at += (size_t)snprintf(doc + at, sizeof doc - at, "%s",
				                       *c == 'A' ? kept[2 * b] : *c == 'B' ? kept[2 * b + 1] : *c == 'S' ? "secret"
				                                                                                : (char[2]){*c, 0});
		}
		rendered r = render(doc, round % 2);
		if (strstr(r.html, "secret"))
			fail_msg("a comment was published from:\n%s\n---\n%s", doc, r.html);
		for (int k = 0; k < 2 * blocks; k++)
			if (!strstr(r.html, kept[k]))
				fail_msg("'%s' was lost from:\n%s\n---\n%s", kept[k], doc, r.html);
		release(&r);
	}
}

/* One id per page whatever the text: headings, attribute lists and raw
 * HTML ids never take the page's ("main"), the footnotes' or the changes
 * pages' forms, or each other's; a heading's footnote reference is not
 * part of its id; lang and dir in raw HTML are kept only when valid. */
static void test_ids_unique_on_the_page(void **state)
{
	(void)state;
	static const char *const layout_ids[] = {"main"};
	page_ids = layout_ids;
	page_id_count = 1;
	rendered r = render("Intro[^a] <span id=\"main\">x</span> <a name=\"retention\">old</a> "
	                    "<span id=\"fn-1\">y</span> <span id=\"dup\">1</span> <span id=\"dup\">2</span> "
	                    "<span lang=\"not a tag!\" dir=\"sideways\">z</span> <span lang=\"fr\" dir=\"ltr\">ok</span>.\n"
	                    "{: #change-3}\n\n"
	                    "## Main\n\n## fn-1\n\n## Retention[^r]\n\n## Main {#main}\n\n"
	                    "<div id=\"main\"><p id=\"kept\">Block</p></div>\n\n"
	                    "[^a]: A note.\n[^r]: Another.\n",
	                    0);
	page_ids = NULL;
	page_id_count = 0;
	htmlDocPtr page = tu_parse_html_string(r.html);
	/* Every id once, none the layout's or of a generated form but the notes'. */
	assert_int_equal(tu_count(page, "//*[@id='main']"), 0);
	assert_int_equal(tu_count(page, "//*[@id][@id = preceding::*/@id]"), 0);
	assert_int_equal(tu_count(page, "//h2[@id='main-2'] | //h2[@id='main-3']"), 2);
	assert_int_equal(tu_count(page, "//h2[@id='h-fn-1'][.='fn-1']"), 1);
	assert_int_equal(tu_count(page, "//a[@id='retention'][.='old']"), 1);
	assert_int_equal(tu_count(page, "//h2[@id='retention-2']"), 1);
	assert_int_equal(tu_count(page, "//span[@id='dup'][.='1'] | //span[.='2'][not(@id)]"), 2);
	assert_int_equal(tu_count(page, "//*[@id='fn-1']/ancestor::section[@class='footnotes']"), 1);
	assert_int_equal(tu_count(page, "//*[@id='change-3']"), 0);
	assert_int_equal(tu_count(page, "//p[@id='kept']"), 1);
	assert_int_equal(tu_count(page, "//span[.='z'][not(@lang)][not(@dir)]"), 1);
	assert_int_equal(tu_count(page, "//span[.='ok'][@lang='fr'][@dir='ltr']"), 1);
	assert_true(pp_diags_has(&r.diags, PP_WARNING, "id 'main' is dropped: the page around the text has an element of that id"));
	assert_true(pp_diags_has(&r.diags, PP_WARNING, "id 'fn-1' is dropped: footnotes and changes pages make ids of that form"));
	assert_true(pp_diags_has(&r.diags, PP_WARNING, "id 'change-3' is dropped"));
	assert_true(pp_diags_has(&r.diags, PP_WARNING, "id 'dup' is given twice; this one is dropped"));
	assert_true(pp_diags_has(&r.diags, PP_WARNING, "lang 'not a tag!' is dropped: it is not a language tag"));
	assert_true(pp_diags_has(&r.diags, PP_WARNING, "dir 'sideways' is dropped: it is ltr, rtl or auto"));
	assert_true(pp_diags_has(&r.diags, PP_WARNING, "id 'main' is the page's own; this one becomes 'main-3'"));
	xmlFreeDoc(page);
	release(&r);
	/* A note added before a heading's own leaves the heading's id as it was. */
	r = render("## Retention[^r]\n\n[^r]: Why.\n", 0);
	assert_non_null(strstr(r.html, "<h2 id=\"retention\">"));
	release(&r);
	r = render("Earlier.[^e]\n\n## Retention[^r]\n\n[^e]: New.\n[^r]: Why.\n", 0);
	assert_non_null(strstr(r.html, "<h2 id=\"retention\">"));
	release(&r);
}

/* The element after n in document order (test documents are shallow). */
static xmlNodePtr next_in_document(xmlNodePtr n)
{
	if (n->children)
		return n->children;
	while (n && !n->next)
		n = n->parent;
	return n ? n->next : NULL;
}

/* kramdown's end-of-block marker "^" right after a line ends the block
 * there: a paragraph, and the lists and quotes the line does not carry the
 * marks of (GFM would read it as a lazy continuation). */
static void test_end_of_block_marker_after_a_line(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
	    {"Para one\n^\nPara two\n", "<p>Para one</p><p>Para two</p>"},
	    {"- a\n^\n- b\n", "<ul><li>a</li></ul><ul><li>b</li></ul>"},
	    {"1. a\n2. b\n^\n3. c\n", "<ol><li>a</li><li>b</li></ol><ol start=\"3\"><li>c</li></ol>"},
	    {"> quote\n^\nText\n", "<blockquote><p>quote</p></blockquote><p>Text</p>"},
	    {"> quote\n> ^\n> Text\n", "<blockquote><p>quote</p><p>Text</p></blockquote>"},
	    {"- a\n  - b\n^\n- c\n", "<ul><li>a<ul><li>b</li></ul></li></ul><ul><li>c</li></ul>"},
	    {"- a\n  ^\n  more\n", "<ul><li><p>a</p><p>more</p></li></ul>"},
	    {"one\n^\ntwo\n^\nthree\n", "<p>one</p><p>two</p><p>three</p>"},
	    {"last\n^\n", "<p>last</p>"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		rendered r = render(cases[i][0], 0);
		/* The body's markup, without the direction attributes. */
		htmlDocPtr page = tu_parse_html_string(r.html);
		xmlNodePtr body = NULL;
		for (xmlNodePtr n = xmlDocGetRootElement(page); n; n = next_in_document(n)) {
			if (n->type == XML_ELEMENT_NODE)
				xmlUnsetProp(n, BAD_CAST "dir");
			if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST "body") == 0)
				body = n;
		}
		xmlBufferPtr buf = xmlBufferCreate();
		for (xmlNodePtr c = body->children; c; c = c->next)
			xmlNodeDump(buf, page, c, 0, 0);
		if (strcmp((const char *)xmlBufferContent(buf), cases[i][1]) != 0)
			fail_msg("%s\ngave  %s\nwanted %s", cases[i][0], xmlBufferContent(buf), cases[i][1]);
		xmlBufferFree(buf);
		xmlFreeDoc(page);
		release(&r);
	}
}

/* Inline raw HTML that real policies use keeps its elements, with safe
 * attributes only; other elements keep their text, as before. */
static void test_inline_raw_html_kept(void **state)
{
	(void)state;
	rendered r = render("We follow the <abbr title=\"General Data Protection Regulation\">GDPR</abbr>: "
	                    "<a name=\"rights\"></a>rights<sup>1</sup>, H<sub>2</sub>O, <u>u</u>, <mark>m</mark>, "
	                    "<span class=\"x\" onclick=\"steal()\" lang=\"fr\">oui</span>, <font color=red>font</font>, "
	                    "<b>bold <i>both</b> after</i>, <a href=\"javascript:x()\">bad</a>, <em>open to the end.\n\n"
	                    "Next paragraph.\n",
	                    0);
	htmlDocPtr page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//p/abbr[@title='General Data Protection Regulation'][.='GDPR']"), 1);
	assert_int_equal(tu_count(page, "//p/a[@id='rights'][not(@name)]"), 1);
	assert_int_equal(tu_count(page, "//p/sup[.='1'] | //p/sub[.='2'] | //p/u[.='u'] | //p/mark[.='m']"), 4);
	assert_int_equal(tu_count(page, "//p/span[@lang='fr'][not(@class)][not(@onclick)][.='oui']"), 1);
	/* Closing an element closes what was opened inside it. */
	assert_int_equal(tu_count(page, "//p/b[.='bold both']/i[.='both']"), 1);
	assert_int_equal(tu_count(page, "//a[@href]"), 0);
	assert_int_equal(tu_count(page, "//p/a[not(@id)][.='bad']"), 1);
	/* Left open, an element ends with its paragraph. */
	assert_int_equal(tu_count(page, "//p[1]/em[.='open to the end.']"), 1);
	assert_int_equal(tu_count(page, "//p[2][.='Next paragraph.'][not(*)]"), 1);
	assert_int_equal(tu_count(page, "//font"), 0);
	assert_null(strstr(r.html, "color"));
	assert_null(strstr(r.html, "steal"));
	assert_true(pp_diags_has(&r.diags, PP_WARNING, "raw HTML <span>: its event handlers, styles or unsafe links were removed"));
	assert_true(pp_diags_has(&r.diags, PP_WARNING, "raw HTML <a>: its event handlers, styles or unsafe links were removed"));
	assert_true(pp_diags_has(&r.diags, PP_WARNING, "raw HTML is not rendered; write this in Markdown"));
	assert_int_equal(r.diags.count, 4); /* <font> and </font> */
	xmlFreeDoc(page);
	release(&r);
}

/* GFM footnotes: each reference links to its note and each note back to
 * every reference, numbered in the order notes are first referred to;
 * notes nobody refers to are dropped, as GitHub does. */
static void test_footnotes_link_both_ways(void **state)
{
	(void)state;
	rendered r = render("نص[^later] و[^first] ثم[^later] مرة أخرى.\n\n"
	                    "[^first]: الملاحظة *الأولى*.\n\n[^later]: الملاحظة الثانية.\n\n[^unused]: لا أحد يشير إليها.\n",
	                    1);
	htmlDocPtr page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//p/sup[@class='footnote-ref']/a[@role='doc-noteref']"), 3);
	/* [^later] is referred to first: note 1, twice. */
	assert_int_equal(tu_count(page, "//p/sup[1]/a[@href='#fn-1'][@id='fnref-1'][.='1']"), 1);
	assert_int_equal(tu_count(page, "//p/sup[2]/a[@href='#fn-2'][@id='fnref-2'][.='2']"), 1);
	assert_int_equal(tu_count(page, "//p/sup[3]/a[@href='#fn-1'][@id='fnref-1-2']"), 1);
	assert_int_equal(tu_count(page, "//section[@class='footnotes'][@role='doc-endnotes']/ol/li"), 2);
	assert_int_equal(tu_count(page, "//section/ol/li[1][@id='fn-1']/p[starts-with(., 'الملاحظة الثانية.')]"), 1);
	assert_int_equal(tu_count(page, "//section/ol/li[2][@id='fn-2']/p/em[.='الأولى']"), 1);
	/* Back links to every reference. */
	assert_int_equal(tu_count(page, "//li[@id='fn-1']//a[@role='doc-backlink']"), 2);
	assert_int_equal(tu_count(page, "//li[@id='fn-1']//a[@href='#fnref-1'] | //li[@id='fn-1']//a[@href='#fnref-1-2']"), 2);
	assert_int_equal(tu_count(page, "//li[@id='fn-2']//a[@role='doc-backlink'][@href='#fnref-2']"), 1);
	/* Every link leads to an id of the page. */
	assert_int_equal(tu_count(page, "//a[starts-with(@href,'#')][not(substring(@href,2) = //@id)]"), 0);
	assert_null(strstr(r.html, "[^"));
	assert_null(strstr(r.html, "يشير"));
	xmlFreeDoc(page);
	release(&r);
}

static void test_pinned_ids_listed(void **state)
{
	(void)state;
	const char *md = "## A {#a}\n\n## B\n{: #b }\n\n## C\n\nText {#not-a-heading}\n";
	char **ids;
	size_t count;
	assert_int_equal(pp_markdown_pinned_ids(md, strlen(md), &ids, &count), 0);
	assert_int_equal(count, 2);
	assert_string_equal(ids[0], "a");
	assert_string_equal(ids[1], "b");
	pp_free_ids(ids, count);
}

static void test_deep_nesting_does_not_crash(void **state)
{
	(void)state;
	size_t depth = 10000;
	char *md = malloc(depth * 2 + 16);
	size_t n = 0;
	for (size_t i = 0; i < depth; i++) {
		md[n++] = '>';
		md[n++] = ' ';
	}
	strcpy(md + n, "deep\n");
	cmark_node *doc = pp_markdown_parse(md, strlen(md));
	assert_non_null(doc);
	xmlNodePtr body = xmlNewNode(NULL, BAD_CAST "div");
	pp_diags d;
	pp_diags_init(&d);
	pp_md_context ctx = {.path = "deep.md", .line_offset = 0, .rtl = 0};
	assert_int_equal(pp_markdown_render(doc, body, &ctx, &d), 0);
	cmark_node_free(doc);
	xmlFreeNode(body);
	pp_diags_free(&d);
	free(md);
}

/* Text enters the document in NFC, whatever form the author's editor saved. */
static void test_text_in_nfc(void **state)
{
	(void)state;
	rendered r = render("Donne\u0301es: \u0628\u0651\u064E *e\u0301*\n", 0);
	htmlDocPtr page = tu_parse_html_string(r.html);
	assert_int_equal(tu_count(page, "//p[starts-with(., 'Données: \u0628\u064E\u0651')]"), 1);
	assert_int_equal(tu_count(page, "//p/em[.='é']"), 1);
	assert_null(strstr(r.html, "e\u0301"));
	xmlFreeDoc(page);
	release(&r);
}

int main(void)
{
	pp_markdown_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_in_nfc),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_script_does_not_come_through),
		cmocka_unit_test(test_raw_html_block_rebuilt_safely),
		cmocka_unit_test(test_comments_and_line_breaks),
		cmocka_unit_test(test_dangerous_urls_removed),
		cmocka_unit_test(test_block_direction),
		cmocka_unit_test(test_block_direction_by_most_words),
		cmocka_unit_test(test_block_direction_property),
		cmocka_unit_test(test_ltr_runs_isolated_in_rtl),
		cmocka_unit_test(test_opposite_runs_isolated_inside_text),
		cmocka_unit_test(test_heading_ids),
		cmocka_unit_test(test_repeated_headings_get_unique_ids),
		cmocka_unit_test(test_unknown_attribute_blocks_dropped_with_warning),
		cmocka_unit_test(test_pinned_ids_listed),
		cmocka_unit_test(test_footnotes_link_both_ways),
		cmocka_unit_test(test_kramdown_attribute_lists),
		cmocka_unit_test(test_kramdown_comments_never_published),
		cmocka_unit_test(test_kramdown_definition_lists),
		cmocka_unit_test(test_kramdown_abbreviations),
		cmocka_unit_test(test_kramdown_abbreviations_property),
		cmocka_unit_test(test_kramdown_table_of_contents),
		cmocka_unit_test(test_kramdown_table_of_contents_property),
		cmocka_unit_test(test_kramdown_markdown_in_html),
		cmocka_unit_test(test_raw_containers_left_open),
		cmocka_unit_test(test_kramdown_comments_property),
		cmocka_unit_test(test_ids_unique_on_the_page),
		cmocka_unit_test(test_end_of_block_marker_after_a_line),
		cmocka_unit_test(test_inline_raw_html_kept),
		cmocka_unit_test(test_deep_nesting_does_not_crash),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	pp_text_facts_free(facts_of_all);
	return failed;
}
