/* Helpers shared by the tests: temporary directories, running the real
 * policypress binary, reading its output, and querying HTML with XPath. */
#ifndef PP_TESTUTIL_H
#define PP_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

/* Paths handed over by meson (environment of the test). */
const char *tu_binary(void);       /* the policypress executable */
const char *tu_source_root(void);  /* the source tree */

/* A new empty directory under TMPDIR; free() the result. */
char *tu_tempdir(void);
void tu_remove(const char *path);

/* Runs argv; captures stdout and stderr (each may be NULL) as malloc'ed
 * strings. Returns the exit status, or -1 if it could not run. */
int tu_run(char *const argv[], char **out, char **err);

/* Copies a directory tree (cp -a). */
int tu_copy_tree(const char *from, const char *to);

char *tu_read(const char *path, size_t *len);
int tu_write(const char *path, const char *text);
char *tu_join(const char *a, const char *b);

/* Occurrences of needle in haystack (overlaps not counted), in one pass:
 * a loop of strstr calls is quadratic under AddressSanitizer, whose
 * interceptor measures the whole rest of the haystack on every call. */
size_t tu_count_occurrences(const char *haystack, const char *needle);

/* The next number of a splitmix64 sequence kept in *state: small, seedable
 * and the same everywhere, so a property test's cases repeat. */
uint64_t tu_random(uint64_t *state);

/* Hash of every file under a directory (names and contents), to compare
 * whole trees byte for byte. */
char *tu_tree_digest(const char *dir);

/* A scratch directory holding a copy of the bundled content and the site
 * built from it, shared by the tests of one file (cmocka group fixture). */
typedef struct {
	char *tmp;     /* scratch directory, removed at teardown */
	char *content; /* copy of the bundled content */
	char *out;     /* the site built from it */
} tu_site;

int tu_site_setup(void **state);
/* The same with only the bundled content's first two versions in each
 * locale (2023-03-14 and 2024-09-01): for tests of rules that add versions
 * of their own and assert every message, whatever the bundled content
 * publishes later. */
int tu_site_setup_first_two(void **state);
int tu_site_teardown(void **state);

/* The reference date of the tests' builds: the bundled content's version of
 * 2026-11-16 takes effect on 2026-12-16, so on this date it is upcoming and
 * the editorial version of 2025-03-02 is in force, whatever today is. */
#define TU_AS_OF "2026-12-01"

/* policypress build --content content --out out --as-of TU_AS_OF -q;
 * stderr in *err (may be NULL). */
int tu_build(const char *content, const char *out, char **err);

/* HTML page parsed with libxml2's HTML parser. */
htmlDocPtr tu_parse_html(const char *path);
htmlDocPtr tu_parse_html_string(const char *html);
/* Number of nodes matching an XPath expression. */
int tu_count(htmlDocPtr doc, const char *xpath);
/* String value of an XPath expression (e.g. "string(//html/@dir)"); free(). */
char *tu_string(htmlDocPtr doc, const char *xpath);

/* text with the first occurrence of what (which must be there) replaced
 * by with; malloc'ed. */
char *tu_replaced(const char *text, const char *what, const char *with);

#endif
