/* The whole command on the bundled content: pages parsed with libxml2 and
 * inspected, and failing builds that must leave earlier output untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/uri.h>

#include "build.h"
#include "l10n.h"
#include "markdown.h"
#include "testutil.h"

typedef tu_site fixture;


static htmlDocPtr page(const fixture *f, const char *rel)
{
	char *path = tu_join(f->out, rel);
	htmlDocPtr doc = tu_parse_html(path);
	if (!doc)
		fail_msg("cannot parse %s", path);
	free(path);
	return doc;
}

static void expect_xpath(htmlDocPtr doc, const char *xpath, const char *expected)
{
	char *s = tu_string(doc, xpath);
	if (strcmp(s, expected) != 0)
		fail_msg("%s: expected '%s', got '%s'", xpath, expected, s);
	free(s);
}

static void test_lang_and_dir_per_locale(void **state)
{
	fixture *f = *state;
	const char *ar_pages[] = {"ar/privacy/index.html", "ar/privacy/2024-09-01/index.html",
	                          "ar/privacy/2023-03-14/index.html", "ar/privacy/history/index.html",
	                          "ar/index.html", "index.html"};
	for (size_t i = 0; i < sizeof ar_pages / sizeof *ar_pages; i++) {
		htmlDocPtr doc = page(f, ar_pages[i]);
		expect_xpath(doc, "string(/html/@lang)", "ar");
		expect_xpath(doc, "string(/html/@dir)", "rtl");
		xmlFreeDoc(doc);
	}
	htmlDocPtr doc = page(f, "en/privacy/2024-09-01/index.html");
	expect_xpath(doc, "string(/html/@lang)", "en");
	expect_xpath(doc, "string(/html/@dir)", "ltr");
	xmlFreeDoc(doc);
}

static void test_localized_update_date_at_bottom(void **state)
{
	fixture *f = *state;
	htmlDocPtr doc = page(f, "ar/privacy/2024-09-01/index.html");
	expect_xpath(doc, "string(//footer/p[@class='updated']/time/@datetime)", "2024-09-01");
	expect_xpath(doc, "string(//footer/p[@class='updated']/time)", "١ سبتمبر ٢٠٢٤");
	/* The dates come after the policy text, as the policy promises:
	 * published, and in force from then until replaced. */
	assert_int_equal(tu_count(doc, "//div[@class='policy-body']/following::p[@class='updated']/time[@datetime='2024-09-01']"), 1);
	assert_int_equal(tu_count(doc, "//div[@class='policy-body']/following::p[@class='period']/time[@datetime='2024-09-01']"), 1);
	assert_int_equal(tu_count(doc, "//div[@class='policy-body']/following::p[@class='period']//time[@datetime='2025-03-02']"), 1);
	xmlFreeDoc(doc);
	doc = page(f, "en/privacy/2023-03-14/index.html");
	expect_xpath(doc, "string(//footer/p[@class='updated']/time)", "March 14, 2023");
	xmlFreeDoc(doc);
}

/* On the tests' reference date (TU_AS_OF) the editorial version of
 * 2025-03-02 is in force and the one of 2026-11-16 takes effect on
 * 2026-12-16: the plain URL shows the version in force, every version page
 * says when it applies, and notices lead from one to the other. */
static void test_in_force_upcoming_and_history(void **state)
{
	fixture *f = *state;
	htmlDocPtr plain = page(f, "ar/privacy/index.html");
	htmlDocPtr permanent = page(f, "ar/privacy/2025-03-02/index.html");
	/* The plain URL shows the version in force and points to its permanent URL. */
	expect_xpath(plain, "string(//link[@rel='canonical']/@href)", "https://malachite.example/ar/privacy/2025-03-02/");
	expect_xpath(permanent, "string(//link[@rel='canonical']/@href)",
	             "https://malachite.example/ar/privacy/2025-03-02/");
	char *a = tu_string(plain, "string(//div[@class='policy-body'])");
	char *b = tu_string(permanent, "string(//div[@class='policy-body'])");
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "نموذج تعبئة الاستبيان")); /* the editorial fix */
	assert_null(strstr(a, "الاحتفاظ بالبيانات"));       /* the upcoming section */
	free(a);
	free(b);
	expect_xpath(plain, "string(//a[@rel='prev']/@href)", "2024-09-01/index.html");
	expect_xpath(plain, "string(//a[@rel='next']/@href)", "2026-11-16/index.html");
	assert_int_equal(tu_count(plain, "//*[contains(@class,'notice-outdated')]"), 0);
	/* In force since its effective date, and the coming version announced
	 * with links to it and to what it will change. */
	expect_xpath(plain, "string(//footer/p[@class='period']/time/@datetime)", "2025-03-02");
	expect_xpath(plain, "string(//footer/p[@class='period'])", "ساري المفعول منذ: ٢ مارس ٢٠٢٥");
	assert_int_equal(tu_count(plain, "//footer/p[@class='editorial']"), 1);
	assert_int_equal(tu_count(plain, "//p[contains(@class,'notice-upcoming')]"), 1);
	expect_xpath(plain, "string(//p[contains(@class,'notice-upcoming')]/time/@datetime)", "2026-12-16");
	expect_xpath(plain, "string(//p[contains(@class,'notice-upcoming')]/time)", "١٦ ديسمبر ٢٠٢٦");
	expect_xpath(plain, "string(//p[contains(@class,'notice-upcoming')]//a[@class='upcoming-link']/@href)",
	             "2026-11-16/index.html");
	expect_xpath(plain, "string(//p[contains(@class,'notice-upcoming')]//a[@class='preview-link']/@href)",
	             "2026-11-16/changes/2025-03-02/index.html");
	expect_xpath(permanent, "string(//p[contains(@class,'notice-upcoming')]//a[@class='preview-link']/@href)",
	             "../2026-11-16/changes/2025-03-02/index.html");
	/* Compared with every earlier version, newest first. */
	assert_int_equal(tu_count(permanent, "//details[@class='compare']//li"), 2);
	expect_xpath(permanent, "string(//details[@class='compare']//li[1]/a/@href)", "changes/2024-09-01/index.html");
	expect_xpath(permanent, "string(//details[@class='compare']//li[2]/a/@href)", "changes/2023-03-14/index.html");
	expect_xpath(permanent, "string(//footer/p[@class='permanent-url'])",
	             "العنوان الدائم لهذا الإصدار: https://malachite.example/ar/privacy/2025-03-02/");
	xmlFreeDoc(plain);
	xmlFreeDoc(permanent);

	htmlDocPtr upcoming = page(f, "ar/privacy/2026-11-16/index.html");
	assert_int_equal(tu_count(upcoming, "//*[contains(@class,'notice-outdated') or contains(@class,'notice-upcoming')]"), 0);
	expect_xpath(upcoming, "string(//p[contains(@class,'notice-not-yet')]/time/@datetime)", "2026-12-16");
	expect_xpath(upcoming, "string(//p[contains(@class,'notice-not-yet')]//a[not(@class)]/@href)", "../index.html");
	expect_xpath(upcoming, "string(//p[contains(@class,'notice-not-yet')]//a[@class='preview-link']/@href)",
	             "changes/2025-03-02/index.html");
	expect_xpath(upcoming, "string(//footer/p[@class='period'])", "يسري اعتبارًا من: ١٦ ديسمبر ٢٠٢٦");
	expect_xpath(upcoming, "string(//footer/p[@class='updated']/time/@datetime)", "2026-11-16");
	assert_int_equal(tu_count(upcoming, "//details[@class='compare']//li"), 3);
	assert_int_equal(tu_count(upcoming, "//a[@rel='next']"), 0);
	xmlFreeDoc(upcoming);

	htmlDocPtr old = page(f, "ar/privacy/2023-03-14/index.html");
	expect_xpath(old, "string(//a[@rel='next']/@href)", "../2024-09-01/index.html");
	assert_int_equal(tu_count(old, "//a[@rel='prev']"), 0);
	/* A replaced version says so, links to the one in force and to
	 * everything that changed since. */
	expect_xpath(old, "string((//*[contains(@class,'notice-outdated')]//a)[1]/@href)", "../index.html");
	expect_xpath(old, "string(//*[contains(@class,'notice-outdated')]//a[@class='since-link']/@href)",
	             "../2025-03-02/changes/2023-03-14/index.html");
	assert_int_equal(tu_count(old, "//h2[.='المواقع الخاصة بالطرف الثالث']"), 0);
	expect_xpath(old, "string(//footer/p[@class='period'])",
	             "كان ساريًا من ١٤ مارس ٢٠٢٣ حتى حلّ محله إصدار آخر في ١ سبتمبر ٢٠٢٤");
	expect_xpath(old, "string(//footer/p[@class='period']/a/@href)", "../2024-09-01/index.html");
	assert_int_equal(tu_count(old, "//details[@class='compare'] | //footer/p[@class='editorial']"), 0);
	xmlFreeDoc(old);

	htmlDocPtr history = page(f, "ar/privacy/history/index.html");
	assert_int_equal(tu_count(history, "//ul[@class='history']/li"), 4);
	/* Newest first, each with its localized date, period and summary. */
	expect_xpath(history, "string(//ul[@class='history']/li[1]/a/time/@datetime)", "2026-11-16");
	assert_int_equal(tu_count(history, "//ul[@class='history']/li[1]/span[contains(@class,'badge-upcoming')]"), 1);
	expect_xpath(history, "string(//ul[@class='history']/li[2]/a/time)", "٢ مارس ٢٠٢٥");
	expect_xpath(history, "string(//ul[@class='history']/li[2]/a/@href)", "../2025-03-02/index.html");
	assert_int_equal(tu_count(history, "//ul[@class='history']/li[2]/span[contains(@class,'badge-in-force')]"), 1);
	assert_int_equal(tu_count(history, "//ul[@class='history']/li[2]/span[contains(@class,'badge-editorial')]"), 1);
	assert_int_equal(tu_count(history, "//span[contains(@class,'badge-in-force')]"), 1);
	expect_xpath(history, "string(//ul[@class='history']/li[3]/p[@class='period'])",
	             "كان ساريًا من ١ سبتمبر ٢٠٢٤ حتى حلّ محله إصدار آخر في ٢ مارس ٢٠٢٥");
	expect_xpath(history, "string(//ul[@class='history']/li[4]/p[@class='summary'])", "النشر الأول لسياسة الخصوصية.");
	/* Every row but the one in force compares with it. */
	expect_xpath(history, "string(//ul[@class='history']/li[1]//a[@class='compare-in-force']/@href)",
	             "../2026-11-16/changes/2025-03-02/index.html");
	assert_int_equal(tu_count(history, "//ul[@class='history']/li[2]//a[@class='compare-in-force']"), 0);
	expect_xpath(history, "string(//ul[@class='history']/li[3]//a[@class='compare-in-force']/@href)",
	             "../2025-03-02/changes/2024-09-01/index.html");
	expect_xpath(history, "string(//ul[@class='history']/li[4]//a[@class='compare-in-force']/@href)",
	             "../2025-03-02/changes/2023-03-14/index.html");
	xmlFreeDoc(history);
}

static void test_language_links(void **state)
{
	fixture *f = *state;
	htmlDocPtr doc = page(f, "ar/privacy/2023-03-14/index.html");
	/* The same version in the other language, named in its own language. */
	expect_xpath(doc, "string(//nav[@class='languages']//a[@hreflang='en']/@href)",
	              "../../../en/privacy/2023-03-14/index.html");
	expect_xpath(doc, "string(//nav[@class='languages']//a[@hreflang='en'])", "English");
	expect_xpath(doc, "string(//nav[@class='languages']//a[@aria-current]/@hreflang)", "ar");
	expect_xpath(doc, "string(//nav[@class='languages']//a[@hreflang='ar'])", "العربية");
	assert_int_equal(tu_count(doc, "//link[@rel='alternate'][@hreflang]"), 3);
	expect_xpath(doc, "string(//link[@hreflang='x-default']/@href)", "https://malachite.example/ar/privacy/2023-03-14/");
	xmlFreeDoc(doc);
	htmlDocPtr home = page(f, "index.html");
	assert_int_equal(tu_count(home, "//section[@lang='en']//a[@href='en/privacy/index.html']"), 1);
	assert_int_equal(tu_count(home, "//section[@lang='ar'][@dir='rtl']//a[@href='ar/privacy/index.html']"), 1);
	/* The site's root is no language's index: nothing is marked current. */
	assert_int_equal(tu_count(home, "//*[@aria-current]"), 0);
	xmlFreeDoc(home);
	/* Every kind of page leads to the same page in the other language, and
	 * marks current only the link to itself, as the alternates do. */
	static const char *const same[][2] = {
	    {"ar/privacy/2025-03-02/changes/index.html", "../../../../en/privacy/2025-03-02/changes/index.html"},
	    {"ar/privacy/2025-03-02/changes/2023-03-14/index.html",
	     "../../../../../en/privacy/2025-03-02/changes/2023-03-14/index.html"},
	    {"ar/privacy/history/index.html", "../../../en/privacy/history/index.html"},
	    {"ar/privacy/index.html", "../../en/privacy/index.html"},
	    {"en/privacy/2024-09-01/changes/index.html", "../../../../ar/privacy/2024-09-01/changes/index.html"},
	};
	for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
		doc = page(f, same[i][0]);
		const char *other = strncmp(same[i][0], "ar/", 3) == 0 ? "en" : "ar";
		char xpath[256];
		snprintf(xpath, sizeof xpath, "string(//nav[@class='languages']//a[@hreflang='%s']/@href)", other);
		expect_xpath(doc, xpath, same[i][1]);
		assert_int_equal(tu_count(doc, "//nav[@class='languages']//a[@aria-current]"), 1);
		snprintf(xpath, sizeof xpath, "string(//nav[@class='languages']//a[@aria-current='page']/@hreflang)");
		expect_xpath(doc, xpath, same[i][0][0] == 'a' ? "ar" : "en");
		char *self = tu_string(doc, "string(//nav[@class='languages']//a[@aria-current='page']/@href)");
		const char *name = strrchr(same[i][0], '/') + 1;
		if (strcmp(self, name) != 0)
			fail_msg("%s: the current link leads to %s, not to the page itself", same[i][0], self);
		free(self);
		xmlFreeDoc(doc);
	}
}

static char *find_under(const char *dir, const char *test);

/* A build through the library, on one thread: the authoritative series
 * before its translation, which takes every text it hands over. */
static void build_in_process(const char *content, const char *out, const char *only_policy, const char *only_locale)
{
	char *theme = tu_join(tu_source_root(), "themes/default");
	pp_build_request request = {.content_dir = content, .theme_dir = theme, .out_dir = out,
	                            .options = {.jobs = 1, .as_of = TU_AS_OF, .only_policy = only_policy,
	                                        .only_locale = only_locale}};
	pp_build_result result;
	pp_diags d;
	pp_diags_init(&d);
	assert_int_equal(pp_build_run(&request, &result, &d), 0);
	assert_int_equal(d.errors, 0);
	pp_site_free(result.site);
	pp_diags_free(&d);
	free(theme);
}

/* The authoritative texts shown beside their translations were handed over
 * by the series that rendered them, after its own pages had used them: the
 * side-by-side pages are byte for byte those of a build of the translation
 * alone (serve's first build), which renders every text anew. */
static void test_side_by_side_texts_handed_over_as_rendered(void **state)
{
	fixture *f = *state;
	char *whole = tu_join(f->tmp, "out-whole-one-thread"), *out = tu_join(f->tmp, "out-translation-alone");
	build_in_process(f->content, whole, NULL, NULL);
	build_in_process(f->content, out, "privacy", "en");
	/* Every version of the translation. */
	char *series = tu_join(f->content, "privacy/en");
	DIR *dir = opendir(series);
	assert_non_null(dir);
	size_t compared = 0;
	for (struct dirent *e; (e = readdir(dir));) {
		size_t name_len = strlen(e->d_name);
		if (name_len != 13 || strcmp(e->d_name + 10, ".md") != 0)
			continue;
		char rel[96];
		snprintf(rel, sizeof rel, "en/privacy/%.10s/side-by-side/index.html", e->d_name);
		char *full_path = tu_join(whole, rel), *alone_path = tu_join(out, rel);
		size_t full_len = 0, alone_len = 0;
		char *full = tu_read(full_path, &full_len), *alone = tu_read(alone_path, &alone_len);
		if (full || alone) {
			if (!full || !alone || full_len != alone_len || memcmp(full, alone, full_len) != 0)
				fail_msg("%s differs between the whole site and the translation built alone", rel);
			compared++;
		}
		free(full);
		free(alone);
		free(full_path);
		free(alone_path);
	}
	closedir(dir);
	free(series);
	assert_true(compared >= 3);
	free(whole);
	free(out);
}

/* Each translation version beside the authoritative text it translates:
 * rows of aligned blocks, each column in its language and direction, a
 * block without counterpart marked; linked from the version's page. */
static void test_side_by_side(void **state)
{
	fixture *f = *state;
	htmlDocPtr doc = page(f, "en/privacy/2024-09-01/side-by-side/index.html");
	assert_true(tu_count(doc, "//div[@class='bilingual-row']") > 10);
	assert_int_equal(tu_count(doc, "//div[@class='bilingual-row'][not(div[contains(@class,'bilingual-source')]"
	                               "[@lang='ar'][@dir='rtl'])]"), 0);
	assert_int_equal(tu_count(doc, "//div[contains(@class,'bilingual-translation')][@lang]"), 0); /* the page's */
	assert_int_equal(tu_count(doc, "/html[@lang='en'][@dir='ltr']"), 1);
	assert_int_equal(tu_count(doc, "//p[@class='bilingual-unaligned']"), 0);
	/* No id twice: the source column's are left out. */
	assert_int_equal(tu_count(doc, "//*[@id][@id = preceding::*/@id]"), 0);
	assert_int_equal(tu_count(doc, "//div[contains(@class,'bilingual-source')]//*[@id]"), 0);
	xmlFreeDoc(doc);
	doc = page(f, "en/privacy/2024-09-01/index.html");
	expect_xpath(doc, "string(//a[@class='side-by-side-link']/@href)", "side-by-side/index.html");
	xmlFreeDoc(doc);
	doc = page(f, "ar/privacy/2024-09-01/index.html");
	assert_int_equal(tu_count(doc, "//a[@class='side-by-side-link']"), 0);
	xmlFreeDoc(doc);
	/* A translation missing a paragraph: its row is marked. */
	char *src = tu_join(f->content, "privacy/en/2024-09-01.md");
	char *text = tu_read(src, NULL);
	char *cut = strstr(text, "\nUsers may also be asked");
	assert_non_null(cut);
	char *end = strchr(cut + 1, '\n');
	memmove(cut, end, strlen(end) + 1);
	char *content = tu_join(f->tmp, "content-sbs");
	assert_int_equal(tu_copy_tree(f->content, content), 0);
	char *changed = tu_join(content, "privacy/en/2024-09-01.md");
	tu_write(changed, text);
	char *out = tu_join(f->tmp, "out-sbs");
	char *err = NULL;
	assert_int_equal(tu_build(content, out, &err), 0);
	char *path = tu_join(out, "en/privacy/2024-09-01/side-by-side/index.html");
	doc = tu_parse_html(path);
	assert_int_equal(tu_count(doc, "//div[@class='bilingual-row'][p[@class='bilingual-unaligned']]"
	                               "[div[contains(@class,'bilingual-translation')][not(*)]]"), 1);
	xmlFreeDoc(doc);
	free(path);
	free(err);
	free(out);
	free(changed);
	free(content);
	free(text);
	free(src);
}

/* Every page has its own title, naming what it is (WCAG 2.4.2): only a
 * policy's plain URL shares one with the version it shows, its canonical. */
static void test_titles_distinct(void **state)
{
	fixture *f = *state;
	char *list = find_under(f->out, "-name '*.html'");
	char *titles[512], *canonicals[512], *paths[512];
	size_t n = 0;
	for (char *line = strtok(list, "\n"); line && n < 512; line = strtok(NULL, "\n")) {
		char *path = tu_join(f->out, line);
		htmlDocPtr doc = tu_parse_html(path);
		titles[n] = tu_string(doc, "string(//title)");
		canonicals[n] = tu_string(doc, "string(//link[@rel='canonical']/@href)");
		paths[n] = strdup(line);
		n++;
		xmlFreeDoc(doc);
		free(path);
	}
	assert_true(n > 20);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(titles[i], titles[j]) == 0 && (!*canonicals[i] || strcmp(canonicals[i], canonicals[j]) != 0))
				fail_msg("%s and %s share the title '%s'", paths[i], paths[j], titles[i]);
	for (size_t i = 0; i < n; i++) {
		free(titles[i]);
		free(canonicals[i]);
		free(paths[i]);
	}
	free(list);
	htmlDocPtr doc = page(f, "en/privacy/2025-03-02/changes/2023-03-14/index.html");
	expect_xpath(doc, "string(//title)", "What changed from March 14, 2023 to March 2, 2025 — Privacy Policy — Malachite");
	xmlFreeDoc(doc);
	doc = page(f, "ar/privacy/2024-09-01/index.html");
	expect_xpath(doc, "string(//title)", "إصدار سابق، بتاريخ ١ سبتمبر ٢٠٢٤ — سياسة الخصوصية — مالاكايت");
	xmlFreeDoc(doc);
}

/* Every relative link of every page must lead to a file of the site. */
/* The bundled versions differ by one word, a reworded list item, a reworded
 * sentence and a new section: exactly those are marked. */
static void test_bundled_changes_page(void **state)
{
	fixture *f = *state;
	htmlDocPtr doc = page(f, "ar/privacy/2024-09-01/changes/index.html");
	const char *dels[] = {"متعددة", "للملاحظات", "وفق أساليب"};
	const char *inss[] = {"مختلفة", "للمعلومات والملاحظات", "من أجل فهم أفضل لمصالح واحتياجات مستخدمي خدمتنا",
	                      "ويتم تشفيرها وحمايتها من خلال طرق وأساليب", "المواقع الخاصة بالطرف الثالث"};
	assert_int_equal(tu_count(doc, "//div[contains(@class,'diff')]//del"), 3);
	assert_int_equal(tu_count(doc, "//div[contains(@class,'diff')]//ins[not(contains(@class,'diff-space'))]"), 6);
	/* The space before added words is an addition of its own, drawn plain. */
	assert_int_equal(tu_count(doc, "//div[contains(@class,'diff')]//ins[contains(@class,'diff-space')][.=' ']"), 1);
	for (size_t i = 0; i < 3; i++) {
		char xpath[512];
		snprintf(xpath, sizeof xpath, "string((//div[contains(@class,'diff')]//del)[%zu]/text())", i + 1);
		expect_xpath(doc, xpath, dels[i]);
	}
	for (size_t i = 0; i < 5; i++) {
		char xpath[512];
		snprintf(xpath, sizeof xpath, "string((//div[contains(@class,'diff')]//ins[not(contains(@class,'diff-space'))])[%zu]/text())", i + 1);
		expect_xpath(doc, xpath, inss[i]);
	}
	/* The new section is marked as a block, heading and paragraph. */
	assert_int_equal(tu_count(doc, "//h2[@class='diff-added']/ins[@id]"), 1);
	assert_int_equal(tu_count(doc, "//p[@class='diff-added']/ins"), 1);
	/* Long unchanged stretches are folded; headings stay visible. */
	assert_true(tu_count(doc, "//details[@class='unchanged']") >= 1);
	assert_int_equal(tu_count(doc, "//details[@class='unchanged']//*[self::h2 or self::ins or self::del]"), 0);
	assert_int_equal(tu_count(doc, "//div[contains(@class,'diff')]/h2"), 9);
	expect_xpath(doc, "string((//details[@class='unchanged'])[1]/summary)", "فقرة واحدة دون تغيير");
	/* Summary in Arabic, with Arabic plural forms and digits. */
	expect_xpath(doc, "string(//ul[@class='change-counts']/li[1])", "تغيّرت ٤ أقسام");
	assert_int_equal(tu_count(doc, "//ol[@class='change-list']/li/a[starts-with(@href,'#change-')]"), 5);
	/* Every jump link has its target. */
	assert_int_equal(tu_count(doc, "//ol[@class='change-list']/li/a[not(substring(@href,2) = //@id)]"), 0);
	expect_xpath(doc, "string(//a[time/@datetime='2023-03-14']/@href)", "../../2023-03-14/index.html");
	xmlFreeDoc(doc);
	/* Each entry of the list reads on its own, inside its link: the section
	 * (the introduction, before the first heading, named), a few words
	 * before the change (cut at word boundaries) and, for a short
	 * replacement, old and new ("او" becoming "أو"); no two entries alike. */
	doc = page(f, "ar/privacy/2025-03-02/changes/index.html");
	expect_xpath(doc, "normalize-space(//ol[@class='change-list']/li[1]/a)",
	             "تعديل: المقدمة …جمعها من قبل مستخدمين مستخدمي");
	expect_xpath(doc, "string(//ol[@class='change-list']/li[3]/a//del)", "او");
	expect_xpath(doc, "string(//ol[@class='change-list']/li[3]/a//ins)", "أو");
	assert_int_equal(tu_count(doc, "//ol[@class='change-list']/li[a[not(.//q)]]"), 0);
	assert_int_equal(tu_count(doc, "//ol[@class='change-list']/li[normalize-space(a) = "
	                               "normalize-space(preceding-sibling::li/a)]"), 0);
	xmlFreeDoc(doc);

	/* The first version has nothing to compare with. */
	char *first = tu_join(f->out, "ar/privacy/2023-03-14/changes/index.html");
	assert_int_not_equal(access(first, F_OK), 0);
	free(first);
	doc = page(f, "ar/privacy/2024-09-01/index.html");
	expect_xpath(doc, "string(//a[@class='changes-link']/@href)", "changes/index.html");
	xmlFreeDoc(doc);
	doc = page(f, "en/privacy/history/index.html");
	expect_xpath(doc, "string(//ul[@class='history']/li[3]/p[@class='changes']/a[not(@class)]/@href)",
	             "../2024-09-01/changes/index.html");
	assert_int_equal(tu_count(doc, "//ul[@class='history']/li[4]/p[@class='changes']/a[not(@class)]"), 0);
	xmlFreeDoc(doc);
}

/* A policy written with its own "# Title" and other generators' keys
 * builds, with the title shown once. */
static void test_migrated_policy_builds(void **state)
{
	fixture *f = *state;
	char *file = tu_join(f->content, "privacy/en/2025-05-01.md");
	tu_write(file, "---\nupdated: 2025-05-01\nlayout: page\npermalink: /privacy/\n---\n\n"
	               "# Privacy Policy\n\nWe keep little.\n\n## Contact\n\nWrite to us.\n");
	char *out = tu_join(f->tmp, "migrated-out");
	char *err = NULL;
	assert_int_equal(tu_build(f->content, out, &err), 0);
	assert_non_null(strstr(err, "privacy/en/2025-05-01.md:3:1: warning: unknown front matter key 'layout'"));
	char *path = tu_join(out, "en/privacy/2025-05-01/index.html");
	htmlDocPtr doc = tu_parse_html(path);
	assert_int_equal(tu_count(doc, "//h1"), 1);
	expect_xpath(doc, "string(//h1)", "Privacy Policy");
	expect_xpath(doc, "string(//title)", "In force since May 1, 2025 — Privacy Policy — Malachite");
	assert_int_equal(tu_count(doc, "//div[@class='policy-body']/h2[@id='contact']"), 1);
	xmlFreeDoc(doc);
	unlink(file);
	free(path);
	free(err);
	free(out);
	free(file);
}

static void test_identical_versions_say_so(void **state)
{
	fixture *f = *state;
	char *out = tu_join(f->tmp, "same-out");
	char *from = tu_join(f->content, "privacy/en/2024-09-01.md");
	char *to = tu_join(f->content, "privacy/en/2024-10-01.md");
	char *text = tu_read(from, NULL);
	char *date = strstr(text, "updated: 2024-09-01");
	memcpy(date, "updated: 2024-10-01", 19);
	tu_write(to, text);
	char *err = NULL;
	assert_int_equal(tu_build(f->content, out, &err), 0);
	char *path = tu_join(out, "en/privacy/2024-10-01/changes/index.html");
	htmlDocPtr doc = tu_parse_html(path);
	expect_xpath(doc, "string(//p[@role='status'])", "The text of the policy did not change in this version.");
	assert_int_equal(tu_count(doc, "//del | //ins | //section[@class='changes-summary']"), 0);
	xmlFreeDoc(doc);
	free(path);
	/* The same text taking effect later is a change a reader is bound by:
	 * said above the text, as is any other change of the record, in the
	 * page's language. */
	char *postponed = tu_join(f->content, "privacy/ar/2024-10-01.md");
	char *ar_source = tu_join(f->content, "privacy/ar/2024-09-01.md");
	char *ar = tu_read(ar_source, NULL);
	char *moved = tu_replaced(ar, "updated: 2024-09-01", "updated: 2024-10-01\neffective: 2024-11-15");
	tu_write(postponed, moved);
	char *retitled = tu_replaced(text, "title: Privacy Policy", "title: Privacy Notice");
	tu_write(to, retitled);
	free(err);
	err = NULL;
	assert_int_equal(tu_build(f->content, out, &err), 0);
	path = tu_join(out, "ar/privacy/2024-10-01/changes/index.html");
	doc = tu_parse_html(path);
	assert_int_equal(tu_count(doc, "//p[@role='status']"), 1);
	assert_int_equal(tu_count(doc, "//section[@class='record-changes']//li"), 1);
	expect_xpath(doc, "string(//section[@class='record-changes']//li/span[@class='record-field'])", "تاريخ النفاذ");
	expect_xpath(doc, "string(//section[@class='record-changes']//li/del)", "١ سبتمبر ٢٠٢٤");
	expect_xpath(doc, "string(//section[@class='record-changes']//li/ins)", "١٥ نوفمبر ٢٠٢٤");
	xmlFreeDoc(doc);
	free(path);
	path = tu_join(out, "en/privacy/2024-10-01/changes/index.html");
	doc = tu_parse_html(path);
	expect_xpath(doc, "normalize-space(//section[@class='record-changes']//li)",
	             "Title: was Privacy Policy, now Privacy Notice");
	xmlFreeDoc(doc);
	unlink(postponed);
	free(retitled);
	free(moved);
	free(ar);
	free(ar_source);
	free(postponed);
	unlink(to);
	free(path);
	free(err);
	free(text);
	free(to);
	free(from);
	free(out);
}

/* A stretch of unchanged text is folded when it is long: 400 characters,
 * counted as characters, not bytes (Arabic letters are two bytes each). */
static void test_fold_counts_characters(void **state)
{
	fixture *f = *state;
	char *dir = tu_join(f->content, "folding");
	char *locale_dir = tu_join(dir, "ar");
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkdir(locale_dir, 0755), 0);
	char *paths[2] = {tu_join(locale_dir, "2025-01-01.md"), tu_join(locale_dir, "2025-02-01.md")};
	/* One unchanged paragraph of 399 letters, another of 400, each alone
	 * between two headings: only the second is folded. */
	char para[2][2 * 400 + 1];
	for (int k = 0; k < 2; k++) {
		size_t letters = 399 + (size_t)k;
		for (size_t i = 0; i < letters; i++)
			memcpy(para[k] + 2 * i, i % 7 == 6 ? "\xD8\xA8" : "\xD9\x85", 2); /* م and ب */
		para[k][2 * letters] = '\0';
	}
	for (int v = 0; v < 2; v++) {
		char text[4096];
		snprintf(text, sizeof text, "---\ntitle: طي\nupdated: 2025-0%d-01\n---\n\n## أ\n\n%s\n\n## ب\n\n%s\n\n## ج\n\n%s\n",
		         v + 1, para[0], para[1], v ? "نص جديد." : "نص قديم.");
		tu_write(paths[v], text);
	}
	char *out = tu_join(f->tmp, "fold-out");
	char *err = NULL;
	assert_int_equal(tu_build(f->content, out, &err), 0);
	char *page_path = tu_join(out, "ar/folding/2025-02-01/changes/index.html");
	htmlDocPtr doc = tu_parse_html(page_path);
	assert_int_equal(tu_count(doc, "//details[@class='unchanged']"), 1);
	expect_xpath(doc, "string(string-length(//details[@class='unchanged']/p))", "400");
	assert_int_equal(tu_count(doc, "//div[contains(@class,'diff')]/p[string-length(.)=399]"), 1);
	xmlFreeDoc(doc);
	for (int v = 0; v < 2; v++) {
		unlink(paths[v]);
		free(paths[v]);
	}
	rmdir(locale_dir);
	rmdir(dir);
	free(page_path);
	free(out);
	free(err);
	free(locale_dir);
	free(dir);
}

/* Without a base URL the site still builds: pages have no canonical link
 * (it would need an absolute URL), feeds and the sitemap are not written,
 * and a warning says so. */
static void test_without_base_url(void **state)
{
	fixture *f = *state;
	char *content = tu_join(f->tmp, "content-no-base");
	assert_int_equal(tu_copy_tree(f->content, content), 0);
	char *settings = tu_join(content, "site.yaml");
	tu_write(settings, "default_locale: ar\ntitle:\n  ar: مالاكايت\n  en: Malachite\n");
	char *out = tu_join(f->tmp, "out-no-base");
	char *err = NULL;
	assert_int_equal(tu_build(content, out, &err), 0);
	assert_non_null(strstr(err, "warning: no base_url in site.yaml or --base-url: feeds and sitemap.xml are not written"));
	static const char *const pages[] = {"en/privacy/index.html", "en/privacy/2024-09-01/index.html",
	                                    "ar/privacy/index.html", "ar/privacy/history/index.html"};
	for (size_t i = 0; i < sizeof pages / sizeof *pages; i++) {
		char *path = tu_join(out, pages[i]);
		htmlDocPtr doc = tu_parse_html(path);
		assert_non_null(doc);
		assert_int_equal(tu_count(doc, "//link[@rel='canonical']"), 0);
		assert_int_equal(tu_count(doc, "//main"), 1);
		xmlFreeDoc(doc);
		free(path);
	}
	char *sitemap = tu_join(out, "sitemap.xml");
	assert_int_not_equal(access(sitemap, F_OK), 0);
	free(sitemap);
	free(err);
	free(out);
	free(settings);
	free(content);
}

/* site.yaml's locale settings reach every date, and a translation older
 * than the authoritative text says so on its pages. */
static void test_locale_settings_and_translation_notice(void **state)
{
	fixture *f = *state;
	char *content = tu_join(f->tmp, "content-l10n");
	assert_int_equal(tu_copy_tree(f->content, content), 0);
	char *settings = tu_join(content, "site.yaml");
	tu_write(settings, "default_locale: ar\nbase_url: https://malachite.example/\ntitle:\n  ar: مالاكايت\n"
	                   "  en: Malachite\nlocales:\n  ar:\n    calendar: [islamic-umalqura, gregorian]\n"
	                   "  en:\n    numbers: arab\n");
	/* A new authoritative version, not yet translated. */
	char *src = tu_join(content, "privacy/ar/2024-09-01.md");
	char *dst = tu_join(content, "privacy/ar/" TU_AS_OF ".md");
	char *text = tu_read(src, NULL);
	memcpy(strstr(text, "updated: 2024-09-01"), "updated: " TU_AS_OF, 19);
	tu_write(dst, text);
	char *out = tu_join(f->tmp, "out-l10n");
	char *err = NULL;
	assert_int_equal(tu_build(content, out, &err), 0);
	char *path = tu_join(out, "ar/privacy/2024-09-01/index.html");
	htmlDocPtr doc = tu_parse_html(path);
	/* Umm al-Qura first, Gregorian in brackets, both in Arabic-Indic digits. */
	expect_xpath(doc, "string(//footer/p[@class='updated']/time)", "٢٨ صفر ١٤٤٦ هـ (١ سبتمبر ٢٠٢٤)");
	assert_int_equal(tu_count(doc, "//*[contains(@class,'notice-translation')]"), 0);
	xmlFreeDoc(doc);
	free(path);
	path = tu_join(out, "en/privacy/index.html");
	doc = tu_parse_html(path);
	expect_xpath(doc, "string(//footer/p[@class='updated']/time)", "March ٢, ٢٠٢٥");
	expect_xpath(doc, "string(/html/@class)", "numbers-arab");
	expect_xpath(doc, "string(//*[contains(@class,'notice-translation')]/span[1])",
	             "This translation is older than the authoritative text of the policy, last updated on "
	             "December ١, ٢٠٢٦.");
	expect_xpath(doc, "string(//*[contains(@class,'notice-translation')]/a/@href)", "../../ar/privacy/index.html");
	/* The plain URL's other languages are their plain URLs: the version in force there. */
	expect_xpath(doc, "string(//link[@hreflang='x-default']/@href)", "https://malachite.example/ar/privacy/");
	xmlFreeDoc(doc);
	free(path);
	/* check reports the lag too. */
	char *argv[] = {(char *)tu_binary(), "check", "--content", content, "--as-of", TU_AS_OF, "-q", NULL};
	char *report = NULL;
	assert_int_equal(tu_run(argv, &report, NULL), 0);
	assert_non_null(strstr(report, "privacy/en/2026-11-16.md:1:1: warning: translation is out of date"));
	free(report);
	free(err);
	free(text);
	free(dst);
	free(src);
	free(settings);
	free(out);
	free(content);
}

/* A 10 MB version and deeply nested lists build; the comparison with the
 * version before it degrades instead of taking long. */
static void test_huge_and_deep_versions(void **state)
{
	fixture *f = *state;
	char *path = tu_join(f->content, "privacy/en/2025-01-01.md");
	FILE *out = fopen(path, "w");
	fputs("---\ntitle: Big\nupdated: 2025-01-01\n---\n\n", out);
	unsigned seed = 1;
	for (long written = 0; written < 10L * 1024 * 1024;) {
		static const char *const words[] = {"privacy", "data", "service", "users", "share", "partners"};
		seed = seed * 1103515245u + 12345u;
		written += fprintf(out, "%s%s", words[(seed >> 16) % 6], (seed >> 8) % 97 == 0 ? ".\n\n" : " ");
	}
	fclose(out);
	char *deep = tu_join(f->content, "privacy/en/2025-02-01.md");
	out = fopen(deep, "w");
	fputs("---\ntitle: Deep\nupdated: 2025-02-01\n---\n\n", out);
	for (int i = 0; i < 10000; i++)
		fprintf(out, "%*s- level\n", (i % 400) * 2, "");
	for (int i = 0; i < 10000; i++)
		fputs("> ", out);
	fputs("quoted\n", out);
	fclose(out);
	char *site = tu_join(f->tmp, "huge-out");
	char *err = NULL;
	assert_int_equal(tu_build(f->content, site, &err), 0);
	assert_non_null(strstr(err, "privacy/en/2025-01-01.md: warning: the change from 2024-09-01 is too "
	                            "large to compare in detail; parts are shown replaced whole"));
	char *page_path = tu_join(site, "en/privacy/2025-02-01/index.html");
	htmlDocPtr doc = tu_parse_html(page_path);
	assert_non_null(doc);
	xmlFreeDoc(doc);
	unlink(path);
	unlink(deep);
	free(page_path);
	free(err);
	free(site);
	free(deep);
	free(path);
}

static void test_links_resolve(void **state)
{
	fixture *f = *state;
	char *cmd = malloc(strlen(f->out) + 64);
	sprintf(cmd, "cd '%s' && find . -name '*.html' | sort", f->out);
	char *argv[] = {"sh", "-c", cmd, NULL};
	char *list = NULL;
	assert_int_equal(tu_run(argv, &list, NULL), 0);
	int pages = 0, links = 0;
	for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n")) {
		htmlDocPtr doc = page(f, line + 2);
		xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
		xmlXPathObjectPtr hrefs = xmlXPathEvalExpression(BAD_CAST "//a/@href | //link[@rel='stylesheet']/@href", ctx);
		for (int i = 0; hrefs->nodesetval && i < hrefs->nodesetval->nodeNr; i++) {
			xmlChar *href = xmlNodeGetContent(hrefs->nodesetval->nodeTab[i]);
			if (!strchr((char *)href, ':') && href[0] != '#') {
				char dir[1024], target[2048];
				snprintf(dir, sizeof dir, "%s/%s", f->out, line + 2);
				*strrchr(dir, '/') = '\0';
				snprintf(target, sizeof target, "%s/%s", dir, (char *)href);
				if (access(target, F_OK) != 0)
					fail_msg("%s links to missing %s", line, (char *)href);
				links++;
			}
			xmlFree(href);
		}
		xmlXPathFreeObject(hrefs);
		xmlXPathFreeContext(ctx);
		xmlFreeDoc(doc);
		pages++;
	}
	/* Per locale: 4 versions, 3 changes pages, 2 + 3 compare pages (the
	 * version in force with its 2 earlier ones, the upcoming one with its
	 * 3), the plain URL and the history; the translation's 4 side-by-side
	 * pages; then 2 locale indexes, the home page and 404.html. */
	assert_int_equal(pages, 2 * (4 + 3 + 5 + 2) + 4 + 4);
	assert_true(links > 50);
	free(list);
	free(cmd);
}

/* ---- changes pages against the versions they compare ------------------- */

static int has_class_word(xmlNodePtr el, const char *word)
{
	xmlChar *cls = xmlGetProp(el, BAD_CAST "class");
	int found = 0;
	char *rest = NULL;
	for (char *tok = cls ? strtok_r((char *)cls, " ", &rest) : NULL; tok && !found; tok = strtok_r(NULL, " ", &rest))
		found = strcmp(tok, word) == 0;
	xmlFree(cls);
	return found;
}

static int is_block_name(const xmlChar *name)
{
	static const char *const blocks[] = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "div",
	                                     "blockquote", "pre", "table", "tr", "td", "th", "details", "hr"};
	for (size_t i = 0; i < sizeof blocks / sizeof *blocks; i++)
		if (xmlStrcmp(name, BAD_CAST blocks[i]) == 0)
			return 1;
	return 0;
}

static void append(char **buf, size_t *len, size_t *cap, const char *text)
{
	size_t k = strlen(text);
	while (*len + k + 1 > *cap)
		*buf = realloc(*buf, *cap = *cap * 2 + k + 64);
	memcpy(*buf + *len, text, k + 1);
	*len += k;
}

/* The text one side of a changes page reads as (hide: "ins" to read the
 * older version, "del" for the newer, NULL for a version's own page): the
 * other side's marks, the screen-reader labels and the summaries of folded
 * runs left out, a space at every block boundary. Written apart from the
 * diff's own self-check, so that it judges the pages as a reader would. */
static void side_text(xmlNodePtr node, const char *hide, char **buf, size_t *len, size_t *cap)
{
	for (xmlNodePtr n = node->children; n; n = n->next) {
		if (n->type == XML_TEXT_NODE && n->content) {
			append(buf, len, cap, (const char *)n->content);
			continue;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (hide && xmlStrcmp(n->name, BAD_CAST hide) == 0 && has_class_word(n, "diff-mark"))
			continue;
		if (has_class_word(n, "sr-only") || has_class_word(n, "change-nav"))
			continue;
		if (xmlStrcmp(n->name, BAD_CAST "summary") == 0 && n->parent && has_class_word(n->parent, "unchanged"))
			continue;
		int block = is_block_name(n->name);
		if (block)
			append(buf, len, cap, " ");
		side_text(n, hide, buf, len, cap);
		if (block)
			append(buf, len, cap, " ");
	}
}

/* White space collapsed to single spaces, none at the ends. */
static char *collapsed(const char *text)
{
	char *out = malloc(strlen(text) + 1), *o = out;
	int space = 0;
	for (const char *p = text; *p; p++) {
		if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') {
			space = o != out;
			continue;
		}
		if (space)
			*o++ = ' ';
		space = 0;
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

static char *read_side(htmlDocPtr doc, const char *xpath, const char *hide)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr found = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
	if (!found || !found->nodesetval || found->nodesetval->nodeNr != 1)
		fail_msg("%s: not exactly one", xpath);
	size_t len = 0, cap = 1024;
	char *buf = malloc(cap);
	buf[0] = '\0';
	side_text(found->nodesetval->nodeTab[0], hide, &buf, &len, &cap);
	xmlXPathFreeObject(found);
	xmlXPathFreeContext(ctx);
	char *out = collapsed(buf);
	free(buf);
	return out;
}

/* The paths under dir that find(1) selects with test, "./"-prefixed, sorted,
 * one a line. */
static char *find_under(const char *dir, const char *test)
{
	char *cmd = malloc(strlen(dir) + strlen(test) + 64);
	sprintf(cmd, "cd '%s' && find . %s | sort", dir, test);
	char *argv[] = {"sh", "-c", cmd, NULL};
	char *list = NULL;
	assert_int_equal(tu_run(argv, &list, NULL), 0);
	free(cmd);
	return list;
}

/* Every changes page under out (the previous version's and those comparing
 * any two): without its insertions it reads as the older version's page,
 * without its deletions as the newer's. Returns how many were checked. */
static int check_changes_pages(const char *out)
{
	char *list = find_under(out, "-path '*/changes/*' -name index.html");
	int checked = 0;
	for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n")) {
		char *path = tu_join(out, line + 2);
		htmlDocPtr doc = tu_parse_html(path);
		assert_non_null(doc);
		char *dir = strdup(path);
		*strrchr(dir, '/') = '\0';
		for (int side = 0; side < 2; side++) {
			char xpath[128];
			snprintf(xpath, sizeof xpath, "string(//p[@class='changes-period']/a[%d]/@href)", side + 1);
			char *href = tu_string(doc, xpath);
			char *target = tu_join(dir, href);
			htmlDocPtr version = tu_parse_html(target);
			if (!version)
				fail_msg("%s: cannot read %s", line, href);
			char *want = read_side(version, "//div[@class='policy-body']", NULL);
			char *got = read_side(doc, "//div[contains(@class,'policy-body')][contains(@class,'diff')]",
			                      side == 0 ? "ins" : "del");
			if (strcmp(want, got) != 0)
				fail_msg("%s without its %s does not read as %s:\n%s\n---\n%s", line,
				         side == 0 ? "insertions" : "deletions", href, got, want);
			free(want);
			free(got);
			xmlFreeDoc(version);
			free(target);
			free(href);
		}
		xmlFreeDoc(doc);
		free(dir);
		free(path);
		checked++;
	}
	free(list);
	return checked;
}

static void test_every_changes_page_holds_both_versions(void **state)
{
	fixture *f = *state;
	/* Per locale: 3 with the previous version, 2 + 3 comparing the
	 * version in force and the upcoming one with every earlier version. */
	assert_int_equal(check_changes_pages(f->out), 2 * (3 + 5));
}

/* A generated history of 24 monthly versions of Arabic text, each a few
 * words away from the one before: version 10 is published on 2025-10-01 to
 * take effect on 2025-12-20, but version 11 takes effect first (2025-11-01),
 * so 10 never applies; the last (2026-12-01) takes effect on 2027-01-01. */
static char *write_long_history(const fixture *f)
{
	static const char *const words[] = {"البيانات", "الخدمة", "المستخدم", "نحتفظ", "الشخصية", "مشاركة",
	                                    "الشركاء", "حماية", "سياسة", "الموقع", "ملفات", "الارتباط", "Malachite",
	                                    "الإلكتروني", "بيانات", "الطلب", "قد", "لا", "نستخدم", "2025"};
	char *content = tu_join(f->tmp, "content-long");
	char *dir = tu_join(content, "terms/ar");
	char *cmd = malloc(strlen(dir) + 16);
	sprintf(cmd, "mkdir -p '%s'", dir);
	char *mkdir_argv[] = {"sh", "-c", cmd, NULL};
	assert_int_equal(tu_run(mkdir_argv, NULL, NULL), 0);
	free(cmd);
	char *settings = tu_join(content, "site.yaml");
	tu_write(settings, "default_locale: ar\nbase_url: https://example.org/\ntitle:\n  ar: مثال\n");
	free(settings);
	enum { PARAGRAPHS = 6, WORDS = 24 };
	int text[PARAGRAPHS][WORDS];
	unsigned seed = 7;
	for (int p = 0; p < PARAGRAPHS; p++)
		for (int w = 0; w < WORDS; w++)
			text[p][w] = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 20;
	for (int v = 0; v < 24; v++) {
		for (int edit = 0; v > 0 && edit < 3; edit++) {
			seed = seed * 1103515245u + 12345u;
			text[(seed >> 8) % PARAGRAPHS][(seed >> 16) % WORDS] = (int)((seed >> 4) % 20);
		}
		char date[11], effective[64] = "";
		snprintf(date, sizeof date, "%04d-%02d-01", 2025 + v / 12, v % 12 + 1);
		if (v == 9)
			strcpy(effective, "effective: 2025-12-20\n");
		if (v == 23)
			strcpy(effective, "effective: 2027-01-01\n");
		char name[32];
		snprintf(name, sizeof name, "/%s.md", date);
		char *path = tu_join(dir, name + 1);
		FILE *out = fopen(path, "w");
		fprintf(out, "---\ntitle: الشروط\nupdated: %s\n%ssummary: الإصدار %d\n---\n\n", date, effective, v + 1);
		for (int p = 0; p < PARAGRAPHS; p++) {
			if (p % 2 == 0)
				fprintf(out, "## القسم %d\n\n", p / 2 + 1);
			for (int w = 0; w < WORDS; w++)
				fprintf(out, "%s%s", words[text[p][w]], w + 1 < WORDS ? " " : ".\n\n");
		}
		fclose(out);
		free(path);
	}
	free(dir);
	return content;
}

static int count_compare_pages(const char *out)
{
	char *list = find_under(out, "-path '*/changes/*/index.html'");
	int count = 0;
	for (const char *p = list; *p; p++)
		count += *p == '\n';
	free(list);
	return count;
}

static void test_long_history_compare_pages(void **state)
{
	fixture *f = *state;
	char *content = write_long_history(f);
	char *out = tu_join(f->tmp, "out-long");
	char *argv[] = {(char *)tu_binary(), "build", "--content", content, "--out", out, "--as-of", "2026-12-15",
	                "-q", NULL};
	char *err = NULL;
	assert_int_equal(tu_run(argv, NULL, &err), 0);
	assert_string_equal(err, "");
	/* In force: version 23 (2026-11-01); upcoming: 24 (published 2026-12-01). Each is compared
	 * with every version before it, and nothing else is. */
	assert_int_equal(count_compare_pages(out), 22 + 23);
	assert_int_equal(check_changes_pages(out), 23 + 22 + 23);
	char *path = tu_join(out, "ar/terms/index.html");
	htmlDocPtr doc = tu_parse_html(path);
	expect_xpath(doc, "string(//link[@rel='canonical']/@href)", "https://example.org/ar/terms/2026-11-01/");
	assert_int_equal(tu_count(doc, "//details[@class='compare']//li"), 22);
	xmlFreeDoc(doc);
	free(path);
	/* Version 10 never applied: version 11 took effect before it would have. */
	path = tu_join(out, "ar/terms/2025-10-01/index.html");
	doc = tu_parse_html(path);
	expect_xpath(doc, "string(//footer/p[@class='period']//time/@datetime)", "2025-11-01");
	expect_xpath(doc, "string(//footer/p[@class='period']/a/@href)", "../2025-11-01/index.html");
	assert_int_equal(tu_count(doc, "//footer/p[@class='period'][starts-with(., 'لم يدخل حيّز التنفيذ قط')]"), 1);
	expect_xpath(doc, "string(//*[contains(@class,'notice-outdated')]//a[@class='since-link']/@href)",
	             "../2026-11-01/changes/2025-10-01/index.html");
	xmlFreeDoc(doc);
	free(path);
	/* Version 9 was in force until version 11 took effect. */
	path = tu_join(out, "ar/terms/2025-09-01/index.html");
	doc = tu_parse_html(path);
	expect_xpath(doc, "string(//footer/p[@class='period']/a/time/@datetime)", "2025-11-01");
	xmlFreeDoc(doc);
	free(path);
	/* A comparison spanning 23 versions lists the 20 newest and says how
	 * many more there are. */
	path = tu_join(out, "ar/terms/2026-12-01/changes/2025-01-01/index.html");
	doc = tu_parse_html(path);
	assert_int_equal(tu_count(doc, "//section[@class='changes-steps']//li"), 20);
	expect_xpath(doc, "string(//section[@class='changes-steps']//li[1]/a/time/@datetime)", "2026-12-01");
	expect_xpath(doc, "string(//section[@class='changes-steps']/p[last()])",
	             "و٣ إصدارات أقدم: انظر سجل الإصدارات");
	assert_int_equal(tu_count(doc, "//p[@class='period']"), 1); /* takes effect on … */
	xmlFreeDoc(doc);
	free(path);
	/* The versions.json an app reads names the same version in force. */
	path = tu_join(out, "ar/terms/versions.json");
	char *json = tu_read(path, NULL);
	assert_non_null(strstr(json, "\"in_force\": \"2026-11-01\""));
	free(json);
	free(path);

	/* Previewed before anything takes effect (--future: published or
	 * not), every version is to come: the plain URL shows the first to
	 * take effect, and only the four that take effect first get compare
	 * pages (0 + 1 + 2 + 3), however long the history. */
	char *early[] = {(char *)tu_binary(), "build", "--content", content, "--out", out, "--as-of", "2024-06-01",
	                 "--future", "-q", NULL};
	free(err);
	err = NULL;
	assert_int_equal(tu_run(early, NULL, &err), 0);
	assert_int_equal(count_compare_pages(out), 0 + 1 + 2 + 3);
	path = tu_join(out, "ar/terms/index.html");
	doc = tu_parse_html(path);
	expect_xpath(doc, "string(//link[@rel='canonical']/@href)", "https://example.org/ar/terms/2025-01-01/");
	assert_int_equal(tu_count(doc, "//p[contains(@class,'notice-not-yet')]"), 1);
	xmlFreeDoc(doc);
	free(path);
	assert_int_equal(check_changes_pages(out), 23 + 6);
	free(err);
	free(out);
	free(content);
}

/* Files beside a version (a signed PDF, an image shared by every
 * language) are published under their content hash, links and images to
 * them lead there from every page that shows the text, and check fails a
 * link or image to a file that is not there. */
static void test_attachments(void **state)
{
	fixture *f = *state;
	char *content = tu_join(f->tmp, "content-files");
	assert_int_equal(tu_copy_tree(f->content, content), 0);
	char *pdf = tu_join(content, "privacy/en/signed dpa.pdf");
	char *png = tu_join(content, "privacy/logo.png");
	assert_int_equal(tu_write(pdf, "%PDF-1.4 a signed addendum"), 0);
	assert_int_equal(tu_write(png, "\x89PNG not really"), 0);
	char *version = tu_join(content, "privacy/en/2026-12-01.md");
	char *odd_file = tu_join(content, "privacy/100% #?ع.pdf");
	assert_int_equal(tu_write(odd_file, "%PDF-1.4 oddly named"), 0);
	free(odd_file);
	tu_write(version, "---\ntitle: Privacy Policy\nupdated: 2026-12-01\n---\n\n"
	                  "Read the [addendum](signed%20dpa.pdf#page=2) and see ![the logo](../logo.png), "
	                  "and the [odd](../100%25%20%23%3F%D8%B9.pdf?dl=1).\n");
	char *out = tu_join(f->tmp, "out-files");
	char *err = NULL;
	assert_int_equal(tu_build(content, out, &err), 0);
	/* Published once, named by content: files/<policy>/<name>.<hash>.<ext>. */
	char *list = find_under(out, "-path './files/*' -type f");
	assert_non_null(strstr(list, "./files/privacy/signed dpa."));
	assert_non_null(strstr(list, "./files/privacy/logo."));
	char *pdf_out = strstr(list, "./files/privacy/signed dpa.");
	*strchr(pdf_out, '\n') = '\0';
	char *published = tu_join(out, pdf_out + 2);
	char *bytes = tu_read(published, NULL);
	assert_string_equal(bytes, "%PDF-1.4 a signed addendum");
	static const char *const pages[] = {"en/privacy/2026-12-01/index.html", "en/privacy/2026-12-01/changes/index.html"};
	for (size_t i = 0; i < sizeof pages / sizeof *pages; i++) {
		char *path = tu_join(out, pages[i]);
		htmlDocPtr doc = tu_parse_html(path);
		char *href = tu_string(doc, "string(//a[.='addendum']/@href)");
		char *src = tu_string(doc, "string(//img[@alt='the logo']/@src)");
		assert_non_null(strstr(href, "files/privacy/signed%20dpa."));
		assert_non_null(strstr(href, ".pdf#page=2"));
		/* Names URLs cannot hold as they are, escaped; a query kept. */
		char *odd = tu_string(doc, "string(//a[.='odd']/@href)");
		assert_non_null(strstr(odd, "files/privacy/100%25%20%23%3F%D8%B9."));
		assert_non_null(strstr(odd, ".pdf?dl=1"));
		char *odd_dir = strdup(path);
		*strrchr(odd_dir, '/') = '\0';
		char *odd_target = tu_join(odd_dir, odd);
		*strchr(odd_target, '?') = '\0';
		char *unescaped = xmlURIUnescapeString(odd_target, 0, NULL);
		assert_int_equal(access(unescaped, F_OK), 0);
		xmlFree(unescaped);
		free(odd_target);
		free(odd_dir);
		free(odd);
		/* Relative to the page, they reach the published files. */
		char *dir = strdup(path);
		*strrchr(dir, '/') = '\0';
		char *target = tu_join(dir, src);
		assert_int_equal(access(target, F_OK), 0);
		xmlFreeDoc(doc);
		free(target);
		free(dir);
		free(href);
		free(src);
		free(path);
	}
	/* A link or image to a file that is not there fails check. */
	tu_write(version, "---\ntitle: Privacy Policy\nupdated: 2026-12-01\n---\n\n"
	                  "Read the [addendum](dpa-2027.pdf) and see ![the logo](logo.png).\n");
	char *argv[] = {(char *)tu_binary(), "check", "--content", content, "--as-of", TU_AS_OF, "-q", NULL};
	char *report = NULL;
	assert_int_equal(tu_run(argv, &report, NULL), 1);
	assert_non_null(strstr(report, "privacy/en/2026-12-01.md:6:10: error: link to 'dpa-2027.pdf' leads to no "
	                               "file: put the file beside the version, in privacy/en/ (or privacy/ for every "
	                               "language), and link to it from there"));
	assert_non_null(strstr(report, "privacy/en/2026-12-01.md:6:43: error: image 'logo.png' leads to no file"));
	free(report);
	free(bytes);
	free(published);
	free(list);
	free(err);
	free(out);
	free(version);
	free(png);
	free(pdf);
	free(content);
}

static void test_script_in_markdown_does_not_come_through(void **state)
{
	fixture *f = *state;
	char *out = tu_join(f->tmp, "script-out");
	char *file = tu_join(f->content, "privacy/en/2025-01-01.md");
	tu_write(file, "---\ntitle: Privacy\nupdated: 2025-01-01\n---\n\nHello.\n\n"
	               "<script>alert('pwned')</script>\n\n[x](javascript:alert('pwned'))\n");
	char *err = NULL;
	assert_int_equal(tu_build(f->content, out, &err), 0);
	assert_non_null(strstr(err, "privacy/en/2025-01-01.md:8:1: warning: raw HTML is not passed through"));
	char *path = tu_join(out, "en/privacy/2025-01-01/index.html");
	char *html = tu_read(path, NULL);
	assert_non_null(html);
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "pwned"));
	unlink(file);
	free(html);
	free(path);
	free(err);
	free(file);
	free(out);
}

/* A locale directory without versions (a translation not begun) is a
 * warning for build and check alike: check rendered the site with it and
 * crashed writing the sitemap (a locale home page with no date). */
static void test_locale_without_versions(void **state)
{
	fixture *f = *state;
	char *dir = tu_join(f->content, "privacy/fr");
	char *note = tu_join(dir, "notes.txt");
	assert_int_equal(mkdir(dir, 0755), 0);
	tu_write(note, "to translate\n");
	char *argv[] = {(char *)tu_binary(), "check", "--content", f->content, "--as-of", TU_AS_OF, NULL};
	char *report = NULL, *err = NULL;
	assert_int_equal(tu_run(argv, &report, &err), 0);
	assert_non_null(strstr(report, "privacy/fr: warning: no versions (YYYY-MM-DD.md files) in this locale"));
	char *out = tu_join(f->tmp, "empty-locale-out");
	char *build_err = NULL;
	assert_int_equal(tu_build(f->content, out, &build_err), 0);
	char *sitemap_path = tu_join(out, "sitemap.xml");
	char *sitemap = tu_read(sitemap_path, NULL);
	assert_non_null(sitemap);
	assert_null(strstr(sitemap, "/fr/"));
	unlink(note);
	rmdir(dir);
	free(sitemap);
	free(sitemap_path);
	free(build_err);
	free(out);
	free(report);
	free(err);
	free(note);
	free(dir);
}

static void test_failed_build_leaves_output_untouched(void **state)
{
	fixture *f = *state;
	char *before = tu_tree_digest(f->out);
	char *file = tu_join(f->content, "privacy/ar/2024-09-01.md");
	char *original = tu_read(file, NULL);
	char *broken = strdup(original);
	char *date = strstr(broken, "updated: 2024-09-01");
	memcpy(date, "updated: 2024-02-30", 19);
	tu_write(file, broken);
	char *err = NULL;
	assert_int_equal(tu_build(f->content, f->out, &err), 1);
	char expected[4096];
	snprintf(expected, sizeof expected,
	         "%s:3:10: error: 'updated' must be a real date written YYYY-MM-DD, not '2024-02-30'\n",
	         file);
	assert_non_null(strstr(err, expected));
	char *after = tu_tree_digest(f->out);
	assert_string_equal(before, after);
	/* No temporary directory is left beside the output. */
	char *cmd = malloc(strlen(f->tmp) + 64);
	sprintf(cmd, "ls -A '%s' | grep -c tmp || true", f->tmp);
	char *argv[] = {"sh", "-c", cmd, NULL};
	char *count = NULL;
	tu_run(argv, &count, NULL);
	assert_string_equal(count, "0\n");
	tu_write(file, original);
	free(count);
	free(cmd);
	free(after);
	free(before);
	free(err);
	free(broken);
	free(original);
	free(file);
}

static void test_broken_theme_leaves_output_untouched(void **state)
{
	fixture *f = *state;
	char *before = tu_tree_digest(f->out);
	char *theme = tu_join(f->tmp, "theme");
	char *bundled = tu_join(tu_source_root(), "themes/default");
	assert_int_equal(tu_copy_tree(bundled, theme), 0);
	char *history = tu_join(theme, "history.html");
	tu_write(history, "<fragment><ul><li data-each=\"versions\"></ul></fragment>\n");
	char *argv[] = {(char *)tu_binary(), "build", "--content", f->content, "--out", f->out,
	                "--theme", theme, NULL};
	char *err = NULL;
	assert_int_equal(tu_run(argv, NULL, &err), 1);
	assert_non_null(strstr(err, "history.html:1:"));
	assert_non_null(strstr(err, "error: broken template"));
	char *after = tu_tree_digest(f->out);
	assert_string_equal(before, after);
	free(after);
	free(err);
	free(history);
	free(bundled);
	free(theme);
	free(before);
}

static void test_refuses_to_replace_foreign_directory(void **state)
{
	fixture *f = *state;
	char *foreign = tu_join(f->tmp, "documents");
	mkdir(foreign, 0755);
	char *keep = tu_join(foreign, "thesis.txt");
	tu_write(keep, "precious");
	char *err = NULL;
	assert_int_equal(tu_build(f->content, foreign, &err), 1);
	assert_non_null(strstr(err, "output directory is not empty and was not written by policypress"));
	char *text = tu_read(keep, NULL);
	assert_string_equal(text, "precious");
	free(text);
	free(err);
	free(keep);
	free(foreign);
}

static void test_rebuild_is_byte_identical(void **state)
{
	fixture *f = *state;
	char *before = tu_tree_digest(f->out);
	char *err = NULL;
	setenv("TZ", "Asia/Riyadh", 1);
	setenv("LANG", "ar_SA.UTF-8", 1);
	assert_int_equal(tu_build(f->content, f->out, &err), 0);
	unsetenv("TZ");
	unsetenv("LANG");
	char *after = tu_tree_digest(f->out);
	assert_string_equal(before, after);
	free(after);
	free(before);
	free(err);
}

/* --version names the libraries the output depends on, as the program
 * runs with them. */
static void test_version_names_libraries(void **state)
{
	(void)state;
	char *argv[] = {(char *)tu_binary(), "--version", NULL};
	char *out = NULL;
	assert_int_equal(tu_run(argv, &out, NULL), 0);
	assert_true(strncmp(out, "policypress ", 12) == 0);
	const char *second = strchr(out, '\n');
	assert_non_null(second);
	assert_true(strncmp(second + 1, "cmark-gfm 0.", 12) == 0);
	assert_non_null(strstr(second, ", libxml2 2."));
	assert_non_null(strstr(second, ", ICU "));
	assert_non_null(strstr(second, " (Unicode "));
	free(out);
}

int main(void)
{
	/* For the builds run here rather than by the binary. */
	xmlInitParser();
	pp_markdown_init();
	if (pp_l10n_init() != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_names_libraries),
		cmocka_unit_test(test_lang_and_dir_per_locale),
		cmocka_unit_test(test_localized_update_date_at_bottom),
		cmocka_unit_test(test_in_force_upcoming_and_history),
		cmocka_unit_test(test_language_links),
		cmocka_unit_test(test_titles_distinct),
		cmocka_unit_test(test_side_by_side),
		cmocka_unit_test(test_side_by_side_texts_handed_over_as_rendered),
		cmocka_unit_test(test_bundled_changes_page),
		cmocka_unit_test(test_migrated_policy_builds),
		cmocka_unit_test(test_identical_versions_say_so),
		cmocka_unit_test(test_fold_counts_characters),
		cmocka_unit_test(test_locale_settings_and_translation_notice),
		cmocka_unit_test(test_huge_and_deep_versions),
		cmocka_unit_test(test_without_base_url),
		cmocka_unit_test(test_links_resolve),
		cmocka_unit_test(test_every_changes_page_holds_both_versions),
		cmocka_unit_test(test_long_history_compare_pages),
		cmocka_unit_test(test_attachments),
		cmocka_unit_test(test_script_in_markdown_does_not_come_through),
		cmocka_unit_test(test_failed_build_leaves_output_untouched),
		cmocka_unit_test(test_broken_theme_leaves_output_untouched),
		cmocka_unit_test(test_refuses_to_replace_foreign_directory),
		cmocka_unit_test(test_locale_without_versions),
		cmocka_unit_test(test_rebuild_is_byte_identical),
	};
	return cmocka_run_group_tests(tests, tu_site_setup, tu_site_teardown);
}
