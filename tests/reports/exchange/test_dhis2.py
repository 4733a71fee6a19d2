"""The DHIS2 exchange (reports/exchange/dhis2.py): what a quarter sends, in dataValueSets JSON and ADX, the schema
of our data set, and the mapping the MRD uploads."""

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from reports.exchange import dhis2
from reports.exchange.models import Dhis2Mapping
from reports.models import VillageQuarter
from reports.rollups import build as rollup
from reports.rollups.models import DataState, Rollup, RollupLevel
from tests.factories import DistrictReportFactory

# DHIS2's NUMBER (MathUtils): no locale, no exponent, no leading zero, no plus.
DHIS2_NUMBER = re.compile(r"^(-?0|-?[1-9]\d*)(\.\d+)?$")


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def example_mapping(db):
    dhis2.replace_mapping(dhis2.EXAMPLE_MAPPING.read_bytes())
    return dhis2.Mapping.current()


@pytest.fixture
def quarter(world, q2, q3, example_mapping):
    """Q2: A and B approved. Q3: A approved, B only submitted (provisional), C never reports."""
    DistrictReportFactory(district=world.district_a, period=q2, filled=True, approved=True)
    DistrictReportFactory(district=world.district_b, period=q2, filled=True, approved=True)
    DistrictReportFactory(district=world.district_a, period=q3, filled=True, approved=True, wg_meeting_held=True)
    DistrictReportFactory(district=world.district_b, period=q3, filled=True, submitted=True)
    rollup.rebuild_all()
    return q3


def sent(export):
    """{(org unit, data element): value} of an export."""
    return {(v.org_unit, v.data_element): v.value for v in export.values}


def test_a_quarter_sends_the_districts_whose_own_report_counts_and_their_communes(quarter, world):
    approved = dhis2.collect(quarter, DataState.APPROVED)
    units = {v.org_unit for v in approved.values}
    assert units == {"0508", "050801", "050802"}  # B's Q2 figures are carried into Q3: not sent; C never reported
    provisional = {v.org_unit for v in dhis2.collect(quarter, DataState.PROVISIONAL).values}
    assert provisional == units | {"0501", "050101", "050102"}
    row = Rollup.objects.get(level=RollupLevel.DISTRICT, code="0508", period=quarter, data_state=DataState.APPROVED)
    values = sent(approved)
    assert values[("0508", "DRSSD_HOUSEHOLDS_TOTAL")] == str(row.households_total)
    assert values[("0508", "DRSSD_DWG_MEETINGS_HELD")] == "1"
    assert ("050801", "DRSSD_DWG_MEETINGS_HELD") not in values  # the district's own section: districts only
    assert ("050801", "DRSSD_HOUSEHOLDS_TOTAL") in values
    assert all(DHIS2_NUMBER.match(v.value) for v in approved.values)
    assert values[("0508", "DRSSD_SPENT_TOTAL")] == format(row.spent_total, "f")  # "150.00": a point, no locale


def test_the_json_is_a_dhis2_data_value_set(quarter):
    payload = json.loads(dhis2.data_value_set(dhis2.collect(quarter)))
    assert set(payload) == {"dataSet", "period", "dataValues"}
    assert payload["dataSet"] == "DRSSD_QTR" and payload["period"] == "2019Q3"
    for value in payload["dataValues"]:
        assert set(value) <= {"dataElement", "period", "orgUnit", "categoryOptionCombo", "value"}
        assert {"dataElement", "period", "orgUnit", "value"} <= set(value)
        assert value["period"] == "2019Q3" and isinstance(value["value"], str)


def test_the_adx_document_validates_against_the_schema_of_our_data_set(quarter, example_mapping):
    document = dhis2.adx(dhis2.collect(quarter))
    assert dhis2.validate_adx(document, example_mapping) == []
    text = document.decode()
    assert 'xmlns="urn:ihe:qrph:adx:2015"' in text and 'period="2019-07-01/P3M"' in text
    assert text.count("<group ") == 3 and 'orgUnit="0508"' in text and 'dataSet="DRSSD_QTR"' in text


@pytest.mark.parametrize(
    "change, complaint",
    [
        (('period="2019-07-01/P3M"', 'period="2019Q3"'), "period"),
        (('period="2019-07-01/P3M"', 'period="2019-08-01/P3M"'), "period"),  # DHIS2 would snap it to Q3 silently
        (('dataElement="DRSSD_HOUSEHOLDS_TOTAL"', 'dataElement="SOMETHING_ELSE"'), "dataElement"),
        (('dataSet="DRSSD_QTR"', 'dataSet="OTHER"'), "dataSet"),
        ((' exported="', ' stamped="'), "exported"),
    ],
)
def test_the_schema_refuses_what_dhis2_would_misread(quarter, example_mapping, change, complaint):
    document = dhis2.adx(dhis2.collect(quarter)).decode().replace(*change, 1).encode()
    problems = dhis2.validate_adx(document, example_mapping)
    assert problems and complaint in " ".join(problems)


def test_a_value_written_with_a_decimal_comma_is_refused(quarter, example_mapping):
    document = re.sub(r'value="(\d+)"', r'value="1,\1"', dhis2.adx(dhis2.collect(quarter)).decode(), count=1)
    assert dhis2.validate_adx(document.encode(), example_mapping)


def test_a_figure_changed_in_the_portal_changes_the_export(quarter, world):
    before = sent(dhis2.collect(quarter))[("050801", "DRSSD_HOUSEHOLDS_TOTAL")]
    row = VillageQuarter.objects.filter(report__period=quarter, village__commune=world.commune_a1).first()
    VillageQuarter.objects.filter(pk=row.pk).update(households_total=row.households_total + 7)
    rollup.rebuild_period(quarter.pk)
    after = sent(dhis2.collect(quarter))[("050801", "DRSSD_HOUSEHOLDS_TOTAL")]
    assert int(after) == int(before) + 7


def test_an_organisation_unit_and_a_category_option_combo_from_the_mapping(quarter):
    lines = dhis2.EXAMPLE_MAPPING.read_text().replace(
        "figure,latrines_built,DRSSD_LATRINES_BUILT,", "figure,latrines_built,SAN_LATRINES,HllvX50cXC0"
    )
    dhis2.replace_mapping((lines + "org_unit,0508,Rp268JB6Ne4,\n").encode())
    payload = json.loads(dhis2.data_value_set(dhis2.collect(quarter)))
    latrines = [
        v for v in payload["dataValues"] if v["dataElement"] == "SAN_LATRINES" and v["orgUnit"] == "Rp268JB6Ne4"
    ]
    assert latrines and latrines[0]["categoryOptionCombo"] == "HllvX50cXC0"
    assert not [v for v in payload["dataValues"] if v["orgUnit"] == "0508"]
    assert dhis2.validate_adx(dhis2.adx(dhis2.collect(quarter)), dhis2.Mapping.current()) == []


def test_a_mapping_file_with_a_wrong_line_changes_nothing_and_names_each_line(example_mapping, world):
    before = dhis2.mapping_csv()
    bad = (
        "kind,key,identifier,category_option_combo\n"
        "data_set,data_set,DRSSD_QTR,\n"
        "figure,households_total,HH TOTAL,\n"  # a space
        "figure,reports_expected,X1,\n"  # not a figure that is sent
        "org_unit,9999,OU1,\n"  # no such unit
        "figure,latrines_built,L1,\n"
        "figure,latrines_built,L2,\n"  # twice
        "colour,blue,X,\n"
        "figure,hh_unimproved,-A1,\n"  # a formula to a spreadsheet
    )
    with pytest.raises(ValidationError) as refused:
        dhis2.replace_mapping(bad.encode())
    messages = refused.value.messages
    assert [m.split(":")[0] for m in messages] == ["line 3", "line 4", "line 5", "line 7", "line 8", "line 9"]
    assert dhis2.mapping_csv() == before
    with translation.override("km"), pytest.raises(ValidationError) as in_khmer:
        dhis2.replace_mapping(bad.encode())
    assert in_khmer.value.messages[0].startswith("ជួរទី 3៖ 'HH TOTAL' មិនមែនជាលេខសម្គាល់ DHIS2")


@pytest.mark.parametrize(
    "content, complaint",
    [
        (b"\xff\xfe\x00k", "UTF-8"),
        (b"a,b,c\n", "column names"),
        (b"kind,key,identifier,category_option_combo\nfigure,latrines_built,L1,\n", "data_set"),
        (b"x" * (dhis2.CSV_MAX_BYTES + 1), "1 MB"),
    ],
)
def test_a_file_that_is_not_a_mapping_is_refused_with_a_reason(db, content, complaint):
    with pytest.raises(ValidationError) as refused:
        dhis2.replace_mapping(content)
    assert complaint in " ".join(refused.value.messages)
    assert not Dhis2Mapping.objects.exists()


def test_without_a_mapping_nothing_is_sent_and_the_reason_is_given(world, q3):
    with pytest.raises(ValidationError, match="data set"):
        dhis2.collect(q3)


def test_the_command_writes_the_file_and_checks_it(quarter, tmp_path, capsys):
    target = tmp_path / "q3.adx.xml"
    call_command("export_dhis2", "--quarter", "2019Q3", "--format", "adx", "--output", str(target))
    assert dhis2.validate_adx(target.read_bytes(), dhis2.Mapping.current()) == []
    call_command("export_dhis2", "--quarter", "2019q3", "--format", "json", "--state", "provisional")
    assert json.loads(capsys.readouterr().out)["period"] == "2019Q3"
    with pytest.raises(CommandError, match="YYYYQn"):
        call_command("export_dhis2", "--quarter", "2019-3")
    with pytest.raises(CommandError, match="no reporting period"):
        call_command("export_dhis2", "--quarter", "2031Q1")
