#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

struct pp_output {
	char *out_dir;
	char *staging;
};

static int is_empty_dir(const char *path)
{
	char **names;
	size_t count;
	if (pp_list_dir(path, &names, &count) != 0)
		return 0;
	pp_free_names(names, count);
	return count == 0;
}

static int check_replaceable(const char *out_dir, pp_diags *d)
{
	struct stat st;
	if (lstat(out_dir, &st) != 0)
		return errno == ENOENT ? 0 : (pp_io_error(d, out_dir, "cannot use output directory: %s",
		                                       strerror(errno)),
		                              -1);
	if (!S_ISDIR(st.st_mode)) {
		pp_io_error(d, out_dir, "output path exists and is not a directory");
		return -1;
	}
	char *marker = pp_path_join(out_dir, PP_OUTPUT_MARKER);
	int has_marker = marker && access(marker, F_OK) == 0;
	free(marker);
	/* pp_list_dir hides dot files, so a directory holding only them counts as empty. */
	if (!has_marker && !is_empty_dir(out_dir)) {
		pp_error(d, out_dir, 0, 0,
		         "output directory is not empty and was not written by policypress; refusing to "
		         "replace it (choose another --out or empty it)");
		return -1;
	}
	return 0;
}

pp_output *pp_output_begin(const char *out_dir, pp_diags *d)
{
	if (check_replaceable(out_dir, d) != 0)
		return NULL;
	pp_output *o = calloc(1, sizeof *o);
	char *copy1 = strdup(out_dir), *copy2 = strdup(out_dir);
	if (!o || !copy1 || !copy2 || !(o->out_dir = strdup(out_dir))) {
		pp_io_error(d, out_dir, "out of memory");
		goto fail;
	}
	o->staging = pp_strdup_printf("%s/.%s.tmp-XXXXXX", dirname(copy1), basename(copy2));
	if (!o->staging || !mkdtemp(o->staging)) {
		pp_io_error(d, out_dir, "cannot create a temporary directory beside the output: %s",
		         strerror(errno));
		free(o->staging);
		o->staging = NULL;
		goto fail;
	}
	free(copy1);
	free(copy2);
	if (pp_output_write(o, PP_OUTPUT_MARKER, "policypress\n", 12, d) != 0) {
		pp_output_abort(o);
		return NULL;
	}
	return o;
fail:
	free(copy1);
	free(copy2);
	if (o)
		free(o->out_dir);
	free(o);
	return NULL;
}

static int create_parent(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return -1;
	char *slash = strrchr(copy, '/');
	int rc = 0;
	if (slash) {
		*slash = '\0';
		rc = pp_mkdirs(copy);
	}
	free(copy);
	return rc;
}

int pp_output_write(pp_output *o, const char *relpath, const void *data, size_t len, pp_diags *d)
{
	if (!o)
		return 0; /* dry run */
	if (relpath[0] == '/' || strstr(relpath, "..")) {
		pp_error(d, relpath, 0, 0, "refusing to write outside the output directory");
		return -1;
	}
	char *path = pp_path_join(o->staging, relpath);
	if (!path) {
		pp_error(d, relpath, 0, 0, "out of memory");
		return -1;
	}
	/* The parent first: pages have a directory each ("2024-09-01/index.html"),
	 * so it is nearly always new, and one mkdir that may find it there costs
	 * less than an open that fails, a mkdir and a second open. */
	if (create_parent(path) != 0) {
		pp_io_error(d, o->out_dir, "cannot create directory for %s: %s", relpath, strerror(errno));
		free(path);
		return -1;
	}
	int rc = pp_write_file(path, data, len);
	if (rc != 0)
		pp_io_error(d, o->out_dir, "cannot write %s: %s", relpath, strerror(errno));
	free(path);
	return rc;
}

void pp_output_abort(pp_output *o)
{
	if (!o)
		return;
	if (o->staging)
		pp_remove_tree(o->staging);
	free(o->staging);
	free(o->out_dir);
	free(o);
}

int pp_output_commit(pp_output *o, pp_diags *d)
{
	int rc = -1;
	struct stat st;
	if (lstat(o->out_dir, &st) != 0 && errno == ENOENT) {
		if (rename(o->staging, o->out_dir) == 0)
			rc = 0;
		else
			pp_io_error(d, o->out_dir, "cannot move the new site into place: %s", strerror(errno));
	} else if (renameat2(AT_FDCWD, o->staging, AT_FDCWD, o->out_dir, RENAME_EXCHANGE) == 0) {
		rc = 0; /* the staging path now holds the old site, removed below */
	} else if (errno == EINVAL || errno == ENOSYS) {
		/* No atomic exchange on this file system: move the old site aside
		 * first, so a failure in between still loses nothing. */
		char *aside = pp_strdup_printf("%s.old-XXXXXX", o->staging);
		if (aside && mkdtemp(aside) && rmdir(aside) == 0 && rename(o->out_dir, aside) == 0) {
			if (rename(o->staging, o->out_dir) == 0) {
				free(o->staging);
				o->staging = aside;
				aside = NULL;
				rc = 0;
			} else {
				pp_io_error(d, o->out_dir, "cannot move the new site into place: %s",
				         strerror(errno));
				rename(aside, o->out_dir);
			}
		} else {
			pp_io_error(d, o->out_dir, "cannot replace the output directory: %s", strerror(errno));
		}
		free(aside);
	} else {
		pp_io_error(d, o->out_dir, "cannot replace the output directory: %s", strerror(errno));
	}
	pp_output_abort(o);
	return rc;
}
