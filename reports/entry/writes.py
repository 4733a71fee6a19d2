"""Write paths for data entry: saving a commune page, the district section, plan targets.

Each save is one transaction that locks the record it versions and refuses a save based on
an out-of-date copy (someone else saved in between), so two people never silently overwrite
each other. Every change goes through simple-history, so each number keeps its history.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.forms import BaseInlineFormSet
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from districts.models import Commune, District, Village
from districts.people import display_name
from reports import quarters
from reports.entry.forms import (
    BaseVillageFormSet,
    CommuneActivityForm,
    DistrictSectionForm,
    PlanTargetForm,
    ProvincialNarrativeForm,
    TrainingForm,
)
from reports.models import (
    COUNTED_STATUSES,
    CommuneQuarter,
    DistrictPlanTarget,
    DistrictReport,
    ProvincialReport,
    ReportingPeriod,
    ReportStatus,
    Training,
    VillageQuarter,
)

# The records saved under an edit version (`version`, `updated_by`, `updated_at`): these, and any other page's record
# with those three fields (the MRD's settings page: reports.dashboards.models.ScorecardWeights).
_Versioned = TypeVar("_Versioned", bound=models.Model)


def set_history_user(record: models.Model, user: User) -> None:
    """Name `user` as the author of the history row simple-history writes when `record` is next saved or deleted."""
    record._history_user = user  # type: ignore[attr-defined]  # simple-history's per-instance hook, not a model field


class EditConflict(Exception):
    """Someone saved the same record after this user opened it."""

    def __init__(self, saved_by: str, saved_at: datetime.datetime | None) -> None:
        self.saved_by, self.saved_at = saved_by, saved_at
        super().__init__(f"saved by {saved_by} at {saved_at}")


def _check_editable(report: DistrictReport) -> None:
    # SECURITY: a submitted or approved report, or a closed quarter, cannot change by any path.
    if not report.is_editable:
        raise PermissionDenied(
            _("This report cannot be changed now: it is %(status)s or its quarter is closed.")
            % {"status": report.get_status_display().lower()}
        )


def _lock_editable(report: DistrictReport) -> DistrictReport:
    """SECURITY: lock the report's row to the end of the transaction and check, under the lock, that it may still
    change. Submission locks the same row first, so a save and a submission of one report never interleave: a
    save that arrives after the submission is refused instead of landing in a submitted report."""
    locked = DistrictReport.objects.select_for_update(of=("self",)).select_related("period").get(pk=report.pk)
    _check_editable(locked)
    return locked


def claim_version(model: type[_Versioned], pk: int, expected_version: int, by: User) -> _Versioned:
    """Lock the versioned row; refuse if it moved on since the user loaded it (EditConflict); bump its version and
    name `by` as its last editor (the caller saves it). Call inside the transaction that saves the page."""
    # No select_related here: PostgreSQL cannot lock the nullable side of an outer join. The
    # user who saved first is loaded after the lock, and only on a conflict.
    record: Any = model._default_manager.select_for_update().get(pk=pk)
    if record.version != expected_version:
        who = display_name(record.updated_by) or "?"
        raise EditConflict(who, record.updated_at)
    record.version += 1
    record.updated_by = by
    record.updated_at = timezone.now()
    return record


def previous_village_values(
    report: DistrictReport, villages: Iterable[Village] | Iterable[int]
) -> dict[int, VillageQuarter]:
    """Last quarter's figures for these villages, whatever report they were filed under: {village_id: row}.
    One query: last quarter is found by its year and quarter in the join, not fetched first."""
    year, quarter = quarters.previous_quarter(report.period.year, report.period.quarter)
    rows = VillageQuarter.objects.filter(
        report__period__year=year, report__period__quarter=quarter, village__in=villages
    ).order_by()  # a dict: no sort
    return {row.village_id: row for row in rows}


def active_villages(commune: Commune, period: ReportingPeriod) -> list[Village]:
    """The commune's villages that exist in the quarter, in code order."""
    return list(commune.villages.active_on(period.bounds[0]).order_by("code"))


def village_rows(
    report: DistrictReport,
    commune: Commune,
    previous_rows: Mapping[int, VillageQuarter],
    villages: list[Village] | None = None,
) -> list[VillageQuarter]:
    """The commune's village rows for the report, in code order (`villages`, if already fetched with
    active_villages); unsaved rows are pre-filled from last quarter."""
    if villages is None:
        villages = active_villages(commune, report.period)
    existing = {row.village_id: row for row in report.village_quarters.filter(village__commune=commune).order_by()}
    rows: list[VillageQuarter] = []
    for village in villages:
        row = existing.get(village.id)
        if row is None:
            row = VillageQuarter(report=report, village=village)
            before = previous_rows.get(village.id)
            if before is not None:
                for field in VillageQuarter.CARRIED_FIELDS:
                    setattr(row, field, getattr(before, field))
                row.prefilled = True  # type: ignore[attr-defined]  # a mark for the page, not a model field
        row.village = village  # already loaded; avoids a query per row in templates
        rows.append(row)
    return rows


@transaction.atomic
def save_commune_page(
    *,
    commune_quarter: CommuneQuarter,
    activity_form: CommuneActivityForm,
    village_formset: BaseVillageFormSet,
    expected_version: int,
    by: User,
) -> CommuneQuarter:
    """Save a commune's activities and village rows together."""
    _lock_editable(commune_quarter.report)
    record = claim_version(CommuneQuarter, commune_quarter.pk, expected_version, by)
    for field in CommuneQuarter.ACTIVITY_FIELDS:
        setattr(record, field, activity_form.cleaned_data.get(field))
    set_history_user(record, by)
    record.save()
    rows = village_formset.rows_to_save()
    new = [row for row in rows if row.pk is None]
    changed = [row for row in rows if row.pk is not None]
    if new:
        bulk_create_with_history(new, VillageQuarter, default_user=by)
    if changed:
        fields = VillageQuarter.COUNT_FIELDS + ["odf_status", "odf_status_date", "explanation", "confirmed"]
        bulk_update_with_history(changed, VillageQuarter, fields, default_user=by)
    return record


@transaction.atomic
def save_district_section(
    *,
    report: DistrictReport,
    form: DistrictSectionForm,
    training_formset: BaseInlineFormSet[Training, DistrictReport, TrainingForm],
    expected_version: int,
    by: User,
) -> DistrictReport:
    _lock_editable(report)
    record = claim_version(DistrictReport, report.pk, expected_version, by)
    for field in form.Meta.fields:
        setattr(record, field, form.cleaned_data.get(field))
    set_history_user(record, by)
    record.save()
    training_formset.instance = record
    for training in training_formset.save(commit=False):
        set_history_user(training, by)
        training.save()
    for training in training_formset.deleted_objects:
        set_history_user(training, by)
        training.delete()
    return record


@transaction.atomic
def save_provincial_narrative(
    *, provincial_report: ProvincialReport, form: ProvincialNarrativeForm, expected_version: int, by: User
) -> ProvincialReport:
    """Save the province's narrative of its quarterly report (the PDRD's own section), guarded by its version."""
    record = claim_version(ProvincialReport, provincial_report.pk, expected_version, by)
    if not record.is_editable:
        raise PermissionDenied(_("You cannot change this provincial report."))
    for field in form.Meta.fields:
        setattr(record, field, form.cleaned_data.get(field))
    record.save()
    return record


def plan_target_version(target: DistrictPlanTarget | None) -> str:
    """The edit version of a year's targets: when they were last saved ("" while there are none)."""
    return target.updated_at.isoformat() if target is not None and target.pk is not None else ""


@transaction.atomic
def save_plan_target(
    *, form: PlanTargetForm, district: District, year: int, expected_version: str, by: User
) -> DistrictPlanTarget:
    """Save a year's District Sanitation Plan targets, unless a report of that year is submitted or approved: its
    progress against the plan is part of what was submitted (PermissionDenied, as for any locked figure). Two
    people saving the targets at once: the second save is refused (EditConflict), as on every entry page."""
    require_targets_unlocked(district, year)
    saved = DistrictPlanTarget.objects.select_for_update().filter(district=district, year=year).first()
    if plan_target_version(saved) != expected_version:
        assert saved is not None  # a version that is not "" belongs to a saved row
        raise EditConflict(display_name(saved.updated_by) or "?", saved.updated_at)
    if saved is not None:
        form.instance.pk = saved.pk
    target: DistrictPlanTarget = form.save(commit=False)
    target.district, target.year, target.updated_by = district, year, by
    set_history_user(target, by)
    target.save()
    return target


def targets_locked_by(district: District, year: int) -> DistrictReport | None:
    """The submitted or approved report of `year` that freezes the district's plan targets for that year, if any."""
    return (
        DistrictReport.objects.filter(district=district, period__year=year, status__in=COUNTED_STATUSES)
        .select_related("period")
        .order_by("period__quarter")
        .first()
    )


def require_targets_unlocked(district: District, year: int) -> None:
    locked = targets_locked_by(district, year)
    if locked is not None:
        raise PermissionDenied(
            _(
                "The %(year)s targets cannot change: the %(quarter)s report is %(status)s and shows progress against "
                "them. Ask the PDRD to reopen it first."
            )
            % {"year": year, "quarter": locked.period.label, "status": locked.get_status_display().lower()}
        )


def open_report(*, district: District, period: ReportingPeriod) -> DistrictReport:
    """The district's report for the quarter, created as a draft the first time a DSO opens it, with the money
    carried from last quarter's report (budget_carried_from)."""
    existing = DistrictReport.objects.filter(district=district, period=period).first()
    if existing is not None:
        return existing
    previous_period = period.previous()
    previous = (
        DistrictReport.objects.filter(district=district, period=previous_period).first() if previous_period else None
    )
    report, _created = DistrictReport.objects.get_or_create(
        district=district,
        period=period,
        defaults={"status": ReportStatus.DRAFT, **budget_carried_from(previous, period)},
    )
    return report


def budget_carried_from(previous: DistrictReport | None, period: ReportingPeriod) -> dict[str, Decimal]:
    """What a new report starts with from last quarter's report of the same year (a year starts afresh): the
    annual allocation, and the balance "received in earlier quarters of this year and not yet spent" (last
    quarter's carried-over balance plus what it received, minus what it spent), when last quarter entered any of
    those. The DSO checks and corrects them."""
    if previous is None or previous.period.year != period.year:
        return {}
    carried: dict[str, Decimal] = {}
    if previous.ft_annual_allocation is not None:
        carried["ft_annual_allocation"] = previous.ft_annual_allocation
    spent = previous.spent_total
    if previous.ft_carried_over is not None or previous.ft_received is not None or spent is not None:
        balance = (previous.ft_carried_over or Decimal(0)) + (previous.ft_received or Decimal(0)) - (spent or 0)
        if balance >= 0:  # an overspent quarter (refused by the entry rules since) is for the DSO to explain
            carried["ft_carried_over"] = balance
    return carried


def open_commune_quarter(*, report: DistrictReport, commune: Commune) -> CommuneQuarter:
    record, _created = CommuneQuarter.objects.select_related("updated_by").get_or_create(report=report, commune=commune)
    return record
