"""The read API for partners and other systems: /api/v1/ (django-ninja), read-only JSON, OpenAPI schema served at
/api/v1/openapi.json (no browsable docs page: it would load its scripts from the internet).

SECURITY: every request carries `Authorization: Bearer <key>`, a token an administrator issued to one user
(tokens.py; admin "API tokens"), and sees exactly what that user sees in the pages: every query goes through the
same scoped lookups (visible_to). A revoked token, or the token of an inactive user, gets 401. Each token may make
API_RATE_LIMIT requests (settings; e.g. 120/m), then 429.

Endpoints: units (the gazetteer, retirements and successors included), periods, rollups (by level, unit, quarter
and data state, with the basis of each figure: reported_units, carried_forward_units, oldest_carried_quarter),
completeness (each district's report state in a quarter), the figures of an approved district report, and the ODF
funnel of a unit in a quarter (from the verification records: declared, verified, certified, slipped, re-verified in
it; certified villages, ODF communes and districts, re-verifications overdue and due next at its end; by child unit).
Lists are paginated (limit/offset) and filterable by unit and quarter.
"""

import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import HttpBearer
from ninja.throttling import AuthRateThrottle

from districts.models import Commune, District, Province, Village
from districts.scoping import has_national_reach
from reports.exchange import tokens
from reports.models import (
    CommuneQuarter,
    DistrictReport,
    ReportingPeriod,
    ReportStatus,
    VillageQuarter,
    submitted_on_time,
)
from reports.odf import funnel as odf_funnel
from reports.rollups import basis
from reports.rollups.models import DataState, Rollup, RollupLevel

UNIT_MODELS = {"province": Province, "district": District, "commune": Commune, "village": Village}
PARENT_FIELD = {"district": "province", "commune": "district", "village": "commune"}
QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        found = tokens.authenticate(token)
        if found is None:
            return None
        request.user = found.user  # SECURITY: the scoped lookups below read the token's user
        return found


class TokenRateThrottle(AuthRateThrottle):
    """Counts each token's requests under its key's hash (unique for ever, unlike the row's id)."""

    def get_cache_key(self, request):
        auth = getattr(request, "auth", None)
        if auth is None:
            return super().get_cache_key(request)
        return self.cache_format % {"scope": "api-token", "ident": auth.key_hash}


throttle = TokenRateThrottle(settings.API_RATE_LIMIT)
api = NinjaAPI(
    title="DRSSD Portal API",
    version="1",
    description=__doc__,
    urls_namespace="api",
    docs_url=None,
    openapi_url="/openapi.json",
    auth=TokenAuth(),
    throttle=[throttle],
)


# --- Schemas -------------------------------------------------------------------------------------------------


class UnitOut(Schema):
    level: str
    code: str
    name_km: str
    name_latin: str
    parent: str | None = Field(None, description="Code of the unit above (none for a province).")
    retired_on: datetime.date | None
    successors: list[str] = Field(description="Codes of the units that took over a retired unit.")

    @staticmethod
    def resolve_level(unit):
        return unit.level

    @staticmethod
    def resolve_parent(unit):
        above = PARENT_FIELD.get(unit.level)
        return getattr(unit, above).code if above else None

    @staticmethod
    def resolve_successors(unit):
        return [successor.code for successor in unit.successors.all()]


class PeriodOut(Schema):
    quarter: str = Field(description="2019Q2")
    first_day: datetime.date
    deadline: datetime.date
    open_for_entry: bool


class RollupOut(Schema):
    level: str
    code: str
    quarter: str
    state: str = Field(description="approved, or provisional (submitted reports counted too)")
    reported_units: int = Field(description="Districts (or the commune) whose own report of the quarter is counted.")
    carried_forward_units: int = Field(description="Districts whose latest earlier figures stand in (stock figures).")
    oldest_carried_quarter: str = Field(description="The oldest quarter carried forward, or empty.")
    figures: dict[str, int | Decimal]

    @staticmethod
    def resolve_quarter(row):
        return _quarter(row.period)

    @staticmethod
    def resolve_state(row):
        return row.data_state

    @staticmethod
    def resolve_reported_units(row):
        return _basis(row)[0]

    @staticmethod
    def resolve_carried_forward_units(row):
        return _basis(row)[1]

    @staticmethod
    def resolve_oldest_carried_quarter(row):
        return _basis(row)[2]

    @staticmethod
    def resolve_figures(row):
        return {name: getattr(row, name) for name in Rollup.SUM_FIELDS}


class CompletenessOut(Schema):
    district: str
    province: str
    quarter: str
    status: str = Field(description="draft, submitted, returned, approved, or missing (no report).")
    submitted_at: datetime.datetime | None
    approved_at: datetime.datetime | None
    on_time: bool | None = Field(description="First submitted by the deadline (none before a submission).")


class VillageFiguresOut(Schema):
    code: str
    commune: str
    figures: dict[str, int | None]
    odf_status: str
    odf_status_date: datetime.date | None


class CommuneActivitiesOut(Schema):
    code: str
    activities: dict[str, int | Decimal | None]


class ReportOut(Schema):
    district: str
    quarter: str
    status: str
    submitted_at: datetime.datetime | None
    approved_at: datetime.datetime | None
    villages: list[VillageFiguresOut]
    communes: list[CommuneActivitiesOut]


class OdfCountsOut(Schema):
    unit: str = Field(description="NCDD code of the unit; KH for the nation")
    declared: int = Field(description="Villages declared ODF in the quarter (first verifications)")
    verified: int = Field(description="Villages whose verification visit passed in the quarter")
    certified: int = Field(description="Villages certified ODF in the quarter")
    slipped: int = Field(description="Certified villages that slipped back in the quarter")
    reverified: int = Field(description="Certified villages re-verified (passed) in the quarter")
    villages: int = Field(description="Active villages at the quarter's end")
    certified_villages: int = Field(description="Of those, certified ODF at the quarter's end")
    communes: int
    odf_communes: int = Field(description="Communes whose active villages are all certified at the quarter's end")
    districts: int
    odf_districts: int = Field(description="Districts whose active communes are all ODF at the quarter's end")
    reverification_overdue: int
    reverification_due_next: int = Field(description="Re-verifications falling due in the next quarter")


class OdfFunnelOut(Schema):
    quarter: str
    level: str
    unit: str
    total: OdfCountsOut
    rows: list[OdfCountsOut] = Field(description="By commune (district), district (province) or province (nation)")


# --- Helpers -------------------------------------------------------------------------------------------------


def _period(quarter: str) -> ReportingPeriod:
    match = QUARTER.match(quarter.upper())
    if not match:
        raise HttpError(422, "quarter is YYYYQn, e.g. 2019Q2")
    return get_object_or_404(ReportingPeriod, year=int(match[1]), quarter=int(match[2]))


def _quarter(period: ReportingPeriod) -> str:
    return f"{period.year}Q{period.quarter}"


def _basis(row):
    """[reported, carried forward, oldest carried quarter] of a rollup row, worked out once per row."""
    if not hasattr(row, "_basis_values"):
        row._basis_values = basis.of_row(row, names=False).csv_values()
    return row._basis_values


def visible_rollups(user):
    """SECURITY: the rollup rows of the units `user` may read (the nation for national roles only)."""
    q = (
        Q(level=RollupLevel.COMMUNE, commune__in=Commune.objects.visible_to(user))
        | Q(level=RollupLevel.DISTRICT, district__in=District.objects.visible_to(user))
        | Q(level=RollupLevel.PROVINCE, province__in=Province.objects.visible_to(user))
    )
    if has_national_reach(user):
        q |= Q(level=RollupLevel.NATIONAL)
    return Rollup.objects.filter(q)


# --- Endpoints -----------------------------------------------------------------------------------------------


@api.get("/units", response=list[UnitOut], summary="Administrative units you may read")
@paginate(LimitOffsetPagination)
def units(request, level: str = Query(..., pattern="^(province|district|commune|village)$"), parent: str = "",
          include_retired: bool = True):  # fmt: skip
    model = UNIT_MODELS[level]
    found = model.objects.visible_to(request.user).prefetch_related("successors").order_by("code")
    if level in PARENT_FIELD:
        found = found.select_related(PARENT_FIELD[level])
        if parent:
            found = found.filter(**{f"{PARENT_FIELD[level]}__code": parent})
    if not include_retired:
        found = found.filter(retired_on__isnull=True)
    return found  # sliced by the pagination before it is read


@api.get("/periods", response=list[PeriodOut], summary="Reporting periods (quarters)")
@paginate(LimitOffsetPagination)
def periods(request):
    return [
        {
            "quarter": _quarter(period),
            "first_day": period.bounds[0],
            "deadline": period.deadline,
            "open_for_entry": period.is_open,
        }
        for period in ReportingPeriod.objects.order_by("-year", "-quarter")
    ]


@api.get("/rollups", response=list[RollupOut], summary="Summed figures of units you may read, with their basis")
@paginate(LimitOffsetPagination)
def rollups(request, quarter: str = "", level: str = Query("", pattern="^(|national|province|district|commune)$"),
            unit: str = "", state: str = Query(DataState.APPROVED, pattern="^(approved|provisional)$")):  # fmt: skip
    rows = visible_rollups(request.user).filter(data_state=state).select_related("period")
    if quarter:
        rows = rows.filter(period=_period(quarter))
    if level:
        rows = rows.filter(level=level)
    if unit:
        rows = rows.filter(code=unit)
    return rows.order_by("-period__year", "-period__quarter", "level", "code")  # sliced by the pagination


@api.get("/completeness", response=list[CompletenessOut], summary="Each district's report in a quarter")
@paginate(LimitOffsetPagination)
def completeness(request, quarter: str, province: str = "", district: str = ""):
    period = _period(quarter)
    districts = (
        District.objects.visible_to(request.user)
        .active_on(period.bounds[0])
        .select_related("province")
        .order_by("code")
    )
    if province:
        districts = districts.filter(province__code=province)
    if district:
        districts = districts.filter(code=district)
    reports = {r.district_id: r for r in DistrictReport.objects.filter(period=period, district__in=districts)}
    result = []
    for unit in districts:
        report = reports.get(unit.pk)
        result.append(
            {
                "district": unit.code,
                "province": unit.province.code,
                "quarter": _quarter(period),
                "status": report.status if report else "missing",
                "submitted_at": report.submitted_at if report else None,
                "approved_at": report.approved_at if report else None,
                "on_time": submitted_on_time(report.submitted_at, period.deadline)
                if report and report.submitted_at
                else None,  # the quarter at hand: report.period would be a query per district
            }
        )
    return result


def _odf_counts(code, counts):
    return {"unit": code, **vars(counts)}


@api.get("/odf", response=OdfFunnelOut, summary="The ODF funnel of a unit you may read in a quarter")
def odf(request, quarter: str, level: str = Query(..., pattern="^(national|province|district)$"), unit: str = ""):
    period = _period(quarter)
    if level == "national":
        if not has_national_reach(request.user):  # SECURITY: the nation's figures for national roles only
            raise HttpError(404, "Not found")
        found, code = None, "KH"
    else:
        found = get_object_or_404(UNIT_MODELS[level].objects.visible_to(request.user), code=unit)
        code = found.code
    result = odf_funnel.funnel(level, found, period.year, period.quarter)
    return {
        "quarter": _quarter(period),
        "level": level,
        "unit": code,
        "total": _odf_counts(code, result.total),
        "rows": [_odf_counts(child.code, counts) for child, counts in result.rows],
    }


@api.get("/reports/{district}/{quarter}", response=ReportOut, summary="The figures of an approved district report")
def report(request, district: str, quarter: str):
    period = _period(quarter)
    found = get_object_or_404(
        DistrictReport.objects.visible_to(request.user).select_related("district", "period"),
        district__code=district,
        period=period,
        status=ReportStatus.APPROVED,  # drafts and reports under review are not published
    )
    villages = VillageQuarter.objects.filter(report=found).select_related("village__commune").order_by("village__code")
    communes = CommuneQuarter.objects.filter(report=found).select_related("commune").order_by("commune__code")
    return {
        "district": found.district.code,
        "quarter": _quarter(period),
        "status": found.status,
        "submitted_at": found.submitted_at,
        "approved_at": found.approved_at,
        "villages": [
            {
                "code": row.village.code,
                "commune": row.village.commune.code,
                "figures": {name: getattr(row, name) for name in VillageQuarter.COUNT_FIELDS},
                "odf_status": row.odf_status,
                "odf_status_date": row.odf_status_date,
            }
            for row in villages
        ],
        "communes": [
            {
                "code": row.commune.code,
                "activities": {name: getattr(row, name) for name in CommuneQuarter.ACTIVITY_FIELDS},
            }
            for row in communes
        ],
    }
