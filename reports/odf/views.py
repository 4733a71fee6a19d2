"""ODF pages: the PDRD's verification queue, a village's ODF page (status, history, the declaration form), the team,
the visit, certify / return (confirmed), slippage.

Every village is fetched through the scoped lookups (a village out of reach is a 404); a reader without the role a
step needs gets a 403; the workflow functions check again and refuse with a message shown on the page.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from districts import scoping
from districts.models import District, Village
from drssd_portal.auth import login_required_keeping_post, restore_stashed_post
from reports.odf import forms, status, teams, to_declare, workflow
from reports.odf.models import OdfClaim, OdfPhoto, OdfVisit

State = OdfClaim.State


def _village(user, code):
    """SECURITY: a village the user may read, or 404."""
    return get_object_or_404(Village.objects.visible_to(user).select_related("commune__district__province"), code=code)


def _is_reviewer(user, village):
    """SECURITY: a PDRD reviewer of the village's province (scoping's review rule on the village in hand, no query)."""
    return scoping.may_review(user, province=village.commune.district.province_id)


def _require_reviewer(user, village):
    # SECURITY: verification, certification and slippage are the PDRD's (403 for every other reader).
    if not _is_reviewer(user, village):
        raise PermissionDenied(
            _("Only a PDRD reviewer of %(province)s can do this.")
            % {"province": village.commune.district.province.name}
        )


def _open_claim(village):
    return village.odf_claims.open().select_related("claimed_by").prefetch_related("team").first()


def _refused(request, form, error):
    """A workflow refusal shown on the form, which keeps everything typed."""
    for message in error.messages:
        form.add_error(None, message)


def _can_claim(user, village, claim, certification):
    return claim is None and certification is None and not village.is_retired and workflow.may_declare(user, village)


@login_required
def village_odf(request, village, claim_form=None):
    """A village's ODF page: its status, the verification under way, its history; the declaration form for its
    DSO and commune focal point; the PDRD's actions."""
    village = _village(request.user, village)
    claim = _open_claim(village)
    certification = status.village_certification(village)
    can_claim = _can_claim(request.user, village, claim, certification)
    # The commune and district certificates are offered here, where a certification can make them ODF.
    commune_odf = certification is not None and status.commune_is_odf(village.commune)
    district = village.commune.district
    district_odf = (
        commune_odf
        and scoping.may_read(request.user, province=district.province_id, district=district.pk)
        and status.district_is_odf(district)
    )
    if can_claim and claim_form is None:
        claim_form = forms.ClaimForm(initial={"declared_on": _reported_day(request) or timezone.localdate()})
    return render(
        request,
        "reports/odf/village.html",
        {
            "village": village,
            "claim": claim,
            "visit": getattr(claim, "visit", None) if claim else None,
            "certification": certification,
            "commune_odf": commune_odf,
            "district_odf": district_odf,
            "due_on": status.reverification_due_on(certification.certified_on) if certification else None,
            "today": timezone.localdate(),
            "is_reviewer": _is_reviewer(request.user, village),
            "is_member": claim is not None and request.user in claim.team.all(),
            "claim_form": claim_form if can_claim else None,
            "events": village.odf_events.select_related("by", "claim").order_by("-at", "-id"),
            "slippages": village.odf_slippages.all(),
            "visits": OdfVisit.objects.filter(claim__village=village)
            .select_related("claim__village")
            .prefetch_related("photos")
            .order_by("-visited_on", "-pk"),
        },
    )


@login_required
@require_POST
def claim(request, village):
    code = village
    village = _village(request.user, code)
    # SECURITY: only the village's DSO or commune focal point declares it (read-only roles get a 403).
    if not workflow.may_declare(request.user, village):
        raise PermissionDenied(
            _("Only the village's District Sanitation Officer or commune focal point can declare it.")
        )
    form = forms.ClaimForm(request.POST)
    if form.is_valid():
        try:
            workflow.claim(
                village=village,
                by=request.user,
                declared_on=form.cleaned_data["declared_on"],
                evidence=form.cleaned_data["evidence"],
            )
        except ValidationError as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("Declared ODF. The PDRD will send a verification team."))
            return redirect("reports:odf_village", code)
    return village_odf(request, code, claim_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def assign_team(request, village):
    """The team for a declared village, or for the re-verification of a certified one."""
    code = village
    village = _village(request.user, code)
    _require_reviewer(request.user, village)
    claim = _open_claim(village)
    reverification = claim is None and status.village_certification(village) is not None
    if not reverification and (claim is None or claim.state != State.CLAIMED):
        messages.error(request, _("This village has no declaration waiting for a verification team."))
        return redirect("reports:odf_village", code)
    eligible = teams.eligible_verifiers(village).prefetch_related(
        "assignments__province", "assignments__district", "assignments__commune"
    )
    form = forms.TeamForm(request.POST or None, eligible=eligible)
    if request.method == "POST" and form.is_valid():
        members, due_on = list(form.cleaned_data["members"]), form.cleaned_data["due_on"]
        try:
            if reverification:
                workflow.start_reverification(village=village, by=request.user, members=members, due_on=due_on)
            else:
                workflow.assign_team(claim=claim, by=request.user, members=members, due_on=due_on)
        except ValidationError as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("The verification team is assigned."))
            return redirect("reports:odf_village", code)
    context = {"village": village, "claim": claim, "form": form, "reverification": reverification}
    return render(request, "reports/odf/team.html", context)


@login_required_keeping_post
@require_http_methods(["GET", "POST"])
def visit(request, village):
    """The team's visit form (a phone in the village is the usual screen). Nothing typed is lost on a flaky
    connection, as on the entry pages: a visit posted after the session ended is kept and shown again after logging
    in (the photos must be chosen again), and the page keeps what is typed in the browser (js/keep-typed.js)."""
    # SECURITY: the claims the user may read, or whose team they are on; anything else is a 404.
    claim = get_object_or_404(
        OdfClaim.objects.visible_to(request.user).open().select_related("village__commune__district__province"),
        village__code=village,
    )
    if not claim.team.filter(pk=request.user.pk).exists():
        raise PermissionDenied(_("Only a member of the verification team can record this visit."))
    form = None
    if claim.state == State.TEAM_ASSIGNED:
        data = request.POST if request.method == "POST" else restore_stashed_post(request)
        form = forms.VisitForm(
            data,
            request.FILES or None,
            items=forms.checklist(),
            initial={"visited_on": timezone.localdate()},
        )
        if request.method == "POST" and form.is_valid():
            try:
                _record_visit(request, claim, form)
            except ValidationError as error:
                _refused(request, form, error)
            else:
                messages.success(request, _("The visit is recorded. The PDRD will certify or return the claim."))
                return redirect("reports:odf_visit", village)
    return render(request, "reports/odf/visit.html", {"claim": claim, "village": claim.village, "form": form})


def _record_visit(request, claim, form):
    workflow.record_visit(
        claim=claim,
        by=request.user,
        visited_on=form.cleaned_data["visited_on"],
        households_visited=form.cleaned_data["households_visited"],
        answers=form.answers(),
        result=form.cleaned_data["result"],
        reasons=form.cleaned_data["reasons"],
        photos=form.cleaned_data["photos"],
    )


def _decision(request, village, states, message):
    """(village, open claim) for a PDRD decision, or a redirect with `message` when there is none to decide."""
    village = _village(request.user, village)
    _require_reviewer(request.user, village)
    claim = _open_claim(village)
    if claim is None or claim.state not in states:
        messages.error(request, message)
        return village, None
    return village, claim


@login_required
@require_http_methods(["GET", "POST"])
def certify(request, village):
    """GET: the confirmation. POST with confirm=yes: certify. A POST without it changes nothing and asks again."""
    village, claim = _decision(request, village, [State.PASSED], _("This village has no passed visit to certify."))
    if claim is None:
        return redirect("reports:odf_village", village.code)
    if request.method == "POST":
        if request.POST.get("confirm") == "yes":
            try:
                workflow.certify(claim=claim, by=request.user)
            except ValidationError as error:
                for text in error.messages:
                    messages.error(request, text)
            else:
                messages.success(request, _("Certified ODF."))
            return redirect("reports:odf_village", village.code)
        messages.error(request, _("Not certified: confirm below that you want to certify the village."))
    return render(request, "reports/odf/certify_confirm.html", {"village": village, "claim": claim})


@login_required
@require_http_methods(["GET", "POST"])
def return_claim(request, village):
    """GET: the confirmation with the reason. POST with confirm=yes and a reason: return the claim."""
    village, claim = _decision(
        request,
        village,
        [State.CLAIMED, State.PASSED, State.FAILED],
        _("This village has no claim waiting for a decision."),
    )
    if claim is None:
        return redirect("reports:odf_village", village.code)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Not returned: confirm below that you want to return the claim."))
        elif form.is_valid():
            try:
                workflow.return_claim(claim=claim, by=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                _refused(request, form, error)
            else:
                messages.success(request, _("Returned, with your reason."))
                return redirect("reports:odf_village", village.code)
    return render(request, "reports/odf/return_confirm.html", {"village": village, "claim": claim, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def slippage(request, village):
    """The PDRD records that a certified village slipped back to open defecation."""
    code = village
    village = _village(request.user, code)
    _require_reviewer(request.user, village)
    form = forms.SlippageForm(request.POST or None, initial={"slipped_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            workflow.record_slippage(
                village=village,
                by=request.user,
                slipped_on=form.cleaned_data["slipped_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("Slippage recorded: the village no longer counts as certified."))
            return redirect("reports:odf_village", code)
    return render(request, "reports/odf/slippage.html", {"village": village, "form": form})


@login_required
def queue(request):
    """The PDRD's verification queue: declarations waiting for a team, visits overdue, visits waiting for a
    decision, and certified villages due for re-verification (within 30 days, or overdue)."""
    # SECURITY: the districts the user reviews; nobody else has a queue.
    districts = District.objects.reviewable_by(request.user)
    if not districts.exists():
        raise PermissionDenied(_("The verification queue is for PDRD reviewers."))
    claims = OdfClaim.objects.filter(village__commune__district__in=districts).select_related(
        "village__commune__district", "claimed_by"
    )
    certified = Village.objects.filter(commune__district__in=districts).filter(
        Q(odf_claims__state=State.CERTIFIED) | Q(predecessors__odf_claims__state=State.CERTIFIED)
    )
    today = timezone.localdate()
    return render(
        request,
        "reports/odf/queue.html",
        {
            "waiting": claims.filter(state=State.CLAIMED).order_by("claimed_at"),
            "overdue": claims.filter(state=State.TEAM_ASSIGNED, visit_due_on__lt=today)
            .prefetch_related("team")
            .order_by("visit_due_on"),
            "decide": claims.filter(state__in=[State.PASSED, State.FAILED])
            .select_related("visit")
            .order_by("visit__recorded_at"),
            "reverify": status.reverifications_due(certified.distinct().select_related("commune__district")),
        },
    )


@login_required
def my_visits(request):
    """The verifications whose team the user is on and whose visit is still to be recorded, the soonest due first."""
    claims = (
        request.user.odf_verifications.filter(state=State.TEAM_ASSIGNED)
        .select_related("village__commune__district__province")
        .order_by("visit_due_on")
    )
    return render(request, "reports/odf/my_visits.html", {"claims": claims, "today": timezone.localdate()})


@login_required
def declared_in_reports(request):
    """The villages the user's quarterly reports show as ODF, not yet declared for verification: each links to its
    declaration form with the report's date."""
    # SECURITY: the DSO's and commune focal point's page (those who declare); the list is their write scope only.
    reach = scoping.reach_of(request.user)
    if not reach.districts and not reach.communes:
        raise PermissionDenied(_("Only a District Sanitation Officer or a commune focal point declares villages ODF."))
    return render(
        request, "reports/odf/declared_in_reports.html", {"villages": to_declare.villages_to_declare(request.user)}
    )


def _reported_day(request):
    """?declared_on=YYYY-MM-DD (from the list above): the date the report gives, if it is a date not in the future."""
    try:
        day = datetime.date.fromisoformat(request.GET.get("declared_on", ""))
    except ValueError:
        return None
    return day if day <= timezone.localdate() else None


@login_required
def photo(request, village, pk):
    """A visit's photo, to those who may read the village and to the members of the visit's team."""
    # SECURITY: through the scoped claims; a photo of a village out of reach is a 404, whatever its id.
    photo = get_object_or_404(
        OdfPhoto.objects.filter(visit__claim__in=OdfClaim.objects.visible_to(request.user)),
        pk=pk,
        visit__claim__village__code=village,
    )
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
