/* The preview server's HTTP side (see serve_http.h). */
#include "serve_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libxml/uri.h>
#include <microhttpd.h>

#include "fsutil.h"
#include "l10n.h"

#define RESERVED "/__policypress/"
#define LIVE_SCRIPT RESERVED "live.js"
#define LIVE_EVENTS RESERVED "events"
/* A live stream says something this often, so a dropped one is noticed. */
#define KEEPALIVE_SECONDS 15
/* A page asked for while the first build runs waits for it this long at
 * most (then the placeholder page, which reloads when a site comes). */
#define FIRST_BUILD_WAIT_SECONDS 60

struct pp_http {
	struct MHD_Daemon *daemon;
	char *site_dir;
	char *quick_dir;
	unsigned port;
	int loopback;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	unsigned long generation; /* of the site in place; 0: none yet */
	/* Of the partial build, while quick is set. Both come from one
	 * counter, so a page never sees the same number for two states. */
	unsigned long quick_generation, last_generation;
	int quick;
	char *reading;            /* the page whose stream opened last */
	unsigned long failure;    /* counts failed builds */
	char *failure_json;       /* the last build's messages while it failed */
	int stopping;
};

/* The script every served page loads. Messages are put in with
 * textContent: never parsed as HTML. */
static const char live_script[] =
	"(function () {\n"
	"  'use strict';\n"
	"  var me = document.currentScript;\n"
	"  var since = me ? me.getAttribute('data-generation') : '0';\n"
	"  var overlay = null;\n"
	"  function show(messages) {\n"
	"    if (!overlay) {\n"
	"      overlay = document.createElement('div');\n"
	"      overlay.id = 'policypress-build-errors';\n"
	"      overlay.setAttribute('role', 'alert');\n"
	"      overlay.style.cssText = 'position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;'\n"
	"        + 'padding:1.5em;background:rgba(24,24,24,.95);color:#fff;font:14px/1.5 monospace;'\n"
	"        + 'white-space:pre-wrap;direction:ltr;text-align:left';\n"
	"      document.documentElement.appendChild(overlay);\n"
	"    }\n"
	"    overlay.textContent = '';\n"
	"    var heading = document.createElement('p');\n"
	"    heading.style.cssText = 'margin:0 0 1em;font-weight:bold;color:#ff8a80';\n"
	"    heading.textContent = 'policypress: the site does not build. The last good build is shown until '\n"
	"      + 'this is fixed; this message goes away by itself.';\n"
	"    overlay.appendChild(heading);\n"
	"    messages.forEach(function (text) {\n"
	"      var line = document.createElement('div');\n"
	"      line.className = 'policypress-build-error';\n"
	"      line.textContent = text;\n"
	"      overlay.appendChild(line);\n"
	"    });\n"
	"  }\n"
	"  var events = new EventSource('" LIVE_EVENTS "?since=' + encodeURIComponent(since)\n"
	"    + '&page=' + encodeURIComponent(location.pathname));\n"
	"  events.addEventListener('reload', function () { events.close(); location.reload(); });\n"
	"  events.addEventListener('failed', function (e) { show(JSON.parse(e.data)); });\n"
	"})();\n";

/* The page served while no build has succeeded yet: the live script shows
 * why, and reloads it when a build succeeds. */
static const char no_site_page[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>policypress: no site "
	"yet</title></head>\n<body><p>policypress: the site has not built yet.</p></body></html>\n";

static const struct {
	const char *extension;
	const char *type;
} content_types[] = {
	{"html", "text/html; charset=utf-8"},
	{"htm", "text/html; charset=utf-8"},
	{"css", "text/css; charset=utf-8"},
	{"js", "text/javascript; charset=utf-8"},
	{"mjs", "text/javascript; charset=utf-8"},
	{"json", "application/json"},
	{"xml", "application/xml; charset=utf-8"},
	{"txt", "text/plain; charset=utf-8"},
	{"md", "text/markdown; charset=utf-8"},
	{"csv", "text/csv; charset=utf-8"},
	{"svg", "image/svg+xml"},
	{"png", "image/png"},
	{"jpg", "image/jpeg"},
	{"jpeg", "image/jpeg"},
	{"gif", "image/gif"},
	{"webp", "image/webp"},
	{"avif", "image/avif"},
	{"ico", "image/vnd.microsoft.icon"},
	{"pdf", "application/pdf"},
	{"woff", "font/woff"},
	{"woff2", "font/woff2"},
	{"ttf", "font/ttf"},
	{"otf", "font/otf"},
	{"zip", "application/zip"},
	{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	{"odt", "application/vnd.oasis.opendocument.text"},
	{"webmanifest", "application/manifest+json"},
};

static const char *content_type(const char *name)
{
	/* The feeds are Atom documents (see feeds.h). */
	if (strcmp(name, "feed.xml") == 0)
		return "application/atom+xml; charset=utf-8";
	const char *dot = strrchr(name, '.');
	if (dot)
		for (size_t i = 0; i < sizeof content_types / sizeof *content_types; i++)
			if (strcasecmp(dot + 1, content_types[i].extension) == 0)
				return content_types[i].type;
	return "application/octet-stream";
}

static enum MHD_Result queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r, const char *type)
{
	if (!r)
		return MHD_NO;
	if ((type && MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) != MHD_YES) ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES ||
	    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") != MHD_YES) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	enum MHD_Result rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result queue_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	return queue(c, status,
	             MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT),
	             "text/plain; charset=utf-8");
}

/* A page with the live script before </head> (or at the end when it has
 * none), so it reloads on the next build. */
static enum MHD_Result queue_page(struct MHD_Connection *c, unsigned status, const char *html, size_t len,
                                  unsigned long generation)
{
	char tag[96];
	int tag_len = snprintf(tag, sizeof tag, "<script src=\"" LIVE_SCRIPT "\" data-generation=\"%lu\"></script>",
	                       generation);
	const char *head_end = NULL;
	for (const char *p = html; (p = memchr(p, '<', len - (size_t)(p - html))) != NULL; p++)
		if ((size_t)(html + len - p) >= 7 && strncasecmp(p, "</head>", 7) == 0) {
			head_end = p;
			break;
		}
	size_t at = head_end ? (size_t)(head_end - html) : len;
	char *page = malloc(len + (size_t)tag_len);
	if (!page)
		return queue_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	memcpy(page, html, at);
	memcpy(page + at, tag, (size_t)tag_len);
	memcpy(page + at + tag_len, html + at, len - at);
	return queue(c, status, MHD_create_response_from_buffer(len + (size_t)tag_len, page, MHD_RESPMEM_MUST_FREE),
	             "text/html; charset=utf-8");
}

/* Serves the open regular file fd (taken) named name, of the site of
 * that generation. */
static enum MHD_Result queue_file(struct MHD_Connection *c, unsigned status, int fd, const char *name,
                                  unsigned long generation)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return queue_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
	}
	const char *type = content_type(name);
	if (strncmp(type, "text/html", 9) != 0) {
		struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
		if (!r)
			close(fd);
		return queue(c, status, r, type);
	}
	if ((uint64_t)st.st_size > PP_MAX_FILE_SIZE) {
		close(fd);
		return queue_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "page too large\n");
	}
	char *html = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (html && got < (size_t)st.st_size) {
		ssize_t n = read(fd, html + got, (size_t)st.st_size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	enum MHD_Result rc = html ? queue_page(c, status, html, got, generation)
	                          : queue_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	free(html);
	return rc;
}

static enum MHD_Result queue_not_found(pp_http *h, struct MHD_Connection *c)
{
	char *path = pp_path_join(h->site_dir, "404.html");
	int fd = path ? open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
	free(path);
	if (fd < 0)
		return queue_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
	pthread_mutex_lock(&h->lock);
	unsigned long generation = h->generation;
	pthread_mutex_unlock(&h->lock);
	return queue_file(c, MHD_HTTP_NOT_FOUND, fd, "404.html", generation);
}

/* Opens the site's file at the decoded path, one segment at a time and
 * never through a symbolic link. Returns the descriptor, or -1 with *why:
 * 404, 301 (a directory named without its slash) or 503 (no site yet).
 * *name is the last segment (index.html for a directory). */
static int open_in_site(const char *site_dir, const char *path, int *why, const char **name)
{
	int dir = open(site_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		*why = MHD_HTTP_SERVICE_UNAVAILABLE;
		return -1;
	}
	*why = MHD_HTTP_NOT_FOUND;
	*name = "index.html";
	int fd = dir;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, "/");
		char segment[256];
		if (p[0] == '.' || n >= sizeof segment) {
			close(fd);
			return -1;
		}
		memcpy(segment, p, n);
		segment[n] = '\0';
		int next = openat(fd, segment, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		close(fd);
		if (next < 0)
			return -1;
		fd = next;
		*name = p;
		p += n;
		struct stat st;
		if (fstat(fd, &st) != 0 || (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) ||
		    (S_ISREG(st.st_mode) && *p)) {
			close(fd);
			return -1;
		}
		if (S_ISDIR(st.st_mode) && !*p) {
			close(fd);
			*why = MHD_HTTP_MOVED_PERMANENTLY;
			return -1;
		}
		if (S_ISDIR(st.st_mode))
			*name = "index.html";
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		int index = openat(fd, "index.html", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		close(fd);
		*name = "index.html";
		return index;
	}
	return fd;
}

/* Waits, with the lock held, until the first build has ended (a site or
 * a failure in place) or FIRST_BUILD_WAIT_SECONDS have passed: a browser
 * opened at once gets the site, not a placeholder that reloads. */
static void wait_for_first_build(pp_http *h)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += FIRST_BUILD_WAIT_SECONDS;
	while (!h->generation && !h->quick && !h->failure && !h->stopping)
		if (pthread_cond_timedwait(&h->changed, &h->lock, &until) == ETIMEDOUT)
			break;
}

/* Opens path in the partial build while it is in use, else in the site;
 * *generation says which one it came from. With the lock held. */
static int open_page(pp_http *h, const char *path, int *why, const char **name, unsigned long *generation)
{
	if (h->quick && h->quick_dir) {
		int fd = open_in_site(h->quick_dir, path, why, name);
		if (fd >= 0) {
			*generation = h->quick_generation;
			return fd;
		}
	}
	*generation = h->generation;
	return open_in_site(h->site_dir, path, why, name);
}

/* The generation of the site the page at path is served from now. */
static unsigned long page_generation(pp_http *h, const char *path)
{
	int why;
	const char *name;
	unsigned long generation = h->generation;
	int fd = path ? open_page(h, path, &why, &name, &generation) : -1;
	if (fd >= 0)
		close(fd);
	return generation;
}

/* One live stream: what it has to send, and the state it last told. */
typedef struct {
	pp_http *http;
	char *page; /* the decoded path of the page it is for, or NULL */
	unsigned long generation;
	unsigned long failure;
	char *pending;
	size_t pending_len, pending_sent;
} live_stream;

static void free_stream(void *data)
{
	live_stream *s = data;
	free(s->pending);
	free(s->page);
	free(s);
}

/* The next event for s, waiting for one (with the lock held). NULL when
 * stopping; a keep-alive comment after KEEPALIVE_SECONDS. */
static char *next_event(live_stream *s)
{
	pp_http *h = s->http;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += KEEPALIVE_SECONDS;
	for (;;) {
		if (h->stopping)
			return NULL;
		unsigned long generation = page_generation(h, s->page);
		if (generation > s->generation) {
			s->generation = generation;
			return pp_strdup_printf("event: reload\ndata: %lu\n\n", generation);
		}
		if (h->failure_json && h->failure != s->failure) {
			s->failure = h->failure;
			return pp_strdup_printf("event: failed\ndata: %s\n\n", h->failure_json);
		}
		if (pthread_cond_timedwait(&h->changed, &h->lock, &until) == ETIMEDOUT)
			return strdup(": still here\n\n");
	}
}

static ssize_t read_stream(void *data, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	live_stream *s = data;
	if (s->pending_sent == s->pending_len) {
		free(s->pending);
		pthread_mutex_lock(&s->http->lock);
		s->pending = next_event(s);
		pthread_mutex_unlock(&s->http->lock);
		if (!s->pending)
			return MHD_CONTENT_READER_END_OF_STREAM;
		s->pending_len = strlen(s->pending);
		s->pending_sent = 0;
	}
	size_t n = s->pending_len - s->pending_sent;
	if (n > max)
		n = max;
	memcpy(buf, s->pending + s->pending_sent, n);
	s->pending_sent += n;
	return (ssize_t)n;
}

static enum MHD_Result queue_events(pp_http *h, struct MHD_Connection *c)
{
	live_stream *s = calloc(1, sizeof *s);
	if (!s)
		return queue_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	s->http = h;
	const char *since = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since");
	char *end = NULL;
	unsigned long generation = since ? strtoul(since, &end, 10) : 0;
	s->generation = end && !*end ? generation : 0;
	/* As the live script sends it: encodeURIComponent(location.pathname),
	 * its slashes encoded too (query values stay encoded, see
	 * no_unescape). */
	const char *page = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "page");
	if (page && !strstr(page, "%00") && (s->page = xmlURIUnescapeString(page, 0, NULL)) && s->page[0] != '/') {
		xmlFree(s->page);
		s->page = NULL;
	}
	if (s->page) {
		char *copy = strdup(s->page);
		pthread_mutex_lock(&h->lock);
		if (copy) {
			free(h->reading);
			h->reading = copy;
		}
		pthread_mutex_unlock(&h->lock);
	}
	struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, read_stream, s, free_stream);
	if (!r) {
		free_stream(s);
		return MHD_NO;
	}
	return queue(c, MHD_HTTP_OK, r, "text/event-stream; charset=utf-8");
}

static enum MHD_Result redirect_to_directory(struct MHD_Connection *c, const char *raw_path)
{
	/* One leading slash: "//en" must not become "//en/", a link to the
	 * host "en". */
	while (raw_path[0] == '/' && raw_path[1] == '/')
		raw_path++;
	char *location = pp_strdup_printf("%s/", raw_path);
	struct MHD_Response *r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	if (!location || !r || MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location) != MHD_YES) {
		free(location);
		if (r)
			MHD_destroy_response(r);
		return MHD_NO;
	}
	free(location);
	return queue(c, MHD_HTTP_MOVED_PERMANENTLY, r, NULL);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_size, void **state)
{
	(void)version;
	(void)upload_data;
	pp_http *h = cls;
	if (!*state) {
		/* The first call has the head only; answer on the second. */
		*state = h;
		return MHD_YES;
	}
	*upload_size = 0; /* a body is never read */
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		struct MHD_Response *r = MHD_create_response_from_buffer(19, "only GET and HEAD\n", MHD_RESPMEM_PERSISTENT);
		if (r && MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") != MHD_YES) {
			MHD_destroy_response(r);
			r = NULL;
		}
		return queue(c, MHD_HTTP_METHOD_NOT_ALLOWED, r, "text/plain; charset=utf-8");
	}
	/* url is as the request wrote it (see no_unescape): a NUL byte would
	 * cut the decoded path short of what was asked. */
	if (url[0] != '/' || strstr(url, "%00"))
		return queue_text(c, MHD_HTTP_BAD_REQUEST, "bad path\n");
	char *path = xmlURIUnescapeString(url, 0, NULL);
	if (!path)
		return queue_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	enum MHD_Result rc;
	if (strcmp(path, LIVE_SCRIPT) == 0)
		rc = queue(c, MHD_HTTP_OK,
		           MHD_create_response_from_buffer(sizeof live_script - 1, (void *)live_script,
		                                           MHD_RESPMEM_PERSISTENT),
		           "text/javascript; charset=utf-8");
	else if (strcmp(path, LIVE_EVENTS) == 0)
		rc = queue_events(h, c);
	else {
		int why;
		const char *name;
		unsigned long generation;
		pthread_mutex_lock(&h->lock);
		wait_for_first_build(h);
		int fd = open_page(h, path, &why, &name, &generation);
		pthread_mutex_unlock(&h->lock);
		if (fd >= 0)
			rc = queue_file(c, MHD_HTTP_OK, fd, name, generation);
		else if (why == MHD_HTTP_MOVED_PERMANENTLY)
			rc = redirect_to_directory(c, url);
		else if (why == MHD_HTTP_SERVICE_UNAVAILABLE)
			rc = queue_page(c, why, no_site_page, sizeof no_site_page - 1, 0);
		else
			rc = queue_not_found(h, c);
	}
	xmlFree(path);
	return rc;
}

/* The path is decoded in handle, where a NUL byte can be refused;
 * libmicrohttpd's own decoding would hide it. Query values stay encoded
 * too: the only one read is a number. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

static int is_loopback(const struct sockaddr *a)
{
	if (a->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) >> 24) == 127;
	if (a->sa_family == AF_INET6) {
		const struct in6_addr *in6 = &((const struct sockaddr_in6 *)a)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(in6) ||
		       (IN6_IS_ADDR_V4MAPPED(in6) && in6->s6_addr[12] == 127);
	}
	return 0;
}

/* A listening socket on host:port; with any_port_if_taken, on a free port
 * when that one is taken. -1 with an error in d. */
static int listen_on(const pp_http_config *config, int *loopback, pp_diags *d)
{
	const char *host = config->host ? config->host : "127.0.0.1";
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
	struct addrinfo *found = NULL;
	char port[16];
	snprintf(port, sizeof port, "%u", config->port);
	int gai = getaddrinfo(host, port, &hints, &found);
	if (gai != 0) {
		pp_error(d, NULL, 0, 0, "--host %s: %s", host, gai_strerror(gai));
		return -1;
	}
	int fd = socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
	int on = 1;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	int bound = fd >= 0 && bind(fd, found->ai_addr, found->ai_addrlen) == 0;
	if (!bound && fd >= 0 && errno == EADDRINUSE && config->any_port_if_taken && config->port) {
		if (found->ai_family == AF_INET)
			((struct sockaddr_in *)found->ai_addr)->sin_port = 0;
		else if (found->ai_family == AF_INET6)
			((struct sockaddr_in6 *)found->ai_addr)->sin6_port = 0;
		bound = bind(fd, found->ai_addr, found->ai_addrlen) == 0;
	}
	if (!bound || listen(fd, 64) != 0) {
		pp_error(d, NULL, 0, 0, "cannot listen on %s port %u: %s", host, config->port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(found);
		return -1;
	}
	*loopback = is_loopback(found->ai_addr);
	freeaddrinfo(found);
	return fd;
}

pp_http *pp_http_start(const pp_http_config *config, pp_diags *d)
{
	pp_http *h = calloc(1, sizeof *h);
	if (!h || !(h->site_dir = strdup(config->site_dir)) ||
	    (config->quick_dir && !(h->quick_dir = strdup(config->quick_dir)))) {
		if (h)
			free(h->site_dir);
		free(h);
		pp_error(d, NULL, 0, 0, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->changed, NULL);
	int fd = listen_on(config, &h->loopback, d);
	struct sockaddr_storage addr;
	socklen_t addr_len = sizeof addr;
	if (fd >= 0 && getsockname(fd, (struct sockaddr *)&addr, &addr_len) == 0)
		h->port = ntohs(addr.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&addr)->sin6_port
		                                           : ((struct sockaddr_in *)&addr)->sin_port);
	if (fd >= 0)
		h->daemon = MHD_start_daemon(
			MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC,
			0, NULL, NULL, handle, h, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
			(unsigned)64, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)16,
			MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024, MHD_OPTION_CONNECTION_TIMEOUT,
			(unsigned)30, MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL, MHD_OPTION_END);
	if (!h->daemon) {
		if (fd >= 0) {
			close(fd);
			pp_error(d, NULL, 0, 0, "cannot start the HTTP server");
		}
		pthread_cond_destroy(&h->changed);
		pthread_mutex_destroy(&h->lock);
		free(h->site_dir);
		free(h->quick_dir);
		free(h);
		return NULL;
	}
	return h;
}

unsigned pp_http_port(const pp_http *h)
{
	return h->port;
}

int pp_http_is_loopback(const pp_http *h)
{
	return h->loopback;
}

/* The build's messages as a JSON array of lines "file:line:column: ...". */
static char *messages_json(const pp_diags *errors)
{
	json_t *list = json_array();
	for (size_t i = 0; list && i < errors->count; i++) {
		char *line = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&line, &len);
		if (!f)
			break;
		pp_diag_format(&errors->items[i], f);
		fclose(f);
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		/* Messages quote file contents, which may not be UTF-8. */
		char *valid = line ? pp_utf8_escape_invalid(line) : NULL;
		json_t *text = valid ? json_string(valid) : NULL;
		free(valid);
		if (!text || json_array_append_new(list, text) != 0) {
			free(line);
			break;
		}
		free(line);
	}
	char *text = list ? json_dumps(list, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	json_decref(list);
	return text;
}

void pp_http_publish(pp_http *h, int built, const pp_diags *errors)
{
	char *json = built ? NULL : messages_json(errors);
	pthread_mutex_lock(&h->lock);
	free(h->failure_json);
	h->failure_json = NULL;
	if (built)
		h->generation = h->quick ? h->quick_generation : ++h->last_generation;
	h->quick = 0;
	if (!built) {
		h->failure++;
		h->failure_json = json ? json : strdup("[\"policypress: the build failed\"]");
	}
	pthread_cond_broadcast(&h->changed);
	pthread_mutex_unlock(&h->lock);
}

char *pp_http_reading(pp_http *h)
{
	pthread_mutex_lock(&h->lock);
	char *page = h->reading ? strdup(h->reading) : NULL;
	pthread_mutex_unlock(&h->lock);
	return page;
}

void pp_http_publish_quick(pp_http *h)
{
	pthread_mutex_lock(&h->lock);
	h->quick_generation = ++h->last_generation;
	h->quick = 1;
	/* The content loaded and the page rendered: what failed before is
	 * fixed at least there; the whole build says the rest. */
	free(h->failure_json);
	h->failure_json = NULL;
	pthread_cond_broadcast(&h->changed);
	pthread_mutex_unlock(&h->lock);
}

void pp_http_stop(pp_http *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->stopping = 1;
	pthread_cond_broadcast(&h->changed);
	pthread_mutex_unlock(&h->lock);
	MHD_stop_daemon(h->daemon);
	pthread_cond_destroy(&h->changed);
	pthread_mutex_destroy(&h->lock);
	free(h->failure_json);
	free(h->reading);
	free(h->site_dir);
	free(h->quick_dir);
	free(h);
}
