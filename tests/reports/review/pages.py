"""URLs, posts and checks shared by the review page tests."""

import re

from django.shortcuts import resolve_url
from django.urls import reverse

from reports.models import CommuneQuarter, DistrictReport, ReportEvent, ReviewComment, Training, VillageQuarter
from reports.review import workflow

A = "0508"
VILLAGE = "05080101"


def url(name, district=A, year=2019, quarter=3, *extra):
    return reverse(f"reports:{name}", args=[district, year, quarter, *extra])


def provincial_url(province="05"):
    return reverse("reports:provincial", args=[province, 2019, 3])


def decision_url(province="05"):
    return reverse("reports:provincial_decision", args=[province, 2019, 3])


def completeness_url():
    return reverse("reports:completeness", args=[2019, 3])


def login_redirect(path):
    return f"{resolve_url('login')}?next={path}"


def flashed(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def submit(report, dso):
    workflow.submit_report(report=report, by=dso)
    report.refresh_from_db()
    return report


def approve(report, dso, reviewer):
    submit(report, dso)
    workflow.approve_report(report=report, by=reviewer)
    report.refresh_from_db()
    return report


def stored(report):
    """Every value of the report's data, and the number of rows, for before/after comparisons."""
    report = DistrictReport.objects.get(pk=report.pk)
    fields = [f.attname for f in DistrictReport._meta.concrete_fields]
    return {
        "report": {f: getattr(report, f) for f in fields},
        "villages": sorted(
            VillageQuarter.objects.filter(report=report).values_list(
                "village__code", *VillageQuarter.COUNT_FIELDS, "odf_status", "explanation"
            )
        ),
        "communes": sorted(
            CommuneQuarter.objects.filter(report=report).values_list(
                "commune__code", "version", *CommuneQuarter.ACTIVITY_FIELDS
            )
        ),
        "trainings": Training.objects.filter(report=report).count(),
        "village_rows": VillageQuarter.objects.count(),
        "commune_rows": CommuneQuarter.objects.count(),
        "report_rows": DistrictReport.objects.count(),
        "events": ReportEvent.objects.count(),
        "comments": ReviewComment.objects.count(),
    }


def village_row(page, code):
    """The HTML of the village's rows on the commune page: its figures and the line under them."""
    match = re.search(rf'<tbody[^>]*data-village="{code}".*?</tbody>', page, re.S)
    assert match, f"no row for village {code}"
    return match.group(0)


def return_post(*rows):
    """The return form's POST: rows of (figure, unit, text), padded to the three rows the page shows."""
    rows = list(rows) + [("", "", "")] * (3 - len(rows))
    data = {
        "comments-TOTAL_FORMS": str(len(rows)),
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "10",
    }
    for index, (figure, unit, text) in enumerate(rows):
        data.update(
            {f"comments-{index}-figure": figure, f"comments-{index}-unit": unit, f"comments-{index}-text": text}
        )
    return data
