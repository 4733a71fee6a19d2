"""Dashboards: district, provincial and national, and the CSV and XLSX of every chart and table on them.

Read-only pages built from the rollup tables by reports.dashboards. Scoped like every unit page:
a district's dashboard for whoever may read the district (its DSO and everyone above), a
province's for the PDRD and Provincial Administration of the province and national users, the
nation's for national users. Query string: ?quarter=2025Q3 (default: the latest quarter with
reports counted) and ?provisional=1 (count submitted reports not yet approved).
"""

import re

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from districts import scoping
from districts.models import District, Province
from drssd_portal.security_log import log_event
from reports import workbooks
from reports.dashboards import build as dashboards
from reports.dashboards import tables
from reports.rollups.models import DataState

QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def _district(user, code):
    """SECURITY: a district the user may read, or 404."""
    return get_object_or_404(District.objects.visible_to(user).select_related("province"), code=code)


def _province(user, code):
    """SECURITY: a province the user may read (PDRD, PA of it; national roles), or 404."""
    return get_object_or_404(Province.objects.visible_to(user), code=code)


def _nation(user):
    """SECURITY: the national dashboard is for national roles only (as the national unit page)."""
    if not scoping.has_national_reach(user):
        raise PermissionDenied
    return None


def _load(request, level, unit):
    match = QUARTER.match(request.GET.get("quarter", "").strip().upper())
    year, quarter = (int(match[1]), int(match[2])) if match else (None, None)
    return dashboards.load(level, unit, provisional=request.GET.get("provisional") == "1", year=year, quarter=quarter)


def _page(request, level, unit, **links):
    """The page: heading, picker and links per request; the body (KPIs, charts, tables) rendered once per
    cached dashboard, since Django renders its few thousand table cells in tens of milliseconds."""
    data = _load(request, level, unit)
    context = {
        "unit": unit,
        "data": data,
        "level": level,
        "query": data.get("query", ""),
        "csv_base": request.path,
        **links,
    }
    body = None
    if not data["empty"]:
        key = data["cache_key"] and f"{data['cache_key']}:html:{request.path}"
        body = cache.get(key) if key else None
        if body is None:
            body = render_to_string(f"reports/dashboards/_{level}_body.html", context)
            if key:
                cache.set(key, body, dashboards.cache_seconds())
    return render(request, "reports/dashboards/page.html", {**context, "body": mark_safe(body or "")})


def _download(request, level, unit, name, kind):
    """One chart's or table's numbers as CSV or XLSX: a header block saying which unit, quarter, data state and
    basis, then the columns."""
    data = _load(request, level, unit)
    found = None if data["empty"] else tables.csv_rows(data, name)
    if found is None:
        raise Http404("No such chart or table.")
    header, rows = found
    code = unit.code if unit else "KH"
    state = "-provisional" if data["provisional"] else ""
    log_event("export", request=request, format=kind, table=name, level=level, unit=code)
    filename = f"drssd-{level}-{code}-{data['year']}Q{data['quarter']}-{name}{state}.{kind}"
    if kind == "xlsx":
        response = HttpResponse(
            workbooks.table_workbook(title=name, about=_about(data, unit), header=header, rows=rows),
            content_type=workbooks.CONTENT_TYPE,
        )
    else:
        response = HttpResponse(
            workbooks.table_csv(header, rows, _about(data, unit)), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _about(data, unit):
    """The header block of a download: the unit, the quarter, the data state and what the figures rest on."""
    basis = data["basis"]
    return [
        (_("Unit"), f"{unit.name} ({unit.code})" if unit else _("Cambodia (national)")),
        (_("Quarter"), data["period_label"]),
        (_("Data"), DataState.PROVISIONAL.label if data["provisional"] else DataState.APPROVED.label),
        (_("Stock figures"), basis["stock"]),
        *([(_("Flow figures"), basis["flow"])] if basis["flow"] else []),
        *([(_("Without figures"), basis["without_figures"])] if basis["without_figures"] else []),
    ]


@login_required
@require_GET
def dashboard_home(request):
    """The widest dashboard the user may open: the nation's, else a province's, else a district's."""
    if scoping.has_national_reach(request.user):
        return redirect("reports:dashboard_national")
    province = Province.objects.visible_to(request.user).order_by("code").first()
    if province is not None:
        return redirect("reports:dashboard_province", province.code)
    district = District.objects.visible_to(request.user).order_by("code").first()
    if district is not None:
        return redirect("reports:dashboard_district", district.code)
    raise PermissionDenied


@login_required
@require_GET
@gzip_page
def district_dashboard(request, code):
    unit = _district(request.user, code)
    return _page(
        request,
        "district",
        unit,
        can_read_province=Province.objects.visible_to(request.user).filter(pk=unit.province_id).exists(),
    )


@login_required
@require_GET
@gzip_page
def province_dashboard(request, code):
    return _page(
        request, "province", _province(request.user, code), can_read_nation=scoping.has_national_reach(request.user)
    )


@login_required
@require_GET
@gzip_page
def national_dashboard(request):
    return _page(request, "national", _nation(request.user))


@login_required
@require_GET
@gzip_page
def district_csv(request, code, name):
    return _download(request, "district", _district(request.user, code), name, "csv")


@login_required
@require_GET
def district_xlsx(request, code, name):
    return _download(request, "district", _district(request.user, code), name, "xlsx")


@login_required
@require_GET
@gzip_page
def province_csv(request, code, name):
    return _download(request, "province", _province(request.user, code), name, "csv")


@login_required
@require_GET
def province_xlsx(request, code, name):
    return _download(request, "province", _province(request.user, code), name, "xlsx")


@login_required
@require_GET
@gzip_page
def national_csv(request, name):
    return _download(request, "national", _nation(request.user), name, "csv")


@login_required
@require_GET
def national_xlsx(request, name):
    return _download(request, "national", _nation(request.user), name, "xlsx")
