"""A report's history: every state transition and every changed figure, who, when, old and new value.

Figures are recorded by django-simple-history on every save (and by bulk_*_with_history on the
commune pages), so a number cannot change without a history row. This module turns those rows into
lines a person can read:

- Names and values are kept raw (the model field, the stored value) and put into words only when the
  page renders, so each reader gets them in their own language: a choice's label instead of its code,
  Yes/No, dates in the language's format, money with two decimals.
- The first save of a commune page in a new quarter creates its village rows from last quarter's
  stock figures. Those carried values are folded into one line per save, which a reader can open,
  instead of a hundred "— → 120" lines that nobody typed.

The page pages and filters the lines in Python: the history of a report is loaded in a fixed number
of queries, whatever the number of villages or changes.
"""

import datetime
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.contrib.auth.models import User
from django.db import models
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext

from districts.models import Commune, Village
from districts.people import display_name
from districts.templatetags.portal import count, money
from reports import quarters
from reports.entry.writes import previous_village_values
from reports.models import (
    CommuneQuarter,
    DistrictReport,
    ReportingPeriod,
    ReviewComment,
    Training,
    VillageQuarter,
)

PER_PAGE = 50
EMPTY = "—"
# Bookkeeping, and the state fields whose changes the workflow events already show. Relations (the report,
# village, commune, district, period, the users who saved) are skipped too: they say where, not what.
SKIP = {"id", "version", "updated_at", "created_at", "is_demo", "status", "submitted_at", "approved_at"}
# How many village names a folded pre-fill line spells out before "…".
NAMED_VILLAGES = 3


def shown(model_field: models.Field, value: Any) -> str:
    """A stored value as people read it, in the active language: a choice's label rather than its code, Yes or No,
    a date in the language's format, money with two decimals, an em dash for nothing entered."""
    if value is None or value == "":
        return EMPTY
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return gettext("Yes") if value else gettext("No")
    if isinstance(model_field, models.DateTimeField):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(model_field, models.DateField):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(model_field, models.DecimalField):
        return money(value)
    if isinstance(model_field, models.IntegerField):
        return count(value)
    return str(value)


class PrefillSave(NamedTuple):
    """One save of a commune page that created village rows from last quarter's values."""

    commune_id: int
    save: int  # which save of the commune's page: the number of its activity records written until then
    user_id: int | None
    year: int  # the quarter the values came from
    quarter: int


@dataclass
class Change:
    """One figure's change. `old` and `new` are the stored values (None when empty); `field`, `old_text`,
    `new_text` and `where` are put into words in the active language when they are read."""

    at: datetime.datetime
    by: User | None  # None: saved outside a request (a script, the demo), or the account was deleted since
    where: Any  # a Village, a Commune, or a model's verbose name (lazy)
    model_field: models.Field
    old: Any
    new: Any
    created: bool = False  # the first record of its row: a value entered where there was none
    village_id: int | None = None
    prefill: PrefillSave | None = None  # carried over from last quarter by that save, not typed

    is_prefill = False

    @property
    def field(self) -> object:
        return self.model_field.verbose_name  # lazy: in the language of whoever reads it

    @property
    def old_text(self) -> str:
        return shown(self.model_field, self.old)

    @property
    def new_text(self) -> str:
        return shown(self.model_field, self.new)


@dataclass
class Prefill:
    """The values one save of a commune page carried over from last quarter into its new village rows."""

    save: PrefillSave
    changes: list[Change]  # newest first, as the page lists them

    is_prefill = True

    @property
    def at(self) -> datetime.datetime:
        return self.changes[0].at

    @property
    def by(self) -> User | None:
        return self.changes[0].by

    @property
    def where(self) -> Commune:
        return self.changes[0].where.commune  # loaded with the village: no query

    @property
    def source(self) -> ReportingPeriod:
        return ReportingPeriod(year=self.save.year, quarter=self.save.quarter)  # for its label only: not saved

    @property
    def rows(self) -> list[Change]:
        """The values carried over, by village code, each village's figures in the form's order."""
        return sorted(self.changes, key=lambda c: (c.where.code, c.model_field.creation_counter))

    @property
    def villages(self) -> list[Village]:
        return list({c.village_id: c.where for c in self.rows}.values())

    @property
    def village_names(self) -> str:
        names = [village.name for village in self.villages]
        shown_names = names[:NAMED_VILLAGES] + (["…"] if len(names) > NAMED_VILLAGES else [])
        return ", ".join(shown_names)


def _records(model: Any, **lookup: Any) -> QuerySet:
    return model.history.filter(**lookup).select_related("history_user").order_by("history_date", "history_id")


def _fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.fields if f.name not in SKIP and not f.is_relation]


def _diffs(records: Iterable[Any], where_of: Callable[[Any], Any], village: bool = False) -> list[Change]:
    """Field-level changes from simple-history records of several objects (each object's records in order)."""
    changes: list[Change] = []
    previous: dict[int, Any] = {}
    for record in records:
        before = previous.get(record.id)
        for f in _fields(record.instance_type):
            new = None if record.history_type == "-" else getattr(record, f.attname)  # deleted: its values go
            old = getattr(before, f.attname) if before is not None else None
            if (before is None and new in (None, "")) or old == new:
                continue
            change = Change(record.history_date, record.history_user, where_of(record), f, old, new)
            change.created = record.history_type == "+"
            change.village_id = record.village_id if village else None
            changes.append(change)
        previous[record.id] = record
    return changes


def _mark_prefilled(report: DistrictReport, changes: list[Change], commune_records: list[Any]) -> None:
    """Mark the values that a save of a commune page carried over from last quarter into the village rows it
    created (writes.village_rows), each with the save that did it. A value counts as carried over when it is
    last quarter's value of that village and figure; anything else was typed. One or two queries."""
    created = [
        c for c in changes if c.created and c.where is not None and c.model_field.name in VillageQuarter.CARRIED_FIELDS
    ]
    if not created:
        return
    before = previous_village_values(report, {c.where.pk for c in created})
    year, quarter = quarters.previous_quarter(report.period.year, report.period.quarter)
    # A commune page's save writes the commune's activity record, then its new village rows, in one
    # transaction; the activity records so tell the saves apart, even when two communes save at once.
    saves: dict[int, list[datetime.datetime]] = {}
    for record in commune_records:
        saves.setdefault(record.commune_id, []).append(record.history_date)
    for change in created:
        row = before.get(change.where.pk)
        if row is None or getattr(row, change.model_field.attname) != change.new:
            continue
        commune_id = change.where.commune_id
        save = bisect_right(saves.get(commune_id, []), change.at)
        change.prefill = PrefillSave(commune_id, save, change.by.pk if change.by else None, year, quarter)


@dataclass
class ReportHistory:
    """Every recorded change to a report's figures (newest first), the report's villages and the people who
    changed something."""

    changes: list[Change]
    villages: list[Village]

    @property
    def people(self) -> list[User]:
        people = {c.by.pk: c.by for c in self.changes if c.by is not None}
        return sorted(people.values(), key=lambda user: display_name(user).lower())

    def lines(self, *, village: Village | None = None, person: User | None = None) -> list[Change | Prefill]:
        """The page's lines, newest first: the changes to one village's figures, or by one person (None: all),
        with the values each save carried over from last quarter folded into one Prefill line."""
        lines: list[Change | Prefill] = []
        folded: dict[PrefillSave, Prefill] = {}
        for change in self.changes:
            if village is not None and change.village_id != village.pk:
                continue
            if person is not None and (change.by is None or change.by.pk != person.pk):
                continue
            if change.prefill is None:
                lines.append(change)
                continue
            if change.prefill not in folded:
                folded[change.prefill] = Prefill(change.prefill, [])
                lines.append(folded[change.prefill])
            folded[change.prefill].changes.append(change)
        return lines


def load(report: DistrictReport) -> ReportHistory:
    """The report's history. Six queries, whatever its size; one or two more when village rows were created
    (_mark_prefilled)."""
    rows = VillageQuarter.objects.filter(report=report).select_related("village__commune").order_by("village__code")
    villages = {row.village_id: row.village for row in rows}
    communes = {c.pk: c for c in report.district.communes.all()}
    commune_records = list(_records(CommuneQuarter, report_id=report.pk))
    village_changes = _diffs(
        _records(VillageQuarter, report_id=report.pk), lambda r: villages.get(r.village_id), village=True
    )
    _mark_prefilled(report, village_changes, commune_records)
    changes = [
        *_diffs(_records(DistrictReport, id=report.pk), lambda r: DistrictReport._meta.verbose_name),
        *_diffs(commune_records, lambda r: communes.get(r.commune_id)),
        *village_changes,
        *_diffs(_records(Training, report_id=report.pk), lambda r: Training._meta.verbose_name),
    ]
    changes.sort(key=lambda change: change.at, reverse=True)
    return ReportHistory(changes, list(villages.values()))


def changes(report: DistrictReport) -> list[Change]:
    """Every recorded change to the report's figures, newest first."""
    return load(report).changes


def comments_by_round(report: DistrictReport) -> list[tuple[int, list[ReviewComment]]]:
    rounds: dict[int, list[ReviewComment]] = {}
    for comment in report.review_comments.select_related("author").labelled():
        rounds.setdefault(comment.round, []).append(comment)
    return sorted(rounds.items())
