"""Data-entry pages of the district quarterly report: the report page, commune pages, district section, targets."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from districts.models import Commune, District
from drssd_portal.auth import login_required_keeping_post, restore_stashed_post

from .. import entry, validation
from ..forms import CommuneActivityForm, DistrictSectionForm, PlanTargetForm, TrainingFormSet, VillageFormSet
from ..models import CommuneQuarter, DistrictPlanTarget, DistrictReport, ReportingPeriod, VillageQuarter
from ..summary import summarise


def _readable_district(user, code):
    return get_object_or_404(District.objects.visible_to(user).select_related("province"), code=code)


def _can_write(model, user, unit):
    return model.objects.editable_by(user).filter(pk=unit.pk).exists()


def _conflict_message(conflict):
    return _("%(who)s saved this page at %(when)s, after you opened it. Your values below were NOT saved. "
             "Compare them with the saved ones (open this page in a new tab), then press Save again to keep yours.") % {
        "who": conflict.saved_by, "when": timezone.localtime(conflict.saved_at).strftime("%Y-%m-%d %H:%M") if conflict.saved_at else "?"}


@login_required
def district_reports(request, district):
    district = _readable_district(request.user, district)
    reports = {r.period_id: r for r in DistrictReport.objects.filter(district=district)}
    periods = ReportingPeriod.objects.all()
    rows = [(period, reports.get(period.id)) for period in periods]
    return render(request, "reports/district_reports.html", {
        "district": district, "rows": rows, "can_write": _can_write(District, request.user, district)})


@login_required
def report_detail(request, district, year, quarter):
    district = _readable_district(request.user, district)
    period = get_object_or_404(ReportingPeriod, year=year, quarter=quarter)
    can_write = _can_write(District, request.user, district)
    if can_write and period.is_open:
        report = entry.open_report(district=district, period=period, by=request.user)
    else:
        report = DistrictReport.objects.filter(district=district, period=period).first()
    context = {"district": district, "period": period, "report": report, "can_write": can_write}
    if report is not None:
        context["summary"] = summarise(report)
        context["trainings"] = report.trainings.all()
    return render(request, "reports/report_detail.html", context)


@login_required_keeping_post
def commune_entry(request, district, year, quarter, commune):
    commune = get_object_or_404(
        Commune.objects.visible_to(request.user).select_related("district__province"),
        code=commune, district__code=district)
    period = get_object_or_404(ReportingPeriod, year=year, quarter=quarter)
    can_write = _can_write(Commune, request.user, commune)
    if can_write and period.is_open:
        report = entry.open_report(district=commune.district, period=period, by=request.user)
        record = entry.open_commune_quarter(report=report, commune=commune)
    else:
        report = get_object_or_404(DistrictReport.objects.select_related("period"), district=commune.district,
                                   period=period)
        record = CommuneQuarter.objects.filter(report=report, commune=commune).first() or CommuneQuarter(
            report=report, commune=commune)
    if request.method == "POST" and not (can_write and report.is_editable):
        raise PermissionDenied(_("You cannot change this commune's figures."))

    previous = entry.previous_village_values(report, commune.villages.all())
    rows = entry.village_rows(report, commune, previous)
    data = request.POST if request.method == "POST" else restore_stashed_post(request)
    activity_form = CommuneActivityForm(data, instance=record, prefix="activities")
    formset = VillageFormSet(data, instances=rows, prefix="villages")
    version = record.version
    if request.method == "POST":
        if activity_form.is_valid() and formset.is_valid():
            try:
                entry.save_commune_page(commune_quarter=record, activity_form=activity_form, village_formset=formset,
                                        expected_version=_posted_version(request), by=request.user)
            except entry.EditConflict as conflict:
                messages.error(request, _conflict_message(conflict))
                version = CommuneQuarter.objects.get(pk=record.pk).version
            else:
                messages.success(request, _("Saved. You can continue later: the draft is kept."))
                return redirect(request.path)
        else:
            messages.error(request, _("Nothing was saved: please correct the figures marked in red. "
                                      "Everything you typed is still here."))
    elif data is not None:
        version = int(data.get("version", version))

    editable = can_write and report.is_editable
    if not editable:
        _disable(activity_form, *formset.forms)
    village_table = []
    for form, row in zip(formset.forms, rows):
        values = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else {
            f: getattr(row, f) for f in VillageQuarter.COUNT_FIELDS + ["odf_status"]}
        before = previous.get(row.village_id)
        warnings = validation.village_warnings(
            values, {f: getattr(before, f) for f in VillageQuarter.COUNT_FIELDS} if before else None)
        village_table.append({"form": form, "village": row.village, "warnings": warnings,
                              "prefilled": getattr(row, "prefilled", False), "saved": row.pk is not None})
    return render(request, "reports/commune_entry.html", {
        "commune": commune, "district": commune.district, "period": period, "report": report, "record": record,
        "activity_form": activity_form, "formset": formset, "village_table": village_table,
        "editable": editable, "version": version, "can_read_district": District.objects.visible_to(
            request.user).filter(pk=commune.district_id).exists(),
    })


@login_required_keeping_post
def district_section(request, district, year, quarter):
    district = _readable_district(request.user, district)
    period = get_object_or_404(ReportingPeriod, year=year, quarter=quarter)
    can_write = _can_write(District, request.user, district)
    if can_write and period.is_open:
        report = entry.open_report(district=district, period=period, by=request.user)
    else:
        report = get_object_or_404(DistrictReport, district=district, period=period)
    if request.method == "POST" and not (can_write and report.is_editable):
        raise PermissionDenied(_("You cannot change this report."))
    data = request.POST if request.method == "POST" else restore_stashed_post(request)
    form = DistrictSectionForm(data, instance=report, prefix="district")
    trainings = TrainingFormSet(data, instance=report, prefix="trainings")
    version = report.version
    if request.method == "POST":
        if form.is_valid() and trainings.is_valid():
            try:
                entry.save_district_section(report=report, form=form, training_formset=trainings,
                                            expected_version=_posted_version(request), by=request.user)
            except entry.EditConflict as conflict:
                messages.error(request, _conflict_message(conflict))
                version = DistrictReport.objects.get(pk=report.pk).version
            else:
                messages.success(request, _("Saved. You can continue later: the draft is kept."))
                return redirect(request.path)
        else:
            messages.error(request, _("Nothing was saved: please correct the figures marked in red. "
                                      "Everything you typed is still here."))
    elif data is not None:
        version = int(data.get("version", version))
    editable = can_write and report.is_editable
    if not editable:
        _disable(form, *trainings.forms)
    return render(request, "reports/district_section.html", {
        "district": district, "period": period, "report": report, "form": form, "trainings": trainings,
        "editable": editable, "version": version})


@login_required_keeping_post
def plan_targets(request, district, year):
    district = _readable_district(request.user, district)
    can_write = _can_write(District, request.user, district)
    target = DistrictPlanTarget.objects.filter(district=district, year=year).first() or DistrictPlanTarget(
        district=district, year=year)
    if request.method == "POST" and not can_write:
        raise PermissionDenied(_("Only the district's sanitation officer can set its targets."))
    data = request.POST if request.method == "POST" else restore_stashed_post(request)
    form = PlanTargetForm(data, instance=target)
    if request.method == "POST":
        if form.is_valid():
            entry.save_plan_target(form=form, district=district, year=year, by=request.user)
            messages.success(request, _("Targets saved."))
            return redirect(request.GET.get("next") or request.path)
        messages.error(request, _("Nothing was saved: please correct the figures marked in red. "
                                  "Everything you typed is still here."))
    if not can_write:
        _disable(form)
        form.helper.inputs = []
    return render(request, "reports/plan_targets.html", {
        "district": district, "year": year, "form": form, "can_write": can_write})


def _posted_version(request):
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


def _disable(*forms):
    for form in forms:
        for field in form.fields.values():
            field.disabled = True
