#include "template.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>

#include <unicode/uloc.h>
#include <unicode/umsg.h>

#include "fsutil.h"
#include "dom.h"
#include "html.h"
#include "l10n.h"
#include "yamlmap.h"

/* ---- variables ----------------------------------------------------------- */

typedef struct {
	char *name;
	uint32_t name_hash;  /* compared before the names: pages look up thousands */
	char *text;          /* text value, or NULL */
	xmlNodePtr nodes;    /* container whose children are the value, or NULL */
	int borrowed;        /* nodes belong to the caller: never freed here */
	pp_vars **items;     /* list value */
	size_t item_count, item_capacity;
	int is_list;
	int is_page;         /* the layout's page: the page template, written in place */
} var;

struct pp_vars {
	pp_vars *parent;
	var *vars;
	size_t count, capacity;
	/* Past a few variables, an open-addressed index by name hash (entries
	 * are positions in vars plus one; 0 is empty): a page sets and reads
	 * dozens. */
	uint32_t *slots;
	size_t slot_count;
};

pp_vars *pp_vars_new(void) { return calloc(1, sizeof(pp_vars)); }

void pp_vars_free(pp_vars *vars)
{
	if (!vars)
		return;
	for (size_t i = 0; i < vars->count; i++) {
		var *v = &vars->vars[i];
		free(v->name);
		free(v->text);
		if (v->nodes && !v->borrowed)
			xmlFreeNode(v->nodes);
		for (size_t j = 0; j < v->item_count; j++)
			pp_vars_free(v->items[j]);
		free(v->items);
	}
	free(vars->vars);
	free(vars->slots);
	free(vars);
}

static uint32_t name_hash(const char *name)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

#define VARS_SCANNED 8

static var *find_own(pp_vars *vars, const char *name, uint32_t hash)
{
	if (!vars->slots) {
		for (size_t i = 0; i < vars->count; i++)
			if (vars->vars[i].name_hash == hash && strcmp(vars->vars[i].name, name) == 0)
				return &vars->vars[i];
		return NULL;
	}
	for (size_t j = hash & (vars->slot_count - 1); vars->slots[j]; j = (j + 1) & (vars->slot_count - 1)) {
		var *v = &vars->vars[vars->slots[j] - 1];
		if (v->name_hash == hash && strcmp(v->name, name) == 0)
			return v;
	}
	return NULL;
}

/* Indexes every variable in a table kept at most half full; -1 when out of
 * memory (the variables stay as they were). */
static int index_vars(pp_vars *vars, size_t slot_count)
{
	uint32_t *slots = calloc(slot_count, sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; i < vars->count; i++) {
		size_t j = vars->vars[i].name_hash & (slot_count - 1);
		while (slots[j])
			j = (j + 1) & (slot_count - 1);
		slots[j] = (uint32_t)i + 1;
	}
	free(vars->slots);
	vars->slots = slots;
	vars->slot_count = slot_count;
	return 0;
}

/* The variable name (of hash name_hash(name)) in vars or the scopes
 * around it. */
static var *lookup_hashed(pp_vars *vars, const char *name, uint32_t hash)
{
	for (; vars; vars = vars->parent) {
		var *v = find_own(vars, name, hash);
		if (v)
			return v;
	}
	return NULL;
}

/* The variable name in vars, created empty if missing. */
static var *own_var(pp_vars *vars, const char *name)
{
	uint32_t hash = name_hash(name);
	var *v = find_own(vars, name, hash);
	if (v)
		return v;
	if (vars->count >= UINT32_MAX - 1)
		return NULL;
	size_t wanted = vars->slot_count ? vars->slot_count : 32;
	while (vars->count + 1 > VARS_SCANNED && (vars->count + 1) * 2 > wanted)
		wanted *= 2;
	if (vars->count + 1 > VARS_SCANNED && wanted != vars->slot_count && index_vars(vars, wanted) != 0)
		return NULL;
	if (pp_grow(&vars->vars, &vars->capacity, vars->count, sizeof *vars->vars, 8) != 0)
		return NULL;
	v = &vars->vars[vars->count];
	memset(v, 0, sizeof *v);
	if (!(v->name = strdup(name)))
		return NULL;
	v->name_hash = hash;
	vars->count++;
	if (vars->slots) {
		size_t j = hash & (vars->slot_count - 1);
		while (vars->slots[j])
			j = (j + 1) & (vars->slot_count - 1);
		vars->slots[j] = (uint32_t)vars->count;
	}
	return v;
}

int pp_vars_set(pp_vars *vars, const char *name, const char *text)
{
	var *v = own_var(vars, name);
	if (!v)
		return -1;
	free(v->text);
	v->text = NULL;
	if (text && !(v->text = strdup(text)))
		return -1;
	return 0;
}

int pp_vars_set_nodes(pp_vars *vars, const char *name, xmlNodePtr container)
{
	var *v = own_var(vars, name);
	if (!v) {
		xmlFreeNode(container);
		return -1;
	}
	if (v->nodes && !v->borrowed)
		xmlFreeNode(v->nodes);
	xmlUnlinkNode(container);
	v->nodes = container;
	v->borrowed = 0;
	return 0;
}

int pp_vars_borrow_nodes(pp_vars *vars, const char *name, xmlNodePtr container)
{
	var *v = own_var(vars, name);
	if (!v)
		return -1;
	if (v->nodes && !v->borrowed)
		xmlFreeNode(v->nodes);
	v->nodes = container;
	v->borrowed = 1;
	return 0;
}

pp_vars *pp_vars_add_item(pp_vars *vars, const char *list)
{
	var *v = own_var(vars, list);
	if (!v)
		return NULL;
	/* A history page lists every version: grown one at a time, its list
	 * would be copied once per row. */
	if (pp_grow(&v->items, &v->item_capacity, v->item_count, sizeof *v->items, 8) != 0)
		return NULL;
	pp_vars *item = pp_vars_new();
	if (!item)
		return NULL;
	item->parent = vars;
	v->is_list = 1;
	v->items[v->item_count++] = item;
	return item;
}

static int is_set(const var *v)
{
	if (!v)
		return 0;
	if (v->is_list)
		return v->item_count > 0;
	if (v->is_page)
		return 1;
	if (v->nodes)
		return v->nodes->children != NULL;
	return v->text && *v->text;
}

/* ---- theme --------------------------------------------------------------- */

typedef struct {
	char *name; /* file name without .html */
	char *path;
	xmlDocPtr doc;
} template_file;

typedef struct {
	char *key;
	char *text;
} message;

typedef struct {
	char *locale;
	message *messages;
	size_t count;
	/* Open addressing by key hash, a power of two at least twice count;
	 * of equal keys the first written (every page asks for dozens). */
	const message **slots;
	size_t slot_mask;
} catalog;

struct pp_theme {
	char *dir;
	char *real_dir; /* dir resolved: what the theme's files must lie in */
	char **page_ids; /* static id attributes of the templates, sorted, once each */
	size_t page_id_count;
	char *default_locale;
	template_file *templates;
	size_t template_count;
	catalog *catalogs;
	size_t catalog_count;
	char **assets;
	size_t asset_count;
};

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

typedef struct {
	catalog *cat;
} catalog_loader;

static int visit_message(void *ctx, const pp_yaml *y, const char *key, yaml_node_t *key_node,
                         yaml_node_t *value, pp_diags *d)
{
	(void)key_node;
	catalog *cat = ((catalog_loader *)ctx)->cat;
	const char *text = pp_yaml_expect_scalar(y, key, value, d);
	if (!text)
		return -1;
	message *grown = realloc(cat->messages, (cat->count + 1) * sizeof *grown);
	if (!grown)
		return -1;
	cat->messages = grown;
	message *m = &grown[cat->count];
	m->key = strdup(key);
	m->text = strdup(text);
	if (!m->key || !m->text) {
		free(m->key);
		free(m->text);
		return -1;
	}
	cat->count++;
	return 0;
}

/* A theme publishes its own files only: a symbolic link in it that leads
 * elsewhere (to /etc/passwd as an "asset") is refused, as content's are. */
static int refuse_outside(const pp_theme *theme, const char *path, pp_diags *d)
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

static size_t key_hash(const char *key)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

/* The slot of key: where it is, or the empty one where it would go. */
static const message **catalog_slot(const catalog *cat, const char *key)
{
	size_t i = key_hash(key) & cat->slot_mask;
	while (cat->slots[i] && strcmp(cat->slots[i]->key, key) != 0)
		i = (i + 1) & cat->slot_mask;
	return &cat->slots[i];
}

static int index_catalog(catalog *cat)
{
	size_t size = 16;
	while (size < 2 * cat->count)
		size *= 2;
	if (!(cat->slots = calloc(size, sizeof *cat->slots)))
		return -1;
	cat->slot_mask = size - 1;
	/* In the order read: a key written twice keeps its first text. */
	for (size_t i = 0; i < cat->count; i++) {
		const message **slot = catalog_slot(cat, cat->messages[i].key);
		if (!*slot)
			*slot = &cat->messages[i];
	}
	return 0;
}

static int load_catalogs(pp_theme *theme, pp_diags *d)
{
	char *dir = pp_path_join(theme->dir, "messages");
	char **names;
	size_t count;
	if (!dir)
		return -1;
	if (pp_list_dir(dir, &names, &count) != 0) {
		pp_error(d, dir, 0, 0, "cannot list theme messages: %s", strerror(errno));
		free(dir);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < count; i++) {
		size_t n = strlen(names[i]);
		if (n < 6 || strcmp(names[i] + n - 5, ".yaml") != 0)
			continue;
		char *path = pp_path_join(dir, names[i]);
		char *data = NULL;
		size_t len;
		pp_yaml y;
		if (!path || refuse_outside(theme, path, d) != 0 || pp_read_file(path, &data, &len, d) != 0) {
			rc = -1;
		} else if (pp_yaml_load(&y, path, data, len, 0, d) != 0) {
			rc = -1;
		} else {
			yaml_node_t *root = pp_yaml_root(&y);
			catalog *grown = realloc(theme->catalogs, (theme->catalog_count + 1) * sizeof *grown);
			if (!root || root->type != YAML_MAPPING_NODE) {
				pp_error(d, path, 1, 1, "a message catalog must map keys to texts");
				rc = -1;
			} else if (!grown) {
				rc = -1;
			} else {
				theme->catalogs = grown;
				catalog *cat = &grown[theme->catalog_count++];
				memset(cat, 0, sizeof *cat);
				cat->locale = strndup(names[i], n - 5);
				catalog_loader loader = {cat};
				if (!cat->locale || pp_yaml_each_pair(&y, root, &loader, visit_message, d) != 0 ||
				    index_catalog(cat) != 0)
					rc = -1;
			}
			pp_yaml_free(&y);
		}
		free(data);
		free(path);
	}
	pp_free_names(names, count);
	free(dir);
	return rc;
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
		if (refuse_outside(theme, t->path, d) != 0 || !(t->doc = parse_template(t->path, d)))
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
			if (!path || refuse_outside(theme, path, d) != 0)
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
		load_catalogs(theme, d);
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
	for (size_t i = 0; i < theme->catalog_count; i++) {
		for (size_t j = 0; j < theme->catalogs[i].count; j++) {
			free(theme->catalogs[i].messages[j].key);
			free(theme->catalogs[i].messages[j].text);
		}
		free(theme->catalogs[i].messages);
		free(theme->catalogs[i].slots);
		free(theme->catalogs[i].locale);
	}
	free(theme->catalogs);
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

static const char *catalog_lookup(const pp_theme *theme, const char *locale, const char *key)
{
	for (size_t i = 0; i < theme->catalog_count; i++) {
		const catalog *cat = &theme->catalogs[i];
		if (strcmp(cat->locale, locale) != 0)
			continue;
		const message *found = *catalog_slot(cat, key);
		if (found)
			return found->text;
	}
	return NULL;
}

const char *pp_theme_message(const pp_theme *theme, const char *locale, const char *key, pp_diags *d)
{
	const char *text = catalog_lookup(theme, locale, key);
	if (text)
		return text;
	char language[16];
	size_t n = strcspn(locale, "-");
	if (n < sizeof language) {
		memcpy(language, locale, n);
		language[n] = '\0';
		if ((text = catalog_lookup(theme, language, key)))
			return text;
	}
	if ((text = catalog_lookup(theme, theme->default_locale, key))) {
		pp_warning(d, theme->dir, 0, 0, "message '%s' has no text for locale '%s'; using '%s'", key,
		           locale, theme->default_locale);
		return text;
	}
	pp_error(d, theme->dir, 0, 0, "message '%s' is missing from the theme's catalogs", key);
	return NULL;
}

/* Opened formatters by pattern and ICU locale. Opening one (parsing the
 * pattern, loading plural rules and a number formatter) costs a hundred
 * times a format call, and pages ask for the same few messages. */
#define FORMAT_CACHE_SIZE 32

typedef struct {
	const char *pattern; /* a catalog's text: lives as long as the theme */
	char icu_locale[ULOC_FULLNAME_CAPACITY];
	UMessageFormat *fmt;
} cached_format;

/* Counts formatted, by message key, locale and count: a changes page
 * asks for "3 words added" and a label per folded stretch of text, the
 * same few numbers again and again. Direct-mapped; a newer result replaces
 * an older one in its slot. */
#define COUNT_CACHE_SIZE 256

typedef struct {
	char *key, *locale, *text; /* one allocation, key first; NULL: empty */
	double count;
} cached_count;

/* ICU's names of the language tags asked for (a page asks in one or two). */
#define LOCALE_CACHE_SIZE 8

typedef struct {
	char tag[ULOC_FULLNAME_CAPACITY];
	char icu_locale[ULOC_FULLNAME_CAPACITY];
} cached_locale;

struct pp_format_cache {
	cached_format entries[FORMAT_CACHE_SIZE];
	size_t next_victim;
	cached_count counts[COUNT_CACHE_SIZE];
	cached_locale locales[LOCALE_CACHE_SIZE];
	size_t next_locale;
};

pp_format_cache *pp_format_cache_new(void) { return calloc(1, sizeof(pp_format_cache)); }

void pp_format_cache_free(pp_format_cache *cache)
{
	if (!cache)
		return;
	for (size_t i = 0; i < FORMAT_CACHE_SIZE; i++)
		if (cache->entries[i].fmt)
			umsg_close(cache->entries[i].fmt);
	for (size_t i = 0; i < COUNT_CACHE_SIZE; i++)
		free(cache->counts[i].key);
	free(cache);
}

static cached_count *count_slot(pp_format_cache *cache, const char *locale, const char *key, double count)
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	for (const char *p = locale; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	uint64_t bits;
	memcpy(&bits, &count, sizeof bits);
	h = (h ^ bits) * 1099511628211ULL;
	return &cache->counts[(h >> 32) % COUNT_CACHE_SIZE];
}

static void remember_count(cached_count *slot, const char *locale, const char *key, double count,
                           const char *text)
{
	size_t lk = strlen(key) + 1, ll = strlen(locale) + 1, lt = strlen(text) + 1;
	char *block = malloc(lk + ll + lt);
	if (!block)
		return; /* not remembered: formatted again next time */
	free(slot->key);
	slot->key = memcpy(block, key, lk);
	slot->locale = memcpy(block + lk, locale, ll);
	slot->text = memcpy(block + lk + ll, text, lt);
	slot->count = count;
}

static UMessageFormat *open_format(const pp_theme *theme, const char *pattern, const char *icu_locale,
                                   const char *key, const char *locale, pp_diags *d)
{
	int32_t len = 0;
	UChar *upattern = pp_to_utf16(pattern, strlen(pattern), &len);
	if (!upattern) {
		pp_error(d, theme->dir, 0, 0, "message '%s' for '%s' cannot be converted", key, locale);
		return NULL;
	}
	UErrorCode status = U_ZERO_ERROR;
	UParseError parse_error;
	UMessageFormat *fmt = umsg_open(upattern, len, icu_locale, &parse_error, &status);
	free(upattern);
	if (U_FAILURE(status)) {
		if (fmt) /* ICU may hand back a half-built formatter on failure */
			umsg_close(fmt);
		pp_error(d, theme->dir, 0, 0, "message '%s' for '%s' is not valid ICU MessageFormat: %s",
		         key, locale, u_errorName(status));
		return NULL;
	}
	return fmt;
}

/* The formatter for pattern in icu_locale: from cache, or opened and put
 * there (evicting round-robin); without a cache, *opened tells the caller
 * to close it. */
static UMessageFormat *get_format(const pp_theme *theme, pp_format_cache *cache, const char *pattern,
                                  const char *icu_locale, const char *key, const char *locale,
                                  int *opened, pp_diags *d)
{
	*opened = 0;
	if (cache)
		for (size_t i = 0; i < FORMAT_CACHE_SIZE; i++) {
			cached_format *e = &cache->entries[i];
			if (e->fmt && e->pattern == pattern && strcmp(e->icu_locale, icu_locale) == 0)
				return e->fmt;
		}
	UMessageFormat *fmt = open_format(theme, pattern, icu_locale, key, locale, d);
	if (!fmt || !cache || strlen(icu_locale) >= sizeof cache->entries[0].icu_locale) {
		*opened = fmt != NULL;
		return fmt;
	}
	cached_format *e = &cache->entries[cache->next_victim];
	cache->next_victim = (cache->next_victim + 1) % FORMAT_CACHE_SIZE;
	if (e->fmt)
		umsg_close(e->fmt);
	e->fmt = fmt;
	e->pattern = pattern;
	strcpy(e->icu_locale, icu_locale);
	return fmt;
}

/* Formats key with one argument, a double (count) or a UTF-8 string (text):
 * umsg_format reads plural and number arguments as doubles, others as UChar*. */
static char *format_message(const pp_theme *theme, pp_format_cache *cache, const char *locale,
                            const char *key, double count, const char *text, const char *text2, pp_diags *d)
{
	const char *pattern = pp_theme_message(theme, locale, key, d);
	if (!pattern)
		return NULL;
	char icu_locale[ULOC_FULLNAME_CAPACITY];
	UErrorCode status = U_ZERO_ERROR;
	const cached_locale *known = NULL;
	for (size_t i = 0; cache && i < LOCALE_CACHE_SIZE && !known; i++)
		if (cache->locales[i].tag[0] && strcmp(cache->locales[i].tag, locale) == 0)
			known = &cache->locales[i];
	if (known) {
		memcpy(icu_locale, known->icu_locale, sizeof icu_locale);
	} else {
		uloc_forLanguageTag(locale, icu_locale, sizeof icu_locale, NULL, &status);
		if (U_FAILURE(status) || status == U_STRING_NOT_TERMINATED_WARNING) {
			pp_error(d, theme->dir, 0, 0, "message '%s': '%s' is not a locale ICU can read", key, locale);
			return NULL;
		}
		if (cache && strlen(locale) < sizeof cache->locales[0].tag) {
			cached_locale *e = &cache->locales[cache->next_locale];
			cache->next_locale = (cache->next_locale + 1) % LOCALE_CACHE_SIZE;
			strcpy(e->tag, locale);
			memcpy(e->icu_locale, icu_locale, sizeof icu_locale);
		}
	}
	int32_t arg_len = 0;
	UChar *uarg = text ? pp_to_utf16(text, strlen(text), &arg_len) : NULL;
	UChar *uarg2 = text2 ? pp_to_utf16(text2, strlen(text2), &arg_len) : NULL;
	if ((text && !uarg) || (text2 && !uarg2)) {
		pp_error(d, theme->dir, 0, 0, "message '%s' for '%s' cannot be converted", key, locale);
		free(uarg);
		free(uarg2);
		return NULL;
	}
	int opened;
	UMessageFormat *fmt = get_format(theme, cache, pattern, icu_locale, key, locale, &opened, d);
	if (!fmt) {
		free(uarg);
		free(uarg2);
		return NULL;
	}
	/* Long enough for any message a page holds: a title, a notice. */
	UChar out[2048];
	int32_t out_len = text2 ? umsg_format(fmt, out, 2048, &status, uarg, uarg2)
	                  : text ? umsg_format(fmt, out, 2048, &status, uarg)
	                         : umsg_format(fmt, out, 2048, &status, count);
	if (opened)
		umsg_close(fmt);
	free(uarg);
	free(uarg2);
	if (U_FAILURE(status) || status == U_STRING_NOT_TERMINATED_WARNING) {
		pp_error(d, theme->dir, 0, 0, "message '%s' for '%s' cannot be formatted: %s", key, locale,
		         u_errorName(status));
		return NULL;
	}
	return pp_from_utf16(out, out_len);
}

char *pp_theme_format_count(const pp_theme *theme, pp_format_cache *cache, const char *locale,
                            const char *key, double count, pp_diags *d)
{
	cached_count *slot = cache ? count_slot(cache, locale, key, count) : NULL;
	if (slot && slot->key && slot->count == count && strcmp(slot->key, key) == 0 &&
	    strcmp(slot->locale, locale) == 0)
		return strdup(slot->text);
	char *text = format_message(theme, cache, locale, key, count, NULL, NULL, d);
	if (text && slot)
		remember_count(slot, locale, key, count, text);
	return text;
}

char *pp_theme_format_text(const pp_theme *theme, pp_format_cache *cache, const char *locale,
                           const char *key, const char *arg, pp_diags *d)
{
	return format_message(theme, cache, locale, key, 0, arg ? arg : "", NULL, d);
}

char *pp_theme_format_texts(const pp_theme *theme, pp_format_cache *cache, const char *locale, const char *key,
                            const char *arg0, const char *arg1, pp_diags *d)
{
	return format_message(theme, cache, locale, key, 0, arg0 ? arg0 : "", arg1 ? arg1 : "", d);
}

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
			return 0;
		}
	if (*count == MAX_ATTRIBUTES)
		return -1;
	attrs[(*count)++] = (out_attribute){NULL, name, value};
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
	} *fills;
	size_t fill_count;
	xmlChar **owned;        /* values that were not one text node, copied */
	size_t owned_count;
	int too_many;           /* more than MAX_ATTRIBUTES: an error when written */
} element_plan;

static void free_plan(element_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->owned_count; i++)
		xmlFree(plan->owned[i]);
	free(plan->owned);
	free(plan->fills);
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
		if (pp_html_attribute_value(a, &value, &plan->owned[plan->owned_count]) != 0) {
			free_plan(plan);
			return -1;
		}
		if (plan->owned[plan->owned_count]) {
			plan->owned_count++;
			counted_owned += !fill;
		}
		if (fill) {
			const xmlChar *from = value ? value : BAD_CAST "";
			plan->fills[plan->fill_count++] = (struct fill){
				a->name + (is_msg ? sizeof msg_prefix : sizeof var_prefix) - 1, from,
				name_hash((const char *)from), is_msg};
		} else if (directive) {
			*directive = value ? value : BAD_CAST "";
		} else {
			plan->attrs[plan->attr_count++] = (out_attribute){a->ns, a->name, value};
		}
	}
	directives *dir = &plan->dir;
	dir->each_hash = dir->each ? name_hash((const char *)dir->each) : 0;
	dir->if_hash = dir->if_set ? name_hash((const char *)dir->if_set) : 0;
	dir->unless_hash = dir->unless_set ? name_hash((const char *)dir->unless_set) : 0;
	dir->text_hash = dir->text ? name_hash((const char *)dir->text) : 0;
	dir->html_hash = dir->html ? name_hash((const char *)dir->html) : 0;
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

static void render_content(render_state *rs, const xmlNode *el, const directives *dir, pp_vars *vars,
                           const char *lang)
{
	if (dir->text) {
		var *v = lookup_hashed(vars, (const char *)dir->text, dir->text_hash);
		if (!v)
			render_error(rs, el, "unknown template variable '%s'", (const char *)dir->text);
		else if (v->text && *v->text && xmlStrEqual(el->name, BAD_CAST "style"))
			pp_html_raw_text(rs->out, v->text);
		else if (v->text && *v->text)
			pp_html_text(rs->out, v->text);
	} else if (dir->msg) {
		const char *text = pp_theme_message(rs->theme, lang ? lang : rs->locale, (const char *)dir->msg, rs->d);
		if (text && *text)
			pp_html_text(rs->out, text);
	} else if (dir->html) {
		var *v = lookup_hashed(vars, (const char *)dir->html, dir->html_hash);
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
		var *list = lookup_hashed(vars, (const char *)dir->each, dir->each_hash);
		if (list && !list->is_list && (list->text || list->nodes))
			render_error(rs, el, "template variable '%s' is not a list", (const char *)dir->each);
		for (size_t i = 0; list && list->is_list && i < list->item_count; i++)
			render_element(rs, el, list->items[i], lang, 1);
		return;
	}
	if (dir->if_set && !is_set(lookup_hashed(vars, (const char *)dir->if_set, dir->if_hash)))
		return;
	if (dir->unless_set && is_set(lookup_hashed(vars, (const char *)dir->unless_set, dir->unless_hash)))
		return;

	out_attribute attrs[MAX_ATTRIBUTES];
	size_t attr_count = plan->attr_count;
	memcpy(attrs, plan->attrs, attr_count * sizeof *attrs);
	/* Variables first: a lang set from a variable decides the messages'
	 * language. */
	for (const struct fill *f = plan->fills; f < plan->fills + plan->fill_count; f++) {
		if (f->is_msg)
			continue;
		var *v = lookup_hashed(vars, (const char *)f->from, f->from_hash);
		if (!v)
			render_error(rs, el, "unknown template variable '%s'", (const char *)f->from);
		else if (v->text && set_attribute(attrs, &attr_count, f->name, BAD_CAST v->text) != 0)
			render_error(rs, el, "more than %s attributes on one element", "64");
	}
	for (size_t i = 0; i < attr_count; i++)
		if (!attrs[i].ns && attrs[i].value && xmlStrEqual(attrs[i].name, BAD_CAST "lang"))
			lang = (const char *)attrs[i].value;
	for (const struct fill *f = plan->fills; f < plan->fills + plan->fill_count; f++) {
		if (!f->is_msg)
			continue;
		const char *text = pp_theme_message(rs->theme, lang ? lang : rs->locale, (const char *)f->from, rs->d);
		if (text && set_attribute(attrs, &attr_count, f->name, BAD_CAST text) != 0)
			render_error(rs, el, "more than %s attributes on one element", "64");
	}

	pp_html_start(rs->out, el->ns, el->name);
	for (const xmlNs *ns = el->nsDef; ns; ns = ns->next) {
		xmlChar *name = xmlStrdup(BAD_CAST(ns->prefix ? "xmlns:" : "xmlns"));
		name = ns->prefix ? xmlStrcat(name, ns->prefix) : name;
		if (name)
			pp_html_attribute(rs->out, el->name, NULL, name, ns->href);
		xmlFree(name);
	}
	for (size_t i = 0; i < attr_count; i++)
		pp_html_attribute(rs->out, el->name, attrs[i].ns, attrs[i].name, attrs[i].value);
	pp_html_start_end(rs->out);
	render_content(rs, el, dir, vars, lang);
	pp_html_end(rs->out, el->ns, el->name);
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
	var *page_var = scope ? own_var(scope, "page") : NULL;
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
