/* policypress diff: see compare.h. */
#include "compare.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "content.h"
#include "dom.h"
#include "html.h"
#include "l10n.h"
#include "markdown.h"

/* The direction of a document: that of most of its words (an Arabic text
 * that starts with a Latin name is still right to left), on a tie the
 * title's, as the pages decide a block's. */
static int document_is_rtl(const pp_version *v)
{
	pp_direction_count words = {0};
	if (v->body)
		pp_text_count_directions(v->body, v->body_len, &words);
	if (words.ltr != words.rtl)
		return words.rtl > words.ltr;
	return v->title && pp_text_direction(v->title, strlen(v->title)) == PP_DIR_RTL;
}

/* One field of the front matter that differs: its values as the files give
 * them (NULL when one does not). */
typedef struct {
	const char *name;
	const char *old_value, *new_value;
} field_change;

enum { MAX_FIELD_CHANGES = 4 };

static int same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The fields a reader is bound by, or that the record shows, that differ.
 * An effective date counts when either file gives one: without, each takes
 * effect when published, which goes without saying. */
static size_t front_matter_changes(const pp_version *o, const pp_version *n, field_change *out)
{
	size_t count = 0;
	/* A file without front matter (its text starts the file) says nothing
	 * of these: nothing to compare them with. */
	if (o->body_offset == 0 || n->body_offset == 0)
		return 0;
	if (!same_text(o->title, n->title))
		out[count++] = (field_change){"title", o->title, n->title};
	if ((o->effective_line || n->effective_line) && strcmp(o->effective, n->effective) != 0)
		out[count++] = (field_change){"effective", *o->effective ? o->effective : NULL,
		                              *n->effective ? n->effective : NULL};
	if (!o->material != !n->material)
		out[count++] = (field_change){"material", o->material ? "true" : "false", n->material ? "true" : "false"};
	if (!same_text(o->summary, n->summary))
		out[count++] = (field_change){"summary", o->summary, n->summary};
	return count;
}

/* "@@ front matter @@" and a line per field, marked as the text is. */
static char *front_matter_text(const field_change *changes, size_t count, int colour)
{
	xmlBufferPtr buf = pp_dom_buffer_new();
	if (!buf)
		return NULL;
	xmlBufferCat(buf, BAD_CAST(colour ? "\033[36m@@ front matter @@\033[0m\n" : "@@ front matter @@\n"));
	for (size_t i = 0; i < count; i++) {
		xmlBufferCat(buf, BAD_CAST changes[i].name);
		xmlBufferCat(buf, BAD_CAST ": ");
		if (changes[i].old_value) {
			xmlBufferCat(buf, BAD_CAST(colour ? "\033[31;9m[-" : "[-"));
			xmlBufferCat(buf, BAD_CAST changes[i].old_value);
			xmlBufferCat(buf, BAD_CAST(colour ? "-]\033[0m" : "-]"));
		}
		if (changes[i].new_value) {
			xmlBufferCat(buf, BAD_CAST(colour ? "\033[32;4m{+" : "{+"));
			xmlBufferCat(buf, BAD_CAST changes[i].new_value);
			xmlBufferCat(buf, BAD_CAST(colour ? "+}\033[0m" : "+}"));
		}
		xmlBufferCat(buf, BAD_CAST "\n");
	}
	xmlBufferCat(buf, BAD_CAST "\n");
	char *text = strdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	return text;
}

/* <dl class="front-matter-changes"> first in the comparison's element. */
static int front_matter_html(xmlNodePtr out, const field_change *changes, size_t count)
{
	xmlNodePtr list = xmlNewNode(NULL, BAD_CAST "dl");
	if (!list)
		return -1;
	xmlSetProp(list, BAD_CAST "class", BAD_CAST "front-matter-changes");
	for (size_t i = 0; i < count; i++) {
		xmlNewTextChild(list, NULL, BAD_CAST "dt", BAD_CAST changes[i].name);
		xmlNodePtr value = xmlNewChild(list, NULL, BAD_CAST "dd", NULL);
		if (!value)
			break;
		if (changes[i].old_value)
			xmlNewTextChild(value, NULL, BAD_CAST "del", BAD_CAST changes[i].old_value);
		if (changes[i].old_value && changes[i].new_value)
			xmlAddChild(value, xmlNewText(BAD_CAST " "));
		if (changes[i].new_value)
			xmlNewTextChild(value, NULL, BAD_CAST "ins", BAD_CAST changes[i].new_value);
	}
	if (out->children)
		xmlAddPrevSibling(out->children, list);
	else
		xmlAddChild(out, list);
	return 0;
}

static int compare_rendered(const char *old_path, const char *new_path, const pp_compare_options *options,
                            FILE *stream, pp_diags *rendering, pp_diags *d)
{
	pp_version old_version, new_version;
	int old_ok = pp_document_read(old_path, &old_version, rendering) == 0;
	int new_ok = pp_document_read(new_path, &new_version, rendering) == 0;
	xmlNodePtr old_body = NULL, new_body = NULL;
	xmlDocPtr doc = NULL;
	int rc = -1;
	if (old_ok && new_ok) {
		/* Direction from the text itself: the files carry no locale. */
		int rtl = document_is_rtl(new_version.body_len ? &new_version : &old_version);
		pp_md_context old_ctx = {.path = old_version.path, .line_offset = old_version.body_line - 1, .rtl = rtl};
		pp_md_context new_ctx = {.path = new_version.path, .line_offset = new_version.body_line - 1, .rtl = rtl};
		old_body = pp_markdown_to_container(old_version.body, old_version.body_len, &old_ctx, rendering);
		new_body = pp_markdown_to_container(new_version.body, new_version.body_len, &new_ctx, rendering);
		doc = xmlNewDoc(BAD_CAST "1.0");
		xmlNodePtr out = doc ? xmlNewDocNode(doc, NULL, BAD_CAST "div", NULL) : NULL;
		field_change fields[MAX_FIELD_CHANGES];
		size_t field_count = front_matter_changes(&old_version, &new_version, fields);
		pp_diff_result result;
		if (old_body && new_body && out) {
			xmlDocSetRootElement(doc, out);
			xmlSetProp(out, BAD_CAST "class", BAD_CAST "policy-diff");
			xmlSetProp(out, BAD_CAST "dir", BAD_CAST(rtl ? "rtl" : "ltr"));
			if (pp_diff_dom(old_body, new_body, out, &options->diff, &result) != 0) {
				pp_error(d, NULL, 0, 0, "out of memory comparing the documents");
			} else {
				char *text_out = NULL, *fields_out = NULL;
				size_t len;
				if (options->html) {
					if ((field_count && front_matter_html(out, fields, field_count) != 0) ||
					    pp_html_serialize(doc, &text_out, &len) != 0)
						text_out = NULL;
				} else {
					text_out = pp_diff_to_text(out, options->colour, options->context);
					fields_out = field_count ? front_matter_text(fields, field_count, options->colour) : NULL;
					if (field_count && !fields_out) {
						free(text_out);
						text_out = NULL;
					}
				}
				if (text_out) {
					if (fields_out)
						fputs(fields_out, stream);
					fputs(text_out, stream);
					rc = result.change_count || field_count ? 1 : 0;
				} else {
					pp_error(d, NULL, 0, 0, "out of memory writing the comparison");
				}
				if (result.repaired)
					pp_warning(d, new_version.path, 0, 0,
					           "%zu place%s failed the diff's self-check and %s shown replaced whole "
					           "(please report this)",
					           result.repaired, result.repaired == 1 ? "" : "s",
					           result.repaired == 1 ? "is" : "are");
				free(text_out);
				free(fields_out);
				pp_diff_result_free(&result);
			}
		}
	}
	if (old_ok)
		pp_version_clear(&old_version);
	if (new_ok)
		pp_version_clear(&new_version);
	if (old_body)
		xmlFreeNode(old_body);
	if (new_body)
		xmlFreeNode(new_body);
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

int pp_compare_files(const char *old_path, const char *new_path, const pp_compare_options *options, FILE *out,
                     pp_diags *d)
{
	/* Warnings about the Markdown (raw HTML rebuilt, attribute blocks…)
	 * are for check and build; a comparison reports only what stops it. */
	pp_diags rendering;
	pp_diags_init(&rendering);
	int rc = compare_rendered(old_path, new_path, options, out, &rendering, d);
	for (size_t i = 0; i < rendering.count; i++) {
		const pp_diag *e = &rendering.items[i];
		if (e->severity == PP_ERROR)
			pp_error(d, e->file, e->line, e->column, "%s", e->message);
	}
	pp_diags_free(&rendering);
	return rc;
}
