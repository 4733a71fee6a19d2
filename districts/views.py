"""Home page and the pages of the administrative units a user is assigned to."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from districts import scoping
from districts.models import Commune, District, Province
from districts.roles import Role
from reports import report_states
from reports.models import ReportingPeriod


@login_required
def home(request):
    """The user's units; first of all a DSO's reports returned for correction, and for a commune focal point the
    state of the district report for each quarter the commune works on."""
    assignments = list(
        request.user.assignments.select_related("province", "district__province", "commune__district__province")
    )
    held = {a.role for a in assignments}
    communes = [a.commune for a in assignments if a.role == Role.COMMUNE_FOCAL_POINT]
    return render(
        request,
        "districts/home.html",
        {
            "assignments": assignments,
            "national_reach": any(role in scoping.NATIONAL_ROLES for role in held),
            "returned_reports": report_states.returned_reports(request.user) if Role.DSO in held else [],
            "quarters_to_fill": report_states.quarters_to_fill([a.district for a in assignments if a.role == Role.DSO]),
            # A focal point's assignment is what lets them enter their commune's figures.
            "commune_quarters": report_states.commune_quarters(communes, {c.pk for c in communes}),
        },
    )


@login_required
def national(request):
    if not scoping.has_national_reach(request.user):
        raise PermissionDenied
    # Counts of units that exist today; retired ones stay in the database for old reports only.
    provinces = Province.objects.annotate(
        district_count=Count("districts", filter=Q(districts__retired_on__isnull=True), distinct=True),
        commune_count=Count(
            "districts__communes", filter=Q(districts__communes__retired_on__isnull=True), distinct=True
        ),
        village_count=Count(
            "districts__communes__villages",
            filter=Q(districts__communes__villages__retired_on__isnull=True),
            distinct=True,
        ),
    )
    # The national rollup's PDF: the latest quarter with approved reports first (an empty quarter's PDF is pages
    # of dashes), every quarter below it with how many reports it holds.
    quarters = list(ReportingPeriod.objects.with_report_counts().order_by("-year", "-quarter"))
    pdf_period = next((q for q in quarters if q.approved_reports), quarters[0] if quarters else None)
    return render(
        request,
        "districts/national.html",
        {
            "provinces": provinces,
            "pdf_period": pdf_period,
            "pdf_quarters": quarters,
            "districts_expected": District.objects.filter(retired_on__isnull=True).count(),
        },
    )


@login_required
def province(request, code):
    unit = get_object_or_404(Province.objects.visible_to(request.user), code=code)
    districts = unit.districts.annotate(
        commune_count=Count("communes", distinct=True),
        village_count=Count("communes__villages", distinct=True),
    ).prefetch_related("successors")
    return render(request, "districts/province.html", {"unit": unit, "districts": districts})


@login_required
def district(request, code):
    unit = get_object_or_404(District.objects.visible_to(request.user).select_related("province"), code=code)
    communes = unit.communes.annotate(village_count=Count("villages"))
    return render(
        request,
        "districts/district.html",
        {
            "unit": unit,
            "communes": communes,
            "can_read_province": Province.objects.visible_to(request.user).filter(pk=unit.province_id).exists(),
        },
    )


@login_required
def commune(request, code):
    unit = get_object_or_404(Commune.objects.visible_to(request.user).select_related("district__province"), code=code)
    can_write = Commune.objects.editable_by(request.user).filter(pk=unit.pk).exists()
    return render(
        request,
        "districts/commune.html",
        {
            "unit": unit,
            "quarters": report_states.commune_quarters([unit], {unit.pk} if can_write else set())[unit.pk],
            "can_write": can_write,
            "villages": unit.villages.all(),
            "can_read_district": District.objects.visible_to(request.user).filter(pk=unit.district_id).exists(),
        },
    )
