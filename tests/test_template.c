/* Theme templates filled through the DOM: escaping, repetition, conditions,
 * messages with fallback, and errors in broken themes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "template.h"
#include "testutil.h"

static const char layout[] =
    "<!DOCTYPE html>\n<html data-attr-lang=\"lang\"><head><title data-text=\"title\">x</title></head>\n"
    "<body><nav><a data-each=\"links\" data-if=\"href\" data-attr-href=\"href\" data-text=\"name\">n</a></nav>\n"
    "<main data-html=\"page\"></main></body></html>\n";

static char *make_theme(const char *page_template)
{
	char *dir = tu_tempdir();
	char *p;
	p = tu_join(dir, "layout.html");
	tu_write(p, layout);
	free(p);
	p = tu_join(dir, "page.html");
	tu_write(p, page_template);
	free(p);
	p = tu_join(dir, "messages");
	mkdir(p, 0755);
	free(p);
	p = tu_join(dir, "messages/en.yaml");
	tu_write(p, "hello: Hello\nonly_en: English only\n");
	free(p);
	p = tu_join(dir, "messages/ar.yaml");
	tu_write(p, "hello: مرحبا\n");
	free(p);
	return dir;
}

/* The variables every page has: its language and title. */
static pp_vars *page_vars(const char *lang)
{
	pp_vars *vars = pp_vars_new();
	assert_non_null(vars);
	assert_int_equal(pp_vars_set(vars, "lang", lang), 0);
	assert_int_equal(pp_vars_set(vars, "title", "T"), 0);
	return vars;
}

static char *render_page(const char *theme_dir, const char *locale, pp_vars *vars, pp_diags *d)
{
	pp_theme *theme = pp_theme_load(theme_dir, "en", d);
	assert_non_null(theme);
	char *html = NULL;
	size_t len;
	if (pp_theme_render(theme, "page", locale, vars, &html, &len, d) == 0) {
		assert_non_null(html);
		assert_int_equal(strlen(html), len);
	} else {
		assert_null(html);
	}
	pp_theme_free(theme);
	return html;
}

static void test_inserted_text_is_escaped(void **state)
{
	(void)state;
	char *dir = make_theme("<fragment><h1 data-text=\"title\">t</h1><p data-attr-title=\"title\">p</p>"
	                       "<a href=\"/é x?q=1&amp;r=2\" title=\"a &lt; b &quot;c&quot;&#10;\" hidden=\"\">f</a>"
	                       "<a class=\"k\" href=\"#fixed\" data-attr-href=\"title\">v</a></fragment>");
	pp_vars *vars = pp_vars_new();
	pp_vars_set(vars, "lang", "en");
	pp_vars_set(vars, "title", "<script>alert(\"x\")</script> & \"q\"");
	pp_diags d;
	pp_diags_init(&d);
	char *html = render_page(dir, "en", vars, &d);
	assert_non_null(html);
	assert_int_equal(d.errors, 0);
	assert_null(strstr(html, "<script>"));
	htmlDocPtr page = tu_parse_html_string(html);
	assert_int_equal(tu_count(page, "//script"), 0);
	char *h1 = tu_string(page, "string(//h1)");
	assert_string_equal(h1, "<script>alert(\"x\")</script> & \"q\"");
	char *attr = tu_string(page, "string(//p/@title)");
	assert_string_equal(attr, "<script>alert(\"x\")</script> & \"q\"");
	/* The template's own attributes are escaped as inserted ones are: the
	 * address %-escaped where a URL may not hold a character, the value
	 * where HTML may not; one replaced by a variable is that variable's. */
	assert_non_null(strstr(html, "<a href=\"/%C3%A9%20x?q=1&amp;r=2\" title=\"a &lt; b &quot;c&quot;&#10;\" hidden=\"\">f</a>"));
	assert_non_null(strstr(html, "<a class=\"k\" href=\"&lt;script&gt;alert(%22x%22)&lt;/script&gt;%20&amp;%20%22q%22\">v</a>"));
	/* No template attribute is left in the output. */
	assert_null(strstr(html, "data-"));
	assert_non_null(strstr(html, "<!DOCTYPE html>"));
	free(h1);
	free(attr);
	xmlFreeDoc(page);
	free(html);
	pp_vars_free(vars);
	pp_diags_free(&d);
	tu_remove(dir);
	free(dir);
}

static void test_each_if_and_messages(void **state)
{
	(void)state;
	char *dir = make_theme("<fragment><p class=\"hello\" data-msg=\"hello\">x</p>"
	                       "<p class=\"fallback\" data-msg=\"only_en\">x</p>"
	                       "<p class=\"gone\" data-if=\"missing_flag\">x</p>"
	                       "<p class=\"kept\" data-unless=\"missing_flag\">x</p>"
	                       "<section lang=\"en\"><span data-msg=\"hello\">x</span></section>"
	                       "<div lang=\"de\"><span data-msg=\"hello\">x</span></div></fragment>");
	pp_vars *vars = page_vars("ar");
	pp_vars_set(vars, "missing_flag", NULL);
	const char *names[] = {"one", "two", "three"};
	for (int i = 0; i < 3; i++) {
		pp_vars *item = pp_vars_add_item(vars, "links");
		pp_vars_set(item, "name", names[i]);
		pp_vars_set(item, "href", i == 1 ? NULL : names[i]);
	}
	pp_diags d;
	pp_diags_init(&d);
	char *html = render_page(dir, "ar", vars, &d);
	htmlDocPtr page = tu_parse_html_string(html);
	assert_int_equal(tu_count(page, "//nav/a"), 2);
	assert_int_equal(tu_count(page, "//nav/a[1][@href='one'][.='one']"), 1);
	assert_int_equal(tu_count(page, "//nav/a[2][@href='three'][.='three']"), 1);
	assert_int_equal(tu_count(page, "//p[@class='hello'][.='مرحبا']"), 1);
	/* A message in the default locale's words on an Arabic page says so,
	 * direction included; one in the page's own words does not. */
	assert_int_equal(tu_count(page, "//p[@class='fallback'][@lang='en'][@dir='ltr'][.='English only']"), 1);
	assert_int_equal(tu_count(page, "//p[@class='hello'][@lang or @dir]"), 0);
	assert_int_equal(tu_count(page, "//section/span[@lang or @dir]"), 0);
	/* German has no catalog: English words, same direction, no dir. */
	assert_int_equal(tu_count(page, "//div/span[@lang='en'][not(@dir)][.='Hello']"), 1);
	assert_int_equal(tu_count(page, "//p[@class='gone']"), 0);
	assert_int_equal(tu_count(page, "//p[@class='kept']"), 1);
	/* Messages follow the nearest lang attribute. */
	assert_int_equal(tu_count(page, "//section/span[.='Hello']"), 1);
	/* The fallback to the default locale is reported with the key. */
	assert_true(pp_diags_has(&d, PP_WARNING, "message 'only_en' has no text for locale 'ar'"));
	assert_int_equal(d.errors, 0);
	xmlFreeDoc(page);
	free(html);
	pp_vars_free(vars);
	pp_diags_free(&d);
	tu_remove(dir);
	free(dir);
}

static void test_unknown_variable_is_an_error(void **state)
{
	(void)state;
	char *dir = make_theme("<fragment>\n<p>ok</p>\n<p data-text=\"no_such\">x</p></fragment>");
	pp_vars *vars = page_vars("en");
	pp_diags d;
	pp_diags_init(&d);
	char *html = render_page(dir, "en", vars, &d);
	assert_null(html);
	assert_int_equal(d.errors, 1);
	assert_non_null(strstr(d.items[0].file, "page.html"));
	assert_int_equal(d.items[0].line, 3);
	assert_string_equal(d.items[0].message, "unknown template variable 'no_such'");
	pp_vars_free(vars);
	pp_diags_free(&d);
	tu_remove(dir);
	free(dir);
}

static void test_broken_template_is_reported_with_position(void **state)
{
	(void)state;
	char *dir = make_theme("<fragment>\n<p>unclosed\n</fragment>\n");
	pp_diags d;
	pp_diags_init(&d);
	pp_theme *theme = pp_theme_load(dir, "en", &d);
	assert_null(theme);
	assert_int_equal(d.errors, 1);
	assert_non_null(strstr(d.items[0].file, "page.html"));
	assert_int_equal(d.items[0].line, 3);
	assert_int_equal(d.items[0].column, 12);
	assert_string_equal(d.items[0].message,
	                    "broken template: Opening and ending tag mismatch: p line 2 and fragment");
	pp_diags_free(&d);
	tu_remove(dir);
	free(dir);
}

static void test_external_entities_are_not_loaded(void **state)
{
	(void)state;
	char *dir = make_theme("<!DOCTYPE fragment [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	                       "<fragment><p>&x;</p></fragment>");
	pp_vars *vars = page_vars("en");
	pp_diags d;
	pp_diags_init(&d);
	pp_theme *theme = pp_theme_load(dir, "en", &d);
	if (theme) {
		char *html = NULL;
		size_t len;
		pp_theme_render(theme, "page", "en", vars, &html, &len, &d);
		assert_true(html == NULL || strstr(html, "root:") == NULL);
		free(html);
		pp_theme_free(theme);
	}
	pp_vars_free(vars);
	pp_diags_free(&d);
	tu_remove(dir);
	free(dir);
}

/* Arabic has six plural categories; the bundled catalog covers them all. */
static void test_arabic_plurals_from_bundled_theme(void **state)
{
	(void)state;
	char *dir = tu_join(tu_source_root(), "themes/default");
	pp_diags d;
	pp_diags_init(&d);
	pp_theme *theme = pp_theme_load(dir, "ar", &d);
	assert_non_null(theme);
	const struct {
		double n;
		const char *text;
	} cases[] = {
		{0, "لم تُضف أي كلمة"},   {1, "أُضيفت كلمة واحدة"}, {2, "أُضيفت كلمتان"},
		{3, "أُضيفت ٣ كلمات"},    {11, "أُضيفت ١١ كلمة"},   {100, "أُضيفت ١٠٠ كلمة"},
		{1003, "أُضيفت ١٬٠٠٣ كلمات"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *text = pp_theme_format_count(theme, NULL, "ar", "words_added", cases[i].n, &d);
		assert_non_null(text);
		assert_string_equal(text, cases[i].text);
		free(text);
	}
	char *en = pp_theme_format_count(theme, NULL, "en", "words_added", 1, &d);
	assert_string_equal(en, "1 word added");
	free(en);
	en = pp_theme_format_count(theme, NULL, "en", "sections_changed", 2, &d);
	assert_string_equal(en, "2 sections changed");
	free(en);
	assert_int_equal(d.count, 0);
	pp_theme_free(theme);
	pp_diags_free(&d);
	free(dir);
}

/* Every catalog of the bundled theme has every key of the English one, and
 * its counted messages format for the counts that pick each plural form. */
static void test_bundled_catalogs_complete(void **state)
{
	(void)state;
	char *dir = tu_join(tu_source_root(), "themes/default");
	pp_diags d;
	pp_diags_init(&d);
	pp_theme *theme = pp_theme_load(dir, "en", &d);
	assert_non_null(theme);
	const char *locales[] = {"ar", "en", "fa", "ur", "he", "fr", "de", "es"};
	pp_format_cache *cache = pp_format_cache_new();
	assert_non_null(cache);
	char *en_path = tu_join(dir, "messages/en.yaml");
	char *en = tu_read(en_path, NULL);
	for (size_t l = 0; l < sizeof locales / sizeof *locales; l++) {
		for (char *line = en; line && *line;) {
			char *end = strchr(line, '\n');
			size_t n = strcspn(line, ":");
			if (n && line[0] != '#' && line[0] != ' ' && n < (size_t)(end ? end - line : (long)strlen(line))) {
				char key[64];
				snprintf(key, sizeof key, "%.*s", (int)n, line);
				size_t before = d.count;
				assert_non_null(pp_theme_message(theme, locales[l], key, &d));
				if (d.count != before)
					fail_msg("locale %s lacks message %s", locales[l], key);
			}
			line = end ? end + 1 : NULL;
		}
		const double counts[] = {0, 1, 2, 3, 11, 100, 1000000};
		const char *counted[] = {"sections_changed", "words_added", "words_removed", "unchanged_blocks"};
		for (size_t k = 0; k < 4; k++)
			for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
				char *text = pp_theme_format_count(theme, NULL, locales[l], counted[k], counts[c], &d);
				if (!text)
					fail_msg("%s/%s does not format %g", locales[l], counted[k], counts[c]);
				/* A cached formatter, reused or reopened after eviction (the
				 * three rounds ask for more formatters than the cache holds),
				 * says the same. */
				for (int round = 0; round < 3; round++) {
					char *cached = pp_theme_format_count(theme, cache, locales[l], counted[k], counts[c], &d);
					assert_non_null(cached);
					assert_string_equal(cached, text);
					free(cached);
				}
				free(text);
			}
	}
	/* Past the counts a cache keeps (2 MiB of them), each is formatted again: the
	 * same text, before the bound and after it, asked twice. */
	for (int round = 0; round < 2; round++)
		for (double c = 0; c < 70000; c++) {
			char *cached = pp_theme_format_count(theme, cache, "en", "words_added", c, &d);
			assert_non_null(cached);
			if ((long)c % 331 == 0 || c == 16383 || c == 16384 || c == 69999) {
				char *text = pp_theme_format_count(theme, NULL, "en", "words_added", c, &d);
				assert_string_equal(cached, text);
				free(text);
			}
			free(cached);
		}
	pp_format_cache_free(cache);
	assert_int_equal(d.count, 0);
	/* Two of the plural forms beyond one/other, as ICU picks them. */
	char *he = pp_theme_format_count(theme, NULL, "he", "words_added", 2, &d);
	assert_string_equal(he, "נוספו שתי מילים");
	char *fr = pp_theme_format_count(theme, NULL, "fr", "words_added", 1000000, &d);
	assert_string_equal(fr, "1\u202F000\u202F000 de mots ajoutés"); /* narrow no-break spaces */
	free(he);
	free(fr);
	free(en);
	free(en_path);
	pp_theme_free(theme);
	pp_diags_free(&d);
	free(dir);
}

static void test_bad_message_format_is_reported(void **state)
{
	(void)state;
	char *dir = make_theme("<fragment/>");
	char *p = tu_join(dir, "messages/en.yaml");
	tu_write(p, "hello: Hello\ncount: \"{0, plural, one {# x}\"\n");
	free(p);
	pp_diags d;
	pp_diags_init(&d);
	pp_theme *theme = pp_theme_load(dir, "en", &d);
	assert_null(pp_theme_format_count(theme, NULL, "en", "count", 1, &d));
	assert_true(pp_diags_has(&d, PP_ERROR, "message 'count' for 'en' is not valid ICU MessageFormat"));
	/* A broken pattern is not cached: every call reports it. */
	pp_format_cache *cache = pp_format_cache_new();
	size_t errors = d.errors;
	assert_null(pp_theme_format_count(theme, cache, "en", "count", 1, &d));
	assert_null(pp_theme_format_count(theme, cache, "en", "count", 1, &d));
	assert_int_equal(d.errors, errors + 2);
	pp_format_cache_free(cache);
	pp_theme_free(theme);
	pp_diags_free(&d);
	tu_remove(dir);
	free(dir);
}

/* Attribute order and overrides, languages set from variables, nested
 * lists, content nodes written twice, comments kept, a style sheet's text
 * written as it is (and the same text escaped in any other element). */
static void test_attributes_lists_and_content(void **state)
{
	(void)state;
	char *dir = make_theme("<fragment><!-- kept -->"
	                       "<a class=\"static\" href=\"#fallback\" data-attr-href=\"unset\" title=\"t\">1</a>"
	                       "<a class=\"c\" href=\"#old\" data-attr-href=\"target\" title=\"t\" data-attr-rel=\"target\">2</a>"
	                       "<p data-attr-lang=\"other\" data-msg-attr-title=\"hello\" data-msg=\"hello\">x</p>"
	                       "<ul><li data-each=\"groups\" data-attr-id=\"gid\">"
	                       "<b data-each=\"entries\" data-text=\"name\">e</b><i data-text=\"title\">t</i></li></ul>"
	                       "<div class=\"one\" data-html=\"shared\"></div><div class=\"two\" data-html=\"shared\"></div>"
	                       "<style data-text=\"css\"></style><code data-text=\"css\"></code>"
	                       "</fragment>");
	pp_vars *vars = page_vars("ar");
	pp_vars_set(vars, "unset", NULL);
	pp_vars_set(vars, "target", "#new");
	pp_vars_set(vars, "other", "en");
	pp_vars_set(vars, "css", "nav > a[href^=\"#\"] { }");
	for (int g = 0; g < 2; g++) {
		pp_vars *group = pp_vars_add_item(vars, "groups");
		pp_vars_set(group, "gid", g ? "g1" : "g0");
		for (int e = 0; e < g + 1; e++)
			pp_vars_set(pp_vars_add_item(group, "entries"), "name", e ? "second" : "first");
	}
	xmlDocPtr shared = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr container = xmlNewDocNode(shared, NULL, BAD_CAST "div", NULL);
	xmlDocSetRootElement(shared, container);
	xmlNewTextChild(container, NULL, BAD_CAST "em", BAD_CAST "<content>");
	pp_vars_borrow_nodes(vars, "shared", container);
	pp_diags d;
	pp_diags_init(&d);
	char *html = render_page(dir, "ar", vars, &d);
	assert_non_null(html);
	assert_int_equal(d.errors, 0);
	assert_non_null(strstr(html, "<!-- kept -->"));
	/* An unset variable leaves the template's value; a set one replaces it
	 * where it stands, and a new attribute comes after the others. */
	assert_non_null(strstr(html, "<a class=\"static\" href=\"#fallback\" title=\"t\">1</a>"));
	assert_non_null(strstr(html, "<a class=\"c\" href=\"#new\" title=\"t\" rel=\"#new\">2</a>"));
	/* A lang set from a variable picks the language of the element's messages. */
	assert_non_null(strstr(html, "<p lang=\"en\" title=\"Hello\">Hello</p>"));
	/* Items see their own variables, then those around them. */
	assert_non_null(strstr(html, "<ul><li id=\"g0\"><b>first</b><i>T</i></li>"
	                             "<li id=\"g1\"><b>first</b><b>second</b><i>T</i></li></ul>"));
	/* Borrowed nodes are written wherever they are used, escaped. */
	assert_non_null(strstr(html, "<div class=\"one\"><em>&lt;content&gt;</em></div>"
	                             "<div class=\"two\"><em>&lt;content&gt;</em></div>"));
	assert_non_null(strstr(html, "<style>nav > a[href^=\"#\"] { }</style><code>nav &gt; a[href^=&quot;#&quot;] { }</code>"));
	free(html);
	pp_vars_free(vars);
	xmlFreeDoc(shared);
	pp_diags_free(&d);
	tu_remove(dir);
	free(dir);
}

/* Variable names of every length (a name of 23 bytes is kept in place, 24
 * and more elsewhere), many of them (past the scan, in the hash index),
 * set twice and read: each gives its own text. */
static void test_variable_names_of_every_length(void **state)
{
	(void)state;
	char names[80][81];
	static char tpl[16384];
	size_t at_tpl = (size_t)snprintf(tpl, sizeof tpl, "<fragment>");
	for (int i = 0; i < 80; i++) {
		int len = 1 + i;
		for (int k = 0; k < len; k++)
			names[i][k] = (char)('a' + (k + i) % 26);
		names[i][len] = '\0';
		at_tpl += (size_t)snprintf(tpl + at_tpl, sizeof tpl - at_tpl, "<p data-text=\"%s\">x</p>", names[i]);
	}
	snprintf(tpl + at_tpl, sizeof tpl - at_tpl, "</fragment>");
	char *dir = make_theme(tpl);
	pp_vars *vars = page_vars("en");
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 80; i++) {
			char text[32];
			snprintf(text, sizeof text, "v%d.%d", i, round);
			/* Copied, or taken: the same value. */
			assert_int_equal(i % 2 ? pp_vars_set(vars, names[i], text) : pp_vars_take(vars, names[i], strdup(text)), 0);
		}
	pp_diags d;
	pp_diags_init(&d);
	char *html = render_page(dir, "en", vars, &d);
	assert_non_null(html);
	assert_int_equal(d.errors, 0);
	const char *at = html;
	for (int i = 0; i < 80; i++) {
		char want[32];
		snprintf(want, sizeof want, "<p>v%d.1</p>", i);
		const char *found = strstr(at, want);
		if (!found)
			fail_msg("variable of a %d-byte name: %s not found after the previous one", i + 1, want);
		at = found;
	}
	free(html);
	pp_vars_free(vars);
	pp_diags_free(&d);
	tu_remove(dir);
	free(dir);
}

/* A page template may be one element instead of a <fragment>; a text value
 * where a list is expected is an error naming it. */
static void test_single_root_page_and_list_errors(void **state)
{
	(void)state;
	char *dir = make_theme("<article class=\"single\"><p data-each=\"title\">x</p></article>");
	pp_vars *vars = page_vars("en");
	pp_diags d;
	pp_diags_init(&d);
	assert_null(render_page(dir, "en", vars, &d));
	assert_true(pp_diags_has(&d, PP_ERROR, "template variable 'title' is not a list"));
	pp_diags_free(&d);
	pp_diags_init(&d);
	char *p = tu_join(dir, "page.html");
	tu_write(p, "<article class=\"single\"><p data-text=\"title\">x</p></article>");
	free(p);
	char *html = render_page(dir, "en", vars, &d);
	assert_non_null(html);
	assert_non_null(strstr(html, "<main><article class=\"single\"><p>T</p></article></main>"));
	free(html);
	pp_vars_free(vars);
	pp_diags_free(&d);
	tu_remove(dir);
	free(dir);
}

/* A template element too large to write is refused by name, not cut short. */
static void test_too_many_attributes(void **state)
{
	(void)state;
	char page[4096] = "<fragment>\n<p";
	for (int i = 0; i < 65; i++)
		snprintf(page + strlen(page), sizeof page - strlen(page), " a%d=\"x\"", i);
	strcat(page, ">x</p></fragment>");
	char *dir = make_theme(page);
	pp_vars *vars = page_vars("en");
	pp_diags d;
	pp_diags_init(&d);
	assert_null(render_page(dir, "en", vars, &d));
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.items[0].line, 2);
	assert_string_equal(d.items[0].message, "more than 64 attributes on one element");
	pp_vars_free(vars);
	pp_diags_free(&d);
	tu_remove(dir);
	free(dir);
}

/* A theme's symbolic links may not lead out of it: an "asset" linked to
 * /etc/passwd would be published. Links inside it are fine; hidden files
 * in assets are not assets. */
static void test_theme_links_stay_inside(void **state)
{
	(void)state;
	static const char *const outside[][2] = {{"assets/passwd.css", "/etc/passwd"},
	                                         {"page.html", "/etc/hostname"},
	                                         {"messages/fr.yaml", "/etc/hostname"}};
	for (size_t i = 0; i < sizeof outside / sizeof *outside; i++) {
		char *dir = make_theme("<div>page</div>");
		char *assets = tu_join(dir, "assets");
		mkdir(assets, 0755);
		char *style = tu_join(dir, "assets/style.css");
		tu_write(style, "body{}");
		char *inside = tu_join(dir, "assets/alias.css");
		assert_int_equal(symlink("style.css", inside), 0);
		char *hidden = tu_join(dir, "assets/.DS_Store");
		tu_write(hidden, "x");
		char *link = tu_join(dir, outside[i][0]);
		unlink(link);
		assert_int_equal(symlink(outside[i][1], link), 0);
		pp_diags d;
		pp_diags_init(&d);
		pp_theme *theme = pp_theme_load(dir, "en", &d);
		assert_null(theme);
		char want[512];
		snprintf(want, sizeof want, "symbolic link leads outside the theme (to %s): a theme may use only its own files",
		         outside[i][1]);
		if (!pp_diags_has(&d, PP_ERROR, want))
			fail_msg("%s: no error '%s'", outside[i][0], want);
		pp_diags_free(&d);
		/* Without the link leading out, the theme loads, the link inside kept. */
		unlink(link);
		if (i == 1)
			tu_write(link, "<div>page</div>");
		pp_diags_init(&d);
		theme = pp_theme_load(dir, "en", &d);
		assert_non_null(theme);
		assert_int_equal(pp_theme_asset_count(theme), 2);
		assert_string_equal(pp_theme_asset(theme, 0), "alias.css");
		assert_string_equal(pp_theme_asset(theme, 1), "style.css");
		pp_theme_free(theme);
		pp_diags_free(&d);
		free(link);
		free(hidden);
		free(inside);
		free(style);
		free(assets);
		tu_remove(dir);
		free(dir);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inserted_text_is_escaped),
		cmocka_unit_test(test_each_if_and_messages),
		cmocka_unit_test(test_unknown_variable_is_an_error),
		cmocka_unit_test(test_broken_template_is_reported_with_position),
		cmocka_unit_test(test_external_entities_are_not_loaded),
		cmocka_unit_test(test_arabic_plurals_from_bundled_theme),
		cmocka_unit_test(test_bundled_catalogs_complete),
		cmocka_unit_test(test_bad_message_format_is_reported),
		cmocka_unit_test(test_attributes_lists_and_content),
		cmocka_unit_test(test_variable_names_of_every_length),
		cmocka_unit_test(test_single_root_page_and_list_errors),
		cmocka_unit_test(test_too_many_attributes),
		cmocka_unit_test(test_theme_links_stay_inside),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
