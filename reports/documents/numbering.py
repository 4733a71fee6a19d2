"""Reference numbers (លេខ) of the official documents.

Rules (also in the README):
- Only an official version gets a number: an approved district report (not a draft, a returned or a
  submitted one), and a provincial or national document of approved data. A draft or provisional copy
  says so on every page and has no number.
- The issuing body numbers its documents from 1 each calendar year: the district administration (its
  district code, e.g. 0508), the PDRD (its province code, e.g. 05) and the MRD ("MRD"). The year is the
  year of the approval (district report) or of the first copy printed (provincial and national).
- One number per version, printed on every copy of it, in either language: a district report keeps
  its number until it is reopened and approved again (a new approval is a new version); a provincial or
  national document keeps it while its data is unchanged (the stored PDF's data digest).
- Numbers are never reused: a version whose copy is discarded keeps its number.

Printed as "<issuer>/<year>/<number, three digits>", e.g. 0508/2019/003, in Khmer digits on Khmer
documents when the MRD's national setting asks for them.
"""

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from districts.language import KHMER_DIGITS
from reports.documents.models import DocumentNumber, PdfKind
from reports.rollups.models import NATIONAL_CODE

MRD_ISSUER = "MRD"


def issuer_code(kind, unit_code):
    """The issuing body of a document: the district administration, the PDRD of the province, or the MRD."""
    if kind == PdfKind.NATIONAL or unit_code == NATIONAL_CODE:
        return MRD_ISSUER
    return unit_code


def district_report_subject(report):
    """The version of a district report that a number is given to: its last approval."""
    return f"district:{report.pk}:approved:{report.approved_at.isoformat()}"


def rollup_subject(kind, unit_code, period, data_state, digest):
    return f"{kind}:{unit_code}:{period.year}Q{period.quarter}:{data_state}:{digest}"


def number_for(*, kind, unit_code, subject, issued_at=None):
    """The DocumentNumber of `subject`, allocated (the issuer's next number in the year of `issued_at`, default
    now) the first time it is asked for. Safe when two workers ask at once: the unique constraints decide."""
    existing = DocumentNumber.objects.filter(subject=subject).first()
    if existing is not None:
        return existing
    issuer = issuer_code(kind, unit_code)
    year = timezone.localtime(issued_at or timezone.now()).year
    for _attempt in range(10):
        try:
            with transaction.atomic():
                last = DocumentNumber.objects.filter(issuer=issuer, year=year).aggregate(last=Max("sequence"))["last"]
                return DocumentNumber.objects.create(
                    issuer=issuer, year=year, sequence=(last or 0) + 1, kind=kind, subject=subject
                )
        except IntegrityError:
            # Another worker took this number, or numbered this very subject meanwhile.
            existing = DocumentNumber.objects.filter(subject=subject).first()
            if existing is not None:
                return existing
    raise RuntimeError(f"Could not allocate a reference number for {subject}")


def printed(number, *, khmer_digits=False):
    """A number as printed: 0508/2019/003 (០៥០៨/២០១៩/០០៣ in Khmer digits)."""
    text = str(number)
    return text.translate(KHMER_DIGITS) if khmer_digits else text
