/* policypress import git: the published versions of a policy recovered from
 * a git repository where it was edited in place, one file per version.
 *
 * Every commit reachable from HEAD that changed the file is read through
 * libgit2 (never by running git), following renames as git log --follow
 * does: walking back, the path in use switches to the one a commit renamed
 * it from. A commit counts when its text differs from the text in every
 * parent (so a merge that takes one side's text is not a version of its
 * own), and a file deleted and restored later keeps both stretches.
 *
 * One version per day: the day's last commit by committer time, in UTC (or
 * the date its text states with date_from_effective_line). A text equal to
 * the one before once white space is collapsed is not a new version.
 *
 * Each version becomes <content>/<policy>/<locale>/<YYYY-MM-DD>.md with
 * front matter policypress reads: title (the file's own, else its leading
 * "# " heading, else the version's before it, else the first one after), updated, effective when the
 * file's front matter gives a usable one under a name policies use
 * (effective, effective_date…), summary (the commit's subject) and the
 * file's description. Other
 * front matter keys are reported once each. A byte-order mark and CRLF are
 * removed; Liquid tags ({% … %}, {{ … }}) are left out, each reported with
 * its line and column, as the text was never meant to show them.
 *
 * A version file that exists is never rewritten (published versions are
 * immutable): running the import again adds only what is new and says what
 * it skipped. Each file is written whole under its final name or not at all,
 * after the text it holds passed the checks a build makes.
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
} pp_import_options;

/* Imports; what was written and skipped is told on report, one line each.
 * Returns 0 when every new version was written, 1 when content errors kept
 * some out, 2 when the repository or the file cannot be read (errors in d). */
int pp_import_git(const pp_import_options *options, FILE *report, pp_diags *d);

#endif
