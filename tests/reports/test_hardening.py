"""Regression tests for what an attacker and a bad day found (Step 6): each finding stays fixed.

Separation of duties, comments scoped to a commune, the ?next= redirect, plan-target years, narrative
length, plain-text e-mails, the cache with Redis down.
"""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from districts.models import Role, UserProfile
from drssd_portal.cache import ForgivingRedisCache
from reports.entry.forms import NARRATIVE_MAX_CHARACTERS
from reports.models import (
    DistrictPlanTarget,
    DistrictReport,
    ProvincialReport,
    ReportEvent,
    ReportStatus,
    ReviewComment,
    VillageQuarter,
    WorkflowAction,
)
from reports.review import notifications, workflow
from tests.factories import AssignmentFactory
from tests.reports.pages import commune_post, district_post, good_village, saved_figures


@pytest.fixture(autouse=True)
def english():
    """Refusals are translated and the default language is Khmer: assert on the English ones."""
    with translation.override("en"):
        yield


@pytest.fixture
def submitted(world, q3, dso_a):
    """District A's 2019 Q3 report as submitted by dso_a (its figures do not matter here)."""
    return DistrictReport.objects.create(
        district=world.district_a, period=q3, status=ReportStatus.SUBMITTED, submitted_by=dso_a
    )


@pytest.fixture
def dso_and_reviewer(world, dso_a):
    """dso_a also holds a PDRD reviewer role for district A's province."""
    AssignmentFactory(user=dso_a, role=Role.PDRD_REVIEWER, province=world.province_p)
    return dso_a


# --- Separation of duties ---------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["approve", "return"])
def test_no_one_approves_or_returns_a_report_they_submitted(submitted, dso_and_reviewer, action):
    with pytest.raises(ValidationError, match="another PDRD reviewer"):
        if action == "approve":
            workflow.approve_report(report=submitted, by=dso_and_reviewer)
        else:
            workflow.return_report(report=submitted, by=dso_and_reviewer, comments=[("", "", "Recount.")])
    submitted.refresh_from_db()
    assert submitted.status == ReportStatus.SUBMITTED
    assert not ReportEvent.objects.filter(report=submitted).exists()


def test_no_one_approves_a_report_they_entered_figures_in(world, submitted, dso_b, reviewer_p):
    AssignmentFactory(user=dso_b, role=Role.PDRD_REVIEWER, province=world.province_p)
    row = VillageQuarter(report=submitted, village=world.commune_a1.villages.first(), households_total=10)
    row._history_user = dso_b  # dso_b typed this village's figures
    row.save()

    with pytest.raises(ValidationError, match="another PDRD reviewer"):
        workflow.approve_report(report=submitted, by=dso_b)
    workflow.approve_report(report=submitted, by=reviewer_p)  # an independent reviewer may
    submitted.refresh_from_db()
    assert submitted.status == ReportStatus.APPROVED


def test_the_refusal_reaches_the_reviewer_on_the_page(submitted, dso_and_reviewer, client_for):
    url = reverse("reports:approve", args=["0508", 2019, 3])
    response = client_for(dso_and_reviewer).post(url, {"confirm": "yes"}, follow=True)
    assert "another PDRD reviewer" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == ReportStatus.SUBMITTED


# --- A commune's page shows only its own comments ------------------------------------------------------------


def test_a_commune_page_shows_no_comment_about_another_commune(world, submitted, reviewer_p, dso_a, client_for):
    a1_village = world.commune_a1.villages.order_by("code").first()
    a2_village = world.commune_a2.villages.order_by("code").first()
    workflow.return_report(
        report=submitted,
        by=reviewer_p,
        comments=[
            (f"village:{a1_village.code}:households_total", "A1 village", "Recount Amleang's households."),
            (f"village:{a2_village.code}:households_total", "A2 village", "SECRET about the other commune."),
        ],
    )
    assert ReviewComment.objects.filter(report=submitted).count() == 2
    focal = AssignmentFactory(user__username="focal_a1", role=Role.COMMUNE_FOCAL_POINT, commune=world.commune_a1).user
    for user in (focal, dso_a):
        page = client_for(user).get(reverse("reports:commune", args=["0508", 2019, 3, world.commune_a1.code]))
        html = page.content.decode()
        assert page.status_code == 200
        assert "Recount Amleang" in html and "SECRET" not in html


# --- The targets page's ?next= ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("https://evil.example/phish", "/reports/0508/targets/2019/"),
        ("//evil.example/x", "/reports/0508/targets/2019/"),
        ("javascript:alert(1)", "/reports/0508/targets/2019/"),
        ("/reports/0508/", "/reports/0508/"),
    ],
)
def test_saving_targets_returns_only_to_a_page_of_this_site(world, dso_a, client_for, next_url, lands_on):
    url = reverse("reports:plan_targets", args=["0508", 2019])
    response = client_for(dso_a).post(
        f"{url}?next={next_url}", {"coverage_pct": "60", "odf_villages": "3", "triggering_events": "4", "budget": "700"}
    )
    assert response.status_code == 302
    assert response["Location"] == lands_on


@pytest.mark.parametrize("year", [0, 1, 2009, 2101, 32768, 10**20])
def test_plan_targets_exist_only_for_reporting_years(world, dso_a, client_for, year):
    url = f"/reports/0508/targets/{year}/"
    response = client_for(dso_a).post(url, {"coverage_pct": "60"})
    assert response.status_code == 404
    assert not DistrictPlanTarget.objects.exists()


# --- Narratives have a length limit --------------------------------------------------------------------------------


def test_an_overlong_narrative_is_refused_with_its_message_and_kept_on_screen(world, q3, dso_a, client_for):
    url = reverse("reports:district_section", args=["0508", 2019, 3])
    page = client_for(dso_a, "km").get(url)
    long_text = "ក" * (NARRATIVE_MAX_CHARACTERS + 1)
    response = client_for(dso_a, "km").post(
        url, {"version": page.context["version"], "district-achievements": long_text, "trainings-TOTAL_FORMS": "0",
              "trainings-INITIAL_FORMS": "0"},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert "សូមកាត់បន្ថយអត្ថបទនេះ" in html  # the Khmer message
    assert long_text in html  # nothing the user typed is lost
    assert DistrictReport.objects.get(district=world.district_a, period=q3).achievements == ""


# --- Plain-text e-mails -------------------------------------------------------------------------------------------


def test_plain_text_emails_are_not_html_escaped(submitted, reviewer_p, dso_a, settings):
    UserProfile.objects.update_or_create(user=dso_a, defaults={"language": "en"})
    event = workflow.return_report(report=submitted, by=reviewer_p, comments=[("", "", "It's the R&D <team>'s count.")])
    mail.outbox.clear()
    assert notifications.send_event_notification(event.pk) == 1
    body = mail.outbox[0].body
    assert "It's the R&D <team>'s count." in body
    assert "&#x27;" not in body and "&amp;" not in body
    assert event.action == WorkflowAction.RETURNED


# --- The cache with Redis down --------------------------------------------------------------------------------------


def test_the_cache_answers_a_miss_when_redis_is_unreachable():
    cache = ForgivingRedisCache("redis://127.0.0.1:6390/0", {"OPTIONS": {"socket_connect_timeout": 1}})
    assert cache.get("dashboard", "miss") == "miss"
    cache.set("dashboard", {"figures": 1}, 60)  # no exception
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("x", 1) is False


# --- A page that arrives incomplete is refused whole -------------------------------------------------------------


def test_a_commune_post_without_some_village_rows_is_refused_and_wipes_nothing(world, q3, dso_a, client_for):
    url = reverse("reports:commune", args=["0508", 2019, 3, world.commune_a1.code])
    client_for(dso_a).get(url)  # opens the draft
    saved = client_for(dso_a).post(url, commune_post([good_village(120), good_village(80)]))
    assert saved.status_code == 302
    report = DistrictReport.objects.get(district=world.district_a, period=q3)
    before = saved_figures(report, world.commune_a1)

    version = client_for(dso_a).get(url).context["version"]
    partial = client_for(dso_a).post(url, commune_post([good_village(999)], version=version, total_forms=1))

    assert partial.status_code == 200
    assert "arrived incomplete" in partial.content.decode()
    assert saved_figures(report, world.commune_a1) == before


# --- No figure changes behind a lock ------------------------------------------------------------------------------


def test_plan_targets_of_a_year_with_a_submitted_report_cannot_change(world, submitted, dso_a, client_for):
    url = reverse("reports:plan_targets", args=["0508", 2019])
    page = client_for(dso_a).get(url)
    assert "cannot change" in page.content.decode()

    response = client_for(dso_a).post(url, {"coverage_pct": "12.3", "odf_villages": "1"})

    assert response.status_code == 200
    assert "12.3" in response.content.decode()  # what was typed stays on screen
    assert not DistrictPlanTarget.objects.filter(district=world.district_a, year=2019).exists()


@pytest.mark.parametrize("page", ["commune", "district_section"])
def test_a_save_that_arrives_after_the_submission_is_refused(world, q3, dso_a, client_for, page):
    """The page was opened while the report was a draft; the report was submitted before Save was pressed."""
    args = ["0508", 2019, 3] + ([world.commune_a1.code] if page == "commune" else [])
    url = reverse(f"reports:{page}", args=args)
    version = client_for(dso_a).get(url).context["version"]
    report = DistrictReport.objects.get(district=world.district_a, period=q3)
    report_after = DistrictReport.objects.filter(pk=report.pk)
    report_after.update(status=ReportStatus.SUBMITTED)  # as the submission's transaction leaves it

    post = (
        commune_post([good_village(), good_village()], version=version)
        if page == "commune"
        else district_post(version=version)
    )
    response = client_for(dso_a).post(url, post)

    assert response.status_code == 403
    assert not VillageQuarter.objects.filter(report=report).exists()
    assert report_after.get().achievements == ""


# --- Two people saving the same page: the second save is refused, nothing lost silently ----------------------------


def test_the_second_of_two_plan_target_saves_is_refused_with_its_values_kept(world, q3, dso_a, dso_b, client_for):
    from django.test import Client

    url = reverse("reports:plan_targets", args=["0508", 2019])
    first, second = Client(), Client()
    first.force_login(dso_a)
    first.cookies["django_language"] = second.cookies["django_language"] = "en"
    other = AssignmentFactory(user__username="dso_a_two", role=Role.DSO, district=world.district_a).user
    second.force_login(other)
    version_first = first.get(url).context["form"]["version"].value()
    version_second = second.get(url).context["form"]["version"].value()

    assert first.post(url, {"version": version_first, "coverage_pct": "60", "odf_villages": "3"}).status_code == 302
    refused = second.post(url, {"version": version_second, "coverage_pct": "12.3", "odf_villages": "1"})

    assert refused.status_code == 200
    assert "after you opened it" in refused.content.decode() and "12.3" in refused.content.decode()
    target = DistrictPlanTarget.objects.get(district=world.district_a, year=2019)
    assert (target.coverage_pct, target.odf_villages) == (60, 3)
    # Saving again (with the version the refusal showed) deliberately keeps the second person's values.
    again = second.post(url, {"version": refused.context["form"]["version"].value(), "coverage_pct": "12.3"})
    assert again.status_code == 302
    assert float(DistrictPlanTarget.objects.get(district=world.district_a, year=2019).coverage_pct) == 12.3


def test_the_second_of_two_provincial_narrative_saves_is_refused(world, q3, reviewer_p, client_for):
    from django.test import Client

    url = reverse("reports:provincial", args=["05", 2019, 3])
    colleague = AssignmentFactory(user__username="reviewer_p_two", role=Role.PDRD_REVIEWER, province=world.province_p)
    first, second = Client(), Client()
    first.force_login(reviewer_p)
    first.cookies["django_language"] = second.cookies["django_language"] = "en"
    second.force_login(colleague.user)
    version_first = first.get(url).context["version"]
    version_second = second.get(url).context["version"]

    def post(client, version, text):
        return client.post(url, {"version": version, "action": "save", "narrative-achievements": text})

    assert post(first, version_first, "Both districts triggered villages.").status_code == 302
    refused = post(second, version_second, "Overwrite.")
    assert refused.status_code == 200
    assert "after you opened it" in refused.content.decode() and "Overwrite." in refused.content.decode()
    report = ProvincialReport.objects.get(province=world.province_p, period=q3)
    assert report.achievements == "Both districts triggered villages."


def test_queueing_a_task_with_redis_down_gives_up_after_one_short_retry(settings):
    """Celery's Redis result backend retries 20 times a second apart by default: 19 s per queued task."""
    policy = settings.CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS["retry_policy"]
    assert policy["max_retries"] <= 1 and policy["interval_max"] <= 0.5
    assert settings.CELERY_REDIS_SOCKET_CONNECT_TIMEOUT <= 2


def test_publishing_to_a_broker_that_never_answers_gives_up(settings):
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert 1 < options["socket_timeout"] <= 5 and options["socket_connect_timeout"] <= 2
