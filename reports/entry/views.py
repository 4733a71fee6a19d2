"""Data-entry pages of the district quarterly report: the list of reports, commune pages, district section, targets.

The report page itself, where entry and review meet, is reports.review.report_page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from districts import scoping
from districts.models import Commune, District
from drssd_portal import plain_inputs
from drssd_portal.auth import login_required_keeping_post, restore_stashed_post
from drssd_portal.redirects import safe_next
from reports.entry import grid
from reports.entry import writes as entry
from reports.entry.forms import (
    CommuneActivityForm,
    DistrictSectionForm,
    PlanTargetForm,
    TrainingFormSet,
    VillageFormSet,
)
from reports.models import (
    REPORTING_YEARS,
    CommuneQuarter,
    DistrictPlanTarget,
    DistrictReport,
    ReportingPeriod,
    ReviewComment,
)


def readable_district(user, code):
    """SECURITY: a district the user may read, or 404."""
    return get_object_or_404(District.objects.visible_to(user).select_related("province"), code=code)


def _can_write(model, user, unit):
    """SECURITY: whether `user` enters data for this district or commune (scoping's write rule, no query)."""
    if model is Commune:
        return scoping.may_write(user, district=unit.district_id, commune=unit.pk)
    return scoping.may_write(user, district=unit.pk)


def conflict_message(conflict):
    """What a user whose save was refused by an edit conflict reads (entry pages and the provincial report)."""
    return _(
        "%(who)s saved this page at %(when)s, after you opened it. Your values below were NOT saved. "
        "Compare them with the saved ones (open this page in a new tab), then press Save again to keep yours."
    ) % _conflict_facts(conflict)


def _conflict_facts(conflict):
    """Who saved first, and when, in the reader's date style."""
    when = conflict.saved_at and date_format(timezone.localtime(conflict.saved_at), "SHORT_DATETIME_FORMAT")
    return {"who": conflict.saved_by, "when": when or "?"}


def commune_conflict_message(conflict):
    """The commune page's edit conflict: the values saved meanwhile are shown beside the ones typed."""
    return _(
        "%(who)s saved this commune at %(when)s, after you opened it. Your values were NOT saved. Where the saved "
        "value differs from yours it is shown under your value: press “Use it” to take it, or keep yours; then "
        "press Save again."
    ) % _conflict_facts(conflict)


@login_required
def district_reports(request, district):
    district = readable_district(request.user, district)
    reports = {r.period_id: r for r in DistrictReport.objects.filter(district=district)}
    periods = ReportingPeriod.objects.all()
    rows = [(period, reports.get(period.id)) for period in periods]
    return render(
        request,
        "reports/entry/district_reports.html",
        {"district": district, "rows": rows, "can_write": _can_write(District, request.user, district)},
    )


@login_required_keeping_post
def commune_entry(request, district, year, quarter, commune):
    commune = get_object_or_404(
        Commune.objects.visible_to(request.user).select_related("district__province"),
        code=commune,
        district__code=district,
    )
    period = get_object_or_404(ReportingPeriod, year=year, quarter=quarter)
    can_write = _can_write(Commune, request.user, commune)
    report, record = _commune_record(commune, period, can_write=can_write)
    if request.method == "POST" and not (can_write and report.is_editable):
        raise PermissionDenied(_("You cannot change this commune's figures."))

    villages = entry.active_villages(commune, period)
    previous = entry.previous_village_values(report, [village.pk for village in villages])
    rows = entry.village_rows(report, commune, previous, villages)
    data = request.POST if request.method == "POST" else restore_stashed_post(request)
    activity_form = CommuneActivityForm(data, instance=record, prefix="activities")
    formset = VillageFormSet(data, instances=rows, prefix="villages")
    saved, version = _save_versioned(
        request,
        data,
        record,
        forms=[activity_form, formset],
        save=lambda expected: entry.save_commune_page(
            commune_quarter=record,
            activity_form=activity_form,
            village_formset=formset,
            expected_version=expected,
            by=request.user,
        ),
        explain_conflict=commune_conflict_message,
    )
    if saved:
        return redirect(_after_commune_save(request, commune, period))
    following = _next_commune(request.user, commune, period)
    can_read_district = _can_read_district(request.user, commune)

    editable = can_write and report.is_editable
    if not editable:
        _disable(activity_form)  # the grid draws the village inputs disabled itself
    # SECURITY: a commune's page shows the comments on the whole report and those on that commune and its
    # villages, never what the reviewer wrote about other communes; the report page shows them all.
    about = (f"commune:{commune.code}:", *(f"village:{row.village.code}:" for row in rows))
    comments = [c for c in report.open_review_comments() if not c.target or c.target.startswith(about)]
    by_target = ReviewComment.by_target(comments)
    _attach_comments(activity_form, by_target, f"commune:{commune.code}:")
    # A save refused because someone saved meanwhile (or a page loaded before their save): show their values
    # beside the ones typed, figure by figure, so nothing is overwritten without being seen.
    saved_meanwhile, activities_meanwhile = None, {}
    if request.method == "POST" and posted_version(request) != version:
        saved_meanwhile = {row.village_id: row for row in report.village_quarters.filter(village__commune=commune)}
        stored_record = CommuneQuarter.objects.get(pk=record.pk)
        activities_meanwhile = grid.activity_differences(activity_form, stored_record)
    village_grid = grid.village_grid(
        rows,
        previous,
        by_target,
        editable=editable,
        forms=formset.forms if formset.is_bound else None,
        saved_meanwhile=saved_meanwhile,
    )
    return render(
        request,
        "reports/entry/commune_entry.html",
        {
            "comments": comments,
            "commune": commune,
            "district": commune.district,
            "period": period,
            "report": report,
            "record": record,
            "activity_form": activity_form,
            # Not the formset itself: a template's lookup on it (formset.x tries formset["x"] first) builds a form
            # per village, which the grid does not need on a plain visit.
            "management_form": plain_inputs.hidden_inputs_html(formset.management_form),
            "grid_errors": formset.non_form_errors(),
            "grid": village_grid,
            "editable": editable,
            "version": version,
            "next_commune": following,
            "activities_meanwhile": activities_meanwhile,
            "can_read_district": can_read_district,
        },
    )


@login_required_keeping_post
def district_section(request, district, year, quarter):
    district = readable_district(request.user, district)
    period = get_object_or_404(ReportingPeriod, year=year, quarter=quarter)
    can_write = _can_write(District, request.user, district)
    if can_write and period.is_open:
        report = entry.open_report(district=district, period=period)
    else:
        report = get_object_or_404(DistrictReport, district=district, period=period)
    if request.method == "POST" and not (can_write and report.is_editable):
        raise PermissionDenied(_("You cannot change this report."))
    data = request.POST if request.method == "POST" else restore_stashed_post(request)
    form = DistrictSectionForm(data, instance=report, prefix="district")
    trainings = TrainingFormSet(data, instance=report, prefix="trainings")
    saved, version = _save_versioned(
        request,
        data,
        report,
        forms=[form, trainings],
        save=lambda expected: entry.save_district_section(
            report=report, form=form, training_formset=trainings, expected_version=expected, by=request.user
        ),
    )
    if saved:
        if request.POST.get("then") == "report":  # "Save and go back to the report"
            return redirect("reports:report", report.district.code, report.period.year, report.period.quarter)
        return redirect(request.path)
    editable = can_write and report.is_editable
    if not editable:
        _disable(form, *trainings.forms)
    comments = report.open_review_comments()
    _attach_comments(form, ReviewComment.by_target(comments), "district:")
    return render(
        request,
        "reports/entry/district_section.html",
        {
            "comments": comments,
            "district": district,
            "period": period,
            "report": report,
            "form": form,
            "trainings": trainings,
            "editable": editable,
            "version": version,
        },
    )


@login_required_keeping_post
def plan_targets(request, district, year):
    district = readable_district(request.user, district)
    if year not in REPORTING_YEARS:
        raise Http404  # SECURITY: only the years reporting periods can have (no 0, no 32768, no 10**20)
    can_write = _can_write(District, request.user, district)
    target = DistrictPlanTarget.objects.filter(district=district, year=year).first() or DistrictPlanTarget(
        district=district, year=year
    )
    if request.method == "POST" and not can_write:
        raise PermissionDenied(_("Only the district's sanitation officer can set its targets."))
    data = request.POST if request.method == "POST" else restore_stashed_post(request)
    form = PlanTargetForm(data, instance=target, initial={"version": entry.plan_target_version(target)})
    try:
        entry.require_targets_unlocked(district, year)
        frozen = False
    except PermissionDenied as refusal:
        frozen = True
        messages.warning(request, str(refusal))  # the typed values stay on screen
    if request.method == "POST" and not frozen:
        if form.is_valid():
            try:
                entry.save_plan_target(
                    form=form, district=district, year=year, expected_version=form.cleaned_data["version"],
                    by=request.user,
                )  # fmt: skip
            except entry.EditConflict as conflict:
                messages.error(request, conflict_message(conflict))
                # Show the values typed, with the version saved now: pressing Save again keeps them.
                current = DistrictPlanTarget.objects.filter(district=district, year=year).first()
                form.data = form.data.copy()
                form.data["version"] = entry.plan_target_version(current)
            else:
                messages.success(request, _("Targets saved."))
                return redirect(safe_next(request) or request.path)
        else:
            messages.error(
                request,
                _("Nothing was saved: please correct the figures marked in red. Everything you typed is still here."),
            )
    if not can_write or (frozen and request.method != "POST"):
        _disable(form)
        form.helper.inputs = []
    return render(
        request,
        "reports/entry/plan_targets.html",
        {"district": district, "year": year, "form": form, "can_write": can_write},
    )


def _commune_record(commune, period, *, can_write):
    """(report, CommuneQuarter) of the commune's page: opened for writing (created on first sight) when the user
    may write and the report is with the district; otherwise the existing one, read-only (404 if no report)."""
    found = (
        CommuneQuarter.objects.select_related("report", "updated_by")
        .filter(report__district=commune.district, report__period=period, commune=commune)
        .first()
    )
    if found is not None:  # the usual case, in one query: whether editable or not, the page shows this record
        found.report.period, found.report.district, found.commune = period, commune.district, commune  # loaded
        return found.report, found
    if can_write and period.is_open:
        report = entry.open_report(district=commune.district, period=period)
        report.period = period  # already loaded: is_editable and the pre-fill read it
        if report.is_editable:
            return report, entry.open_commune_quarter(report=report, commune=commune)
    report = get_object_or_404(
        DistrictReport.objects.select_related("period"), district=commune.district, period=period
    )
    record = CommuneQuarter.objects.filter(report=report, commune=commune).first()
    return report, record or CommuneQuarter(report=report, commune=commune)


def _save_versioned(request, data, record, *, forms, save, explain_conflict=None):
    """Validate and save a page of forms guarded by `record.version`.

    Returns (saved, version): on success the caller redirects; otherwise the page is shown again with
    the user's values and the version to post next (the current one after an edit conflict, so a
    second press of Save deliberately keeps the user's values).
    """
    version = record.version
    if request.method != "POST":
        return False, version if data is None else _version_of(data, default=version)
    if not all([form.is_valid() for form in forms]):  # a list: every form validates, so all errors show
        messages.error(
            request,
            _("Nothing was saved: please correct the figures marked in red. Everything you typed is still here."),
        )
        return False, version
    try:
        save(posted_version(request))
    except entry.EditConflict as conflict:
        messages.error(request, (explain_conflict or conflict_message)(conflict))
        return False, type(record).objects.get(pk=record.pk).version
    messages.success(request, _("Saved. You can continue later: the draft is kept."))
    return True, version


def posted_version(request):
    """The version the posted page was loaded at (entry pages and the provincial report); -1 if missing or tampered."""
    return _version_of(request.POST, default=-1)


def _version_of(data, *, default):
    """The version a form was loaded at; -1 (never current) when it is missing or tampered with."""
    try:
        return int(data.get("version", default))
    except (TypeError, ValueError):
        return -1


def _attach_comments(form, by_target, prefix):
    """Show the reviewer's comments on a figure under its field (crispy renders help text below the input)."""
    for target, comments in by_target.items():
        name = target[len(prefix) :] if target.startswith(prefix) else None
        if name in form.fields:
            notes = format_html_join(
                "",
                '<span class="d-block text-danger review-comment">{} {}</span>',
                ((_("PDRD comment:"), c.text) for c in comments),
            )
            form.fields[name].help_text = format_html("{}{}", notes, form.fields[name].help_text)


def _after_commune_save(request, commune, period):
    """Where a saved commune page goes: the page again, or with "Save and go on" the next commune the user may
    enter, or after the last one the district's report (for those who may read it)."""
    if request.POST.get("then") == "next":
        following = _next_commune(request.user, commune, period)
        if following is not None:
            return reverse("reports:commune", args=[commune.district.code, period.year, period.quarter, following.code])
        if _can_read_district(request.user, commune):
            return reverse("reports:report", args=[commune.district.code, period.year, period.quarter])
    return request.path


def _can_read_district(user, commune):
    """SECURITY: whether `user` reads the commune's district (scoping's read rule, no query)."""
    return scoping.may_read(user, province=commune.district.province_id, district=commune.district_id)


def _next_commune(user, commune, period):
    """The commune after this one (in code order) in the same district that `user` may enter, active in the
    quarter; None at the last one."""
    return (
        Commune.objects.editable_by(user)
        .active_on(period.bounds[0])
        .filter(district_id=commune.district_id, code__gt=commune.code)
        .order_by("code")
        .first()
    )


def _disable(*forms):
    for form in forms:
        for field in form.fields.values():
            field.disabled = True
