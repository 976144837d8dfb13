/* Property-based tests of the diff's guarantee.
 *
 * A seeded generator makes pairs of documents over rich Markdown
 * (paragraphs, headings, nested lists, quotes, tables, code blocks, raw HTML
 * tables; emphasis, links, code spans, strikethrough, images, line breaks,
 * autolinked addresses) in Arabic, Hebrew, Persian and English with Latin
 * names, numbers and e-mail addresses, the second made from the first by
 * random edits: words substituted, added and removed, formatting and link
 * targets changed, white space re-flowed, tatweel and diacritics, blocks
 * added, removed, moved and re-typed. For each pair, in HTML and in text:
 *   - remove every insertion: what remains reads exactly as the older
 *     version's own rendering;
 *   - remove every deletion: the same for the newer one;
 *   - the comparison finds a change exactly when the renderings differ;
 *   - the self-check never had to repair the output.
 * "Reads as" is computed here independently of the library's canonical
 * form, on the serialized page parsed back with libxml2's HTML parser: each
 * character with the chain of inline elements (names, attributes but id)
 * around it, white space collapsed as HTML does, blocks as boundaries.
 *
 * PP_PROP_SEED and PP_PROP_CASES change the seed and the number of pairs; a
 * failure prints the seed, the case and both documents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "diff.h"
#include "html.h"
#include "markdown.h"
#include "testutil.h"

/* ---- random numbers (splitmix64: small, seedable, the same everywhere) ---- */

static uint64_t rng_state;

static uint64_t next_random(void) { return tu_random(&rng_state); }

static int pick(int n) { return (int)(next_random() % (uint64_t)n); }
static int chance(int percent) { return pick(100) < percent; }

/* ---- vocabulary ---- */

static const char *const words[] = {
	/* Arabic, with clitics and tashkeel */
	"البيانات", "نجمع", "معلومات", "الشخصية", "وبالتالي", "للمستخدمين", "مالاكايت", "الخدمة", "يُقِرّ",
	"بالشروط", "الخصوصية", "نحتفظ", "بها", "لمدة", "سنة", "والخدمة", "عن", "في", "من", "الشركة،",
	/* tatweel and diacritics variants of the words above */
	"البيانـــات", "مَعلومات",
	/* Hebrew, Persian (with ZWNJ and its digits) */
	"פרטיות", "מידע", "אישי", "אנו", "אוספים", "השירות", "حریم", "خصوصی", "اطلاعات", "شما", "می‌کنیم", "۱۴۰۳",
	/* Latin names and English */
	"Firefox", "Google", "Analytics", "C++", "iOS", "Malachite", "GmbH", "data", "policy", "the", "we",
	"collect", "cookies.", "(optional)",
	/* numbers and addresses */
	"+966 11 234 5678", "2024", "3.5%", "١٢٣", "٣٠", "privacy@malachite.example",
	"https://malachite.example/privacy"};
#define WORD_COUNT (sizeof words / sizeof *words)

static const char *const urls[] = {"https://malachite.example/a", "https://malachite.example/b",
                                   "mailto:privacy@malachite.example", "#cookies"};

/* ---- the document model ---- */

enum { P_PLAIN, P_EM, P_STRONG, P_CODE, P_LINK, P_STRIKE, P_IMAGE, P_BREAK, P_KINDS };
enum { GLUE_SPACE, GLUE_NONE, GLUE_NEWLINE };

#define MAXW 5
typedef struct {
	int kind, url, glue, n;
	const char *w[MAXW];
} piece;

enum { B_PARA, B_HEADING, B_UL, B_OL, B_QUOTE, B_TABLE, B_CODE, B_HR, B_RAW_TABLE, B_KINDS };

#define MAXP 8
typedef struct {
	int kind, level, n;  /* level: heading level, list depth, quote depth; n pieces (cells) */
	int cols;            /* tables: cells per row */
	int variant;         /* list start number, code info string, table alignment, raw HTML shape */
	piece p[MAXP];
} block;

#define MAXB 12
typedef struct {
	int n;
	block b[MAXB];
} doc;

static const char *random_word(void) { return words[pick((int)WORD_COUNT)]; }

static void random_piece(piece *p, int plain_only)
{
	memset(p, 0, sizeof *p);
	p->kind = plain_only || chance(55) ? P_PLAIN : pick(P_KINDS);
	p->url = pick(4);
	p->glue = chance(80) ? GLUE_SPACE : chance(50) ? GLUE_NONE : GLUE_NEWLINE;
	p->n = 1 + pick(p->kind == P_PLAIN ? MAXW : 3);
	for (int i = 0; i < p->n; i++)
		p->w[i] = random_word();
}

static void random_block(block *b, int prev_kind, int prev_level)
{
	memset(b, 0, sizeof *b);
	b->kind = chance(40) ? B_PARA : pick(B_KINDS);
	b->variant = chance(70) ? 0 : 1 + pick(3);
	if (b->kind == B_HEADING)
		b->level = 1 + pick(3);
	if (b->kind == B_UL || b->kind == B_OL)
		b->level = prev_kind == b->kind && chance(40) ? (prev_level < 2 ? prev_level + 1 : prev_level) : 0;
	if (b->kind == B_QUOTE)
		b->level = 1 + pick(2);
	if (b->kind == B_TABLE || b->kind == B_RAW_TABLE) {
		b->cols = 2 + pick(2);
		b->n = b->cols * (2 + pick(2));
		if (b->n > MAXP)
			b->n = b->cols * (MAXP / b->cols);
	} else if (b->kind == B_HR) {
		b->n = 0;
	} else {
		b->n = 1 + pick(b->kind == B_HEADING ? 3 : MAXP);
	}
	int plain = b->kind == B_TABLE || b->kind == B_RAW_TABLE || b->kind == B_CODE;
	for (int i = 0; i < b->n; i++) {
		random_piece(&b->p[i], plain);
		if (plain) {
			b->p[i].glue = b->kind == B_CODE && chance(30) ? GLUE_NEWLINE : GLUE_SPACE;
			if (b->kind != B_CODE && b->p[i].n > 2)
				b->p[i].n = 1 + pick(2);
		}
	}
}

static void random_doc(doc *d)
{
	memset(d, 0, sizeof *d);
	d->n = 1 + pick(MAXB - 2);
	for (int i = 0; i < d->n; i++)
		random_block(&d->b[i], i ? d->b[i - 1].kind : -1, i ? d->b[i - 1].level : 0);
}

/* ---- Markdown ---- */

typedef struct {
	char *s;
	size_t len, cap;
} str;

static void put(str *b, const char *s)
{
	size_t n = strlen(s);
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		assert_non_null(b->s);
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

static void put_words(str *b, const piece *p)
{
	for (int i = 0; i < p->n; i++) {
		if (i)
			put(b, " ");
		put(b, p->w[i]);
	}
}

static void put_piece(str *b, const piece *p, int first, int in_table)
{
	if (!first)
		put(b, p->glue == GLUE_NONE ? "" : p->glue == GLUE_NEWLINE && !in_table ? "\n" : " ");
	switch (p->kind) {
	case P_EM: put(b, "*"); put_words(b, p); put(b, "*"); break;
	case P_STRONG: put(b, "**"); put_words(b, p); put(b, "**"); break;
	case P_CODE: put(b, "`"); put_words(b, p); put(b, "`"); break;
	case P_STRIKE: put(b, "~~"); put_words(b, p); put(b, "~~"); break;
	case P_LINK: put(b, "["); put_words(b, p); put(b, "]("); put(b, urls[p->url]); put(b, ")"); break;
	case P_IMAGE: put(b, "!["); put_words(b, p); put(b, "](img"); put(b, p->url % 2 ? "1" : "2"); put(b, ".png)"); break;
	case P_BREAK: put_words(b, p); if (!in_table) put(b, "\\\n"); break;
	default: put_words(b, p);
	}
}

static void put_block(str *b, const block *bl)
{
	char prefix[32] = "";
	switch (bl->kind) {
	case B_HEADING:
		memset(prefix, '#', (size_t)bl->level);
		strcpy(prefix + bl->level, " ");
		put(b, prefix);
		for (int i = 0; i < bl->n; i++) {
			piece p = bl->p[i];
			if (p.glue == GLUE_NEWLINE)
				p.glue = GLUE_SPACE;
			if (p.kind == P_BREAK)
				p.kind = P_PLAIN;
			put_piece(b, &p, i == 0, 1);
		}
		return;
	case B_UL:
	case B_OL:
		snprintf(prefix, sizeof prefix, "%*s%s", bl->level * 4, "",
		         bl->kind == B_UL ? "- " : (const char *[]){"1. ", "2. ", "7. ", "1) "}[bl->variant]);
		break;
	case B_QUOTE:
		strcpy(prefix, bl->level == 2 ? "> > " : "> ");
		break;
	case B_HR:
		put(b, "***");
		return;
	case B_CODE:
		put(b, (const char *[]){"```\n", "```text\n", "```json\n", "~~~\n"}[bl->variant]);
		for (int i = 0; i < bl->n; i++) {
			if (i)
				put(b, bl->p[i].glue == GLUE_NEWLINE ? "\n" : "  ");
			put_words(b, &bl->p[i]);
		}
		put(b, bl->variant == 3 ? "\n~~~" : "\n```");
		return;
	case B_TABLE:
		for (int i = 0; i < bl->n; i++) {
			int column = i % bl->cols;
			if (column == 0 && i == bl->cols) {
				put(b, "\n");
				for (int c = 0; c < bl->cols; c++)
					put(b, (const char *[]){"|---", "|:--", "|--:", "|:-:"}[(bl->variant + c) % 4]);
				put(b, "|");
			}
			put(b, column == 0 ? (i ? "\n| " : "| ") : " | ");
			put_piece(b, &bl->p[i], 1, 1);
			if (column == bl->cols - 1)
				put(b, " |");
		}
		return;
	case B_RAW_TABLE:
		if (bl->variant == 1) {
			/* Several top-level elements in one raw HTML block. */
			put(b, "<h2>");
			put_words(b, &bl->p[0]);
			put(b, "</h2>\n<p>");
			for (int i = 1; i < bl->n; i++) {
				put(b, i > 1 ? " " : "");
				put_words(b, &bl->p[i]);
			}
			put(b, "</p>");
			return;
		}
		if (bl->variant == 3) {
			/* Broken HTML: unclosed elements nest what follows. */
			put(b, "<h3>");
			put_words(b, &bl->p[0]);
			put(b, " <b>");
			for (int i = 1; i < bl->n; i++) {
				put(b, i > 1 ? "<p>" : "");
				put_words(b, &bl->p[i]);
			}
			return;
		}
		put(b, "<table>\n<tr>");
		for (int i = 0; i < bl->n; i++) {
			if (i && i % bl->cols == 0)
				put(b, "</tr>\n<tr>");
			put(b, i % bl->cols ? " <td>" : bl->variant == 2 && i == 0 ? "<td colspan=\"2\">" : "<td>");
			put_words(b, &bl->p[i]);
			put(b, "</td>");
		}
		put(b, "</tr>\n</table>");
		return;
	default:
		break;
	}
	put(b, prefix);
	/* A quote's later lines are lazy continuations: they stay in it. */
	for (int i = 0; i < bl->n; i++)
		put_piece(b, &bl->p[i], i == 0, 0);
}

static int is_list(int kind) { return kind == B_UL || kind == B_OL; }

static char *markdown(const doc *d)
{
	str b = {0};
	put(&b, "");
	for (int i = 0; i < d->n; i++) {
		const block *bl = &d->b[i];
		if (i) {
			/* Items of one list follow each other; anything else is a new block. */
			int same_list = is_list(bl->kind) && bl->kind == d->b[i - 1].kind;
			put(&b, same_list ? "\n" : "\n\n");
			if (is_list(bl->kind) && !same_list && is_list(d->b[i - 1].kind))
				put(&b, "<!-- -->\n\n");
		}
		block copy = *bl;
		if (is_list(copy.kind) && (i == 0 || d->b[i - 1].kind != copy.kind))
			copy.level = 0; /* a list starts at the margin */
		else if (is_list(copy.kind) && copy.level > d->b[i - 1].level + 1)
			copy.level = d->b[i - 1].level + 1;
		put_block(&b, &copy);
	}
	put(&b, "\n");
	return b.s;
}

/* ---- edits ---- */

static piece *random_piece_of(doc *d)
{
	for (int tries = 0; tries < 20; tries++) {
		block *b = &d->b[pick(d->n)];
		if (b->n)
			return &b->p[pick(b->n)];
	}
	return NULL;
}

static void edit(doc *d)
{
	piece *p = random_piece_of(d);
	int what = pick(14);
	if (!p && what < 9)
		what = 9;
	switch (what) {
	case 0:
	case 1:
		p->w[pick(p->n)] = random_word();
		break;
	case 2:
		if (p->n < MAXW) {
			int at = pick(p->n + 1);
			memmove(&p->w[at + 1], &p->w[at], (size_t)(p->n - at) * sizeof *p->w);
			p->w[at] = random_word();
			p->n++;
		}
		break;
	case 3:
		if (p->n > 1) {
			int at = pick(p->n);
			memmove(&p->w[at], &p->w[at + 1], (size_t)(p->n - at - 1) * sizeof *p->w);
			p->n--;
		}
		break;
	case 4:
		p->kind = pick(P_KINDS);
		break;
	case 5:
		p->url = pick(4);
		break;
	case 6:
		/* White space only: a line break where a space was, or back. */
		p->glue = p->glue == GLUE_SPACE ? GLUE_NEWLINE : p->glue == GLUE_NEWLINE ? GLUE_SPACE : p->glue;
		break;
	case 7:
		p->glue = pick(3);
		break;
	case 8: {
		block *b = &d->b[pick(d->n)];
		if (b->n < MAXP && b->kind != B_TABLE && b->kind != B_RAW_TABLE && b->kind != B_HR) {
			int at = pick(b->n + 1);
			memmove(&b->p[at + 1], &b->p[at], (size_t)(b->n - at) * sizeof *b->p);
			random_piece(&b->p[at], b->kind == B_CODE);
			b->n++;
		}
		break;
	}
	case 9:
		if (d->n < MAXB) {
			int at = pick(d->n + 1);
			memmove(&d->b[at + 1], &d->b[at], (size_t)(d->n - at) * sizeof *d->b);
			random_block(&d->b[at], at ? d->b[at - 1].kind : -1, at ? d->b[at - 1].level : 0);
			d->n++;
		}
		break;
	case 10:
		if (d->n > 1) {
			int at = pick(d->n);
			memmove(&d->b[at], &d->b[at + 1], (size_t)(d->n - at - 1) * sizeof *d->b);
			d->n--;
		}
		break;
	case 11:
		if (d->n > 1) { /* a block moved */
			int from = pick(d->n), to = pick(d->n);
			block moved = d->b[from];
			memmove(&d->b[from], &d->b[from + 1], (size_t)(d->n - from - 1) * sizeof *d->b);
			memmove(&d->b[to + 1], &d->b[to], (size_t)(d->n - 1 - to) * sizeof *d->b);
			d->b[to] = moved;
		}
		break;
	case 12: {
		block *b = &d->b[pick(d->n)];
		if (chance(30)) {
			b->variant = pick(4);
			break;
		}
		if (b->kind == B_PARA || b->kind == B_HEADING || b->kind == B_QUOTE) {
			b->kind = (int[]){B_PARA, B_HEADING, B_QUOTE}[pick(3)];
			b->level = 1 + pick(2);
		}
		break;
	}
	default:
		if (d->n > 1) { /* two blocks swapped */
			int i = pick(d->n - 1);
			block t = d->b[i];
			d->b[i] = d->b[i + 1];
			d->b[i + 1] = t;
		}
	}
}

/* ---- reading: what a reader gets from a rendering (the oracle) ---- */

static const char *const block_names[] = {
	"address", "blockquote", "caption", "dd", "details", "div", "dl", "dt", "figcaption", "figure", "h1",
	"h2", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "section", "summary", "table", "tbody",
	"td", "tfoot", "th", "thead", "tr", "ul"};

static int is_block(xmlNodePtr n)
{
	if (n->type != XML_ELEMENT_NODE)
		return 0;
	for (size_t i = 0; i < sizeof block_names / sizeof *block_names; i++)
		if (strcmp((const char *)n->name, block_names[i]) == 0)
			return 1;
	return 0;
}

static int has_class(xmlNodePtr n, const char *cls)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST "class");
	int found = 0;
	if (v) {
		char *copy = strdup((const char *)v), *save = NULL;
		for (char *t = strtok_r(copy, " ", &save); t && !found; t = strtok_r(NULL, " ", &save))
			found = strcmp(t, cls) == 0;
		free(copy);
	}
	xmlFree(v);
	return found;
}

enum { READ_PLAIN, READ_OLD, READ_NEW };

typedef struct {
	str out;
	int side, ignore_diacritics;
	int at_start, pending;
	char pending_ctx[2048], written_ctx[2048];
	int pre;
} reader;

static int is_mark(xmlNodePtr n)
{
	return n->type == XML_ELEMENT_NODE &&
	       (strcmp((const char *)n->name, "del") == 0 || strcmp((const char *)n->name, "ins") == 0) &&
	       has_class(n, "diff-mark");
}

/* 0 hidden on this side, 1 an element of its own, 2 transparent (a mark). */
static int visibility(const reader *r, xmlNodePtr n)
{
	if (r->side == READ_PLAIN)
		return 1;
	const char *hidden_mark = r->side == READ_OLD ? "ins" : "del";
	if (is_mark(n))
		return strcmp((const char *)n->name, hidden_mark) == 0 ? 0 : 2;
	if (n->parent && is_mark(n->parent) && has_class(n, "sr-only"))
		return 0;
	if (is_block(n)) {
		const char *a = r->side == READ_OLD ? "diff-added" : "diff-removed";
		const char *b = r->side == READ_OLD ? "diff-moved-to" : "diff-moved-from";
		if (has_class(n, a) || has_class(n, b))
			return 0;
	}
	return 1;
}

static void describe(xmlNodePtr n, char *ctx, size_t size)
{
	/* name, then attributes sorted by name (but id, which is an anchor). */
	char attrs[8][256];
	int count = 0;
	for (xmlAttrPtr a = n->properties; a && count < 8; a = a->next) {
		if (strcmp((const char *)a->name, "id") == 0)
			continue;
		xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
		snprintf(attrs[count++], sizeof attrs[0], "%s=%s", (const char *)a->name, v ? (const char *)v : "");
		xmlFree(v);
	}
	for (int i = 1; i < count; i++)
		for (int j = i; j > 0 && strcmp(attrs[j - 1], attrs[j]) > 0; j--) {
			char t[256];
			strcpy(t, attrs[j]);
			strcpy(attrs[j], attrs[j - 1]);
			strcpy(attrs[j - 1], t);
		}
	size_t len = strlen(ctx);
	len += (size_t)snprintf(ctx + len, size - len, "<%s", (const char *)n->name);
	for (int i = 0; i < count && len < size; i++)
		len += (size_t)snprintf(ctx + len, size - len, " %s", attrs[i]);
	if (len < size)
		snprintf(ctx + len, size - len, ">");
}

static void switch_ctx(reader *r, const char *ctx)
{
	if (strcmp(ctx, r->written_ctx) != 0) {
		put(&r->out, "\001");
		put(&r->out, ctx);
		put(&r->out, "\002");
		snprintf(r->written_ctx, sizeof r->written_ctx, "%s", ctx);
	}
}

static void flush_space(reader *r)
{
	if (r->pending) {
		switch_ctx(r, r->pending_ctx);
		put(&r->out, " ");
		r->pending = 0;
	}
}

static void read_text(reader *r, const char *s, const char *ctx)
{
	int32_t n = (int32_t)strlen(s), i = 0;
	while (i < n) {
		int32_t start = i;
		UChar32 c;
		U8_NEXT(s, i, n, c);
		if (c == 0x0640 || (r->ignore_diacritics && u_charType(c) == U_NON_SPACING_MARK))
			continue;
		int ws = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
		if (ws && !r->pre) {
			if (!r->at_start && !r->pending) {
				r->pending = 1;
				snprintf(r->pending_ctx, sizeof r->pending_ctx, "%s", ctx);
			}
			continue;
		}
		flush_space(r);
		switch_ctx(r, ctx);
		char bytes[8];
		memcpy(bytes, s + start, (size_t)(i - start));
		bytes[i - start] = '\0';
		put(&r->out, bytes);
		r->at_start = 0;
	}
}

static void read_node(reader *r, xmlNodePtr n, const char *ctx)
{
	for (; n; n = n->next) {
		if (n->type == XML_TEXT_NODE) {
			read_text(r, (const char *)n->content, ctx);
			continue;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		int how = visibility(r, n);
		if (how == 0)
			continue;
		if (how == 2) {
			read_node(r, n->children, ctx);
			continue;
		}
		if (is_block(n)) {
			r->pending = 0;
			r->at_start = 1;
			put(&r->out, "\003");
			put(&r->out, (const char *)n->name);
			/* What changes the numbers, spans and alignment a reader sees. */
			static const char *const shown[] = {"start", "reversed", "type", "colspan", "rowspan", "align"};
			for (size_t k = 0; k < sizeof shown / sizeof *shown; k++) {
				xmlChar *v = xmlGetProp(n, BAD_CAST shown[k]);
				if (v) {
					put(&r->out, " ");
					put(&r->out, shown[k]);
					put(&r->out, "=");
					put(&r->out, (const char *)v);
				}
				xmlFree(v);
			}
			int pre = strcmp((const char *)n->name, "pre") == 0;
			r->pre += pre;
			read_node(r, n->children, ctx);
			r->pre -= pre;
			r->pending = 0;
			r->at_start = 1;
			put(&r->out, "\004");
			continue;
		}
		char inner[2048];
		snprintf(inner, sizeof inner, "%s", ctx);
		describe(n, inner, sizeof inner);
		int line_break = strcmp((const char *)n->name, "br") == 0;
		if (!n->children && !line_break && strcmp((const char *)n->name, "img") != 0 &&
		    strcmp((const char *)n->name, "wbr") != 0)
			continue; /* an empty element shows nothing */
		if (line_break || strcmp((const char *)n->name, "img") == 0 || strcmp((const char *)n->name, "wbr") == 0) {
			if (line_break)
				r->pending = 0;
			else
				flush_space(r);
			switch_ctx(r, ctx);
			put(&r->out, "\005");
			put(&r->out, inner);
			r->at_start = line_break;
			continue;
		}
		read_node(r, n->children, inner);
	}
}

/* What a reader gets from the serialized page's body. */
static char *reading(htmlDocPtr page, int side, int ignore_diacritics)
{
	reader r = {.side = side, .ignore_diacritics = ignore_diacritics, .at_start = 1};
	put(&r.out, "");
	xmlXPathContextPtr xp = xmlXPathNewContext(page);
	xmlXPathObjectPtr body = xmlXPathEvalExpression(BAD_CAST "/html/body", xp);
	assert_true(body && body->nodesetval && body->nodesetval->nodeNr == 1);
	read_node(&r, body->nodesetval->nodeTab[0]->children, "");
	xmlXPathFreeObject(body);
	xmlXPathFreeContext(xp);
	return r.out.s;
}

static htmlDocPtr as_page(xmlNodePtr container)
{
	pp_html_writer *w = pp_html_writer_new();
	assert_non_null(w);
	pp_html_node(w, container);
	char *html;
	size_t len;
	assert_int_equal(pp_html_finish(w, &html, &len), 0); /* frees w */
	htmlDocPtr page = tu_parse_html_string(html);
	free(html);
	return page;
}

/* ---- the text form ---- */

/* One side of a text diff: the other side's marks removed, own unwrapped;
 * then white space collapsed, as the guarantee is about words. */
static char *text_side(const char *text, int side)
{
	str b = {0};
	put(&b, "");
	const char *drop_open = side == READ_OLD ? "{+" : "[-", *drop_close = side == READ_OLD ? "+}" : "-]";
	const char *keep_open = side == READ_OLD ? "[-" : "{+", *keep_close = side == READ_OLD ? "-]" : "+}";
	/* A mark runs from its opening to the first closing after it, as a
	 * reader takes "[-[-]" for a removed bracket. */
	for (const char *p = text; *p;) {
		int drop = strncmp(p, drop_open, 2) == 0, keep = strncmp(p, keep_open, 2) == 0;
		if (drop || keep) {
			const char *end = strstr(p + 2, drop ? drop_close : keep_close);
			assert_non_null(end);
			if (keep) {
				char *inner = strndup(p + 2, (size_t)(end - p - 2));
				put(&b, inner);
				free(inner);
			}
			p = end + 2;
		} else {
			char c[2] = {*p++, 0};
			put(&b, c);
		}
	}
	return b.s;
}

/* White space collapsed, and what comparisons ignore left out. */
static char *collapse(const char *s, int ignore_diacritics)
{
	str b = {0};
	put(&b, "");
	int space = 0;
	int32_t n = (int32_t)strlen(s), i = 0;
	while (i < n) {
		int32_t start = i;
		UChar32 c;
		U8_NEXT(s, i, n, c);
		if (c == 0x0640 || (ignore_diacritics && u_charType(c) == U_NON_SPACING_MARK))
			continue;
		if (c == ' ' || c == '\n' || c == '\t') {
			space = b.len > 0;
			continue;
		}
		if (space)
			put(&b, " ");
		space = 0;
		char bytes[8];
		memcpy(bytes, s + start, (size_t)(i - start));
		bytes[i - start] = '\0';
		put(&b, bytes);
	}
	return b.s;
}

/* ---- the property ---- */

typedef struct {
	unsigned long pairs, changed, moved, repaired, html_checked, text_checked;
} stats;

/* Files compared outside cmocka (see main): failures are counted, not fatal. */
static int standalone;
static unsigned long standalone_failures;

static void fail_case(uint64_t seed, unsigned long index, const char *what, const char *a, const char *b,
                      const char *detail)
{
	if (standalone) {
		fprintf(stderr, "# property failed: %s\n# pair %lu\n%s\n", what, index, detail ? detail : "");
		standalone_failures++;
		return;
	}
	fprintf(stderr, "# property failed: %s\n# seed %llu, case %lu\n# --- old\n%s# --- new\n%s# ---\n%s\n", what,
	        (unsigned long long)seed, index, a, b, detail ? detail : "");
	fail();
}

static void check_pair(uint64_t seed, unsigned long index, const char *old_md, const char *new_md, int rtl,
                       int ignore_diacritics, stats *s)
{
	pp_diags d;
	pp_diags_init(&d);
	pp_md_context ctx = {.path = "x.md", .rtl = rtl};
	xmlNodePtr old_body = pp_markdown_to_container(old_md, strlen(old_md), &ctx, &d);
	xmlNodePtr new_body = pp_markdown_to_container(new_md, strlen(new_md), &ctx, &d);
	assert_non_null(old_body);
	assert_non_null(new_body);
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr out = xmlNewDocNode(doc, NULL, BAD_CAST "div", NULL);
	xmlDocSetRootElement(doc, out);
	pp_diff_options opt = {.ignore_diacritics = ignore_diacritics, .locale = rtl ? "ar" : "en",
	                       .deleted_label = index % 2 ? "removed: " : NULL,
	                       .inserted_label = index % 2 ? "added: " : NULL};
	pp_diff_result result;
	assert_int_equal(pp_diff_dom(old_body, new_body, out, &opt, &result), 0);
	s->pairs++;
	s->changed += result.change_count > 0;
	s->repaired += result.repaired;
	for (size_t i = 0; i < result.change_count; i++)
		s->moved += result.changes[i].kind == PP_CHANGE_MOVED;

	htmlDocPtr marked = as_page(out), old_page = as_page(old_body), new_page = as_page(new_body);
	char *old_reading = reading(old_page, READ_PLAIN, ignore_diacritics);
	char *new_reading = reading(new_page, READ_PLAIN, ignore_diacritics);
	char *old_side = reading(marked, READ_OLD, ignore_diacritics);
	char *new_side = reading(marked, READ_NEW, ignore_diacritics);
	char *text = pp_diff_to_text(out, 0, -1);
	char *old_text = pp_diff_plain_text(old_body), *new_text = pp_diff_plain_text(new_body);
	assert_non_null(text);
	char *t_old = text_side(text, READ_OLD), *t_new = text_side(text, READ_NEW);
	char *c1 = collapse(t_old, ignore_diacritics), *c2 = collapse(old_text, ignore_diacritics);
	char *c3 = collapse(t_new, ignore_diacritics), *c4 = collapse(new_text, ignore_diacritics);
	char *html = NULL;
	size_t html_len;
	pp_html_serialize(doc, &html, &html_len);

	if (result.repaired)
		fail_case(seed, index, "the self-check had to repair the output", old_md, new_md, standalone ? NULL : html);
	if (strcmp(old_side, old_reading) != 0)
		fail_case(seed, index, "HTML without insertions does not read as the old version", old_md, new_md, html);
	if (strcmp(new_side, new_reading) != 0)
		fail_case(seed, index, "HTML without deletions does not read as the new version", old_md, new_md, html);
	if ((strcmp(old_reading, new_reading) != 0) != (result.change_count > 0))
		fail_case(seed, index, "a change found where none is, or none where one is", old_md, new_md, html);
	if (strcmp(c1, c2) != 0 || strcmp(c3, c4) != 0) {
		int old_side_wrong = strcmp(c1, c2) != 0;
		char *detail = NULL;
		assert_true(asprintf(&detail, "%s\n# side read from the diff:\n%s\n# the version's own text:\n%s", text,
		                     old_side_wrong ? c1 : c3, old_side_wrong ? c2 : c4) > 0);
		fail_case(seed, index,
		          old_side_wrong ? "text without insertions does not read as the old version"
		                         : "text without deletions does not read as the new version",
		          old_md, new_md, detail);
		free(detail);
	}
	s->html_checked++;
	s->text_checked++;

	free(html);
	free(c1);
	free(c2);
	free(c3);
	free(c4);
	free(t_old);
	free(t_new);
	free(text);
	free(old_text);
	free(new_text);
	free(old_reading);
	free(new_reading);
	free(old_side);
	free(new_side);
	xmlFreeDoc(marked);
	xmlFreeDoc(old_page);
	xmlFreeDoc(new_page);
	pp_diff_result_free(&result);
	xmlFreeDoc(doc);
	xmlFreeNode(old_body);
	xmlFreeNode(new_body);
	pp_diags_free(&d);
}

static uint64_t seed_from_env(void)
{
	const char *s = getenv("PP_PROP_SEED");
	return s && *s ? strtoull(s, NULL, 10) : 20261125;
}

static unsigned long cases_from_env(unsigned long fallback)
{
	const char *s = getenv("PP_PROP_CASES");
	return s && *s ? strtoul(s, NULL, 10) : fallback;
}

static void test_guarantee_on_generated_pairs(void **state)
{
	(void)state;
	uint64_t seed = seed_from_env();
	unsigned long cases = cases_from_env(3000);
	stats s = {0};
	for (unsigned long i = 0; i < cases; i++) {
		rng_state = seed * 1000003ULL + i;
		doc a, b;
		random_doc(&a);
		b = a;
		int edits = chance(10) ? 0 : 1 + pick(5);
		for (int k = 0; k < edits; k++)
			edit(&b);
		char *old_md = markdown(&a), *new_md = markdown(&b);
		check_pair(seed, i, old_md, new_md, (int)(i % 4 != 3), chance(15), &s);
		free(old_md);
		free(new_md);
	}
	/* The generator must reach what it is meant to test. */
	printf("# %lu pairs (seed %llu): %lu with changes, %lu moves, %lu repaired\n", s.pairs,
	       (unsigned long long)seed, s.changed, s.moved, s.repaired);
	assert_true(s.changed > cases / 2);
	assert_true(s.changed < s.pairs);
	assert_true(s.moved > 0);
}

/* The HTML of a comparison, with its counts and list of changes, through
 * the indexes or without them. */
static char *compared_html(xmlNodePtr old_body, pp_diff_index *old_index, xmlNodePtr new_body,
                           pp_diff_index *new_index, const pp_diff_options *opt, size_t *changes)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr out = xmlNewDocNode(doc, NULL, BAD_CAST "div", NULL);
	xmlDocSetRootElement(doc, out);
	pp_diff_result result;
	assert_int_equal(pp_diff_dom_indexed(old_body, old_index, new_body, new_index, out, opt, &result), 0);
	*changes = result.change_count;
	char *html;
	size_t len;
	assert_int_equal(pp_html_serialize(doc, &html, &len), 0);
	xmlFreeDoc(doc);
	/* And the list of changes, as a changes page shows it. */
	str all = {0};
	put(&all, html);
	free(html);
	char line[64];
	snprintf(line, sizeof line, "\n%zu %zu %zu\n", result.words_added, result.words_removed,
	         result.sections_changed);
	put(&all, line);
	for (size_t i = 0; i < result.change_count; i++) {
		const pp_change *c = &result.changes[i];
		snprintf(line, sizeof line, "%s %d|", c->id, (int)c->kind);
		put(&all, line);
		put(&all, c->section ? c->section : "-");
		put(&all, "|");
		put(&all, c->excerpt ? c->excerpt : "-");
		put(&all, "|");
		put(&all, c->removed ? c->removed : "-");
		put(&all, "|");
		put(&all, c->context ? c->context : "-");
		put(&all, "\n");
	}
	pp_diff_result_free(&result);
	return all.s;
}

/* A site compares each version with the one before and the version in
 * force with every earlier one, through indexes that keep what a version's
 * comparisons share (fingerprints, forms, word tokens). Over generated
 * series, every comparison, in that order and then again backwards, must
 * give the bytes and changes of the same comparison made from scratch. */
static void test_series_compared_through_indexes(void **state)
{
	(void)state;
	uint64_t seed = seed_from_env() + 2;
	unsigned long series = cases_from_env(3000) / 20;
	enum { VERSIONS = 6 };
	unsigned long comparisons = 0;
	for (unsigned long i = 0; i < series; i++) {
		rng_state = seed * 1000003ULL + i;
		doc docs[VERSIONS];
		random_doc(&docs[0]);
		for (int v = 1; v < VERSIONS; v++) {
			docs[v] = docs[v - 1];
			for (int k = 1 + pick(3); k > 0; k--)
				edit(&docs[v]);
		}
		pp_diags d;
		pp_diags_init(&d);
		pp_md_context ctx = {.path = "x.md", .rtl = (int)(i % 3 != 2)};
		pp_diff_options opt = {.locale = ctx.rtl ? "ar" : "en", .ignore_diacritics = (int)(i % 7 == 0)};
		pp_diff_contexts *contexts = pp_diff_contexts_new();
		assert_non_null(contexts);
		xmlNodePtr bodies[VERSIONS];
		pp_diff_index *indexes[VERSIONS];
		/* Indexes of the same versions outside the series (none shared, or
		 * another series'): their prints are made otherwise, and a
		 * comparison of one with a series' index must not mix the two. */
		pp_diff_contexts *elsewhere = pp_diff_contexts_new();
		pp_diff_index *loose[VERSIONS], *foreign[VERSIONS];
		char *md[VERSIONS];
		for (int v = 0; v < VERSIONS; v++) {
			md[v] = markdown(&docs[v]);
			assert_non_null(bodies[v] = pp_markdown_to_container(md[v], strlen(md[v]), &ctx, &d));
			assert_non_null(indexes[v] = pp_diff_index_new(bodies[v], &opt, contexts));
			assert_non_null(loose[v] = pp_diff_index_new(bodies[v], &opt, NULL));
			assert_non_null(foreign[v] = pp_diff_index_new(bodies[v], &opt, elsewhere));
		}
		int pairs[3 * VERSIONS * VERSIONS][2], n = 0;
		for (int v = 1; v < VERSIONS; v++)
			pairs[n][0] = v - 1, pairs[n++][1] = v;
		for (int e = 0; e < VERSIONS - 1; e++)
			pairs[n][0] = e, pairs[n++][1] = VERSIONS - 1;
		for (int a = VERSIONS - 1; a-- > 0;)
			for (int b = VERSIONS; b-- > a + 1;)
				pairs[n][0] = a, pairs[n++][1] = b;
		for (int k = 0; k < n; k++) {
			int a = pairs[k][0], b = pairs[k][1];
			size_t plain_changes, indexed_changes;
			char *plain = compared_html(bodies[a], NULL, bodies[b], NULL, &opt, &plain_changes);
			char *indexed = compared_html(bodies[a], indexes[a], bodies[b], indexes[b], &opt, &indexed_changes);
			if (strcmp(plain, indexed) != 0 || plain_changes != indexed_changes) {
				char what[96];
				snprintf(what, sizeof what, "versions %d and %d compare otherwise through their indexes", a, b);
				fail_case(seed, i, what, md[a], md[b], indexed);
			}
			if (i % 3 == 0) {
				pp_diff_index *mixed[][2] = {{indexes[a], loose[b]}, {loose[a], indexes[b]}, {foreign[a], indexes[b]},
				                             {indexes[a], foreign[b]}};
				for (size_t m = 0; m < sizeof mixed / sizeof *mixed; m++) {
					size_t mixed_changes;
					char *html = compared_html(bodies[a], mixed[m][0], bodies[b], mixed[m][1], &opt, &mixed_changes);
					if (strcmp(plain, html) != 0 || plain_changes != mixed_changes) {
						char what[112];
						snprintf(what, sizeof what, "versions %d and %d compare otherwise through mixed indexes (%zu)",
						         a, b, m);
						fail_case(seed, i, what, md[a], md[b], html);
					}
					free(html);
				}
			}
			comparisons++;
			free(plain);
			free(indexed);
		}
		for (int v = 0; v < VERSIONS; v++) {
			pp_diff_index_free(indexes[v]);
			pp_diff_index_free(loose[v]);
			pp_diff_index_free(foreign[v]);
			xmlFreeNode(bodies[v]);
			free(md[v]);
		}
		pp_diff_contexts_free(contexts);
		pp_diff_contexts_free(elsewhere);
		pp_diags_free(&d);
	}
	printf("# %lu series, %lu comparisons through indexes (seed %llu)\n", series, comparisons,
	       (unsigned long long)seed);
	assert_true(comparisons > 0);
}

/* Two unrelated documents: nothing in common, every word on its side. */
static void test_guarantee_on_unrelated_pairs(void **state)
{
	(void)state;
	uint64_t seed = seed_from_env() + 1;
	unsigned long cases = cases_from_env(3000) / 6;
	stats s = {0};
	for (unsigned long i = 0; i < cases; i++) {
		rng_state = seed * 1000003ULL + i;
		doc a, b;
		random_doc(&a);
		random_doc(&b);
		char *old_md = markdown(&a), *new_md = markdown(&b);
		check_pair(seed, i, old_md, new_md, (int)(i % 2), 0, &s);
		free(old_md);
		free(new_md);
	}
	assert_int_equal(s.repaired, 0);
}

/* The oracle must be able to fail: outputs corrupted in each way the
 * guarantee forbids read differently from the version they should hold. */
static void corrupt_and_read(const char *old_md, const char *new_md, const char *xpath, int how, int side)
{
	pp_diags d;
	pp_diags_init(&d);
	pp_md_context ctx = {.path = "x.md", .rtl = 1};
	xmlNodePtr old_body = pp_markdown_to_container(old_md, strlen(old_md), &ctx, &d);
	xmlNodePtr new_body = pp_markdown_to_container(new_md, strlen(new_md), &ctx, &d);
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr out = xmlNewDocNode(doc, NULL, BAD_CAST "div", NULL);
	xmlDocSetRootElement(doc, out);
	pp_diff_options opt = {.locale = "ar"};
	pp_diff_result result;
	assert_int_equal(pp_diff_dom(old_body, new_body, out, &opt, &result), 0);
	htmlDocPtr source = as_page(side == READ_OLD ? old_body : new_body);
	char *expected = reading(source, READ_PLAIN, 0);
	htmlDocPtr page = as_page(out);
	char *before = reading(page, side, 0);
	assert_string_equal(before, expected); /* faithful before the damage */
	assert_int_equal(pp_diff_is_faithful(old_body, new_body, out, &opt), 1);
	xmlXPathContextPtr xp = xmlXPathNewContext(doc);
	xmlXPathObjectPtr found = xmlXPathEvalExpression(BAD_CAST xpath, xp);
	assert_true(found && found->nodesetval && found->nodesetval->nodeNr > 0);
	xmlNodePtr victim = found->nodesetval->nodeTab[0];
	if (how == 0) { /* lost */
		xmlUnlinkNode(victim);
		xmlFreeNode(victim);
	} else if (how == 1) { /* another target */
		xmlSetProp(victim, BAD_CAST "href", BAD_CAST "https://elsewhere.example/");
	} else { /* formatting dropped: the element's content takes its place */
		while (victim->children) {
			xmlNodePtr c = victim->children;
			xmlUnlinkNode(c);
			xmlAddPrevSibling(victim, c);
		}
		xmlUnlinkNode(victim);
		xmlFreeNode(victim);
	}
	xmlXPathFreeObject(found);
	xmlXPathFreeContext(xp);
	htmlDocPtr damaged = as_page(out);
	char *after = reading(damaged, side, 0);
	assert_string_not_equal(after, expected);
	assert_int_equal(pp_diff_is_faithful(old_body, new_body, out, &opt), 0);
	free(expected);
	free(before);
	free(after);
	xmlFreeDoc(source);
	xmlFreeDoc(page);
	xmlFreeDoc(damaged);
	pp_diff_result_free(&result);
	xmlFreeDoc(doc);
	xmlFreeNode(old_body);
	xmlFreeNode(new_body);
	pp_diags_free(&d);
}

static void test_oracle_notices_damage(void **state)
{
	(void)state;
	const char *a = "نجمع البيانات عن [المستخدمين](https://malachite.example/a) *بعناية*.\n";
	const char *b = "نجمع المعلومات عن [المستخدمين](https://malachite.example/a) *بعناية* دائمًا.\n";
	corrupt_and_read(a, b, "//del", 0, READ_OLD);              /* a removed word lost */
	corrupt_and_read(a, b, "//ins", 0, READ_NEW);              /* an added word lost */
	corrupt_and_read(a, b, "//a", 1, READ_OLD);                /* a link's target changed */
	corrupt_and_read(a, b, "//em", 2, READ_NEW);               /* emphasis dropped */
	corrupt_and_read("a\n\nb\n", "a\n\nc\n", "//p[1]", 0, READ_NEW); /* an unchanged block lost */
}

/* test_diff_props OLD NEW [OLD NEW ...]: the same checks on real files
 * (bodies after any front matter), for trying real policy histories. */
static int check_files(int argc, char **argv)
{
	standalone = 1;
	stats s = {0};
	for (int i = 1; i + 1 < argc; i += 2) {
		char *texts[2];
		for (int k = 0; k < 2; k++) {
			size_t len;
			char *text = tu_read(argv[i + k], &len);
			if (!text) {
				fprintf(stderr, "cannot read %s\n", argv[i + k]);
				return 2;
			}
			char *body = text;
			if (strncmp(text, "---", 3) == 0) {
				char *end = strstr(text + 3, "\n---");
				if (end)
					body = end + 4;
			}
			texts[k] = strdup(body);
			free(text);
		}
		int rtl = 0;
		for (const unsigned char *p = (const unsigned char *)texts[1]; *p && !rtl; p++)
			rtl = *p == 0xD8 || *p == 0xD9 || *p == 0xD7; /* Arabic or Hebrew letters first */
		check_pair(0, (unsigned long)(i / 2), texts[0], texts[1], rtl, 0, &s);
		free(texts[0]);
		free(texts[1]);
	}
	printf("%lu pairs: %lu with changes, %lu moves, %lu repaired, %lu failures\n", s.pairs, s.changed, s.moved,
	       s.repaired, standalone_failures);
	return standalone_failures || s.repaired ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		xmlInitParser();
		pp_markdown_init();
		int rc = check_files(argc, argv);
		pp_markdown_shutdown();
		return rc;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oracle_notices_damage),
		cmocka_unit_test(test_guarantee_on_generated_pairs),
		cmocka_unit_test(test_guarantee_on_unrelated_pairs),
		cmocka_unit_test(test_series_compared_through_indexes),
	};
	xmlInitParser();
	pp_markdown_init();
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	pp_markdown_shutdown();
	return rc;
}
