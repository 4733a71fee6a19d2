"""URLs and checks shared by the data-entry page tests."""

import re

from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.html import escape

from reports.models import DistrictReport, VillageQuarter

A1_VILLAGES = ["05080101", "05080102"]


def report_url(district="0508", year=2019, quarter=3):
    return reverse("reports:report", args=[district, year, quarter])


def commune_url(commune="050801", district="0508", year=2019, quarter=3):
    return reverse("reports:commune", args=[district, year, quarter, commune])


def section_url(district="0508", year=2019, quarter=3):
    return reverse("reports:district_section", args=[district, year, quarter])


def targets_url(district="0508", year=2019):
    return reverse("reports:plan_targets", args=[district, year])


def login_redirect(url):
    return f"{resolve_url('login')}?next={url}"


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def error_next_to(page, name, message):
    """The error message is rendered right after the input it belongs to."""
    pattern = (
        rf'<input[^>]*name="{re.escape(name)}"[^>]*>\s*<div class="invalid-feedback d-block small">'
        rf"{re.escape(escape(message))}</div>"
    )
    return re.search(pattern, page) is not None


def village_values(row):
    """The figures of a village row as VillageQuarter fields (what village_errors sees)."""
    return {f: int(row[f]) for f in VillageQuarter.COUNT_FIELDS}


def a1_report(world, q3):
    return DistrictReport.objects.get(district=world.district_a, period=q3)
