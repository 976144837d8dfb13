/* HTML serialization: the same markup as libxml2's own HTML serializer
 * where that one is right, escaped attribute values where it is not, and no
 * recursion on deep documents. Attributes read in place as xmlGetProp reads
 * them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <malloc.h>

#include <libxml/HTMLtree.h>
#include <libxml/parser.h>
#include <libxml/uri.h>

#include "dom.h"
#include "html.h"
#include "testutil.h"

static xmlDocPtr parse(const char *markup)
{
	xmlDocPtr doc = xmlReadMemory(markup, (int)strlen(markup), NULL, "UTF-8", XML_PARSE_NONET | XML_PARSE_NODICT);
	assert_non_null(doc);
	return doc;
}

static char *serialize(xmlDocPtr doc)
{
	char *html = NULL;
	size_t len = 0;
	assert_int_equal(pp_html_serialize(doc, &html, &len), 0);
	assert_non_null(html);
	assert_int_equal(strlen(html), len);
	return html;
}

static char *libxml2_serialize(xmlDocPtr doc)
{
	xmlOutputBufferPtr buf = xmlAllocOutputBuffer(NULL);
	assert_non_null(buf);
	if (!doc->encoding)
		doc->encoding = xmlStrdup(BAD_CAST "UTF-8");
	htmlDocContentDumpFormatOutput(buf, doc, "UTF-8", 0);
	xmlOutputBufferFlush(buf);
	char *copy = strndup((const char *)xmlOutputBufferGetContent(buf), xmlOutputBufferGetSize(buf));
	xmlOutputBufferClose(buf);
	return copy;
}

/* Pages as the themes make them: libxml2's HTML serializer writes these
 * right, and the output must not change by a byte. (It drops the end tag
 * of an empty <li> or <option>, and a page without a DOCTYPE gets none,
 * which puts browsers in quirks mode; here the first is written whole and
 * the second gets <!DOCTYPE html>, as test_void_and_empty_elements shows.) */
static void test_same_as_libxml2_on_pages(void **state)
{
	(void)state;
	const char *pages[] = {
	    "<!DOCTYPE html>\n<html lang=\"ar\" dir=\"rtl\"><head><meta charset=\"utf-8\"/>"
	    "<title>سياسة الخصوصية</title><link rel=\"stylesheet\" href=\"../assets/style.css\"/></head>\n"
	    "<body><main><h1 id=\"intro\">مقدمة</h1><p>نص <span dir=\"ltr\">C++</span> و<a "
	    "href=\"mailto:privacy@malachite.example\">privacy@malachite.example</a>.</p>"
	    "<hr/><p>line<br/>break <img src=\"a b.png\" alt=\"\"/></p><ul><li>one</li></ul>"
	    "<table><tr><td>x</td><td/></tr></table><div></div></main></body></html>\n",
	    "<!DOCTYPE html><html><body><p>a &lt; b &amp;&amp; c &gt; d</p><!-- a comment --><p>«quoted» \"text\"</p>"
	    "<a href=\"#مقدمة\">fragment</a><a href=\"https://example.com/a path?q=ü\">url</a>"
	    "<script>if (a &lt; b &amp;&amp; c) x();</script><style>p > a { color: red }</style>"
	    "<details open=\"\"><summary>s</summary><p>p</p></details></body></html>",
	    "<!DOCTYPE html><html><head><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/></head>"
	    "<body>\n  <p>white\n  space</p>\n</body></html>",
	};
	for (size_t i = 0; i < sizeof pages / sizeof *pages; i++) {
		xmlDocPtr doc = parse(pages[i]);
		char *ours = serialize(doc), *theirs = libxml2_serialize(doc);
		assert_string_equal(ours, theirs);
		free(ours);
		free(theirs);
		xmlFreeDoc(doc);
	}
}

static void test_void_and_empty_elements(void **state)
{
	(void)state;
	xmlDocPtr doc = parse("<html><body><br/><p/><script src=\"x.js\"/><img src=\"a.png\"/><textarea/><ul><li/></ul></body></html>");
	char *html = serialize(doc);
	assert_string_equal(html, "<!DOCTYPE html>\n<html><body><br><p></p><script src=\"x.js\"></script>"
	                          "<img src=\"a.png\"><textarea></textarea><ul><li></li></ul></body></html>\n");
	free(html);
	xmlFreeDoc(doc);
	/* Style text that would close its element is escaped, not written as markup. */
	doc = parse("<html><head><style>p { } &lt;/style&gt;&lt;script&gt;x()&lt;/script&gt;</style></head></html>");
	html = serialize(doc);
	assert_null(strstr(html, "<script>"));
	assert_non_null(strstr(html, "<style>p { } &lt;/style&gt;&lt;script&gt;x()&lt;/script&gt;</style>"));
	free(html);
	xmlFreeDoc(doc);
	/* The void elements of the HTML standard, and names that share their
	 * first letters or lengths: only the first go without an end tag. */
	static const char *const void_elements[] = {"area", "base", "br", "col", "embed", "hr", "img",
	                                            "input", "link", "meta", "source", "track", "wbr"};
	static const char *const others[] = {"a", "abbr", "b", "bdi", "body", "brr", "c", "code", "colgroup",
	                                     "e", "em", "h1", "h6", "head", "i", "iframe", "ins", "img2", "l",
	                                     "li", "label", "m", "main", "mark", "s", "span", "section",
	                                     "sourc", "t", "td", "time", "tracks", "w", "wb", "p", "x-area"};
	for (size_t k = 0; k < sizeof void_elements / sizeof *void_elements + sizeof others / sizeof *others; k++) {
		int is_void = k < sizeof void_elements / sizeof *void_elements;
		const char *name = is_void ? void_elements[k] : others[k - sizeof void_elements / sizeof *void_elements];
		char markup[64], expected[96];
		snprintf(markup, sizeof markup, "<html><body><%s/></body></html>", name);
		snprintf(expected, sizeof expected, "<body><%s>%s%s%s</body>", name, is_void ? "" : "</",
		         is_void ? "" : name, is_void ? "" : ">");
		doc = parse(markup);
		html = serialize(doc);
		if (!strstr(html, expected))
			fail_msg("<%s/> is written %s, not %s", name, html, expected);
		free(html);
		xmlFreeDoc(doc);
	}
}

/* Where libxml2's serializer writes & and < in attribute values as they
 * are, these are escaped; a value with a quote stays in double quotes. */
static void test_attribute_values_escaped(void **state)
{
	(void)state;
	xmlDocPtr doc = parse("<html><body><p title=\"a &quot;b&quot; &amp; &lt;c&gt;\">x</p>"
	                      "<a href=\"?a=1&amp;b=2\">q</a></body></html>");
	xmlNodePtr body = xmlDocGetRootElement(doc)->children;
	xmlNewProp(body, BAD_CAST "hidden", NULL);
	char *html = serialize(doc);
	assert_non_null(strstr(html, "<p title=\"a &quot;b&quot; &amp; &lt;c&gt;\">x</p>"));
	assert_non_null(strstr(html, "<a href=\"?a=1&amp;b=2\">q</a>"));
	assert_non_null(strstr(html, "<body hidden>"));
	free(html);
	/* What is written parses back to the same values. */
	html = serialize(doc);
	htmlDocPtr back = htmlReadMemory(html, (int)strlen(html), NULL, "UTF-8", HTML_PARSE_NONET);
	assert_non_null(back);
	xmlNodePtr p = xmlDocGetRootElement(back)->children->children;
	while (p && xmlStrcmp(p->name, BAD_CAST "p") != 0)
		p = p->next;
	assert_non_null(p);
	xmlChar *title = xmlGetProp(p, BAD_CAST "title");
	assert_string_equal((const char *)title, "a \"b\" & <c>");
	xmlFree(title);
	xmlFreeDoc(back);
	free(html);
	xmlFreeDoc(doc);
}

static void test_url_attributes_percent_encoded(void **state)
{
	(void)state;
	xmlDocPtr doc = parse("<html><body><a href=\"  /ar/سياسة الخصوصية/#فقرة\">x</a>"
	                      "<a title=\"سياسة الخصوصية\" href=\"https://example.com/?q=1&amp;r=2#top\">y</a></body></html>");
	char *html = serialize(doc);
	assert_non_null(strstr(html, "<a href=\"/ar/%D8%B3%D9%8A%D8%A7%D8%B3%D8%A9%20%D8%A7%D9%84%D8%AE%D8%B5%D9%88%D8%B5"
	                             "%D9%8A%D8%A9/#%D9%81%D9%82%D8%B1%D8%A9\">x</a>"));
	/* Only URL attributes: a title keeps its text. */
	assert_non_null(strstr(html, "<a title=\"سياسة الخصوصية\" href=\"https://example.com/?q=1&amp;r=2#top\">y</a>"));
	free(html);
	xmlFreeDoc(doc);
	/* Each URL attribute (src, action, an anchor's name) as libxml2's HTML
	 * serializer has them, and names like them left as they are. */
	doc = parse("<html><body><img src=\"ص ورة.png\" alt=\"ص ورة\"/><form action=\"/ب حث\"/>"
	            "<a name=\"م ن\">z</a><input name=\"م ن\"/><a hreflang=\"ع ر\" srcset=\"ص 1x\">w</a></body></html>");
	html = serialize(doc);
	assert_non_null(strstr(html, "<img src=\"%D8%B5%20%D9%88%D8%B1%D8%A9.png\" alt=\"ص ورة\">"));
	assert_non_null(strstr(html, "<form action=\"/%D8%A8%20%D8%AD%D8%AB\"></form>"));
	assert_non_null(strstr(html, "<a name=\"%D9%85%20%D9%86\">z</a><input name=\"م ن\">"));
	assert_non_null(strstr(html, "<a hreflang=\"ع ر\" srcset=\"ص 1x\">w</a>"));
	free(html);
	xmlFreeDoc(doc);
}

/* The writer leaves a URL to xmlURIEscapeStr only when its own table says
 * it holds a character to escape: a character the table passed that
 * xmlURIEscapeStr escapes would be written raw. Each byte value from 1 to
 * 255, alone, at either end and in the middle of a URL, is written as the
 * value escaped by xmlURIEscapeStr every time would be. */
static void test_url_escaping_decided_per_byte(void **state)
{
	(void)state;
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr a = xmlNewDocNode(doc, NULL, BAD_CAST "a", NULL);
	xmlDocSetRootElement(doc, a);
	xmlBufferPtr attribute = xmlBufferCreate();
	assert_non_null(attribute);
	for (int byte = 1; byte < 256; byte++) {
		for (int place = 0; place < 4; place++) {
			static const char *const shapes[] = {"%c", "x%c", "%cy", "x/%c?y=1"};
			/* Leading white space is trimmed before a URL is written. */
			if ((place == 0 || place == 2) && (byte == ' ' || byte == '\t' || byte == '\n' || byte == '\r'))
				continue;
			char url[16];
			snprintf(url, sizeof url, shapes[place], byte);
			xmlSetProp(a, BAD_CAST "href", BAD_CAST url);
			char *html = serialize(doc);
			xmlChar *escaped = xmlURIEscapeStr(BAD_CAST url, BAD_CAST "@/:=?;#%&,+<>");
			assert_non_null(escaped);
			xmlBufferEmpty(attribute);
			xmlAttrSerializeTxtContent(attribute, doc, NULL, escaped);
			char expected[128];
			snprintf(expected, sizeof expected, "<a href=\"%s\"></a>", (const char *)xmlBufferContent(attribute));
			if (!strstr(html, expected))
				fail_msg("byte %d in %s is written %s, not %s", byte, shapes[place], html, expected);
			xmlFree(escaped);
			free(html);
		}
	}
	xmlBufferFree(attribute);
	xmlFreeDoc(doc);
}

/* A document nested far deeper than any stack allows recursion for. */
static void test_deep_document(void **state)
{
	(void)state;
	enum { DEPTH = 200000 };
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr el = xmlNewDocNode(doc, NULL, BAD_CAST "div", NULL);
	xmlDocSetRootElement(doc, el);
	for (int i = 0; i < DEPTH; i++)
		el = xmlNewChild(el, NULL, BAD_CAST "b", NULL);
	xmlAddChild(el, xmlNewDocText(doc, BAD_CAST "<deep>"));
	char *html = serialize(doc);
	assert_int_equal(tu_count_occurrences(html, "<b>"), DEPTH);
	assert_int_equal(tu_count_occurrences(html, "</b>"), DEPTH);
	assert_non_null(strstr(html, "<b>&lt;deep&gt;</b>"));
	free(html);
	xmlFreeDoc(doc);
}

/* pp_dom_attribute against xmlGetProp on every shape an attribute takes:
 * one text, empty, without children, put together from several nodes, in
 * a namespace, named twice (the first wins), and missing. */
/* What a theme keeps (pp_html_finish_fitted) is what was written, in a block
 * of about its size, not in the 64 KiB a page's writer starts with: kept
 * pieces a page reads one after another would lie that far apart. */
static void test_fitted_finish_keeps_the_bytes_in_their_size(void **state)
{
	(void)state;
	static const char *const names[] = {"p", "a", "section"};
	for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
		char *kept[2];
		size_t len[2];
		for (int fitted = 0; fitted < 2; fitted++) {
			pp_html_writer *w = pp_html_writer_new();
			assert_non_null(w);
			pp_html_start(w, NULL, BAD_CAST names[k]);
			pp_html_attribute(w, BAD_CAST names[k], NULL, BAD_CAST "title", BAD_CAST "a \"quoted\" <title>");
			pp_html_start_end(w);
			pp_html_end(w, NULL, BAD_CAST names[k]);
			assert_int_equal((fitted ? pp_html_finish_fitted : pp_html_finish)(w, &kept[fitted], &len[fitted]), 0);
		}
		assert_int_equal(len[1], len[0]);
		assert_string_equal(kept[1], kept[0]);
		assert_true(malloc_usable_size(kept[1]) < 256);
		free(kept[0]);
		free(kept[1]);
	}
	char *out = (char *)1;
	size_t len = 1;
	assert_int_equal(pp_html_finish_fitted(NULL, &out, &len), -1);
	assert_null(out);
	assert_int_equal(len, 0);
}

static void test_attributes_read_as_xmlgetprop(void **state)
{
	(void)state;
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr el = xmlNewDocNode(doc, NULL, BAD_CAST "p", NULL);
	assert_non_null(el);
	xmlDocSetRootElement(doc, el);
	assert_non_null(xmlNewProp(el, BAD_CAST "class", BAD_CAST "diff-mark moved"));
	assert_non_null(xmlNewProp(el, BAD_CAST "empty", BAD_CAST ""));
	assert_non_null(xmlNewProp(el, BAD_CAST "bare", NULL));
	xmlAttrPtr pieces = xmlNewProp(el, BAD_CAST "pieces", BAD_CAST "one ");
	assert_non_null(pieces);
	xmlNodePtr more = xmlNewDocText(doc, BAD_CAST "two");
	assert_non_null(more);
	pieces->children->next = more; /* two text nodes, as a merge can leave them */
	more->prev = pieces->children;
	more->parent = (xmlNodePtr)pieces;
	pieces->last = more;
	xmlNsPtr ns = xmlNewNs(el, BAD_CAST "urn:x", BAD_CAST "x");
	assert_non_null(xmlNewNsProp(el, ns, BAD_CAST "spaced", BAD_CAST "in a namespace"));
	assert_non_null(xmlNewProp(el, BAD_CAST "twice", BAD_CAST "first"));
	assert_non_null(xmlNewProp(el, BAD_CAST "twice", BAD_CAST "second")); /* appended all the same */
	const char *names[] = {"class", "empty", "bare", "pieces", "spaced", "twice", "missing"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		xmlChar *expected = xmlGetProp(el, BAD_CAST names[i]);
		xmlChar *owned;
		const xmlChar *value = pp_dom_attribute(el, names[i], &owned);
		if (!expected) {
			assert_null(value);
		} else {
			assert_non_null(value);
			assert_string_equal((const char *)value, (const char *)expected);
		}
		if (strcmp(names[i], "twice") == 0)
			assert_string_equal((const char *)value, "first");
		/* Copied only when put together. */
		if (strcmp(names[i], "pieces") == 0)
			assert_non_null(owned);
		else
			assert_null(owned);
		xmlFree(owned);
		xmlFree(expected);
	}
	xmlFreeDoc(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_as_libxml2_on_pages),
	    cmocka_unit_test(test_void_and_empty_elements),
	    cmocka_unit_test(test_attribute_values_escaped),
	    cmocka_unit_test(test_url_attributes_percent_encoded),
	    cmocka_unit_test(test_url_escaping_decided_per_byte),
	    cmocka_unit_test(test_deep_document),
	    cmocka_unit_test(test_attributes_read_as_xmlgetprop),
	    cmocka_unit_test(test_fitted_finish_keeps_the_bytes_in_their_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
