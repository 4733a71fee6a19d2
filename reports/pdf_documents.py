"""The three PDF documents: what each prints (context builders). Storing them: reports.pdf_store.

- District quarterly report (the Operational Manual's format): read from the report itself, in
  whatever state it is, marked on every page unless approved. Small: rendered in the request.
- Provincial quarterly summary and national rollup: read from the rollup tables only (approved
  data, or provisional when asked), rendered by a Celery task into a StoredPdf.

A rollup document is collected first (a few queries, no rendering) and digested: the digest covers
every figure and name it prints, so it is the key of its stored PDF. Rendering happens later, in
the task, under the requested language. Rates come from reports.indicators or the rows' indicator
properties; charts from reports.charts (exported to PNG by reports.pdf).
"""
import hashlib
import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from districts.models import Province
from districts.templatetags.portal import count, money, percent

from . import charts, indicators, pdf, review_targets
from .models import (NATIONAL_CODE, CommuneQuarter, DataState, DistrictPlanTarget, DistrictReport,
                     NationalSettings, OdfStatus, PdfKind, ProvincialReport, ReportingPeriod,
                     ReportStatus, Rollup, RollupLevel, Training, VillageQuarter)
from .summary import summarise

logger = logging.getLogger(__name__)

# Part of every stored PDF's key: bump it when a template changes what a stored document shows.
FORMAT_VERSION = 1
TREND_QUARTERS = 12  # quarters shown in trend charts (three years)
LEAGUE_EXTREMES = 15  # districts shown at each end of the national district league table
# Chart sizes in CSS pixels; the print stylesheet fits them to the text column (170 mm wide).
WIDE_CHART, HALF_CHART = (900, 330), (520, 340)

DOCUMENT_TITLES = {
    PdfKind.DISTRICT: gettext_lazy("District quarterly report"),
    PdfKind.PROVINCIAL: gettext_lazy("Provincial quarterly summary"),
    PdfKind.NATIONAL: gettext_lazy("National rollup"),
}


# --- Shared pieces -------------------------------------------------------------------------------------

@dataclass
class Indicator:
    """One line of an indicator table: this quarter, last quarter, the change and the plan target."""

    label: str
    now: object
    before: object = None
    target: object = None
    kind: str = "count"  # count | pct | money
    comparable: bool = True  # False when last quarter's value measures something else (a YTD of last year)
    note: str = ""

    def _format(self, value):
        return {"pct": percent, "money": money}.get(self.kind, count)(value)

    @property
    def now_display(self):
        return self._format(self.now)

    @property
    def before_display(self):
        return self._format(self.before) if self.comparable else "—"

    @property
    def target_display(self):
        return "" if self.target is None else self._format(self.target)

    @property
    def change_display(self):
        """Signed difference: percentage points for rates, the count or amount otherwise."""
        if not self.comparable or self.now is None or self.before is None:
            return "—"
        change = float(self.now) - float(self.before)
        if self.kind == "pct":
            return _("%(change)s pts") % {"change": f"{change:+.1f}"}
        if self.kind == "money":
            return f"{'+' if change >= 0 else '−'}${abs(change):,.2f}"
        return f"{int(change):+,d}"


def page_footer_parts():
    """The translated "Page X of Y" split around its two numbers, which the stylesheet's counters fill in."""
    text = _("Page %(page)s of %(pages)s")
    before, rest = text.split("%(page)s", 1)
    middle, after = rest.split("%(pages)s", 1)
    return {"before": before, "middle": middle, "after": after}


def _common(kind, title, unit_line, period, language, marking=None):
    return {"document_kind": kind, "document_title": title, "unit_line": unit_line, "period": period,
            "marking": marking, "language": language, "generated_at": timezone.localtime(),
            "page_footer": page_footer_parts(), "image_url": {}}


def _rollup_indicators(now, before, *, target=None):
    """The indicator lines of a rollup-like row (saved or not) against the row of the quarter before."""
    b = before

    def value(row, attr):
        return None if row is None else getattr(row, attr)

    return [
        Indicator(_("Households in total"), now.households_total, value(b, "households_total")),
        Indicator(_("Villages reported"), now.villages_reported, value(b, "villages_reported")),
        Indicator(_("Sanitation coverage"), now.sanitation_coverage, value(b, "sanitation_coverage"),
                  target=target.coverage_pct if target else None, kind="pct"),
        Indicator(_("Basic sanitation (own improved latrine)"), now.basic_sanitation, value(b, "basic_sanitation"),
                  kind="pct"),
        Indicator(_("Open defecation"), now.open_defecation, value(b, "open_defecation"), kind="pct"),
        Indicator(_("IDPoor coverage"), now.idpoor_coverage, value(b, "idpoor_coverage"), kind="pct"),
        Indicator(_("Handwashing place with soap and water"), now.handwashing, value(b, "handwashing"), kind="pct"),
        Indicator(_("Latrines built this quarter"), now.latrines_built, value(b, "latrines_built")),
        Indicator(_("ODF villages (verified)"), now.odf_villages_verified, value(b, "odf_villages_verified"),
                  target=target.odf_villages if target else None),
        Indicator(_("Declared ODF, not yet verified"), now.odf_villages_declared, value(b, "odf_villages_declared")),
        Indicator(_("Villages triggered, not yet declared ODF"), now.villages_triggered,
                  value(b, "villages_triggered")),
        Indicator(_("ODF communes"), now.odf_communes, value(b, "odf_communes")),
        Indicator(_("CLTS triggering events this quarter"), now.triggering_events, value(b, "triggering_events")),
    ]


def _digest(*parts):
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def _row_fingerprint(row):
    return [row.level, row.code, row.period_id, row.data_state, *[str(getattr(row, f)) for f in Rollup.SUM_FIELDS]]


def _names(units):
    return sorted([unit.code, unit.name_km, unit.name_latin] for unit in units if unit is not None)


# --- District quarterly report ---------------------------------------------------------------------------

VILLAGE_SUMS = {f: Sum(f) for f in VillageQuarter.COUNT_FIELDS}
VILLAGE_COUNTS = {
    "villages_reported": Count("id"),
    "villages_triggered": Count("id", filter=Q(odf_status=OdfStatus.TRIGGERED)),
    "odf_villages_declared": Count("id", filter=Q(odf_status=OdfStatus.DECLARED)),
    "odf_villages_verified": Count("id", filter=Q(odf_status=OdfStatus.VERIFIED)),
}
ACTIVITY_SUMS = {f: Sum(f) for f in CommuneQuarter.ACTIVITY_FIELDS}
TRAINING_SUMS = {"trainings": Count("id"), "trained_provincial": Sum("participants_provincial"),
                 "trained_district": Sum("participants_district"), "trained_commune": Sum("participants_commune"),
                 "trained_village": Sum("participants_village"), "trained_women": Sum("women")}


def report_rows(report):
    """(district row, [commune rows]) for one report in any state: unsaved Rollup rows with its own sums.

    The rollup tables hold submitted and approved reports only, and a draft must print its own
    figures, so the same sums are taken here from the report's rows (three grouped queries).
    """
    state = DataState.APPROVED if report.status == ReportStatus.APPROVED else DataState.PROVISIONAL
    district = Rollup(level=RollupLevel.DISTRICT, code=report.district.code, period=report.period, data_state=state,
                      district=report.district, province_id=report.district.province_id,
                      reports_expected=1, reports_included=1,
                      reports_approved=int(report.status == ReportStatus.APPROVED))
    communes = {}

    def commune_row(commune):
        if commune.pk not in communes:
            communes[commune.pk] = Rollup(level=RollupLevel.COMMUNE, code=commune.code, period=report.period,
                                          data_state=state, commune=commune, district=report.district,
                                          communes_reported=1)
        return communes[commune.pk]

    commune_objects = {c.pk: c for c in report.district.communes.all()}
    for group in (VillageQuarter.objects.filter(report=report).values("village__commune_id")
                  .annotate(**VILLAGE_SUMS, **VILLAGE_COUNTS).order_by()):
        row = commune_row(commune_objects[group.pop("village__commune_id")])
        for name, value in group.items():
            setattr(row, name, value or 0)
    for group in CommuneQuarter.objects.filter(report=report).values("commune_id").annotate(**ACTIVITY_SUMS).order_by():
        row = commune_row(commune_objects[group.pop("commune_id")])
        for name, value in group.items():
            setattr(row, name, value or 0)
    for row in communes.values():
        row.odf_communes = int(0 < row.villages_reported == row.odf_villages_verified)
        for name in Rollup.SUM_FIELDS:
            if name not in ("reports_expected", "reports_included", "reports_approved"):
                setattr(district, name, getattr(district, name) + getattr(row, name))
    for name, value in Training.objects.filter(report=report).aggregate(**TRAINING_SUMS).items():
        setattr(district, name, value or 0)
    district.dwg_meetings_held = int(bool(report.wg_meeting_held))
    district.dwg_attendance = report.wg_meeting_attendance or 0
    district.dwg_attendance_women = report.wg_meeting_attendance_women or 0
    for name in ("ft_annual_allocation", "ft_received", *DistrictReport.SPENT_FIELDS):
        setattr(district, name, getattr(report, name) or Decimal(0))
    district.spent_total = report.spent_total or Decimal(0)
    return district, sorted(communes.values(), key=lambda row: row.code)


def district_marking(report):
    """What every page of a report that is not approved says about it (None when approved)."""
    return {
        ReportStatus.DRAFT: _("DRAFT — not submitted, not approved"),
        ReportStatus.RETURNED: _("RETURNED FOR CORRECTION — not approved"),
        ReportStatus.SUBMITTED: _("PROVISIONAL — submitted, not yet approved"),
    }.get(report.status)


def _person(user):
    return (user.get_full_name() or user.username) if user else ""


def district_document(report, language):
    """(template name, context, {name: (figure, width, height)}) of a district report, built under `language`.

    About a dozen queries whatever the district's size.
    """
    with translation.override(language):
        period, district = report.period, report.district
        now, commune_rows = report_rows(report)
        previous_period = period.previous()
        previous = (DistrictReport.objects.filter(district=district, period=previous_period)
                    .select_related("period", "district").first() if previous_period else None)
        before = report_rows(previous)[0] if previous else None
        summary = summarise(report)
        before_summary = summarise(previous) if previous and previous_period.year == period.year else None
        target = summary.target
        indicators_table = _rollup_indicators(now, before, target=target)
        indicators_table += [
            Indicator(_("Triggering events, year to date"), summary.triggering_ytd,
                      before_summary.triggering_ytd if before_summary else None,
                      target=target.triggering_events if target else None, comparable=before_summary is not None),
            Indicator(_("Budget spent, year to date"), summary.spent_ytd,
                      before_summary.spent_ytd if before_summary else None, target=target.budget if target else None,
                      kind="money", comparable=before_summary is not None),
            Indicator(_("Budget utilisation, year to date"), summary.utilisation_ytd,
                      before_summary.utilisation_ytd if before_summary else None, kind="pct",
                      comparable=before_summary is not None),
        ]
        odf_villages = list(VillageQuarter.objects.filter(
            report=report, odf_status__in=[OdfStatus.DECLARED, OdfStatus.VERIFIED])
            .select_related("village__commune").order_by("village__commune__code", "village__code"))
        # Villages that became ODF this quarter with their dates; every ODF village by name, one string per
        # commune and status (plain text lays out much faster than a span per village in a long list).
        first_day, last_day = period.bounds
        odf_changes = [row for row in odf_villages
                       if row.odf_status_date and first_day <= row.odf_status_date <= last_day]
        names = {}
        for row in odf_villages:
            names.setdefault(row.village.commune, {}).setdefault(row.odf_status, []).append(row.village.name)
        odf_by_commune = [(commune, ", ".join(by_status.get(OdfStatus.VERIFIED, [])),
                           ", ".join(by_status.get(OdfStatus.DECLARED, []))) for commune, by_status in names.items()]
        trainings = list(report.trainings.all())
        for training in trainings:
            training.men = max(training.participants - training.women, 0)
        trained_total = sum(t.participants for t in trainings)
        attendance, women = report.wg_meeting_attendance, report.wg_meeting_attendance_women
        status_line = report.get_status_display()
        if report.status == ReportStatus.APPROVED and report.approved_at:
            status_line = _("Approved by %(who)s on %(day)s") % {
                "who": _person(report.approved_by), "day": _date(report.approved_at)}
        elif report.status == ReportStatus.SUBMITTED and report.submitted_at:
            status_line = _("Submitted on %(day)s, waiting for review") % {"day": _date(report.submitted_at)}

        # Charts: earlier quarters from the approved rollups, this quarter from the report itself.
        history = list(Rollup.objects.filter(level=RollupLevel.DISTRICT, code=district.code,
                                             data_state=DataState.APPROVED)
                       .filter(Q(period__year__lt=period.year) | Q(period__year=period.year,
                                                                    period__quarter__lt=period.quarter))
                       .select_related("period").order_by("-period__year", "-period__quarter")[:TREND_QUARTERS - 1])
        series = [*reversed(history), now]
        plan = list(DistrictPlanTarget.objects.filter(district=district, year__in={r.period.year for r in series}))
        figures = {
            "coverage": (charts.coverage_figure(series, language=language, plan_targets={
                t.year: t.coverage_pct for t in plan if t.coverage_pct is not None}), *WIDE_CHART),
            "odf": (charts.odf_figure(series, language=language, plan_targets={
                t.year: t.odf_villages for t in plan if t.odf_villages is not None}), *WIDE_CHART),
        }
        context = _common(PdfKind.DISTRICT, DOCUMENT_TITLES[PdfKind.DISTRICT], district.name, period, language,
                          marking=district_marking(report))
        context.update(
            report=report, district=district, province=district.province, status_line=status_line,
            previous_period=previous_period, previous_report=previous, indicators=indicators_table,
            now=now, commune_rows=commune_rows, odf_by_commune=odf_by_commune, odf_changes=odf_changes,
            trainings=trainings, trained_total=trained_total, trained_men=max(trained_total - now.trained_women, 0),
            dwg_men=None if attendance is None or women is None else max(attendance - women, 0), summary=summary,
            budget_lines=[(str(DistrictReport._meta.get_field(f).verbose_name), getattr(report, f))
                          for f in DistrictReport.SPENT_FIELDS],
            utilisation=now.budget_utilisation,
            comments=review_targets.latest_comments(report) if report.status == ReportStatus.RETURNED else [],
            narrative=[(_("Achievements"), report.achievements), (_("Challenges"), report.challenges),
                       (_("Support needed"), report.support_needed),
                       (_("Plan for next quarter"), report.next_quarter_plan)],
            chart_titles={name: charts.TITLES[name] for name in figures},
            chart_captions={name: charts.CAPTIONS[name] for name in figures},
            trend_note=_("Earlier quarters: approved reports. %(period)s: this report, as it stands.") % {
                "period": period.label},
        )
        return "reports/pdf/district.html", context, figures


def render_district(report, language, *, progress=None):
    """The district quarterly report as a pdf.RenderedPdf (charts exported on the way)."""
    template, context, figures = district_document(report, language)
    return _render(template, context, figures, language, progress=progress)


def _render(template, context, figures, language, *, progress=None):
    images = pdf.chart_pngs(figures, progress=progress)
    context["image_url"] = {name: pdf.image_url(f"{name}.png") for name in images}
    return pdf.render_pdf(template, context, language, images={f"{name}.png": png for name, png in images.items()})


def _date(moment):
    from django.utils.formats import date_format

    return date_format(timezone.localtime(moment) if hasattr(moment, "tzinfo") and moment.tzinfo else moment,
                       "DATE_FORMAT")


# --- Rollup documents: provincial summary and national rollup ------------------------------------------

@dataclass
class RollupDocument:
    """Everything a provincial or national PDF prints, read from the rollup tables, before rendering."""

    kind: str
    unit: object  # the Province, or None for the nation
    period: object
    data_state: str
    rows: list = field(default_factory=list)  # this quarter: the unit's row, then its parts' rows
    before: dict = field(default_factory=dict)  # code -> last quarter's row, same levels
    series: dict = field(default_factory=dict)  # code -> [rows oldest first] for trend charts
    baseline: dict = field(default_factory=dict)  # code -> coverage at the end of last year
    commune_rows: dict = field(default_factory=dict)  # district code -> commune rows (provincial)
    reports: dict = field(default_factory=dict)  # district id -> (status, submitted_at) (provincial)
    provincial_report: object = None
    target_year: int = 2025

    @property
    def unit_code(self):
        return NATIONAL_CODE if self.unit is None else self.unit.code

    @property
    def is_provisional(self):
        return self.data_state == DataState.PROVISIONAL

    def digest(self):
        """The stored PDF's key: a digest of every figure and name the document prints."""
        units = [self.unit, *[row.unit for row in self.rows], *[row.unit for rows in self.commune_rows.values()
                                                                   for row in rows]]
        report = self.provincial_report
        return _digest(
            FORMAT_VERSION, self.kind, self.unit_code, self.period.year, self.period.quarter, self.data_state,
            self.target_year, [_row_fingerprint(r) for r in self.rows],
            sorted(_row_fingerprint(r) for r in self.before.values()),
            {code: [_row_fingerprint(r) for r in rows] for code, rows in self.series.items()},
            {code: str(value) for code, value in self.baseline.items()},
            {code: [_row_fingerprint(r) for r in rows] for code, rows in self.commune_rows.items()},
            {str(key): value for key, value in self.reports.items()}, _names(units),
            None if report is None else [report.status, report.achievements, report.challenges,
                                         report.support_needed, report.next_quarter_plan,
                                         [(m.district.code, m.reason) for m in report.missing.all()]],
        )


def _rows(period, data_state, **filters):
    return (Rollup.objects.filter(period=period, data_state=data_state, **filters)
            .select_related("period", "province", "district", "commune").order_by("level", "code"))


def _trend_periods(period):
    earlier = Q(year__lt=period.year) | Q(year=period.year, quarter__lte=period.quarter)
    return list(ReportingPeriod.objects.filter(earlier)
                .order_by("-year", "-quarter")[:TREND_QUARTERS])


def _series(trend_periods, data_state, **filters):
    series = {}
    for row in (Rollup.objects.filter(period__in=trend_periods, data_state=data_state, **filters)
                .select_related("period", "province").order_by("period__year", "period__quarter")):
        series.setdefault(row.code, []).append(row)
    return series


def _baseline(period, data_state, **filters):
    """Coverage of each unit at the end of last year (its Q4 row), for the league charts' dots."""
    return {row.code: row.sanitation_coverage for row in Rollup.objects.filter(
        period__year=period.year - 1, period__quarter=4, data_state=data_state, **filters)}


def collect_provincial(province, period, data_state):
    """The provincial summary's data: the province's and its districts' rows (a handful of queries)."""
    previous = period.previous()
    rows = list(_rows(period, data_state, level=RollupLevel.PROVINCE, code=province.code)) + list(
        _rows(period, data_state, level=RollupLevel.DISTRICT, province=province))
    before = {} if previous is None else {row.code: row for row in _rows(
        previous, data_state, level__in=[RollupLevel.PROVINCE, RollupLevel.DISTRICT], province=province)}
    communes = {}
    for row in _rows(period, data_state, level=RollupLevel.COMMUNE, district__province=province):
        communes.setdefault(row.district.code, []).append(row)
    reports = {r["district_id"]: [r["status"], r["submitted_at"]] for r in DistrictReport.objects.filter(
        period=period, district__province=province).values("district_id", "status", "submitted_at")}
    return RollupDocument(
        kind=PdfKind.PROVINCIAL, unit=province, period=period, data_state=data_state, rows=rows, before=before,
        series=_series(_trend_periods(period), data_state, level=RollupLevel.PROVINCE, code=province.code),
        baseline=_baseline(period, data_state, level=RollupLevel.DISTRICT, province=province),
        commune_rows=communes, reports=reports,
        provincial_report=ProvincialReport.objects.filter(province=province, period=period)
        .prefetch_related("missing__district").first(),
        target_year=NationalSettings.current().target_year)


def collect_national(period, data_state):
    """The national rollup's data: the national, province and district rows (a handful of queries)."""
    previous = period.previous()
    levels = [RollupLevel.NATIONAL, RollupLevel.PROVINCE, RollupLevel.DISTRICT]
    rows = list(_rows(period, data_state, level__in=levels))
    before = {} if previous is None else {row.code: row for row in _rows(previous, data_state, level__in=levels)}
    trend = _trend_periods(period)
    return RollupDocument(
        kind=PdfKind.NATIONAL, unit=None, period=period, data_state=data_state, rows=rows, before=before,
        series=_series(trend, data_state, level__in=[RollupLevel.NATIONAL, RollupLevel.PROVINCE]),
        baseline=_baseline(period, data_state, level=RollupLevel.PROVINCE),
        target_year=NationalSettings.current().target_year)


def collect(kind, unit_code, period, data_state):
    if kind == PdfKind.PROVINCIAL:
        return collect_provincial(Province.objects.get(code=unit_code), period, data_state)
    if kind == PdfKind.NATIONAL:
        return collect_national(period, data_state)
    raise ValueError(f"{kind} documents are not stored")


@dataclass
class UnitSummary:
    """One unit's line in a league or per-unit table."""

    row: object
    before: object
    rank: int = 0
    status: str = ""
    submitted_at: object = None
    chart_name: str = ""

    @property
    def unit(self):
        return self.row.unit

    @property
    def coverage_change(self):
        return Indicator("", self.row.sanitation_coverage,
                         self.before.sanitation_coverage if self.before else None, kind="pct").change_display

    @property
    def odf_share(self):
        """Verified ODF villages out of the villages reported (%)."""
        return indicators.ratio_pct(self.row.odf_villages_verified, self.row.villages_reported)


def _league(rows, before, key=lambda row: row.sanitation_coverage):
    ranked = sorted(rows, key=lambda r: (key(r) is None, -(key(r) or 0), r.code))
    return [UnitSummary(row=row, before=before.get(row.code), rank=rank) for rank, row in enumerate(ranked, 1)]


def rollup_document(document, language):
    """(template name, context, figures) of a provincial or national document, built under `language`."""
    with translation.override(language):
        period, state = document.period, document.data_state
        top_level = RollupLevel.PROVINCE if document.kind == PdfKind.PROVINCIAL else RollupLevel.NATIONAL
        main = next((r for r in document.rows if r.level == top_level), None)
        if main is None:  # a quarter never rolled up: print zeros rather than fail
            main = Rollup(level=top_level, code=document.unit_code, period=period, data_state=state,
                          province=document.unit if document.unit else None)
        before = document.before
        series = document.series.get(document.unit_code, [])
        year_rows = [r for r in series if r.period.year == period.year]
        figures = {
            "coverage": (charts.coverage_figure(series, language=language, goal_year=document.target_year),
                         *WIDE_CHART),
            "odf": (charts.odf_figure(series, language=language), *HALF_CHART),
            "reporting": (charts.reporting_figure(series, language=language), *HALF_CHART),
            "budget": (charts.budget_figure(year_rows, language=language), *HALF_CHART),
        }
        marking = _("PROVISIONAL — includes reports submitted but not yet approved") if document.is_provisional \
            else None
        title = DOCUMENT_TITLES[document.kind]
        unit_line = document.unit.name if document.unit else _("Cambodia")
        context = _common(document.kind, title, unit_line, period, language, marking=marking)
        context.update(
            document=document, main=main, previous_period=period.previous(),
            indicators=_rollup_indicators(main, before.get(main.code)),
            activities=_activity_lines(main, before.get(main.code)),
            budget_ytd=_budget_ytd(year_rows, main), data_note=(
                _("Provisional data: reports submitted and waiting for review are counted with the approved ones.")
                if document.is_provisional else _("Approved reports only.")),
            completeness_rate=main.reporting_completeness, timeliness_rate=main.reporting_timeliness,
        )
        districts = [r for r in document.rows if r.level == RollupLevel.DISTRICT]
        if document.kind == PdfKind.PROVINCIAL:
            league = _league(districts, before)
            for line in league:
                line.status, line.submitted_at = document.reports.get(line.row.district_id, ["", None])
                line.status = ReportStatus(line.status).label if line.status else _("Not started")
            figures["league"] = (charts.league_figure(districts, language=language, baseline=document.baseline,
                                                      axis_title=_("District")), *_league_size(districts))
            context.update(
                province=document.unit, league=league, provincial_report=document.provincial_report,
                completeness=sorted(league, key=lambda line: line.row.code),
                district_pages=[(line, _rollup_indicators(line.row, line.before),
                                 _league(document.commune_rows.get(line.row.code, []), {}))
                                for line in sorted(league, key=lambda line: line.row.code)],
                narrative=_provincial_narrative(document.provincial_report))
        else:
            provinces = [r for r in document.rows if r.level == RollupLevel.PROVINCE]
            by_province = {}
            for row in districts:
                by_province.setdefault(row.province_id, []).append(row)
            # Top and bottom: districts with figures only (a district without a counted report has no rate).
            district_league = _league([r for r in districts if r.sanitation_coverage is not None], before)
            figures["league"] = (charts.league_figure(provinces, language=language, baseline=document.baseline,
                                                      axis_title=_("Province")), *_league_size(provinces))
            province_pages = []
            province_league = _league(provinces, before)
            for line in sorted(province_league, key=lambda line: line.row.code):
                code = line.row.code
                line.chart_name = f"province-{code}"
                figures[line.chart_name] = (charts.coverage_figure(document.series.get(code, []), language=language),
                                            900, 260)
                province_pages.append((line, _rollup_indicators(line.row, line.before)[:12],
                                       _league(by_province.get(line.row.province_id, []), before)))
            context.update(
                province_league=province_league, completeness=sorted(province_league, key=lambda l: l.row.code),
                odf_league=_league(provinces, before, key=lambda row: indicators.ratio_pct(
                    row.odf_villages_verified, row.villages_reported)),
                top_districts=district_league[:LEAGUE_EXTREMES],
                bottom_districts=district_league[-LEAGUE_EXTREMES:] if len(district_league) > 2 * LEAGUE_EXTREMES
                else [], district_count=len(district_league), province_pages=province_pages,
                districts_without_data=len(districts) - len(district_league))
        context.update(chart_titles={name: charts.TITLES.get(name.split("-")[0], "") for name in figures},
                       chart_captions={name: charts.CAPTIONS.get(name.split("-")[0], "") for name in figures})
        return f"reports/pdf/{document.kind}.html", context, figures


def _league_size(rows):
    """Width and height (px) of a league chart: as the builder sizes it, one bar per unit."""
    return 900, max(260, 60 + 24 * len(rows))


def _activity_lines(now, before):
    def value(attr):
        return None if before is None else getattr(before, attr)

    return [
        Indicator(_("CLTS triggering events"), now.triggering_events, value("triggering_events")),
        Indicator(_("Triggering participants: women"), now.triggering_women, value("triggering_women")),
        Indicator(_("Triggering participants: men"), now.triggering_men, value("triggering_men")),
        Indicator(_("BCC sessions"), now.bcc_sessions, value("bcc_sessions")),
        Indicator(_("BCC participants: women"), now.bcc_women, value("bcc_women")),
        Indicator(_("BCC participants: men"), now.bcc_men, value("bcc_men")),
        Indicator(_("Commune working-group meetings"), now.cwg_meetings, value("cwg_meetings")),
        Indicator(_("District working-group meetings held"), now.dwg_meetings_held, value("dwg_meetings_held")),
        Indicator(_("Trainings"), now.trainings, value("trainings")),
        Indicator(_("People trained: women"), now.trained_women, value("trained_women")),
        Indicator(_("Budget received"), now.ft_received, value("ft_received"), kind="money"),
        Indicator(_("Budget spent"), now.spent_total, value("spent_total"), kind="money"),
        Indicator(_("Budget utilisation"), now.budget_utilisation, value("budget_utilisation"), kind="pct"),
    ]


def _budget_ytd(year_rows, main):
    received = sum((r.ft_received for r in year_rows), Decimal(0))
    spent = sum((r.spent_total for r in year_rows), Decimal(0))
    return {"received": received, "spent": spent,
            "utilisation": indicators.budget_utilisation(spent=spent, received=received)}


def _provincial_narrative(report):
    if report is None:
        return []
    return [(_("Achievements"), report.achievements), (_("Challenges"), report.challenges),
            (_("Support needed"), report.support_needed), (_("Plan for next quarter"), report.next_quarter_plan)]


def render_rollup_document(document, language, *, progress=None):
    template, context, figures = rollup_document(document, language)
    return _render(template, context, figures, language, progress=progress)
