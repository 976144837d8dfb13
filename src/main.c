/* policypress: the command line. Parses arguments and runs the pipeline
 * stages (content, theme, site pages, output); all the work is in them. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmark-gfm.h>
#include <libxml/parser.h>
#include <libxml/xmlversion.h>
#include <unicode/uchar.h>
#include <unicode/uclean.h>
#include <unicode/uversion.h>
#ifdef PP_MIMALLOC
#include <mimalloc.h>
#endif

#include <jansson.h>

#include "build.h"
#include "check.h"
#include "compare.h"
#include "content.h"
#include "diag.h"
#include "diff.h"
#include "l10n.h"
#include "fsutil.h"
#include "html.h"
#include "markdown.h"
#include "new.h"
#include "output.h"
#include "pp_config.h"
#include "import.h"
#include "serve.h"
#include "site.h"
#include "template.h"
#include "translate.h"
#include "watch.h"

enum { EXIT_CONTENT = 1, EXIT_USAGE = 2 };

static void usage(FILE *out)
{
	fputs("usage: policypress build [--content DIR] [--theme DIR] [--out DIR] [--base-url URL] [--as-of DATE] [--future] [-j N] [-q | -v]\n"
	      "       policypress check [--content DIR] [--theme DIR] [--base-url URL] [--published FILE]\n"
	      "                         [--as-of DATE] [--strict] [--format text|json]\n"
	      "       policypress diff OLD.md NEW.md [--format text|html] [--ignore-diacritics]\n"
	      "       policypress import git REPO FILE --policy NAME --locale TAG [--content DIR] [--title TEXT]\n"
	      "                         [--since DATE] [--date-from commit|effective-line] [--as-of DATE]\n"
	      "       policypress translate status [--content DIR] [--format text|json] [--as-of DATE]\n"
	      "       policypress translate export POLICY LOCALE [--content DIR] [--format po|xliff] [-o FILE]\n"
	      "       policypress translate import FILE [--content DIR] [--date DATE]\n"
	      "       policypress new POLICY [--locale TAG] [--date DATE] [--content DIR]\n"
	      "       policypress serve [--content DIR] [--theme DIR] [--port N] [--host ADDR] [--as-of DATE]\n"
	      "                         [--future] [--open] [--poll] [-j N]\n"
	      "       policypress --help | --version\n"
	      "\n"
	      "  build     render every policy version, history, changes and index page into --out,\n"
	      "            replacing it atomically (it is left untouched when anything fails); exit\n"
	      "            status 1 for content errors, 2 for usage or file errors\n"
	      "  check     validate the content without writing anything; exit status 0 when clean,\n"
	      "            1 for content errors, 2 for usage or file errors\n"
	      "  diff      show what changed between two versions, word by word; exit status\n"
	      "            0 when the texts are equal, 1 when they differ, 2 on error\n"
	      "  translate status: which translations are behind their authoritative text, by what,\n"
	      "            and where to read what changed; exit status 0 when all are current, 1 when\n"
	      "            any is behind\n"
	      "  serve     preview the site at http://127.0.0.1:1313/, rebuilt on every edit; pages\n"
	      "            reload by themselves and show build errors until they are fixed\n"
	      "  import    write a version file for every committed version of FILE in the git\n"
	      "            repository REPO (one per day, following renames); never rewrites one\n"
	      "\n"
	      "  --content DIR     content directory (default: content)\n"
	      "  --theme DIR       theme directory (default: the bundled theme)\n"
	      "  --out DIR         output directory (default: public)\n"
	      "  --base-url URL    absolute URL the site is served from (overrides site.yaml)\n"
	      "  --published FILE  manifest.json of the live site: refuse edited or deleted versions\n"
	      "  --port N          serve: the port (default 1313, another when taken; 0: any free one)\n"
	      "  --host ADDR       serve: the address to listen on (default 127.0.0.1)\n"
	      "  --poll            serve: watch the files by polling instead of inotify\n"
	      "  --open            serve: open the site in a browser (xdg-open)\n"
	      "  --strict          treat warnings about translations and content as errors\n"
	      "  -j, --jobs N      render with N threads (default: one per processor)\n"
	      "  -q, --quiet       print only problems\n"
	      "  -v, --verbose     print every file written\n"
	      "  -U, --context N   diff: unchanged blocks shown around each change, or 'all' (default 1)\n"
	      "  --format html     diff: a standalone HTML fragment with <del> and <ins>\n"
	      "\n"
	      "  diff reads - as standard input, and takes git's seven arguments as GIT_EXTERNAL_DIFF\n"
	      "  or diff.<driver>.command (see policypress(1)).\n"
	      "\n"
	      "See policypress(1).\n",
	      out);
}

/* Arguments left after a command's options that it takes none of. */
static int refuse_extra_arguments(int argc, char **argv)
{
	if (optind == argc)
		return 0;
	fprintf(stderr, "policypress: unexpected argument '%s'\n", argv[optind]);
	usage(stderr);
	return -1;
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The bundled theme: the one installed beside the binary
 * (<prefix>/bin/policypress -> <prefix>/share/policypress/themes/default),
 * which also holds for a copy installed with DESTDIR; else, for a binary run
 * from its build directory, the source tree's. */
static const char *default_theme(char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			int n_written = snprintf(buf, len, "%s/../share/policypress/themes/default", exe);
			if (n_written > 0 && (size_t)n_written < len && is_dir(buf))
				return buf;
		}
	}
	snprintf(buf, len, "%s/default", PP_SOURCE_THEME_DIR);
	if (!is_dir(buf))
		snprintf(buf, len, "%s/default", PP_INSTALLED_THEME_DIR);
	return buf;
}

typedef struct {
	int verbose;
	int progress; /* standard error is a terminal */
} reporter;

/* A build stops within moments of SIGINT, SIGTERM or SIGHUP, whatever page
 * it is rendering: the signals are blocked in every thread and taken by a
 * thread of their own, which removes the new site being written (the old
 * output stays as it was), says so, and ends the process by the same
 * signal. A signal inherited as ignored still stops a build: a blocked
 * signal is kept pending whatever its disposition. */
typedef struct {
	sigset_t signals;
	pthread_mutex_t lock; /* keeps a stop and the output's swap apart */
	pp_output *out;       /* the site being written, NULL outside that time */
	int published;        /* the new site was swapped in */
	const char *out_dir;
} stop_watch;

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

static void *watch_for_stop(void *arg)
{
	stop_watch *w = arg;
	int sig;
	if (sigwait(&w->signals, &sig) != 0)
		return NULL;
	pthread_mutex_lock(&w->lock); /* never released: the process ends here */
	if (w->out)
		pp_output_stop(w->out);
	const char *name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
	fprintf(stderr, "\npolicypress: stopped by %s; %s %s\n", name, w->out_dir,
	        w->published ? "holds the new site, whole" : "was left as it was");
	signal(sig, SIG_DFL);
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, sig);
	pthread_sigmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
	_exit(128 + sig);
}

/* Sets the site a stop removes; NULL once it is swapped in or discarded. */
static void build_writing(void *data, pp_output *out)
{
	stop_watch *w = data;
	pthread_mutex_lock(&w->lock);
	w->out = out;
	pthread_mutex_unlock(&w->lock);
}

/* The swap, kept apart from a stop: afterwards a stop says the new site is
 * whole instead of removing it. */
static int build_swap(void *data, pp_output *out, pp_diags *d)
{
	stop_watch *w = data;
	pthread_mutex_lock(&w->lock);
	int rc = pp_output_swap(out, d);
	w->out = NULL;
	w->published = rc == 0;
	pthread_mutex_unlock(&w->lock);
	return rc;
}

static void report_page(void *data, const char *path, size_t done, size_t total)
{
	const reporter *r = data;
	if (r->verbose)
		printf("%s\n", path);
	else if (r->progress)
		fprintf(stderr, "\rpolicypress: %zu of %zu pages", done, total);
}

static int parse_jobs(const char *text, unsigned *jobs)
{
	char *end;
	long n = strtol(text, &end, 10);
	if (*end || n < 1 || n > 1024) {
		fprintf(stderr, "policypress: --jobs takes a number of threads from 1 to 1024\n");
		return -1;
	}
	*jobs = (unsigned)n;
	return 0;
}

/* The test suite's way to prove the diff's self-check end to end: a fault
 * it must catch and repair ("word" or "block"). Not for use otherwise. */
static int diff_fault_for_tests(void)
{
	const char *fault = getenv("POLICYPRESS_TEST_DIFF_FAULT");
	if (!fault)
		return 0;
	return strcmp(fault, "word") == 0 ? PP_DIFF_FAULT_WORD : strcmp(fault, "block") == 0 ? PP_DIFF_FAULT_BLOCK : 0;
}

/* Refuses an output directory that policypress could not replace whole
 * without destroying what is not its own, before anything is rendered: an
 * empty name, ".", "..", "/", and any directory that holds the content. */
static int refuse_output_dir(const char *out_dir, const char *content_dir)
{
	if (!*out_dir) {
		fprintf(stderr, "policypress: --out needs a directory name, such as 'public'\n");
		return -1;
	}
	char *copy = strdup(out_dir);
	const char *name = copy ? basename(copy) : "";
	int dot = strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, "/") == 0;
	free(copy);
	char out_real[PATH_MAX], content_real[PATH_MAX];
	size_t n = 0;
	int holds_content = !dot && realpath(out_dir, out_real) && realpath(content_dir, content_real) &&
	                    (n = strlen(out_real), strncmp(content_real, out_real, n) == 0) &&
	                    (content_real[n] == '\0' || content_real[n] == '/' || n == 1);
	if (dot || holds_content) {
		fprintf(stderr,
		        "policypress: --out %s %s; the output directory is replaced whole by each build: give "
		        "it a directory of its own, such as 'public'\n",
		        out_dir, dot ? "is not a directory of its own" : "holds the content directory");
		return -1;
	}
	return 0;
}

/* The reference date: --as-of, else SOURCE_DATE_EPOCH (as reproducible
 * builds set it), else today in UTC. -1 when --as-of is not a real date. */
static int reference_date(const char *as_of, char out[11])
{
	int y, m, d;
	if (as_of) {
		if (pp_parse_iso_date(as_of, &y, &m, &d) != 0) {
			fprintf(stderr, "policypress: --as-of takes a date written YYYY-MM-DD, not '%s'\n", as_of);
			return -1;
		}
		memcpy(out, as_of, 11);
		return 0;
	}
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	time_t t = time(NULL);
	if (epoch && *epoch) {
		/* Seconds since 1970 up to the end of year 9999, as dates are
		 * written YYYY-MM-DD; anything else is a broken setting, not
		 * today. */
		size_t digits = strspn(epoch, "0123456789");
		long long seconds = digits == strlen(epoch) && digits <= 12 ? strtoll(epoch, NULL, 10) : -1;
		if (seconds < 0 || seconds > 253402300799LL) {
			fprintf(stderr, "policypress: SOURCE_DATE_EPOCH must be a whole number of seconds since "
			                "1970-01-01 up to 253402300799 (9999-12-31), not '%s'\n", epoch);
			return -1;
		}
		t = (time_t)seconds;
	}
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, 11, "%Y-%m-%d", &tm))
		return -1;
	return 0;
}

static int cmd_build(int argc, char **argv)
{
	const char *content_dir = "content", *theme_dir = NULL, *out_dir = "public", *base_url = NULL;
	const char *as_of_arg = NULL;
	int quiet = 0, verbose = 0, future = 0;
	unsigned jobs = 0;
	static const struct option options[] = {
		{"content", required_argument, NULL, 'c'}, {"theme", required_argument, NULL, 't'},
		{"out", required_argument, NULL, 'o'},     {"base-url", required_argument, NULL, 'b'},
		{"quiet", no_argument, NULL, 'q'},         {"verbose", no_argument, NULL, 'v'},
		{"jobs", required_argument, NULL, 'j'},    {"help", no_argument, NULL, 'h'},
		{"as-of", required_argument, NULL, 'a'},   {"future", no_argument, NULL, 'F'},
		{NULL, 0, NULL, 0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "c:t:o:b:qvj:h", options, NULL)) != -1) {
		switch (opt) {
		case 'a': as_of_arg = optarg; break;
		case 'F': future = 1; break;
		case 'j':
			if (parse_jobs(optarg, &jobs) != 0)
				return EXIT_USAGE;
			break;
		case 'c': content_dir = optarg; break;
		case 't': theme_dir = optarg; break;
		case 'o': out_dir = optarg; break;
		case 'b': base_url = optarg; break;
		case 'q': quiet = 1; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (refuse_extra_arguments(argc, argv) != 0)
		return EXIT_USAGE;
	char as_of[11];
	if (refuse_output_dir(out_dir, content_dir) != 0 || reference_date(as_of_arg, as_of) != 0)
		return EXIT_USAGE;
	char theme_buf[PATH_MAX];
	if (!theme_dir)
		theme_dir = default_theme(theme_buf, sizeof theme_buf);

	pp_diags d;
	pp_diags_init(&d);
	reporter r = {verbose && !quiet, !quiet && !verbose && isatty(STDERR_FILENO)};
	pp_build_options build = {.on_page = report_page, .data = &r, .jobs = jobs, .as_of = as_of, .future = future,
	                           .diff_fault = diff_fault_for_tests()};
	stop_watch watch = {.lock = PTHREAD_MUTEX_INITIALIZER, .out_dir = out_dir};
	sigset_t previous;
	stop_signals(&watch.signals);
	pthread_sigmask(SIG_BLOCK, &watch.signals, &previous);
	pthread_t watcher;
	int watching = pthread_create(&watcher, NULL, watch_for_stop, &watch) == 0;
	pp_build_request request = {.content_dir = content_dir, .theme_dir = theme_dir, .out_dir = out_dir,
	                            .base_url = base_url, .options = build, .writing = build_writing,
	                            .swap = build_swap, .hook_data = &watch};
	pp_build_result result;
	int rc = pp_build_run(&request, &result, &d) == 0 ? 0 : EXIT_CONTENT;
	pp_site *site = result.site;
	size_t withheld = result.withheld;
	const char *first_withheld = result.first_withheld;
	if (r.progress)
		fputs("\r\033[K", stderr);
	/* As check: 1 for what the content must fix, 2 when files could not be
	 * read or written (a full disk, a permission), which it cannot. */
	if (rc != 0 && d.io_errors)
		rc = EXIT_USAGE;
	pp_diags_sort(&d);
	pp_diags_print(&d, stderr);
	if (rc == 0 && !quiet && withheld)
		fprintf(stderr, "policypress: %zu version%s dated after %s left out until %s day (--future previews %s)\n",
		        withheld, withheld == 1 ? "" : "s", as_of, withheld == 1 ? "its" : "their",
		        withheld == 1 ? "it" : "them");
	if (rc == 0 && !quiet) {
		char *index = pp_path_join(out_dir, "index.html");
		char real[PATH_MAX];
		printf("policypress: site written to %s/ — open %s\n", out_dir,
		       index && realpath(index, real) ? real : out_dir);
		free(index);
		/* What a schedule needs: the day the site must be built again. */
		long next;
		const pp_series *s = pp_site_next(site, as_of, &next);
		if (*first_withheld && (!s || strcmp(first_withheld, s->versions[next].effective) < 0))
			printf("policypress: next version is published on %s: build again that day\n", first_withheld);
		else if (s)
			printf("policypress: next version takes effect on %s (%s, %s, published %s): build again that day\n",
			       s->versions[next].effective, s->policy, s->locale, s->versions[next].date);
		else
			printf("policypress: no version is upcoming after %s\n", as_of);
	} else if (rc != 0) {
		fprintf(stderr, "policypress: build failed; %s was left as it was\n", out_dir);
	}
	pp_diags_free(&d);
	pp_site_free(site);
	if (watching) {
		pthread_cancel(watcher);
		pthread_join(watcher, NULL);
	}
	pthread_sigmask(SIG_SETMASK, &previous, NULL);
	return rc;
}

static int cmd_check(int argc, char **argv)
{
	const char *content_dir = "content", *format = "text";
	pp_check_options check = {0};
	static const struct option options[] = {
		{"content", required_argument, NULL, 'c'},   {"theme", required_argument, NULL, 't'},
		{"base-url", required_argument, NULL, 'b'},  {"published", required_argument, NULL, 'p'},
		{"strict", no_argument, NULL, 's'},          {"format", required_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},           {"help", no_argument, NULL, 'h'},
		{"as-of", required_argument, NULL, 'a'},     {NULL, 0, NULL, 0}};
	int opt, quiet = 0;
	const char *as_of_arg = NULL;
	while ((opt = getopt_long(argc, argv, "c:t:b:p:sf:qh", options, NULL)) != -1) {
		switch (opt) {
		case 'a': as_of_arg = optarg; break;
		case 'c': content_dir = optarg; break;
		case 't': check.theme_dir = optarg; break;
		case 'b': check.base_url = optarg; break;
		case 'p': check.published = optarg; break;
		case 's': check.strict = 1; break;
		case 'f': format = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc || (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	char as_of[11];
	if (reference_date(as_of_arg, as_of) != 0)
		return EXIT_USAGE;
	check.as_of = as_of;
	char theme_buf[PATH_MAX];
	if (!check.theme_dir)
		check.theme_dir = default_theme(theme_buf, sizeof theme_buf);
	pp_diags d;
	pp_diags_init(&d);
	int rc = pp_check(content_dir, &check, &d);
	pp_diags_sort(&d);
	if (strcmp(format, "json") == 0) {
		if (pp_check_print_json(&d, stdout) != 0)
			rc = EXIT_USAGE;
	} else {
		/* Messages go to standard output: they are what check produces. */
		pp_diags_print(&d, stdout);
		if (!quiet)
			fprintf(stderr, "policypress: %zu error%s, %zu warning%s\n", d.errors,
			        d.errors == 1 ? "" : "s", d.count - d.errors, d.count - d.errors == 1 ? "" : "s");
	}
	pp_diags_free(&d);
	return rc;
}

static int cmd_import(int argc, char **argv)
{
	pp_import_options import = {.content_dir = "content"};
	const char *date_from = "commit";
	static const struct option options[] = {
		{"content", required_argument, NULL, 'c'},   {"policy", required_argument, NULL, 'p'},
		{"locale", required_argument, NULL, 'l'},    {"since", required_argument, NULL, 's'},
		{"date-from", required_argument, NULL, 'd'}, {"title", required_argument, NULL, 't'},
		{"as-of", required_argument, NULL, 'a'},     {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	const char *as_of_arg = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "c:p:l:s:d:t:a:h", options, NULL)) != -1) {
		switch (opt) {
		case 'a': as_of_arg = optarg; break;
		case 't': import.title = optarg; break;
		case 'c': import.content_dir = optarg; break;
		case 'p': import.policy = optarg; break;
		case 'l': import.locale = optarg; break;
		case 's': import.since = optarg; break;
		case 'd': date_from = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	/* import git REPO FILE: the source kind first, as more may come. */
	if (argc - optind != 3 || strcmp(argv[optind], "git") != 0 || !import.policy || !import.locale ||
	    (strcmp(date_from, "commit") != 0 && strcmp(date_from, "effective-line") != 0)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	int y, m, d;
	if (import.since && pp_parse_iso_date(import.since, &y, &m, &d) != 0) {
		fprintf(stderr, "policypress: --since takes a date written YYYY-MM-DD, not '%s'\n", import.since);
		return EXIT_USAGE;
	}
	char as_of[11];
	if (reference_date(as_of_arg, as_of) != 0)
		return EXIT_USAGE;
	import.as_of = as_of;
	import.repo = argv[optind + 1];
	import.file = argv[optind + 2];
	import.date_from_effective_line = strcmp(date_from, "effective-line") == 0;
	pp_diags diags;
	pp_diags_init(&diags);
	int rc = pp_import_git(&import, stdout, &diags);
	pp_diags_print(&diags, stderr);
	pp_diags_free(&diags);
	return rc;
}

/* Colour for the text form: on a terminal, or in git's pager (git runs an
 * external diff with its output in a pipe to the pager), unless NO_COLOR. */
static int use_colour(void)
{
	const char *no_colour = getenv("NO_COLOR");
	if (no_colour && *no_colour)
		return 0;
	const char *pager = getenv("GIT_PAGER_IN_USE");
	return isatty(STDOUT_FILENO) || (pager && strcmp(pager, "true") == 0);
}

static int cmd_diff(int argc, char **argv)
{
	const char *format = "text";
	pp_compare_options options = {.context = 1, .diff = {.inject_fault = diff_fault_for_tests()}};
	static const struct option long_options[] = {
		{"format", required_argument, NULL, 'f'},
		{"ignore-diacritics", no_argument, NULL, 'i'},
		{"context", required_argument, NULL, 'U'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "f:iU:h", long_options, NULL)) != -1) {
		switch (opt) {
		case 'f': format = optarg; break;
		case 'i': options.diff.ignore_diacritics = 1; break;
		case 'U': {
			char *end = NULL;
			options.context = strcmp(optarg, "all") == 0 ? -1 : strtol(optarg, &end, 10);
			if (end && (*end || options.context < 0 || end == optarg)) {
				fprintf(stderr, "policypress: --context takes a number of blocks or 'all', not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	int operands = argc - optind;
	/* git's external diff: PATH OLD-FILE OLD-HEX OLD-MODE NEW-FILE NEW-HEX
	 * NEW-MODE, and for a rename NEW-PATH and a message after them. */
	int git = operands == 7 || operands == 9;
	if ((operands != 2 && !git) || (strcmp(format, "text") != 0 && strcmp(format, "html") != 0)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *old_path = argv[optind], *new_path = argv[optind + 1];
	if (git) {
		const char *name = argv[optind], *new_name = operands == 9 ? argv[optind + 7] : name;
		old_path = argv[optind + 1];
		new_path = argv[optind + 4];
		int colour = use_colour();
		printf("%s--- %s%s\n+++ %s%s%s\n", colour ? "\033[1m" : "", strcmp(old_path, "/dev/null") ? "a/" : "",
		       strcmp(old_path, "/dev/null") ? name : "/dev/null", strcmp(new_path, "/dev/null") ? "b/" : "",
		       strcmp(new_path, "/dev/null") ? new_name : "/dev/null", colour ? "\033[0m" : "");
	}
	options.html = strcmp(format, "html") == 0;
	options.colour = !options.html && use_colour();
	pp_diags d;
	pp_diags_init(&d);
	int compared = pp_compare_files(old_path, new_path, &options, stdout, &d);
	pp_diags_print(&d, stderr);
	pp_diags_free(&d);
	int rc = compared < 0 ? EXIT_USAGE : compared;
	if (git) {
		/* git stops at a failing external diff; the other files still deserve theirs. */
		if (compared < 0)
			printf("(not compared: see the messages above)\n");
		rc = 0;
	}
	if (fflush(stdout) != 0)
		rc = EXIT_USAGE;
	return rc;
}

static int cmd_serve(int argc, char **argv)
{
	pp_serve_options serve = {.content_dir = "content"};
	const char *as_of_arg = NULL;
	static const struct option options[] = {
		{"content", required_argument, NULL, 'c'}, {"theme", required_argument, NULL, 't'},
		{"port", required_argument, NULL, 'p'},    {"host", required_argument, NULL, 'H'},
		{"as-of", required_argument, NULL, 'a'},   {"future", no_argument, NULL, 'F'},
		{"open", no_argument, NULL, 'O'},          {"poll", no_argument, NULL, 'P'},
		{"jobs", required_argument, NULL, 'j'},    {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "c:t:p:j:h", options, NULL)) != -1) {
		switch (opt) {
		case 'c': serve.content_dir = optarg; break;
		case 't': serve.theme_dir = optarg; break;
		case 'H': serve.host = optarg; break;
		case 'a': as_of_arg = optarg; break;
		case 'F': serve.future = 1; break;
		case 'O': serve.open_browser = 1; break;
		case 'P': serve.poll_ms = PP_WATCH_POLL_MS; break;
		case 'p': {
			char *end;
			long port = strtol(optarg, &end, 10);
			if (*end || end == optarg || port < 0 || port > 65535) {
				fprintf(stderr, "policypress: --port takes a number from 0 (any free port) to 65535\n");
				return EXIT_USAGE;
			}
			serve.port = (unsigned)port;
			serve.port_given = 1;
			break;
		}
		case 'j':
			if (parse_jobs(optarg, &serve.jobs) != 0)
				return EXIT_USAGE;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (refuse_extra_arguments(argc, argv) != 0)
		return EXIT_USAGE;
	char as_of[11], theme_buf[PATH_MAX];
	if (reference_date(as_of_arg, as_of) != 0)
		return EXIT_USAGE;
	serve.as_of = as_of;
	if (!serve.theme_dir)
		serve.theme_dir = default_theme(theme_buf, sizeof theme_buf);
	if (!is_dir(serve.content_dir)) {
		fprintf(stderr, "policypress: %s: no such content directory (--content DIR)\n", serve.content_dir);
		return EXIT_USAGE;
	}
	return pp_serve(&serve);
}

static int cmd_new(int argc, char **argv)
{
	pp_new_options new_version = {.content_dir = "content"};
	const char *date_arg = NULL;
	static const struct option options[] = {
		{"content", required_argument, NULL, 'c'}, {"locale", required_argument, NULL, 'l'},
		{"date", required_argument, NULL, 'd'},    {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "c:l:d:h", options, NULL)) != -1) {
		switch (opt) {
		case 'c': new_version.content_dir = optarg; break;
		case 'l': new_version.locale = optarg; break;
		case 'd': date_arg = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	char date[11];
	if (reference_date(date_arg, date) != 0)
		return EXIT_USAGE;
	new_version.policy = argv[optind];
	new_version.date = date;
	pp_diags d;
	pp_diags_init(&d);
	int rc = pp_new_version(&new_version, &d);
	pp_diags_sort(&d);
	pp_diags_print(&d, stderr);
	pp_diags_free(&d);
	return rc;
}

static int cmd_translate_export(int argc, char **argv)
{
	pp_translate_export_options export = {.content_dir = "content"};
	const char *format = "po";
	static const struct option options[] = {
		{"content", required_argument, NULL, 'c'}, {"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},  {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "c:f:o:h", options, NULL)) != -1) {
		switch (opt) {
		case 'c': export.content_dir = optarg; break;
		case 'f': format = optarg; break;
		case 'o': export.output = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(format, "po") != 0 && strcmp(format, "xliff") != 0) {
		fprintf(stderr, "policypress: translate export writes --format po or xliff, not '%s'\n", format);
		return EXIT_USAGE;
	}
	export.xliff = strcmp(format, "xliff") == 0;
	export.policy = argv[optind];
	export.locale = argv[optind + 1];
	pp_diags d;
	pp_diags_init(&d);
	int rc = pp_translate_export(&export, &d);
	pp_diags_sort(&d);
	pp_diags_print(&d, stderr);
	pp_diags_free(&d);
	return rc;
}

static int cmd_translate_import(int argc, char **argv)
{
	pp_translate_import_options import = {.content_dir = "content"};
	const char *date_arg = NULL;
	static const struct option options[] = {
		{"content", required_argument, NULL, 'c'}, {"date", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "c:d:h", options, NULL)) != -1) {
		switch (opt) {
		case 'c': import.content_dir = optarg; break;
		case 'd': date_arg = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	char date[11];
	if (reference_date(date_arg, date) != 0)
		return EXIT_USAGE;
	import.file = argv[optind];
	import.date = date;
	pp_diags d;
	pp_diags_init(&d);
	int rc = pp_translate_import(&import, &d);
	pp_diags_sort(&d);
	pp_diags_print(&d, stderr);
	pp_diags_free(&d);
	return rc;
}

static int cmd_translate(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "export") == 0)
		return cmd_translate_export(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "import") == 0)
		return cmd_translate_import(argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "status") != 0) {
		fprintf(stderr, "policypress: translate takes a subcommand: status, export or import\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	argc--;
	argv++;
	pp_translate_status_options status = {.content_dir = "content"};
	const char *format = "text", *as_of_arg = NULL;
	static const struct option options[] = {
		{"content", required_argument, NULL, 'c'}, {"format", required_argument, NULL, 'f'},
		{"as-of", required_argument, NULL, 'a'},   {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "c:f:a:h", options, NULL)) != -1) {
		switch (opt) {
		case 'c': status.content_dir = optarg; break;
		case 'f': format = optarg; break;
		case 'a': as_of_arg = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc || (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	char as_of[11];
	if (reference_date(as_of_arg, as_of) != 0)
		return EXIT_USAGE;
	status.as_of = as_of;
	status.json = strcmp(format, "json") == 0;
	pp_diags d;
	pp_diags_init(&d);
	int rc = pp_translate_status(&status, stdout, &d);
	pp_diags_sort(&d);
	pp_diags_print(&d, stderr);
	pp_diags_free(&d);
	return rc;
}

/* The libraries in use, for bug reports: output depends on their versions
 * (ICU's locale data above all). */
static void print_version(void)
{
	printf("policypress %s\n", PP_VERSION);
	UVersionInfo icu, unicode;
	char icu_text[U_MAX_VERSION_STRING_LENGTH], unicode_text[U_MAX_VERSION_STRING_LENGTH];
	u_getVersion(icu);
	u_getUnicodeVersion(unicode);
	u_versionToString(icu, icu_text);
	u_versionToString(unicode, unicode_text);
	int xml = atoi(xmlParserVersion);
	printf("cmark-gfm %s, libxml2 %d.%d.%d, ICU %s (Unicode %s)", cmark_version_string(), xml / 10000,
	       xml / 100 % 100, xml % 100, icu_text, unicode_text);
#ifdef PP_MIMALLOC
	int v = mi_version();
	printf(", mimalloc %d.%d.%d", v / 100, v / 10 % 10, v % 10);
#endif
	printf("\n");
}

int main(int argc, char **argv)
{
	/* Initialized once here, before any thread exists. */
	xmlInitParser();
	pp_markdown_init();
	if (pp_l10n_init() != 0) {
		fprintf(stderr, "policypress: ICU cannot set its default locale\n");
		return 1;
	}
	int rc;
	if (argc < 2) {
		usage(stderr);
		rc = EXIT_USAGE;
	} else if (strcmp(argv[1], "--version") == 0) {
		print_version();
		rc = 0;
	} else if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		rc = 0;
	} else if (strcmp(argv[1], "build") == 0) {
		rc = cmd_build(argc - 1, argv + 1);
	} else if (strcmp(argv[1], "check") == 0) {
		rc = cmd_check(argc - 1, argv + 1);
	} else if (strcmp(argv[1], "diff") == 0) {
		rc = cmd_diff(argc - 1, argv + 1);
	} else if (strcmp(argv[1], "import") == 0) {
		rc = cmd_import(argc - 1, argv + 1);
	} else if (strcmp(argv[1], "translate") == 0) {
		rc = cmd_translate(argc - 1, argv + 1);
	} else if (strcmp(argv[1], "serve") == 0) {
		rc = cmd_serve(argc - 1, argv + 1);
	} else if (strcmp(argv[1], "new") == 0) {
		rc = cmd_new(argc - 1, argv + 1);
	} else {
		fprintf(stderr, "policypress: unknown command '%s'\n", argv[1]);
		usage(stderr);
		rc = EXIT_USAGE;
	}
	pp_markdown_shutdown();
	xmlCleanupParser();
	/* ICU keeps process-wide caches (plural rules, locale data) until this;
	 * releasing them keeps leak checkers' reports meaningful. */
	u_cleanup();
	return rc;
}
