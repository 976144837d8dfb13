/* The preview server's HTTP side, over libmicrohttpd.
 *
 * Serves the files of one site directory, looked up anew for every request
 * (a rebuild swaps the directory whole, so a reader gets the old site or
 * the new one, never a mixture): GET and HEAD only; the Content-Type of
 * every kind of file a build writes (UTF-8 for text); index.html for a
 * directory and a redirect for a directory named without its slash; the
 * site's 404.html with status 404; "Cache-Control: no-store" everywhere.
 * No request reaches outside the site: a path segment starting with '.'
 * ("..", "%2e%2e", hidden files), a NUL byte, a symbolic link anywhere on
 * the way, anything but a regular file at the end: 404, or 400 for a path
 * that is not one.
 *
 * A file asked for before the first build has ended waits for it (up to a
 * minute), so a browser opened at once gets the site rather than a
 * placeholder; after a first build that failed, every page is that
 * placeholder (status 503) with the build's messages over it.
 *
 * The page being read is the first one ready: the server knows which page
 * each live stream is for, and a partial build of that page's series can
 * be served ahead of the site until the whole build is in place.
 *
 * Live reload: every HTML page served gets one script element before
 * </head>, loading /__policypress/live.js (the reserved path; never in
 * `build` output). The script listens to /__policypress/events, a stream
 * of Server-Sent Events: "reload" when a newer site is in place, "failed"
 * with the build's messages, shown over the page until a build succeeds.
 *
 * Bounds: 64 connections (16 per address), 64 KiB of request head, 30 s
 * of silence; request bodies are not read.
 *
 * Threads: one per connection (a live stream waits in its own); publish
 * may be called from any thread.
 */
#ifndef PP_SERVE_HTTP_H
#define PP_SERVE_HTTP_H

#include "diag.h"

typedef struct pp_http pp_http;

typedef struct {
	const char *site_dir; /* copied */
	/* A partial build of the series being read (copied; may be NULL): its
	 * files are served ahead of the site's between pp_http_publish_quick
	 * and the next pp_http_publish. */
	const char *quick_dir;
	const char *host;     /* an address or a name; NULL: 127.0.0.1 */
	unsigned port;        /* 0: any free port */
	/* When the port is taken: 1 takes any free one instead, 0 fails. */
	int any_port_if_taken;
} pp_http_config;

/* Listens and serves until stopped. NULL with an error in d when the
 * address cannot be used. */
pp_http *pp_http_start(const pp_http_config *config, pp_diags *d);

/* The port it listens on, and whether that is only this machine. */
unsigned pp_http_port(const pp_http *h);
int pp_http_is_loopback(const pp_http *h);

/* Tells the browsers: a new site is in place (built, errors ignored), or
 * the build failed with the errors in errors (the last good site stays
 * served). */
void pp_http_publish(pp_http *h, int built, const pp_diags *errors);

/* The page read last: the path of the page whose live stream opened last
 * ("/en/privacy/2025-03-02/"), NULL when none. malloc'ed. */
char *pp_http_reading(pp_http *h);

/* The partial build in quick_dir is in place: the pages it holds are
 * served from it, and the browsers showing them reload; the others wait
 * for pp_http_publish, which ends the partial build's use. */
void pp_http_publish_quick(pp_http *h);

/* Ends every live stream, closes every connection and frees h. */
void pp_http_stop(pp_http *h);

#endif
