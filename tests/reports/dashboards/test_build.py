"""Dashboards: who may open which, what they count, provisional marking, CSVs, the cache, query counts."""

import io
import re
from types import SimpleNamespace

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext

from reports.dashboards import build as dashboards
from reports.models import NationalSettings, ReportStatus
from reports.rollups.build import rebuild_period
from tests.factories import (
    CommuneFactory,
    DistrictFactory,
    DistrictReportFactory,
    ReportingPeriodFactory,
    VillageFactory,
)
from tests.reports.odf.conftest import walk  # noqa: F401 (a fixture)
from tests.reports.pages import csv_table

DISTRICT_CSVS = ["coverage", "odf", "idpoor", "triggering", "training", "budget", "communes", "odf_funnel"]
PROVINCE_CSVS = DISTRICT_CSVS[:-2] + ["reporting", "league", "odf_funnel"]
NATIONAL_CSVS = PROVINCE_CSVS + ["progress", "projection"]


@pytest.fixture(autouse=True)
def own_cache(settings):
    """A private in-memory cache per test (the CI cache is Redis, shared with the broker: never flushed here)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"dashboards-{id(settings)}",
        }
    }


@pytest.fixture
def rolled(world):
    """Q4 2024: district A approved at 50% coverage. Q1 2025: A approved at 70%, B submitted (provisional)
    at 50%, C (province Q) approved at 50%. Rollups rebuilt."""
    q4, q1 = ReportingPeriodFactory(year=2024, quarter=4), ReportingPeriodFactory(year=2025, quarter=1)
    DistrictReportFactory(district=world.district_a, period=q4, filled=True, approved=True)
    DistrictReportFactory(
        district=world.district_a,
        period=q1,
        filled=True,
        approved=True,
        villages__own=60,
        villages__shared=10,
        villages__odf_status="verified",
    )
    DistrictReportFactory(district=world.district_b, period=q1, filled=True, submitted=True)
    DistrictReportFactory(district=world.district_c, period=q1, filled=True, approved=True)
    for period in (q4, q1):
        rebuild_period(period.pk)
    NationalSettings.current()
    return SimpleNamespace(q4=q4, q1=q1)


def district_url(world, name=None):
    code = world.district_a.code
    return (
        reverse("reports:dashboard_district_csv", args=[code, name])
        if name
        else reverse("reports:dashboard_district", args=[code])
    )


def province_url(world, name=None):
    code = world.province_p.code
    return (
        reverse("reports:dashboard_province_csv", args=[code, name])
        if name
        else reverse("reports:dashboard_province", args=[code])
    )


def national_url(world, name=None):
    return reverse("reports:dashboard_national_csv", args=[name]) if name else reverse("reports:dashboard_national")


# Who gets what: 200, 404 (out of scope: the unit does not exist for them) or 403 (national pages).
ACCESS = {
    "district": (
        district_url,
        DISTRICT_CSVS,
        {
            "dso_a": 200,
            "reviewer_p": 200,
            "pa_p": 200,
            "mrd": 200,
            "administrator": 200,
            "dso_b": 404,
            "focal_a1": 404,
            "reviewer_q": 404,
        },
    ),
    "province": (
        province_url,
        PROVINCE_CSVS + ["scorecard"],
        {
            "reviewer_p": 200,
            "pa_p": 200,
            "mrd": 200,
            "administrator": 200,
            "dso_a": 404,
            "dso_b": 404,
            "focal_a1": 404,
            "reviewer_q": 404,
        },
    ),
    "national": (
        national_url,
        NATIONAL_CSVS + ["scorecard"],
        {
            "mrd": 200,
            "administrator": 200,
            "dso_a": 403,
            "reviewer_p": 403,
            "pa_p": 403,
            "focal_a1": 403,
            "reviewer_q": 403,
        },
    ),
}
CASES = [
    (level, persona, status) for level, (_url, _csvs, table) in ACCESS.items() for persona, status in table.items()
]


@pytest.mark.parametrize("level,persona,expected", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_dashboard_and_every_csv_are_scoped_by_role(request, client_for, world, rolled, level, persona, expected):
    url, csvs, _table = ACCESS[level]
    client = client_for(request.getfixturevalue(persona))
    for target in [url(world)] + [url(world, name) for name in csvs]:
        assert client.get(target).status_code == expected, target
    for target in [url(world, name).replace(".csv", ".xlsx") for name in csvs]:
        assert client.get(target).status_code == expected, target


@pytest.mark.parametrize("level", list(ACCESS))
def test_anonymous_visitor_is_sent_to_log_in(client_for, world, rolled, level):
    url, csvs, _table = ACCESS[level]
    client = client_for(None)
    for target in [url(world)] + [url(world, name) for name in csvs]:
        response = client.get(target)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), target


@pytest.mark.parametrize("level", list(ACCESS))
def test_dashboards_are_read_only(client_for, world, rolled, mrd, level):
    url, _csvs, _table = ACCESS[level]
    assert client_for(mrd).post(url(world)).status_code == 405


def test_unknown_chart_or_quarter_is_not_found(client_for, world, rolled, mrd):
    client = client_for(mrd)
    assert client.get(national_url(world, "nothing")).status_code == 404
    assert client.get(national_url(world) + "?quarter=2019Q1").status_code == 404


def test_dashboard_home_opens_the_widest_dashboard_of_the_user(
    client_for, world, rolled, dso_a, reviewer_p, mrd, focal_a1
):
    home = reverse("reports:dashboard")
    assert client_for(mrd).get(home).url == national_url(world)
    assert client_for(reviewer_p).get(home).url == province_url(world)
    assert client_for(dso_a).get(home).url == district_url(world)
    assert client_for(focal_a1).get(home).status_code == 403


# --- What the dashboards count -----------------------------------------------------------------------


def test_district_dashboard_shows_the_latest_quarter_with_approved_figures(client_for, world, rolled, dso_a):
    response = client_for(dso_a).get(district_url(world))
    data = response.context["data"]
    assert data["period_label"] == "Q1 2025"
    kpis = {kpi["key"]: kpi for kpi in data["kpis"]}
    assert kpis["coverage"]["value"] == "70.0%"
    assert "+20.0 points since Q4 2024" in kpis["coverage"]["note"]
    charts = {chart["key"]: chart for chart in data["charts"]}
    assert charts["coverage"]["figure"]["data"][0]["y"] == [50.0, 70.0]
    communes = data["tables"][0]
    assert [row[0]["text"] for row in communes["rows"]] == [world.commune_a1.name, world.commune_a2.name]
    assert communes["rows"][0][3]["text"] == "70.0%"
    assert communes["rows"][0][8]["text"] == "Every reported village verified"  # as reported; none is certified
    content = response.content.decode()
    assert 'id="figure-coverage"' in content and "plotly-basic.min.js" in content


def test_provincial_dashboard_counts_approved_reports_unless_provisional_is_asked_for(
    client_for, world, rolled, reviewer_p
):
    client = client_for(reviewer_p)
    approved = client.get(province_url(world)).context["data"]
    league = {row[0]["text"]: row for row in approved["tables"][0]["rows"]}
    assert league[world.district_a.name][1]["text"] == "70.0%"
    assert league[world.district_b.name][1]["text"] == "—"  # submitted only: not in the approved figures
    assert league[world.district_b.name][6]["text"].startswith("Submitted")
    assert approved["completeness"] == {
        "expected": 2,
        "submitted": 2,
        "on_time": 2,
        "approved": 1,
        "reporting_rate": "100%",
        "on_time_rate": "100%",
    }
    assert not approved["unapproved"]

    provisional = client.get(province_url(world) + "?provisional=1")
    data = provisional.context["data"]
    league = {row[0]["text"]: row for row in data["tables"][0]["rows"]}
    assert league[world.district_b.name][1]["text"] == "50.0%"
    assert league[world.district_b.name][1]["flag"] and not league[world.district_a.name][1]["flag"]
    assert data["unapproved"]
    # Province: (70 + 50) improved of 200 households = 60%, marked provisional in chart and table.
    coverage = {chart["key"]: chart for chart in data["charts"]}["coverage"]
    assert coverage["figure"]["data"][0]["y"][-1] == 60.0
    assert coverage["figure"]["data"][0]["marker"]["symbol"][-1] == "circle-open"
    assert coverage["table"]["provisional"] == ["Q1 2025"]
    assert 'id="provisional-note"' in provisional.content.decode()


def test_national_dashboard_counts_odf_units_and_projects_each_province(client_for, world, rolled, mrd):
    data = client_for(mrd).get(national_url(world)).context["data"]
    league = {row[0]["text"]: row for row in data["tables"][0]["rows"]}
    assert set(league) == {world.province_p.name, world.province_q.name}
    # District A reports every village verified ODF: its two communes and the district count as reported ODF.
    assert [cell["raw"] for cell in league[world.province_p.name][3:6]] == [4, 2, 1]
    assert league[world.province_p.name][6]["text"] == "2 / 2"  # reports this quarter
    assert data["progress"]["target_year"] == NationalSettings.current().target_year


@pytest.mark.parametrize("language", ["en", "km"])
def test_one_page_never_shows_two_odf_commune_figures_under_one_name(client_for, world, rolled, mrd, language):
    """The reports say every village of district A is verified ODF; nothing is certified. "ODF communes" and
    "ODF districts" name the certified figures only (0 here); the reports' own counts are named as such."""
    with translation.override(language):
        odf_communes, odf_districts = pgettext("dashboard", "ODF communes"), gettext("ODF districts")
        reported_communes, reported_districts = gettext("Communes reported ODF"), gettext("Districts reported ODF")
        old_note = gettext("every reported village verified ODF")
    client = client_for(mrd, language=language)
    for url in (national_url(world), province_url(world), district_url(world)):
        page = client.get(url)
        data, html = page.context["data"], page.content.decode()
        assert data["odf_certified"]["communes"] == 0 and 'id="odf-certified-communes">0<' in html
        assert 'id="odf-units"' not in html and old_note not in html
        named = {table["key"]: table["columns"] for table in data["tables"]}
        assert [key for key, columns in named.items() if odf_communes in columns] == ["odf_funnel"], url
        assert [key for key, columns in named.items() if odf_districts in columns] == (
            [] if url == district_url(world) else ["odf_funnel"]
        )
    national = client.get(national_url(world)).context["data"]
    league = next(table for table in national["tables"] if table["key"] == "league")
    assert reported_communes in league["columns"] and reported_districts in league["columns"]
    tables = client.get(district_url(world)).context["data"]["tables"]
    communes = next(table for table in tables if table["key"] == "communes")
    with translation.override(language):
        assert {row[8]["text"] for row in communes["rows"]} == {gettext("Every reported village verified")}


def test_target_year_is_the_national_setting(client_for, world, rolled, mrd):
    settings_row = NationalSettings.current()
    settings_row.target_year = 2030
    settings_row.save()
    data = client_for(mrd).get(national_url(world)).context["data"]
    assert data["progress"]["target_year"] == 2030
    projection = {chart["key"]: chart for chart in data["charts"]}["projection"]
    assert projection["figure"]["layout"]["shapes"][0]["x0"] == 2030.5


def test_khmer_dashboard_has_khmer_labels(client_for, world, rolled, mrd):
    data = client_for(mrd, language="km").get(national_url(world)).context["data"]
    coverage = {chart["key"]: chart for chart in data["charts"]}["coverage"]
    assert coverage["title"] == "អត្រាគ្របដណ្តប់អនាម័យ និងអនាម័យមូលដ្ឋាន"
    assert coverage["figure"]["data"][0]["name"] == "អត្រាគ្របដណ្តប់អនាម័យ (%)"
    assert "ត្រីមាស" in coverage["figure"]["data"][0]["x"][0]


def test_csv_has_the_numbers_of_the_chart(client_for, world, rolled, dso_a):
    response = client_for(dso_a).get(district_url(world, "coverage"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="drssd-district-0508-2025Q1-coverage.csv"' in response["Content-Disposition"]
    about, rows = csv_table(response.content)
    assert about["Unit"] == "Thpong (0508)" and about["Quarter"] == "Q1 2025" and about["Data"] == "Approved reports"
    basis = ["reported_units", "carried_forward_units", "oldest_carried_quarter"]
    assert rows == [
        ["Quarter", "Sanitation coverage (%)", "Basic sanitation (%)", *basis],
        ["Q4 2024", "50.0", "40.0", "1", "0", ""],
        ["Q1 2025", "70.0", "60.0", "1", "0", ""],
    ]
    communes = client_for(dso_a).get(district_url(world, "communes") + "?provisional=1")
    about, table = csv_table(communes.content)
    assert about["Data"] == "Provisional (includes submitted reports)"
    assert table[0][-4] == "Provisional" and table[1][3] == "70.0"


def test_league_csv_has_every_column_of_the_league_table(client_for, world, rolled, reviewer_p):
    """The league chart shares the table's key; the CSV is the table's, with ODF, on-time and report columns."""
    response = client_for(reviewer_p).get(province_url(world, "league"))
    _about, rows = csv_table(response.content)
    assert rows[0] == [
        "District",
        "Sanitation coverage",
        "Change this year",
        "Verified ODF villages",
        "Declared, not yet verified",
        "On time, last 4 quarters",
        "This quarter's report",
        "Figures",
        "reported_units",
        "carried_forward_units",
        "oldest_carried_quarter",
    ]
    assert len(rows) == 1 + world.province_p.districts.count()
    on_time = rows[0].index("On time, last 4 quarters")
    assert all(re.fullmatch(r"\d+ / \d+", row[on_time]) for row in rows[1:])  # as the screen shows it, not a sort key


def xlsx_rows(response):
    """The rows of a downloaded workbook's one sheet, as values."""
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_xlsx_says_what_it_holds_and_has_the_numbers_of_the_csv(client_for, world, rolled, dso_a):
    response = client_for(dso_a).get(district_url(world, "coverage").replace(".csv", ".xlsx"))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="drssd-district-0508-2025Q1-coverage.xlsx"' in response["Content-Disposition"]
    rows = xlsx_rows(response)
    about = {row[0]: row[1] for row in rows[: rows.index([None] * len(rows[0]))]}
    assert about["Unit"] == "Thpong (0508)" and about["Quarter"] == "Q1 2025" and about["Data"] == "Approved reports"
    assert about["Stock figures"] == "Reported this quarter."  # the basis line of the page
    table = rows[rows.index([None] * len(rows[0])) + 1 :]
    assert table[0][:3] == ["Quarter", "Sanitation coverage (%)", "Basic sanitation (%)"]
    assert table[1][:3] == ["Q4 2024", 50, 40] and table[2][:3] == ["Q1 2025", 70, 60]  # numbers, not text


def test_xlsx_in_khmer_keeps_khmer_headers_and_a_formula_looking_name_as_text(client_for, world, rolled, reviewer_p):
    type(world.district_b).objects.filter(pk=world.district_b.pk).update(name_km="=HYPERLINK(1)")
    response = client_for(reviewer_p, "km").get(province_url(world, "league").replace(".csv", ".xlsx"))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [cell for row in book.active.iter_rows() for cell in row if cell.value is not None]
    assert any(cell.value == "ស្រុក" for cell in cells)  # the District column, in Khmer
    hostile = [cell for cell in cells if str(cell.value).startswith("=HYPERLINK")]
    assert hostile and all(cell.data_type == "s" for cell in hostile)  # text, never a formula


def test_a_quarter_without_reports_stays_selectable_but_says_so_and_is_not_the_default(client_for, world, rolled, mrd):
    empty = ReportingPeriodFactory(year=2025, quarter=2)
    rebuild_period(empty.pk)
    data = client_for(mrd).get(national_url(world)).context["data"]
    assert data["selected"] == "2025Q1"  # the latest quarter with reports, not the empty one after it
    labels = {p["value"]: p["label"] for p in data["periods"]}
    assert labels["2025Q2"] == "Q2 2025 (no reports)" and labels["2025Q1"] == "Q1 2025"


# --- The cache -----------------------------------------------------------------------------------------


def test_a_rebuilt_rollup_is_never_served_from_the_cache(client_for, world, rolled, reviewer_p):
    from reports.models import DistrictReport

    client = client_for(reviewer_p)
    league = client.get(province_url(world)).context["data"]["tables"][0]["rows"]
    assert {row[0]["text"]: row[1]["text"] for row in league}[world.district_b.name] == "—"
    DistrictReport.objects.filter(district=world.district_b, period=rolled.q1).update(status=ReportStatus.APPROVED)
    rebuild_period(rolled.q1.pk)
    league = client.get(province_url(world)).context["data"]["tables"][0]["rows"]
    assert {row[0]["text"]: row[1]["text"] for row in league}[world.district_b.name] == "50.0%"


def test_second_view_is_served_from_the_cache(client_for, world, rolled, mrd, django_assert_num_queries):
    client = client_for(mrd)
    client.get(national_url(world))
    # session, user, reach (also the menu's roles), unit rows, settings, the scorecard's weights, the ODF records'
    # version, period
    with django_assert_num_queries(8):
        client.get(national_url(world))


def test_an_odf_step_after_a_cached_view_shows_at_once(client_for, world, rolled, mrd):
    """The funnel comes from the ODF records, not the rollups: a certification recorded after the page was cached
    (no rollup rebuilt) is on the next view, not hours later. Every workflow step records an event, as here."""
    import datetime

    from reports.odf.models import OdfAction, OdfEvent
    from tests.factories import UserFactory
    from tests.reports.odf.test_funnel import claim

    client = client_for(mrd)
    url = province_url(world) + "?quarter=2025Q1"
    assert client.get(url).context["data"]["odf_certified"]["villages"] == 0
    by = UserFactory(username="recorder")
    made = claim(
        "05080101",
        datetime.date(2025, 1, 5),
        visited_on=datetime.date(2025, 1, 20),
        certified_on=datetime.date(2025, 2, 1),
        by=by,
    )
    OdfEvent.objects.create(village=made.village, claim=made, action=OdfAction.CERTIFIED, by=by)
    assert client.get(url).context["data"]["odf_certified"]["villages"] == 1


# --- Query counts: fixed, whatever the number of units -------------------------------------------------------


def add_districts(province, count):
    for i in range(count):
        district = DistrictFactory(province=province, code=f"{province.code}{60 + i}")
        commune = CommuneFactory(district=district, code=f"{district.code}01")
        VillageFactory(commune=commune, code=f"{commune.code}01")
        yield district


@pytest.fixture
def bigger_q(world, rolled):
    """Province Q grows to three districts (P has two), all reporting in Q1 2025."""
    for district in add_districts(world.province_q, 2):
        DistrictReportFactory(district=district, period=rolled.q1, filled=True, approved=True)
    rebuild_period(rolled.q1.pk)


def queries(django_assert_max_num_queries, client, url, limit):
    with django_assert_max_num_queries(limit) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("cached", [False, True], ids=["cache-miss", "cache-hit"])
def test_dashboard_query_counts_are_pinned(
    settings, client_for, world, rolled, bigger_q, mrd, cached, django_assert_max_num_queries
):
    from reports.dashboards.models import ScorecardWeights
    from reports.odf.models import OdfSettings

    OdfSettings.current()  # the MRD's rows exist (their first read creates them)
    ScorecardWeights.current()
    if not cached:
        settings.DASHBOARD_CACHE_SECONDS = 0
    client = client_for(mrd)
    national = reverse("reports:dashboard_national")
    province_p = reverse("reports:dashboard_province", args=[world.province_p.code])
    province_q = reverse("reports:dashboard_province", args=[world.province_q.code])
    district = reverse("reports:dashboard_district", args=[world.district_a.code])
    if cached:
        for url in (national, province_p, province_q, district):
            client.get(url)
    # A cache miss reads the district rows of the compared quarters once (like-with-like changes), the
    # names of the districts without figures (B has no approved report) once, and the ODF funnel (12 queries; for a
    # province or the nation 6 more for what became ODF, and for the nation the district rows for its recognition).
    funnel = 0 if cached else 12
    newly = 0 if cached else 6
    # The units ODF today, for their certificates: a district's 5 queries, a province's 6 (reports.odf.status).
    certificates = {"district": 0 if cached else 5, "province": 0 if cached else 6}
    # A province and the nation also read the scorecard's weights (in their cache keys).
    assert queries(django_assert_max_num_queries, client, national, 12 + funnel + newly + 1) <= 13 + funnel + newly + 1
    two = queries(django_assert_max_num_queries, client, province_p, 12 + funnel + newly + certificates["province"])
    three = queries(django_assert_max_num_queries, client, province_q, 12 + funnel + newly + certificates["province"])
    # No query per district; P's page also names B, its district without approved figures.
    assert two == three + (0 if cached else 1)
    queries(django_assert_max_num_queries, client, district, 12 + funnel + certificates["district"])
    for name in NATIONAL_CSVS:
        limit = 10 + funnel + newly + (0 if cached else 1)
        queries(django_assert_max_num_queries, client, reverse("reports:dashboard_national_csv", args=[name]), limit)


def test_national_dashboard_reads_no_village_or_report_rows(settings, client_for, world, rolled, mrd):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.DASHBOARD_CACHE_SECONDS = 0
    client = client_for(mrd)
    for url in (national_url(world), province_url(world), district_url(world)):
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        sql = " ".join(query["sql"] for query in captured.captured_queries)
        assert "reports_villagequarter" not in sql and "reports_districtreport" not in sql, url


# --- Pages without charts load no plotly.js ----------------------------------------------------------------


def test_data_entry_pages_of_a_dso_load_no_plotly(client_for, world, rolled, dso_a):
    from reports.models import ReportingPeriod

    open_period = ReportingPeriod.objects.create(year=2025, quarter=2, deadline=rolled.q1.deadline.replace(month=7))
    client = client_for(dso_a)
    code = world.district_a.code
    pages = [
        reverse("home"),
        reverse("districts:district", args=[code]),
        reverse("reports:district_reports", args=[code]),
        reverse("reports:report", args=[code, open_period.year, open_period.quarter]),
        reverse("reports:district_section", args=[code, open_period.year, open_period.quarter]),
        reverse("reports:commune", args=[code, open_period.year, open_period.quarter, world.commune_a1.code]),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert b"plotly" not in response.content.lower(), page
    assert (
        reverse("reports:dashboard_district", args=[code]).encode()
        in client.get(reverse("districts:district", args=[code])).content
    )


def test_empty_rollups_show_a_note_and_no_chart(client_for, world, mrd):
    NationalSettings.current()
    response = client_for(mrd).get(reverse("reports:dashboard_national"))
    assert response.status_code == 200 and response.context["data"]["empty"]
    assert b"plotly" not in response.content


def test_load_is_callable_outside_a_request_for_the_pdfs(world, rolled):
    from django.utils import translation

    with translation.override("en"):
        data = dashboards.load("province", world.province_p, provisional=False, year=2025, quarter=1)
    assert [chart["key"] for chart in data["charts"]] == PROVINCE_CSVS


def test_a_district_whose_quarter_is_carried_forward_is_not_projected_and_says_why(client_for, world, dso_a):
    from reports.rollups.build import rebuild_all

    a_year_ago, now = ReportingPeriodFactory(year=2024, quarter=1), ReportingPeriodFactory(year=2025, quarter=1)
    DistrictReportFactory(district=world.district_a, period=a_year_ago, filled=True, approved=True)
    DistrictReportFactory(district=world.district_b, period=now, filled=True, approved=True)
    rebuild_all()
    url = reverse("reports:dashboard_district", args=[world.district_a.code]) + "?quarter=2025Q1"
    data = client_for(dso_a).get(url).context["data"]
    kpis = {kpi["key"]: kpi for kpi in data["kpis"]}
    assert kpis["coverage"]["value"] == "50.0%"  # Q1 2024's, carried forward
    assert kpis["coverage"]["basis"] == "carried forward from Q1 2024"
    assert data["basis"]["stock"] == "No report counted this quarter: figures carried forward from Q1 2024."
    assert kpis["projection"]["value"] == "—"
    assert kpis["projection"]["note"].startswith("Not projected: the figures of this quarter or a year before")


def test_the_odf_funnel_shows_on_every_dashboard_and_downloads(client_for, world, rolled, mrd):
    import datetime

    from tests.factories import UserFactory
    from tests.reports.odf.test_funnel import claim

    by = UserFactory(username="recorder")
    for code in ("05080101", "05080102"):  # commune 050801 becomes ODF in Q1 2025
        claim(
            code,
            datetime.date(2025, 1, 5),
            visited_on=datetime.date(2025, 1, 20),
            certified_on=datetime.date(2025, 2, 1),
            by=by,
        )
    claim("05010101", datetime.date(2025, 3, 1), by=by)  # declared only
    client = client_for(mrd)
    with translation.override("en"):
        data = client.get(province_url(world) + "?quarter=2025Q1").context["data"]
        table = next(t for t in data["tables"] if t["key"] == "odf_funnel")
        rows = {row[0]["text"]: [cell["raw"] for cell in row[1:]] for row in table["rows"]}
        # declared, verified, certified, slipped, re-verified, certified villages, ODF communes, ODF districts, ...
        assert rows["Thpong"] == [2, 2, 2, 0, 0, 2, 1, 0, 0, 0]
        assert rows["Basedth"] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        assert rows["Total"][:3] == [3, 2, 2]
        assert data["odf_certified"] == {
            "villages": 2,
            "active_villages": 8,
            "communes": 1,
            "all_communes": 4,
            "districts": 0,
            "all_districts": 2,
            "overdue": 0,
            "due_next": 0,
        }
        csv = client.get(province_url(world, "odf_funnel") + "?quarter=2025Q1").content.decode()
        assert "Thpong,2,2,2,0,0,2 / 4,1 / 2,0 / 1,0,0" in csv
        national = client.get(reverse("reports:dashboard_national") + "?quarter=2025Q1").context["data"]
        assert national["odf_certified"]["communes"] == 1
        district = client.get(district_url(world) + "?quarter=2025Q1")
        assert b'id="odf-certified-communes">1<' in district.content


def test_the_province_shows_the_district_scorecard_with_its_components_and_formula(client_for, world, rolled, mrd):
    from reports.dashboards.models import ScorecardWeights

    client = client_for(mrd)
    with translation.override("en"):
        response = client.get(province_url(world) + "?quarter=2025Q1")
        table = next(t for t in response.context["data"]["tables"] if t["key"] == "scorecard")
        assert table["columns"][:3] == ["District", "Coverage progress (%)", "points (weight 30)"]
        rows = {row[0]["text"]: [cell["raw"] for cell in row[1:]] for row in table["rows"]}
        # Thpong (A): 70% coverage (approved); no ODF village certified; its Q4 and Q1 reports (of two expected in
        # the last four quarters: Q4 and Q1); nothing certified to keep: sustainability has no value.
        coverage, coverage_points = rows["Thpong"][:2]
        assert (coverage, coverage_points) == (70.0, 21.0)
        assert rows["Thpong"][-1] == sum(rows["Thpong"][1:-1:2])
        assert "Score = (30 × Coverage progress + 25 × ODF certified share" in response.content.decode()
        weights = ScorecardWeights.current()
        weights.coverage = 60
        weights.save()
        changed = client.get(province_url(world) + "?quarter=2025Q1").context["data"]
        table = next(t for t in changed["tables"] if t["key"] == "scorecard")
        again = {row[0]["text"]: [cell["raw"] for cell in row[1:]] for row in table["rows"]}
        assert again["Thpong"][:2] == [70.0, pytest.approx(60 * 70 / 130, abs=0.01)]
        assert again["Thpong"][0:10:2] == rows["Thpong"][0:10:2]  # the values, every one unchanged
        # The nation's scorecard lists every district, with the same components.
        national = client.get(reverse("reports:dashboard_national") + "?quarter=2025Q1").context["data"]
        table = next(t for t in national["tables"] if t["key"] == "scorecard")
        everywhere = {row[0]["text"]: [cell["raw"] for cell in row[1:]] for row in table["rows"]}
        assert set(everywhere) == {"Thpong", "Basedth", "Dambae"} and everywhere["Thpong"] == again["Thpong"]


def test_the_recognition_list_names_what_became_odf_and_the_best_progress(client_for, world, rolled, mrd):
    import datetime

    from tests.factories import UserFactory
    from tests.reports.odf.test_funnel import claim

    by = UserFactory(username="recorder")
    for code in ("05080101", "05080102"):
        claim(
            code,
            datetime.date(2025, 1, 5),
            visited_on=datetime.date(2025, 1, 20),
            certified_on=datetime.date(2025, 2, 1),
            by=by,
        )
    client = client_for(mrd)
    with translation.override("en"):
        data = client.get(province_url(world) + "?quarter=2025Q1").context["data"]
        recognition = data["recognition"]
        assert recognition["villages"] == [
            "Test Village 05080101 (Test Commune 050801)",
            "Test Village 05080102 (Test Commune 050801)",
        ]
        assert recognition["communes"] == ["Test Commune 050801 (Thpong)"]
        assert recognition["districts"] == []
        assert recognition["best_progress"] == [("Thpong", "+20.0")]  # 50% at the end of 2024, 70% now
        assert recognition["on_time"] == []  # two quarters of reports only
        national = client.get(reverse("reports:dashboard_national") + "?quarter=2025Q1")
        assert national.context["data"]["recognition"]["best_progress"] == [("Thpong", "+20.0")]
        assert b'id="recognition-communes">Test Commune 050801 (Thpong)<' in national.content


def test_odf_communes_and_districts_offer_their_certificates_on_the_dashboards(
    client_for,
    world,
    rolled,
    dso_a,
    dso_b,
    reviewer_p,
    mrd,
    walk,  # noqa: F811
):
    """A district's and a province's dashboards link the certificate of each unit ODF today, and of no other."""
    from districts.models import Village
    from reports.documents import certificates

    def linked(user, url):
        html = client_for(user).get(url).content.decode()
        return set(re.findall(r'id="certificate-(\w+-\d+)"', html)), html

    assert linked(dso_a, district_url(world))[0] == set() and linked(reviewer_p, province_url(world))[0] == set()

    for village in Village.objects.filter(commune=world.commune_a1).order_by("code"):
        walk.certified(village)
    found, html = linked(dso_a, district_url(world))
    assert found == {"commune-050801"}  # A2 is not ODF, nor is the district
    commune_pdf = reverse("reports:pdf_certificate_commune", args=["050801"])
    assert f"{commune_pdf}?lang=km" in html and f"{commune_pdf}?lang=en" in html
    assert linked(reviewer_p, province_url(world))[0] == set()

    for village in Village.objects.filter(commune=world.commune_a2).order_by("code"):
        walk.certified(village)
    assert linked(dso_a, district_url(world))[0] == {"district-0508", "commune-050801", "commune-050802"}
    for user in (reviewer_p, mrd):
        assert linked(user, province_url(world))[0] == {"district-0508"}  # not Basedth
    assert client_for(dso_b).get(district_url(world)).status_code == 404  # no dashboard, no link, outside its reach
    assert 'id="odf-certificates"' not in linked(mrd, national_url(world))[1]
    # Each link leads to a certificate (the view refuses a unit that is not ODF today).
    certificates.district_certificate(world.district_a, "en")
    certificates.commune_certificate(world.commune_a2, "en")
