/* policypress translate export / import: the handoff to translators and
 * back, whatever the file's format (translate_file.h). See translate.h. */
#include "translate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "content.h"
#include "fsutil.h"
#include "translate_file.h"
#include "translate_units.h"
#include "version_write.h"

void pp_tfile_free(pp_tfile *f)
{
	for (size_t i = 0; i < f->count; i++) {
		pp_tunit *u = &f->items[i];
		free(u->id);
		free(u->source);
		free(u->target);
		free(u->previous);
		free(u->note);
		free(u->reference);
	}
	free(f->items);
	free(f->policy);
	free(f->locale);
	free(f->source_locale);
	free(f->source_version);
	free(f->source_sha256);
	free(f->source_path);
	free(f->carried_from);
	memset(f, 0, sizeof *f);
}

static char *copy(const char *text) { return text ? strdup(text) : NULL; }

int pp_tfile_add(pp_tfile *f, const char *id, const char *source, const char *target, const char *previous,
                 const char *note, const char *reference, int fuzzy)
{
	if (pp_grow(&f->items, &f->capacity, f->count, sizeof *f->items, 64) != 0)
		return -1;
	pp_tunit u = {copy(id), copy(source), copy(target), copy(previous), copy(note), copy(reference), fuzzy, 0};
	if ((id && !u.id) || (source && !u.source) || (target && !u.target) || (previous && !u.previous) ||
	    (note && !u.note) || (reference && !u.reference)) {
		free(u.id), free(u.source), free(u.target), free(u.previous), free(u.note), free(u.reference);
		return -1;
	}
	f->items[f->count++] = u;
	return 0;
}

/* The series of policy in the authoritative locale, and locale's. */
static int find_series(const pp_site *site, const char *policy, const char *locale, const pp_series **authority,
                       const pp_series **translation, pp_diags *d)
{
	*authority = pp_site_find(site, policy, site->default_locale);
	*translation = pp_site_find(site, policy, locale);
	if (!*authority || !(*authority)->count) {
		pp_error(d, site->content_dir, 0, 0, "no policy '%s' in the authoritative locale '%s'", policy,
		         site->default_locale);
		return -1;
	}
	if (strcmp(locale, site->default_locale) == 0) {
		pp_error(d, site->content_dir, 0, 0, "'%s' is the authoritative locale: it is not translated", locale);
		return -1;
	}
	return 0;
}


/* The file export writes: the latest authoritative version's units, the
 * locale's latest translation carried over. Counts what it carried. */
static int build_file(const pp_site *site, const pp_series *authority, const pp_series *translation,
                      const char *policy, const char *locale, pp_tfile *f, size_t counts[3], pp_diags *d)
{
	const pp_version *source = &authority->versions[authority->count - 1];
	const pp_version *old = translation && translation->count ? &translation->versions[translation->count - 1] : NULL;
	const pp_version *old_source = old ? pp_series_translated(authority, old) : NULL;
	pp_units now = {0}, before = {0}, theirs = {0};
	long *pairs = NULL;
	int rc = pp_units_read(source, &now, d);
	if (rc == 0 && old_source && (pp_units_read(old_source, &before, d) != 0 || pp_units_read(old, &theirs, d) != 0 ||
	                              pp_units_align(&before, &theirs, &pairs) != 0))
		rc = -1;
	memset(f, 0, sizeof *f);
	f->policy = copy(policy);
	f->locale = copy(locale);
	f->source_locale = copy(authority->locale);
	f->source_version = copy(source->date);
	f->source_sha256 = copy(source->sha256);
	f->source_path = copy(source->path);
	f->carried_from = copy(old ? old->date : "none");
	(void)site;
	/* The version's own words first: title, summary, description; the
	 * title and description carried over when their source is as it was. */
	const char *fields[][3] = {{"title", source->title, old ? old->title : NULL},
	                           {"summary", source->summary, NULL},
	                           {"description", source->description, old ? old->description : NULL}};
	for (size_t k = 0; rc == 0 && k < 3; k++) {
		if (!fields[k][1])
			continue;
		const char *was = !old_source ? NULL : k == 0 ? old_source->title : k == 2 ? old_source->description : NULL;
		int same = was && fields[k][2] && strcmp(was, fields[k][1]) == 0;
		rc = pp_tfile_add(f, fields[k][0], fields[k][1], same ? fields[k][2] : NULL, NULL,
		                  k == 1 ? "the summary of this version: what changed in it" : NULL, NULL, 0);
		counts[same ? 0 : 2]++;
	}
	for (size_t i = 0; rc == 0 && i < now.count; i++) {
		const pp_unit *u = &now.items[i];
		/* The same unit in the source carried from, and its translation. */
		const pp_unit *was = NULL, *carried = NULL;
		for (size_t k = 0; k < before.count && !was; k++)
			if (strcmp(before.items[k].id, u->id) == 0) {
				was = &before.items[k];
				carried = pairs[k] >= 0 ? &theirs.items[pairs[k]] : NULL;
			}
		if (was && !carried)
			pp_warning(d, old->path, 0, 0,
			           "unit %s is exported untranslated: the translation's blocks do not align with its source's "
			           "here (a block missing, added or of another kind)",
			           u->id);
		/* Changed since: the old translation to start from, the old source
		 * beside the new, for review. */
		int changed = carried && strcmp(was->text, u->text) != 0;
		char *reference = pp_strdup_printf("%s:%d", source->path, u->line);
		rc = reference ? pp_tfile_add(f, u->id, u->text, carried ? carried->text : NULL, changed ? was->text : NULL,
		                              u->note, reference, changed)
		               : -1;
		if (rc == 0)
			f->items[f->count - 1].raw_html = u->raw_html;
		free(reference);
		counts[changed ? 1 : carried ? 0 : 2]++;
	}
	if (rc != 0 && d->errors == 0)
		pp_error(d, source->path, 0, 0, "out of memory");
	free(pairs);
	pp_units_free(&now);
	pp_units_free(&before);
	pp_units_free(&theirs);
	return rc;
}

int pp_translate_export(const pp_translate_export_options *o, pp_diags *d)
{
	pp_site *site = pp_site_load(o->content_dir, NULL, PP_METADATA_ONLY, 0, d);
	if (!site)
		return d->io_errors ? 2 : 1;
	const pp_series *authority, *translation;
	pp_tfile f = {0};
	size_t counts[3] = {0, 0, 0};
	int rc = find_series(site, o->policy, o->locale, &authority, &translation, d);
	if (rc == 0)
		rc = build_file(site, authority, translation, o->policy, o->locale, &f, counts, d);
	if (rc == 0)
		rc = o->xliff ? pp_xliff_write(&f, o->output, d) : pp_po_write(&f, o->output, d);
	if (rc == 0)
		fprintf(stderr, "policypress: %zu units of %s/%s/%s for '%s': %zu translated, %zu to review, %zu new%s%s\n",
		        counts[0] + counts[1] + counts[2], o->policy, authority->locale, f.source_version, o->locale,
		        counts[0], counts[1], counts[2], strcmp(f.carried_from, "none") ? ", carried over from " : "",
		        strcmp(f.carried_from, "none") ? translation->versions[translation->count - 1].path : "");
	pp_tfile_free(&f);
	pp_site_free(site);
	return rc == 0 ? 0 : d->io_errors ? 2 : 1;
}

/* Whether path holds XML (an XLIFF file) rather than PO text. */
static int is_xml(const char *path)
{
	FILE *in = fopen(path, "rb");
	char head[64] = "";
	size_t n = in ? fread(head, 1, sizeof head - 1, in) : 0;
	if (in)
		fclose(in);
	head[n] = '\0';
	const char *p = head + (strncmp(head, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0);
	while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
		p++;
	return *p == '<';
}

int pp_translate_import(const pp_translate_import_options *o, pp_diags *d)
{
	pp_tfile f;
	int read = is_xml(o->file) ? pp_xliff_read(o->file, &f, d) : pp_po_read(o->file, &f, d);
	if (read != 0) {
		pp_tfile_free(&f);
		return d->io_errors ? 2 : 1;
	}
	const char *policy = f.policy, *locale = f.locale, *source_date = f.source_version, *source_sha = f.source_sha256;
	int rc = 0;
	if (!policy || !locale || !source_date || !source_sha) {
		pp_error(d, o->file, 1, 1, "not a policypress translation file: its header names no policy, language, "
		                           "source version and SHA-256 (export one with policypress translate export)");
		rc = -1;
	}
	pp_site *site = rc == 0 ? pp_site_load(o->content_dir, NULL, PP_METADATA_ONLY, 0, d) : NULL;
	const pp_series *authority = NULL, *translation = NULL;
	const pp_version *source = NULL;
	if (rc == 0 && (!site || find_series(site, policy, locale, &authority, &translation, d) != 0))
		rc = -1;
	if (rc == 0 && !(source = pp_series_version(authority, source_date))) {
		pp_error(d, o->file, 0, 0, "it translates %s/%s/%s, which the content no longer has", policy,
		         site->default_locale, source_date);
		rc = -1;
	}
	if (rc == 0 && strcmp(source->sha256, source_sha) != 0) {
		pp_error(d, o->file, 0, 0, "%s changed after this file was exported (its SHA-256 is no longer %s): "
		                           "export again and carry the translation over",
		         source->path, source_sha);
		rc = -1;
	}
	char *target = rc == 0 ? pp_strdup_printf("%s/%s/%s/%s.md", o->content_dir, policy, locale, o->date) : NULL;
	if (rc == 0 && (!target || access(target, F_OK) == 0)) {
		pp_error(d, target ? target : o->file, 0, 0,
		         "exists already: a version is never rewritten; import with another --date");
		rc = -1;
	}
	if (rc == 0 && strcmp(o->date, source->date) < 0) {
		pp_error(d, o->file, 0, 0, "--date %s is before the version it translates (%s)", o->date, source->date);
		rc = -1;
	}
	pp_units units = {0};
	if (rc == 0 && pp_units_read(source, &units, d) != 0)
		rc = -1;
	const char **texts = rc == 0 ? calloc(units.count ? units.count : 1, sizeof *texts) : NULL;
	int *lines = texts ? calloc(units.count ? units.count : 1, sizeof *lines) : NULL;
	const char *title = NULL, *summary = NULL, *description = NULL;
	if (rc == 0 && !lines)
		rc = -1;
	for (size_t k = 0; rc == 0 && k < f.count; k++) {
		const pp_tunit *m = &f.items[k];
		const char *context = m->id, *msgid = m->source ? m->source : "", *msgstr = m->target ? m->target : "";
		/* Neither PO nor XLIFF readers keep a line of the file: messages
		 * name the unit and its line in the source. */
		int line = 0;
		if (!context) {
			pp_error(d, o->file, 0, 0, "a unit without its id (msgctxt): '%.40s'", msgid);
			continue;
		}
		long index = -1;
		for (size_t i = 0; i < units.count && index < 0; i++)
			if (strcmp(units.items[i].id, context) == 0)
				index = (long)i;
		int field = strcmp(context, "title") == 0 || strcmp(context, "summary") == 0 ||
		            strcmp(context, "description") == 0;
		if (index < 0 && !field) {
			pp_error(d, o->file, line, 0, "unit %s is not in %s: was the file made for another version?", context,
			         source->path);
			continue;
		}
		if (m->fuzzy) {
			pp_error(d, o->file, line, 0, "unit %s (source line %d) still needs review (fuzzy): review it in your tool",
			         context, index >= 0 ? units.items[index].line : 0);
			continue;
		}
		if (!*msgstr) {
			pp_error(d, o->file, line, 0, "unit %s (source line %d) is not translated", context,
			         index >= 0 ? units.items[index].line : 0);
			continue;
		}
		if (field) {
			*(context[0] == 't' ? &title : context[0] == 's' ? &summary : &description) = msgstr;
			continue;
		}
		/* The same text, if written otherwise (an XLIFF file's Markdown is
		 * written back from its pieces). */
		int differs = 0;
		if (index >= 0 && units.items[index].raw_html) {
			/* HTML as written: a file gives it back byte for byte. */
			differs = strcmp(units.items[index].text, msgid) != 0;
		} else if (index >= 0 && strcmp(units.items[index].text, msgid) != 0) {
			char *canonical = pp_inline_canonical(msgid), *source_canonical = pp_inline_canonical(units.items[index].text);
			differs = canonical && source_canonical && strcmp(canonical, source_canonical) != 0;
			free(canonical);
			free(source_canonical);
		}
		if (differs) {
			pp_error(d, o->file, line, 0, "unit %s: its source text is not %s's", context, source->path);
			continue;
		}
		/* Code spans are names, commands, addresses: kept as they are (a
		 * raw HTML block's tags are checked as it is composed). */
		char *want = units.items[index].raw_html ? NULL : pp_inline_codes(msgid);
		char *got = want ? pp_inline_codes(msgstr) : NULL;
		if (want && got && strcmp(want, got) != 0)
			pp_error(d, o->file, line, 0, "unit %s (source line %d): its code spans were changed, lost or added: "
			                              "keep `…` as the source has them",
			         context, units.items[index].line);
		free(want);
		free(got);
		texts[index] = msgstr;
		lines[index] = line;
	}
	for (size_t i = 0; rc == 0 && i < units.count; i++)
		if (!texts[i])
			pp_error(d, o->file, 0, 0, "unit %s is missing from the file", units.items[i].id);
	if (rc == 0 && !title)
		pp_error(d, o->file, 0, 0, "the title is not translated");
	if (d->errors)
		rc = -1;
	char *body = rc == 0 ? pp_units_compose(&units, texts, lines, o->file, d) : NULL;
	char *head = body ? pp_front_matter_write(&(pp_front_matter_fields){.title = title, .date = o->date,
	                                                                     .summary = summary, .description = description,
	                                                                     .translates = source->date})
	                  : NULL;
	char *text = head ? pp_strdup_printf("%s\n%s", head, body) : NULL;
	char *dir = target ? pp_strdup_printf("%s/%s/%s", o->content_dir, policy, locale) : NULL;
	int written = text && dir && pp_mkdirs(dir) == 0 ? pp_write_new_file(target, text, strlen(text)) : -1;
	if (written == 1) {
		pp_error(d, target, 0, 0, "exists already: a version is never rewritten; import with another --date");
		rc = -1;
	} else if (written != 0 && text) {
		pp_io_error(d, target, "cannot write: %s", strerror(errno));
		rc = -1;
	} else if (text) {
		printf("policypress: wrote %s (translates %s); run policypress check before publishing it\n", target,
		       source->path);
	} else {
		rc = -1;
	}
	free(dir);
	free(text);
	free(head);
	free(body);
	free(texts);
	free(lines);
	pp_units_free(&units);
	free(target);
	pp_site_free(site);
	pp_tfile_free(&f);
	return rc == 0 ? 0 : d->io_errors ? 2 : 1;
}
