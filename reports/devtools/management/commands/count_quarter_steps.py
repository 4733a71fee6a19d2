"""python manage.py count_quarter_steps --url http://127.0.0.1:8000: clicks and page loads to complete a quarter.

Against a running portal on demo data (`scripts/run-demo.sh`), headless Chromium (Debian's, through Playwright)
logs in as a demo DSO and completes the district's open quarter from the home page as a DSO would: the report,
each commune in turn (last quarter's figures are pre-filled; the DSO types the quarter's new latrines and
confirms the rest by changing a figure), the district section, then Submit. Typing is not counted; every
click on a link or button is, and every page the browser loads (a save's redirect is one load). It prints
both, with the pages visited. It changes the demo data (the quarter ends submitted): run `load_demo` again, or
use a copy of the demo database.
"""

from django.core.management.base import BaseCommand, CommandError

from districts.models import Assignment, Role
from reports.devtools.demo_users import DEMO_PASSWORD
from reports.models import DistrictReport, ReportingPeriod, ReportStatus

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking"]
DISTRICT_SECTION = {  # typed, not counted; other empty figures of the section are typed as 0
    "district-wg_meeting_held": "true",
    "district-wg_meeting_date_day": "14",
    "district-wg_meeting_date_month": "8",
    "district-wg_meeting_date_year": "2019",
    "district-wg_meeting_attendance": "12",
    "district-wg_meeting_attendance_women": "5",
    "district-achievements": "Triggered three villages; two declared ODF.",
    "district-challenges": "Flooding in September.",
    "district-next_quarter_plan": "Verify the declared villages.",
}


class Command(BaseCommand):
    help = "Count the clicks and page loads a demo DSO needs to complete the open quarter, from the home page."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="The running portal, on this database.")
        parser.add_argument("--username", default="dso_thpong", help="A demo DSO.")
        parser.add_argument("--password", default=DEMO_PASSWORD, help="Its password (default: the demo password).")

    def handle(self, *args, url, username, password, **options):
        from playwright.sync_api import sync_playwright

        assignment = Assignment.objects.filter(user__username=username, role=Role.DSO).select_related("district")
        district = assignment.first().district if assignment.exists() else None
        period = ReportingPeriod.objects.open().order_by("year", "quarter").first()
        if district is None or period is None:
            raise CommandError(f"{username} is not a DSO, or no quarter is open: run load_demo first.")
        report = DistrictReport.objects.filter(district=district, period=period).first()
        if report is not None and report.status != ReportStatus.DRAFT:
            raise CommandError(f"{district.name_latin} {period.label} is {report.status}: run load_demo again.")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                walk = _Walk(browser, url.rstrip("/"), username, password)
                walk.complete_quarter()
            finally:
                browser.close()
        villages = sum(c.villages.count() for c in district.communes.all())
        self.stdout.write(
            f"{district.name_latin} {period.label} ({district.communes.count()} communes, {villages} villages), "
            f"as {username}, from the home page to Submit:"
        )
        self.stdout.write(f"  clicks: {walk.clicks}")
        self.stdout.write(f"  page loads: {len(walk.loads)} (the login page and the login itself not counted)")
        for index, path in enumerate(walk.loads, start=1):
            self.stdout.write(f"    {index:2d}. {path}")
        status = DistrictReport.objects.get(district=district, period=period).status
        self.stdout.write(f"  report status at the end: {status}")
        if walk.left:
            left = " ".join(walk.left.split())[:800]
            self.stdout.write(f"  what the report page still asks for: {left}")


class _Walk:
    def __init__(self, browser, base, username, password):
        self.base, self.clicks, self.loads = base, 0, []
        self.context = browser.new_context(viewport={"width": 1366, "height": 768})
        self.page = self.context.new_page()
        self.page.goto(f"{base}/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("#submit-id-submit")
        self.page.wait_for_load_state()
        self.page.on("dialog", lambda dialog: dialog.accept())
        self.page.on("load", lambda page: self.loads.append(page.url.replace(base, "")))
        self.page.goto(f"{base}/")  # the home page: counted as the first load

    def click(self, selector):
        self.clicks += 1
        with self.page.expect_navigation():
            self.page.locator(selector).first.click()

    def complete_quarter(self):
        page = self.page
        if page.locator("#open-quarter").count():  # the home page's "To fill in"
            self.click("#open-quarter")
        else:
            self.click("text=Quarterly reports")
            self.click("text=Open and fill")
        self.click("#commune-table a.btn")
        while "/commune/" in page.url:
            self._fill_commune()
            self.click("#save-and-next")  # "Save and go to <next commune>", at the last one back to the report
            self._check_saved()
        self.click("a[href$='/district/']")
        for name, value in DISTRICT_SECTION.items():
            element = page.locator(f"[name={name}]")
            if element.evaluate("e => e.tagName") == "SELECT":
                element.select_option(value)
            elif not element.input_value():
                element.fill(value)
        self._zeros("#district-form input[name^=district-]:not([type=hidden]):not([type=checkbox])")
        if page.locator("#save-and-report").count():
            self.click("#save-and-report")
            self._check_saved()
        else:
            self.click("#district-form button[type=submit]")
            self._check_saved()
            self.click("text=Back to the report")
        self.click("#submit-report")
        if page.locator("#confirm-submit").count():
            self.click("#confirm-submit")
        problems = page.locator(".alert-danger, #missing-list")
        self.left = " | ".join(problems.all_inner_texts())

    def _fill_commune(self):
        """Type the quarter's new latrines (0) in every village (the flows start empty, the rest is pre-filled) and
        the commune's activities."""
        self._zeros("input[name$=-latrines_built], input[name^=activities-]")

    def _zeros(self, selector):
        for element in self.page.locator(selector).all():
            if element.is_visible() and not element.input_value():
                element.fill("0")

    def _check_saved(self):
        errors = self.page.locator(".invalid-feedback:visible, .alert-danger:visible")
        if errors.count():
            raise CommandError(f"Not saved on {self.page.url}: {errors.first.inner_text()[:300]}")
