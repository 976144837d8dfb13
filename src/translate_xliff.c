/* Translation files in XLIFF 2.0 (OASIS, urn:oasis:names:tc:xliff:document:2.0),
 * written with libxml2's xmlTextWriter and read with its parser: see
 * translate_file.h.
 *
 * Inline Markdown becomes XLIFF inline codes, so a CAT tool protects it:
 * emphasis, strong emphasis, strike-through and links are <pc> around their
 * text, their Markdown delimiters ("**", "[" and "](https://…)") in
 * <originalData>; code spans, raw HTML, images, footnote references and
 * hard line breaks are <ph>, their Markdown whole in <originalData>. Read
 * back, text is escaped for Markdown and the codes' data put back around
 * it. A unit's state: "translated" when carried over unchanged, "initial"
 * when new or to review (a note gives the previous source); a target left
 * "initial" is still to review on import. A raw HTML block's unit is of
 * type "policypress:html": its text is the HTML as written, read back as
 * it is, not escaped for Markdown.
 */
#include "translate_file.h"

#include <stdlib.h>
#include <string.h>

#include <cmark-gfm.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>

#include "dom.h"
#include "fsutil.h"
#include "markdown.h"

#define XLIFF_NS "urn:oasis:names:tc:xliff:document:2.0"

/* ---- Markdown to inline codes ------------------------------------------- */

enum { PIECE_TEXT, PIECE_PH, PIECE_START, PIECE_END };

typedef struct {
	int kind;
	char *text;    /* PIECE_TEXT */
	int data;      /* PIECE_PH: its data; PIECE_START: its start data (the end's is data + 1) */
	int pc;        /* PIECE_START/END: the pc's number */
} piece;

typedef struct {
	piece *items;
	size_t count, capacity;
} pieces;

typedef struct {
	char **values;
	size_t count, capacity;
} data_list;

static int add_data(data_list *d, const char *value)
{
	if (pp_grow(&d->values, &d->capacity, d->count, sizeof *d->values, 8) != 0 || !(d->values[d->count] = strdup(value)))
		return -1;
	return (int)d->count++;
}

static int add_piece(pieces *p, piece x)
{
	if (pp_grow(&p->items, &p->capacity, p->count, sizeof *p->items, 16) != 0)
		return -1;
	p->items[p->count++] = x;
	return 0;
}

/* The Markdown of one inline node, rendered alone. */
static char *node_markdown(cmark_node *node)
{
	char *text = cmark_render_commonmark(node, CMARK_OPT_DEFAULT, 0);
	size_t n = text ? strlen(text) : 0;
	while (n > 0 && text[n - 1] == '\n')
		text[--n] = '\0';
	return text;
}

/* Appends "[^label]: -" for each footnote reference the text makes, so
 * that it parses as one. */
static char *with_note_definitions(const char *text)
{
	xmlBufferPtr buf = pp_dom_buffer_new();
	if (!buf)
		return NULL;
	xmlBufferCat(buf, BAD_CAST text);
	for (const char *p = strstr(text, "[^"); p; p = strstr(p + 2, "[^")) {
		const char *end = strchr(p, ']');
		if (!end || memchr(p, ' ', (size_t)(end - p)) || memchr(p, '\n', (size_t)(end - p)))
			continue;
		xmlBufferCat(buf, BAD_CAST "\n\n");
		xmlBufferAdd(buf, BAD_CAST p, (int)(end - p + 1));
		xmlBufferCat(buf, BAD_CAST ": -");
	}
	char *out = strdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	return out;
}

/* Reads inline Markdown into pieces, its codes' data added to data. */
static int to_pieces(const char *markdown, pieces *out, data_list *data, int *next_pc)
{
	char *text = with_note_definitions(markdown);
	cmark_node *doc = text ? pp_markdown_parse(text, strlen(text)) : NULL;
	free(text);
	cmark_node *para = doc ? cmark_node_first_child(doc) : NULL;
	if (!para || cmark_node_get_type(para) != CMARK_NODE_PARAGRAPH) {
		/* Not one run of text (it should be): kept whole as text. */
		if (doc)
			cmark_node_free(doc);
		return add_piece(out, (piece){PIECE_TEXT, strdup(markdown), 0, 0});
	}
	int rc = 0;
	cmark_iter *iter = cmark_iter_new(para);
	int *open = NULL; /* the pc numbers of the open pieces, innermost last */
	size_t depth = 0, cap = 0;
	cmark_event_type ev;
	while (rc == 0 && (ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(iter);
		if (n == para)
			continue;
		cmark_node_type type = cmark_node_get_type(n);
		/* An autolink ("<privacy@example.org>") is its address: whole. */
		int autolink = 0;
		if (type == CMARK_NODE_LINK) {
			cmark_node *only = cmark_node_first_child(n);
			const char *url = cmark_node_get_url(n), *label = only && !cmark_node_next(only) &&
			                                                          cmark_node_get_type(only) == CMARK_NODE_TEXT
			                                                      ? cmark_node_get_literal(only)
			                                                      : NULL;
			autolink = url && label && (strcmp(url, label) == 0 ||
			                            (strncmp(url, "mailto:", 7) == 0 && strcmp(url + 7, label) == 0));
		}
		if (autolink && ev == CMARK_EVENT_ENTER) {
			char *whole = node_markdown(n);
			int index = whole ? add_data(data, whole) : -1;
			free(whole);
			rc = index < 0 ? -1 : add_piece(out, (piece){PIECE_PH, NULL, index, 0});
			cmark_iter_reset(iter, n, CMARK_EVENT_EXIT);
			continue;
		}
		if (autolink)
			continue;
		int wrap = type == CMARK_NODE_EMPH || type == CMARK_NODE_STRONG || type == CMARK_NODE_LINK ||
		           strcmp(cmark_node_get_type_string(n), "strikethrough") == 0;
		if (wrap && ev == CMARK_EVENT_ENTER) {
			const char *start = type == CMARK_NODE_EMPH ? "*" : type == CMARK_NODE_STRONG ? "**"
			                    : type == CMARK_NODE_LINK ? "[" : "~~";
			char *end = NULL;
			if (type == CMARK_NODE_LINK) {
				const char *url = cmark_node_get_url(n), *title = cmark_node_get_title(n);
				int bracket = url && strpbrk(url, " ()<>");
				end = pp_strdup_printf("](%s%s%s%s%s%s)", bracket ? "<" : "", url ? url : "", bracket ? ">" : "",
				                       title && *title ? " \"" : "", title && *title ? title : "",
				                       title && *title ? "\"" : "");
			} else {
				end = strdup(start);
			}
			int first = end ? add_data(data, start) : -1;
			int second = first >= 0 ? add_data(data, end) : -1;
			free(end);
			if (second < 0 || pp_grow(&open, &cap, depth, sizeof *open, 8) != 0) {
				rc = -1;
				break;
			}
			open[depth++] = ++*next_pc;
			rc = add_piece(out, (piece){PIECE_START, NULL, first, *next_pc});
		} else if (wrap && ev == CMARK_EVENT_EXIT) {
			rc = add_piece(out, (piece){PIECE_END, NULL, 0, depth ? open[--depth] : 0});
		} else if (ev == CMARK_EVENT_ENTER && type == CMARK_NODE_TEXT) {
			rc = add_piece(out, (piece){PIECE_TEXT, strdup(cmark_node_get_literal(n)), 0, 0});
		} else if (ev == CMARK_EVENT_ENTER && type == CMARK_NODE_SOFTBREAK) {
			rc = add_piece(out, (piece){PIECE_TEXT, strdup("\n"), 0, 0});
		} else if (ev == CMARK_EVENT_ENTER && !cmark_node_first_child(n)) {
			/* Code, raw HTML, a hard break, a footnote reference: whole. */
			char *whole = type == CMARK_NODE_LINEBREAK ? strdup("\\\n") : node_markdown(n);
			int index = whole ? add_data(data, whole) : -1;
			free(whole);
			rc = index < 0 ? -1 : add_piece(out, (piece){PIECE_PH, NULL, index, 0});
		} else if (ev == CMARK_EVENT_ENTER && type == CMARK_NODE_IMAGE) {
			char *whole = node_markdown(n);
			int index = whole ? add_data(data, whole) : -1;
			free(whole);
			rc = index < 0 ? -1 : add_piece(out, (piece){PIECE_PH, NULL, index, 0});
			cmark_iter_reset(iter, n, CMARK_EVENT_EXIT); /* its alt text is in the data */
		}
		if (rc == 0 && out->count && out->items[out->count - 1].kind == PIECE_TEXT && !out->items[out->count - 1].text)
			rc = -1;
	}
	cmark_iter_free(iter);
	free(open);
	cmark_node_free(doc);
	return rc;
}

static void pieces_free(pieces *p)
{
	for (size_t i = 0; i < p->count; i++)
		free(p->items[i].text);
	free(p->items);
}

static int write_pieces(xmlTextWriterPtr w, const pieces *p)
{
	int rc = 0;
	for (size_t i = 0; rc >= 0 && i < p->count; i++) {
		const piece *x = &p->items[i];
		char id[32], ref[32], ref_end[32];
		if (x->kind == PIECE_TEXT) {
			rc = xmlTextWriterWriteString(w, BAD_CAST x->text);
		} else if (x->kind == PIECE_PH) {
			snprintf(id, sizeof id, "ph%zu", i + 1);
			snprintf(ref, sizeof ref, "d%d", x->data + 1);
			rc = xmlTextWriterStartElement(w, BAD_CAST "ph");
			rc = rc < 0 ? rc : xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST id);
			rc = rc < 0 ? rc : xmlTextWriterWriteAttribute(w, BAD_CAST "dataRef", BAD_CAST ref);
			rc = rc < 0 ? rc : xmlTextWriterEndElement(w);
		} else if (x->kind == PIECE_START) {
			snprintf(id, sizeof id, "pc%d", x->pc);
			snprintf(ref, sizeof ref, "d%d", x->data + 1);
			snprintf(ref_end, sizeof ref_end, "d%d", x->data + 2);
			rc = xmlTextWriterStartElement(w, BAD_CAST "pc");
			rc = rc < 0 ? rc : xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST id);
			rc = rc < 0 ? rc : xmlTextWriterWriteAttribute(w, BAD_CAST "dataRefStart", BAD_CAST ref);
			rc = rc < 0 ? rc : xmlTextWriterWriteAttribute(w, BAD_CAST "dataRefEnd", BAD_CAST ref_end);
		} else {
			rc = xmlTextWriterEndElement(w);
		}
	}
	return rc < 0 ? -1 : 0;
}

static int write_note(xmlTextWriterPtr w, const char *category, const char *text)
{
	return xmlTextWriterStartElement(w, BAD_CAST "note") >= 0 &&
	               xmlTextWriterWriteAttribute(w, BAD_CAST "category", BAD_CAST category) >= 0 &&
	               xmlTextWriterWriteString(w, BAD_CAST text) >= 0 && xmlTextWriterEndElement(w) >= 0
	           ? 0
	           : -1;
}

int pp_xliff_write(const pp_tfile *f, const char *path, pp_diags *d)
{
	xmlBufferPtr buf = pp_dom_buffer_new();
	xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	/* No indentation: it would put white space into mixed content (the text
	 * and codes of a segment); structural elements get a line each. */
	int ok = w && xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) >= 0 &&
	         xmlTextWriterStartElement(w, BAD_CAST "xliff") >= 0 &&
	         xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns", BAD_CAST XLIFF_NS) >= 0 &&
	         xmlTextWriterWriteAttribute(w, BAD_CAST "version", BAD_CAST "2.0") >= 0 &&
	         xmlTextWriterWriteAttribute(w, BAD_CAST "srcLang", BAD_CAST f->source_locale) >= 0 &&
	         xmlTextWriterWriteAttribute(w, BAD_CAST "trgLang", BAD_CAST f->locale) >= 0 &&
	         xmlTextWriterStartElement(w, BAD_CAST "file") >= 0 &&
	         xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST "f1") >= 0 &&
	         xmlTextWriterWriteAttribute(w, BAD_CAST "original", BAD_CAST f->source_path) >= 0 &&
	         xmlTextWriterStartElement(w, BAD_CAST "notes") >= 0 && write_note(w, "policypress:policy", f->policy) == 0 &&
	         write_note(w, "policypress:source-version", f->source_version) == 0 &&
	         write_note(w, "policypress:source-sha256", f->source_sha256) == 0 &&
	         write_note(w, "policypress:carried-from", f->carried_from) == 0 && xmlTextWriterEndElement(w) >= 0;
	for (size_t i = 0; ok && i < f->count; i++) {
		const pp_tunit *u = &f->items[i];
		pieces source = {0}, target = {0};
		data_list data = {0};
		int pc = 0;
		if (u->raw_html)
			ok = add_piece(&source, (piece){PIECE_TEXT, strdup(u->source), 0, 0}) == 0 && source.items[0].text &&
			     (!u->target || !*u->target ||
			      (add_piece(&target, (piece){PIECE_TEXT, strdup(u->target), 0, 0}) == 0 && target.items[0].text));
		else
			ok = to_pieces(u->source, &source, &data, &pc) == 0 &&
			     (!u->target || !*u->target || to_pieces(u->target, &target, &data, &pc) == 0);
		char id[32];
		snprintf(id, sizeof id, "u%zu", i + 1);
		ok = ok && xmlTextWriterWriteRaw(w, BAD_CAST "\n") >= 0 && xmlTextWriterStartElement(w, BAD_CAST "unit") >= 0 &&
		     xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST id) >= 0 &&
		     xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST u->id) >= 0 &&
		     (!u->raw_html || xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "policypress:html") >= 0);
		if (ok && (u->note || u->previous || u->reference)) {
			ok = xmlTextWriterStartElement(w, BAD_CAST "notes") >= 0 &&
			     (!u->note || write_note(w, "description", u->note) == 0) &&
			     (!u->reference || write_note(w, "location", u->reference) == 0) &&
			     (!u->previous || write_note(w, "previous-source", u->previous) == 0) && xmlTextWriterEndElement(w) >= 0;
		}
		if (ok && data.count) {
			ok = xmlTextWriterStartElement(w, BAD_CAST "originalData") >= 0;
			for (size_t k = 0; ok && k < data.count; k++) {
				char data_id[32];
				snprintf(data_id, sizeof data_id, "d%zu", k + 1);
				ok = xmlTextWriterStartElement(w, BAD_CAST "data") >= 0 &&
				     xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST data_id) >= 0 &&
				     xmlTextWriterWriteString(w, BAD_CAST data.values[k]) >= 0 && xmlTextWriterEndElement(w) >= 0;
			}
			ok = ok && xmlTextWriterEndElement(w) >= 0;
		}
		int translated = u->target && *u->target && !u->fuzzy;
		ok = ok && xmlTextWriterStartElement(w, BAD_CAST "segment") >= 0 &&
		     xmlTextWriterWriteAttribute(w, BAD_CAST "state", BAD_CAST(translated ? "translated" : "initial")) >= 0 &&
		     xmlTextWriterStartElement(w, BAD_CAST "source") >= 0 && write_pieces(w, &source) == 0 &&
		     xmlTextWriterEndElement(w) >= 0;
		if (ok && u->target && *u->target)
			ok = xmlTextWriterStartElement(w, BAD_CAST "target") >= 0 && write_pieces(w, &target) == 0 &&
			     xmlTextWriterEndElement(w) >= 0;
		ok = ok && xmlTextWriterEndElement(w) >= 0 && xmlTextWriterEndElement(w) >= 0;
		pieces_free(&source);
		pieces_free(&target);
		for (size_t k = 0; k < data.count; k++)
			free(data.values[k]);
		free(data.values);
	}
	ok = ok && xmlTextWriterEndDocument(w) >= 0;
	if (w)
		xmlFreeTextWriter(w);
	int rc = -1;
	if (!ok)
		pp_error(d, path ? path : "(standard output)", 0, 0, "out of memory writing XLIFF");
	else if (!path || strcmp(path, "-") == 0)
		rc = fwrite(xmlBufferContent(buf), 1, (size_t)xmlBufferLength(buf), stdout) == (size_t)xmlBufferLength(buf) ? 0 : -1;
	else if ((rc = pp_write_file(path, xmlBufferContent(buf), (size_t)xmlBufferLength(buf))) != 0)
		pp_io_error(d, path, "cannot write");
	xmlBufferFree(buf);
	return rc;
}

/* ---- reading ------------------------------------------------------------- */

static int is_element(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0 && n->ns &&
	       xmlStrcmp(n->ns->href, BAD_CAST XLIFF_NS) == 0;
}

static xmlNodePtr child(xmlNodePtr parent, const char *name)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
		if (is_element(n, name))
			return n;
	return NULL;
}

/* Text as Markdown reads it back as the same text: ASCII punctuation that
 * could start Markdown escaped, and what would open a block at a line's
 * start ("- ", "1. ", "# "). */
static void escape_text(xmlBufferPtr out, const char *text, int *line_start)
{
	for (const char *p = text; *p; p++) {
		int at_start = *line_start;
		*line_start = *p == '\n';
		if (strchr("\\`*_[]<>!|~&", *p) || (at_start && strchr("#+-=>", *p)))
			xmlBufferCat(out, BAD_CAST "\\");
		else if (at_start && *p >= '0' && *p <= '9') {
			const char *q = p;
			while (*q >= '0' && *q <= '9')
				q++;
			if (*q == '.' || *q == ')') {
				xmlBufferAdd(out, BAD_CAST p, (int)(q - p));
				xmlBufferCat(out, BAD_CAST "\\");
				p = q;
			}
		}
		xmlBufferAdd(out, BAD_CAST p, 1);
	}
}

/* The value of the original data that attribute attr of code n refers to,
 * or NULL. */
static xmlChar *data_of(xmlNodePtr n, const char *attr, xmlNodePtr original)
{
	xmlChar *ref = xmlGetProp(n, BAD_CAST attr), *value = NULL;
	for (xmlNodePtr k = original ? original->children : NULL; ref && k && !value; k = k->next) {
		xmlChar *id = is_element(k, "data") ? xmlGetProp(k, BAD_CAST "id") : NULL;
		if (id && xmlStrcmp(id, ref) == 0)
			value = xmlNodeGetContent(k);
		xmlFree(id);
	}
	xmlFree(ref);
	return value;
}

/* A segment's source or target as Markdown: text escaped, codes' data put
 * back around it. Walked without recursion (the nesting is the file's). A
 * code whose data is not there is an error. */
static char *to_markdown(xmlNodePtr container, xmlNodePtr original, int raw, const char *path, const char *unit,
                         pp_diags *d)
{
	xmlBufferPtr out = pp_dom_buffer_new();
	if (!out)
		return NULL;
	int line_start = 1, bad = 0;
	xmlNodePtr n = container->children;
	while (n) {
		int pc = is_element(n, "pc");
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			if (raw)
				xmlBufferCat(out, n->content);
			else
				escape_text(out, (const char *)n->content, &line_start);
		} else if (pc || is_element(n, "ph")) {
			xmlChar *value = data_of(n, pc ? "dataRefStart" : "dataRef", original);
			if (!value) {
				pp_error(d, path, n->line, 0, "unit %s: an inline code (<%s>) without its original data", unit,
				         (const char *)n->name);
				bad = 1;
			}
			xmlBufferCat(out, value ? value : BAD_CAST "");
			xmlFree(value);
			line_start = 0;
			if (pc && n->children) {
				n = n->children;
				continue;
			}
			if (pc) {
				xmlChar *end = data_of(n, "dataRefEnd", original);
				xmlBufferCat(out, end ? end : BAD_CAST "");
				xmlFree(end);
			}
		}
		/* Past the last child: each pc left gets its end data. */
		while (n && !n->next) {
			n = n->parent;
			if (n == container) {
				n = NULL;
				break;
			}
			xmlChar *end = is_element(n, "pc") ? data_of(n, "dataRefEnd", original) : NULL;
			xmlBufferCat(out, end ? end : BAD_CAST "");
			xmlFree(end);
		}
		n = n ? n->next : NULL;
	}
	char *text = bad ? NULL : strdup((const char *)xmlBufferContent(out));
	xmlBufferFree(out);
	return text;
}

int pp_xliff_read(const char *path, pp_tfile *f, pp_diags *d)
{
	memset(f, 0, sizeof *f);
	xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!doc) {
		pp_io_error(d, path, "cannot read as XML (not an XLIFF file, or not well-formed)");
		return -1;
	}
	if (!is_element(root, "xliff")) {
		pp_error(d, path, 0, 0, "not an XLIFF 2.0 file (its root is not <xliff> in %s)", XLIFF_NS);
		xmlFreeDoc(doc);
		return -1;
	}
	xmlNodePtr file = child(root, "file");
	xmlChar *locale = xmlGetProp(root, BAD_CAST "trgLang"), *source_locale = xmlGetProp(root, BAD_CAST "srcLang");
	f->locale = locale ? strdup((const char *)locale) : NULL;
	f->source_locale = source_locale ? strdup((const char *)source_locale) : NULL;
	xmlFree(locale);
	xmlFree(source_locale);
	for (xmlNodePtr n = child(child(file, "notes"), "note"); n; n = n->next) {
		if (!is_element(n, "note"))
			continue;
		xmlChar *category = xmlGetProp(n, BAD_CAST "category"), *value = xmlNodeGetContent(n);
		char **slot = !category ? NULL
		              : !xmlStrcmp(category, BAD_CAST "policypress:policy") ? &f->policy
		              : !xmlStrcmp(category, BAD_CAST "policypress:source-version") ? &f->source_version
		              : !xmlStrcmp(category, BAD_CAST "policypress:source-sha256") ? &f->source_sha256
		                                                                        : NULL;
		if (slot && value && !*slot)
			*slot = strdup((const char *)value);
		xmlFree(category);
		xmlFree(value);
	}
	int rc = 0;
	for (xmlNodePtr unit = file ? file->children : NULL; rc == 0 && unit; unit = unit->next) {
		if (!is_element(unit, "unit"))
			continue;
		xmlChar *name = xmlGetProp(unit, BAD_CAST "name");
		xmlNodePtr segment = child(unit, "segment"), original = child(unit, "originalData");
		xmlNodePtr source = child(segment, "source"), target = child(segment, "target");
		xmlChar *state = segment ? xmlGetProp(segment, BAD_CAST "state") : NULL;
		const char *id = name ? (const char *)name : "(unnamed)";
		xmlChar *type = xmlGetProp(unit, BAD_CAST "type");
		int raw = type && xmlStrcmp(type, BAD_CAST "policypress:html") == 0;
		xmlFree(type);
		char *source_text = source ? to_markdown(source, original, raw, path, id, d) : NULL;
		char *target_text = target ? to_markdown(target, original, raw, path, id, d) : NULL;
		/* A target still "initial" has not been confirmed in the tool. */
		int review = target_text && *target_text && (!state || xmlStrcmp(state, BAD_CAST "initial") == 0);
		if (pp_tfile_add(f, name ? (const char *)name : NULL, source_text ? source_text : "", target_text, NULL, NULL,
		                 NULL, review) != 0)
			rc = -1;
		else
			f->items[f->count - 1].raw_html = raw;
		free(source_text);
		free(target_text);
		xmlFree(state);
		xmlFree(name);
	}
	xmlFreeDoc(doc);
	if (rc != 0)
		pp_error(d, path, 0, 0, "out of memory");
	return rc;
}
