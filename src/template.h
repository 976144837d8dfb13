/* Themes: HTML templates parsed with libxml2, filled as pages are written.
 *
 * A theme directory holds:
 *     layout.html            the whole page; its data-html="page" element receives the page body
 *     <kind>.html            one per page kind (policy, history, home, locale)
 *     messages/<locale>.yaml the theme's fixed strings per locale (flat key: text)
 *     assets/                files copied to the site as they are (stylesheets, fonts)
 * Templates are well-formed XHTML-style markup without a namespace, parsed by
 * libxml2's XML parser with network access and entity loading off.
 *
 * Filling is driven by attributes, all removed from the output:
 *     data-if="v" / data-unless="v"  keep the element only if v is set (non-empty) / unset
 *     data-each="list"              repeat the element once per item of list
 *     data-text="v"                 replace the content with the text of v
 *     data-msg="key"                replace the content with the message key
 *     data-html="v"                 replace the content with the nodes of v
 *     data-attr-NAME="v"            set attribute NAME to the text of v (dropped when v is unset)
 *     data-msg-attr-NAME="key"      set attribute NAME to a message
 * Values are only ever written as text or attribute values, escaped by
 * libxml2 (html.h): nothing inserted can become markup.
 *
 * Ownership: a pp_theme is read-only after loading and may be shared by
 * rendering threads. pp_vars is per page; it owns what is put into it.
 */
#ifndef PP_TEMPLATE_H
#define PP_TEMPLATE_H

#include <stddef.h>

#include <libxml/tree.h>

#include "diag.h"

typedef struct pp_theme pp_theme;
typedef struct pp_vars pp_vars;
/* Opened ICU message formatters, for one thread: a formatter is costly to
 * open and not safe to share. */
typedef struct pp_format_cache pp_format_cache;

pp_theme *pp_theme_load(const char *dir, const char *default_locale, pp_diags *d);
void pp_theme_free(pp_theme *theme);

/* Files under the theme's assets/ directory, relative to it, sorted. */
size_t pp_theme_asset_count(const pp_theme *theme);
const char *pp_theme_asset(const pp_theme *theme, size_t i);
const char *pp_theme_dir(const pp_theme *theme);

/* The ids the theme's templates give elements ("main"), which a policy's
 * text may not take; *count of them. Owned by the theme. */
const char *const *pp_theme_page_ids(const pp_theme *theme, size_t *count);

/* The message for key in locale, falling back to the locale's language and
 * then to the default locale (with a warning in d naming the key). NULL, and
 * an error, when no catalog has it. */
const char *pp_theme_message(const pp_theme *theme, const char *locale, const char *key, pp_diags *d);

/* The same; *other_locale is set to the default locale when the text is
 * that locale's, not of locale's language (a reader's page must then say
 * which language it is in), else to NULL. */
const char *pp_theme_message_from(const pp_theme *theme, const char *locale, const char *key, pp_diags *d,
                                  const char **other_locale);

/* Formats the message key, an ICU MessageFormat pattern with one numeric
 * argument {0} (usually a plural: "{0, plural, one {# word} other {# words}}"),
 * for count in locale, with the locale's digits and plural rules. NULL after
 * an error in d. The result is malloc'ed. cache, owned by the calling thread,
 * may be NULL. */
char *pp_theme_format_count(const pp_theme *theme, pp_format_cache *cache, const char *locale,
                            const char *key, double count, pp_diags *d);

/* Formats the message key, an ICU MessageFormat pattern with one text
 * argument {0} (e.g. a date already written in the locale's calendar). */
char *pp_theme_format_text(const pp_theme *theme, pp_format_cache *cache, const char *locale,
                           const char *key, const char *arg, pp_diags *d);

/* The same with two text arguments, {0} and {1} ("What changed from {0} to
 * {1}"). */
char *pp_theme_format_texts(const pp_theme *theme, pp_format_cache *cache, const char *locale, const char *key,
                            const char *arg0, const char *arg1, pp_diags *d);

pp_format_cache *pp_format_cache_new(void);
void pp_format_cache_free(pp_format_cache *cache);

/* Renders page kind (a template file name without .html) inside the layout
 * as HTML (see html.h) into *html (malloc'ed, NUL-terminated, *len bytes).
 * Returns 0, or -1 after reporting errors in d. Pages are written straight
 * from the templates, which are only read: threads may render at once. */
int pp_theme_render(const pp_theme *theme, const char *kind, const char *locale, pp_vars *vars,
                    char **html, size_t *len, pp_diags *d);

pp_vars *pp_vars_new(void);
void pp_vars_free(pp_vars *vars);
/* Copies text; NULL leaves the variable unset (false for data-if). */
int pp_vars_set(pp_vars *vars, const char *name, const char *text);
/* The same, taking text (malloc'ed; freed here also when this fails). */
int pp_vars_take(pp_vars *vars, const char *name, char *text);
/* Takes ownership of container (an element in any document, or none) whose
 * children are the value, written by data-html as they are. */
int pp_vars_set_nodes(pp_vars *vars, const char *name, xmlNodePtr container);
/* The same without taking ownership: container must outlive vars. Pages
 * only read it, so threads may share it. */
int pp_vars_borrow_nodes(pp_vars *vars, const char *name, xmlNodePtr container);
/* Appends a new item to list name and returns it (owned by vars); lookups
 * in an item fall back to the variables around it. */
pp_vars *pp_vars_add_item(pp_vars *vars, const char *list);

#endif
