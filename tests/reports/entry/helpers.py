"""URLs and checks shared by the data-entry page tests."""

import re

from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.html import escape

from reports.entry import grid
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
    """The error message is shown with the input it belongs to: a village figure's input is marked invalid and the
    message, headed by the figure's name, is on the line under the village's row; any other input has it right
    after it."""
    if name.startswith("villages-"):
        return _village_error(page, name, message)
    pattern = (
        rf'<input[^>]*name="{re.escape(name)}"[^>]*>\s*<div class="invalid-feedback d-block small">'
        rf"{re.escape(escape(message))}</div>"
    )
    return re.search(pattern, page) is not None


def _village_error(page, name, message):
    block = next((part for part in page.split("<tbody")[1:] if f'name="{name}"' in part), None)
    if block is None:
        return False
    marked = re.search(rf'<(?:input|select)[^>]*name="{re.escape(name)}"[^>]*class="[^"]*is-invalid', block)
    heading = grid.COLUMNS[[c.name for c in grid.COLUMNS].index(name.split("-", 2)[2])].label
    shown = (
        f'<div class="invalid-feedback d-block small"><strong>{escape(str(heading))}:</strong> {escape(message)}</div>'
        in block
    )
    return bool(marked) and shown


def village_values(row):
    """The figures of a village row as VillageQuarter fields (what village_errors sees)."""
    return {f: int(row[f]) for f in VillageQuarter.COUNT_FIELDS}


def a1_report(world, q3):
    return DistrictReport.objects.get(district=world.district_a, period=q3)
