"""The administrative form of the PDFs: the national heading, the issuing body, the reference number, the
place and date line and the signature blocks, as Cambodian sub-national letters and reports set them out.

official_context(...) returns what templates/reports/documents/_letterhead.html and _signatures.html print.
Who appears in which block (also in the README):
- District report: prepared by the DSO who submitted it; reviewed by the PDRD reviewer who approved it, with
  the approval date; seen and approved by the District Governor (signature and seal, by hand).
- Provincial summary: prepared by the PDRD officer who submitted the province's narrative (if any); seen and
  approved by the Director of the PDRD.
- National rollup: prepared by the MRD's Department of Rural Health Care; seen and approved by its Director.
Blocks whose person the portal does not know keep an empty line for the name, signature and seal.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from districts.language import KHMER_DIGITS
from districts.people import display_name
from reports.documents import numbering
from reports.documents.models import PdfKind
from reports.models import ReportStatus


@dataclass
class Signatory:
    heading: str  # Prepared by / Reviewed by / Seen and approved
    role: str
    name: str = ""  # empty: a line to write the name on
    date_line: str = ""


def khmer_or_arabic(text, khmer_digits):
    """`text` with Khmer digits when the document is in Khmer and the national setting asks for them."""
    return text.translate(KHMER_DIGITS) if khmer_digits and get_language() == "km" else text


def day_line(day, khmer_digits):
    """15 October 2019 / ថ្ងៃទី១៥ ខែតុលា ឆ្នាំ២០១៩, in the active language."""
    month = str(MONTHS[day.month])  # in Khmer from our own catalogue (reports/entry/dates.py: MONTH_NAMES)
    text = _("%(day)s %(month)s %(year)s") % {"day": day.day, "month": month, "year": day.year}
    return khmer_or_arabic(text, khmer_digits)


def place_and_date_line(place, day, khmer_digits):
    """Done at Thpong, 15 October 2019 / ធ្វើនៅស្រុកថ្ពង ថ្ងៃទី១៥ ខែតុលា ឆ្នាំ២០១៩."""
    return _("Done at %(place)s, %(date)s") % {"place": place, "date": day_line(day, khmer_digits)}


def issuer_lines(kind, unit):
    """The issuing body, from the top of the hierarchy down, as printed on the left under the heading."""
    if kind == PdfKind.DISTRICT:
        return [
            _("%(province)s Provincial Administration") % {"province": unit.province.name},
            _("%(district)s District Administration") % {"district": unit.name},
            _("District Sanitation Officer"),
        ]
    if kind in (PdfKind.PROVINCIAL, PdfKind.CERTIFICATE):  # the PDRD certifies ODF villages and communes
        return [
            _("Ministry of Rural Development"),
            _("Provincial Department of Rural Development of %(province)s") % {"province": unit.name},
        ]
    return [_("Ministry of Rural Development"), _("Department of Rural Health Care")]


def _when(moment):
    return timezone.localtime(moment).date() if moment else None


def _signed_on(moment, khmer_digits, text):
    day = _when(moment)
    return (text % {"day": day_line(day, khmer_digits)}) if day else ""


def district_signatories(report, khmer_digits):
    submitted = _signed_on(report.submitted_at, khmer_digits, _("Submitted on %(day)s"))
    if report.status == ReportStatus.APPROVED and report.approved_at:
        reviewed = Signatory(
            _("Reviewed by"),
            _("PDRD reviewer"),
            display_name(report.approved_by) if report.approved_by_id else "",
            _signed_on(report.approved_at, khmer_digits, _("Approved on %(day)s")),
        )
    else:
        reviewed = Signatory(_("Reviewed by"), _("PDRD reviewer"), "", _("Not yet approved"))
    return [
        Signatory(
            _("Prepared by"),
            _("District Sanitation Officer"),
            display_name(report.submitted_by) if report.submitted_by_id else "",
            submitted,
        ),
        reviewed,
        Signatory(_("Seen and approved"), _("District Governor")),
    ]


def provincial_signatories(provincial_report, khmer_digits):
    prepared = Signatory(_("Prepared by"), _("PDRD officer"))
    if provincial_report is not None and provincial_report.submitted_by_id:
        prepared.name = display_name(provincial_report.submitted_by)
        prepared.date_line = _signed_on(provincial_report.submitted_at, khmer_digits, _("Submitted on %(day)s"))
    return [
        prepared,
        Signatory(_("Seen and approved"), _("Director of the Provincial Department of Rural Development")),
    ]


def national_signatories():
    return [
        Signatory(_("Prepared by"), _("Department of Rural Health Care, Ministry of Rural Development")),
        Signatory(_("Seen and approved"), _("Director of the Department of Rural Health Care")),
    ]


def certificate_signatories(certified_by, certified_on, khmer_digits):
    """An ODF certificate: certified by the PDRD reviewer who certified (a village) or no one named (a commune or
    district, ODF by its villages' certifications); seen and approved by the Director of the PDRD."""
    certified = Signatory(_("Certified by"), _("PDRD reviewer"))
    if certified_by is not None:
        certified.name = display_name(certified_by)
        certified.date_line = _("Certified on %(day)s") % {"day": day_line(certified_on, khmer_digits)}
    return [
        certified,
        Signatory(_("Seen and approved"), _("Director of the Provincial Department of Rural Development")),
    ]


def official_context(*, kind, unit, place, number, issued_on, signatories, khmer_digits):
    """The template context of the heading and the signature blocks. `number`: a DocumentNumber, or None for a
    draft or provisional copy (which gets none)."""
    return {
        "issuer_lines": issuer_lines(kind, unit),
        "reference": numbering.printed(number, khmer_digits=khmer_digits and get_language() == "km") if number else "",
        "place_and_date": place_and_date_line(place, issued_on, khmer_digits),
        "signatories": signatories,
        "khmer_page_numbers": khmer_digits and get_language() == "km",
    }
