"""The portal's production processes, started for the fault runs (tests/test_faults.py) and nothing else.

A PostgreSQL cluster (initdb into a temporary directory, as the `postgres` OS user when run as root: initdb
refuses root), a redis-server, gunicorn and a Celery worker, each on a free port of its own, so that killing
or restarting one of them never touches the PostgreSQL and Redis other people share on this machine. The
settings are the production ones (DEBUG=false, WhiteNoise's manifest from collectstatic), given through the
environment as the compose file gives them.

Browser is the HTTP side: a cookie-keeping client that logs in and posts forms with the CSRF token, timing every
request into a list of Hits that the scenarios assert on and print.
"""

import contextlib
import dataclasses
import glob
import http.client
import http.cookiejar
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
import pytest
import redis
from celery import Celery
from kombu import Connection

from tests.reports.pages import form_fields

PROJECT_ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SECRET = "fault-runs-only-0123456789abcdefghijklmnopqrstuvwxyz-0123456789"
DATABASE = "drssd_faults"
STARTUP_SECONDS = 60


def require(condition, message):
    """Skip without the tools the run needs; in CI (CI=true) fail, as the other service tests do."""
    if not condition:
        if IN_CI:
            pytest.fail(f"The fault runs need {message}.", pytrace=False)
        pytest.skip(f"the fault runs need {message}")


def postgres_bin():
    """The directory of initdb and pg_ctl: PG_BIN, else Debian's newest /usr/lib/postgresql/*/bin, else the PATH."""
    found = os.environ.get("PG_BIN") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)), "")
    if not found and shutil.which("pg_ctl"):
        found = os.path.dirname(shutil.which("pg_ctl"))
    return Path(found)


def postgres_account_exists():
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return True


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, seconds, what, poll=0.1):
    """Poll `condition()` until it is truthy (returns it) or fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(poll)
    pytest.fail(f"waited {seconds} s for {what}", pytrace=False)


@dataclasses.dataclass
class Hit:
    """One HTTP request of a scenario: what, when (monotonic seconds), how it ended."""

    who: str
    method: str
    path: str
    started: float
    ended: float
    status: int | None  # None: no HTTP answer (connection refused, timeout)
    error: str = ""  # the exception without an answer; the page's title with an error status

    @property
    def seconds(self):
        return self.ended - self.started


@dataclasses.dataclass
class Page:
    """An HTTP answer, as much of it as the scenarios read."""

    status_code: int
    content: bytes

    @property
    def text(self):
        return self.content.decode(errors="replace")


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is the answer to look at (a save's "Saved"), not a page to follow


class Browser:
    """A person's browser (the standard library's HTTP client with a cookie jar): one session, English pages,
    every request timed into `hits`."""

    TIMEOUT = 30  # seconds; far above the bound the scenarios assert, so a hang is measured rather than cut short

    def __init__(self, base_url, who, hits):
        self.base_url, self.who, self.hits = base_url, who, hits
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _KeepRedirects)

    def request(self, method, path, data=None, timeout=TIMEOUT):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, body, {"Accept-Language": "en"}, method=method)
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=timeout) as answer:
                page = Page(answer.status, answer.read())
        except urllib.error.HTTPError as answer:  # 3xx, 4xx, 5xx
            page = Page(answer.code, answer.read())
        except (OSError, http.client.HTTPException) as error:  # refused, reset, timed out
            self.hits.append(Hit(self.who, method, path, started, time.monotonic(), None, type(error).__name__))
            return None
        title = re.search(r"<title>(.*?)</title>", page.text, re.S) if page.status_code >= 400 else None
        words = " ".join((title[1] if title else page.text[:60]).split()) if page.status_code >= 400 else ""
        self.hits.append(Hit(self.who, method, path, started, time.monotonic(), page.status_code, words))
        return page

    def get(self, path, **options):
        return self.request("GET", path, **options)

    def post(self, path, data=None, **options):
        token = next((cookie.value for cookie in self.cookies if cookie.name == "csrftoken"), "")
        return self.request("POST", path, {**(data or {}), "csrfmiddlewaretoken": token}, **options)

    def login(self, username, password):
        page = self.get("/accounts/login/")
        assert page is not None and page.status_code == 200, page
        answer = self.post("/accounts/login/", {"username": username, "password": password})
        assert answer is not None and answer.status_code == 302, f"{username} could not log in: {answer}"
        return answer

    def form(self, path):
        """{name: value} of the form controls of the page at `path` (None if it did not answer 200)."""
        page = self.get(path)
        if page is None or page.status_code != 200:
            return None
        return {name: field["value"] for name, field in form_fields(page).items()}


class Stack:
    """PostgreSQL, Redis, gunicorn and a Celery worker of the fault runs, under one temporary directory."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="drssd-faults-"))
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            # initdb and postgres refuse to run as root: the cluster belongs to the postgres OS user.
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)
        self.pg_bin = postgres_bin()
        self.pg_port, self.redis_port, self.web_port = free_port(), free_port(), free_port()
        self.database_url = f"postgres://postgres@127.0.0.1:{self.pg_port}/{DATABASE}"
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        self.redis = self.web = self.worker = None
        self.redis_frozen = False
        self.ids = {}  # what the seed script printed (the scenarios' periods and districts)
        self.workers_started = 0
        self.events = []  # (monotonic time, what happened), for the summary
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "PYTHONUNBUFFERED": "1",
            "DEBUG": "false",
            "SECRET_KEY": SECRET,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "STATIC_ROOT": str(self.root / "static"),
            "MEDIA_ROOT": str(self.root / "media"),
            "SITE_URL": self.base_url,
            # Plain HTTP on 127.0.0.1 instead of the TLS proxy of production.
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            # The reviewer logs in with a password alone; two-step login has its own tests (tests/districts/test_mfa.py).
            "MFA_REQUIRED": "false",
        }

    def note(self, what):
        self.events.append((time.monotonic(), what))

    def log(self, name):
        return self.root / f"{name}.log"

    def tail(self, name, chars=3000):
        path = self.log(name)
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    # --- PostgreSQL ----------------------------------------------------------------------------------

    def _pg(self, program, *args, timeout=60):
        command = [str(self.pg_bin / program), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"{program} failed:\n{done.stdout}\n{done.stderr}"

    def _pg_ctl(self, action, *args):
        data = ["-D", str(self.root / "pg")]
        if action == "start":
            options = f"-p {self.pg_port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
            data += ["-l", str(self.log("postgres")), "-o", options]
        self._pg("pg_ctl", action, *data, "-w", *args)

    def start_postgres(self):
        self._pg("initdb", "-D", str(self.root / "pg"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self._pg_ctl("start")
        with contextlib.closing(self.connect("postgres")) as server, server.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {DATABASE}")

    def restart_postgres(self, down_seconds):
        """What `pg_ctl restart -m fast` does (open transactions rolled back, every connection cut), with
        `down_seconds` between the stop and the start, as long as a bigger cluster takes to stop and recover."""
        self.note("PostgreSQL stops (pg_ctl stop -m fast)")
        self._pg_ctl("stop", "-m", "fast")
        time.sleep(down_seconds)
        self._pg_ctl("start")
        self.note("PostgreSQL accepts connections again (pg_ctl start)")

    def connect(self, database=DATABASE):
        """An autocommit connection of the test itself to the cluster."""
        # Parameters merged on the client, as psycopg2 did: the tests' queries leave some types to PostgreSQL.
        connection = psycopg.connect(
            host="127.0.0.1",
            port=self.pg_port,
            user="postgres",
            dbname=database,
            connect_timeout=5,
            cursor_factory=psycopg.ClientCursor,
        )
        connection.autocommit = True
        return connection

    def rows(self, query, params=()):
        with contextlib.closing(self.connect()) as connection, connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall()

    def value(self, query, params=()):
        return self.rows(query, params)[0][0]

    def waiting_backends(self, locktype=None):
        """How many sessions wait for a lock (of `locktype`, e.g. 'advisory', if given)."""
        return self.value(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND (%s IS NULL OR locktype = %s)", [locktype, locktype]
        )

    # --- Redis ---------------------------------------------------------------------------------------

    def start_redis(self):
        # No snapshot, no append-only file: a killed Redis comes back empty, the worst case for queued tasks.
        with open(self.log("redis"), "a") as log:
            self.redis = subprocess.Popen(
                ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.root)],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        client = redis.Redis(port=self.redis_port, socket_connect_timeout=0.5, socket_timeout=0.5)
        wait_until(lambda: self._answers(client), 15, "redis-server to answer PING")
        self.note("Redis started")

    @staticmethod
    def _answers(client):
        try:
            return client.ping()
        except redis.RedisError:
            return False

    def kill_redis(self):
        self.redis.kill()  # SIGKILL
        self.redis.wait()
        self.note("Redis killed (SIGKILL)")

    def freeze_redis(self):
        """SIGSTOP: Redis still accepts connections (the kernel does) but answers nothing, as when partitioned."""
        self.redis.send_signal(signal.SIGSTOP)
        self.redis_frozen = True
        self.note("Redis frozen (SIGSTOP)")

    def thaw_redis(self):
        self.redis.send_signal(signal.SIGCONT)
        self.redis_frozen = False
        self.note("Redis answers again (SIGCONT)")

    # --- Django, gunicorn, the worker -----------------------------------------------------------------

    def manage(self, *args):
        """Run `manage.py *args` with the stack's settings; return its stdout (fail with its output)."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, env=self.env, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    def shell(self, script):
        """Run `script` with `manage.py shell -c`; return the JSON it printed on its last line."""
        return json.loads(self.manage("shell", "-c", script).strip().splitlines()[-1])

    def _spawn(self, name, command):
        with open(self.log(name), "a") as log:
            # A session of its own: a kill reaches the process group (gunicorn's or Celery's children too).
            return subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def start_web(self):
        # The Dockerfile's command, with 2 workers on a port of our own, and gunicorn's control socket in our
        # directory rather than the one in $HOME that another gunicorn of this user may be using.
        self.web = self._spawn(
            "gunicorn",
            [sys.executable, "-m", "gunicorn", "drssd_portal.wsgi", "--bind", f"127.0.0.1:{self.web_port}",
             "--workers", "2", "--timeout", "120", "--control-socket", str(self.root / "gunicorn.ctl")],
        )  # fmt: skip
        wait_until(self._web_answers, STARTUP_SECONDS, f"gunicorn to answer:\n{self.tail('gunicorn')}")
        self.note("gunicorn answers")

    def _web_answers(self):
        assert self.web.poll() is None, f"gunicorn exited:\n{self.tail('gunicorn')}"
        page = Browser(self.base_url, "start", []).get("/accounts/login/", timeout=2)
        return page is not None and page.status_code == 200

    def start_worker(self):
        """The compose file's worker (prefork, 2 processes); returns once it consumes."""
        self.workers_started += 1
        name = f"faults{self.workers_started}@%h"
        self.worker = self._spawn(
            "worker",
            [sys.executable, "-m", "celery", "-A", "drssd_portal", "worker", "--loglevel=INFO", "--concurrency=2",
             "-n", name, "--without-gossip", "--without-mingle"],
        )  # fmt: skip
        wait_until(self._worker_ready, STARTUP_SECONDS, f"the worker to be ready:\n{self.tail('worker')}", poll=0.2)
        self.note(f"worker {self.workers_started} ready")

    def _worker_ready(self):
        assert self.worker.poll() is None, f"the worker exited:\n{self.tail('worker')}"
        return self.tail("worker", 200_000).count(" ready.") >= self.workers_started

    def kill_worker(self):
        """SIGKILL to the worker and its pool processes at once, as `docker kill` does to a container."""
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait()
        self.note("worker killed (SIGKILL to its process group)")

    def celery(self):
        """A Celery client of the stack's broker, as beat is: it sends tasks by name."""
        return Celery("fault-runs", broker=self.redis_url, backend=self.redis_url)

    def run_repair(self, seconds):
        """Send the beat's periodic repair (one "period") and wait for its result: {"rebuilt": n, "failed": n}."""
        app = self.celery()
        try:
            self.note("repair_stale_rollups sent (one beat period)")
            result = app.send_task("reports.rollups.tasks.repair_stale_rollups").get(timeout=seconds)
            self.note(f"repair_stale_rollups answered {result}")
            return result
        finally:
            app.close()

    def redeliver_unacked(self):
        """Put back every task message a dead worker had taken but not acknowledged (acks_late), as kombu does once
        the visibility timeout (an hour by default) has passed, so the run need not wait an hour. Returns how many."""
        with Connection(self.redis_url) as connection:
            channel = connection.default_channel
            with channel.conn_or_acquire() as client:
                tags = client.zrange(channel.unacked_index_key, 0, -1)
                for tag in tags:
                    channel.qos.restore_by_tag(tag, client)
        self.note(f"{len(tags)} unacknowledged task message(s) delivered again")
        return len(tags)

    # --- Teardown -------------------------------------------------------------------------------------

    def stop(self):
        """Stop everything this stack started (never anything else) and remove its directory, unless
        FAULT_RUNS_KEEP is set: then its logs stay there to read."""
        if self.redis_frozen:
            self.thaw_redis()  # so that the worker's warm shutdown can say goodbye to it
        for process in (self.web, self.worker):
            if process is not None and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        if self.redis is not None and self.redis.poll() is None:
            self.redis.kill()  # SIGKILL ends a stopped process too
            self.redis.wait()
        if (self.root / "pg" / "postmaster.pid").exists():
            with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
                self._pg("pg_ctl", "stop", "-D", str(self.root / "pg"), "-m", "immediate")
        if os.environ.get("FAULT_RUNS_KEEP"):
            print(f"\nThe fault runs' logs: {self.root}/*.log")
        else:
            shutil.rmtree(self.root, ignore_errors=True)
