"""Loading the NCDD gazetteer: the bundled national file, small handmade files, the commands."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from districts.gazetteer import COLUMNS, GazetteerError, load_bundled_gazetteer, load_gazetteer
from districts.models import Assignment, Commune, District, Province, UnitType, Village
from reports.devtools import demo_users as demo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    # Loader messages are translatable and the default language is Khmer; assert on the English ones.
    with translation.override("en"):
        yield


# --- (a) The bundled national gazetteer ------------------------------------------------------------

# Computed once from fixtures/cambodia-gazetteer-ncdd-2024-10.csv (rows per level grouped by the
# first two digits of the code): province code -> (districts, communes, villages).
COUNTS_BY_PROVINCE = {
    "01": (9, 67, 658),  # Banteay Meanchey
    "02": (14, 103, 844),  # Battambang
    "03": (10, 109, 947),  # Kampong Cham
    "04": (8, 71, 569),  # Kampong Chhnang
    "05": (9, 88, 1365),  # Kampong Speu
    "06": (9, 81, 765),  # Kampong Thom
    "07": (9, 93, 491),  # Kampot
    "08": (13, 127, 1010),  # Kandal
    "09": (7, 29, 119),  # Koh Kong
    "10": (7, 48, 327),  # Kratie
    "11": (5, 21, 92),  # Mondul Kiri
    "12": (14, 105, 953),  # Phnom Penh
    "13": (8, 51, 232),  # Preah Vihear
    "14": (13, 116, 1168),  # Prey Veng
    "15": (7, 49, 526),  # Pursat
    "16": (9, 50, 243),  # Ratanak Kiri
    "17": (13, 100, 909),  # Siemreap
    "18": (6, 29, 111),  # Preah Sihanouk
    "19": (6, 34, 137),  # Stung Treng
    "20": (8, 80, 690),  # Svay Rieng
    "21": (10, 100, 1121),  # Takeo
    "22": (5, 24, 308),  # Oddar Meanchey
    "23": (2, 5, 18),  # Kep
    "24": (2, 8, 92),  # Pailin
    "25": (7, 64, 875),  # Tboung Khmum
}


@pytest.mark.slow  # the whole country
def test_bundled_gazetteer_loads_every_unit_of_cambodia():
    summary = load_bundled_gazetteer()

    assert summary.added == {"province": 25, "district": 210, "commune": 1652, "village": 14570}
    assert Province.objects.count() == 25
    assert District.objects.active().count() == 210
    assert District.objects.count() == 211  # plus historical 0505 Odongk
    assert Commune.objects.count() == 1652
    assert Village.objects.count() == 14570
    assert sum(c[0] for c in COUNTS_BY_PROVINCE.values()) == 210

    counts = {}
    for province in Province.objects.all():
        counts[province.code] = (
            District.objects.active().filter(province=province).count(),
            Commune.objects.filter(district__province=province).count(),
            Village.objects.filter(commune__district__province=province).count(),
        )
    assert counts == COUNTS_BY_PROVINCE

    assert Province.objects.get(code="12").unit_type == UnitType.CAPITAL
    assert District.objects.get(code="0508").name_latin == "Thpong"
    assert District.objects.get(code="0508").name_km == "ថ្ពង"
    # One new village has no Latin spelling yet; its name falls back to Khmer.
    assert Village.objects.get(code="02010508").name == "ប៉ៃឡាំ"


@pytest.mark.slow  # the whole country
def test_bundled_gazetteer_keeps_odongk_retired_with_its_successors():
    load_bundled_gazetteer()

    kampong_speu = District.objects.filter(province__code="05")
    assert set(kampong_speu.active().values_list("code", flat=True)) == {
        "0501",
        "0502",
        "0503",
        "0504",
        "0506",
        "0507",
        "0508",
        "0509",
        "0510",
    }
    odongk = District.objects.get(code="0505")
    assert odongk.name_latin == "Odongk"
    assert odongk.retired_on == datetime.date(2022, 12, 23)
    assert set(odongk.successors.values_list("code", flat=True)) == {"0509", "0510"}
    assert set(District.objects.get(code="0509").predecessors.values_list("code", flat=True)) == {"0505"}
    assert not District.objects.active_on(datetime.date(2023, 1, 1)).filter(code="0505").exists()
    assert District.objects.active_on(datetime.date(2022, 12, 22)).filter(code="0505").exists()

    assert set(District.objects.filter(province__code="25").values_list("code", flat=True)) == {
        f"25{n:02d}" for n in range(1, 8)
    }

    # Loading again changes nothing and keeps Odongk's retirement date.
    again = load_bundled_gazetteer()
    assert again.added == again.updated == again.retired == {"province": 0, "district": 0, "commune": 0, "village": 0}
    assert District.objects.get(code="0505").retired_on == datetime.date(2022, 12, 23)


# --- (b) Small handmade files ----------------------------------------------------------------------

HEADER = ",".join(COLUMNS)
BASE_ROWS = [
    "province,ខេត្ត,05,,កំពង់ស្ពឺ,Kampong Speu,,",
    "district,ស្រុក,0508,05,ថ្ពង,Thpong,,",
    "district,ក្រុង,0509,05,ឧដុង្គម៉ែជ័យ,Odongk Maechay,,",
    "commune,ឃុំ,050801,0508,អមលាំង,Amleang,,",
    "commune,សង្កាត់,050901,0509,ឧដុង្គ,Odongk,,",
    "village,ភូមិ,05080101,050801,ថ្មគប់,Thma Kob,,",
    "village,ភូមិ,05080102,050801,ត្រពាំងក្រសាំង,,,",
    'village,ភូមិ,05090101,050901,ភ្នំ,Phnum,"sub-decree 271, 2022",',
]
ZERO = {"province": 0, "district": 0, "commune": 0, "village": 0}


def gazetteer(rows, header=HEADER):
    return "\n".join([header, *rows]) + "\n"


def replace(rows, code, new_row):
    return [new_row if row.split(",")[2] == code else row for row in rows]


def without(rows, *codes):
    return [row for row in rows if row.split(",")[2] not in codes]


def snapshot():
    """Every unit row as a comparable value."""
    return {
        model.__name__: sorted(
            model.objects.values_list("id", "code", "name_km", "name_latin", "unit_type", "retired_on")
        )
        for model in (Province, District, Commune, Village)
    }


def test_load_adds_units_of_every_level_with_their_parents():
    summary = load_gazetteer(gazetteer(BASE_ROWS))

    assert summary.added == {"province": 1, "district": 2, "commune": 2, "village": 3}
    assert summary.total == summary.added
    village = Village.objects.select_related("commune__district__province").get(code="05090101")
    assert village.commune.code == "050901"
    assert village.commune.district.code == "0509"
    assert village.commune.district.province.code == "05"
    assert village.reference == "sub-decree 271, 2022"
    assert District.objects.get(code="0509").unit_type == UnitType.MUNICIPALITY
    assert Commune.objects.get(code="050901").unit_type == UnitType.QUARTER
    assert Village.objects.get(code="05080102").name_latin == ""


def test_load_accepts_a_byte_order_mark():
    load_gazetteer("\ufeff" + gazetteer(BASE_ROWS))
    assert Village.objects.count() == 3


def test_rename_updates_the_same_unit():
    load_gazetteer(gazetteer(BASE_ROWS))
    before = District.objects.get(code="0508")

    summary = load_gazetteer(gazetteer(replace(BASE_ROWS, "0508", "district,ស្រុក,0508,05,ថ្ពងថ្មី,Thpong Thmei,,")))

    after = District.objects.get(code="0508")
    assert after.pk == before.pk
    assert (after.name_km, after.name_latin) == ("ថ្ពងថ្មី", "Thpong Thmei")
    assert summary.updated == {**ZERO, "district": 1}
    assert summary.added == summary.retired == ZERO
    assert District.objects.count() == 2


def test_type_change_updates_the_unit():
    load_gazetteer(gazetteer(BASE_ROWS))
    load_gazetteer(gazetteer(replace(BASE_ROWS, "0508", "district,ក្រុង,0508,05,ថ្ពង,Thpong,,")))
    assert District.objects.get(code="0508").unit_type == UnitType.MUNICIPALITY


def test_loading_the_same_file_again_changes_nothing():
    load_gazetteer(gazetteer(BASE_ROWS))
    before = snapshot()

    summary = load_gazetteer(gazetteer(BASE_ROWS))

    assert summary.added == summary.updated == summary.retired == ZERO
    assert summary.total == {"province": 1, "district": 2, "commune": 2, "village": 3}
    assert snapshot() == before


def test_unit_missing_from_later_file_is_retired_on_the_given_day_and_returns_when_listed_again():
    load_gazetteer(gazetteer(BASE_ROWS))
    village = Village.objects.get(code="05080102")

    summary = load_gazetteer(gazetteer(without(BASE_ROWS, "05080102")), retire_missing_on=datetime.date(2024, 10, 1))
    assert summary.retired == {**ZERO, "village": 1}
    village.refresh_from_db()
    assert village.retired_on == datetime.date(2024, 10, 1)
    assert Village.objects.count() == 3  # retired, never deleted

    # Still missing later: keeps the first retirement date.
    summary = load_gazetteer(gazetteer(without(BASE_ROWS, "05080102")), retire_missing_on=datetime.date(2025, 1, 1))
    assert summary.retired == ZERO
    village.refresh_from_db()
    assert village.retired_on == datetime.date(2024, 10, 1)

    summary = load_gazetteer(gazetteer(BASE_ROWS))
    assert summary.updated == {**ZERO, "village": 1}
    village.refresh_from_db()
    assert village.retired_on is None


def test_district_missing_from_later_file_is_retired_with_everything_below():
    load_gazetteer(gazetteer(BASE_ROWS))
    summary = load_gazetteer(
        gazetteer(without(BASE_ROWS, "0509", "050901", "05090101")), retire_missing_on=datetime.date(2024, 10, 1)
    )
    assert summary.retired == {"province": 0, "district": 1, "commune": 1, "village": 1}
    assert list(District.objects.active().values_list("code", flat=True)) == ["0508"]
    assert Village.objects.get(code="05090101").retired_on == datetime.date(2024, 10, 1)


def test_missing_unit_is_retired_today_by_default():
    load_gazetteer(gazetteer(BASE_ROWS))
    load_gazetteer(gazetteer(without(BASE_ROWS, "05080102")))
    assert Village.objects.get(code="05080102").retired_on == datetime.date.today()


def good_then_bad(*bad_rows):
    """A file whose first rows are good changes (a rename and a new village), then the bad rows."""
    rows = replace(BASE_ROWS, "0508", "district,ស្រុក,0508,05,ថ្ពងថ្មី,Thpong Thmei,,")
    return gazetteer(rows + ["village,ភូមិ,05080103,050801,ភូមិថ្មី,Phum Thmei,,", *bad_rows])


FIRST_BAD_LINE = len(BASE_ROWS) + 3  # header, base rows, the new village, then the bad row

MALFORMED = {
    "bad code length": (good_then_bad("village,ភូមិ,0508010,050801,ខុស,Wrong,,"), [FIRST_BAD_LINE], "8 digits"),
    "non-digit code": (good_then_bad("district,ស្រុក,05O7,05,ខុស,Wrong,,"), [FIRST_BAD_LINE], "4 digits"),
    "duplicate code": (good_then_bad("commune,ឃុំ,050801,0508,អមលាំង,Amleang,,"), [FIRST_BAD_LINE], "twice"),
    "parent mismatch": (good_then_bad("commune,ឃុំ,050802,0509,ខុស,Wrong,,"), [FIRST_BAD_LINE], "does not match"),
    "missing parent": (good_then_bad("commune,ឃុំ,050701,0507,ខុស,Wrong,,"), [FIRST_BAD_LINE], "not in the file"),
    "unknown level": (good_then_bad("hamlet,ភូមិ,0508010101,05080101,ខុស,Wrong,,"), [FIRST_BAD_LINE], "unknown level"),
    "unknown type": (good_then_bad("district,ខេត្ត,0507,05,ខុស,Wrong,,"), [FIRST_BAD_LINE], "not a district type"),
    "empty Khmer name": (
        good_then_bad("village,ភូមិ,05080104,050801,,No Khmer,,"),
        [FIRST_BAD_LINE],
        "Khmer name is required",
    ),
    "several problems": (
        good_then_bad(
            "village,ភូមិ,05080104,050801,,No Khmer,,",
            "district,ស្រុក,0508,05,ថ្ពង,Thpong,,",
            "commune,ឃុំ,050701,0507,ខុស,Wrong,,",
        ),
        [FIRST_BAD_LINE, FIRST_BAD_LINE + 1, FIRST_BAD_LINE + 2],
        "twice",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_file_reports_line_numbers_and_writes_nothing(case):
    load_gazetteer(gazetteer(BASE_ROWS))
    before = snapshot()
    text, lines, message = MALFORMED[case]

    with pytest.raises(GazetteerError) as raised:
        load_gazetteer(text, retire_missing_on=datetime.date(2024, 10, 1))

    assert [line for line, _message in raised.value.problems] == lines
    assert any(message in problem for _line, problem in raised.value.problems)
    assert f"line {lines[0]}:" in str(raised.value)
    assert snapshot() == before


def test_file_with_wrong_columns_is_refused_at_line_one_and_writes_nothing():
    load_gazetteer(gazetteer(BASE_ROWS))
    before = snapshot()
    header = HEADER.replace("name_km", "name_khmer")

    with pytest.raises(GazetteerError) as raised:
        load_gazetteer(gazetteer(BASE_ROWS, header=header))

    assert raised.value.problems == [(1, "missing columns: name_km")]
    assert snapshot() == before


def test_malformed_file_on_an_empty_database_writes_nothing():
    with pytest.raises(GazetteerError):
        load_gazetteer(gazetteer(BASE_ROWS + ["village,ភូមិ,0508010X,050801,ខុស,Wrong,,"]))
    assert not Province.objects.exists()
    assert not Village.objects.exists()


# --- (c) The load_gazetteer command -----------------------------------------------------------------


def test_load_gazetteer_command_prints_a_summary(tmp_path):
    path = tmp_path / "gazetteer.csv"
    path.write_text(gazetteer(BASE_ROWS), encoding="utf-8")
    out = io.StringIO()

    call_command("load_gazetteer", path, stdout=out)

    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[0].split() == ["province", "1", "in", "file,", "1", "added,", "0", "updated,", "0", "retired"]
    assert lines[3].split() == ["village", "3", "in", "file,", "3", "added,", "0", "updated,", "0", "retired"]
    assert Village.objects.count() == 3


def test_load_gazetteer_command_retires_on_the_given_day(tmp_path):
    load_gazetteer(gazetteer(BASE_ROWS))
    path = tmp_path / "gazetteer.csv"
    path.write_text(gazetteer(without(BASE_ROWS, "05080102")), encoding="utf-8")
    out = io.StringIO()

    call_command("load_gazetteer", path, "--retired-on", "2024-10-01", stdout=out)

    assert Village.objects.get(code="05080102").retired_on == datetime.date(2024, 10, 1)
    assert out.getvalue().splitlines()[3].split()[-2:] == ["1", "retired"]


def test_load_gazetteer_command_reports_bad_rows_as_path_line_message(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        gazetteer(BASE_ROWS + ["village,ភូមិ,0508010,050801,ខុស,Wrong,,", "district,ស្រុក,0508,05,ថ្ពង,Thpong,,"]),
        encoding="utf-8",
    )
    err = io.StringIO()

    with pytest.raises(CommandError, match="2 bad row"):
        call_command("load_gazetteer", path, stdout=io.StringIO(), stderr=err)

    errors = err.getvalue().splitlines()
    assert errors[0].startswith(f"{path}:{len(BASE_ROWS) + 2}: ")
    assert "8 digits" in errors[0]
    assert errors[1] == f"{path}:{len(BASE_ROWS) + 3}: code 0508 appears twice"
    assert not Province.objects.exists()


def test_load_gazetteer_command_refuses_an_unreadable_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load_gazetteer", tmp_path / "missing.csv", stdout=io.StringIO())


# --- (d) The load_demo command --------------------------------------------------------------------------


def demo_state():
    User = get_user_model()
    return {
        "units": snapshot(),
        "users": sorted(User.objects.values_list("id", "username", "password", "is_staff", "is_superuser")),
        "assignments": sorted(
            Assignment.objects.values_list(
                "id", "user__username", "role", "province__code", "district__code", "commune__code"
            )
        ),
    }


@pytest.mark.slow  # the whole country
def test_load_demo_is_idempotent_and_creates_the_demo_users():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    first = demo_state()

    call_command("load_demo", stdout=io.StringIO())

    assert demo_state() == first
    assert len(first["units"]["District"]) == 211
    assert len(first["units"]["Village"]) == 14570
    assert sorted(username for _id, username, *_rest in first["users"]) == sorted(u[0] for u in demo.DEMO_USERS)
    assert len(first["assignments"]) == len(demo.DEMO_USERS)

    User = get_user_model()
    for username, first_name, _last, role, code in demo.DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.first_name == first_name
        assert user.check_password(demo.DEMO_PASSWORD)
        assignment = user.assignments.get()
        assert assignment.role == role
        assert (assignment.unit.code if assignment.unit else None) == code
        assert username in out.getvalue()
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.get(username="dso_thpong").is_staff


@pytest.mark.slow  # the whole country
def test_load_demo_does_not_reset_a_changed_demo_password():
    call_command("load_demo", stdout=io.StringIO())
    user = get_user_model().objects.get(username="dso_thpong")
    user.set_password("a-private-password-2024")
    user.save()

    call_command("load_demo", stdout=io.StringIO())

    user.refresh_from_db()
    assert user.check_password("a-private-password-2024")
