"""Loading the NCDD gazetteer from its CSV export.

The CSV has one row per unit: level, type_km, code, parent_code, name_km, name_latin,
reference, official_note. Loading adds new units, renames and re-parents changed ones and
retires the ones that are no longer listed, all by code. Every row is checked first; if any
row is bad nothing is written and each problem is reported with its line number.
"""

import csv
import datetime
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from districts.models import UNIT_TYPE_BY_KHMER, Commune, District, Province, UnitType, Village

COLUMNS = ["level", "type_km", "code", "parent_code", "name_km", "name_latin", "reference", "official_note"]
LEVELS = [
    ("province", Province, 2, None),
    ("district", District, 4, "province"),
    ("commune", Commune, 6, "district"),
    ("village", Village, 8, "commune"),
]
CODE_LENGTH = {level: length for level, _model, length, _parent in LEVELS}
TYPES_BY_LEVEL = {
    "province": {UnitType.PROVINCE, UnitType.CAPITAL},
    "district": {UnitType.DISTRICT, UnitType.MUNICIPALITY, UnitType.SECTION},
    "commune": {UnitType.COMMUNE, UnitType.QUARTER},
    "village": {UnitType.VILLAGE},
}
UPDATABLE_FIELDS = ["name_km", "name_latin", "unit_type", "reference", "official_note", "retired_on"]

BUNDLED_GAZETTEER = settings.BASE_DIR / "fixtures" / "cambodia-gazetteer-ncdd-2024-10.csv"
HISTORICAL_UNITS = settings.BASE_DIR / "fixtures" / "historical-units.json"


class GazetteerError(Exception):
    """The file has bad rows; `problems` lists them as (line number, message)."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(f"line {line}: {message}" for line, message in problems))


@dataclass
class LoadSummary:
    added: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    retired: dict = field(default_factory=dict)
    total: dict = field(default_factory=dict)


def parse_rows(text):
    """Check every row; return {level: {code: row}} or raise GazetteerError with all problems."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise GazetteerError([(1, _("missing columns: %(columns)s") % {"columns": ", ".join(missing)})])
    units = {level: {} for level, *_rest in LEVELS}
    problems = []
    for row in reader:
        line = reader.line_num
        row = {key: (value or "").strip() for key, value in row.items() if key in COLUMNS}
        problem = _row_problem(row, units)
        if problem:
            problems.append((line, problem))
            continue
        row["unit_type"] = UNIT_TYPE_BY_KHMER[row["type_km"]]
        row["line"] = line
        units[row["level"]][row["code"]] = row
    problems += _orphans(units)
    if problems:
        raise GazetteerError(sorted(problems))
    return units


def _row_problem(row, units):
    """What is wrong with one row on its own (a translated sentence), or None."""
    level, code, parent = row["level"], row["code"], row["parent_code"]
    if level not in units:
        return _("unknown level %(level)r") % {"level": level}
    if not (code.isdigit() and len(code) == CODE_LENGTH[level]):
        return _("a %(level)s code must have %(n)d digits, not %(code)r") % {
            "level": level,
            "n": CODE_LENGTH[level],
            "code": code,
        }
    if code in units[level]:
        return _("code %(code)s appears twice") % {"code": code}
    if level != "province" and parent != code[: CODE_LENGTH[level] - 2]:
        return _("parent code %(parent)r does not match code %(code)s") % {"parent": parent, "code": code}
    # The Khmer name is the official one; a few new villages have no Latin spelling yet.
    if not row["name_km"]:
        return _("the Khmer name is required")
    if UNIT_TYPE_BY_KHMER.get(row["type_km"]) not in TYPES_BY_LEVEL[level]:
        return _("type %(type)r is not a %(level)s type") % {"type": row["type_km"], "level": level}
    return None


def _orphans(units):
    """(line, problem) for every unit whose parent is not in the file."""
    problems = []
    for level, _model, _length, parent_level in LEVELS:
        if parent_level is None:
            continue
        for code, row in units[level].items():
            if row["parent_code"] not in units[parent_level]:
                problems.append(
                    (
                        row["line"],
                        _("parent %(parent)s of %(code)s is not in the file")
                        % {"parent": row["parent_code"], "code": code},
                    )
                )
    return problems


@transaction.atomic
def load_gazetteer(text, *, retire_missing_on=None):
    """Load a gazetteer CSV (as text) in one transaction, in bulk: a few queries per level.

    Units in the database but not in the file are retired on `retire_missing_on` (today by
    default); units already retired keep their date. Returns a LoadSummary.
    """
    units = parse_rows(text)
    retire_on = retire_missing_on or datetime.date.today()
    summary = LoadSummary()
    parent_ids = {}
    for level, model, _length, parent_level in LEVELS:
        existing = {unit.code: unit for unit in model.objects.all()}
        new, changed = [], []
        for code, row in units[level].items():
            values = {f: row[f] for f in ("name_km", "name_latin", "unit_type", "reference", "official_note")}
            values["retired_on"] = None
            if parent_level:
                values[f"{parent_level}_id"] = parent_ids[row["parent_code"]]
            unit = existing.get(code)
            if unit is None:
                new.append(model(code=code, **values))
            elif any(getattr(unit, f) != v for f, v in values.items()):
                for f, v in values.items():
                    setattr(unit, f, v)
                changed.append(unit)
        gone = [u for code, u in existing.items() if code not in units[level] and u.retired_on is None]
        for unit in gone:
            unit.retired_on = retire_on
        model.objects.bulk_create(new, batch_size=2000)
        fields = UPDATABLE_FIELDS + ([f"{parent_level}"] if parent_level else [])
        model.objects.bulk_update(changed + gone, fields, batch_size=2000)
        parent_ids = dict(model.objects.values_list("code", "id"))
        summary.added[level], summary.updated[level], summary.retired[level] = len(new), len(changed), len(gone)
        summary.total[level] = len(units[level])
    return summary


@transaction.atomic
def load_historical_units(path=HISTORICAL_UNITS):
    """Add units that the current gazetteer no longer lists but old reports belong to.

    Idempotent: each unit is matched by code; its successors are linked by code.
    """
    models_by_level = {level: model for level, model, _length, _parent in LEVELS}
    for entry in json.loads(Path(path).read_text(encoding="utf-8")):
        model = models_by_level[entry["level"]]
        parent_level = dict((lv, p) for lv, _m, _l, p in LEVELS)[entry["level"]]
        defaults = {
            "name_km": entry["name_km"],
            "name_latin": entry["name_latin"],
            "unit_type": entry["unit_type"],
            "reference": entry.get("reference", ""),
            "official_note": entry.get("official_note", ""),
            "retired_on": datetime.date.fromisoformat(entry["retired_on"]),
        }
        if parent_level:
            defaults[parent_level] = models_by_level[parent_level].objects.get(code=entry["parent_code"])
        unit, _created = model.objects.update_or_create(code=entry["code"], defaults=defaults)
        unit.successors.set(model.objects.filter(code__in=entry.get("successors", [])))


def load_bundled_gazetteer():
    """The national gazetteer shipped in fixtures/, plus the historical units."""
    summary = load_gazetteer(BUNDLED_GAZETTEER.read_text(encoding="utf-8"))
    load_historical_units()
    return summary
