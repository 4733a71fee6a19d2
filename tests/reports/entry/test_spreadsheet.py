"""The report's spreadsheet (reports/entry/spreadsheet.py): the template a DSO downloads, fills in and uploads.

District A, 2019 Q3 (open): commune A1's villages pre-filled from the approved Q2 report (q2_report)."""

import io
import zipfile

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from reports.entry import spreadsheet
from reports.models import CommuneQuarter, DistrictReport, ReportEvent, ReportStatus, VillageQuarter, WorkflowAction
from tests.factories import DistrictReportFactory

GOOD = {  # a village's figures that keep every rule
    "households_total": 100, "hh_improved_own": 60, "hh_improved_shared": 10, "hh_unimproved": 20,
    "hh_open_defecation": 10, "idpoor_households": 20, "idpoor_improved": 10, "latrines_built": 5,
    "hh_handwashing": 50, "odf_status": "triggered",
}  # fmt: skip


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def download_url(district="0508"):
    return reverse("reports:spreadsheet", args=[district, 2019, 3])


def upload_url(district="0508"):
    return reverse("reports:spreadsheet_upload", args=[district, 2019, 3])


def downloaded(client):
    response = client.get(download_url())
    assert response.status_code == 200, response.status_code
    return openpyxl.load_workbook(io.BytesIO(response.content))


def sheet_of(book, commune_code):
    return next(sheet for sheet in book.worksheets if sheet.title.startswith(commune_code))


def fill(sheet, row, values):
    names = [cell.value for cell in sheet[spreadsheet.HEADING_ROWS]]
    for name, value in values.items():
        sheet.cell(row=row, column=names.index(name) + 1).value = value


def upload(client, book, name="thpong.xlsx", district="0508"):
    content = io.BytesIO()
    book.save(content)
    content.seek(0)
    content.name = name
    return client.post(upload_url(district), {"file": content})


def upload_bytes(client, data, name):
    content = io.BytesIO(data)
    content.name = name
    return client.post(upload_url(), {"file": content})


@pytest.fixture
def dso(client_for, dso_a, q2_report, q3):
    return client_for(dso_a)


def test_the_template_has_a_sheet_per_commune_prefilled_with_locked_keys_and_checked_cells(dso, world):
    book = downloaded(dso)
    assert book.sheetnames[:3] == ["Instructions", "versions", "Communes"] and book["versions"].sheet_state == "hidden"
    a1 = sheet_of(book, "050801")
    assert [sheet.title[:6] for sheet in book.worksheets[3:]] == ["050801", "050802"]
    communes = book["Communes"]
    assert communes["A3"].value == "commune_code" and [communes["A4"].value, communes["A5"].value] == [
        "050801",
        "050802",
    ]
    assert a1["A1"].value == "លេខកូដភូមិ" and a1["A2"].value == "Village code" and a1["A3"].value == "village_code"
    assert [a1.cell(row=r, column=1).value for r in (4, 5)] == ["05080101", "05080102"]
    assert a1["D4"].value == 120  # households in total, pre-filled from Q2
    assert a1.protection.sheet and a1["A4"].protection.locked and not a1["D4"].protection.locked
    kinds = {validation.type for validation in a1.data_validations.dataValidation}
    assert kinds == {"whole", "list", "date"}


def test_a_good_file_is_saved_in_one_go_and_recorded_in_the_history(dso, world, q3, dso_a):
    book = downloaded(dso)
    fill(sheet_of(book, "050801"), 4, GOOD)
    fill(sheet_of(book, "050801"), 5, {**GOOD, "households_total": 80, "hh_improved_own": 40})
    response = upload(dso, book)
    assert response.status_code == 200
    page = response.content.decode()
    assert "was imported" in page and 'id="import-changes"' in page
    report = DistrictReport.objects.get(district=world.district_a, period=q3)
    row = VillageQuarter.objects.get(report=report, village__code="05080101")
    assert row.households_total == 100 and row.odf_status == "triggered" and row.confirmed
    event = ReportEvent.objects.get(report=report, action=WorkflowAction.IMPORTED)
    assert event.by == dso_a and "thpong.xlsx" in event.note and "SHA-256" in event.note
    history = dso.get(reverse("reports:history", args=["0508", 2019, 3])).content.decode()
    assert "Figures imported from a spreadsheet" in history and "thpong.xlsx" in history
    assert row.history.first().history_user == dso_a  # every figure keeps its history, as on the page
    assert not VillageQuarter.objects.filter(report=report, village__commune=world.commune_a2).exists()  # untouched


def test_an_error_anywhere_saves_nothing_and_each_is_named_by_sheet_row_village_and_figure(dso, world, q3):
    book = downloaded(dso)
    fill(sheet_of(book, "050801"), 4, GOOD)
    fill(sheet_of(book, "050802"), 5, {**GOOD, "households_total": 999})  # the groups do not add up
    fill(sheet_of(book, "050801"), 5, {**GOOD, "latrines_built": "twelve"})
    response = upload(dso, book)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "sheet 050801 Test Commune 050801, row 5 (village 05080102): Latrines built this quarter:" in page
    assert "row 5 (village 05080202): Households in total:" in page
    assert not VillageQuarter.objects.filter(report__period=q3).exists()
    assert not ReportEvent.objects.filter(action=WorkflowAction.IMPORTED).exists()


def test_the_messages_come_in_the_users_language(client_for, dso_a, q2_report, q3):
    client = client_for(dso_a, "km")
    book = downloaded(client)
    fill(sheet_of(book, "050801"), 4, {**GOOD, "households_total": 999})
    page = upload(client, book).content.decode()
    assert "មិនបាននាំចូលអ្វីទាំងអស់" in page and "សន្លឹក 050801" in page


@pytest.mark.parametrize(
    "code, complaint",
    [
        ("05010101", "this village is in Basedth, not in Thpong"),
        ("99999999", "no village with this code"),
    ],
)
def test_a_village_outside_the_district_is_refused_by_name(dso, code, complaint):
    book = downloaded(dso)
    sheet = sheet_of(book, "050801")
    sheet.protection.sheet = False
    sheet["A5"].value = code
    page = upload(dso, book).content.decode()
    assert complaint in page and f"(village {code})" in page


def test_a_retired_village_is_refused(dso, world):
    from districts.models import Village

    Village.objects.filter(code="05080102").update(retired_on="2019-01-01")
    book = downloaded(dso)  # it is no longer in the template...
    sheet = sheet_of(book, "050801")
    sheet.protection.sheet = False
    sheet["A5"].value = "05080102"  # ...but an old file still has it
    assert "was retired on 2019-01-01" in upload(dso, book).content.decode()


def test_a_formula_without_a_saved_value_is_refused(dso):
    book = downloaded(dso)
    sheet_of(book, "050801")["D4"].value = "=50+50"  # openpyxl saves no computed value, as some programs do
    page = upload(dso, book).content.decode()
    assert "formula without a saved value" in page


@pytest.mark.parametrize(
    "data, name, complaint",
    [
        (b"not a spreadsheet at all", "figures.xlsx", "not an Excel .xlsx file"),
        (b"x" * (spreadsheet.MAX_BYTES + 10), "big.xlsx", "larger than 2 MB"),
        (b"a,b\n1,2\n", "figures.csv", "no village_code column"),
    ],
)
def test_what_is_not_a_spreadsheet_of_the_portal_is_refused_with_the_reason(dso, data, name, complaint):
    response = upload_bytes(dso, data, name)
    assert response.status_code == 400 and complaint in response.content.decode()


def test_a_csv_with_the_same_columns_is_imported(dso, world, q3):
    header = ",".join(["village_code", *spreadsheet.FIELDS])
    line = ",".join(["05080101", *(str(GOOD.get(f, "")) for f in spreadsheet.FIELDS)])
    response = upload_bytes(dso, f"{header}\n{line}\n".encode(), "figures.csv")
    assert response.status_code == 200
    assert VillageQuarter.objects.get(report__period=q3, village__code="05080101").households_total == 100


def test_a_commune_saved_after_the_download_makes_the_import_refused(dso, world, q3, dso_a):
    book = downloaded(dso)
    report = DistrictReport.objects.get(district=world.district_a, period=q3)
    CommuneQuarter.objects.create(report=report, commune=world.commune_a1, version=1, updated_by=dso_a)  # a page save
    fill(sheet_of(book, "050801"), 4, GOOD)
    response = upload(dso, book)
    assert response.status_code == 400 and "after this file was downloaded" in response.content.decode()
    assert not VillageQuarter.objects.filter(report__period=q3).exists()


def test_export_then_import_changes_nothing(dso, world, q3):
    book = downloaded(dso)
    fill(sheet_of(book, "050801"), 4, GOOD)
    fill(sheet_of(book, "050801"), 5, GOOD)
    assert upload(dso, book).status_code == 200
    versions = dict(CommuneQuarter.objects.filter(report__period=q3).values_list("commune__code", "version"))
    rows = list(VillageQuarter.objects.filter(report__period=q3).order_by("pk").values())
    response = upload(dso, downloaded(dso))
    assert response.status_code == 200 and "0 figures changed" in response.content.decode()
    assert dict(CommuneQuarter.objects.filter(report__period=q3).values_list("commune__code", "version")) == versions
    assert list(VillageQuarter.objects.filter(report__period=q3).order_by("pk").values()) == rows


def test_a_submitted_report_takes_no_import(dso, world, q3):
    book = downloaded(dso)
    DistrictReport.objects.filter(district=world.district_a, period=q3).update(status=ReportStatus.SUBMITTED)
    assert upload(dso, book).status_code == 403


def test_who_may_download_and_who_may_upload(client_for, world, q2_report, q3, dso_b, reviewer_p, reviewer_q):
    DistrictReportFactory(district=world.district_a, period=q3)
    assert client_for(reviewer_p).get(download_url()).status_code == 200  # the quarter's figures, to read
    assert client_for(dso_b).get(download_url()).status_code == 404
    assert client_for(reviewer_q).get(download_url()).status_code == 404
    for reader in (reviewer_p, dso_b):
        response = upload_bytes(client_for(reader), b"x", "f.xlsx")
        assert response.status_code in (403, 404)


def test_the_report_page_offers_the_spreadsheet(dso, world, q3):
    page = dso.get(reverse("reports:report", args=["0508", 2019, 3])).content.decode()
    assert 'id="spreadsheet-download"' in page and 'id="spreadsheet-upload"' in page


def test_the_file_is_a_real_xlsx(dso):
    content = dso.get(download_url()).content
    assert (
        zipfile.is_zipfile(io.BytesIO(content)) and "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(content)).namelist()
    )


def test_the_communes_activities_are_imported_with_the_pages_rules(dso, world, q3):
    book = downloaded(dso)
    fill(book["Communes"], 4, {"triggering_events": 2, "triggering_women": 30, "triggering_men": 25,
                               "commune_budget": 150.5})  # fmt: skip
    response = upload(dso, book)
    assert response.status_code == 200, response.content.decode()[-2000:]
    record = CommuneQuarter.objects.get(report__period=q3, commune=world.commune_a1)
    assert record.triggering_events == 2 and str(record.commune_budget) == "150.50"
    book = downloaded(dso)
    fill(book["Communes"], 5, {"bcc_sessions": -3})
    page = upload(dso, book).content.decode()
    assert "sheet Communes, row 5 (commune 050802): BCC sessions:" in page


def test_the_village_figures_download_as_csv_and_come_back_unchanged(dso, world, q3):
    book = downloaded(dso)
    fill(sheet_of(book, "050801"), 4, GOOD)
    assert upload(dso, book).status_code == 200
    csv_text = dso.get(download_url() + "?format=csv").content
    assert csv_text.decode("utf-8-sig").splitlines()[0].startswith("commune_code,village_code,village_name_km")
    response = upload_bytes(dso, csv_text, "villages.csv")
    assert response.status_code == 200 and "0 figures changed" in response.content.decode()


def test_a_zip_that_unpacks_to_a_huge_file_is_refused_before_it_is_read(dso):
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("xl/worksheets/sheet1.xml", b"0" * (spreadsheet.MAX_UNPACKED_BYTES + 1))
    assert len(packed.getvalue()) < spreadsheet.MAX_BYTES  # small on the wire
    response = upload_bytes(dso, packed.getvalue(), "bomb.xlsx")
    assert response.status_code == 400 and "unpacks to more than 50 MB" in response.content.decode()


def test_a_commune_focal_point_downloads_and_imports_their_own_commune_only(client_for, focal_a1, q2_report, q3, world):
    client = client_for(focal_a1)
    response = client.get(download_url() + "?commune=050801")
    assert (
        response.status_code == 200
        and 'filename="drssd-050801-2019Q3-villages.xlsx"' in response["Content-Disposition"]
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [sheet.title[:6] for sheet in book.worksheets[3:]] == ["050801"]
    assert client.get(download_url() + "?commune=050802").status_code == 404  # not theirs
    assert client.get(download_url()).status_code == 404  # the whole district is not theirs
    fill(sheet_of(book, "050801"), 4, GOOD)
    response = upload(client, book)
    assert response.status_code == 200
    assert VillageQuarter.objects.get(report__period=q3, village__code="05080101").households_total == 100
    assert 'href="/"' in response.content.decode()  # back home: the report page is the district's
    a2 = openpyxl.Workbook()  # a hand-made file touching commune A2
    sheet = a2.active
    sheet.title = "050802 other"
    sheet.append(["heading"])
    sheet.append(["heading"])
    sheet.append(["village_code", *spreadsheet.FIELDS])
    sheet.append(["05080201", *(GOOD.get(f) for f in spreadsheet.FIELDS)])
    page = upload(client, a2).content.decode()
    assert "The file changes commune 050802, which you may not change" in page
    assert not VillageQuarter.objects.filter(village__code="05080201").exists()


def test_the_commune_page_offers_its_spreadsheet(client_for, dso_a, q2_report, q3):
    page = client_for(dso_a).get(reverse("reports:commune", args=["0508", 2019, 3, "050801"])).content.decode()
    assert "?commune=050801" in page and 'id="commune-spreadsheet-file"' in page
