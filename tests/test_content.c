/* Front matter and content discovery: each rule with its exact message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>
#include <malloc.h>
#include <cmocka.h>

#include "content.h"
#include "yamlmap.h"
#include "testutil.h"

/* Parses text as path and returns every message, one per line. */
static char *parse_messages_with(const char *path, const char *text, size_t len, const char *date,
                                 unsigned flags, pp_version *v, int *rc)
{
	pp_diags d;
	pp_diags_init(&d);
	*rc = pp_version_parse(path, text, len, date, flags, v, &d);
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	pp_diags_print(&d, f);
	fclose(f);
	pp_diags_free(&d);
	return buf;
}

static char *parse_messages(const char *path, const char *text, size_t len, const char *date,
                            pp_version *v, int *rc)
{
	return parse_messages_with(path, text, len, date, 0, v, rc);
}

static void expect_error(const char *text, const char *expected)
{
	pp_version v;
	int rc;
	char *msgs = parse_messages_with("p/ar/2024-01-15.md", text, strlen(text), "2024-01-15", PP_STRICT, &v, &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(msgs, expected);
	assert_null(v.body);
	free(msgs);
}

static void test_valid_version(void **state)
{
	(void)state;
	const char *text = "---\ntitle: سياسة الخصوصية\nupdated: 2024-01-15\nsummary: أول نشر\n---\n\nنص.\n";
	pp_version v;
	int rc;
	char *msgs = parse_messages("p/ar/2024-01-15.md", text, strlen(text), "2024-01-15", &v, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(msgs, "");
	assert_string_equal(v.title, "سياسة الخصوصية");
	assert_string_equal(v.date, "2024-01-15");
	assert_int_equal(v.year, 2024);
	assert_int_equal(v.month, 1);
	assert_int_equal(v.day, 15);
	assert_string_equal(v.summary, "أول نشر");
	assert_string_equal(v.body, "\nنص.\n");
	assert_int_equal(v.body_line, 6);
	pp_version_clear(&v);
	free(msgs);
}

static void test_bom_and_crlf_accepted(void **state)
{
	(void)state;
	const char *text = "\xEF\xBB\xBF---\r\ntitle: T\r\nupdated: 2024-01-15\r\n---\r\nText\r\n";
	pp_version v;
	int rc;
	char *msgs = parse_messages("x.md", text, strlen(text), NULL, &v, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(msgs, "");
	assert_string_equal(v.body, "Text\n");
	assert_null(v.summary);
	pp_version_clear(&v);
	free(msgs);
}

static void test_missing_front_matter(void **state)
{
	(void)state;
	expect_error("# Title\n\nText\n",
	             "p/ar/2024-01-15.md:1:1: error: missing front matter: the file must start with a "
	             "'---' line\n");
}

static void test_empty_file(void **state)
{
	(void)state;
	expect_error("", "p/ar/2024-01-15.md:1:1: error: empty file: a version needs front matter and "
	                 "text\n");
}

static void test_unterminated_front_matter(void **state)
{
	(void)state;
	expect_error("---\ntitle: T\nupdated: 2024-01-15\n\nText\n",
	             "p/ar/2024-01-15.md:1:1: error: front matter is not closed: no '---' line after "
	             "this one\n");
}

static void test_impossible_date(void **state)
{
	(void)state;
	expect_error("---\ntitle: T\nupdated: 2025-02-30\n---\nText\n",
	             "p/ar/2024-01-15.md:3:10: error: 'updated' must be a real date written YYYY-MM-DD, "
	             "not '2025-02-30'\n");
}

static void test_date_must_match_file_name(void **state)
{
	(void)state;
	expect_error("---\ntitle: T\nupdated: 2024-01-16\n---\nText\n",
	             "p/ar/2024-01-15.md:3:10: error: 'updated' is 2024-01-16 but the file name says "
	             "2024-01-15; they must agree\n");
}

static void test_unknown_key(void **state)
{
	(void)state;
	expect_error("---\ntitle: T\nupdated: 2024-01-15\nsumary: typo\n---\nText\n",
	             "p/ar/2024-01-15.md:4:1: error: unknown front matter key 'sumary' (known keys: "
	             "title, updated, summary, description, effective, material, translates)\n");
}

/* description is what search results show: kept, on one line. */
static void test_description(void **state)
{
	(void)state;
	const char *text = "---\ntitle: T\nupdated: 2024-01-15\ndescription: >\n  How we handle\n  your data.\n---\nText\n";
	pp_version v;
	int rc;
	char *msgs = parse_messages("p.md", text, strlen(text), NULL, &v, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(msgs, "");
	assert_string_equal(v.description, "How we handle your data. ");
	pp_version_clear(&v);
	free(msgs);
}

static void test_unknown_key_is_a_warning_outside_check(void **state)
{
	(void)state;
	/* Keys of other generators do not stop a build; check (strict) refuses them. */
	const char *text = "---\ntitle: T\nupdated: 2024-01-15\nlayout: policy\n---\nText\n";
	pp_version v;
	int rc;
	char *msgs = parse_messages("p.md", text, strlen(text), NULL, &v, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(msgs, "p.md:4:1: warning: unknown front matter key 'layout' (known keys: "
	                          "title, updated, summary, description, effective, material, translates)\n");
	pp_version_clear(&v);
	free(msgs);
}

static void test_title_from_leading_heading(void **state)
{
	(void)state;
	const char *text = "---\nupdated: 2024-01-15\n---\n\n# سياسة الخصوصية #\n\nنص.\n";
	pp_version v;
	int rc;
	char *msgs = parse_messages("p.md", text, strlen(text), NULL, &v, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(msgs, "");
	assert_string_equal(v.title, "سياسة الخصوصية");
	assert_true(v.title_from_heading);
	pp_version_clear(&v);
	free(msgs);
}

static void test_missing_required_keys(void **state)
{
	(void)state;
	expect_error("---\nsummary: s\n---\nText\n",
	             "p/ar/2024-01-15.md:1:1: error: front matter has no 'title', and the text does not "
	             "start with a '# ' heading to take it from\n"
	             "p/ar/2024-01-15.md:1:1: error: front matter has no 'updated' date\n");
}

static void test_not_a_mapping(void **state)
{
	(void)state;
	expect_error("---\n- a\n- b\n---\nText\n",
	             "p/ar/2024-01-15.md:2:1: error: front matter must be a mapping of keys to values\n");
}

static void test_duplicate_key(void **state)
{
	(void)state;
	expect_error("---\ntitle: A\ntitle: B\nupdated: 2024-01-15\n---\nText\n",
	             "p/ar/2024-01-15.md:3:1: error: key 'title' is given twice\n");
}

static void test_invalid_yaml(void **state)
{
	(void)state;
	pp_version v;
	int rc;
	const char *text = "---\ntitle: [unclosed\nupdated: 2024-01-15\n---\nText\n";
	char *msgs = parse_messages("f.md", text, strlen(text), NULL, &v, &rc);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(msgs, "f.md:"));
	assert_non_null(strstr(msgs, ": error: invalid YAML: "));
	free(msgs);
}

static void test_invalid_utf8_position(void **state)
{
	(void)state;
	/* Line 3, after "updated: " (9 characters): a lone continuation byte. */
	const char text[] = "---\ntitle: T\nupdated: \x80\n---\nText\n";
	pp_version v;
	int rc;
	char *msgs = parse_messages("f.md", text, sizeof text - 1, NULL, &v, &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(msgs, "f.md:3:10: error: invalid UTF-8 (byte 0x80 at offset 22)\n");
	free(msgs);
}

static void test_nul_byte(void **state)
{
	(void)state;
	const char text[] = "---\ntitle: T\nupdated: 2024-01-15\n---\nab\0c\n";
	pp_version v;
	int rc;
	char *msgs = parse_messages("f.md", text, sizeof text - 1, NULL, &v, &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(msgs, "f.md:5:3: error: character U+0000 (NUL) is not allowed: XML and HTML cannot hold it\n");
	free(msgs);
}

/* What XML 1.0 and HTML text cannot hold is refused where it is, written
 * raw or as a YAML escape; a NUL never cuts a value short. */
static void test_characters_xml_cannot_hold(void **state)
{
	(void)state;
	static const struct {
		const char *text, *error;
	} cases[] = {
	    {"---\ntitle: \"A\\fB\"\nupdated: 2024-01-15\n---\nText\n",
	     "p/ar/2024-01-15.md:2:8: error: 'title': character U+000C (a control character) is not allowed: XML and HTML cannot hold it\n"},
	    {"---\ntitle: \"A\\0B\"\nupdated: 2024-01-15\n---\nText\n",
	     "p/ar/2024-01-15.md:2:8: error: 'title': character U+0000 (NUL) is not allowed: XML and HTML cannot hold it\n"},
	    {"---\ntitle: T\nupdated: 2024-01-15\nsummary: \"a\\x85\"\n---\nText\n",
	     "p/ar/2024-01-15.md:4:10: error: 'summary': character U+0085 (a control character) is not allowed: XML and HTML cannot hold it\n"},
	    {"---\ntitle: T\nupdated: 2024-01-15\n---\nText\fmore\n",
	     "p/ar/2024-01-15.md:5:5: error: character U+000C (a control character) is not allowed: XML and HTML cannot hold it\n"},
	    {"---\ntitle: T\nupdated: 2024-01-15\n---\nنص\x7f\n",
	     "p/ar/2024-01-15.md:5:3: error: character U+007F (a control character) is not allowed: XML and HTML cannot hold it\n"},
	    {"---\ntitle: T\nupdated: 2024-01-15\n---\nText \xc2\x9b\n",
	     "p/ar/2024-01-15.md:5:6: error: character U+009B (a control character) is not allowed: XML and HTML cannot hold it\n"},
	    {"---\ntitle: T\nupdated: 2024-01-15\n---\nText \xef\xbf\xbe\n",
	     "p/ar/2024-01-15.md:5:6: error: character U+FFFE (a noncharacter) is not allowed: XML and HTML cannot hold it\n"},
	    {"---\ntitle: T\nupdated: 2024-01-15\n---\nText \xf0\x9f\xbf\xbf\n",
	     "p/ar/2024-01-15.md:5:6: error: character U+1FFFF (a noncharacter) is not allowed: XML and HTML cannot hold it\n"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		expect_error(cases[i].text, cases[i].error);
	/* Tab, carriage return and every other character stay allowed. */
	const char *fine = "---\ntitle: \"A\\tB\"\nupdated: 2024-01-15\n---\r\nText\twith a tab \xef\xbf\xbd\n";
	pp_version v;
	int rc;
	char *msgs = parse_messages_with("p/ar/2024-01-15.md", fine, strlen(fine), "2024-01-15", PP_STRICT, &v, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(msgs, "");
	assert_string_equal(v.title, "A\tB");
	free(msgs);
	pp_version_clear(&v);
}

/* YAML's null and booleans are not titles; quoted, they are. */
static void test_null_and_boolean_are_not_text(void **state)
{
	(void)state;
	expect_error("---\ntitle: ~\nupdated: 2024-01-15\n---\nText\n",
	             "p/ar/2024-01-15.md:2:8: error: 'title' is null, not text; quote it (\"~\") if that is the text\n");
	expect_error("---\ntitle: true\nupdated: 2024-01-15\n---\nText\n",
	             "p/ar/2024-01-15.md:2:8: error: 'title' is a boolean, not text; quote it (\"true\") if that is the text\n");
	expect_error("---\ntitle: T\nupdated: 2024-01-15\nsummary: NULL\n---\nText\n",
	             "p/ar/2024-01-15.md:4:10: error: 'summary' is null, not text; quote it (\"NULL\") if that is the text\n");
	const char *quoted = "---\ntitle: 'true'\nupdated: 2024-01-15\nsummary: \"~\"\n---\nText\n";
	pp_version v;
	int rc;
	char *msgs = parse_messages_with("p/ar/2024-01-15.md", quoted, strlen(quoted), "2024-01-15", PP_STRICT, &v, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(v.title, "true");
	assert_string_equal(v.summary, "~");
	free(msgs);
	pp_version_clear(&v);
}

/* Front matter is bounded before libyaml reads it: its size, and how deep
 * flow collections nest (libyaml is quadratic in that depth); a repeated key
 * among thousands is found in linear time. */
static void test_front_matter_bounds(void **state)
{
	(void)state;
	char *big = malloc(PP_MAX_FRONT_MATTER + 256);
	int n = sprintf(big, "---\ntitle: T\nupdated: 2024-01-15\nsummary: '");
	memset(big + n, 'x', PP_MAX_FRONT_MATTER);
	strcpy(big + n + PP_MAX_FRONT_MATTER, "'\n---\nText\n");
	expect_error(big, "p/ar/2024-01-15.md:4:1: error: front matter is larger than 64 KiB: it holds a title, a "
	                  "date and a summary; the policy's text goes after it\n");
	free(big);
	char deep[512];
	n = sprintf(deep, "---\ntitle: T\nupdated: 2024-01-15\nx: ");
	for (int i = 0; i < PP_YAML_MAX_DEPTH + 1; i++)
		deep[n++] = '[';
	strcpy(deep + n, "\n---\nText\n");
	expect_error(deep, "p/ar/2024-01-15.md:4:68: error: YAML nests deeper than 64 levels\n");
	/* Brackets in quotes and comments are text, not nesting. */
	n = sprintf(deep, "---\ntitle: '");
	for (int i = 0; i < PP_YAML_MAX_DEPTH + 1; i++)
		deep[n++] = '[';
	n += sprintf(deep + n, "'\nupdated: 2024-01-15 # ");
	for (int i = 0; i < PP_YAML_MAX_DEPTH + 1; i++)
		deep[n++] = '{';
	strcpy(deep + n, "\n---\nText\n");
	pp_version v;
	int rc;
	char *msgs = parse_messages_with("p/ar/2024-01-15.md", deep, strlen(deep), "2024-01-15", 0, &v, &rc);
	assert_int_equal(rc, 0);
	free(msgs);
	pp_version_clear(&v);
	enum { KEYS = 5000 };
	char *many = malloc(KEYS * 16 + 128);
	n = sprintf(many, "---\ntitle: T\nupdated: 2024-01-15\n");
	for (int i = 0; i < KEYS; i++)
		n += sprintf(many + n, "k%d: v\n", i);
	strcpy(many + n, "k17: again\n---\nText\n");
	msgs = parse_messages_with("p/ar/2024-01-15.md", many, strlen(many), "2024-01-15", 0, &v, &rc);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(msgs, "p/ar/2024-01-15.md:5004:1: error: key 'k17' is given twice\n"));
	free(msgs);
	free(many);
}

/* When a version takes effect, whether it is material, and which
 * authoritative version a translation translates. */
static void test_effective_material_translates(void **state)
{
	(void)state;
	const char *text = "---\ntitle: T\nupdated: 2024-09-01\neffective: 2024-10-01\nmaterial: false\n"
	                   "translates: 2024-08-15\n---\nText\n";
	pp_version v;
	int rc;
	char *msgs = parse_messages_with("p/en/2024-09-01.md", text, strlen(text), "2024-09-01", PP_STRICT, &v, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(msgs, "");
	assert_string_equal(v.effective, "2024-10-01");
	assert_int_equal(v.material, 0);
	assert_string_equal(v.translates, "2024-08-15");
	assert_int_equal(v.effective_line, 4);
	assert_int_equal(v.translates_line, 6);
	free(msgs);
	pp_version_clear(&v);
	/* Defaults: in effect when published, material, translating nothing named. */
	text = "---\ntitle: T\nupdated: 2024-09-01\n---\nText\n";
	msgs = parse_messages_with("p/en/2024-09-01.md", text, strlen(text), "2024-09-01", PP_STRICT, &v, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(v.effective, "2024-09-01");
	assert_int_equal(v.material, 1);
	assert_string_equal(v.translates, "");
	free(msgs);
	pp_version_clear(&v);
	expect_error("---\ntitle: T\neffective: 2024-01-14\nupdated: 2024-01-15\n---\nText\n",
	             "p/ar/2024-01-15.md:3:12: error: 'effective' is 2024-01-14, before 'updated' (2024-01-15): a "
	             "version cannot take effect before it is published\n");
	expect_error("---\ntitle: T\nupdated: 2024-01-15\neffective: 2024-02-30\n---\nText\n",
	             "p/ar/2024-01-15.md:4:12: error: 'effective' must be a real date written YYYY-MM-DD, not "
	             "'2024-02-30'\n");
	expect_error("---\ntitle: T\nupdated: 2024-01-15\nmaterial: yes\n---\nText\n",
	             "p/ar/2024-01-15.md:4:11: error: 'material' must be true or false, not 'yes'\n");
	expect_error("---\ntitle: T\nupdated: 2024-01-15\nmaterial: \"false\"\n---\nText\n",
	             "p/ar/2024-01-15.md:4:11: error: 'material' must be true or false, not 'false'\n");
	expect_error("---\ntitle: T\nupdated: 2024-01-15\ntranslates: soon\n---\nText\n",
	             "p/ar/2024-01-15.md:4:13: error: 'translates' must be a real date written YYYY-MM-DD, not "
	             "'soon'\n");
}

static void test_duplicated_front_matter(void **state)
{
	(void)state;
	expect_error("---\ntitle: T\nupdated: 2024-01-15\n---\n\n---\ntitle: T\n---\nText\n",
	             "p/ar/2024-01-15.md:6:1: error: second front matter block; a version has exactly "
	             "one (use '***' for a rule)\n");
}

static void test_no_text(void **state)
{
	(void)state;
	expect_error("---\ntitle: T\nupdated: 2024-01-15\n---\n\n  \n",
	             "p/ar/2024-01-15.md:4:1: error: the policy has no text after its front matter\n");
}

static void test_multiline_summary(void **state)
{
	(void)state;
	expect_error("---\ntitle: T\nupdated: 2024-01-15\nsummary: |\n  a\n  b\n---\nText\n",
	             "p/ar/2024-01-15.md:4:10: error: 'summary' must be one line\n");
}

static void test_unbalanced_bidi_controls_refused(void **state)
{
	(void)state;
	/* Trojan Source: a right-to-left override left open reorders the rest of the line. */
	expect_error("---\ntitle: T\nupdated: 2024-01-15\n---\n\nالمبلغ \u202E100$ للمستخدم\n",
	             "p/ar/2024-01-15.md:6:8: error: unbalanced bidi control U+202E (RIGHT-TO-LEFT "
	             "OVERRIDE): not closed on its line, it can make the text display differently from "
	             "what it says\n");
	/* Closed on the next line is not closed: LF ends every embedding. */
	expect_error("---\ntitle: T\nupdated: 2024-01-15\n---\n\nx \u2067y\n\u2069z\n",
	             "p/ar/2024-01-15.md:6:3: error: unbalanced bidi control U+2067 (RIGHT-TO-LEFT "
	             "ISOLATE): not closed on its line, it can make the text display differently from "
	             "what it says\n"
	             "p/ar/2024-01-15.md:7:1: error: bidi control U+2069 (POP DIRECTIONAL ISOLATE) closes "
	             "nothing on its line\n");
}

static void test_balanced_controls_and_marks_accepted(void **state)
{
	(void)state;
	const char *text = "---\ntitle: T\nupdated: 2024-01-15\n---\n\n"
	                   "الرقم \u2066+966 11\u2069 و \u202Bx\u202C و\u200F \u200E \u061C.\n";
	pp_version v;
	int rc;
	char *msgs = parse_messages("x.md", text, strlen(text), NULL, &v, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(msgs, "");
	pp_version_clear(&v);
	free(msgs);
}

/* ---- whole content directories ---- */

static char *make_site(const char *site_yaml)
{
	char *dir = tu_tempdir();
	char *path = tu_join(dir, "site.yaml");
	assert_int_equal(tu_write(path, site_yaml), 0);
	free(path);
	return dir;
}

static void add_file(const char *dir, const char *rel, const char *text)
{
	char *path = tu_join(dir, rel);
	char *cmd = malloc(strlen(path) + 32);
	sprintf(cmd, "mkdir -p \"$(dirname '%s')\"", path);
	char *argv[] = {"sh", "-c", cmd, NULL};
	assert_int_equal(tu_run(argv, NULL, NULL), 0);
	assert_int_equal(tu_write(path, text), 0);
	free(cmd);
	free(path);
}

static char *load_messages_with(const char *dir, unsigned flags, pp_site **site)
{
	pp_diags d;
	pp_diags_init(&d);
	*site = pp_site_load(dir, NULL, flags, 0, &d);
	pp_diags_sort(&d);
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	pp_diags_print(&d, f);
	fclose(f);
	pp_diags_free(&d);
	/* Drop the temporary directory prefix so messages compare exactly. */
	size_t n = strlen(dir);
	for (char *p; (p = strstr(buf, dir));)
		memmove(p, p + n + 1, strlen(p + n + 1) + 1);
	return buf;
}

static char *load_messages(const char *dir, pp_site **site) { return load_messages_with(dir, 0, site); }

static const char version_text[] = "---\ntitle: T\nupdated: %s\n---\nText\n";

static void add_version(const char *dir, const char *policy, const char *locale, const char *date)
{
	char rel[256], text[256];
	snprintf(rel, sizeof rel, "%s/%s/%s.md", policy, locale, date);
	snprintf(text, sizeof text, version_text, date);
	add_file(dir, rel, text);
}

static void test_site_loads_sorted_versions(void **state)
{
	(void)state;
	char *dir = make_site("default_locale: ar\nbase_url: https://example.org/sub\ntitle:\n  ar: م\n  en: M\n");
	add_version(dir, "terms", "en", "2024-05-01");
	add_version(dir, "privacy", "en", "2024-01-15");
	add_version(dir, "privacy", "ar", "2024-01-15");
	add_version(dir, "privacy", "ar", "2023-12-01");
	pp_site *site;
	char *msgs = load_messages(dir, &site);
	assert_string_equal(msgs, "");
	assert_non_null(site);
	assert_string_equal(site->base_url, "https://example.org/sub/");
	assert_int_equal(site->series_count, 3);
	assert_string_equal(site->series[0].policy, "privacy");
	assert_string_equal(site->series[0].locale, "ar");
	assert_int_equal(site->series[0].count, 2);
	assert_string_equal(site->series[0].versions[0].date, "2023-12-01");
	assert_string_equal(site->series[0].versions[1].date, "2024-01-15");
	assert_string_equal(site->series[2].policy, "terms");
	assert_string_equal(pp_site_title(site, "en"), "M");
	assert_string_equal(pp_site_title(site, "fr"), "م");
	pp_site_free(site);
	free(msgs);
	tu_remove(dir);
	free(dir);
}

/* A site loaded for a build keeps metadata, not texts; each text is read
 * again when rendered, exactly as it was (byte-order mark and CRLF handled
 * alike), and a file changed since it was loaded is refused. */
static void test_texts_read_again(void **state)
{
	(void)state;
	char *dir = make_site("default_locale: ar\n");
	add_file(dir, "privacy/ar/2024-01-15.md", "\xEF\xBB\xBF---\r\ntitle: T\r\nupdated: 2024-01-15\r\n---\r\n\r\nنص\r\nأول\r\n");
	add_file(dir, "privacy/ar/2024-02-01.md", "---\ntitle: T\nupdated: 2024-02-01\n---\nSecond text.\n");
	pp_diags d;
	pp_diags_init(&d);
	pp_site *full = pp_site_load(dir, NULL, 0, 1, &d);
	pp_site *site = pp_site_load(dir, NULL, PP_METADATA_ONLY, 1, &d);
	assert_int_equal(d.count, 0);
	assert_non_null(full);
	assert_non_null(site);
	for (size_t i = 0; i < 2; i++) {
		const pp_version *meta = &site->series[0].versions[i], *whole = &full->series[0].versions[i];
		assert_null(meta->body);
		assert_string_equal(meta->sha256, whole->sha256);
		pp_version text;
		assert_int_equal(pp_version_read_text(meta, &text, &d), 0);
		assert_int_equal(text.body_len, whole->body_len);
		assert_string_equal(text.body, whole->body);
		assert_int_equal(text.body_line, whole->body_line);
		pp_version_clear(&text);
	}
	/* Edited after loading, even to text of the same length: refused. */
	char *second = tu_join(dir, "privacy/ar/2024-02-01.md");
	assert_int_equal(tu_write(second, "---\ntitle: T\nupdated: 2024-02-01\n---\nSecond TEXT.\n"), 0);
	pp_version text;
	assert_int_equal(pp_version_read_text(&site->series[0].versions[1], &text, &d), -1);
	assert_null(text.body);
	assert_int_equal(d.errors, 1);
	assert_non_null(strstr(d.items[0].message, "changed while the site was being built; build again"));
	/* Rewritten within one tick of the clock, its stamp as it was when
	 * loaded: the text itself tells. */
	pp_diags_free(&d);
	pp_diags_init(&d);
	pp_version *loaded = &site->series[0].versions[1];
	char *now_data;
	size_t now_len;
	assert_int_equal(pp_read_file_stamped(second, &now_data, &now_len, &loaded->stamp, &d), 0);
	free(now_data);
	assert_int_equal(pp_version_read_text(loaded, &text, &d), -1);
	assert_int_equal(d.errors, 1);
	assert_non_null(strstr(d.items[0].message, "changed while the site was being built; build again"));
	/* Written back as it was, under that same stamp: the same text, read. */
	assert_int_equal(tu_write(second, "---\ntitle: T\nupdated: 2024-02-01\n---\nSecond text.\n"), 0);
	assert_int_equal(pp_read_file_stamped(second, &now_data, &now_len, &loaded->stamp, &d), 0);
	free(now_data);
	assert_int_equal(pp_version_read_text(loaded, &text, &d), 0);
	assert_string_equal(text.body, "Second text.\n");
	pp_version_clear(&text);
	free(second);
	pp_site_free(full);
	pp_site_free(site);
	pp_diags_free(&d);
	tu_remove(dir);
	free(dir);
}

/* pp_strdup_printf joins formats of text and %s by itself: the strings
 * printf makes, for those and for the formats it leaves to printf. */
#define EXPECT_PRINTF(...)                                                                                  \
	do {                                                                                                   \
		char want[1024];                                                                                   \
		snprintf(want, sizeof want, __VA_ARGS__);                                                          \
		char *got = pp_strdup_printf(__VA_ARGS__);                                                         \
		assert_non_null(got);                                                                              \
		assert_string_equal(got, want);                                                                    \
		free(got);                                                                                         \
	} while (0)

static void test_strdup_printf(void **state)
{
	(void)state;
	char long_text[600];
	memset(long_text, 'x', sizeof long_text - 1);
	long_text[sizeof long_text - 1] = '\0';
	const char *empty = "", *arabic = "سياسة الخصوصية";
	EXPECT_PRINTF("%s/%s/%s/changes/%s/index.html", "ar", "privacy", "2024-01-15", "2023-05-01");
	EXPECT_PRINTF("#%s", "c12");
	EXPECT_PRINTF("%s — %s", arabic, empty);
	EXPECT_PRINTF("%s%s", long_text, long_text + 200);
	EXPECT_PRINTF("plain text, no conversion");
	EXPECT_PRINTF("%s", empty);
	/* Left to printf. */
	EXPECT_PRINTF("100%% %s", "done");
	EXPECT_PRINTF("%d-%s", 7, "seven");
	EXPECT_PRINTF("%s/%.*s", "a", 3, "bcdef");
	EXPECT_PRINTF("%.10s.%s", "0123456789abcdef", long_text);
}

static void test_site_errors(void **state)
{
	(void)state;
	char *dir = make_site("default_locale: ar\ncolour: red\n");
	add_version(dir, "privacy", "ar", "2024-01-15");
	add_version(dir, "privacy", "xx-invalid-tag-!", "2024-01-15");
	add_version(dir, "privacy", "EN", "2024-01-15");
	add_version(dir, "Privacy Policy", "ar", "2024-01-15");
	add_file(dir, "privacy/ar/latest.md", "---\ntitle: T\nupdated: 2024-01-15\n---\nText\n");
	add_file(dir, "privacy/ar/2024-02-30.md", "---\ntitle: T\nupdated: 2024-02-30\n---\nText\n");
	pp_site *site;
	char *msgs = load_messages(dir, &site);
	assert_null(site);
	assert_string_equal(
	    msgs,
	    "Privacy Policy: error: policy directory name 'Privacy Policy' becomes part of URLs: use "
	    "lowercase ASCII letters, digits, '-' and '_'\n"
	    "privacy/EN: error: locale 'EN' is not in canonical form; write 'en'\n"
	    "privacy/ar/2024-02-30.md: error: file name must be the version's date as "
	    "YYYY-MM-DD.md, and a real date\n"
	    "privacy/ar/latest.md: warning: not published: Markdown that is not a version (versions are "
	    "<locale>/YYYY-MM-DD.md)\n"
	    "privacy/xx-invalid-tag-!: error: 'xx-invalid-tag-!' is not a well-formed BCP 47 "
	    "language tag\n"
	    "site.yaml:2:1: error: unknown key 'colour' in site settings (known keys: default_locale, "
	    "base_url, title, locales, notice_days)\n");
	free(msgs);
	tu_remove(dir);
	free(dir);
}

/* Only plain attachments are published from policy directories: notes in
 * Markdown, editors' and merge tools' leftovers and versions under a wrong
 * name are said and left out; a misnamed version is an error when checking. */
static void test_only_attachments_published(void **state)
{
	(void)state;
	char *dir = make_site("default_locale: en\n");
	add_version(dir, "privacy", "en", "2024-01-15");
	static const char *const files[] = {"privacy/README.md", "privacy/en/NOTES.Markdown", "privacy/en/2024-03-01.MD",
	                                    "privacy/en/2024-03-01.markdown", "privacy/2024-03-01.md",
	                                    "privacy/en/2024-01-15.md~", "privacy/en/#2024-01-15.md#",
	                                    "privacy/en/.2024-01-15.md.swp", "privacy/en/dpa.pdf.orig",
	                                    "privacy/en/2024-01-15.md.rej", "privacy/en/dpa.bak", "privacy/en/dpa.pdf",
	                                    "privacy/logo.png", "privacy/en/dpa_BACKUP_1234.pdf", "privacy/.DS_Store"};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		add_file(dir, files[i], "x");
	pp_site *site;
	char *msgs = load_messages(dir, &site);
	assert_non_null(site);
	assert_int_equal(site->attachment_count, 2);
	assert_string_equal(site->attachments[0].path, "privacy/en/dpa.pdf");
	assert_string_equal(site->attachments[1].path, "privacy/logo.png");
	const char *misnamed = "not published: this looks like a version, but versions are named YYYY-MM-DD.md (a "
	                       "real date, lowercase .md) in a locale's directory";
	const char *leftover = "not published: an editor's or merge tool's leftover, not an attachment";
	const char *markdown = "not published: Markdown that is not a version (versions are <locale>/YYYY-MM-DD.md)";
	char expected[4096];
	snprintf(expected, sizeof expected,
	         "privacy/2024-03-01.md: warning: %s (this is the policy's directory)\n"
	         "privacy/README.md: warning: %s\n"
	         "privacy/en/#2024-01-15.md#: warning: %s\n"
	         "privacy/en/2024-01-15.md.rej: warning: %s\n"
	         "privacy/en/2024-01-15.md~: warning: %s\n"
	         "privacy/en/2024-03-01.MD: warning: %s\n"
	         "privacy/en/2024-03-01.markdown: warning: %s\n"
	         "privacy/en/NOTES.Markdown: warning: %s\n"
	         "privacy/en/dpa.bak: warning: %s\n"
	         "privacy/en/dpa.pdf.orig: warning: %s\n"
	         "privacy/en/dpa_BACKUP_1234.pdf: warning: %s\n",
	         misnamed, markdown, leftover, leftover, leftover, misnamed, misnamed, markdown, leftover, leftover,
	         leftover);
	assert_string_equal(msgs, expected);
	free(msgs);
	pp_site_free(site);
	/* check: a version nobody will see under its name is an error. */
	msgs = load_messages_with(dir, PP_STRICT, &site);
	assert_null(site);
	assert_non_null(strstr(msgs, "privacy/en/2024-03-01.MD: error: not published: this looks like a version"));
	assert_non_null(strstr(msgs, "privacy/en/2024-03-01.markdown: error: not published"));
	assert_non_null(strstr(msgs, "privacy/2024-03-01.md: error: not published"));
	free(msgs);
	tu_remove(dir);
	free(dir);
}

/* The base of every page's URL: scheme and host compared without case, no
 * query, fragment or credentials, from site.yaml and --base-url alike. */
static void test_base_url(void **state)
{
	(void)state;
	static const char *const good[][2] = {
	    {"HTTPS://Example.ORG/Policies", "https://example.org/Policies/"},
	    {"http://example.org", "http://example.org/"},
	    {"https://example.org:8443/p/", "https://example.org:8443/p/"},
	};
	static const char *const bad[][2] = {
	    {"https://example.org/?lang=en", "it has a query ('?…'): every page's URL is the base with a path after it"},
	    {"https://example.org/#top", "it has a fragment ('#…'): every page's URL is the base with a path after it"},
	    {"ftp://example.org/", "it must start with http:// or https://"},
	    {"example.org/policies", "it must start with http:// or https://"},
	    {"https://user:secret@example.org/", "it holds a user name or password"},
	    {"https:///policies", "it has no host"},
	    {"https://example.org/a b", "it is not a URL"},
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		char yaml[256];
		snprintf(yaml, sizeof yaml, "default_locale: en\nbase_url: %s\n", good[i][0]);
		char *dir = make_site(yaml);
		add_version(dir, "privacy", "en", "2024-01-15");
		pp_site *site;
		char *msgs = load_messages(dir, &site);
		assert_non_null(site);
		assert_string_equal(site->base_url, good[i][1]);
		pp_site_free(site);
		pp_diags d;
		pp_diags_init(&d);
		site = pp_site_load(dir, good[i][0], 0, 0, &d);
		assert_non_null(site);
		assert_string_equal(site->base_url, good[i][1]);
		pp_site_free(site);
		pp_diags_free(&d);
		free(msgs);
		tu_remove(dir);
		free(dir);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char yaml[256], want[512];
		snprintf(yaml, sizeof yaml, "default_locale: en\nbase_url: \"%s\"\n", bad[i][0]);
		char *dir = make_site(yaml);
		add_version(dir, "privacy", "en", "2024-01-15");
		pp_site *site;
		char *msgs = load_messages(dir, &site);
		assert_null(site);
		snprintf(want, sizeof want, "site.yaml:2:11: error: 'base_url' must be an absolute http:// or https:// URL, "
		         "and '%s' is not: %s\n", bad[i][0], bad[i][1]);
		assert_string_equal(msgs, want);
		free(msgs);
		tu_remove(dir);
		free(dir);
	}
}

/* The size limit is inclusive: a file of exactly PP_MAX_FILE_SIZE bytes is
 * read, into one buffer of its size; one byte more is refused. */
static void test_file_size_limit(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char *path = tu_join(dir, "big.md");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)PP_MAX_FILE_SIZE), 0);
	close(fd);
	pp_diags d;
	pp_diags_init(&d);
	char *data;
	size_t len;
	assert_int_equal(pp_read_file(path, &data, &len, &d), 0);
	assert_int_equal(len, PP_MAX_FILE_SIZE);
	/* Its size once, not a buffer doubled to fit the end-of-file read. */
	assert_true(malloc_usable_size(data) < PP_MAX_FILE_SIZE + 64 * 1024);
	free(data);
	fd = open(path, O_WRONLY);
	assert_int_equal(ftruncate(fd, (off_t)PP_MAX_FILE_SIZE + 1), 0);
	close(fd);
	assert_int_equal(pp_read_file(path, &data, &len, &d), -1);
	assert_true(pp_diags_has(&d, PP_ERROR, "file is 67108865 bytes, more than the 64 MiB limit"));
	pp_diags_free(&d);
	tu_remove(dir);
	free(path);
	free(dir);
}

static void test_locale_settings_validated(void **state)
{
	(void)state;
	char *dir = make_site("default_locale: ar\nlocales:\n  ar:\n    calendar: [islamic-umalqura, lunar]\n"
	                      "    numbers: roman-ish\n  en:\n    colour: blue\n  EN: {}\n");
	add_version(dir, "privacy", "ar", "2024-01-15");
	pp_site *site;
	char *msgs = load_messages(dir, &site);
	assert_null(site);
	assert_string_equal(msgs,
	                    "site.yaml:4:34: error: unknown calendar 'lunar' (ICU knows gregorian, "
	                    "islamic-umalqura, islamic-civil, persian, hebrew, buddhist, japanese and others)\n"
	                    "site.yaml:5:14: error: unknown numbering system 'roman-ish' (for example arab, "
	                    "latn, arabext, deva)\n"
	                    "site.yaml:7:5: error: unknown locale setting 'colour' (known: calendar, numbers)\n"
	                    "site.yaml:8:3: error: locale 'EN' is not in canonical form; write 'en'\n");
	free(msgs);
	tu_remove(dir);
	free(dir);
}

static void test_special_files_refused(void **state)
{
	(void)state;
	char *dir = make_site("default_locale: en\n");
	add_version(dir, "privacy", "en", "2024-01-15");
	/* A FIFO would block a plain open(); a directory is not a file either. */
	char *fifo = tu_join(dir, "privacy/en/2024-02-01.md");
	assert_int_equal(mkfifo(fifo, 0644), 0);
	char *sub = tu_join(dir, "privacy/en/2024-03-01.md");
	assert_int_equal(mkdir(sub, 0755), 0);
	add_file(dir, "privacy/en/2024-04-01.markdown", "x");
	pp_site *site;
	char *msgs = load_messages(dir, &site);
	assert_null(site);
	assert_string_equal(msgs,
	                    "privacy/en/2024-02-01.md: error: not a regular file\n"
	                    "privacy/en/2024-03-01.md: error: not a regular file\n"
	                    "privacy/en/2024-04-01.markdown: warning: not published: this looks like a "
	                    "version, but versions are named YYYY-MM-DD.md (a real date, lowercase .md) in a "
	                    "locale's directory\n");
	free(msgs);
	free(fifo);
	free(sub);
	tu_remove(dir);
	free(dir);
}

static void test_symlink_outside_content(void **state)
{
	(void)state;
	char *dir = make_site("default_locale: en\n");
	add_version(dir, "privacy", "en", "2024-01-15");
	char *link = tu_join(dir, "privacy/en/2024-02-01.md");
	assert_int_equal(symlink("/etc/hostname", link), 0);
	pp_site *site;
	char *msgs = load_messages(dir, &site);
	assert_null(site);
	assert_non_null(strstr(msgs, "privacy/en/2024-02-01.md: error: symbolic link leads outside "
	                             "the content directory"));
	free(link);
	free(msgs);
	tu_remove(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_version),
		cmocka_unit_test(test_bom_and_crlf_accepted),
		cmocka_unit_test(test_missing_front_matter),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_unterminated_front_matter),
		cmocka_unit_test(test_impossible_date),
		cmocka_unit_test(test_date_must_match_file_name),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_unknown_key_is_a_warning_outside_check),
		cmocka_unit_test(test_description),
		cmocka_unit_test(test_title_from_leading_heading),
		cmocka_unit_test(test_missing_required_keys),
		cmocka_unit_test(test_not_a_mapping),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_invalid_yaml),
		cmocka_unit_test(test_invalid_utf8_position),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_duplicated_front_matter),
		cmocka_unit_test(test_no_text),
		cmocka_unit_test(test_multiline_summary),
		cmocka_unit_test(test_unbalanced_bidi_controls_refused),
		cmocka_unit_test(test_balanced_controls_and_marks_accepted),
		cmocka_unit_test(test_site_loads_sorted_versions),
		cmocka_unit_test(test_texts_read_again),
		cmocka_unit_test(test_strdup_printf),
		cmocka_unit_test(test_site_errors),
		cmocka_unit_test(test_only_attachments_published),
		cmocka_unit_test(test_base_url),
		cmocka_unit_test(test_file_size_limit),
		cmocka_unit_test(test_locale_settings_validated),
		cmocka_unit_test(test_characters_xml_cannot_hold),
		cmocka_unit_test(test_effective_material_translates),
		cmocka_unit_test(test_null_and_boolean_are_not_text),
		cmocka_unit_test(test_front_matter_bounds),
		cmocka_unit_test(test_special_files_refused),
		cmocka_unit_test(test_symlink_outside_content),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
