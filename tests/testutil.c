#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxml/xpathInternals.h>

extern char **environ;

const char *tu_binary(void)
{
	const char *p = getenv("PP_BINARY");
	return p ? p : "build/src/policypress";
}

const char *tu_source_root(void)
{
	const char *p = getenv("PP_SOURCE_ROOT");
	return p ? p : ".";
}

char *tu_join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s/%s", a, b);
	return s;
}

char *tu_tempdir(void)
{
	const char *base = getenv("TMPDIR");
	char *tmpl = tu_join(base ? base : "/tmp", "pptest-XXXXXX");
	if (tmpl && !mkdtemp(tmpl)) {
		free(tmpl);
		return NULL;
	}
	return tmpl;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP) {
		chmod(path, 0700);
		return rmdir(path);
	}
	return unlink(path);
}

void tu_remove(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *slurp_fd(int fd)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (len + 1 >= cap)
			buf = realloc(buf, cap *= 2);
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

int tu_run(char *const argv[], char **out, char **err)
{
	/* Output goes to temporary files: no pipe can fill up and block. */
	FILE *out_file = tmpfile(), *err_file = tmpfile();
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, fileno(out_file), 1);
	posix_spawn_file_actions_adddup2(&actions, fileno(err_file), 2);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	int status = -1;
	if (rc == 0 && waitpid(pid, &status, 0) == pid)
		status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	else
		status = -1;
	lseek(fileno(out_file), 0, SEEK_SET);
	lseek(fileno(err_file), 0, SEEK_SET);
	if (out)
		*out = slurp_fd(fileno(out_file));
	if (err)
		*err = slurp_fd(fileno(err_file));
	fclose(out_file);
	fclose(err_file);
	return status;
}

int tu_copy_tree(const char *from, const char *to)
{
	char *argv[] = {"cp", "-a", (char *)from, (char *)to, NULL};
	return tu_run(argv, NULL, NULL);
}

char *tu_read(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	char *data = slurp_fd(fd);
	close(fd);
	if (len)
		*len = strlen(data);
	return data;
}

int tu_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t n = strlen(text);
	int rc = fwrite(text, 1, n, f) == n ? 0 : -1;
	return fclose(f) == 0 ? rc : -1;
}

uint64_t tu_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

char *tu_tree_digest(const char *dir)
{
	/* find | sort | sha256sum: names and contents, in a fixed order. */
	char *cmd = malloc(strlen(dir) * 2 + 200);
	sprintf(cmd,
	        "cd '%s' && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum",
	        dir);
	char *argv[] = {"sh", "-c", cmd, NULL};
	char *out = NULL;
	tu_run(argv, &out, NULL);
	free(cmd);
	return out;
}

static const int html_options = HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING;

htmlDocPtr tu_parse_html(const char *path)
{
	return htmlReadFile(path, "UTF-8", html_options);
}

htmlDocPtr tu_parse_html_string(const char *html)
{
	return htmlReadMemory(html, (int)strlen(html), "test.html", "UTF-8", html_options);
}

int tu_count(htmlDocPtr doc, const char *xpath)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr result = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
	int n = -1;
	if (result && result->type == XPATH_NODESET)
		n = result->nodesetval ? result->nodesetval->nodeNr : 0;
	xmlXPathFreeObject(result);
	xmlXPathFreeContext(ctx);
	return n;
}

char *tu_string(htmlDocPtr doc, const char *xpath)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr result = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
	char *s = NULL;
	if (result) {
		xmlChar *value = xmlXPathCastToString(result);
		s = strdup((const char *)value);
		xmlFree(value);
	}
	xmlXPathFreeObject(result);
	xmlXPathFreeContext(ctx);
	return s ? s : strdup("");
}

int tu_build(const char *content, const char *out, char **err)
{
	char *argv[] = {(char *)tu_binary(), "build", "--content", (char *)content, "--out", (char *)out,
	                "--as-of", TU_AS_OF, "-q", NULL};
	return tu_run(argv, NULL, err);
}

/* The bundled content, without the versions published after last (NULL:
 * all of them). */
static int site_setup(void **state, const char *last)
{
	tu_site *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	*state = f;
	f->tmp = tu_tempdir();
	f->content = tu_join(f->tmp, "content");
	f->out = tu_join(f->tmp, "public");
	char *bundled = tu_join(tu_source_root(), "content");
	int rc = tu_copy_tree(bundled, f->content);
	free(bundled);
	if (rc == 0 && last) {
		char *cmd = malloc(strlen(f->content) + 256);
		sprintf(cmd, "find '%s' -name '*.md' | while read -r f; do "
		             "[ \"$(basename \"$f\" .md)\" \\> '%s' ] && rm \"$f\"; done; true", f->content, last);
		char *argv[] = {"sh", "-c", cmd, NULL};
		rc = tu_run(argv, NULL, NULL);
		free(cmd);
	}
	char *err = NULL;
	if (rc == 0 && (rc = tu_build(f->content, f->out, &err)) != 0)
		fprintf(stderr, "build of the bundled content failed: %s\n", err);
	free(err);
	return rc;
}

int tu_site_setup(void **state)
{
	return site_setup(state, NULL);
}

int tu_site_setup_first_two(void **state)
{
	return site_setup(state, "2024-09-01");
}

int tu_site_teardown(void **state)
{
	tu_site *f = *state;
	tu_remove(f->tmp);
	free(f->tmp);
	free(f->content);
	free(f->out);
	free(f);
	return 0;
}

size_t tu_count_occurrences(const char *haystack, const char *needle)
{
	size_t n = strlen(needle), count = 0;
	if (n == 0)
		return 0;
	for (const char *p = haystack; *p;) {
		size_t i = 0;
		while (i < n && p[i] == needle[i])
			i++;
		if (i == n) {
			count++;
			p += n;
		} else {
			p++;
		}
	}
	return count;
}

char *tu_replaced(const char *text, const char *what, const char *with)
{
	const char *at = strstr(text, what);
	if (!at) {
		fprintf(stderr, "tu_replaced: '%s' is not in the text\n", what);
		abort();
	}
	size_t n = strlen(text) - strlen(what) + strlen(with);
	char *out = malloc(n + 1);
	if (!out)
		abort();
	memcpy(out, text, (size_t)(at - text));
	strcpy(out + (at - text), with);
	strcat(out, at + strlen(what));
	return out;
}
