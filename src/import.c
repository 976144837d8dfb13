#include "import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>
#include <yaml.h>

#include "content.h"
#include "fsutil.h"
#include "l10n.h"
#include "version_write.h"
#include "markdown.h"
#include "yamlmap.h"

/* A commit that changed the file: what the history holds of it. */
typedef struct {
	git_oid commit, blob;
	git_time_t time;     /* committer time, seconds since the epoch */
	char *subject;
	char *path;          /* the file's path at that commit */
	char date[11];       /* the version's date */
} change;

typedef struct {
	change *items;
	size_t count, capacity;
} change_list;

/* One version to write, and what its text gave. */
typedef struct {
	const change *from;
	char label[64 + 16]; /* "path@1a2b3c4" for messages */
	char *body;          /* the text after front matter, Liquid left out */
	char *title;         /* NULL when the text gives none */
	char *effective;     /* "YYYY-MM-DD" or NULL */
	char *description;   /* NULL when the file has none */
} version_text;

static int git_failed(pp_diags *d, const char *what, const char *where)
{
	const git_error *e = git_error_last();
	pp_error(d, where, 0, 0, "%s: %s", what, e && e->message ? e->message : "libgit2 failed");
	return -1;
}

static void short_id(const git_oid *oid, char out[8])
{
	char full[GIT_OID_HEXSZ + 1];
	git_oid_tostr(full, sizeof full, oid);
	memcpy(out, full, 7);
	out[7] = '\0';
}

/* Symbolic links followed from the file to the text, at most: git allows
 * a chain, and a loop must end. */
#define MAX_LINK_HOPS 8

/* Where a symbolic link at path leads, as a path in the same tree: its
 * target read against the link's directory. NULL when the target is
 * absolute or climbs out of the tree (the text is then not in the
 * repository at all), or out of memory. */
static char *link_target(git_repository *repo, const git_tree_entry *entry, const char *path)
{
	git_blob *blob;
	if (git_blob_lookup(&blob, repo, git_tree_entry_id(entry)) != 0)
		return NULL;
	const char *target = git_blob_rawcontent(blob);
	size_t len = (size_t)git_blob_rawsize(blob);
	char *joined = NULL;
	if (len > 0 && target[0] != '/' && !memchr(target, '\0', len)) {
		const char *slash = strrchr(path, '/');
		int dir = slash ? (int)(slash - path + 1) : 0;
		joined = pp_strdup_printf("%.*s%.*s", dir, path, (int)len, target);
	}
	git_blob_free(blob);
	char *normal = joined ? pp_path_normalize(joined) : NULL;
	free(joined);
	if (normal && (!*normal || normal[strlen(normal) - 1] == '/')) {
		free(normal);
		normal = NULL;
	}
	return normal;
}

/* The blob at path in a commit's tree, symbolic links followed inside the
 * tree; 0 when found, GIT_ENOTFOUND when the path holds no file there,
 * GIT_EINVALID when it is a symbolic link that leads out of the tree (or in
 * a loop), -1 on other failures. */
static int blob_at(git_repository *repo, git_commit *commit, const char *path, git_oid *blob)
{
	git_tree *tree;
	if (git_commit_tree(&tree, commit) != 0)
		return -1;
	char *at = strdup(path);
	int rc = at ? GIT_EINVALID : -1;
	for (int hop = 0; at && hop <= MAX_LINK_HOPS; hop++) {
		git_tree_entry *entry;
		rc = git_tree_entry_bypath(&entry, tree, at);
		if (rc != 0)
			break;
		if (git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK) {
			char *next = link_target(repo, entry, at);
			git_tree_entry_free(entry);
			free(at);
			at = next;
			rc = GIT_EINVALID;
			continue;
		}
		if (git_tree_entry_type(entry) == GIT_OBJECT_BLOB)
			git_oid_cpy(blob, git_tree_entry_id(entry));
		else
			rc = GIT_ENOTFOUND;
		git_tree_entry_free(entry);
		break;
	}
	free(at);
	git_tree_free(tree);
	return rc;
}

/* The path a commit renamed path from, relative to its first parent; NULL
 * when it did not (malloc'ed). */
static char *renamed_from(git_repository *repo, git_commit *parent, git_commit *commit, const char *path)
{
	git_tree *old_tree = NULL, *new_tree = NULL;
	git_diff *diff = NULL;
	char *from = NULL;
	git_diff_find_options find;
	git_diff_find_options_init(&find, GIT_DIFF_FIND_OPTIONS_VERSION);
	find.flags = GIT_DIFF_FIND_RENAMES;
	if (git_commit_tree(&old_tree, parent) == 0 && git_commit_tree(&new_tree, commit) == 0 &&
	    git_diff_tree_to_tree(&diff, repo, old_tree, new_tree, NULL) == 0 &&
	    git_diff_find_similar(diff, &find) == 0) {
		for (size_t i = 0; !from && i < git_diff_num_deltas(diff); i++) {
			const git_diff_delta *delta = git_diff_get_delta(diff, i);
			if (delta->status == GIT_DELTA_RENAMED && strcmp(delta->new_file.path, path) == 0)
				from = strdup(delta->old_file.path);
		}
	}
	git_diff_free(diff);
	git_tree_free(old_tree);
	git_tree_free(new_tree);
	return from;
}

/* The commit's subject in UTF-8: converted from the encoding its message
 * declares (i18n.commitEncoding), invalid bytes replaced; NULL when out of
 * memory. A message ICU cannot convert is reported and left out. */
static char *subject_of(git_commit *commit, const char *label, pp_diags *d)
{
	const char *summary = git_commit_summary(commit);
	if (!summary)
		summary = "";
	const char *encoding = git_commit_message_encoding(commit);
	if (!encoding || strcasecmp(encoding, "UTF-8") == 0 || strcasecmp(encoding, "UTF8") == 0)
		encoding = "UTF-8"; /* still converted: a byte that is not UTF-8 becomes U+FFFD */
	char *utf8 = NULL;
	int rc = pp_to_utf8_from(encoding, summary, strlen(summary), &utf8);
	if (rc > 0) {
		pp_warning(d, label, 0, 0, "the commit message's encoding '%s' is not one policypress can convert: "
		           "the summary is left out", encoding);
		return strdup("");
	}
	if (rc == 0 && strcmp(utf8, summary) != 0 && strcmp(encoding, "UTF-8") == 0)
		pp_warning(d, label, 0, 0, "the commit message is not UTF-8 and declares no encoding: "
		           "its summary is kept with the bytes that are not UTF-8 replaced");
	return utf8;
}

/* The commits of the mainline that changed the file, newest first: HEAD
 * and its first parents (git log --first-parent), so a text that lived only
 * on a branch is never a version and a merge is the commit that published
 * what it brought in. Renames are followed along the first parent. */
static int walk_history(git_repository *repo, const char *file, change_list *out, pp_diags *d)
{
	git_revwalk *walk = NULL;
	if (git_revwalk_new(&walk, repo) != 0 || git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL) != 0 ||
	    git_revwalk_simplify_first_parent(walk) != 0 || git_revwalk_push_head(walk) != 0) {
		git_revwalk_free(walk);
		return git_failed(d, "cannot walk the history from HEAD", file);
	}
	char *path = strdup(file);
	int rc = path ? 0 : -1;
	git_oid id;
	while (rc == 0 && git_revwalk_next(&id, walk) == 0) {
		git_commit *commit;
		if (git_commit_lookup(&commit, repo, &id) != 0) {
			rc = git_failed(d, "cannot read a commit", file);
			break;
		}
		char label[GIT_OID_HEXSZ + 1024];
		char short_commit[8];
		short_id(&id, short_commit);
		snprintf(label, sizeof label, "%.*s@%s", (int)pp_utf8_fit(path, strlen(path), 1000), path, short_commit);
		git_oid blob;
		int found = blob_at(repo, commit, path, &blob);
		if (found == GIT_EINVALID) {
			pp_error(d, label, 0, 0, "a symbolic link that leads out of the repository's tree (or in a loop): "
			                         "its target is not part of the history and is not imported");
			rc = 1;
		}
		if (found != 0) {
			git_commit_free(commit);
			continue; /* not there: deleted, or not yet added */
		}
		/* Changed unless the first parent has the same text, under this
		 * path or the one the commit renamed it from. */
		int same = 0;
		char *older_path = NULL;
		git_commit *parent;
		if (git_commit_parentcount(commit) > 0 && git_commit_parent(&parent, commit, 0) == 0) {
			git_oid before;
			if (blob_at(repo, parent, path, &before) == 0)
				same = git_oid_equal(&before, &blob);
			else if ((older_path = renamed_from(repo, parent, commit, path)) != NULL)
				same = blob_at(repo, parent, older_path, &before) == 0 && git_oid_equal(&before, &blob);
			git_commit_free(parent);
		}
		if (!same) {
			const git_signature *committer = git_commit_committer(commit);
			change c = {.time = committer ? committer->when.time : git_commit_time(commit),
			            .subject = subject_of(commit, label, d), .path = strdup(path)};
			git_oid_cpy(&c.commit, &id);
			git_oid_cpy(&c.blob, &blob);
			if (!c.subject || !c.path || pp_grow(&out->items, &out->capacity, out->count, sizeof c, 64) != 0) {
				free(c.subject);
				free(c.path);
				rc = -1;
			} else {
				out->items[out->count++] = c;
			}
		}
		if (older_path) {
			free(path);
			path = older_path;
		}
		git_commit_free(commit);
	}
	if (rc < 0)
		pp_error(d, file, 0, 0, "out of memory reading the history");
	free(path);
	git_revwalk_free(walk);
	return rc;
}

/* ---- a version's text ---------------------------------------------------- */

/* Labels policies put before the date their text takes effect. */
static const char *const effective_labels[] = {
	"effective date", "effective as of", "effective from", "effective on", "effective:", "last updated",
	"last modified", "last revised", "date of last revision", "updated on", "date d'effet",
	"date d’entrée en vigueur", "dernière mise à jour", "gültig ab", "stand:", "fecha de entrada en vigor",
	"última actualización", "تاريخ السريان", "تاريخ النفاذ", "آخر تحديث", "תאריך עדכון", "עודכן לאחרונה",
	"تاریخ اجرا", "آخرین به‌روزرسانی"};

/* ASCII letters compared without case; the rest byte for byte. */
static int starts_with_label(const char *p, const char *label)
{
	for (; *label; p++, label++) {
		char a = *p, b = *label;
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return 1;
}

/* Whether a label may start at p: at the line's start or after a character
 * that is neither a letter nor a digit, so "stand:" is not read inside
 * "understand:". */
static int at_word_start(const char *line, const char *p)
{
	if (p == line)
		return 1;
	int32_t i = (int32_t)(p - line);
	UChar32 c;
	U8_PREV((const uint8_t *)line, 0, i, c);
	return c < 0 || !(u_isalnum(c) || u_charType(c) == U_NON_SPACING_MARK);
}

/* The date a line of the text states the version takes effect, as
 * "YYYY-MM-DD" in out; 0 when found. */
static int stated_date(const char *body, const char *locale, char out[11])
{
	for (const char *line = body; *line;) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		for (const char *p = line; p < line + len; p++) {
			if (!at_word_start(line, p))
				continue;
			for (size_t k = 0; k < sizeof effective_labels / sizeof *effective_labels; k++) {
				const char *label = effective_labels[k];
				if (!starts_with_label(p, label))
					continue;
				/* Past the label: markup, colons and spaces, then the date. */
				const char *q = p + strlen(label);
				while (q < line + len && strchr(" \t:*_-–—(", *q))
					q++;
				int y, m, dd;
				size_t used;
				if (q < line + len && pp_date_parse(locale, q, (size_t)(line + len - q), &y, &m, &dd, &used) == 0) {
					snprintf(out, 11, "%04d-%02d-%02d", y, m, dd);
					return 0;
				}
			}
		}
		line += len + (eol ? 1 : 0);
	}
	return -1;
}

/* Leaves Liquid tags out of text, in place: "{% … %}" and "{{ … }}", each
 * reported; a line that held only tags goes with them. */
static void leave_out_liquid(char *text, const char *label, int first_line, pp_diags *d)
{
	char *w = text;
	int line = first_line;
	char *line_start_w = w;
	int line_had_tag = 0, line_has_text = 0;
	for (const char *r = text; *r;) {
		if (r[0] == '{' && (r[1] == '%' || r[1] == '{')) {
			const char *close = r[1] == '%' ? "%}" : "}}";
			const char *eol = strchr(r, '\n');
			/* A tag is short: its end is looked for a little way on. */
			const char *end = memmem(r + 2, strnlen(r + 2, 4096), close, 2);
			const char *sol = r; /* the column counts bytes from the line's start */
			while (sol > text && sol[-1] != '\n')
				sol--;
			int column = (int)(r - sol) + 1;
			if (end && (!eol || end < eol || r[1] == '%')) {
				size_t n = (size_t)(end + 2 - r);
				pp_warning(d, label, line, column, "Liquid tag '%.*s' left out: policypress does not run Liquid",
				           (int)pp_utf8_fit(r, n, 60), r);
				for (const char *c = r; c < end + 2; c++)
					line += *c == '\n';
				r = end + 2;
			} else {
				size_t n = eol ? (size_t)(eol - r) : strlen(r);
				pp_warning(d, label, line, column,
				           "unclosed Liquid tag '%.*s': left out to the end of the line", (int)pp_utf8_fit(r, n, 60), r);
				r += n;
			}
			line_had_tag = 1;
			continue;
		}
		if (*r == '\n') {
			if (line_had_tag && !line_has_text) {
				w = line_start_w; /* the line held only tags */
				r++;
			} else {
				*w++ = *r++;
			}
			line++;
			line_start_w = w;
			line_had_tag = line_has_text = 0;
			continue;
		}
		if (*r != ' ' && *r != '\t')
			line_has_text = 1;
		*w++ = *r++;
	}
	if (line_had_tag && !line_has_text)
		w = line_start_w;
	*w = '\0';
}

static int is_effective_key(const char *key)
{
	static const char *const keys[] = {"effective", "effective_date", "effective-date", "effectiveDate",
	                                   "effective_on", "date_effective"};
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		if (strcmp(key, keys[i]) == 0)
			return 1;
	return 0;
}

/* Front matter keys reported so far: each once per import. */
typedef struct {
	char **keys;
	size_t count, capacity;
} key_set;

typedef struct {
	version_text *v;
	const char *date;     /* the version's */
	const char *locale;
	key_set *reported;
} front_matter_ctx;

static int visit_key(void *data, const pp_yaml *y, const char *key, yaml_node_t *key_node, yaml_node_t *value,
                     pp_diags *d)
{
	front_matter_ctx *c = data;
	const char *text = pp_yaml_scalar(value);
	if (strcmp(key, "title") == 0 && text && *text) {
		free(c->v->title);
		c->v->title = strdup(text);
		return 0;
	}
	if (strcmp(key, "description") == 0 && text && *text) {
		free(c->v->description);
		c->v->description = strdup(text);
		return 0;
	}
	if (is_effective_key(key) && text) {
		int yy, mm, dd;
		size_t used = 0;
		char iso[11] = "";
		if (pp_parse_iso_date(text, &yy, &mm, &dd) == 0 ||
		    (strlen(text) > 10 && text[10] == ' ' && pp_date_parse("en", text, 10, &yy, &mm, &dd, &used) == 0) ||
		    (pp_date_parse(c->locale, text, strlen(text), &yy, &mm, &dd, &used) == 0 && used == strlen(text)))
			snprintf(iso, sizeof iso, "%04d-%02d-%02d", yy, mm, dd);
		if (!*iso)
			pp_warning(d, c->v->label, pp_yaml_line(y, value), pp_yaml_column(value),
			           "'%s' is not a date policypress can read: left out", key);
		else if (strcmp(iso, c->date) < 0)
			pp_warning(d, c->v->label, pp_yaml_line(y, value), pp_yaml_column(value),
			           "'%s' is %s, before this version's date %s: left out (a version cannot take effect "
			           "before it is published)", key, iso, c->date);
		else if (!(c->v->effective = strdup(iso)))
			return -1;
		return 0;
	}
	key_set *seen = c->reported;
	for (size_t i = 0; i < seen->count; i++)
		if (strcmp(seen->keys[i], key) == 0)
			return 0;
	char *copy = strdup(key);
	if (!copy || pp_grow(&seen->keys, &seen->capacity, seen->count, sizeof *seen->keys, 8) != 0) {
		free(copy);
		return -1;
	}
	seen->keys[seen->count++] = copy;
	pp_warning(d, c->v->label, pp_yaml_line(y, key_node), pp_yaml_column(key_node),
	           "front matter key '%s' is not kept: policypress has no use for it (reported once)", key);
	return 0;
}

/* Reads a version's text from its blob: front matter keys, the body with
 * Liquid left out, and the date a line states when asked. 0, or -1 after an
 * error in d. */
static int read_version(git_repository *repo, const pp_import_options *o, change *c, version_text *v,
                        key_set *reported, pp_diags *d)
{
	char id[8];
	short_id(&c->commit, id);
	snprintf(v->label, sizeof v->label, "%.*s@%s", (int)pp_utf8_fit(c->path, strlen(c->path), 60), c->path, id);
	v->from = c;
	git_blob *blob;
	if (git_blob_lookup(&blob, repo, &c->blob) != 0)
		return git_failed(d, "cannot read the file's text", v->label);
	const char *data = git_blob_rawcontent(blob);
	size_t len = (size_t)git_blob_rawsize(blob);
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		data += 3, len -= 3;
	size_t n;
	char *text = pp_normalize_newlines(data, len, &n);
	git_blob_free(blob);
	if (!text) {
		pp_error(d, v->label, 0, 0, "out of memory");
		return -1;
	}
	if (strlen(text) != n) {
		free(text);
		pp_error(d, v->label, 0, 0, "the file holds a NUL byte: it is not text");
		return -1;
	}
	if (pp_front_matter_is_toml(text, n)) {
		free(text);
		pp_error(d, v->label, 1, 1, PP_TOML_MESSAGE);
		return -1;
	}
	pp_front_matter fm;
	int found = pp_front_matter_find(text, n, &fm);
	size_t body = found > 0 ? fm.body : 0;
	int body_line = found > 0 ? fm.body_line : 1;
	if (found < 0)
		pp_warning(d, v->label, 1, 1, "front matter is not closed: the file is read as text only");
	if (o->date_from_effective_line && stated_date(text + body, o->locale, c->date) != 0)
		pp_warning(d, v->label, 0, 0, "no line states when this version takes effect: dated by its commit (%s)",
		           c->date);
	if (found > 0) {
		/* Another generator's YAML: its problems are warnings here. */
		pp_diags yaml_problems;
		pp_diags_init(&yaml_problems);
		pp_yaml y;
		if (pp_yaml_load(&y, v->label, text + fm.yaml, fm.yaml_len, 1, &yaml_problems) == 0) {
			yaml_node_t *root = pp_yaml_root(&y);
			front_matter_ctx ctx = {v, c->date, o->locale, reported};
			if (root && root->type == YAML_MAPPING_NODE)
				pp_yaml_each_pair(&y, root, &ctx, visit_key, d);
			pp_yaml_free(&y);
		}
		for (size_t i = 0; i < yaml_problems.count; i++) {
			const pp_diag *p = &yaml_problems.items[i];
			pp_warning(d, p->file, p->line, p->column, "%s (front matter left out)", p->message);
		}
		pp_diags_free(&yaml_problems);
	}
	leave_out_liquid(text + body, v->label, body_line, d);
	if (!v->title)
		v->title = pp_markdown_first_heading_text(text + body, strlen(text + body));
	v->body = strdup(text + body);
	free(text);
	if (!v->body) {
		pp_error(d, v->label, 0, 0, "out of memory");
		return -1;
	}
	return 0;
}

/* ---- writing ------------------------------------------------------------- */

/* The text with every run of white space as one space: what decides that
 * two successive versions are the same. */
static char *folded(const char *text)
{
	char *out = malloc(strlen(text) + 1), *w = out;
	if (!out)
		return NULL;
	int space = 0;
	for (const char *p = text; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v') {
			space = w != out;
			continue;
		}
		if (space)
			*w++ = ' ';
		space = 0;
		*w++ = *p;
	}
	*w = '\0';
	return out;
}

static void collapse_white_space(char *text)
{
	char *f = folded(text);
	if (f) {
		strcpy(text, f);
		free(f);
	}
}

/* The file's path in the repository's tree from what was given: relative
 * to the repository's top ("./p.md" and "docs/../p.md" too), or absolute
 * inside its work tree. NULL after an error in d. */
static char *tree_path(git_repository *repo, const char *given, pp_diags *d)
{
	char *relative = NULL;
	if (given[0] == '/') {
		const char *workdir = git_repository_workdir(repo);
		char *top = workdir ? realpath(workdir, NULL) : NULL;
		/* The file may be gone from the work tree: its directory is resolved. */
		char *dir = strdup(given), *slash = dir ? strrchr(dir, '/') : NULL;
		if (slash)
			*slash = '\0';
		char *real_dir = dir ? realpath(*dir ? dir : "/", NULL) : NULL;
		size_t n = top ? strlen(top) : 0;
		if (real_dir && top && strncmp(real_dir, top, n) == 0 && (real_dir[n] == '/' || real_dir[n] == '\0'))
			relative = pp_strdup_printf("%s%s%s", real_dir[n] ? real_dir + n + 1 : "", real_dir[n] ? "/" : "",
			                            strrchr(given, '/') + 1);
		else
			pp_error(d, given, 0, 0, "not inside the repository's work tree%s%s", top ? " " : "",
			         top ? top : "");
		free(top);
		free(dir);
		free(real_dir);
		if (!relative)
			return NULL;
	}
	char *normal = pp_path_normalize(relative ? relative : given);
	free(relative);
	if (!normal || !*normal || normal[strlen(normal) - 1] == '/') {
		pp_error(d, given, 0, 0, "not a file's path inside the repository");
		free(normal);
		return NULL;
	}
	return normal;
}

/* Whether two texts are the same version: the same words (white space
 * aside), title and effective date. */
static int same_version(const version_text *a, const char *a_folded, const version_text *b, const char *b_folded)
{
	return strcmp(a_folded, b_folded) == 0 && !a->title == !b->title &&
	       (!a->title || strcmp(a->title, b->title) == 0) && !a->effective == !b->effective &&
	       (!a->effective || strcmp(a->effective, b->effective) == 0);
}

/* Whether the version file at path holds the text folded_body (white
 * space aside): 1 when it does, 0 when not, -1 when it cannot be read (the
 * reason in d). */
static int file_holds(const char *path, const char *folded_body, pp_diags *d)
{
	pp_version existing;
	if (pp_document_read(path, &existing, d) != 0)
		return -1;
	char *body = folded(existing.body);
	pp_version_clear(&existing);
	if (!body) {
		pp_error(d, path, 0, 0, "out of memory");
		return -1;
	}
	int same = strcmp(body, folded_body) == 0;
	free(body);
	return same;
}

int pp_import_git(const pp_import_options *o, FILE *report, pp_diags *d)
{
	char why[256];
	if (!pp_is_policy_name(o->policy)) {
		pp_error(d, NULL, 0, 0, "--policy '%s' becomes part of URLs: use lowercase ASCII letters, digits, '-' and '_'",
		         o->policy);
		return 2;
	}
	if (pp_locale_validate(o->locale, why, sizeof why) != 0) {
		pp_error(d, NULL, 0, 0, "--locale '%s': %s", o->locale, why);
		return 2;
	}
	git_libgit2_init();
	git_repository *repo = NULL;
	change_list history = {0};
	version_text *versions = NULL;
	version_text **kept = NULL;
	char **folded_texts = NULL;
	char *file = NULL, *dir = NULL;
	size_t version_count = 0;
	key_set reported = {0};
	int status = 2;
	if (git_repository_open_ext(&repo, o->repo, 0, NULL) != 0) {
		git_failed(d, "not a git repository", o->repo);
		goto done;
	}
	if (git_repository_is_shallow(repo) == 1) {
		pp_error(d, o->repo, 0, 0, "shallow clone: fetch the whole history (git fetch --unshallow; in CI, a "
		                           "checkout with fetch-depth: 0) and import again: a policy's record is every "
		                           "version it had");
		goto done;
	}
	if (!(file = tree_path(repo, o->file, d)))
		goto done;
	int walked = walk_history(repo, file, &history, d);
	if (walked != 0) {
		status = walked > 0 ? 1 : 2;
		goto done;
	}
	if (history.count == 0) {
		pp_error(d, file, 0, 0, "no commit of the mainline (HEAD and its first parents) has this file");
		goto done;
	}
	status = 0;
	for (size_t i = 0; i < history.count; i++) {
		time_t t = (time_t)history.items[i].time;
		struct tm tm;
		if (!gmtime_r(&t, &tm) || strftime(history.items[i].date, 11, "%Y-%m-%d", &tm) != 10)
			strcpy(history.items[i].date, "1970-01-01");
	}
	/* From here on the history is oldest first: the mainline's order. */
	for (size_t i = 0, j = history.count - 1; i < j; i++, j--) {
		change swap = history.items[i];
		history.items[i] = history.items[j];
		history.items[j] = swap;
	}
	versions = calloc(history.count, sizeof *versions);
	kept = calloc(history.count, sizeof *kept);
	folded_texts = calloc(history.count, sizeof *folded_texts);
	if (!versions || !kept || !folded_texts) {
		pp_error(d, file, 0, 0, "out of memory");
		status = 2;
		goto done;
	}
	for (size_t i = 0; i < history.count; i++)
		if (read_version(repo, o, &history.items[i], &versions[i], &reported, d) != 0)
			status = 1;
	/* Dates follow the mainline: a commit dated before the one it follows
	 * had a wrong clock and takes that date; a stated date cannot go back,
	 * and nothing is dated after the reference date. */
	const version_text *before = NULL;
	for (size_t i = 0; i < history.count; i++) {
		version_text *v = &versions[i];
		change *c = &history.items[i];
		if (!v->body)
			continue;
		if (o->as_of && strcmp(c->date, o->as_of) > 0) {
			pp_error(d, v->label, 0, 0, "dated %s, after the reference date %s: %s; not imported", c->date,
			         o->as_of, o->date_from_effective_line ? "a version is dated when it is published"
			                                               : "the commit's clock was wrong");
			free(v->body);
			v->body = NULL;
			status = 1;
			continue;
		}
		if (before && strcmp(c->date, before->from->date) < 0) {
			if (o->date_from_effective_line) {
				pp_error(d, v->label, 0, 0, "states %s, before %s, the date of %s, an earlier version: "
				         "not imported (the record's dates cannot go back)", c->date, before->from->date,
				         before->label);
				free(v->body);
				v->body = NULL;
				status = 1;
				continue;
			}
			pp_warning(d, v->label, 0, 0, "committed on %s, before %s, the commit it follows on the mainline "
			           "(a wrong clock): dated %s", c->date, before->label, before->from->date);
			memcpy(c->date, before->from->date, sizeof c->date);
		}
		before = v;
	}
	/* One version per date: the mainline's last of that date. Then a text
	 * the same as the one before (white space aside, with the same title
	 * and effective date) is not a new version. */
	for (size_t i = 0; i < history.count; i++) {
		version_text *v = &versions[i];
		if (!v->body)
			continue;
		size_t next = i + 1;
		while (next < history.count && !versions[next].body)
			next++;
		if (next < history.count && strcmp(history.items[next].date, v->from->date) == 0)
			continue; /* a later commit of the same date follows */
		char *text = folded(v->body);
		if (!text) {
			pp_error(d, v->label, 0, 0, "out of memory");
			status = 2;
			goto done;
		}
		if (version_count > 0 &&
		    same_version(kept[version_count - 1], folded_texts[version_count - 1], v, text)) {
			free(text);
			continue;
		}
		folded_texts[version_count] = text;
		kept[version_count++] = v;
	}
	/* A version without a title of its own takes the one given, else the
	 * one the version before it had, or, before any had one, the first
	 * that came after. */
	for (size_t i = 0; o->title && i < version_count; i++)
		if (!kept[i]->title && !(kept[i]->title = strdup(o->title)))
			status = 2;
	const char *last_title = NULL;
	for (size_t i = 0; i < version_count; i++) {
		if (kept[i]->title)
			last_title = kept[i]->title;
		else if (last_title)
			kept[i]->title = strdup(last_title);
	}
	for (size_t i = version_count; i-- > 0;) {
		if (kept[i]->title)
			last_title = kept[i]->title;
		else if (last_title)
			kept[i]->title = strdup(last_title);
	}
	dir = pp_strdup_printf("%s/%s/%s", o->content_dir, o->policy, o->locale);
	if (!dir || pp_mkdirs(dir) != 0) {
		pp_io_error(d, dir ? dir : o->content_dir, "cannot make the directory: %s", strerror(errno));
		status = 2;
		goto done;
	}
	size_t written = 0, skipped = 0, left_out = 0;
	for (size_t i = 0; i < version_count; i++) {
		version_text *v = kept[i];
		const change *c = v->from;
		if (o->since && strcmp(c->date, o->since) < 0) {
			left_out++;
			continue;
		}
		char *path = pp_strdup_printf("%s/%s.md", dir, c->date);
		char id[8];
		short_id(&c->commit, id);
		if (!v->title) {
			pp_error(d, v->label, 1, 1, "no title: neither front matter nor a heading gives one, in this version "
			                            "or any other; give one with --title");
			status = 1;
			free(path);
			continue;
		}
		collapse_white_space(v->title);
		char *summary = strdup(c->subject);
		if (summary)
			collapse_white_space(summary);
		if (v->description)
			collapse_white_space(v->description);
		char *head = summary ? pp_front_matter_write(&(pp_front_matter_fields){.title = v->title, .date = c->date, .effective = v->effective, .summary = summary, .description = v->description}) : NULL;
		const char *text = v->body;
		while (*text == '\n')
			text++;
		char *content = head ? pp_strdup_printf("%s\n%s", head, text) : NULL;
		pp_version check;
		int exists = path && content && access(path, F_OK) == 0;
		int holds = exists ? file_holds(path, folded_texts[i], d) : 0;
		if (!path || !content) {
			pp_error(d, v->label, 0, 0, "out of memory");
			status = 2;
		} else if (exists && holds == 1) {
			fprintf(report, "skipped %s: %s exists (a published version is never rewritten)\n", c->date, path);
			skipped++;
		} else if (exists) {
			if (holds == 0)
				pp_error(d, path, 0, 0, "exists with a text that is not the mainline's for %s, which %s has: a "
				         "published version is never rewritten; compare them (policypress diff) and decide "
				         "which is the record", c->date, v->label);
			status = 1;
		} else if (pp_version_parse(path, content, strlen(content), c->date, PP_STRICT, &check, d) != 0) {
			pp_error(d, v->label, 0, 0, "not written: the version of %s would not build (see above)", c->date);
			status = 1;
		} else {
			pp_version_clear(&check);
			int rc = pp_write_new_file(path, content, strlen(content));
			if (rc == 0) {
				fprintf(report, "wrote %s (%s %s)\n", path, id, summary);
				written++;
			} else if (rc == 1) {
				fprintf(report, "skipped %s: %s exists (a published version is never rewritten)\n", c->date, path);
				skipped++;
			} else {
				pp_io_error(d, path, "cannot write: %s", strerror(errno));
				status = 2;
			}
		}
		free(path);
		free(summary);
		free(head);
		free(content);
	}
	fprintf(report, "%zu version%s written, %zu skipped (already there)", written, written == 1 ? "" : "s",
	        skipped);
	if (left_out)
		fprintf(report, ", %zu before --since", left_out);
	fprintf(report, "; %zu commit%s of the mainline changed %s\n", history.count, history.count == 1 ? "" : "s",
	        file);
done:
	free(dir);
	free(file);
	free(kept);
	for (size_t i = 0; folded_texts && i < version_count; i++)
		free(folded_texts[i]);
	free(folded_texts);
	for (size_t i = 0; i < reported.count; i++)
		free(reported.keys[i]);
	free(reported.keys);
	for (size_t i = 0; versions && i < history.count; i++) {
		free(versions[i].body);
		free(versions[i].title);
		free(versions[i].effective);
		free(versions[i].description);
	}
	free(versions);
	for (size_t i = 0; i < history.count; i++) {
		free(history.items[i].subject);
		free(history.items[i].path);
	}
	free(history.items);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return status;
}
