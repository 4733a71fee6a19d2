"""The administrative form's rules: reference numbers per issuing body and year, the place and date line."""

import datetime

import pytest
from django.utils import timezone, translation

from reports.documents import numbering, official_form
from reports.documents.models import DocumentNumber, PdfKind

pytestmark = pytest.mark.django_db


def number(subject, unit_code="0508", kind=PdfKind.DISTRICT, when=None):
    return numbering.number_for(kind=kind, unit_code=unit_code, subject=subject, issued_at=when)


def test_each_issuing_body_numbers_its_documents_from_one_each_year():
    in_2019 = timezone.make_aware(datetime.datetime(2019, 10, 15, 9))
    in_2020 = timezone.make_aware(datetime.datetime(2020, 1, 6, 9))
    assert str(number("district:1:a", when=in_2019)) == "0508/2019/001"
    assert str(number("district:2:a", when=in_2019)) == "0508/2019/002"
    assert str(number("district:3:a", unit_code="0501", when=in_2019)) == "0501/2019/001"  # another district
    assert str(number("provincial:05:x", unit_code="05", kind=PdfKind.PROVINCIAL, when=in_2019)) == "05/2019/001"
    assert str(number("national:KH:x", unit_code="KH", kind=PdfKind.NATIONAL, when=in_2019)) == "MRD/2019/001"
    assert str(number("district:4:a", when=in_2020)) == "0508/2020/001"  # a new year starts again at 1


def test_a_version_keeps_its_number_on_every_copy_and_a_new_version_gets_the_next():
    first = number("district:1:approved:2019-10-15")
    assert number("district:1:approved:2019-10-15") == first  # the Khmer copy, a second download
    again = number("district:1:approved:2019-11-02")  # reopened and approved again
    assert again.sequence == first.sequence + 1
    assert DocumentNumber.objects.count() == 2


def test_numbers_are_never_reused_when_a_copy_is_discarded():
    number("district:1:a")
    second = number("district:2:a")
    DocumentNumber.objects.filter(pk=second.pk).delete()  # (never done by the portal; the max still moves on)
    assert number("district:3:a").sequence == 2
    assert number("district:4:a").sequence == 3


def test_the_place_and_date_line_in_khmer_with_khmer_or_arabic_digits():
    day = datetime.date(2019, 3, 15)
    with translation.override("km"):
        assert official_form.place_and_date_line("ស្រុកថ្ពង", day, True) == "ធ្វើនៅស្រុកថ្ពង ថ្ងៃទី១៥ ខែមីនា ឆ្នាំ២០១៩"
        assert official_form.place_and_date_line("ស្រុកថ្ពង", day, False) == "ធ្វើនៅស្រុកថ្ពង ថ្ងៃទី15 ខែមីនា ឆ្នាំ2019"
        assert numbering.printed(DocumentNumber(issuer="0508", year=2019, sequence=3), khmer_digits=True) == (
            "០៥០៨/២០១៩/០០៣"
        )
    with translation.override("en"):
        assert (
            official_form.place_and_date_line("Thpong District", day, True) == "Done at Thpong District, 15 March 2019"
        )


def test_every_khmer_month_has_its_administrative_name():
    with translation.override("km"):
        months = [official_form.day_line(datetime.date(2019, m, 1), False) for m in range(1, 13)]
    assert months[0] == "ថ្ងៃទី1 ខែមករា ឆ្នាំ2019" and months[11] == "ថ្ងៃទី1 ខែធ្នូ ឆ្នាំ2019"
    assert len(set(months)) == 12
