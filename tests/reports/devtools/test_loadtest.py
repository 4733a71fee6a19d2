"""The quarter-end load test's own parts (reports/devtools/loadtest): the figures its DSOs type pass the entry rules,
its reading of the pages still matches the pages (login with the two-step code, commune page, approval), and its
checks find a lost save and agree with freshly built rollups. The Locust file itself is not imported here (Locust
patches the standard library); it is made of these parts."""

import json
import random
import stat
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from districts.models import Assignment, Role
from reports.devtools.loadtest import checks, figures, pages, summary
from reports.entry import validation
from reports.models import (
    CommuneQuarter,
    DistrictReport,
    NationalSettings,
    ReportingPeriod,
    ReportStatus,
    VillageQuarter,
)
from reports.rollups.models import Rollup
from tests.factories import DistrictReportFactory
from tests.reports.entry.helpers import commune_url, report_url

# --- The figures a simulated DSO types ------------------------------------------------------------------------


def test_the_figures_name_the_models_fields():
    assert figures.COUNT_FIELDS == VillageQuarter.COUNT_FIELDS
    assert figures.ACTIVITY_FIELDS == CommuneQuarter.ACTIVITY_FIELDS


def _last_quarter(rng):
    """A village row as last quarter left it (pre-filled, latrines built empty), or an empty row."""
    if rng.random() < 0.2:
        return {name: "" for name in figures.VILLAGE_FIELDS}
    numbers = figures.fresh_village(rng)
    shown = {name: str(value) for name, value in numbers.items()}
    shown.update(latrines_built="", odf_status=rng.choice(["", "triggered", "declared", "verified"]), explanation="")
    return shown


@pytest.mark.parametrize("seed", range(20))
def test_typed_figures_pass_the_rules_and_explain_every_warning(seed):
    rng = random.Random(seed)
    for _ in range(50):
        shown = _last_quarter(rng)
        before = {name: figures.count(shown[name]) for name in figures.COUNT_FIELDS}
        for typed in (figures.first_entry(shown, rng), figures.correction(figures.first_entry(shown, rng), rng)):
            values = {name: figures.count(typed[name]) for name in figures.COUNT_FIELDS}
            values["odf_status"] = typed["odf_status"]
            assert validation.village_errors(values) == {}
            assert validation.village_missing(values) == []
            previous = before if before["households_total"] else None
            if validation.village_warnings(values, previous):
                assert typed["explanation"]


# --- Reading the pages ------------------------------------------------------------------------------------------


def test_a_reviewer_logs_in_with_the_code_of_a_known_key(client, settings, reviewer_p):
    settings.MFA_REQUIRED = True
    key = "3132333435363738393031323334353637383930"
    TOTPDevice.objects.create(user=reviewer_p, name="authenticator", confirmed=True, key=key)
    reviewer_p.set_password("load-test-password")
    reviewer_p.save()
    client.cookies["django_language"] = "km"

    form = pages.form_with(client.get(reverse("login")).content.decode(), "username")
    form.update(username=reviewer_p.username, password="load-test-password")
    response = client.post(reverse("login"), form, follow=True)
    assert response.request["PATH_INFO"].startswith("/accounts/two-step/")
    form = pages.form_with(response.content.decode(), "code")
    form["code"] = f"{totp(bytes.fromhex(key)):06d}"
    response = client.post(response.request["PATH_INFO"], form, follow=True)

    assert not response.request["PATH_INFO"].startswith(("/accounts/two-step/", "/accounts/login/"))
    assert client.get(reverse("reports:review_queue")).status_code == 200


def test_a_commune_page_typed_as_the_load_test_types_it_is_saved(client_for, dso_a, world, q3, q2_report):
    client = client_for(dso_a, language="km")
    page = client.get(commune_url()).content.decode()
    form = pages.form_fields(page, "commune-form")
    codes = pages.village_codes(page)
    assert form["version"] and len(codes) == 2 and pages.rows(form, "villages")[0]["households_total"]  # pre-filled

    typed = figures.commune_page(form, random.Random(1))
    response = client.post(commune_url(), typed)

    assert response.status_code == 302 and response.url == commune_url()
    record = {
        "t": 0,
        "user": dso_a.username,
        "district": "0508",
        "commune": "050801",
        "version": int(form["version"]),
        "villages": {code: pages.rows(typed, "villages")[i] for i, code in enumerate(codes)},
        "activities": {name: typed[f"activities-{name}"] for name in figures.ACTIVITY_FIELDS},
    }
    assert checks.lost_saves(q3, [record]) == []
    VillageQuarter.objects.filter(village__code=codes[0], report__period=q3).update(households_total=1)
    assert len(checks.lost_saves(q3, [record])) == 1


def test_the_report_page_offers_the_approval_form_the_load_test_posts(client_for, reviewer_p, world, q3):
    report = DistrictReportFactory(district=world.district_a, period=q3, complete=True, submitted=True)
    client = client_for(reviewer_p)
    page = client.get(report_url()).content.decode()

    approval = pages.form_posting_to(page, "/approve/")
    response = client.post(report_url() + "approve/", approval, follow=True)

    assert pages.status(response.content.decode()) == "approved"
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED


# --- Preparing and checking -------------------------------------------------------------------------------------


def test_prepare_creates_the_people_their_drafts_and_a_private_accounts_file(world, tmp_path):
    accounts = tmp_path / "accounts.json"
    call_command("prepare_loadtest", "--accounts", accounts, "--dsos", 2, "--reviewers", 1, "--viewers", 2, stdout=None)

    document = json.loads(accounts.read_text())
    assert stat.S_IMODE(accounts.stat().st_mode) == 0o600
    assert {d["district"] for d in document["dsos"]} == {"0508", "0501"}  # the reviewer's province only
    assert [r["province"] for r in document["reviewers"]] == ["05"]
    assert [v["national"] for v in document["viewers"]] == [True, False]
    reviewer = Assignment.objects.get(role=Role.PDRD_REVIEWER, user__username=document["reviewers"][0]["username"])
    assert TOTPDevice.objects.get(user=reviewer.user, confirmed=True).key == document["reviewers"][0]["totp_key"]
    period = ReportingPeriod.objects.get(**document["period"])
    assert set(DistrictReport.objects.filter(period=period).values_list("status", flat=True)) == {ReportStatus.DRAFT}
    assert Rollup.objects.filter(period=period).exists()
    assert NationalSettings.current().target_year >= period.year  # no target year already past
    assert checks.rollup_mismatches(period) == []


def test_the_summary_line_has_the_agreed_form(tmp_path):
    prefix = tmp_path / "locust"
    header = "Type,Name,Request Count,Failure Count,Max Response Time,Requests/s,50%,95%,99%"
    Path(f"{prefix}_stats.csv").write_text(
        f"{header}\nPOST,commune save,10,0,400,1.0,200,312,390\nGET,dashboard national,5,0,200,0.5,90,120,150\n"
        f"GET,dashboard district,5,0,90,0.5,40,80,90\n,Aggregated,20,0,400,2.0,100,300,390\n"
    )
    stats = summary.read_stats(str(prefix))
    outcome = summary.Outcome(
        errors=summary.errors(stats, []),
        lost_saves=0,
        p95_save=summary.p95(stats, ["commune save"]),
        p95_dashboard=summary.p95(stats, summary.DASHBOARDS),
        fresh_after=14.2,
        approvals=3,
    )

    assert outcome.line() == "errors 0, lost saves 0, p95 save 312 ms, p95 dashboard 120 ms, rollups fresh after 14 s"
    assert outcome.missed() == []
    assert summary.table(stats)[2].split() == ["commune", "save", "10", "1.00", "200", "312", "390", "400", "0"]


def test_the_login_burst_is_measured_from_the_timeline():
    timeline = [
        {"t": 100.0, "name": "login page", "ms": 20},
        {"t": 100.1, "name": "login", "ms": 900},
        {"t": 101.0, "name": "commune page", "ms": 400},  # during the burst
        {"t": 102.0, "name": "dashboard district", "ms": 1200},  # during the burst
        {"t": 110.0, "name": "login", "ms": 5000},  # the last login ends at 115 s
        {"t": 116.0, "name": "commune page", "ms": 120},  # after it
        {"t": 117.0, "name": "commune save", "ms": 180},
        {"t": 118.0, "name": "dashboard district", "ms": 90},
        {"t": 119.0, "name": "dashboard provincial", "ms": 210},
    ]
    burst = summary.burst(timeline)
    assert (burst.logins, burst.others, burst.p95_others) == (3, 2, 1200)
    assert burst.seconds == pytest.approx(15.0)
    assert burst.after == {"commune save": 180, "commune page": 120, "dashboard": 210}
    assert burst.missed() == [
        "burst p95 other pages (target <= 1000 ms)",
        "after the burst p95 dashboard (target <= 200 ms)",
    ]
    assert burst.lines()[-1] == "burst p95 other pages 1200 ms"  # printed on the line before the summary line
    assert summary.burst([{"t": 1.0, "name": "commune page", "ms": 5}]) is None


def test_percentiles_are_nearest_rank():
    assert summary.percentile(list(range(1, 101)), 95) == 95
    assert summary.percentile([7], 95) == 7
    assert summary.percentile([], 95) is None
