"""The provincial quarterly summary and the national rollup as PDFs.

Read from the rollup tables (approved data, or provisional when asked) and, for the ODF funnel, the ODF
verification records (reports.odf.funnel, whatever the data state), and rendered by a Celery
task into a StoredPdf (store.py, rendering.py). A document is collected first (a handful of queries,
no rendering) and digested: the digest covers every figure and name it prints, so it is the key of
its stored PDF. Rendering happens later, in the task, under the requested language.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from districts.models import Province
from reports import indicators
from reports.dashboards import figures as charts
from reports.dashboards import recognition, scorecard
from reports.dashboards.captions import CAPTIONS, TITLES
from reports.dashboards.models import ScorecardWeights
from reports.documents import comparisons, numbering, official_form
from reports.documents.common import (
    DOCUMENT_TITLES,
    FORMAT_VERSION,
    HALF_CHART,
    LEAGUE_EXTREMES,
    PROVINCE_CHART,
    TREND_QUARTERS,
    WIDE_CHART,
    Indicator,
    IndicatorTable,
    common_context,
    compared,
    digest,
    render_with_charts,
    rollup_indicators,
    row_fingerprint,
    unit_names,
)
from reports.documents.models import PdfKind
from reports.models import DistrictReport, NationalSettings, ProvincialReport, ReportingPeriod, ReportStatus
from reports.odf import funnel
from reports.rollups import basis as rollup_basis
from reports.rollups.models import NATIONAL_CODE, DataState, Rollup, RollupLevel


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
    khmer_digits: bool = True  # NationalSettings: the letterhead's digits in Khmer documents
    odf_funnel: object = None  # reports.odf.funnel.Funnel of the quarter by district (the nation's too)
    district_history: dict = field(default_factory=dict)  # code -> district rows of the last four quarters
    weights: dict = field(default_factory=dict)  # the district scorecard's (ScorecardWeights)
    district_baseline: dict = field(default_factory=dict)  # district code -> coverage at the end of last year

    @property
    def unit_code(self):
        return NATIONAL_CODE if self.unit is None else self.unit.code

    @property
    def is_provisional(self):
        return self.data_state == DataState.PROVISIONAL

    @cached_property
    def district_rows(self):
        """This quarter's district rows (all of the document's districts)."""
        return [row for row in self.rows if row.level == RollupLevel.DISTRICT]

    @cached_property
    def district_rows_before(self):
        """Last quarter's district rows."""
        return [row for row in self.before.values() if row.level == RollupLevel.DISTRICT]

    def comparability(self, row):
        """comparisons.Comparability of a row of this quarter with its unit's row of last quarter."""
        return comparisons.comparability(row, self.before.get(row.code), self.district_rows, self.district_rows_before)

    def basis(self, row):
        """The rollups.basis.Basis of a row, its districts without figures named from the district rows (no query)."""
        found = rollup_basis.of_row(row, names=False)
        if row.level in (RollupLevel.PROVINCE, RollupLevel.NATIONAL):
            found.without_figures = [
                r.unit.name
                for r in sorted(self.district_rows, key=lambda r: r.code)
                if (row.level == RollupLevel.NATIONAL or r.province_id == row.province_id)
                and r.reports_expected
                and not r.reports_included
                and r.carried_since is None
            ]
        return found

    def digest(self):
        """The stored PDF's key: a digest of every figure and name the document prints."""
        units = [
            self.unit,
            *[row.unit for row in self.rows],
            *[row.unit for rows in self.commune_rows.values() for row in rows],
        ]
        report = self.provincial_report
        return digest(
            FORMAT_VERSION,
            self.kind,
            self.unit_code,
            self.period.year,
            self.period.quarter,
            self.data_state,
            self.target_year,
            self.khmer_digits,
            [row_fingerprint(r) for r in self.rows],
            sorted(row_fingerprint(r) for r in self.before.values()),
            {code: [row_fingerprint(r) for r in rows] for code, rows in self.series.items()},
            {code: str(value) for code, value in self.baseline.items()},
            {code: [row_fingerprint(r) for r in rows] for code, rows in self.commune_rows.items()},
            {str(key): value for key, value in self.reports.items()},
            unit_names(units),
            _funnel_digest(self.odf_funnel),
            {code: [row_fingerprint(r) for r in rows] for code, rows in self.district_history.items()},
            self.weights,
            {code: str(value) for code, value in self.district_baseline.items()},
            None
            if report is None
            else [
                report.status,
                report.achievements,
                report.challenges,
                report.support_needed,
                report.next_quarter_plan,
                [(m.district.code, m.reason) for m in report.missing.all()],
            ],
        )


def _rows(period, data_state, **filters):
    return (
        Rollup.objects.filter(period=period, data_state=data_state, **filters)
        .select_related("period", "province", "district", "commune")
        .order_by("level", "code")
    )


def _trend_periods(period):
    earlier = Q(year__lt=period.year) | Q(year=period.year, quarter__lte=period.quarter)
    return list(ReportingPeriod.objects.filter(earlier).order_by("-year", "-quarter")[:TREND_QUARTERS])


def _series(trend_periods, data_state, **filters):
    series = {}
    for row in (
        Rollup.objects.filter(period__in=trend_periods, data_state=data_state, **filters)
        .select_related("period", "province", "district")
        .order_by("period__year", "period__quarter")
    ):
        series.setdefault(row.code, []).append(row)
    return series


def _baseline(period, data_state, **filters):
    """Coverage of each unit at the end of last year (its Q4 row), for the league charts' dots."""
    return {
        row.code: row.sanitation_coverage
        for row in Rollup.objects.filter(
            period__year=period.year - 1, period__quarter=4, data_state=data_state, **filters
        )
    }


def _funnel_digest(found):
    if found is None:
        return None
    newly = found.newly
    return [
        [[unit.code, unit.name_km, unit.name_latin, vars(counts)] for unit, counts in found.rows],
        vars(found.total),
        None
        if newly is None
        else [[u.code, u.name_km, u.name_latin] for u in (*newly.villages, *newly.communes, *newly.districts)],
    ]


def collect_provincial(province, period, data_state):
    """The provincial summary's data: the province's and its districts' rows (a handful of queries)."""
    previous = period.previous()
    trend = _trend_periods(period)
    baseline = _baseline(period, data_state, level=RollupLevel.DISTRICT, province=province)
    rows = list(_rows(period, data_state, level=RollupLevel.PROVINCE, code=province.code)) + list(
        _rows(period, data_state, level=RollupLevel.DISTRICT, province=province)
    )
    before = (
        {}
        if previous is None
        else {
            row.code: row
            for row in _rows(
                previous, data_state, level__in=[RollupLevel.PROVINCE, RollupLevel.DISTRICT], province=province
            )
        }
    )
    communes = {}
    for row in _rows(period, data_state, level=RollupLevel.COMMUNE, district__province=province):
        communes.setdefault(row.district.code, []).append(row)
    reports = {
        r["district_id"]: [r["status"], r["submitted_at"]]
        for r in DistrictReport.objects.filter(period=period, district__province=province).values(
            "district_id", "status", "submitted_at"
        )
    }
    return RollupDocument(
        kind=PdfKind.PROVINCIAL,
        unit=province,
        period=period,
        data_state=data_state,
        rows=rows,
        before=before,
        series=_series(trend, data_state, level=RollupLevel.PROVINCE, code=province.code),
        district_history=_series(trend[:4], data_state, level=RollupLevel.DISTRICT, province=province),
        weights=ScorecardWeights.current().as_dict(),
        baseline=baseline,
        district_baseline=baseline,
        commune_rows=communes,
        reports=reports,
        odf_funnel=funnel.funnel("province", province, period.year, period.quarter, newly=True),
        provincial_report=ProvincialReport.objects.filter(province=province, period=period)
        .select_related("submitted_by")
        .prefetch_related("missing__district")
        .first(),
        **_national_settings(),
    )


def collect_national(period, data_state):
    """The national rollup's data: the national, province and district rows (a handful of queries)."""
    previous = period.previous()
    levels = [RollupLevel.NATIONAL, RollupLevel.PROVINCE, RollupLevel.DISTRICT]
    rows = list(_rows(period, data_state, level__in=levels))
    before = {} if previous is None else {row.code: row for row in _rows(previous, data_state, level__in=levels)}
    trend = _trend_periods(period)
    return RollupDocument(
        kind=PdfKind.NATIONAL,
        unit=None,
        period=period,
        data_state=data_state,
        rows=rows,
        before=before,
        series=_series(trend, data_state, level__in=[RollupLevel.NATIONAL, RollupLevel.PROVINCE]),
        baseline=_baseline(period, data_state, level=RollupLevel.PROVINCE),
        # By district for the scorecard; the funnel table groups it by province again (funnel.by_province).
        odf_funnel=funnel.funnel("national", None, period.year, period.quarter, newly=True, by="district"),
        district_history=_series(trend[:4], data_state, level=RollupLevel.DISTRICT),
        weights=ScorecardWeights.current().as_dict(),
        district_baseline=_baseline(period, data_state, level=RollupLevel.DISTRICT),
        **_national_settings(),
    )


def _national_settings():
    national = NationalSettings.current()
    return {"target_year": national.target_year, "khmer_digits": national.khmer_digits}


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
    basis: object = None  # rollups.basis.Basis of the row
    comparability: object = None  # comparisons.Comparability with last quarter's row (None: comparable)

    @property
    def unit(self):
        return self.row.unit

    @property
    def coverage_line(self):
        line = Indicator(
            "", self.row.sanitation_coverage, self.before.sanitation_coverage if self.before else None, kind="pct"
        )
        return compared([line], self.comparability)[0]

    @property
    def coverage_change(self):
        return self.coverage_line.change_display

    @property
    def coverage_mark(self):
        return self.coverage_line.mark

    @property
    def basis_cell(self):
        """The row's basis in a few words (a unit without figures: "no figures yet")."""
        if self.basis is None:
            return ""
        if not self.basis.with_figures:
            return _("no figures yet")
        return self.basis.short_stock()

    @property
    def odf_share(self):
        """Verified ODF villages out of the villages reported (%)."""
        return indicators.ratio_pct(self.row.odf_villages_verified, self.row.villages_reported)


class League(list):
    """UnitSummary lines of a table, with what the table adds for them: a basis column when some line's figures
    are not all its own this quarter, and the footnote of a change not shown."""

    @property
    def shows_basis(self):
        return any(line.basis is not None and line.basis.is_partial for line in self)

    @property
    def notes(self):
        return IndicatorTable(line.coverage_line for line in self).notes


def _league(rows, before, key=lambda row: row.sanitation_coverage, document=None):
    """Rows ranked by `key`; with the document, each line's basis and comparability with last quarter."""
    ranked = sorted(rows, key=lambda r: (key(r) is None, -(key(r) or 0), r.code))
    return League(
        UnitSummary(
            row=row,
            before=before.get(row.code),
            rank=rank,
            basis=None if document is None else document.basis(row),
            comparability=None if document is None else document.comparability(row),
        )
        for rank, row in enumerate(ranked, 1)
    )


def rollup_document(document, language):
    """(template name, context, figures) of a provincial or national document, built under `language`."""
    with translation.override(language):
        period = document.period
        main = _main_row(document)
        before = document.before
        year_rows = [r for r in document.series.get(document.unit_code, []) if r.period.year == period.year]
        figures = _rollup_figures(document, year_rows, language)
        marking = (
            _("PROVISIONAL — includes reports submitted but not yet approved") if document.is_provisional else None
        )
        unit_line = document.unit.name if document.unit else _("Cambodia")
        context = common_context(
            document.kind, DOCUMENT_TITLES[document.kind], unit_line, period, language, marking=marking
        )
        comparability = document.comparability(main)
        basis = document.basis(main)
        context.update(
            document=document,
            main=main,
            basis=basis,
            basis_lines=_basis_lines(basis),
            previous_period=period.previous(),
            indicators=rollup_indicators(main, before.get(main.code), comparability=comparability),
            activities=compared(_activity_lines(main, before.get(main.code)), comparability),
            budget_ytd=_budget_ytd(year_rows),
            data_note=(
                _("Provisional data: reports submitted and waiting for review are counted with the approved ones.")
                if document.is_provisional
                else _("Approved reports only.")
            ),
            completeness_rate=main.reporting_completeness,
            timeliness_rate=main.reporting_timeliness,
            official=_official(document),
            odf_funnel=_funnel_table(document),
            recognition=recognition.recognition(
                document.odf_funnel.newly if document.odf_funnel else None,
                {r.code: r for r in document.rows if r.level == RollupLevel.DISTRICT},
                document.district_baseline,
                document.district_history,
            ),
        )
        if document.kind == PdfKind.PROVINCIAL:
            _add_districts(document, context, figures, language)
        else:
            _add_provinces_and_districts(document, context, figures, language)
        context.update(
            chart_titles={name: TITLES.get(name.split("-")[0], "") for name in figures},
            chart_captions={name: CAPTIONS.get(name.split("-")[0], "") for name in figures},
        )
        return f"reports/documents/{document.kind}.html", context, figures


def _funnel_table(document):
    """The funnel as its table shows it: by district (provincial), by province (national, read by district)."""
    if document.kind == PdfKind.NATIONAL and document.odf_funnel is not None:
        return funnel.by_province(document.odf_funnel)
    return document.odf_funnel


def _official(document):
    """The letterhead and signature blocks; a document of approved data gets its reference number (numbering.py)."""
    number = None
    if not document.is_provisional:
        subject = numbering.rollup_subject(
            document.kind, document.unit_code, document.period, document.data_state, document.digest()
        )
        number = numbering.number_for(kind=document.kind, unit_code=document.unit_code, subject=subject)
    if document.kind == PdfKind.PROVINCIAL:
        place = _("%(province)s Province") % {"province": document.unit.name}
        signatories = official_form.provincial_signatories(document.provincial_report, document.khmer_digits)
    else:
        place, signatories = _("Phnom Penh"), official_form.national_signatories()
    return official_form.official_context(
        kind=document.kind,
        unit=document.unit,
        place=place,
        number=number,
        issued_on=timezone.localtime(number.issued_at).date() if number else timezone.localdate(),
        signatories=signatories,
        khmer_digits=document.khmer_digits,
    )


def _main_row(document):
    """The province's or the nation's row; zeros for a quarter never rolled up (print rather than fail)."""
    top_level = RollupLevel.PROVINCE if document.kind == PdfKind.PROVINCIAL else RollupLevel.NATIONAL
    main = next((r for r in document.rows if r.level == top_level), None)
    if main is None:
        main = Rollup(
            level=top_level,
            code=document.unit_code,
            period=document.period,
            data_state=document.data_state,
            province=document.unit if document.unit else None,
        )
    return main


def _rollup_figures(document, year_rows, language):
    series = document.series.get(document.unit_code, [])
    return {
        "coverage": (charts.coverage_figure(series, language=language, goal_year=document.target_year), *WIDE_CHART),
        "odf": (charts.odf_figure(series, language=language), *HALF_CHART),
        "reporting": (charts.reporting_figure(series, language=language), *HALF_CHART),
        "budget": (charts.budget_figure(year_rows, language=language), *HALF_CHART),
    }


def _add_districts(document, context, figures, language):
    """The provincial summary's parts: the district league, a page per district with its communes."""
    districts = [r for r in document.rows if r.level == RollupLevel.DISTRICT]
    league = _league(districts, document.before, document=document)
    for line in league:
        line.status, line.submitted_at = document.reports.get(line.row.district_id, ["", None])
        line.status = ReportStatus(line.status).label if line.status else _("Not started")
    figures["league"] = (
        charts.league_figure(districts, language=language, baseline=document.baseline, axis_title=_("District")),
        WIDE_CHART[0],
        None,
    )
    by_code = sorted(league, key=lambda line: line.row.code)
    context.update(
        province=document.unit,
        league=league,
        provincial_report=document.provincial_report,
        completeness=by_code,
        district_pages=[
            (
                line,
                rollup_indicators(line.row, line.before, comparability=line.comparability),
                _commune_league(document, line.row),
            )
            for line in by_code
        ],
        narrative=_provincial_narrative(document.provincial_report),
        **_scorecard_context(document, districts, by_province=False),
    )


def _scorecard_context(document, districts, *, by_province):
    """What _scorecard.html prints: the scores in groups [(province or None, [Score])], each group highest score
    first; the components' labels and weights for the heading; the formula with the MRD's weights."""
    scores = _scorecard(document, districts)
    if by_province:
        groups = {}
        for found in scores:
            groups.setdefault(found.unit.province_id, (found.unit.province, []))[1].append(found)
        scorecard_groups = sorted(groups.values(), key=lambda group: group[0].code)
    else:
        scorecard_groups = [(None, scores)]
    return {
        "scorecard_groups": scorecard_groups,
        "scorecard_components": scores[0].components if scores else [],
        "scorecard_formula": scorecard.formula(document.weights),
    }


def _scorecard(document, districts):
    """The district scorecard (reports.dashboards.scorecard) of the document's districts in the quarter."""
    now = {row.code: row for row in districts}
    year = document.period.year
    inputs = [
        (unit, now.get(unit.code), document.district_history.get(unit.code, []),
         [r for r in document.district_history.get(unit.code, []) if r.period.year == year], counts)
        for unit, counts in (document.odf_funnel.rows if document.odf_funnel else [])
    ]  # fmt: skip
    return scorecard.district_scores(inputs, document.weights)


def _add_provinces_and_districts(document, context, figures, language):
    """The national rollup's parts: province league and pages (with a chart each), the top and bottom districts,
    the district scorecard grouped by province."""
    before = document.before
    districts = [r for r in document.rows if r.level == RollupLevel.DISTRICT]
    provinces = [r for r in document.rows if r.level == RollupLevel.PROVINCE]
    by_province = {}
    for row in districts:
        by_province.setdefault(row.province_id, []).append(row)
    # Top and bottom: districts with figures only (a district without figures has no rate).
    district_league = _league([r for r in districts if r.sanitation_coverage is not None], before, document=document)
    figures["league"] = (
        charts.league_figure(provinces, language=language, baseline=document.baseline, axis_title=_("Province")),
        WIDE_CHART[0],
        None,
    )
    province_pages = []
    province_league = _league(provinces, before, document=document)
    for line in sorted(province_league, key=lambda line: line.row.code):
        line.chart_name = f"province-{line.row.code}"
        figures[line.chart_name] = (
            charts.coverage_figure(document.series.get(line.row.code, []), language=language),
            *PROVINCE_CHART,
        )
        province_pages.append(
            (
                line,
                IndicatorTable(rollup_indicators(line.row, line.before, comparability=line.comparability)[:12]),
                _league(by_province.get(line.row.province_id, []), before, document=document),
            )
        )
    context.update(
        province_league=province_league,
        completeness=sorted(province_league, key=lambda line: line.row.code),
        odf_league=_league(
            provinces,
            before,
            key=lambda row: indicators.ratio_pct(row.odf_villages_verified, row.villages_reported),
            document=document,
        ),
        top_districts=League(district_league[:LEAGUE_EXTREMES]),
        bottom_districts=League(district_league[-LEAGUE_EXTREMES:])
        if len(district_league) > 2 * LEAGUE_EXTREMES
        else [],
        district_count=len(district_league),
        province_pages=province_pages,
        districts_without_data=len(districts) - len(district_league),
        **_scorecard_context(document, districts, by_province=True),
    )


def _commune_league(document, district_row):
    """A district's commune rows, ranked (no comparison with last quarter), each with its basis."""
    league = _league(document.commune_rows.get(district_row.code, []), {})
    for line in league:
        line.basis = rollup_basis.of_row(line.row, names=False)
    return league


def _basis_lines(basis):
    """[(label, sentence)] of the first page: what the stock and the flow figures rest on; then the districts
    left out, if any (label "")."""
    lines = [
        (_("Households, latrine coverage, IDPoor and ODF villages:"), basis.stock_sentence()),
        (_("Latrines built, activities, trainings and budget:"), basis.flow_sentence()),
    ]
    if basis.without_figures:
        lines.append(("", basis.without_figures_sentence()))
    return lines


def _activity_lines(now, before):
    """The quarter's activities and budget: flows, the quarter's own reports only."""

    def value(attr):
        return None if before is None else getattr(before, attr)

    lines = [
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
    for line in lines:
        line.flow = True
    return lines


def _budget_ytd(year_rows):
    received = sum((r.ft_received for r in year_rows), Decimal(0))
    spent = sum((r.spent_total for r in year_rows), Decimal(0))
    return {
        "received": received,
        "spent": spent,
        "utilisation": indicators.budget_utilisation(spent=spent, received=received),
    }


def _provincial_narrative(report):
    if report is None:
        return []
    return [
        (_("Achievements"), report.achievements),
        (_("Challenges"), report.challenges),
        (_("Support needed"), report.support_needed),
        (_("Plan for next quarter"), report.next_quarter_plan),
    ]


def render_rollup_document(document, language, *, progress=None):
    template, context, figures = rollup_document(document, language)
    return render_with_charts(template, context, figures, language, progress=progress)
