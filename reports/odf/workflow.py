"""The ODF lifecycle of a village: each step one function, the only code that changes a claim's state.

    claimed → team_assigned → passed → certified
                            ↘ failed → returned        (claimed, passed and failed may also be returned)
    certified village → re-verification (a new claim, opened by the PDRD with its team) → passed → certified
                                                                                        ↘ failed: slippage

Who may do what (checked here, with the scoped lookups of districts/scoping.py):
- claim: the DSO of the village's district or the focal point of its commune;
- assign a team, open a re-verification, certify, return, record a slippage: a PDRD reviewer of the province;
- record the visit: a member of the claim's team, who must still hold no assignment over the village.

Each step: keyword-only arguments, `by` the actor, one transaction, an OdfEvent, `odf_status_changed` sent inside
the transaction (the rollups stage marks the district-quarter stale and rebuilds it after commit), and a
ValidationError with a translated message when a rule refuses (PermissionDenied when the role or scope does).
"""

import datetime
from collections.abc import Mapping, Sequence

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from districts import scoping
from districts.models import Village
from districts.people import display_name
from reports.models import VillageQuarter
from reports.odf import photos as odf_photos
from reports.odf import teams
from reports.odf.models import (
    ChecklistItem,
    OdfAction,
    OdfClaim,
    OdfEvent,
    OdfSlippage,
    OdfVisit,
    OdfVisitAnswer,
)
from reports.odf.photos import PreparedPhoto
from reports.odf.status import village_certification
from reports.signals import odf_status_changed

State = OdfClaim.State


def _refuse_unless(condition: object, message: str) -> None:
    if not condition:
        raise ValidationError(message)


def _record(
    village: Village,
    action: OdfAction,
    by: User | None,
    claim: OdfClaim | None = None,
    before: str = "",
    note: str = "",
) -> OdfEvent:
    event = OdfEvent.objects.create(
        village=village,
        claim=claim,
        action=action,
        from_state=before,
        to_state=claim.state if claim else "",
        by=by,
        note=note,
    )
    odf_status_changed.send(sender=OdfEvent, village=village, on=timezone.localdate())
    return event


def _lock(claim: OdfClaim) -> OdfClaim:
    return OdfClaim.objects.select_for_update().select_related("village__commune__district").get(pk=claim.pk)


def may_declare(user: User, village: Village) -> bool:
    """SECURITY: the village's DSO or commune focal point (scoping's write rule on the village in hand, no query)."""
    return scoping.may_write(user, district=village.commune.district_id, commune=village.commune_id)


def _require_area(village: Village, by: User) -> None:
    # SECURITY: only the village's own DSO or commune focal point declares it ODF.
    if not may_declare(by, village):
        raise PermissionDenied(
            _("Only the District Sanitation Officer or the commune focal point of %(village)s can declare it ODF.")
            % {"village": village.name}
        )


def _require_reviewer(village: Village, by: User) -> None:
    # SECURITY: only a PDRD reviewer of the village's province verifies, certifies or returns.
    if not scoping.may_review(by, province=village.commune.district.province_id):
        raise PermissionDenied(
            _("Only a PDRD reviewer of %(province)s can do this.")
            % {"province": village.commune.district.province.name}
        )


def _require_state(claim: OdfClaim, states: Sequence[str], message: str) -> None:
    _refuse_unless(claim.state in states, message % {"state": claim.get_state_display().lower()})


def _text(value: str | None) -> str:
    return (value or "").strip()


@transaction.atomic
def claim(*, village: Village, by: User, declared_on: datetime.date, evidence: str) -> OdfClaim:
    """Declare `village` ODF: a claim waiting for a verification team."""
    _require_area(village, by)
    Village.objects.select_for_update().filter(pk=village.pk).first()  # one claim at a time per village
    _refuse_unless(not village.is_retired, _("This village is retired: it cannot be declared ODF."))
    _refuse_unless(
        not OdfClaim.objects.open().filter(village=village).exists(),
        _("A verification of this village is already under way."),
    )
    _refuse_unless(village_certification(village) is None, _("This village is already certified ODF."))
    _refuse_unless(declared_on <= timezone.localdate(), _("The declaration date cannot be in the future."))
    _refuse_unless(_text(evidence), _("Summarise the evidence that the village is ODF."))
    new = OdfClaim.objects.create(village=village, declared_on=declared_on, evidence=_text(evidence), claimed_by=by)
    _record(village, OdfAction.CLAIMED, by, new, note=new.evidence)
    return new


def _check_team(village: Village, members: Sequence[User], due_on: datetime.date) -> None:
    _refuse_unless(members, _("Choose at least one member of the verification team."))
    refused = teams.ineligible(village, list(members))
    _refuse_unless(
        not refused,
        _(
            "No one verifies their own area: %(people)s cannot verify %(village)s (they work in its district or "
            "commune, or are not a District Sanitation Officer or commune focal point of the province)."
        )
        % {"people": ", ".join(display_name(u) or u.username for u in refused), "village": village.name},
    )
    _refuse_unless(due_on >= timezone.localdate(), _("The visit's due date cannot be in the past."))


def _team_note(members: Sequence[User], due_on: datetime.date) -> str:
    """Names and the due date, in no language: an event's note is read in every language as it was written."""
    return ", ".join(display_name(u) or u.username for u in members) + f" · {due_on.isoformat()}"


@transaction.atomic
def assign_team(*, claim: OdfClaim, by: User, members: Sequence[User], due_on: datetime.date) -> OdfEvent:
    """The PDRD sends a team from elsewhere to verify a claimed village by `due_on`."""
    _require_reviewer(claim.village, by)
    claim = _lock(claim)
    _require_state(
        claim, [State.CLAIMED], _("Only a claim waiting for a team can be given one; this one is: %(state)s.")
    )
    _check_team(claim.village, members, due_on)
    before = claim.state
    claim.state, claim.visit_due_on = State.TEAM_ASSIGNED, due_on
    claim.save(update_fields=["state", "visit_due_on"])
    claim.team.set(members)
    return _record(claim.village, OdfAction.TEAM_ASSIGNED, by, claim, before, _team_note(members, due_on))


@transaction.atomic
def start_reverification(*, village: Village, by: User, members: Sequence[User], due_on: datetime.date) -> OdfClaim:
    """The PDRD opens the re-verification of a certified village, with its team and due date."""
    _require_reviewer(village, by)
    Village.objects.select_for_update().filter(pk=village.pk).first()
    _refuse_unless(village_certification(village) is not None, _("Only a certified village is re-verified."))
    _refuse_unless(
        not OdfClaim.objects.open().filter(village=village).exists(),
        _("A verification of this village is already under way."),
    )
    _check_team(village, members, due_on)
    new = OdfClaim.objects.create(
        village=village,
        kind=OdfClaim.Kind.REVERIFICATION,
        state=State.TEAM_ASSIGNED,
        declared_on=timezone.localdate(),
        claimed_by=by,
        visit_due_on=due_on,
    )
    new.team.set(members)
    _record(village, OdfAction.REVERIFICATION, by, new, note=_team_note(members, due_on))
    return new


def _check_visit(
    claim: OdfClaim, visited_on: datetime.date, households: int, answers: Mapping[int, bool], result: str, reasons: str
) -> list[ChecklistItem]:
    items = list(ChecklistItem.objects.active())
    _refuse_unless(all(item.pk in answers for item in items), _("Answer every item of the checklist, yes or no."))
    _refuse_unless(visited_on <= timezone.localdate(), _("The visit date cannot be in the future."))
    _refuse_unless(visited_on >= claim.declared_on, _("The visit date cannot be before the village was declared ODF."))
    _refuse_unless(households > 0, _("Give the number of households visited."))
    _refuse_unless(result in OdfVisit.Result.values, _("Choose the result: pass or fail."))
    if result == OdfVisit.Result.PASS:
        _refuse_unless(
            all(answers[item.pk] for item in items),
            _("A village passes only when every checklist item is met; otherwise record a fail with the reasons."),
        )
    else:
        _refuse_unless(reasons, _("Give the reasons the village failed."))
    return items


def record_visit(
    *,
    claim: OdfClaim,
    by: User,
    visited_on: datetime.date,
    households_visited: int,
    answers: Mapping[int, bool],
    result: str,
    reasons: str = "",
    photos: Sequence[PreparedPhoto] = (),
) -> OdfVisit:
    """A member of the team records what they found. A failed re-verification records the village's slippage.
    `answers`: {checklist item id: met}, one for every active item; `photos` already prepared (photos.prepare).

    The photos' files are written last, inside the transaction, and removed again when it rolls back, whatever
    fails (the commit included): no file is left under MEDIA_ROOT without its row. With photos the transaction must
    be the outermost one (durable: RuntimeError inside another), since a caller's later rollback could not remove
    them."""
    # SECURITY: only a member of this claim's team, and only while they hold no assignment over the village.
    if not claim.team.filter(pk=by.pk).exists() or teams.ineligible(claim.village, [by]):
        raise PermissionDenied(_("Only a member of the verification team can record this visit."))
    written: list[str] = []
    try:
        with transaction.atomic(durable=bool(photos)):
            visit = _save_visit(claim, by, visited_on, households_visited, answers, result, reasons)
            for photo in photos:
                odf_photos.save_photo(visit, photo, written)
    except BaseException:
        odf_photos.remove_files(written)  # their rows were rolled back
        raise
    return visit


def _save_visit(
    claim: OdfClaim,
    by: User,
    visited_on: datetime.date,
    households: int,
    answers: Mapping[int, bool],
    result: str,
    reasons: str,
) -> OdfVisit:
    """record_visit's rows, inside its transaction: the visit, its answers, the claim's new state and its event."""
    claim = _lock(claim)
    _require_state(
        claim,
        [State.TEAM_ASSIGNED],
        _("Only a claim with a team waiting for its visit can record one; it is: %(state)s."),
    )
    reasons = _text(reasons)
    items = _check_visit(claim, visited_on, households, answers, result, reasons)
    visit = OdfVisit.objects.create(
        claim=claim,
        visited_on=visited_on,
        households_visited=households,
        result=result,
        reasons=reasons,
        recorded_by=by,
    )
    OdfVisitAnswer.objects.bulk_create(OdfVisitAnswer(visit=visit, item=item, met=answers[item.pk]) for item in items)
    before = claim.state
    claim.state = State.PASSED if result == OdfVisit.Result.PASS else State.FAILED
    claim.save(update_fields=["state"])
    _record(claim.village, OdfAction.VISITED, by, claim, before, note=reasons)  # the result: the claim's new state
    if claim.kind == OdfClaim.Kind.REVERIFICATION and result == OdfVisit.Result.FAIL:
        _slip(claim.village, by, visited_on, reasons, OdfSlippage.Source.REVERIFICATION, claim=claim)
    return visit


@transaction.atomic
def certify(*, claim: OdfClaim, by: User) -> OdfEvent:
    """The PDRD certifies a village whose visit passed. Nobody certifies a visit they made."""
    _require_reviewer(claim.village, by)
    claim = _lock(claim)
    _require_state(claim, [State.PASSED], _("Only a village whose visit passed can be certified; it is: %(state)s."))
    # SECURITY: separation of duties, as for reports: the verifier does not certify their own finding.
    _refuse_unless(
        not claim.team.filter(pk=by.pk).exists(),
        _("You were on the verification team: another PDRD reviewer of the province must certify."),
    )
    before = claim.state
    claim.state, claim.decided_by = State.CERTIFIED, by
    claim.certified_on, claim.certified_at = timezone.localdate(), timezone.now()
    claim.save(update_fields=["state", "decided_by", "certified_on", "certified_at"])
    return _record(claim.village, OdfAction.CERTIFIED, by, claim, before)


@transaction.atomic
def return_claim(*, claim: OdfClaim, by: User, reason: str) -> OdfEvent:
    """The PDRD returns a claim (not ODF yet, or the visit failed), with the reason; the commune may declare again."""
    _require_reviewer(claim.village, by)
    claim = _lock(claim)
    _require_state(
        claim,
        [State.CLAIMED, State.PASSED, State.FAILED],
        _("Only a claim waiting for a team or for a decision can be returned; it is: %(state)s."),
    )
    _refuse_unless(_text(reason), _("Give the reason for returning the claim."))
    before = claim.state
    claim.state, claim.decided_by, claim.return_reason = State.RETURNED, by, _text(reason)
    claim.save(update_fields=["state", "decided_by", "return_reason"])
    return _record(claim.village, OdfAction.RETURNED, by, claim, before, note=claim.return_reason)


def _slip(
    village: Village,
    by: User | None,
    slipped_on: datetime.date,
    reason: str,
    source: str,
    claim: OdfClaim | None = None,
    village_quarter: VillageQuarter | None = None,
) -> OdfSlippage:
    slippage = OdfSlippage.objects.create(
        village=village,
        slipped_on=slipped_on,
        reason=reason,
        source=source,
        claim=claim,
        village_quarter=village_quarter,
        recorded_by=by,
    )
    _record(village, OdfAction.SLIPPED, by, claim, note=reason)  # the source is on the slippage, shown translated
    return slippage


@transaction.atomic
def record_slippage(*, village: Village, by: User, slipped_on: datetime.date, reason: str) -> OdfSlippage:
    """The PDRD records that a certified village slipped (seen outside a visit or a report)."""
    _require_reviewer(village, by)
    Village.objects.select_for_update().filter(pk=village.pk).first()
    _refuse_unless(village_certification(village) is not None, _("Only a certified village can slip."))
    _refuse_unless(slipped_on <= timezone.localdate(), _("The date cannot be in the future."))
    _refuse_unless(_text(reason), _("Give the reason."))
    return _slip(village, by, slipped_on, _text(reason), OdfSlippage.Source.REVIEWER)


@transaction.atomic
def slippage_from_quarterly_report(*, village_quarter: VillageQuarter) -> OdfSlippage | None:
    """Record a slippage when a certified village's figures for a quarter that ended after its (current)
    certification show households practising open defecation; None when they do not, or when this row already
    recorded one. No actor: a report's approval sets it in motion (reports/odf/receivers.py)."""
    households = village_quarter.hh_open_defecation or 0
    period = village_quarter.report.period
    quarter_end = period.bounds[1]
    cert = village_certification(village_quarter.village)
    if households <= 0 or cert is None or cert.certified_on >= quarter_end:
        return None
    if OdfSlippage.objects.filter(village_quarter=village_quarter).exists():
        return None
    # Nobody reads it as it is written: the reason is kept in the portal's default language.
    with override(settings.LANGUAGE_CODE):
        reason = _("%(households)d households practising open defecation in the %(quarter)s report.") % {
            "households": households,
            "quarter": period.label,
        }
    return _slip(
        village_quarter.village,
        None,
        quarter_end,
        reason,
        OdfSlippage.Source.QUARTERLY_REPORT,
        village_quarter=village_quarter,
    )
