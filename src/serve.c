/* policypress serve (see serve.h). */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "diag.h"
#include "fsutil.h"
#include "serve_http.h"
#include "watch.h"

extern char **environ;

/* Quiet time after the last event of an edit before building: editors
 * write a temporary file, rename it and touch metadata within a few
 * milliseconds. */
#define SETTLE_MS 60

/* A memory file system is used for the build only with this much room:
 * containers often give /dev/shm 64 MiB, less than a big site. */
#define MIN_MEMORY_ROOM (1ULL << 30)

typedef struct {
	sigset_t signals;
	int stop_pipe[2]; /* written once a signal arrives */
	atomic_int stopping;
	atomic_int quitting; /* the server ends by itself: the next signal is ours */
	int signal;
} stopper;

static void *wait_for_signal(void *arg)
{
	stopper *s = arg;
	int sig;
	if (sigwait(&s->signals, &sig) != 0 || atomic_load(&s->quitting))
		return NULL;
	s->signal = sig;
	atomic_store(&s->stopping, 1);
	ssize_t ignored = write(s->stop_pipe[1], "x", 1);
	(void)ignored;
	return NULL;
}

static int build_cancelled(void *data)
{
	return atomic_load(&((stopper *)data)->stopping);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The policy and locale of a page's path ("/en/privacy/..."), or -1 for a
 * page of no one series (the indexes). */
static int page_series(const char *page, char locale[64], char policy[256])
{
	if (!page || page[0] != '/')
		return -1;
	const char *a = page + 1, *slash = strchr(a, '/');
	if (!slash || slash == a || (size_t)(slash - a) >= 64)
		return -1;
	const char *b = slash + 1, *end = strchr(b, '/');
	if (!end)
		end = b + strlen(b);
	if (end == b || (size_t)(end - b) >= 256 || strncmp(b, "index.html", (size_t)(end - b)) == 0)
		return -1;
	memcpy(locale, a, (size_t)(slash - a));
	locale[slash - a] = '\0';
	memcpy(policy, b, (size_t)(end - b));
	policy[end - b] = '\0';
	return 0;
}

static int build_into(const pp_serve_options *o, const char *out_dir, const char *only_policy,
                      const char *only_locale, stopper *stop, size_t *withheld, pp_diags *d)
{
	pp_build_request request = {
		.content_dir = o->content_dir,
		.theme_dir = o->theme_dir,
		.out_dir = out_dir,
		.options = {.jobs = o->jobs, .as_of = o->as_of, .future = o->future, .cancelled = build_cancelled,
	                    .data = stop, .only_policy = only_policy, .only_locale = only_locale},
	};
	pp_build_result result;
	int rc = pp_build_run(&request, &result, d);
	if (withheld)
		*withheld = result.withheld;
	pp_site_free(result.site);
	return rc;
}

/* Builds the site in place of the last one and tells the browsers: first
 * the series of the page being read, served at once, then the whole
 * site. */
static int rebuild(const pp_serve_options *o, const char *site_dir, const char *quick_dir, pp_http *http,
                   pp_watch *watch, stopper *stop)
{
	long long start = now_ms();
	pp_diags d;
	pp_diags_init(&d);
	char locale[64], policy[256];
	char *reading = pp_http_reading(http);
	int quick = page_series(reading, locale, policy) == 0;
	long long quick_ms = -1;
	if (quick) {
		if (build_into(o, quick_dir, policy, locale, stop, NULL, &d) == 0) {
			pp_http_publish_quick(http);
			quick_ms = now_ms() - start;
		} else if (d.errors) {
			/* The whole build would fail the same way. */
			quick = -1;
		}
		if (quick_ms < 0 && quick != -1) {
			/* No such series (a page of a removed policy): only the whole build. */
			pp_diags_free(&d);
			pp_diags_init(&d);
		}
	}
	size_t withheld = 0;
	int built = quick != -1 && build_into(o, site_dir, NULL, NULL, stop, &withheld, &d) == 0;
	free(reading);
	if (atomic_load(&stop->stopping)) {
		pp_diags_free(&d);
		return -1;
	}
	if (!built && pp_watch_changed(watch) > 0) {
		/* What failed may be what changed since ("changed while the
		 * site was being built", a file read half-written): the next
		 * build, already due, says whether it still fails. */
		printf("policypress: the content changed during the build; building again\n");
		pp_diags_free(&d);
		return 0;
	}
	/* Browsers first, then the terminal: whoever reads "built" finds the
	 * new site in place. */
	long long whole_ms = now_ms() - start;
	pp_diags_sort(&d);
	pp_http_publish(http, built, &d);
	pp_diags_print(&d, stderr);
	if (built && quick_ms >= 0)
		printf("policypress: built in %lld ms (%s, %s ready in %lld ms)%s\n", whole_ms, policy, locale,
		       quick_ms, withheld ? " (versions dated later left out: --future shows them)" : "");
	else if (built)
		printf("policypress: built in %lld ms%s\n", whole_ms,
		       withheld ? " (versions dated later left out: --future shows them)" : "");
	else
		fprintf(stderr, "policypress: build failed; the browser shows why, over the last good site\n");
	pp_diags_free(&d);
	return 0;
}

/* Where the private build goes: TMPDIR when set; else a memory file
 * system with room (a rebuild writes thousands of small files, three
 * times faster there than on a disk), else /tmp. */
static const char *temp_base(void)
{
	const char *tmp = getenv("TMPDIR");
	if (tmp && *tmp)
		return tmp;
	const char *candidates[] = {getenv("XDG_RUNTIME_DIR"), "/dev/shm"};
	for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++) {
		struct statvfs fs;
		if (candidates[i] && *candidates[i] && access(candidates[i], W_OK | X_OK) == 0 &&
		    statvfs(candidates[i], &fs) == 0 && (unsigned long long)fs.f_bavail * fs.f_frsize >= MIN_MEMORY_ROOM)
			return candidates[i];
	}
	return "/tmp";
}

static void open_browser(const char *url)
{
	pid_t pid;
	char *argv[] = {"xdg-open", (char *)url, NULL};
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	int rc = posix_spawnp(&pid, "xdg-open", &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	if (rc != 0)
		fprintf(stderr, "policypress: cannot open a browser (xdg-open: %s); open %s\n", strerror(rc), url);
}

int pp_serve(const pp_serve_options *o)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	stopper stop = {.stop_pipe = {-1, -1}};
	sigemptyset(&stop.signals);
	sigaddset(&stop.signals, SIGINT);
	sigaddset(&stop.signals, SIGTERM);
	sigaddset(&stop.signals, SIGHUP);
	/* Before any thread starts, so every thread inherits the mask and
	 * only the signal thread takes them. */
	sigset_t previous;
	pthread_sigmask(SIG_BLOCK, &stop.signals, &previous);
	/* A browser closing a connection must not end the server. */
	signal(SIGPIPE, SIG_IGN);

	int status = 2;
	pp_diags d;
	pp_diags_init(&d);
	char *tmp_root = NULL, *site_dir = NULL, *quick_dir = NULL;
	pp_watch *watch = NULL;
	pp_http *http = NULL;
	pthread_t signal_thread;
	int signal_thread_running = 0;

	tmp_root = pp_strdup_printf("%s/policypress-serve-XXXXXX", temp_base());
	if (!tmp_root || !mkdtemp(tmp_root)) {
		fprintf(stderr, "policypress: cannot create a temporary directory: %s\n", strerror(errno));
		free(tmp_root);
		tmp_root = NULL;
		goto done;
	}
	if (!(site_dir = pp_path_join(tmp_root, "site")) || !(quick_dir = pp_path_join(tmp_root, "quick")) ||
	    pipe2(stop.stop_pipe, O_CLOEXEC) != 0 ||
	    !(signal_thread_running = pthread_create(&signal_thread, NULL, wait_for_signal, &stop) == 0)) {
		fprintf(stderr, "policypress: cannot start: %s\n", strerror(errno ? errno : ENOMEM));
		goto done;
	}

	/* Watching starts before the first build, so no edit falls between. */
	const char *roots[] = {o->content_dir, o->theme_dir};
	watch = pp_watch_open(roots, 2, o->poll_ms, &d);
	pp_http_config config = {.site_dir = site_dir,
	                         .quick_dir = quick_dir,
	                         .host = o->host,
	                         .port = o->port_given ? o->port : PP_SERVE_DEFAULT_PORT,
	                         .any_port_if_taken = !o->port_given};
	http = watch ? pp_http_start(&config, &d) : NULL;
	pp_diags_print(&d, stderr);
	pp_diags_free(&d);
	pp_diags_init(&d);
	if (!http)
		goto done;

	const char *host = o->host ? o->host : "127.0.0.1";
	int bracket = strchr(host, ':') != NULL; /* an IPv6 address */
	char *url = pp_strdup_printf("http://%s%s%s:%u/", bracket ? "[" : "", host, bracket ? "]" : "",
	                             pp_http_port(http));
	if (!url)
		goto done;
	if (!o->port_given && pp_http_port(http) != PP_SERVE_DEFAULT_PORT)
		printf("policypress: port %u is taken; using %u\n", PP_SERVE_DEFAULT_PORT, pp_http_port(http));
	if (!pp_http_is_loopback(http))
		fprintf(stderr, "policypress: warning: listening on %s, beyond this machine: anyone who can reach "
		                "it reads the preview, unpublished versions included\n", host);
	printf("policypress: serving %s at %s (building into %s, removed on exit; Ctrl-C stops)\n", o->content_dir,
	       url, tmp_root);
	printf("policypress: watching %s and %s%s\n", o->content_dir, o->theme_dir,
	       pp_watch_polling(watch) ? " by polling" : "");
	status = 0;
	if (rebuild(o, site_dir, quick_dir, http, watch, &stop) == 0) {
		if (o->open_browser)
			open_browser(url);
		for (;;) {
			int changed = pp_watch_wait(watch, stop.stop_pipe[0], SETTLE_MS);
			if (changed < 0) {
				fprintf(stderr, "policypress: cannot watch %s: %s\n", o->content_dir, strerror(errno));
				status = 2;
				break;
			}
			if (changed == 0 || rebuild(o, site_dir, quick_dir, http, watch, &stop) != 0)
				break;
		}
	}
	free(url);

done:
	pp_diags_print(&d, stderr);
	pp_diags_free(&d);
	pp_http_stop(http);
	pp_watch_free(watch);
	if (tmp_root && pp_remove_tree(tmp_root) != 0)
		fprintf(stderr, "policypress: cannot remove %s: %s\n", tmp_root, strerror(errno));
	if (signal_thread_running) {
		/* Woken by a signal of its own rather than cancelled: a thread
		 * cancelled in sigwait is not cleaned up properly everywhere. */
		atomic_store(&stop.quitting, 1);
		if (!atomic_load(&stop.stopping))
			pthread_kill(signal_thread, SIGHUP);
		pthread_join(signal_thread, NULL);
	}
	if (atomic_load(&stop.stopping))
		printf("policypress: stopped by %s\n",
		       stop.signal == SIGINT ? "SIGINT" : stop.signal == SIGTERM ? "SIGTERM" : "SIGHUP");
	for (int i = 0; i < 2; i++)
		if (stop.stop_pipe[i] >= 0)
			close(stop.stop_pipe[i]);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		; /* xdg-open */
	free(site_dir);
	free(quick_dir);
	free(tmp_root);
	pthread_sigmask(SIG_SETMASK, &previous, NULL);
	return status;
}
