/* Themes: a theme's templates and assets loaded, each template element's
 * directives planned once at load, and pages written from them (template.h).
 * Messages are template_messages.c's, page variables template_vars.c's. */
#include "template_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>

#include "dom.h"
#include "fsutil.h"
#include "html.h"
#include "l10n.h"

/* ---- theme --------------------------------------------------------------- */

/* Templates come from the theme's author, but the parser is still kept away
 * from the network and from external entities: a theme copied from elsewhere
 * must not be able to read local files into pages or fetch anything (XXE). */
/* Rendering threads only read the parsed templates, never change them. */
static const int template_parse_options = XML_PARSE_NONET | XML_PARSE_NOERROR |
                                          XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;

/* Keeps the parser's first error: later ones are usually consequences of it
 * ("premature end of data" after a tag left open). */
static void keep_first_error(void *user_data, xmlErrorPtr error)
{
	xmlParserCtxtPtr ctxt = user_data;
	xmlError *first = ctxt->_private;
	if (first && first->code == 0 && error->level >= XML_ERR_ERROR)
		xmlCopyError(error, first);
}

static xmlDocPtr parse_template(const char *path, pp_diags *d)
{
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		pp_error(d, path, 0, 0, "out of memory");
		return NULL;
	}
	xmlError first;
	memset(&first, 0, sizeof first);
	ctxt->_private = &first;
	ctxt->sax->serror = keep_first_error;
	xmlDocPtr doc = xmlCtxtReadFile(ctxt, path, "UTF-8", template_parse_options);
	if (!doc || !ctxt->wellFormed) {
		char *msg = first.message ? strdup(first.message) : NULL;
		if (msg) {
			size_t n = strlen(msg);
			while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
				msg[--n] = '\0';
		}
		pp_error(d, path, first.line, first.int2, "broken template: %s", msg ? msg : "cannot parse");
		free(msg);
		if (doc)
			xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlResetError(&first);
	xmlFreeParserCtxt(ctxt);
	return doc;
}

/* A theme publishes its own files only: a symbolic link in it that leads
 * elsewhere (to /etc/passwd as an "asset") is refused, as content's are. */
int pp_theme_refuse_outside(const pp_theme *theme, const char *path, pp_diags *d)
{
	char resolved[PATH_MAX];
	if (!realpath(path, resolved)) {
		pp_io_error(d, path, "cannot resolve path: %s", strerror(errno));
		return -1;
	}
	if (!pp_path_is_under(resolved, theme->real_dir)) {
		pp_error(d, path, 0, 0, "symbolic link leads outside the theme (to %s): a theme may use only its own files",
		         resolved);
		return -1;
	}
	return 0;
}

static int plan_template(xmlDocPtr doc);
static void free_plans(xmlDocPtr doc);

static int load_templates(pp_theme *theme, pp_diags *d)
{
	char **names;
	size_t count;
	if (pp_list_dir(theme->dir, &names, &count) != 0) {
		pp_error(d, theme->dir, 0, 0, "cannot open theme: %s", strerror(errno));
		return -1;
	}
	int rc = 0;
	theme->templates = calloc(count ? count : 1, sizeof *theme->templates);
	if (!theme->templates)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < count; i++) {
		size_t n = strlen(names[i]);
		if (n < 6 || strcmp(names[i] + n - 5, ".html") != 0)
			continue;
		template_file *t = &theme->templates[theme->template_count];
		t->path = pp_path_join(theme->dir, names[i]);
		t->name = strndup(names[i], n - 5);
		if (!t->path || !t->name) {
			free(t->path);
			free(t->name);
			rc = -1;
			break;
		}
		theme->template_count++;
		if (pp_theme_refuse_outside(theme, t->path, d) != 0 || !(t->doc = parse_template(t->path, d)))
			rc = -1;
		else if (plan_template(t->doc) != 0) {
			pp_error(d, t->path, 0, 0, "out of memory reading the template");
			rc = -1;
		}
	}
	pp_free_names(names, count);
	return rc;
}

static int load_assets(pp_theme *theme, pp_diags *d)
{
	char *dir = pp_path_join(theme->dir, "assets");
	struct stat st;
	if (!dir)
		return -1;
	if (stat(dir, &st) != 0) {
		free(dir);
		return 0; /* a theme without assets is fine */
	}
	int rc = 0;
	if (pp_list_dir(dir, &theme->assets, &theme->asset_count) != 0) {
		pp_error(d, dir, 0, 0, "cannot list theme assets: %s", strerror(errno));
		free(dir);
		return -1;
	}
	size_t kept = 0;
	for (size_t i = 0; i < theme->asset_count; i++) {
		char *path = pp_path_join(dir, theme->assets[i]);
		if (theme->assets[i][0] == '.') {
			free(theme->assets[i]); /* .DS_Store and the like are not the theme's */
		} else {
			if (!path || pp_theme_refuse_outside(theme, path, d) != 0)
				rc = -1;
			theme->assets[kept++] = theme->assets[i];
		}
		free(path);
	}
	theme->asset_count = kept;
	free(dir);
	return rc;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every id="…" of the templates (ids set from variables are the pages'
 * own business), walked without recursion. */
static int collect_page_ids(pp_theme *theme)
{
	size_t capacity = 0;
	for (size_t i = 0; i < theme->template_count; i++) {
		xmlNodePtr root = xmlDocGetRootElement(theme->templates[i].doc);
		for (xmlNodePtr n = root; n;) {
			xmlChar *id = n->type == XML_ELEMENT_NODE ? xmlGetProp(n, BAD_CAST "id") : NULL;
			if (id) {
				if (pp_grow(&theme->page_ids, &capacity, theme->page_id_count, sizeof *theme->page_ids, 8) != 0 ||
				    !(theme->page_ids[theme->page_id_count] = strdup((const char *)id))) {
					xmlFree(id);
					return -1;
				}
				theme->page_id_count++;
				xmlFree(id);
			}
			if (n->type == XML_ELEMENT_NODE && n->children) {
				n = n->children;
				continue;
			}
			while (n && !n->next && n != root)
				n = n->parent;
			n = n && n != root ? n->next : NULL;
		}
	}
	if (theme->page_id_count)
		qsort(theme->page_ids, theme->page_id_count, sizeof *theme->page_ids, compare_strings);
	size_t unique = 0;
	for (size_t i = 0; i < theme->page_id_count; i++) {
		if (unique && strcmp(theme->page_ids[unique - 1], theme->page_ids[i]) == 0)
			free(theme->page_ids[i]);
		else
			theme->page_ids[unique++] = theme->page_ids[i];
	}
	theme->page_id_count = unique;
	return 0;
}

const char *const *pp_theme_page_ids(const pp_theme *theme, size_t *count)
{
	*count = theme->page_id_count;
	return (const char *const *)theme->page_ids;
}

static const template_file *find_template(const pp_theme *theme, const char *name)
{
	for (size_t i = 0; i < theme->template_count; i++)
		if (strcmp(theme->templates[i].name, name) == 0)
			return &theme->templates[i];
	return NULL;
}

pp_theme *pp_theme_load(const char *dir, const char *default_locale, pp_diags *d)
{
	size_t errors_before = d->errors;
	pp_theme *theme = calloc(1, sizeof *theme);
	if (!theme || !(theme->dir = strdup(dir)) || !(theme->default_locale = strdup(default_locale))) {
		pp_error(d, dir, 0, 0, "out of memory");
		pp_theme_free(theme);
		return NULL;
	}
	char real[PATH_MAX];
	if (!realpath(dir, real) || !(theme->real_dir = strdup(real))) {
		pp_io_error(d, dir, "cannot open theme: %s", strerror(errno));
		pp_theme_free(theme);
		return NULL;
	}
	if (load_templates(theme, d) == 0) {
		pp_theme_load_catalogs(theme, d);
		load_assets(theme, d);
		if (!find_template(theme, "layout"))
			pp_error(d, dir, 0, 0, "theme has no layout.html");
		if (collect_page_ids(theme) != 0)
			pp_error(d, dir, 0, 0, "out of memory");
	}
	if (d->errors != errors_before) {
		pp_theme_free(theme);
		return NULL;
	}
	return theme;
}

void pp_theme_free(pp_theme *theme)
{
	if (!theme)
		return;
	for (size_t i = 0; i < theme->template_count; i++) {
		free(theme->templates[i].name);
		free(theme->templates[i].path);
		if (theme->templates[i].doc) {
			free_plans(theme->templates[i].doc);
			xmlFreeDoc(theme->templates[i].doc);
		}
	}
	free(theme->templates);
	pp_theme_free_catalogs(theme);
	pp_free_names(theme->assets, theme->asset_count);
	for (size_t i = 0; i < theme->page_id_count; i++)
		free(theme->page_ids[i]);
	free(theme->page_ids);
	free(theme->dir);
	free(theme->real_dir);
	free(theme->default_locale);
	free(theme);
}

size_t pp_theme_asset_count(const pp_theme *theme) { return theme->asset_count; }
const char *pp_theme_asset(const pp_theme *theme, size_t i) { return theme->assets[i]; }
const char *pp_theme_dir(const pp_theme *theme) { return theme->dir; }

/* ---- rendering ----------------------------------------------------------- */

/* Pages are written straight from the shared, read-only template documents:
 * nothing is copied, and the directives are read off each element as it is
 * written. */
typedef struct {
	const pp_theme *theme;
	const char *locale;
	const char *path;            /* template being written, for messages */
	const template_file *page;   /* what the layout's data-html="page" writes */
	pp_html_writer *out;
	pp_diags *d;
	int failed;
} render_state;

/* The directives of one template element (values borrowed from it). */
typedef struct {
	const xmlChar *each, *if_set, *unless_set, *text, *msg, *html;
	uint32_t each_hash, if_hash, unless_hash, text_hash, html_hash; /* of the variable names */
} directives;

/* One attribute of the element being written. */
typedef struct {
	const xmlNs *ns;
	const xmlChar *name;
	const xmlChar *value; /* NULL: an attribute without a value */
	const char *html;     /* the attribute as written, when fixed in the template, or NULL */
	size_t html_len;
} out_attribute;

#define MAX_ATTRIBUTES 64

static void render_error(render_state *rs, const xmlNode *el, const char *fmt, const char *name)
{
	pp_error(rs->d, rs->path, (int)xmlGetLineNo(el), 0, fmt, name);
	rs->failed = 1;
}

/* prefix: a string literal or char array, whose length is known here. */
#define has_prefix(name, prefix) (strncmp((const char *)(name), prefix, sizeof prefix - 1) == 0)

/* Sets name to value: in place of an attribute of that name, as a DOM
 * would, or added after the others. */
static int set_attribute(out_attribute *attrs, size_t *count, const xmlChar *name, const xmlChar *value)
{
	for (size_t i = 0; i < *count; i++)
		if (!attrs[i].ns && xmlStrEqual(attrs[i].name, name)) {
			attrs[i].value = value;
			attrs[i].html = NULL;
			return 0;
		}
	if (*count == MAX_ATTRIBUTES)
		return -1;
	attrs[(*count)++] = (out_attribute){NULL, name, value, NULL, 0};
	return 0;
}

/* What render_element reads off a template element, read once when the
 * theme loads and kept in the element's _private (templates are read
 * only from then on): its directives, the attributes it writes as they
 * are, and those it fills from variables and from messages, in order. */
typedef struct {
	directives dir;
	out_attribute attrs[MAX_ATTRIBUTES]; /* written as they are */
	size_t attr_count;
	struct fill {           /* data-attr- and data-msg-attr-, in order */
		const xmlChar *name;  /* the attribute written */
		const xmlChar *from;  /* the variable, or the message's key */
		uint32_t from_hash;   /* of a variable's name */
		int is_msg;
		int sets_lang;        /* a variable's text as the lang attribute */
	} *fills;
	size_t fill_count;
	xmlChar **owned;        /* values that were not one text node, copied */
	size_t owned_count;
	char *attrs_html;       /* the fixed attributes as written, one after another */
	int too_many;           /* more than MAX_ATTRIBUTES: an error when written */
	/* The tags as written, one after the other: the start tag, whole when
	 * nothing in it is filled (static_start), else its "<name"; then the
	 * end tag ("" for a void element). A page copies them. */
	char *tags;
	size_t start_len, end_len;
	int static_start;
	const xmlChar *fixed_lang; /* a lang attribute written as it is: the messages' language */
	int is_style;              /* data-text is written raw, as a style sheet */
} element_plan;

static void free_plan(element_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->owned_count; i++)
		xmlFree(plan->owned[i]);
	free(plan->owned);
	free(plan->fills);
	free(plan->attrs_html);
	free(plan->tags);
	free(plan);
}

/* -1 when out of memory. */
static int plan_element(xmlNodePtr el)
{
	static const char var_prefix[] = "data-attr-", msg_prefix[] = "data-msg-attr-";
	element_plan *plan = calloc(1, sizeof *plan);
	size_t attributes = 0;
	for (const xmlAttr *a = el->properties; a; a = a->next)
		attributes++;
	if (!plan || !(plan->owned = calloc(attributes + 1, sizeof *plan->owned)) ||
	    !(plan->fills = calloc(attributes + 1, sizeof *plan->fills))) {
		free_plan(plan);
		return -1;
	}
	size_t counted_owned = 0; /* values copied of the attributes written or directives, as the limit counts */
	for (const xmlAttr *a = el->properties; a; a = a->next) {
		if (plan->attr_count == MAX_ATTRIBUTES || counted_owned == MAX_ATTRIBUTES) {
			plan->too_many = 1;
			break;
		}
		const xmlChar **directive = NULL;
		int fill = 0, is_msg = 0;
		if (!a->ns && has_prefix(a->name, "data-")) {
			const char *name = (const char *)a->name + 5;
			directive = strcmp(name, "each") == 0     ? &plan->dir.each
			            : strcmp(name, "if") == 0     ? &plan->dir.if_set
			            : strcmp(name, "unless") == 0 ? &plan->dir.unless_set
			            : strcmp(name, "text") == 0   ? &plan->dir.text
			            : strcmp(name, "msg") == 0    ? &plan->dir.msg
			            : strcmp(name, "html") == 0   ? &plan->dir.html
			                                          : NULL;
			is_msg = !directive && has_prefix(a->name, msg_prefix);
			fill = !directive && (has_prefix(a->name, var_prefix) || is_msg);
		}
		const xmlChar *value;
		if (pp_dom_attribute_value(a, &value, &plan->owned[plan->owned_count]) != 0) {
			free_plan(plan);
			return -1;
		}
		if (plan->owned[plan->owned_count]) {
			plan->owned_count++;
			counted_owned += !fill;
		}
		if (fill) {
			const xmlChar *from = value ? value : BAD_CAST "";
			const xmlChar *name = a->name + (is_msg ? sizeof msg_prefix : sizeof var_prefix) - 1;
			int sets_lang = !is_msg && xmlStrEqual(name, BAD_CAST "lang");
			plan->fills[plan->fill_count++] =
			    (struct fill){name, from, pp_vars_name_hash((const char *)from), is_msg, sets_lang};
		} else if (directive) {
			*directive = value ? value : BAD_CAST "";
		} else {
			plan->attrs[plan->attr_count++] = (out_attribute){a->ns, a->name, value, NULL, 0};
			if (!a->ns && value && !plan->fixed_lang && xmlStrEqual(a->name, BAD_CAST "lang"))
				plan->fixed_lang = value;
		}
	}
	/* The attributes written as they are, written once now: a page copies
	 * them instead of checking and escaping each value again. Each one's
	 * end is kept in its html_len until the text is in place. */
	if (plan->attr_count) {
		pp_html_writer *w = pp_html_writer_new();
		for (size_t i = 0; w && i < plan->attr_count; i++) {
			const out_attribute *at = &plan->attrs[i];
			pp_html_attribute(w, el->name, at->ns, at->name, at->value);
			plan->attrs[i].html_len = pp_html_written_length(w);
		}
		size_t len;
		if (!w || pp_html_finish_fitted(w, &plan->attrs_html, &len) != 0) {
			free_plan(plan);
			return -1;
		}
		for (size_t i = 0, start = 0; i < plan->attr_count; i++) {
			size_t end = plan->attrs[i].html_len;
			plan->attrs[i].html = plan->attrs_html + start;
			plan->attrs[i].html_len = end - start;
			start = end;
		}
	}
	plan->static_start = !plan->too_many && plan->fill_count == 0 && !plan->dir.msg && !el->nsDef;
	plan->is_style = xmlStrEqual(el->name, BAD_CAST "style");
	pp_html_writer *w = pp_html_writer_new();
	if (w) {
		pp_html_start(w, el->ns, el->name);
		if (plan->static_start) {
			for (size_t i = 0; i < plan->attr_count; i++)
				pp_html_written(w, plan->attrs[i].html, plan->attrs[i].html_len);
			pp_html_start_end(w);
		}
		plan->start_len = pp_html_written_length(w);
		pp_html_end(w, el->ns, el->name);
		plan->end_len = pp_html_written_length(w) - plan->start_len;
	}
	size_t tags_len;
	if (!w || pp_html_finish_fitted(w, &plan->tags, &tags_len) != 0) {
		free_plan(plan);
		return -1;
	}
	directives *dir = &plan->dir;
	dir->each_hash = dir->each ? pp_vars_name_hash((const char *)dir->each) : 0;
	dir->if_hash = dir->if_set ? pp_vars_name_hash((const char *)dir->if_set) : 0;
	dir->unless_hash = dir->unless_set ? pp_vars_name_hash((const char *)dir->unless_set) : 0;
	dir->text_hash = dir->text ? pp_vars_name_hash((const char *)dir->text) : 0;
	dir->html_hash = dir->html ? pp_vars_name_hash((const char *)dir->html) : 0;
	el->_private = plan;
	return 0;
}

/* Every element of a template planned; walked without recursion. */
static int plan_template(xmlDocPtr doc)
{
	xmlNodePtr root = (xmlNodePtr)doc;
	for (xmlNodePtr n = root->children; n; n = pp_dom_next(n, root, 1))
		if (n->type == XML_ELEMENT_NODE && plan_element(n) != 0)
			return -1;
	return 0;
}

static void free_plans(xmlDocPtr doc)
{
	xmlNodePtr root = (xmlNodePtr)doc;
	for (xmlNodePtr n = root->children; n; n = pp_dom_next(n, root, 1))
		if (n->type == XML_ELEMENT_NODE) {
			free_plan(n->_private);
			n->_private = NULL;
		}
}

static void render_nodes(render_state *rs, const xmlNode *first, int only_first, pp_vars *vars,
                         const char *lang);

static void render_element(render_state *rs, const xmlNode *el, pp_vars *vars, const char *lang,
                           int repeated);

static void render_page_template(render_state *rs, pp_vars *vars)
{
	const template_file *page = rs->page;
	const char *layout_path = rs->path;
	rs->path = page->path;
	rs->page = NULL; /* a page template cannot contain itself */
	const xmlNode *root = xmlDocGetRootElement(page->doc);
	/* A page template whose root is <fragment> contributes its children.
	 * Its messages are in the page's locale unless it says otherwise. */
	if (xmlStrEqual(root->name, BAD_CAST "fragment"))
		render_nodes(rs, root->children, 0, vars, NULL);
	else
		render_nodes(rs, root, 1, vars, NULL);
	rs->page = page;
	rs->path = layout_path;
}

/* msg_text: the element's message, looked up before its attributes. */
static void render_content(render_state *rs, const xmlNode *el, const element_plan *plan, pp_vars *vars,
                           const char *lang, const char *msg_text)
{
	const directives *dir = &plan->dir;
	if (dir->text) {
		var *v = pp_vars_lookup(vars, (const char *)dir->text, dir->text_hash);
		if (!v)
			render_error(rs, el, "unknown template variable '%s'", (const char *)dir->text);
		else if (v->text && *v->text && plan->is_style)
			pp_html_raw_text(rs->out, v->text);
		else if (v->text && *v->text)
			pp_html_text(rs->out, v->text);
	} else if (dir->msg) {
		if (msg_text && *msg_text)
			pp_html_text(rs->out, msg_text);
	} else if (dir->html) {
		var *v = pp_vars_lookup(vars, (const char *)dir->html, dir->html_hash);
		if (!v)
			render_error(rs, el, "unknown template variable '%s'", (const char *)dir->html);
		else if (v->is_page && rs->page)
			render_page_template(rs, vars);
		else if (v->nodes) /* content, never template: written as it is */
			for (xmlNodePtr n = v->nodes->children; n; n = n->next)
				pp_html_node(rs->out, n);
	} else {
		render_nodes(rs, el->children, 0, vars, lang);
	}
}

/* Writes el's start tag but its closing ">", filled from vars and the
 * theme's messages; *lang becomes the language a lang attribute gives its
 * content, *msg_text its message (looked up before its attributes). */
static void write_filled_start(render_state *rs, const xmlNode *el, const element_plan *plan, pp_vars *vars,
                               const char **lang, const char **msg_text)
{
	out_attribute attrs[MAX_ATTRIBUTES];
	size_t attr_count = plan->attr_count;
	memcpy(attrs, plan->attrs, attr_count * sizeof *attrs);
	/* Variables first: a lang set from a variable decides the messages'
	 * language. */
	const xmlChar *attribute_lang = plan->fixed_lang;
	for (const struct fill *f = plan->fills; f < plan->fills + plan->fill_count; f++) {
		if (f->is_msg)
			continue;
		var *v = pp_vars_lookup(vars, (const char *)f->from, f->from_hash);
		if (!v)
			render_error(rs, el, "unknown template variable '%s'", (const char *)f->from);
		else if (v->text && set_attribute(attrs, &attr_count, f->name, BAD_CAST v->text) != 0)
			render_error(rs, el, "more than %s attributes on one element", "64");
		else if (v->text && f->sets_lang)
			attribute_lang = BAD_CAST v->text;
	}
	if (attribute_lang)
		*lang = (const char *)attribute_lang;
	for (const struct fill *f = plan->fills; f < plan->fills + plan->fill_count; f++) {
		if (!f->is_msg)
			continue;
		const char *text = pp_theme_message(rs->theme, *lang ? *lang : rs->locale, (const char *)f->from, rs->d);
		if (text && set_attribute(attrs, &attr_count, f->name, BAD_CAST text) != 0)
			render_error(rs, el, "more than %s attributes on one element", "64");
	}

	/* A message the theme has only in another locale's words says which
	 * language it is in: a screen reader would read it in the page's. */
	if (plan->dir.msg) {
		const char *asked = *lang ? *lang : rs->locale, *other = NULL;
		*msg_text = pp_theme_message_from(rs->theme, asked, (const char *)plan->dir.msg, rs->d, &other);
		int other_rtl = other ? pp_locale_is_rtl(other) : 0;
		if (*msg_text && **msg_text && other &&
		    (set_attribute(attrs, &attr_count, BAD_CAST "lang", BAD_CAST other) != 0 ||
		     (other_rtl != pp_locale_is_rtl(asked) &&
		      set_attribute(attrs, &attr_count, BAD_CAST "dir", BAD_CAST(other_rtl ? "rtl" : "ltr")) != 0)))
			render_error(rs, el, "more than %s attributes on one element", "64");
	}

	pp_html_written(rs->out, plan->tags, plan->start_len);
	for (const xmlNs *ns = el->nsDef; ns; ns = ns->next) {
		xmlChar *name = xmlStrdup(BAD_CAST(ns->prefix ? "xmlns:" : "xmlns"));
		name = ns->prefix ? xmlStrcat(name, ns->prefix) : name;
		if (name)
			pp_html_attribute(rs->out, el->name, NULL, name, ns->href);
		xmlFree(name);
	}
	for (size_t i = 0; i < attr_count; i++)
		if (attrs[i].html)
			pp_html_written(rs->out, attrs[i].html, attrs[i].html_len);
		else
			pp_html_attribute(rs->out, el->name, attrs[i].ns, attrs[i].name, attrs[i].value);
}

static void render_element(render_state *rs, const xmlNode *el, pp_vars *vars, const char *lang,
                           int repeated)
{
	const element_plan *plan = el->_private;
	if (plan->too_many) {
		render_error(rs, el, "more than %s attributes on one element", "64");
		return;
	}
	const directives *dir = &plan->dir;
	/* data-each first, so data-if on the same element is decided per item. */
	if (dir->each && !repeated) {
		var *list = pp_vars_lookup(vars, (const char *)dir->each, dir->each_hash);
		if (list && !list->is_list && (list->text || list->nodes))
			render_error(rs, el, "template variable '%s' is not a list", (const char *)dir->each);
		for (size_t i = 0; list && list->is_list && i < list->item_count; i++)
			render_element(rs, el, list->items[i], lang, 1);
		return;
	}
	if (dir->if_set && !pp_var_is_set(pp_vars_lookup(vars, (const char *)dir->if_set, dir->if_hash)))
		return;
	if (dir->unless_set && pp_var_is_set(pp_vars_lookup(vars, (const char *)dir->unless_set, dir->unless_hash)))
		return;

	const char *msg_text = NULL;
	if (plan->static_start) {
		if (plan->fixed_lang)
			lang = (const char *)plan->fixed_lang;
		pp_html_written(rs->out, plan->tags, plan->start_len);
	} else {
		write_filled_start(rs, el, plan, vars, &lang, &msg_text);
		pp_html_start_end(rs->out);
	}
	render_content(rs, el, plan, vars, lang, msg_text);
	pp_html_written(rs->out, plan->tags + plan->start_len, plan->end_len);
}

static void render_nodes(render_state *rs, const xmlNode *first, int only_first, pp_vars *vars,
                         const char *lang)
{
	for (const xmlNode *n = first; n; n = only_first ? NULL : n->next) {
		if (n->type == XML_ELEMENT_NODE)
			render_element(rs, n, vars, lang, 0);
		else if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE || n->type == XML_COMMENT_NODE)
			pp_html_node(rs->out, (xmlNodePtr)n);
	}
}

int pp_theme_render(const pp_theme *theme, const char *kind, const char *locale, pp_vars *vars,
                    char **html, size_t *len, pp_diags *d)
{
	*html = NULL;
	*len = 0;
	const template_file *layout = find_template(theme, "layout");
	const template_file *page = find_template(theme, kind);
	if (!page) {
		pp_error(d, theme->dir, 0, 0, "theme has no template %s.html", kind);
		return -1;
	}
	pp_vars *scope = pp_vars_new();
	var *page_var = scope ? pp_vars_own(scope, "page") : NULL;
	pp_html_writer *out = pp_html_writer_new();
	if (!page_var || !out || !xmlDocGetRootElement(page->doc)) {
		pp_html_writer_free(out);
		pp_vars_free(scope);
		pp_error(d, theme->dir, 0, 0, "out of memory rendering %s", kind);
		return -1;
	}
	page_var->is_page = 1;
	scope->parent = vars;
	render_state rs = {theme, locale, layout->path, page, out, d, 0};
	int has_doctype = 0;
	for (const xmlNode *n = layout->doc->children; n; n = n->next)
		has_doctype |= n->type == XML_DTD_NODE;
	if (!has_doctype)
		pp_html_doctype(out);
	for (const xmlNode *n = layout->doc->children; n; n = n->next) {
		if (n->type == XML_DTD_NODE) {
			pp_html_doctype(out);
			continue;
		}
		render_nodes(&rs, n, 1, scope, NULL);
		pp_html_newline(out);
	}
	pp_vars_free(scope);
	if (rs.failed) {
		pp_html_writer_free(out);
		return -1;
	}
	if (pp_html_finish(out, html, len) != 0) {
		pp_error(d, theme->dir, 0, 0, "out of memory rendering %s", kind);
		return -1;
	}
	return 0;
}
