"""The dashboards' read path: rollup rows per unit and quarter, league tables, projections, the cache.

Reads reports.rollups.models.Rollup (and the gazetteer for names) and, for the ODF funnel, the ODF
verification records: never village rows or reports. A dashboard costs a fixed number of queries
whatever the number of units below it:

  1. every quarter's row of the unit (its trend, the quarter picker and the cache version);
  2. on a cache miss, the rows of the units one level down for the window of five quarters
     ending at the selected one (this quarter, the end of last year, a year ago), in one query;
  3. on a cache miss, for the nation, ODF districts per province (one grouped query);
  3a. on a cache miss, the district rows of this quarter, the end of last year and a year ago, for changes and
     projections over the same districts (reports.rollups.comparisons), and, when some expected district has
     no figures at all, their names (reports.rollups.basis);
  4. for a district, its communes (to list those without data) and its plan targets; for a province and
     the nation, the scorecard's weights (in the cache key); on a cache miss for the nation, the district rows
     of the five quarters (its scorecard and recognition list);
  5. on a cache miss, the quarter's ODF funnel from the verification records (reports.odf.funnel: twelve queries
     whatever the number of units, up to nine more for a province or the nation: what became ODF). Every ODF step
     schedules the rebuild of its district-quarter's rollups, which changes the cache key below; a change of the
     MRD's re-verification period shows once the cache expires.

The built dashboard (figures, tables, KPIs: plain data) is cached per (level, unit, quarter,
data state, language) under a key that also holds the version of the rows read: the latest
built_at and the count of the unit's rows. Every rollup rebuild that touches a unit's quarter
rewrites that unit's own row with a new built_at (a district rebuild rewrites its district,
province and national rows), and a deleted row changes the count, so a changed rollup is never
served from the cache; settings that change figures (target year, plan targets) are in the key too.
"""

import functools
import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from districts.templatetags.portal import count, money, percent
from reports import indicators, quarters
from reports.dashboards import figures as charts
from reports.dashboards import odf_parts, tables
from reports.dashboards.captions import CAPTIONS, TITLES
from reports.dashboards.models import ScorecardWeights
from reports.models import DistrictPlanTarget, NationalSettings
from reports.odf import funnel as odf_funnel
from reports.rollups import basis as row_basis
from reports.rollups import comparisons
from reports.rollups.models import Rollup, RollupLevel

CACHE_FORMAT = 7  # bump when the cached structure changes
CHILD_LEVEL = {"district": RollupLevel.COMMUNE, "province": RollupLevel.DISTRICT, "national": RollupLevel.PROVINCE}
RECENT_QUARTERS = 8  # bar charts show the last two years
PROJECTION_HORIZON = 50  # years: a later projected year is shown as "not at the current rate"


def cache_seconds():
    return getattr(settings, "DASHBOARD_CACHE_SECONDS", 6 * 60 * 60)


# --- Reading ---------------------------------------------------------------------------------------------


def unit_rows(unit, *, provisional):
    """Every quarter's rollup row of `unit` (a District or Province; None: the nation) in one data state,
    oldest first, with its period. One query."""
    return list(
        Rollup.objects.for_unit(unit)
        .for_state(provisional)
        .select_related("period")
        .order_by("period__year", "period__quarter")
    )


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
    period_ids = [row.period_id for row in rows[: index + 1] if (row.period.year, row.period.quarter) in keys]
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
    """{province id: districts whose every reported village is verified ODF in the quarterly reports} (the league
    table's "Districts reported ODF", not the certified count). One grouped query."""
    return dict(
        Rollup.objects.for_state(provisional)
        .filter(
            level=RollupLevel.DISTRICT,
            period_id=period_id,
            villages_reported__gt=0,
            odf_villages_verified=F("villages_reported"),
        )
        .values("province_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("province_id", "n")
    )


def plan_targets(district):
    """{year: DistrictPlanTarget} of a district. One query."""
    return {t.year: t for t in DistrictPlanTarget.objects.filter(district=district)}


# --- Projections ------------------------------------------------------------------------------------------


@dataclass
class Projection:
    code: str
    name: str
    coverage: float | None
    rate: float | None  # percentage points a year, over the last four quarters, like with like
    year: int | None  # the year 100% is reached at that rate
    reason: str = field(default="")  # why there is no projection, when the data cannot carry one

    @property
    def coverage_label(self):
        return percent(self.coverage)

    @property
    def rate_label(self):
        return "—" if self.rate is None else f"{self.rate:+.1f}"


def project(code, name, now, comparison):
    """The projection of one unit from its row of the selected quarter and the comparison of the same
    districts a year before (comparisons.Comparison, None when there is no year-earlier quarter). No
    projection when fewer than half of the compared districts reported in either quarter: it says so."""
    coverage = now.sanitation_coverage if now else None
    if comparison is None or comparison.common == 0:
        return Projection(code=code, name=name, coverage=coverage, rate=None, year=None)
    if not comparison.rests_on_reports and comparison.common == 1:
        reason = _("Not projected: the figures of this quarter or a year before are carried forward, not reported.")
        return Projection(code=code, name=name, coverage=coverage, rate=None, year=None, reason=reason)
    if not comparison.rests_on_reports:
        reason = _("Not projected: fewer than half of the districts reported in this quarter or a year before.")
        return Projection(code=code, name=name, coverage=coverage, rate=None, year=None, reason=reason)
    rate = comparison.change
    year = None
    if now is not None:
        year = indicators.projected_full_coverage_year(
            coverage=coverage, rate_per_year=rate, year=now.period.year, quarter=now.period.quarter
        )
        if year is not None and year > now.period.year + PROJECTION_HORIZON:
            year = None
    return Projection(code=code, name=name, coverage=coverage, rate=rate, year=year)


# --- Building a dashboard ------------------------------------------------------------------------------------


def load(level, unit, *, provisional=False, year=None, quarter=None):
    """The dashboard of `unit` at `level` ("district", "province" or "national" with unit None) for the
    selected quarter (default: the latest with reports counted), built under the active language or
    taken from the cache. Returns a dict of plain data (see build()); Http404 for a quarter without data.

    Queries: see the module docstring (3 to 6, and 12 for the ODF funnel on a cache miss; none per unit).
    """
    rows = unit_rows(unit, provisional=provisional)
    target_year = NationalSettings.current().target_year
    targets = plan_targets(unit) if level == "district" else {}
    weights = ScorecardWeights.current().as_dict() if level != "district" else None
    if not rows:
        return {
            "empty": True,
            "level": level,
            "provisional": provisional,
            "periods": [],
            "target_year": target_year,
            "cache_key": None,
        }
    index = select_index(rows, year, quarter)
    language = translation.get_language()
    version = (max(row.built_at for row in rows).isoformat(), len(rows))
    target_key = sorted((y, str(t.coverage_pct), t.odf_villages, str(t.updated_at)) for y, t in targets.items())
    key = (
        "dashboard:"
        + hashlib.sha256(
            repr(
                (
                    CACHE_FORMAT,
                    level,
                    unit.code if unit else "KH",
                    rows[index].period_id,
                    provisional,
                    language,
                    version,
                    target_year,
                    target_key,
                    weights,
                    odf_funnel.records_version(),  # the funnel and recognition come from the ODF records
                )
            ).encode()
        ).hexdigest()
    )
    seconds = cache_seconds()
    data = cache.get(key) if seconds else None
    if data is None:
        selection = Selection(
            level=level,
            unit=unit,
            rows=rows,
            index=index,
            provisional=provisional,
            target_year=target_year,
            targets=targets,
            language=language,
            weights=weights,
        )
        data = build(selection, child_rows(level, unit, rows, index, provisional=provisional))
        data["cache_key"] = key if seconds else None
        if seconds:
            cache.set(key, data, seconds)
    return data


@dataclass
class Selection:
    """What one dashboard shows: a unit (None: the nation) at a level, its rows in one data state, the
    selected quarter's index among them, and the settings that change figures."""

    level: str
    unit: object
    rows: list
    index: int
    provisional: bool
    target_year: int
    targets: dict
    language: str
    weights: dict | None = None  # the scorecard's (provinces and the nation)

    @property
    def current(self):
        return self.rows[self.index]

    @property
    def history(self):
        """The unit's rows up to the selected quarter."""
        return self.rows[: self.index + 1]

    def rows_of_year(self, year, *, up_to_quarter=4):
        return [row for row in self.history if row.period.year == year and row.period.quarter <= up_to_quarter]

    def row_of(self, year, quarter):
        return next((row for row in self.history if (row.period.year, row.period.quarter) == (year, quarter)), None)

    @functools.cached_property
    def _comparisons(self):
        """{period id: {key: Comparison}} of the selected quarter with Q4 of last year and with a year before,
        over the same districts (reports.rollups.comparisons). One query."""
        period = self.current.period
        scope = {"district": self.unit} if self.level == "district" else {}
        if self.level == "province":
            scope = {"province": self.unit}
        then = [self.row_of(period.year - 1, 4), self.row_of(period.year - 1, period.quarter)]
        return comparisons.coverage_between(
            self.current.period_id, [row.period_id for row in then if row], provisional=self.provisional, **scope
        )

    def _compared_with(self, year, quarter):
        row = self.row_of(year, quarter)
        return self._comparisons.get(row.period_id, {}) if row else {}

    @property
    def since_last_year_end(self):
        """{None: the unit's Comparison with Q4 of last year; province id: each province's (nation)}."""
        return self._compared_with(self.current.period.year - 1, 4)

    @property
    def since_a_year_ago(self):
        """{None: the unit's Comparison with the same quarter a year before; province id: each province's}."""
        return self._compared_with(self.current.period.year - 1, self.current.period.quarter)

    @functools.cached_property
    def basis(self):
        """The selected quarter's basis (reports.rollups.basis.Basis)."""
        return row_basis.of_row(self.current)


def build(selection, children):
    """Everything a dashboard shows, as plain data (cacheable, language-specific):

    periods (for the picker), kpis, charts [{key, title, caption, figure, table}], tables
    [{key, title, caption, columns, rows}], and for provinces and the nation completeness,
    projections and (nation) ODF units. `children`: child_rows() of the selection.
    """
    period = selection.current.period
    figures = _trend_figures(selection)
    with translation.override(selection.language):
        data = _header(selection)
        if selection.level == "district":
            data["tables"].append(
                tables.commune_table(selection.unit, children.get((period.year, period.quarter), {}), selection.current)
            )
        else:
            figures += _add_units_below(data, selection, children)
        figures.append(_add_odf(data, selection, children))
        data["charts"] = _charts(selection, figures, children)
    return data


def _add_odf(data, selection, children):
    """The ODF parts (reports.dashboards.odf_parts) into `data`: the funnel everywhere; for a district and a province
    the units ODF today with their certificates; for a province and the nation the district scorecard and the
    recognition list. Returns the funnel chart's (key, figure)."""
    period, level = selection.current.period, selection.level
    # The nation's funnel is read by district (for its scorecard) and grouped by province for its table and chart.
    found = odf_funnel.funnel(
        level,
        selection.unit,
        period.year,
        period.quarter,
        newly=level != "district",
        by="district" if level == "national" else None,
    )
    figure = odf_parts.add_funnel(
        data, odf_funnel.by_province(found) if level == "national" else found, language=selection.language
    )
    if level != "national":
        data["odf_certificates"] = odf_parts.certificates_today(level, selection.unit)
    if level == "district":
        return figure
    recent = window(period.year, period.quarter, 4)
    if level == "national":
        keys = set(window(period.year, period.quarter))
        period_ids = [r.period_id for r in selection.history if (r.period.year, r.period.quarter) in keys]
        children = odf_parts.national_district_rows(period_ids, provisional=selection.provisional)
    data["tables"].append(odf_parts.scorecard_table(period, children, found, selection.weights or {}, recent))
    data["recognition"] = odf_parts.recognition_data(period, children, found, recent)
    return figure


def _trend_figures(selection):
    """[(key, figure)] of the charts every level shows."""
    period, history, kw = selection.current.period, selection.history, {"language": selection.language}
    targets = selection.targets
    this_year = selection.rows_of_year(period.year)
    last_year = selection.rows_of_year(period.year - 1, up_to_quarter=period.quarter)
    recent = history[-RECENT_QUARTERS:]
    return [
        (
            "coverage",
            charts.coverage_figure(
                history,
                goal_year=selection.target_year,
                plan_targets={y: t.coverage_pct for y, t in targets.items() if t.coverage_pct is not None},
                **kw,
            ),
        ),
        (
            "odf",
            charts.odf_figure(
                history,
                plan_targets={y: t.odf_villages for y, t in targets.items() if t.odf_villages is not None},
                **kw,
            ),
        ),
        ("idpoor", charts.idpoor_figure(history, **kw)),
        ("triggering", charts.triggering_figure(recent, **kw)),
        ("training", charts.training_figure(this_year, last_year, year=period.year, **kw)),
        ("budget", charts.budget_figure(this_year, **kw)),
    ]


def _header(selection):
    """The dashboard's identity, its quarter picker and KPIs (under the active language)."""
    current, period, history = selection.current, selection.current.period, selection.history
    code = "KH" if selection.unit is None else selection.unit.code
    projection = project(code, "", current, selection.since_a_year_ago.get(comparisons.NATION))
    basis = selection.basis
    return {
        "empty": False,
        "level": selection.level,
        "provisional": selection.provisional,
        "target_year": selection.target_year,
        "period_id": period.pk,
        "year": period.year,
        "quarter": period.quarter,
        "period_label": str(period.label),
        "selected": f"{period.year}Q{period.quarter}",
        # The query that selects this dashboard again: links and CSVs carry it.
        "query": f"?quarter={period.year}Q{period.quarter}" + ("&provisional=1" if selection.provisional else ""),
        "baseline_label": charts.quarter_label(period.year - 1, 4),
        # Every quarter stays selectable; one without a single report counted says so.
        "periods": [
            {
                "value": f"{r.period.year}Q{r.period.quarter}",
                "label": str(r.period.label)
                if r.reports_included
                else _("%(quarter)s (no reports)") % {"quarter": r.period.label},
            }
            for r in reversed(selection.rows)
        ],
        "unapproved": any(charts.has_unapproved(r) for r in history),
        "current_unapproved": charts.has_unapproved(current),
        "basis": {
            "stock": basis.stock_sentence(),
            "flow": basis.flow_sentence() if selection.level != "district" else "",
            "without_figures": basis.without_figures_sentence(),
            "partial": basis.is_partial,
        },
        "kpis": _kpis(
            current,
            selection.since_last_year_end.get(comparisons.NATION),
            selection.rows_of_year(period.year),
            projection,
            selection.target_year,
            basis,
        ),
        "tables": [],
    }


def _add_units_below(data, selection, children):
    """For a province or the nation: completeness, the league table of the units below (and, for the nation,
    progress to the target year) into `data`. Returns the extra [(key, figure)]."""
    current, period, kw = selection.current, selection.current.period, {"language": selection.language}
    now_children = children.get((period.year, period.quarter), {})
    base = children.get((period.year - 1, 4), {})
    recent_keys = window(period.year, period.quarter, 4)
    data["completeness"] = _completeness(current)
    figures = [
        ("reporting", charts.reporting_figure(selection.history[-RECENT_QUARTERS:], **kw)),
        (
            "league",
            charts.league_figure(
                list(now_children.values()),
                baseline=_league_baseline(selection, now_children, base),
                axis_title=_("District") if selection.level == "province" else _("Province"),
                **kw,
            ),
        ),
    ]
    if selection.level == "province":
        data["tables"].append(tables.district_league(now_children, base, children, recent_keys))
        return figures
    a_year_ago = selection.since_a_year_ago
    projections = [
        project(code, row.unit.name, row, a_year_ago.get(row.province_id)) for code, row in now_children.items()
    ]
    projection = project("KH", "", current, a_year_ago.get(comparisons.NATION))
    # The reports' own ODF counts stay in the league table, named as such: the official ODF communes and districts
    # are the certified ones (the ODF parts), and one page never shows two numbers under one name.
    odf_districts = odf_districts_by_province(period.pk, provisional=selection.provisional)
    data["tables"].append(
        tables.province_league(
            now_children,
            selection.since_last_year_end,
            children,
            recent_keys,
            odf_districts,
            {p.code: p for p in projections},
        )
    )
    data["progress"] = _progress(current, projection, selection.target_year)
    return figures + [
        (
            "progress",
            charts.progress_figure(
                selection.history, target_year=selection.target_year, rate_per_year=projection.rate, **kw
            ),
        ),
        ("projection", charts.projection_figure(projections, target_year=selection.target_year, **kw)),
    ]


def _league_baseline(selection, now_children, base):
    """{code: coverage at the end of last year} for the league chart. Districts: their own rows. Provinces: the
    coverage now less the change over the districts with figures in both quarters (like with like)."""
    if selection.level == "province":
        return {code: r.sanitation_coverage for code, r in base.items()}
    since = selection.since_last_year_end
    baseline = {}
    for code, row in now_children.items():
        compared = since.get(row.province_id)
        if compared and compared.change is not None and row.sanitation_coverage is not None:
            baseline[code] = row.sanitation_coverage - compared.change
    return baseline


# Charts of flows (the quarter's own reports only): their points say how many districts reported.
FLOW_CHARTS = {"triggering", "training", "budget", "reporting"}


def _charts(selection, figures, children=None):
    titles = {
        "league": _("Sanitation coverage by district")
        if selection.level == "province"
        else _("Sanitation coverage by province")
    }
    period = selection.current.period
    by_category = {charts.quarter_label(r.period.year, r.period.quarter): r for r in selection.history}
    units_now = {row.unit.name: row for row in (children or {}).get((period.year, period.quarter), {}).values()}
    built = []
    for key, figure in figures:
        rows = units_now if key in ("league", "projection") else by_category
        table = charts.figure_table(figure)
        _add_basis(table, figure, rows, flow=key in FLOW_CHARTS)
        built.append(
            {
                "key": key,
                "json_id": f"figure-{key}",
                "title": str(titles.get(key) or TITLES[key]),
                "caption": str(CAPTIONS[key]),
                "figure": figure,
                "table": _with_display(table, figure),
            }
        )
    return built


def _add_basis(table, figure, rows, *, flow):
    """Add what each of a chart's points rests on, from the rollup row behind it (a quarter of the unit, or a unit
    below): `table["basis"]` (shown), `table["basis_csv"]` (CSV columns) and the same in the first trace's hover
    text, so a point carried forward says so. Points without a row (projected quarters) get nothing."""
    texts, values = [], []
    for category, *_numbers in table["rows"]:
        row = rows.get(category)
        if row is None:
            texts.append("")
            values.append(["", "", ""])
            continue
        found = row_basis.of_row(row, names=False)
        if flow and found.level not in (RollupLevel.COMMUNE, RollupLevel.DISTRICT):
            texts.append(
                _("%(reported)s of %(expected)s reported") % {"reported": found.reported, "expected": found.expected}
            )
        else:
            texts.append(found.short_stock())
        values.append(found.csv_values())
    table["basis"], table["basis_csv"] = texts, values
    if not any(texts) or not figure["data"]:
        return
    by_category = dict(zip((row[0] for row in table["rows"]), texts, strict=True))
    trace = figure["data"][0]
    horizontal = trace.get("orientation") == "h"
    categories = trace.get("y" if horizontal else "x") or []
    trace["customdata"] = [by_category.get(category, "") for category in categories]
    if "hovertemplate" in trace:
        trace["hovertemplate"] = trace["hovertemplate"].replace("<extra>", "<br>%{customdata}<extra>", 1)


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

    basis = table.get("basis") or [""] * len(table["rows"])
    table["display"] = [
        {
            "head": show(row[0]),
            "cells": [show(value) for value in row[1:]],
            "provisional": row[0] in provisional,
            "basis": text,
        }
        for row, text in zip(table["rows"], basis, strict=True)
    ]
    return table


def _kpis(current, since, this_year, projection, target_year, basis):
    """The KPI cards. `since`: the Comparison with Q4 of last year (same districts); `basis`: the quarter's."""
    received = sum(row.ft_received for row in this_year)
    spent = sum(row.spent_total for row in this_year)
    gap = tables.difference(current.sanitation_coverage, current.idpoor_coverage)
    year_text = "—" if projection.year is None else str(projection.year)
    since_label = charts.quarter_label(current.period.year - 1, 4)
    change_note = _("%(change)s points since %(quarter)s") % {
        "change": tables.signed(since.change if since else None),
        "quarter": since_label,
    }
    if since and since.left_out:
        change_note = ngettext(
            "%(change)s points since %(quarter)s, over the %(count)s district with figures in both",
            "%(change)s points since %(quarter)s, over the %(count)s districts with figures in both",
            since.common,
        ) % {"change": tables.signed(since.change), "quarter": since_label, "count": since.common}
    stock = basis.short_stock()
    flow = ngettext(
        "%(reported)s of %(expected)s district reported",
        "%(reported)s of %(expected)s districts reported",
        basis.expected,
    ) % {"reported": basis.reported, "expected": basis.expected}
    return [
        {
            "key": "coverage",
            "label": _("Sanitation coverage"),
            "value": percent(current.sanitation_coverage),
            "note": change_note,
            "basis": stock,
        },
        {
            "key": "basic",
            "label": _("Basic sanitation"),
            "value": percent(current.basic_sanitation),
            "note": _("own improved latrine"),
            "basis": stock,
        },
        {
            "key": "odf",
            "label": _("ODF villages (verified)"),
            "value": count(current.odf_villages_verified),
            "note": _("%(declared)s more declared, not yet verified")
            % {"declared": count(current.odf_villages_declared)},
            "basis": stock,
        },
        {
            "key": "idpoor",
            "label": _("IDPoor coverage"),
            "value": percent(current.idpoor_coverage),
            "note": _("gap to all households: %(gap)s points") % {"gap": tables.signed(gap)},
            "basis": stock,
        },
        {
            "key": "budget",
            "label": _("Budget utilisation, year to date"),
            "value": percent(indicators.budget_utilisation(spent=spent, received=received)),
            "note": _("%(spent)s spent of %(received)s received")
            % {"spent": money(spent), "received": money(received)},
            "basis": flow if basis.level != RollupLevel.DISTRICT else "",
        },
        {
            "key": "projection",
            # xgettext:no-python-format
            "label": _("100% coverage at the current rate"),
            "value": year_text,
            "note": projection.reason or _("national target: end of %(year)s") % {"year": target_year},
            "basis": "",
        },
    ]


def _completeness(row):
    return {
        "expected": row.reports_expected,
        "submitted": row.reports_submitted,
        "on_time": row.reports_on_time,
        "approved": row.reports_approved,
        "reporting_rate": percent(row.reporting_completeness, 0),
        "on_time_rate": percent(row.reporting_timeliness, 0),
    }


def _progress(current, projection, target_year):
    needed = indicators.required_rate_per_year(
        coverage=current.sanitation_coverage,
        year=current.period.year,
        quarter=current.period.quarter,
        target_year=target_year,
    )
    on_track = projection.year is not None and projection.year <= target_year
    return {
        "coverage": percent(current.sanitation_coverage),
        "rate": tables.signed(projection.rate),
        "needed": None if needed is None else tables.signed(needed),
        "year": projection.year,
        "target_year": target_year,
        "on_track": on_track,
    }
