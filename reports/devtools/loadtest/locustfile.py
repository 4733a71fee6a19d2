"""The quarter-end load scenario for Locust: DSOs finishing their commune pages and submitting, PDRD reviewers
reading and approving, dashboard viewers. Started by scripts/loadtest.sh, which prepares the accounts
(prepare_loadtest) and sets the environment:

  LOADTEST_ACCOUNTS   the accounts file (password, TOTP keys, each DSO's district and communes left to enter)
  LOADTEST_RECORDS    a directory: each process appends what the portal said was saved, to saves-<pid>.jsonl
  LOADTEST_DSOS, LOADTEST_REVIEWERS, LOADTEST_VIEWERS   how many users of each kind (Locust's -u is their sum)
  PYTHONPATH          the repository root (reports.devtools.loadtest is imported without Django)

Every person waits 5-20 s between two actions. A failure is a response the person would call broken: a status
of 400 or more, a save or a submission refused when the figures are valid, a login that does not get in. An
edit conflict ("saved by someone else") is not a failure: the person presses Save again, as the page asks.
"""

import itertools
import json
import os
import random
import time
from pathlib import Path
from urllib.parse import urlsplit

from django_otp.oath import totp
from locust import HttpUser, between, events, task

from reports.devtools.loadtest import figures, pages

ACCOUNTS = json.loads(Path(os.environ["LOADTEST_ACCOUNTS"]).read_text(encoding="utf-8"))
RECORDS = Path(os.environ.get("LOADTEST_RECORDS", "."))
YEAR, QUARTER = ACCOUNTS["period"]["year"], ACCOUNTS["period"]["quarter"]
PREVIOUS = f"{YEAR - 1}Q4" if QUARTER == 1 else f"{YEAR}Q{QUARTER - 1}"
LOGIN, TWO_STEP = "/accounts/login/", "/accounts/two-step/"
THINK = between(5, 20)
# Each simulated person takes the next account of its kind.
NEXT_ACCOUNT = {kind: itertools.count() for kind in ("dsos", "reviewers", "viewers")}
CORRECTION_SHARE = 0.15  # after a save, how often a DSO goes back to a commune already entered


def next_account(kind):
    accounts = ACCOUNTS[kind]
    return accounts[next(NEXT_ACCOUNT[kind]) % len(accounts)]


def log_in(user):
    """The one login of every simulated person: the password page, then the two-step code when the portal asks
    for it (PDRD, MRD, administrators), computed from the authenticator key prepare_loadtest gave the account.
    Returns whether the person got in."""
    client, account = user.client, user.account
    form = pages.form_with(client.get(LOGIN, name="login page").text, "username")
    form.update(username=account["username"], password=ACCOUNTS["password"])
    with client.post(LOGIN, data=form, name="login", catch_response=True) as response:
        if not response.ok or _path(response.url) == LOGIN:
            response.failure(f"password login refused ({response.status_code}): {pages.first_error(response.text)}")
            return False
        response.success()
    if not _path(response.url).startswith(TWO_STEP):
        return True
    return _second_step(client, account, response)


def _second_step(client, account, page):
    if not account.get("totp_key"):
        page.failure("the portal asks for a two-step code, but the account has no authenticator key")
        return False
    form = pages.form_with(page.text, "code")
    form["code"] = f"{totp(bytes.fromhex(account['totp_key'])):06d}"
    with client.post(page.url, data=form, name="login (two-step code)", catch_response=True) as response:
        if not response.ok or _path(response.url).startswith(TWO_STEP):
            response.failure(f"two-step code refused ({response.status_code}): {pages.first_error(response.text)}")
            return False
        response.success()
    return True


def csrf(client):
    return {"csrfmiddlewaretoken": client.cookies.get("csrftoken", "")}


class Person(HttpUser):
    """What every simulated person shares: an account of its kind, a language, a login, one step per task."""

    abstract = True
    wait_time = THINK
    kind = ""

    def on_start(self):
        self.account = next_account(self.kind)
        self.rng = random.Random(f"{self.account['username']}:{time.time()}")
        self.client.headers["Accept-Language"] = self.rng.choice(["km", "en"])
        self.step = self.first_step if log_in(self) else self.log_in_again

    def log_in_again(self):
        self.step = self.first_step if log_in(self) else self.log_in_again

    def first_step(self):
        raise NotImplementedError

    @task
    def next_step(self):
        self.step()


class DistrictOfficer(Person):
    """A DSO in the last hours: enters the communes still missing, sometimes corrects one already entered, submits
    once every commune is in, then looks at the report and the district's dashboard now and then."""

    kind = "dsos"
    fixed_count = int(os.environ.get("LOADTEST_DSOS", "200"))

    def on_start(self):
        super().on_start()
        district = self.account["district"]
        self.report_url = f"/reports/{district}/{YEAR}/q{QUARTER}/"
        self.left = list(self.account["left"])
        self.entered = [code for code in self.account["communes"] if code not in self.left]
        self.page = None
        self.refused = 0

    def first_step(self):
        self.open_report()

    def open_report(self):
        with self.client.get(self.report_url, name="report page (DSO)", catch_response=True) as response:
            if not _ok(response):
                return
            state = pages.status(response.text)
            self.submission = pages.form_posting_to(response.text, "/submit/")
        if state in ("submitted", "approved"):
            self.step = self.look_around
        else:
            self.step = self.open_commune if self.left else self.submit

    def open_commune(self, commune=None, correcting=False):
        commune = commune or self.left[0]
        url = f"{self.report_url}commune/{commune}/"
        with self.client.get(url, name="commune page", catch_response=True) as response:
            if not _ok(response):
                return
            html = response.text
        self.page = {
            "url": url,
            "commune": commune,
            "form": pages.form_fields(html, "commune-form"),
            "villages": pages.village_codes(html),
            "correcting": correcting,
            "typed": False,
        }
        self.step = self.save

    def save(self):
        page = self.page
        form = page["form"] if page["typed"] else figures.commune_page(page["form"], self.rng, page["correcting"])
        with self.client.post(page["url"], data=form, name="commune save", catch_response=True) as response:
            if not _ok(response):
                self.step = self.open_report
                return
            outcome = self._outcome(page, form, response)
        if outcome == "saved":
            self._record(page, form)
            self._after_save(page, response.text)
        elif outcome == "conflict":
            # The page shows our values with the version saved now: pressing Save again keeps ours.
            self.page = {**page, "form": pages.form_fields(response.text, "commune-form"), "typed": True}
        else:
            self.refused += 1
            self.step = self.open_report if self.refused < 3 else self.look_around

    def _outcome(self, page, form, response):
        if response.history and response.history[0].status_code == 302 and response.url.endswith(page["url"]):
            response.success()
            return "saved"
        shown_version = pages.form_fields(response.text, "commune-form").get("version")
        if shown_version and shown_version != form.get("version"):
            response.success()  # someone saved in between: not an error, the person saves again
            _append("conflicts", {"t": time.time(), "user": self.account["username"], "commune": page["commune"]})
            return "conflict"
        response.failure(f"commune save refused: {pages.first_error(response.text)}")
        return "refused"

    def _after_save(self, page, html):
        """Explain a warning the page now shows; otherwise on to the next commune, a correction, or the submission."""
        shown = pages.form_fields(html, "commune-form")
        rows = pages.rows(shown, "villages")
        unexplained = {i for i in pages.rows_with_warnings(html) if not rows.get(i, {}).get("explanation")}
        if unexplained:
            explained = {i: figures.explained(rows[i]) for i in unexplained}
            self.page = {**page, "form": pages.with_rows(shown, "villages", explained), "typed": True}
            self.step = self.save
            return
        if page["commune"] in self.left:
            self.left.remove(page["commune"])
            self.entered.append(page["commune"])
        if self.entered and self.rng.random() < CORRECTION_SHARE:
            self.step = lambda: self.open_commune(self.rng.choice(self.entered), correcting=True)
        else:
            self.step = self.open_commune if self.left else self.open_report

    def _record(self, page, form):
        """What the portal said it saved, for the lost-save check (check_loadtest)."""
        villages = pages.rows(form, "villages")
        _append(
            "saves",
            {
                "t": time.time(),
                "user": self.account["username"],
                "district": self.account["district"],
                "commune": page["commune"],
                "version": int(form["version"]),
                "villages": {code: villages.get(i, {}) for i, code in enumerate(page["villages"])},
                "activities": {name: form.get(f"activities-{name}", "") for name in figures.ACTIVITY_FIELDS},
            },
        )

    def submit(self):
        form = self.submission or csrf(self.client)
        with self.client.post(f"{self.report_url}submit/", data=form, name="submit", catch_response=True) as response:
            if not _ok(response):
                return
            if pages.status(response.text) == "submitted":
                response.success()
            else:
                response.failure(f"submission refused: {pages.first_error(response.text)}")
        self.step = self.look_around

    def look_around(self):
        """After submitting: the report page or the district's dashboard, now and then."""
        if self.rng.random() < 0.5:
            _dashboard(self, "district", self.account["district"])
        else:
            with self.client.get(self.report_url, name="report page (DSO)", catch_response=True) as response:
                _ok(response)


class Reviewer(Person):
    """A PDRD reviewer: the review queue, the report waiting longest, approve it; back to the queue."""

    kind = "reviewers"
    fixed_count = int(os.environ.get("LOADTEST_REVIEWERS", "25"))

    def first_step(self):
        self.queue()

    def queue(self):
        with self.client.get("/reports/review/", name="review queue", catch_response=True) as response:
            if not _ok(response):
                return
            waiting = pages.report_links(response.text, YEAR, QUARTER)
        if waiting:
            self.report_url = waiting[0]
            self.step = self.read

    def read(self):
        with self.client.get(self.report_url, name="report read", catch_response=True) as response:
            if not _ok(response):
                return
            # The approval form, as the page offers it (in the confirmation dialog): none when nothing to approve.
            self.approval = pages.form_posting_to(response.text, "/approve/")
        self.step = self.approve if self.approval is not None else self.queue

    def approve(self):
        url = f"{self.report_url}approve/"
        with self.client.post(url, data=self.approval, name="approve", catch_response=True) as response:
            if not _ok(response):
                return
            if pages.status(response.text) == "approved":
                response.success()
            else:
                response.failure(f"approval refused: {pages.first_error(response.text)}")
        self.step = self.queue


class DashboardViewer(Person):
    """MRD or PDRD staff following the quarter on the dashboards: national, provincial, district."""

    kind = "viewers"
    fixed_count = int(os.environ.get("LOADTEST_VIEWERS", "10"))

    def first_step(self):
        levels = ["province", "district"] + (["national"] if self.account["national"] else [])
        level = self.rng.choice(levels)
        code = self.rng.choice(self.account["provinces" if level == "province" else "districts"])
        _dashboard(self, level, None if level == "national" else code)


def _dashboard(person, level, code):
    """One dashboard for this quarter (sometimes last quarter's), approved or provisional data."""
    path = "/reports/dashboard/national/" if code is None else f"/reports/dashboard/{level}/{code}/"
    query = {"quarter": f"{YEAR}Q{QUARTER}" if person.rng.random() < 0.75 else PREVIOUS}
    if person.rng.random() < 0.5:
        query["provisional"] = "1"
    name = {"national": "dashboard national", "province": "dashboard provincial", "district": "dashboard district"}
    with person.client.get(path, params=query, name=name[level], catch_response=True) as response:
        _ok(response)


def _ok(response):
    """False (and a failure) for an error status or a page that sent the person back to the login."""
    if not response.ok:
        response.failure(f"HTTP {response.status_code}")
        return False
    if _path(response.url) == LOGIN or _path(response.url).startswith(TWO_STEP):
        response.failure("sent back to the login page")
        return False
    return True


@events.request.add_listener
def _timeline(request_type, name, response_time, start_time=None, **_kwargs):
    """Every request's start and duration, for the login burst's figures (summary.burst)."""
    _append("requests", {"t": start_time or time.time() - response_time / 1000, "name": name, "ms": response_time})


@events.quitting.add_listener
def _write_cpu_time(**_kwargs):
    """Locust's own CPU time, for the run's CPU account (machine.describe)."""
    RECORDS.mkdir(parents=True, exist_ok=True)
    (RECORDS / f"locust-cpu-{os.getpid()}.json").write_text(json.dumps({"seconds": time.process_time()}))


def _path(url):
    return urlsplit(url).path


_FILES = {}


def _append(kind, record):
    """One JSON line in <LOADTEST_RECORDS>/<kind>-<pid>.jsonl, written through at once."""
    if kind not in _FILES:
        RECORDS.mkdir(parents=True, exist_ok=True)
        _FILES[kind] = open(RECORDS / f"{kind}-{os.getpid()}.jsonl", "a", encoding="utf-8", buffering=1)
    _FILES[kind].write(json.dumps(record, ensure_ascii=False) + "\n")
