"""The dashboards' read path: rollup rows per unit and quarter, league tables, projections, the cache.

Reads reports.rollup_models.Rollup (and the gazetteer for names) only: never village rows or
reports. A dashboard costs a fixed number of queries whatever the number of units below it:

  1. every quarter's row of the unit (its trend, the quarter picker and the cache version);
  2. on a cache miss, the rows of the units one level down for the window of five quarters
     ending at the selected one (this quarter, the end of last year, a year ago), in one query;
  3. on a cache miss, for the nation, ODF districts per province (one grouped query);
  4. for a district, its communes (to list those without data) and its plan targets.

The built dashboard (figures, tables, KPIs: plain data) is cached per (level, unit, quarter,
data state, language) under a key that also holds the version of the rows read: the latest
built_at and the count of the unit's rows. Every rollup rebuild that touches a unit's quarter
rewrites that unit's own row with a new built_at (a district rebuild rewrites its district,
province and national rows), and a deleted row changes the count, so a changed rollup is never
served from the cache; settings that change figures (target year, plan targets) are in the key too.
"""
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F
from django.http import Http404
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from districts.models import Commune
from districts.templatetags.portal import count, money, percent

from . import charts, indicators, quarters
from .models import DataState, DistrictPlanTarget, NationalSettings, Rollup, RollupLevel

CACHE_FORMAT = 1  # bump when the cached structure changes
CHILD_LEVEL = {"district": RollupLevel.COMMUNE, "province": RollupLevel.DISTRICT,
               "national": RollupLevel.PROVINCE}
RECENT_QUARTERS = 8  # bar charts show the last two years
PROJECTION_HORIZON = 50  # years: a later projected year is shown as "not at the current rate"


def cache_seconds():
    return getattr(settings, "DASHBOARD_CACHE_SECONDS", 6 * 60 * 60)


# --- Reading ---------------------------------------------------------------------------------------------

def unit_rows(unit, *, provisional):
    """Every quarter's rollup row of `unit` (a District or Province; None: the nation) in one data state,
    oldest first, with its period. One query."""
    return list(Rollup.objects.for_unit(unit).for_state(provisional).select_related("period")
                .order_by("period__year", "period__quarter"))


def select_index(rows, year=None, quarter=None):
    """Index of the selected quarter's row: the one asked for (Http404 if there is none) or, by default,
    the latest quarter with reports counted (the latest row when none has)."""
    if year is not None:
        for index, row in enumerate(rows):
            if (row.period.year, row.period.quarter) == (year, quarter):
                return index
        raise Http404("No rolled-up data for this quarter.")
    counted = [index for index, row in enumerate(rows) if row.reports_included]
    return counted[-1] if counted else len(rows) - 1


def window(year, quarter, size=5):
    """(year, quarter) of the `size` quarters ending at the given one, oldest first."""
    keys = [(year, quarter)]
    for _i in range(size - 1):
        keys.insert(0, quarters.previous_quarter(*keys[0]))
    return keys


def child_rows(level, unit, rows, index, *, provisional):
    """{(year, quarter): {code: row}} of the units one level down, for the five quarters ending at the
    selected one, names attached (`.unit`). One query."""
    period = rows[index].period
    keys = set(window(period.year, period.quarter))
    period_ids = [row.period_id for row in rows[:index + 1] if (row.period.year, row.period.quarter) in keys]
    child = CHILD_LEVEL[level]
    found = Rollup.objects.for_state(provisional).filter(level=child, period_id__in=period_ids)
    if level == "district":
        # The commune table needs the selected quarter only.
        found = found.filter(district=unit, period_id=period.pk)
    elif level == "province":
        found = found.filter(province=unit)
    found = found.select_related("period", child.value)
    by_quarter = {}
    for row in found:
        by_quarter.setdefault((row.period.year, row.period.quarter), {})[row.code] = row
    return by_quarter


def odf_districts_by_province(period_id, *, provisional):
    """{province id: districts whose every reported village is verified ODF}. One grouped query."""
    return dict(Rollup.objects.for_state(provisional)
                .filter(level=RollupLevel.DISTRICT, period_id=period_id, villages_reported__gt=0,
                        odf_villages_verified=F("villages_reported"))
                .values("province_id").annotate(n=Count("id")).order_by().values_list("province_id", "n"))


def plan_targets(district):
    """{year: DistrictPlanTarget} of a district. One query."""
    return {t.year: t for t in DistrictPlanTarget.objects.filter(district=district)}


# --- Projections ------------------------------------------------------------------------------------------

@dataclass
class Projection:
    code: str
    name: str
    coverage: float | None
    rate: float | None  # percentage points a year, over the last four quarters
    year: int | None  # the year 100% is reached at that rate

    @property
    def coverage_label(self):
        return percent(self.coverage)

    @property
    def rate_label(self):
        return "—" if self.rate is None else f"{self.rate:+.1f}"


def project(code, name, now, year_ago):
    """The projection of one unit from its row of the selected quarter and the row a year before."""
    coverage = now.sanitation_coverage if now else None
    before = year_ago.sanitation_coverage if year_ago else None
    rate = None if coverage is None or before is None else coverage - before
    year = None
    if now is not None:
        year = indicators.projected_full_coverage_year(coverage=coverage, rate_per_year=rate,
                                                       year=now.period.year, quarter=now.period.quarter)
        if year is not None and year > now.period.year + PROJECTION_HORIZON:
            year = None
    return Projection(code=code, name=name, coverage=coverage, rate=rate, year=year)


# --- Building a dashboard ------------------------------------------------------------------------------------

def load(level, unit, *, provisional=False, year=None, quarter=None):
    """The dashboard of `unit` at `level` ("district", "province" or "national" with unit None) for the
    selected quarter (default: the latest with reports counted), built under the active language or
    taken from the cache. Returns a dict of plain data (see build()); Http404 for a quarter without data.

    Queries: see the module docstring (3 to 6, none per unit).
    """
    rows = unit_rows(unit, provisional=provisional)
    target_year = NationalSettings.current().target_year
    targets = plan_targets(unit) if level == "district" else {}
    if not rows:
        return {"empty": True, "level": level, "provisional": provisional, "periods": [], "target_year": target_year,
                "cache_key": None}
    index = select_index(rows, year, quarter)
    language = translation.get_language()
    version = (max(row.built_at for row in rows).isoformat(), len(rows))
    target_key = sorted((y, str(t.coverage_pct), t.odf_villages, str(t.updated_at)) for y, t in targets.items())
    key = "dashboard:" + hashlib.sha256(repr((
        CACHE_FORMAT, level, unit.code if unit else "KH", rows[index].period_id, provisional, language, version,
        target_year, target_key)).encode()).hexdigest()
    seconds = cache_seconds()
    data = cache.get(key) if seconds else None
    if data is None:
        data = build(level, unit, rows, index, provisional=provisional, target_year=target_year,
                     targets=targets, language=language)
        data["cache_key"] = key if seconds else None
        if seconds:
            cache.set(key, data, seconds)
    return data


def build(level, unit, rows, index, *, provisional, target_year, targets, language):
    """Everything a dashboard shows, as plain data (cacheable, language-specific):

    periods (for the picker), kpis, charts [{key, title, caption, figure, table}], tables
    [{key, title, caption, columns, rows}], and for provinces and the nation completeness,
    projections and (nation) ODF units.
    """
    current = rows[index]
    period = current.period
    history = rows[:index + 1]
    by_quarter = {(row.period.year, row.period.quarter): row for row in history}
    baseline = by_quarter.get((period.year - 1, 4))
    year_ago = by_quarter.get((period.year - 1, period.quarter))
    this_year = [row for row in history if row.period.year == period.year]
    last_year = [row for row in history if row.period.year == period.year - 1 and row.period.quarter <= period.quarter]
    recent = history[-RECENT_QUARTERS:]
    children = child_rows(level, unit, rows, index, provisional=provisional)
    now_children = children.get((period.year, period.quarter), {})

    kw = {"language": language}
    coverage_targets = {y: t.coverage_pct for y, t in targets.items() if t.coverage_pct is not None}
    odf_targets = {y: t.odf_villages for y, t in targets.items() if t.odf_villages is not None}
    figures = [
        ("coverage", charts.coverage_figure(history, plan_targets=coverage_targets, goal_year=target_year, **kw)),
        ("odf", charts.odf_figure(history, plan_targets=odf_targets, **kw)),
        ("idpoor", charts.idpoor_figure(history, **kw)),
        ("triggering", charts.triggering_figure(recent, **kw)),
        ("training", charts.training_figure(this_year, last_year, year=period.year, **kw)),
        ("budget", charts.budget_figure(this_year, **kw)),
    ]
    projection = project("KH" if unit is None else unit.code, "", current, year_ago)
    with translation.override(language):
        data = {
            "empty": False, "level": level, "provisional": provisional, "target_year": target_year,
            "period_id": period.pk, "year": period.year, "quarter": period.quarter,
            "period_label": str(period.label), "selected": f"{period.year}Q{period.quarter}",
            # The query that selects this dashboard again: links and CSVs carry it.
            "query": f"?quarter={period.year}Q{period.quarter}" + ("&provisional=1" if provisional else ""),
            "baseline_label": charts.quarter_label(period.year - 1, 4),
            "periods": [{"value": f"{r.period.year}Q{r.period.quarter}", "label": str(r.period.label)}
                        for r in reversed(rows)],
            "unapproved": any(charts.has_unapproved(r) for r in history),
            "current_unapproved": charts.has_unapproved(current),
            "kpis": _kpis(current, baseline, this_year, projection, target_year),
            "tables": [],
        }
        if level == "district":
            data["tables"].append(_commune_table(unit, now_children, current))
        else:
            figures.append(("reporting", charts.reporting_figure(recent, **kw)))
            data["completeness"] = _completeness(current)
            base = children.get((period.year - 1, 4), {})
            league_rows = list(now_children.values())
            axis = _("District") if level == "province" else _("Province")
            figures.append(("league", charts.league_figure(
                league_rows, baseline={code: r.sanitation_coverage for code, r in base.items()},
                axis_title=axis, **kw)))
            recent_keys = window(period.year, period.quarter, 4)
            year_ago_children = children.get((period.year - 1, period.quarter), {})
            projections = [project(code, row.unit.name, row, year_ago_children.get(code))
                           for code, row in now_children.items()]
            if level == "province":
                data["tables"].append(_district_league(now_children, base, children, recent_keys))
            else:
                odf_districts = odf_districts_by_province(period.pk, provisional=provisional)
                data["odf_units"] = {"districts": sum(odf_districts.values()), "communes": current.odf_communes,
                                     "villages": current.odf_villages_verified,
                                     "declared": current.odf_villages_declared}
                data["tables"].append(_province_league(now_children, base, children, recent_keys, odf_districts,
                                                       {p.code: p for p in projections}))
                data["progress"] = _progress(current, projection, target_year)
                figures.append(("progress", charts.progress_figure(history, target_year=target_year,
                                                                   rate_per_year=projection.rate, **kw)))
                figures.append(("projection", charts.projection_figure(projections, target_year=target_year, **kw)))
        titles = {"league": _("Sanitation coverage by district") if level == "province"
                  else _("Sanitation coverage by province")}
        data["charts"] = [{"key": key, "json_id": f"figure-{key}", "title": str(titles.get(key) or charts.TITLES[key]),
                           "caption": str(charts.CAPTIONS[key]), "figure": figure,
                           "table": _with_display(charts.figure_table(figure), figure)} for key, figure in figures]
    return data


def _with_display(table, figure):
    """Add the rows as people read them: counts with thousands separators (not years), rates with one decimal."""
    provisional = set(table["provisional"])
    years = figure["layout"].get("meta", {}).get("table") == "projection"

    def show(value):
        if value is None:
            return "—"
        if isinstance(value, float):
            return f"{value:,.1f}"
        return f"{value:{'' if years else ','}}" if isinstance(value, int) else str(value)

    table["display"] = [{"head": show(row[0]), "cells": [show(value) for value in row[1:]],
                         "provisional": row[0] in provisional} for row in table["rows"]]
    return table


def _change(now, before):
    if now is None or before is None:
        return None
    return now - before


def _signed(value, digits=1):
    return "—" if value is None else f"{value:+.{digits}f}"


def _kpis(current, baseline, this_year, projection, target_year):
    received = sum(row.ft_received for row in this_year)
    spent = sum(row.spent_total for row in this_year)
    change = _change(current.sanitation_coverage, baseline.sanitation_coverage if baseline else None)
    gap = _change(current.sanitation_coverage, current.idpoor_coverage)
    year_text = "—" if projection.year is None else str(projection.year)
    return [
        {"key": "coverage", "label": _("Sanitation coverage"), "value": percent(current.sanitation_coverage),
         "note": _("%(change)s points since %(quarter)s") % {
             "change": _signed(change), "quarter": charts.quarter_label(current.period.year - 1, 4)}},
        {"key": "basic", "label": _("Basic sanitation"), "value": percent(current.basic_sanitation),
         "note": _("own improved latrine")},
        {"key": "odf", "label": _("ODF villages (verified)"), "value": count(current.odf_villages_verified),
         "note": _("%(declared)s more declared, not yet verified") % {"declared": count(current.odf_villages_declared)}},
        {"key": "idpoor", "label": _("IDPoor coverage"), "value": percent(current.idpoor_coverage),
         "note": _("gap to all households: %(gap)s points") % {"gap": _signed(gap)}},
        {"key": "budget", "label": _("Budget utilisation, year to date"),
         "value": percent(indicators.budget_utilisation(spent=spent, received=received)),
         "note": _("%(spent)s spent of %(received)s received") % {"spent": money(spent), "received": money(received)}},
        # xgettext:no-python-format
        {"key": "projection", "label": _("100% coverage at the current rate"), "value": year_text,
         "note": _("national target: end of %(year)s") % {"year": target_year}},
    ]


def _completeness(row):
    return {"expected": row.reports_expected, "submitted": row.reports_submitted, "on_time": row.reports_on_time,
            "approved": row.reports_approved, "reporting_rate": percent(row.reporting_completeness, 0),
            "on_time_rate": percent(row.reporting_timeliness, 0)}


def _progress(current, projection, target_year):
    needed = indicators.required_rate_per_year(coverage=current.sanitation_coverage, year=current.period.year,
                                               quarter=current.period.quarter, target_year=target_year)
    on_track = projection.year is not None and projection.year <= target_year
    return {"coverage": percent(current.sanitation_coverage), "rate": _signed(projection.rate),
            "needed": None if needed is None else _signed(needed), "year": projection.year,
            "target_year": target_year, "on_track": on_track}


# --- Tables (cells: text shown, raw value for sorting and CSV) ------------------------------------------------

def _cell(text, raw=None, *, href=None, numeric=True, flag=False):
    return {"text": text, "raw": text if raw is None and not numeric else raw, "href": href, "numeric": numeric,
            "flag": flag}


def _pct_cell(value, flag=False):
    return _cell(percent(value), None if value is None else round(value, 2), flag=flag)


def _count_cell(value, flag=False):
    return _cell(count(value), value, flag=flag)


def _commune_table(district, rows_by_code, district_row):
    """The district's communes in the selected quarter: coverage and ODF status. A commune without a row
    (no report counted) is listed with dashes. One query (the communes)."""
    first_day = district_row.period.bounds[0]
    communes = list(Commune.objects.active_on(first_day).filter(district=district).order_by("code"))
    known = {c.code for c in communes}
    communes += [row.unit for code, row in sorted(rows_by_code.items()) if code not in known]
    flag = charts.has_unapproved(district_row)
    table_rows = []
    for commune in communes:
        row = rows_by_code.get(commune.code)
        if row is None:
            status = _("No data")
        elif row.odf_communes:
            status = _("ODF commune")
        else:
            status = _("%(verified)s of %(villages)s villages verified") % {
                "verified": row.odf_villages_verified, "villages": row.villages_reported}
        table_rows.append([
            _cell(commune.name, href=reverse("districts:commune", args=[commune.code]), numeric=False),
            _count_cell(row.villages_reported if row else None),
            _count_cell(row.households_total if row else None),
            _pct_cell(row.sanitation_coverage if row else None, flag and row is not None),
            _pct_cell(row.basic_sanitation if row else None, flag and row is not None),
            _pct_cell(row.idpoor_coverage if row else None, flag and row is not None),
            _count_cell(row.odf_villages_verified if row else None, flag and row is not None),
            _count_cell(row.odf_villages_declared if row else None, flag and row is not None),
            _cell(status, int(bool(row and row.odf_communes)), numeric=False),
        ])
    table_rows.sort(key=lambda cells: (cells[3]["raw"] is None, -(cells[3]["raw"] or 0)))
    return {"key": "communes", "title": _("Communes"),
            "caption": _("Each commune's figures in the selected quarter. An ODF commune is one whose every reported "
                         "village is verified ODF."),
            "columns": [_("Commune"), _("Villages reported"), _("Households"), _("Sanitation coverage"),
                        _("Basic sanitation"), _("IDPoor coverage"), _("Verified ODF villages"),
                        _("Declared, not yet verified"), _("ODF status")],
            "rows": table_rows}


def _on_time(children, keys, code):
    """Reports on time and expected of one unit over the quarters `keys`."""
    on_time = expected = 0
    for key in keys:
        row = children.get(key, {}).get(code)
        if row is not None:
            on_time += row.reports_on_time
            expected += row.reports_expected
    return on_time, expected


def _report_status(row):
    if row.reports_approved:
        return _("Approved")
    if row.reports_submitted:
        return _("Submitted")
    return _("Not submitted") if row.reports_expected else "—"


def _league_rows(rows_by_code, base):
    return sorted(rows_by_code.items(), key=lambda item: (item[1].sanitation_coverage is None,
                                                          -(item[1].sanitation_coverage or 0), item[0]))


def _district_league(rows_by_code, base, children, keys):
    table_rows = []
    for code, row in _league_rows(rows_by_code, base):
        flag = charts.has_unapproved(row)
        before = base.get(code)
        change = _change(row.sanitation_coverage, before.sanitation_coverage if before else None)
        on_time, expected = _on_time(children, keys, code)
        status = _report_status(row)
        if row.reports_submitted:
            status += " · " + (pgettext("dashboard", "on time") if row.reports_on_time else pgettext("dashboard", "late"))
        table_rows.append([
            _cell(row.unit.name, href=reverse("reports:dashboard_district", args=[code]), numeric=False),
            _pct_cell(row.sanitation_coverage, flag),
            _cell(_signed(change), None if change is None else round(change, 2), flag=flag),
            _count_cell(row.odf_villages_verified, flag),
            _count_cell(row.odf_villages_declared, flag),
            _cell(f"{on_time} / {expected}", on_time - expected),
            _cell(status, numeric=False),
        ])
    return {"key": "league", "title": _("League table of districts"),
            "caption": _("Coverage in the selected quarter and its change since the end of last year (percentage "
                         "points); verified and declared ODF villages; district reports submitted on time in the "
                         "last four quarters; this quarter's report."),
            "columns": [_("District"), _("Sanitation coverage"), _("Change this year"), _("Verified ODF villages"),
                        _("Declared, not yet verified"), _("On time, last 4 quarters"), _("This quarter's report")],
            "rows": table_rows}


def _province_league(rows_by_code, base, children, keys, odf_districts, projections):
    table_rows = []
    for code, row in _league_rows(rows_by_code, base):
        flag = charts.has_unapproved(row)
        before = base.get(code)
        change = _change(row.sanitation_coverage, before.sanitation_coverage if before else None)
        on_time, expected = _on_time(children, keys, code)
        projected = projections.get(code)
        table_rows.append([
            _cell(row.unit.name, href=reverse("reports:dashboard_province", args=[code]), numeric=False),
            _pct_cell(row.sanitation_coverage, flag),
            _cell(_signed(change), None if change is None else round(change, 2), flag=flag),
            _count_cell(row.odf_villages_verified, flag),
            _count_cell(row.odf_communes, flag),
            _count_cell(odf_districts.get(row.province_id, 0), flag),
            _cell(f"{row.reports_submitted} / {row.reports_expected}", row.reports_submitted),
            _pct_cell(indicators.ratio_pct(on_time, expected)),
            _cell("—" if not projected or projected.year is None else str(projected.year),
                  projected.year if projected else None),
        ])
    return {"key": "league", "title": _("League table of provinces"),
            # xgettext:no-python-format
            "caption": _("Coverage in the selected quarter and its change since the end of last year (percentage "
                         "points); ODF villages, communes and districts (every reported village verified); district "
                         "reports submitted this quarter; share of reports on time in the last four quarters; the year "
                         "100% coverage is reached at the current rate."),
            "columns": [_("Province"), _("Sanitation coverage"), _("Change this year"), _("ODF villages"),
                        pgettext("dashboard", "ODF communes"), _("ODF districts"), _("Reports this quarter"),
                        _("On time, last 4 quarters"),
                        # xgettext:no-python-format
                        _("100% coverage in")],
            "rows": table_rows}


def csv_rows(data, name):
    """Header and rows of one chart's or table's numbers for a CSV download; None when there is no such name."""
    for chart in data.get("charts", []):
        if chart["key"] == name:
            table = chart["table"]
            provisional = set(table["provisional"])
            header = list(table["columns"]) + ([_("Provisional")] if data["provisional"] else [])
            body = [list(row) + ([_("yes") if row[0] in provisional else ""] if data["provisional"] else [])
                    for row in table["rows"]]
            return header, body
    for table in data.get("tables", []):
        if table["key"] == name:
            header = list(table["columns"]) + ([_("Provisional")] if data["provisional"] else [])
            body = [[cell["raw"] if cell["numeric"] else cell["text"] for cell in row]
                    + ([_("yes") if any(cell["flag"] for cell in row) else ""] if data["provisional"] else [])
                    for row in table["rows"]]
            return header, body
    return None


__all__ = ["DataState", "Projection", "build", "csv_rows", "load", "project", "unit_rows"]
