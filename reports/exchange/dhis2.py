"""The quarter's district and commune figures for DHIS2: `dataValueSets` JSON and ADX XML, and the mapping behind them.

What is sent: for a quarter and a data state, the rollup rows (reports/rollups) of every district whose own report
counts in that state, and of its communes. A district without such a report sends nothing for the quarter: its
carried-forward figures (Rollup.STOCK_FIELDS) describe an earlier quarter, and DHIS2 keeps one value per period.
Zeros are sent (no open defecation is a figure, not a gap); the district report's own section (working-group
meetings, trainings, budget and spending: DISTRICT_ONLY) only for districts.

What things are called there (models.Dhis2Mapping, kept by the MRD): the data set's identifier; for each figure
that is sent, its data element and, if it is disaggregated, the category option combo; for a unit, its
organisation unit where it is not the unit's NCDD code (the default, for idScheme=code). A figure without a data
element is not sent; the page lists them.

Formats, following DHIS2's Web API ("Data values", "ADX data format"):
- dataValueSets JSON: {"dataSet", "period": "2019Q2", "dataValues": [{"dataElement", "period", "orgUnit",
  ["categoryOptionCombo"], "value"}]}, every value a string written without locale ("12450", "150.00");
- ADX (IHE QRPH, urn:ihe:qrph:adx:2015): <adx exported="..."> with a <group dataSet orgUnit period="2019-04-01/P3M">
  per unit, a <dataValue dataElement value [categoryOptionCombo]> per figure. adx_schema() writes the XML schema of
  our data set (the profile derives one from the data structure; this one names our data set, our data elements and
  the quarter's period form) and validate_adx() checks a document against it with lxml.
"""

import csv
import datetime
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from districts.models import Commune, District
from reports.exchange.models import IDENTIFIER, Dhis2Mapping
from reports.models import ReportingPeriod
from reports.rollups.models import DataState, Rollup, RollupLevel

ADX_NAMESPACE = "urn:ihe:qrph:adx:2015"
XSD_NAMESPACE = "http://www.w3.org/2001/XMLSchema"
# The figures a mapping may send: every summed figure but the reporting counts (reports expected, submitted, ...).
FIGURES = Rollup.SUM_FIELDS[Rollup.SUM_FIELDS.index("villages_reported") :]
# The district report's own section: sent for districts only (a commune row holds zero for them, not a figure).
DISTRICT_ONLY = frozenset(FIGURES[FIGURES.index("dwg_meetings_held") :])
LEVELS = (RollupLevel.DISTRICT, RollupLevel.COMMUNE)
CSV_COLUMNS = ["kind", "key", "identifier", "category_option_combo"]
CSV_MAX_BYTES = 1_000_000
# An example mapping: the data set DRSSD_QTR and a data element DRSSD_<FIGURE> per figure, to adapt to the codes
# of the receiving DHIS2 (the demo loads it).
EXAMPLE_MAPPING = Path(__file__).with_name("example_dhis2_mapping.csv")


def figure_label(name):
    return str(Rollup._meta.get_field(name).verbose_name)


# --- The mapping --------------------------------------------------------------------------------------------


@dataclass
class Mapping:
    """The mapping as the exports use it."""

    data_set: str = ""
    elements: dict[str, tuple[str, str]] = field(default_factory=dict)  # figure: (data element, combo or "")
    org_units: dict[str, str] = field(default_factory=dict)  # NCDD code: organisation unit, where not the code

    @classmethod
    def current(cls):
        mapping = cls()
        order = {name: index for index, name in enumerate(FIGURES)}
        for line in sorted(Dhis2Mapping.objects.all(), key=lambda line: order.get(line.key, -1)):
            if line.kind == Dhis2Mapping.Kind.DATA_SET:
                mapping.data_set = line.identifier
            elif line.kind == Dhis2Mapping.Kind.FIGURE:
                mapping.elements[line.key] = (line.identifier, line.category_option_combo)
            else:
                mapping.org_units[line.key] = line.identifier
        return mapping

    @property
    def unmapped(self):
        """The figures that are not sent: no data element."""
        return [name for name in FIGURES if name not in self.elements]

    def org_unit(self, code):
        return self.org_units.get(code, code)

    def check(self):
        """Raise ValidationError if nothing can be sent."""
        if not self.data_set:
            raise ValidationError(_("The DHIS2 mapping has no data set: upload a mapping with a data_set line."))
        if not self.elements:
            raise ValidationError(_("The DHIS2 mapping names no data element: upload a mapping with figure lines."))


def mapping_csv():
    """The current mapping as CSV text (CSV_COLUMNS), the file replace_mapping() reads back."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for line in Dhis2Mapping.objects.all():
        writer.writerow([line.kind, line.key, line.identifier, line.category_option_combo])
    return out.getvalue()


def replace_mapping(content: bytes, *, by=None):
    """Replace the whole mapping by the CSV file `content` (CSV_COLUMNS; UTF-8). Every line is checked first: on any
    error nothing changes and ValidationError lists them ("line 7: ..."). Returns the number of lines saved."""
    if len(content) > CSV_MAX_BYTES:
        raise ValidationError(_("The file is larger than 1 MB: a mapping file is a few kilobytes."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The file is not UTF-8 text: save it as CSV UTF-8.")) from None
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip().lower() for cell in next(reader, [])]
    if header[: len(CSV_COLUMNS)] != CSV_COLUMNS:
        raise ValidationError(
            _("The first line must be the column names: %(columns)s.") % {"columns": ",".join(CSV_COLUMNS)}
        )
    units = set(District.objects.values_list("code", flat=True)) | set(Commune.objects.values_list("code", flat=True))
    lines, errors, seen = [], [], set()
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        kind, key, identifier, combo = [*(cell.strip() for cell in cells), "", "", "", ""][:4]
        problem = _line_problem(kind, key, identifier, combo, units, seen)
        if problem:
            errors.append(_("line %(number)d: %(problem)s") % {"number": number, "problem": problem})
            continue
        seen.add((kind, key))
        lines.append(
            Dhis2Mapping(kind=kind, key=key, identifier=identifier, category_option_combo=combo, updated_by=by)
        )
    if not errors and sum(1 for line in lines if line.kind == Dhis2Mapping.Kind.DATA_SET) != 1:
        errors.append(_("The file needs exactly one data_set line."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Dhis2Mapping.objects.all().delete()
        Dhis2Mapping.objects.bulk_create(lines)
    return len(lines)


def _line_problem(kind, key, identifier, combo, units, seen):
    """What is wrong with one line of a mapping file, in the reader's language, or None."""
    if kind not in Dhis2Mapping.Kind.values:
        return _("the kind is %(kind)r; use data_set, figure or org_unit.") % {"kind": kind}
    if kind == Dhis2Mapping.Kind.DATA_SET and key != "data_set":
        return _("a data_set line has the key data_set.")
    if kind == Dhis2Mapping.Kind.FIGURE and key not in FIGURES:
        return _("%(key)r is not a figure the portal sends (see the page for their names).") % {"key": key}
    if kind == Dhis2Mapping.Kind.ORG_UNIT and key not in units:
        return _("%(key)r is not the NCDD code of a district or commune.") % {"key": key}
    if (kind, key) in seen:
        return _("%(key)r is mapped twice.") % {"key": key}
    for value in (identifier, combo) if combo else (identifier,):
        try:
            IDENTIFIER(value)
        except ValidationError:
            return _("%(value)r is not a DHIS2 identifier: %(rule)s") % {"value": value, "rule": IDENTIFIER.message}
    if combo and kind != Dhis2Mapping.Kind.FIGURE:
        return _("only a figure has a category option combo.")
    return None


# --- What is sent -------------------------------------------------------------------------------------------


@dataclass
class Value:
    org_unit: str
    data_element: str
    combo: str
    value: str


@dataclass
class Export:
    period: ReportingPeriod
    state: str
    mapping: Mapping
    values: list[Value]
    units: int  # districts and communes sent

    @property
    def dhis2_period(self):
        """DHIS2's ISO period of the quarter: 2019Q2."""
        return f"{self.period.year}Q{self.period.quarter}"

    @property
    def adx_period(self):
        """ADX's period: the quarter's first day and its length, 2019-04-01/P3M."""
        return f"{self.period.bounds[0].isoformat()}/P3M"


def collect(period, state=DataState.APPROVED, mapping=None):
    """The values of a quarter in a data state (see the module docstring). Raises ValidationError if the mapping
    cannot send anything."""
    mapping = mapping or Mapping.current()
    mapping.check()
    rows = (
        Rollup.objects.filter(period=period, data_state=state, level__in=LEVELS, carried_since__isnull=True)
        .exclude(level=RollupLevel.DISTRICT, reports_included=0)
        .filter(carried_units=0)
        .order_by("code")
        .values("level", "code", *mapping.elements)
    )
    values, units = [], 0
    for row in rows:
        units += 1
        org_unit = mapping.org_unit(row["code"])
        for figure, (element, combo) in mapping.elements.items():
            if row["level"] == RollupLevel.COMMUNE and figure in DISTRICT_ONLY:
                continue
            values.append(Value(org_unit, element, combo, number(row[figure])))
    return Export(period=period, state=state, mapping=mapping, values=values, units=units)


def number(value):
    """A figure as DHIS2 reads a NUMBER: digits and a point, no locale, no exponent ("12450", "150.00")."""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(int(value))


def data_value_set(export: Export) -> str:
    """The dataValueSets JSON of an export."""
    values = []
    for v in export.values:
        item = {"dataElement": v.data_element, "period": export.dhis2_period, "orgUnit": v.org_unit}
        if v.combo:
            item["categoryOptionCombo"] = v.combo
        item["value"] = v.value
        values.append(item)
    payload = {"dataSet": export.mapping.data_set, "period": export.dhis2_period, "dataValues": values}
    return json.dumps(payload, ensure_ascii=False, indent=1)


def adx(export: Export, exported: datetime.datetime | None = None) -> bytes:
    """The ADX document of an export: a group per unit."""
    exported = (exported or timezone.now()).astimezone(datetime.UTC).replace(microsecond=0)
    root = etree.Element(f"{{{ADX_NAMESPACE}}}adx", nsmap={None: ADX_NAMESPACE})
    root.set("exported", exported.isoformat().replace("+00:00", "Z"))
    group = None
    for v in export.values:
        if group is None or group.get("orgUnit") != v.org_unit:
            group = etree.SubElement(root, f"{{{ADX_NAMESPACE}}}group")
            group.set("dataSet", export.mapping.data_set)
            group.set("orgUnit", v.org_unit)
            group.set("period", export.adx_period)
        element = etree.SubElement(group, f"{{{ADX_NAMESPACE}}}dataValue")
        element.set("dataElement", v.data_element)
        if v.combo:
            element.set("categoryOptionCombo", v.combo)
        element.set("value", v.value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def adx_schema(mapping: Mapping) -> bytes:
    """The XML schema of our data set in ADX: the data set, the data elements and combos of the mapping, a
    quarter's period (a quarter's first day / P3M), decimal values; nothing else (every attribute is ours)."""

    def restricted(name, values=None, pattern=None):
        simple = etree.SubElement(schema, f"{{{XSD_NAMESPACE}}}simpleType", name=name)
        restriction = etree.SubElement(simple, f"{{{XSD_NAMESPACE}}}restriction", base="xs:token")
        for value in sorted(set(values or ())):
            etree.SubElement(restriction, f"{{{XSD_NAMESPACE}}}enumeration", value=value)
        if pattern:
            etree.SubElement(restriction, f"{{{XSD_NAMESPACE}}}pattern", value=pattern)

    def attribute(parent, name, type_, required=True):
        etree.SubElement(
            parent, f"{{{XSD_NAMESPACE}}}attribute", name=name, type=type_, use="required" if required else "optional"
        )

    schema = etree.Element(
        f"{{{XSD_NAMESPACE}}}schema",
        nsmap={"xs": XSD_NAMESPACE, "adx": ADX_NAMESPACE},
        targetNamespace=ADX_NAMESPACE,
        elementFormDefault="qualified",
    )
    restricted("DataSet", [mapping.data_set])
    restricted("DataElement", [element for element, _combo in mapping.elements.values()])
    restricted("Identifier", pattern=IDENTIFIER.regex.pattern.strip("^$"))
    restricted("Quarter", pattern=r"[0-9]{4}-(01|04|07|10)-01/P3M")
    root = etree.SubElement(schema, f"{{{XSD_NAMESPACE}}}element", name="adx")
    root_type = etree.SubElement(root, f"{{{XSD_NAMESPACE}}}complexType")
    groups = etree.SubElement(root_type, f"{{{XSD_NAMESPACE}}}sequence")
    group = etree.SubElement(groups, f"{{{XSD_NAMESPACE}}}element", name="group", maxOccurs="unbounded")
    attribute(root_type, "exported", "xs:dateTime")
    group_type = etree.SubElement(group, f"{{{XSD_NAMESPACE}}}complexType")
    values = etree.SubElement(group_type, f"{{{XSD_NAMESPACE}}}sequence")
    value = etree.SubElement(values, f"{{{XSD_NAMESPACE}}}element", name="dataValue", maxOccurs="unbounded")
    attribute(group_type, "dataSet", "adx:DataSet")
    attribute(group_type, "orgUnit", "adx:Identifier")
    attribute(group_type, "period", "adx:Quarter")
    value_type = etree.SubElement(value, f"{{{XSD_NAMESPACE}}}complexType")
    attribute(value_type, "dataElement", "adx:DataElement")
    attribute(value_type, "categoryOptionCombo", "adx:Identifier", required=False)
    attribute(value_type, "value", "xs:decimal")
    return etree.tostring(schema, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def validate_adx(document: bytes, mapping: Mapping) -> list[str]:
    """The schema errors of an ADX document against adx_schema(mapping): [] when it is valid."""
    schema = etree.XMLSchema(etree.fromstring(adx_schema(mapping)))
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    if schema.validate(etree.fromstring(document, parser)):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


def quarters_with_counts(state=DataState.APPROVED):
    """Every quarter, newest first, with the number of district rows it would send in `state` (the picker)."""
    counts = dict(
        Rollup.objects.filter(data_state=state, level=RollupLevel.DISTRICT, carried_units=0, reports_included__gt=0)
        .values_list("period")
        .annotate(n=Count("id"))
    )
    return [(period, counts.get(period.pk, 0)) for period in ReportingPeriod.objects.order_by("-year", "-quarter")]
