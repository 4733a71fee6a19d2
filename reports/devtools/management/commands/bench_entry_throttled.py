"""python manage.py bench_entry_throttled --url http://127.0.0.1:8000: the commune page on a slow connection.

Against a running portal on this database (`scripts/run-demo.sh`, or gunicorn on the demo data), headless
Chromium (Debian's, through Playwright) logs in as a demo DSO and opens a commune page of the open quarter with
Chromium's own throttling: 400 kbit/s down and up, 400 ms round trip, the CPU four times slower. It prints the
time until the inputs can be used (the grid's script has run) on a first visit (empty cache) and a second one
(cached), and the round trip of a save (press Save until the saved page can be used again). Targets are
printed, never asserted. The save changes one figure of the first village by one (and puts it back on the
next run's save), so run it on demo data only.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from districts.models import Assignment, Role
from reports.devtools.benchmarking import print_results, seconds
from reports.devtools.demo_users import DEMO_PASSWORD
from reports.models import ReportingPeriod

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking"]
KBIT = 1000 / 8  # bytes per second in one kbit/s
THROTTLED = {"offline": False, "latency": 400, "downloadThroughput": 400 * KBIT, "uploadThroughput": 400 * KBIT}
READY = "#village-table.js-grid"  # the grid's script has run: the inputs answer to typing and Enter
TARGETS = {"first": 3.0, "cached": 1.5, "save": 2.0}


class Command(BaseCommand):
    help = "The commune page on a throttled connection and CPU: first visit, cached visit, save round trip."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="The running portal, on this database.")
        parser.add_argument("--username", default="dso_thpong", help="A demo DSO (the demo password is used).")

    def handle(self, *args, url, username, **options):
        from playwright.sync_api import sync_playwright

        page_path = self._commune_path(username)
        base = url.rstrip("/")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                results = self._measure(browser, base, page_path, username)
            finally:
                browser.close()
        self.stdout.write(
            f"DRSSD commune page, throttled (400 kbit/s, 400 ms RTT, CPU x4), {base}{page_path}, as {username} "
            "(in the language of the DSO's profile)"
        )
        print_results(
            self.stdout,
            [
                (label, seconds(value), f"<= {seconds(TARGETS[key])}", value <= TARGETS[key])
                for key, label, value in results
            ],
        )

    def _measure(self, browser, base, path, username):
        context = browser.new_context(locale="km-KH")
        page = context.new_page()
        page.goto(f"{base}/accounts/login/?next={path}")  # logging in is not measured
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("#submit-id-submit")
        page.wait_for_selector(READY, state="attached")
        session = context.new_cdp_session(page)
        session.send("Network.enable")
        session.send("Network.clearBrowserCache")
        session.send("Network.emulateNetworkConditions", THROTTLED)
        session.send("Emulation.setCPUThrottlingRate", {"rate": 4})

        first = self._visit(page, base + path)
        cached = self._visit(page, base + path)
        field = page.locator("[name=villages-0-latrines_built]")
        value = field.input_value()
        field.fill(str(int(value) + 1 if value.isdigit() and int(value) < 5 else 0))
        started = time.perf_counter()
        page.click("#commune-form button[type=submit]")
        page.wait_for_selector(".alert-success")
        page.wait_for_selector(READY, state="attached")
        save = time.perf_counter() - started
        context.close()
        return [
            ("first", "commune page usable, first visit (empty cache)", first),
            ("cached", "commune page usable, second visit (cached)", cached),
            ("save", "save round trip (Save pressed to the saved page usable)", save),
        ]

    def _visit(self, page, url):
        started = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_selector(READY, state="attached", timeout=60_000)
        return time.perf_counter() - started

    def _commune_path(self, username):
        period = ReportingPeriod.objects.filter(is_open=True).order_by("-year", "-quarter").first()
        assignment = Assignment.objects.filter(user__username=username, role=Role.DSO).select_related("district")
        if period is None or not assignment.exists():
            raise CommandError(f"Needs an open quarter and the DSO {username}: run load_demo first.")
        district = assignment.first().district
        commune = district.communes.filter(retired_on__isnull=True).order_by("code").first()
        return f"/reports/{district.code}/{period.year}/q{period.quarter}/commune/{commune.code}/"
