/* policypress serve: the preview server.
 *
 * Builds the site into a private temporary directory (never the user's
 * output), serves it over HTTP (serve_http.h), watches the content and
 * theme (watch.h) and builds again on every edit; browsers showing a page
 * reload by themselves, or show the build's errors over the last good site
 * until they are fixed. SIGINT, SIGTERM or SIGHUP stop it within a second:
 * a build in progress is abandoned and the temporary directory removed.
 *
 * Ownership: the options' strings stay the caller's.
 * Returns the exit status: 0 when stopped by a signal after serving, 2 when
 * it could not start (the address, the directories).
 */
#ifndef PP_SERVE_H
#define PP_SERVE_H

typedef struct {
	const char *content_dir, *theme_dir;
	const char *host; /* NULL: 127.0.0.1 */
	unsigned port;
	int port_given; /* else 1313, or any free port when it is taken */
	const char *as_of; /* the reference date, YYYY-MM-DD */
	int future;        /* show versions dated after as_of, marked */
	int open_browser;  /* run xdg-open on the site's address */
	int poll_ms;       /* > 0: watch by polling at this interval */
	unsigned jobs;
} pp_serve_options;

#define PP_SERVE_DEFAULT_PORT 1313

int pp_serve(const pp_serve_options *options);

#endif
