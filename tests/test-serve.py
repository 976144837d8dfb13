#!/usr/bin/env python3
"""policypress serve over real HTTP, on a port the server picks: every file a
build writes served with its type and its bytes (HTML pages with the live
script and nothing else added), HEAD, directories, redirects, the site's
404, methods, traversal and symbolic links, NUL bytes, oversized heads and
too many connections; live reload through the Server-Sent Events stream on
an edit, an editor's save by rename, a new policy directory, with inotify
and by polling; a build error reported with its file:line:column while the
last good site stays served, and cleared by the fix; --as-of and --future;
the port taken; a host beyond loopback warned about; and a stop by SIGTERM
or SIGINT within a second, leaving no file behind and no output written.

  test-serve.py POLICYPRESS SOURCE_ROOT [inotify|polling|other,...]   (prints TAP)"""
import http.client
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

binary, source_root = sys.argv[1:3]
results = []
# The build these tests compare with: the reference date fixed, so the
# version in force does not depend on the day the test runs.
AS_OF = "2026-12-01"
SCRIPT = re.compile(rb'<script src="/__policypress/live\.js" data-generation="\d+"></script>')


def check(name, problems):
    results.append((name, problems))


class Server:
    """policypress serve in its own process, its output read line by line."""

    def __init__(self, content, *args, cwd=None, env=None, wrap=()):
        self.proc = subprocess.Popen([*wrap, binary, "serve", "--content", content, "--as-of", AS_OF, *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=env)
        self.lines = queue.Queue()
        self.seen = []
        self.stderr = []
        threading.Thread(target=self._read, args=(self.proc.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._collect, daemon=True).start()
        self.port = self.tmp = None
        line = self.wait_line("serving ")
        if line:
            m = re.search(r"at http://[^ ]*:(\d+)/ \(building into (\S+),", line)
            self.port, self.tmp = int(m.group(1)), m.group(2)

    @staticmethod
    def _read(stream, lines):
        for raw in stream:
            lines.put(raw.decode("utf-8", "replace"))

    def _collect(self):
        for raw in self.proc.stderr:
            self.stderr.append(raw.decode("utf-8", "replace"))

    def wait_line(self, text, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(line)
            if text in line:
                return line
        return None

    def drain(self):
        """Forgets the lines printed so far."""
        while True:
            try:
                self.seen.append(self.lines.get_nowait())
            except queue.Empty:
                return

    def request(self, method, path, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in (headers or {}).items():
                conn.putheader(k, v)
            conn.endheaders()
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def get(self, path):
        return self.request("GET", path)

    def stop(self, sig=signal.SIGTERM):
        """Exit status and seconds the process took to end after sig."""
        start = time.monotonic()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        return rc, time.monotonic() - start


class Events:
    """The live-reload stream, events put in a queue as they arrive."""

    def __init__(self, port, since, page=None):
        self.events = queue.Queue()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        # The page encoded as the live script encodes it
        # (encodeURIComponent: its slashes too).
        query = f"since={since}" + (f"&page={urllib.parse.quote(page, safe='')}" if page else "")
        self.sock.sendall(f"GET /__policypress/events?{query} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        buf = b""
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    break
                buf += data
                while b"\n\n" in buf:
                    block, buf = buf.split(b"\n\n", 1)
                    fields = dict(line.split(": ", 1) for line in block.decode().split("\n")
                                  if ": " in line and not line.startswith(":"))
                    if "event" in fields:
                        self.events.put((fields["event"], fields.get("data", "")))
        except OSError:
            pass
        self.events.put(("closed", ""))

    def wait(self, kind, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                event = self.events.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                break
            if event[0] == kind:
                return event
            if event[0] == "closed":
                return None
        return None

    def close(self):
        self.sock.close()


def generation(server):
    """The generation of the site in place, as pages tell the script."""
    _, _, body = server.get("/")
    m = re.search(rb'data-generation="(\d+)"', body)
    return int(m.group(1)) if m else -1


# What a reader of each kind of file must be told, independently of the
# server's table.
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".json": "application/json", ".txt": "text/plain; charset=utf-8",
         ".xml": "application/xml; charset=utf-8", ".pdf": "application/pdf", ".png": "image/png"}


def expected_type(path):
    if os.path.basename(path) == "feed.xml":
        return "application/atom+xml; charset=utf-8"
    return TYPES.get(os.path.splitext(path)[1], "application/octet-stream")


def test_files(server, content, work):
    """Every file of a build of the same content, served as it is."""
    problems = []
    out = os.path.join(work, "built")
    subprocess.run([binary, "build", "--content", content, "--out", out, "-q", "--as-of", AS_OF], check=True)
    count = 0
    for root, dirs, files in os.walk(out):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.startswith("."):
                continue
            path = os.path.join(root, name)
            url = "/" + os.path.relpath(path, out)
            with open(path, "rb") as f:
                want = f.read()
            if b"__policypress" in want:
                problems.append(f"build output {url} has the live-reload script")
            status, headers, body = server.get(url)
            count += 1
            if status != 200:
                problems.append(f"{url}: status {status}")
                continue
            if headers.get("content-type") != expected_type(url):
                problems.append(f"{url}: Content-Type {headers.get('content-type')!r}, not {expected_type(url)!r}")
            if headers.get("cache-control") != "no-store":
                problems.append(f"{url}: Cache-Control {headers.get('cache-control')!r}")
            if url.endswith(".html"):
                scripts = SCRIPT.findall(body)
                stripped = SCRIPT.sub(b"", body)
                if len(scripts) != 1 or stripped != want or b"</script></head>" not in body:
                    problems.append(f"{url}: not the built page with one script before </head>")
            elif body != want:
                problems.append(f"{url}: {len(body)} bytes, not the {len(want)} built")
            hstatus, hheaders, hbody = server.request("HEAD", url)
            if hstatus != 200 or hbody or hheaders.get("content-length") != headers.get("content-length") \
                    or hheaders.get("content-type") != headers.get("content-type"):
                problems.append(f"HEAD {url}: {hstatus}, {len(hbody)} bytes, {hheaders.get('content-length')}")
    if count < 30:
        problems.append(f"only {count} files compared")
    # A directory: its index.html; without its slash: a redirect.
    status, _, body = server.get("/en/privacy/")
    with open(os.path.join(out, "en/privacy/index.html"), "rb") as f:
        if status != 200 or SCRIPT.sub(b"", body) != f.read():
            problems.append(f"/en/privacy/: {status}, not its index.html")
    status, headers, _ = server.get("/en/privacy")
    if status != 301 or headers.get("location") != "/en/privacy/":
        problems.append(f"/en/privacy: {status} to {headers.get('location')}, not 301 to /en/privacy/")
    status, headers, _ = server.get("//en")
    if status != 301 or headers.get("location") != "/en/":
        problems.append(f"//en: {status} to {headers.get('location')}, not 301 to /en/ (never to a host)")
    status, headers, body = server.get("/en/no-such-policy/")
    with open(os.path.join(out, "404.html"), "rb") as f:
        if status != 404 or SCRIPT.sub(b"", body) != f.read():
            problems.append(f"a missing page: {status}, not 404 with the site's 404.html")
    for method in ("POST", "PUT", "DELETE", "OPTIONS"):
        status, headers, _ = server.request(method, "/")
        if status != 405 or headers.get("allow") != "GET, HEAD":
            problems.append(f"{method}: {status}, Allow {headers.get('allow')!r}")
    status, headers, body = server.get("/__policypress/live.js")
    if status != 200 or not headers.get("content-type", "").startswith("text/javascript") or b"EventSource" not in body:
        problems.append(f"the live script: {status} {headers.get('content-type')}")
    return problems


def test_outside(server):
    """No request reaches a file outside the site."""
    problems = []
    site = os.path.join(server.tmp, "site")
    os.symlink("/etc", os.path.join(site, "etc-link"))
    os.symlink("/etc/passwd", os.path.join(site, "en", "passwd.html"))
    os.symlink(os.path.join(site, "index.html"), os.path.join(site, "inner-link.html"))
    attempts = ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/en/%2E%2E/%2e%2E/../etc/passwd",
                "/..%2f..%2f..%2fetc%2fpasswd", "/%2fetc%2fpasswd", "//etc/passwd", "/etc-link/passwd",
                "/en/passwd.html", "/inner-link.html", "/.policypress-output", "/en/./privacy/../../../etc/passwd",
                "/%252e%252e/etc/passwd"]
    for path in attempts:
        status, _, body = server.get(path)
        if status not in (400, 404) or b"root:" in body:
            problems.append(f"{path}: status {status}")
    for path in ("/index.html%00.css", "/en%00/", "/%00"):
        status, _, _ = server.get(path)
        if status != 400:
            problems.append(f"{path}: status {status}, not 400")
    # An oversized head is refused, and the server serves on.
    try:
        status, _, _ = server.request("GET", "/", {"X-Padding": "a" * 200000})
    except (OSError, http.client.HTTPException):
        status = "closed"
    if status == 200:
        problems.append("a 200 KB request head was served")
    # Too many connections from one address: the next one is not served.
    # Each of the 16 has had an answer and is kept alive: all are counted.
    idle = []
    for _ in range(16):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
        conn.request("GET", "/robots.txt")
        conn.getresponse().read()
        idle.append(conn)
    try:
        status, _, _ = server.get("/")
    except (OSError, http.client.HTTPException):
        status = "closed"
    for s in idle:
        s.close()
    if status == 200:
        problems.append("a 17th connection from one address was served")
    time.sleep(0.3)
    if server.get("/")[0] != 200:
        problems.append("the server does not serve after the refused requests")
    return problems


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def test_live(server, content, mode):
    """Edits seen by the live stream, and the site rebuilt."""
    problems = []
    en = os.path.join(content, "privacy", "en")
    version = os.path.join(en, "2025-03-02.md")  # the version in force on AS_OF

    def edited(what, change, page, text):
        events = Events(server.port, generation(server))
        time.sleep(0.2)
        change()
        event = events.wait("reload")
        events.close()
        if not event:
            problems.append(f"{mode}: no reload after {what}")
            return
        status, _, body = server.get(page)
        if status != 200 or text.encode() not in body:
            problems.append(f"{mode}: after {what}, {page} is {status} without {text!r}")

    def append(path, text):
        with open(path, "a", encoding="utf-8") as f:
            f.write(text)

    edited("an edit", lambda: append(version, f"\nEdited in place ({mode}).\n"), "/en/privacy/",
           f"Edited in place ({mode}).")

    def rename_save():
        with open(version, encoding="utf-8") as f:
            text = f.read()
        write(version + ".tmp~", text + f"\nSaved by rename ({mode}).\n")
        os.rename(version + ".tmp~", version)
    edited("a save by rename", rename_save, "/en/privacy/2025-03-02/", f"Saved by rename ({mode}).")

    # A burst of events (a checkout, a save that writes, renames and
    # touches) is one rebuild, not one per event.
    server.drain()
    events = Events(server.port, generation(server))
    time.sleep(0.2)
    with open(version, "a", encoding="utf-8") as f:  # 30 writes within a millisecond or so
        for i in range(30):
            f.write(f"\nBurst {i} ({mode}).\n")
            f.flush()
    reloads = 0
    while events.wait("reload", timeout=3):
        reloads += 1
    events.close()
    status, _, body = server.get("/en/privacy/")
    if f"Burst 29 ({mode}).".encode() not in body:
        problems.append(f"{mode}: the last write of a burst is not in the page")
    if reloads != 1:
        problems.append(f"{mode}: 30 writes in a burst gave {reloads} reloads to a page, not 1")

    policy = {"inotify": "terms", "polling": "terms-polled"}.get(mode) or "terms-" + re.sub(r"\W+", "-", mode)

    def new_policy():
        write(os.path.join(content, policy, "en", "2024-01-01.md"),
              f"---\ntitle: Terms {mode}\nupdated: 2024-01-01\n---\n\nNew policy while serving.\n")
    edited("a new policy directory", new_policy, f"/en/{policy}/", "New policy while serving.")

    # A build error: reported with its position, the last good site served.
    events = Events(server.port, generation(server))
    broken = os.path.join(en, "2025-06-01.md")
    write(broken, "---\ntitle: Broken\nupdated: 2025-06-01\n")
    event = events.wait("failed")
    if not event:
        problems.append(f"{mode}: no 'failed' event for a broken version")
    else:
        messages = json.loads(event[1])
        if not any(m.startswith(broken + ":1:1: error:") for m in messages):
            problems.append(f"{mode}: the failure's messages do not locate {broken}: {messages}")
    status, _, body = server.get("/en/privacy/")
    if status != 200 or f"Edited in place ({mode}).".encode() not in body:
        problems.append(f"{mode}: the last good site is not served while the build fails ({status})")
    os.remove(broken)
    if not events.wait("reload"):
        problems.append(f"{mode}: no reload once the error is fixed")
    events.close()
    return problems


def test_replaced_root(server, content):
    """The content directory moved away and another put in its place (as a
    checkout or a restore does): the build fails while it is gone, and the
    new directory is watched once it is there."""
    problems = []
    events = Events(server.port, generation(server))
    time.sleep(0.2)
    away = content + ".away"
    os.rename(content, away)
    if not events.wait("failed"):
        problems.append("no failure while the content directory is gone")
    shutil.copytree(away, content)
    shutil.rmtree(away)
    if not events.wait("reload"):
        problems.append("no reload once a content directory is back")
    events.close()
    events = Events(server.port, generation(server))
    time.sleep(0.2)
    with open(os.path.join(content, "privacy", "en", "2025-03-02.md"), "a", encoding="utf-8") as f:
        f.write("\nEdited in the new directory.\n")
    if not events.wait("reload") or b"Edited in the new directory." not in server.get("/en/privacy/")[2]:
        problems.append("an edit in the directory put in place is not seen")
    events.close()
    return problems


def test_reading_first(server, content):
    """The series of the page read last is built and reloaded first; pages
    of other series reload when the whole site is in place; none twice."""
    problems = []
    since = generation(server)
    other = Events(server.port, since, "/ar/privacy/")
    time.sleep(0.2)
    reading = Events(server.port, since, "/en/privacy/")  # opened last: the one being read
    time.sleep(0.2)
    server.drain()
    for locale, text in (("en", "Read first."), ("ar", "قرئت لاحقا.")):
        with open(os.path.join(content, "privacy", locale, "2025-03-02.md"), "a", encoding="utf-8") as f:
            f.write(f"\n{text}\n")
    if not reading.wait("reload"):
        problems.append("no reload for the page being read")
    elif "Read first.".encode() not in server.get("/en/privacy/")[2]:
        problems.append("the page being read reloaded to its old text")
    if not other.wait("reload"):
        problems.append("no reload for a page of another series")
    elif "قرئت لاحقا.".encode() not in server.get("/ar/privacy/")[2]:
        problems.append("the other page reloaded to its old text")
    line = server.wait_line("built in", timeout=10)
    m = re.search(r"built in (\d+) ms \(privacy, en ready in (\d+) ms\)", line or "")
    if not m or int(m.group(2)) > int(m.group(1)):
        problems.append(f"serve did not build the page being read first: {line!r}")
    if reading.wait("reload", timeout=1.5):
        problems.append("the page being read reloaded twice for one edit")
    reading.close()
    other.close()
    return problems


def test_edits_during_builds(server, content):
    """Versions appended to every 30 ms for 3 s: builds start while they
    change (after 2 s of events at the latest) and find them changed; those
    failures are not shown, as the next build is due, and the last build
    serves the last edit."""
    problems = []
    versions = [os.path.join(content, policy, "en", sorted(os.listdir(os.path.join(content, policy, "en")))[-1])
                for policy in sorted(os.listdir(content)) if os.path.isdir(os.path.join(content, policy, "en"))]
    events = Events(server.port, generation(server), "/en/policy0000/")
    time.sleep(0.2)
    server.drain()
    end = time.monotonic() + 3
    n = 0
    while time.monotonic() < end:
        n += 1
        for path in versions:
            with open(path, "a", encoding="utf-8") as f:
                f.write(f"\nEdit {n}.\n")
        time.sleep(0.03)
    line = server.wait_line("built in", timeout=60)
    if not line:
        problems.append(f"no build after the edits: {server.seen[-5:]} {server.stderr[-5:]}")
    if not any("building again" in l for l in server.seen):
        problems.append("no build found its content changed: the edits did not overlap a build")
    failed = [e for e in list(events.events.queue) if e[0] == "failed"]
    if failed:
        problems.append(f"a failure was shown for content that was changing: {failed[0][1][:300]}")
    body = server.get("/en/policy0000/")[2].decode()
    if f"Edit {n}." not in body:
        problems.append(f"the last edit (Edit {n}.) is not served")
    events.close()
    return problems


def test_stop(server, sig, content, cwd):
    problems = []
    events = Events(server.port, generation(server))  # an open live stream
    time.sleep(0.2)
    rc, seconds = server.stop(sig)
    if rc != 0 or seconds > 1.0:
        problems.append(f"{signal.Signals(sig).name}: exit {rc} after {seconds:.2f} s")
    if events.wait("closed", timeout=5) is None:
        problems.append("the live stream was not ended")
    events.close()
    if server.tmp and os.path.exists(server.tmp):
        problems.append(f"{server.tmp} left behind")
    if os.path.exists(os.path.join(cwd, "public")):
        problems.append("public/ written")
    stray = [n for n in os.listdir(os.path.dirname(content)) if n not in ("content", "built", "cwd")]
    if stray:
        problems.append(f"files written beside the content: {stray}")
    return problems


def main(groups):
    with tempfile.TemporaryDirectory(prefix="pp-serve-") as work:
        content = os.path.join(work, "content")
        shutil.copytree(os.path.join(source_root, "content"), content)
        cwd = os.path.join(work, "cwd")
        os.mkdir(cwd)
        env = dict(os.environ, TMPDIR=work)
        if "inotify" in groups:
            server = Server(content, "--port", "0", cwd=cwd, env=env)
            if not server.port or not server.wait_line("built in"):
                check("serve starts", ["no address printed: " + "".join(server.stderr)])
                return
            check("starts on a free port, builds into a private directory under TMPDIR",
                  [] if server.tmp.startswith(work + "/policypress-serve-") else [server.tmp])
            check("every file a build writes, with its type; directories, 404, methods",
                  test_files(server, content, work))
            check("no request reaches outside the site", test_outside(server))
            check("live reload with inotify: edit, rename-save, new directory, error and fix",
                  test_live(server, content, "inotify"))
            check("the page being read is the first one ready", test_reading_first(server, content))
            check("the content directory replaced while serving", test_replaced_root(server, content))
            check("SIGTERM stops within a second, ending streams, leaving nothing",
                  test_stop(server, signal.SIGTERM, content, cwd))

        if "polling" in groups:
            server = Server(content, "--port", "0", "--poll", cwd=cwd, env=env)
            server.wait_line("built in")
            check("live reload by polling", test_live(server, content, "polling"))
            check("SIGINT stops within a second", test_stop(server, signal.SIGINT, content, cwd))

            # Out of inotify watches: polling, said once, and edits still seen.
            # The limit is lowered in a user namespace of the test's own, so the
            # machine's is untouched; where those are not allowed, skipped.
            probe = subprocess.run(["unshare", "-U", "-r", "sh", "-c", "echo 3 > /proc/sys/user/max_inotify_watches"],
                                   capture_output=True)
            if probe.returncode != 0:
                check("out of inotify watches: polling # SKIP no user namespaces here", [])
            else:
                problems = []
                server = Server(content, "--port", "0", cwd=cwd, env=env, wrap=[
                    "unshare", "-U", "-r", "sh", "-c", 'echo 3 > /proc/sys/user/max_inotify_watches && exec "$@"', "sh"])
                line = server.wait_line("watching")
                if not line or "by polling" not in line:
                    problems.append(f"not polling with 3 watches: {line!r}")
                server.wait_line("built in")
                if not any("fs.inotify.max_user_watches is reached" in l for l in server.stderr):
                    problems.append(f"the limit is not named: {server.stderr}")
                problems += test_live(server, content, "polling after the limit")
                server.stop()
                check("out of inotify watches: polling, said, and edits seen", problems)

        if "other" in groups:
            # The reference date: a version dated later is left out, --future
            # shows it marked as a preview.
            problems = []
            for args, status_wanted in ((["--as-of", "2025-01-05"], 404), (["--as-of", "2025-01-05", "--future"], 200)):
                server = Server(content, "--port", "0", *args, cwd=cwd, env=env)
                server.wait_line("built in")
                status, _, body = server.get("/en/privacy/2025-03-02/")
                if status != status_wanted or (status == 200 and b"notice-unpublished" not in body):
                    problems.append(f"{args}: {status}")
                server.stop()
            check("--as-of leaves later versions out; --future shows them marked", problems)

            # The port: taken when asked for, an error; the default one taken,
            # another one.
            problems = []
            holder = socket.socket()
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            holder.bind(("127.0.0.1", 0))
            holder.listen()
            taken = holder.getsockname()[1]
            run = subprocess.run([binary, "serve", "--content", content, "--port", str(taken)], capture_output=True,
                                 text=True, timeout=30, env=env)
            if run.returncode != 2 or f"cannot listen on 127.0.0.1 port {taken}: Address already in use" not in run.stderr:
                problems.append(f"--port {taken} taken: exit {run.returncode}, {run.stderr!r}")
            holder.close()
            default = socket.socket()
            try:
                default.bind(("127.0.0.1", 1313))
                default.listen()
            except OSError:
                pass  # taken already: the server must move all the same
            server = Server(content, cwd=cwd, env=env)
            if not server.port or server.port == 1313 or \
                    not any(f"port 1313 is taken; using {server.port}" in line for line in server.seen):
                problems.append(f"default port taken: serving on {server.port}, saying {server.seen}")
            server.stop()
            default.close()
            server = Server(content, "--port", "0", "--host", "0.0.0.0", cwd=cwd, env=env)
            server.wait_line("built in")
            if not any("beyond this machine" in line for line in server.stderr):
                problems.append("no warning when listening beyond loopback")
            server.stop()
            for args, message in ((["--port", "70000"], "--port takes a number"),
                                  (["--host", "no.such.host.invalid"], "--host no.such.host.invalid"),
                                  (["--content", os.path.join(work, "none")], "no such content directory")):
                run = subprocess.run([binary, "serve", "--content", content, *args], capture_output=True, text=True,
                                     timeout=30, env=env)
                if run.returncode != 2 or message not in run.stderr:
                    problems.append(f"{args}: exit {run.returncode}, {run.stderr!r}")
            check("ports, hosts and refusals", problems)
            # --open runs xdg-open on the address (a stand-in records it).
            problems = []
            stub = os.path.join(work, "stub-bin")
            os.mkdir(stub)
            opened = os.path.join(work, "opened")
            with open(os.path.join(stub, "xdg-open"), "w") as f:
                f.write(f'#!/bin/sh\necho "$@" > {opened}\n')
            os.chmod(os.path.join(stub, "xdg-open"), 0o755)
            server = Server(content, "--port", "0", "--open", cwd=cwd,
                            env=dict(env, PATH=stub + ":" + os.environ["PATH"]))
            server.wait_line("built in")
            for _ in range(100):
                if os.path.exists(opened) and os.path.getsize(opened):
                    break
                time.sleep(0.05)
            said = open(opened).read().strip() if os.path.exists(opened) else None
            if said != f"http://127.0.0.1:{server.port}/":
                problems.append(f"xdg-open was given {said!r}")
            server.stop()
            check("--open opens the address", problems)

            # Content that does not build when serve starts: the browser is told
            # why (503 and the failure), and gets the site once it is fixed.
            problems = []
            broken = os.path.join(content, "privacy", "en", "2025-06-01.md")
            write(broken, "---\ntitle: Broken\nupdated: 2025-06-01\n")
            server = Server(content, "--port", "0", cwd=cwd, env=env)
            if not server.port:
                problems.append("serve did not start")
            status, headers, body = server.get("/en/privacy/")  # answered once the first build failed
            if status != 503 or not SCRIPT.search(body):
                problems.append(f"no site yet: {status}, {body[:200]!r}")
            events = Events(server.port, 0, "/en/privacy/")
            event = events.wait("failed")
            if not event or not any(m.startswith(broken + ":1:1: error:") for m in json.loads(event[1])):
                problems.append(f"no failure event for the content that does not build: {event}")
            os.remove(broken)
            if not events.wait("reload") or server.get("/en/privacy/")[0] != 200:
                problems.append("no site once the content was fixed")
            events.close()
            server.stop()
            check("content broken at start: 503 with the errors, the site once fixed", problems)

            # A browser opened at once, while the first build of a site of 400
            # versions runs: it waits for that build and gets the site, not a
            # placeholder (an error in its console, and a reload).
            problems = []
            subprocess.run([sys.executable, os.path.join(source_root, "tests", "bench", "gen_corpus.py"), source_root,
                            os.path.join(work, "big"), "20", "2", "10", "1"], check=True, stdout=subprocess.DEVNULL)
            server = Server(os.path.join(work, "big", "content"), "--port", "0", cwd=cwd, env=env)
            built_before = any("built in" in line for line in server.seen)
            status, _, body = server.get("/en/") if server.port else (None, None, b"")
            if status != 200 or b"policy0000" not in body:
                problems.append(f"asked for during the first build: {status}, {body[:200]!r}")
            if not server.wait_line("built in"):
                problems.append("the first build did not end")
            if built_before:
                problems.append("the first build ended before the request: make the site bigger")
            check("a page asked for during the first build: the site once built", problems)
            check("edits during builds: no failure shown for them, the last edit served",
                  test_edits_during_builds(server, os.path.join(work, "big", "content")))
            server.stop()

        leftovers = [n for n in os.listdir(work) if n.startswith("policypress-serve-")]
        check("no temporary directory left", leftovers)


# The checks come in three groups, each a test of its own in meson (they run
# side by side): the inotify server, polling, and the other ways to start.
main(sys.argv[3].split(",") if len(sys.argv) > 3 else ("inotify", "polling", "other"))
print(f"1..{len(results)}")
for i, (name, problems) in enumerate(results, 1):
    print(f"{'not ok' if problems else 'ok'} {i} - {name}")
    for p in problems[:15]:
        print(f"# {p}")
sys.exit(1 if any(p for _, p in results) else 0)
