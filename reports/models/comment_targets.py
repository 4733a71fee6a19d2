"""The figures a review comment can point at, and the one place a comment's key becomes a readable label.

A comment stores the key of its figure: "" (the whole report), "district:<field>", "commune:<code>:<field>" or
"village:<code>:<field>". Its label is built each time it is read, in the active language, because the reviewer
who writes it and the DSO who reads it (on a page, in a PDF or in an e-mail) may not share a language.
"""

from collections.abc import Iterable, Mapping

from districts.models import Commune, Village
from reports.models.district_reports import DistrictReport
from reports.models.unit_quarters import CommuneQuarter, VillageQuarter

DISTRICT_FIELDS = DistrictReport.SECTION_FIELDS
VILLAGE_FIELDS = VillageQuarter.COUNT_FIELDS + ["odf_status", "odf_status_date"]
# kind of figure: (the model holding it, the fields a comment may point at)
FIGURES = {
    "district": (DistrictReport, DISTRICT_FIELDS),
    "commune": (CommuneQuarter, CommuneQuarter.ACTIVITY_FIELDS),
    "village": (VillageQuarter, VILLAGE_FIELDS),
}
# The gazetteer code of the unit a commune or village figure belongs to has this many digits.
UNIT_DIGITS = {"commune": 6, "village": 8}


def figure_label(kind: str, field: str) -> str | None:
    """The figure's name in the active language; None if no comment can point at it (a field since removed)."""
    model, fields = FIGURES.get(kind, (None, []))
    if model is None or field not in fields:
        return None
    return str(model._meta.get_field(field).verbose_name)


def unit_label(unit: Commune | Village) -> str:
    """ "050801 Amleang", or "05080104 Krang Chambak (Amleang)" for a village, in the active language's script.
    A village's commune is read: load it with the village (select_related) or it costs a query."""
    if isinstance(unit, Village):
        return f"{unit.code} {unit.name} ({unit.commune.name})"
    return f"{unit.code} {unit.name}"


def figure_choices() -> list:
    """Grouped choices for the figure a comment is about (the commune or village is chosen separately)."""
    return [
        ("", [("", "—")]),
        *(
            (model._meta.verbose_name, [(f"{kind}:{f}", figure_label(kind, f)) for f in fields])
            for kind, (model, fields) in FIGURES.items()
        ),
    ]


def split(target: str) -> tuple[str, str, str]:
    """(kind, unit code, field) of a key: ("district", "", field) for a district figure, ("", "", "") for the
    whole report or a key this code cannot read."""
    parts = target.split(":")
    if len(parts) == 2 and parts[0] == "district":
        return "district", "", parts[1]
    if len(parts) == 3 and parts[0] in UNIT_DIGITS:
        return parts[0], parts[1], parts[2]
    return "", "", ""


def units_named(targets: Iterable[str]) -> dict[str, Commune | Village]:
    """{code: unit} of the communes and villages the keys name (villages with their commune). No query when no key
    names a unit, else one per level named."""
    codes: dict[str, set[str]] = {"commune": set(), "village": set()}
    for target in targets:
        kind, code, _field = split(target)
        if kind in codes:
            codes[kind].add(code)
    units: dict[str, Commune | Village] = {}
    if codes["commune"]:
        units.update((c.code, c) for c in Commune.objects.filter(code__in=codes["commune"]))
    if codes["village"]:
        units.update((v.code, v) for v in Village.objects.filter(code__in=codes["village"]).select_related("commune"))
    return units


def label(target: str, units: Mapping[str, Commune | Village], *, fallback: str = "") -> str:
    """The label of key `target` in the active language, its unit taken from `units` (see units_named): "" for the
    whole report; `fallback` (the label written with the comment), or else the key itself, when the key names a
    figure or a unit that cannot be found any more."""
    if not target:
        return ""
    kind, code, field = split(target)
    figure = figure_label(kind, field)
    if figure is None:
        return fallback or target
    if kind == "district":
        return figure
    unit = units.get(code)
    if unit is None or unit.level != kind:
        return fallback or target
    return f"{unit_label(unit)} — {figure}"
