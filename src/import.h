/* policypress import git: the published versions of a policy recovered from
 * a git repository where it was edited in place, one file per version.
 *
 * The texts are those the mainline had: HEAD and its first parents (git log
 * --first-parent), read through libgit2 (never by running git). A draft
 * committed on a branch is never a version; a merge that brought a text in
 * is the commit that published it, and dates it. Renames are followed along
 * the first parent as git log --follow does; a file deleted and restored
 * later keeps both stretches; a symbolic link is followed inside the tree
 * and refused when it leads out. A shallow clone is refused: its history is
 * not the whole record.
 *
 * Versions are ordered by the mainline's topology, never by commit dates. A
 * commit dated before the one it follows (a wrong clock) takes that one's
 * date, with a warning naming both; a date after the reference date is an
 * error. One version per day: the mainline's last commit of that day, in
 * UTC (or the date its text states with date_from_effective_line; a stated
 * date before an earlier version's is an error). A text equal to the one
 * before once white space is collapsed, with the same title and effective
 * date, is not a new version.
 *
 * Each version becomes <content>/<policy>/<locale>/<YYYY-MM-DD>.md with
 * front matter policypress reads: title (the file's own, else its first
 * heading of any level as a reader sees it, else the version's before it,
 * else the first one after, else the title option), updated, effective
 * when the file's front matter gives a usable one under a name policies
 * use (effective, effective_date…), summary (the commit's subject,
 * converted from the message's declared encoding) and the file's
 * description; every value is written so that YAML reads it back as the
 * same string. Other front matter keys are reported once each; TOML front
 * matter (+++) is refused. A byte-order mark and CRLF are removed; Liquid
 * tags ({% … %}, {{ … }}) are left out, each reported with its line and
 * column, as the text was never meant to show them.
 *
 * A version file that exists is never rewritten (published versions are
 * immutable): running the import again adds only what is new and says what
 * it skipped; an existing file whose text is not the history's for its date
 * is an error naming both. Each file is written whole under its final name
 * or not at all, after the text it holds passed the checks a build makes.
 *
 * Messages name the file as it was at a commit ("privacy.md@1a2b3c4:3:1:"),
 * which git show understands.
 */
#ifndef PP_IMPORT_H
#define PP_IMPORT_H

#include <stdio.h>

#include "diag.h"

typedef struct {
	const char *repo;        /* a repository: its work tree, a directory in it, or a bare one */
	const char *file;        /* the policy's path in the repository at HEAD */
	const char *policy;      /* the policy's directory name in content */
	const char *locale;      /* its locale tag */
	const char *content_dir; /* where versions are written */
	const char *since;       /* "YYYY-MM-DD": versions dated before it are left out; or NULL */
	int date_from_effective_line; /* date each version by an "Effective date: …" line in it */
	const char *as_of;       /* "YYYY-MM-DD": the reference date; a version dated after it is an error */
	const char *title;       /* the title of versions whose text names none, or NULL */
} pp_import_options;

/* Imports; what was written and skipped is told on report, one line each.
 * Returns 0 when every new version was written, 1 when content errors kept
 * some out, 2 when the repository or the file cannot be read (errors in d). */
int pp_import_git(const pp_import_options *options, FILE *report, pp_diags *d);

#endif
