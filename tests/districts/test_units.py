"""Which units existed on a day: retired units drop out, their successors come in."""

import datetime

from districts.models import District
from tests.factories import DistrictFactory, ProvinceFactory


def test_a_successor_exists_only_from_its_predecessors_retirement(db):
    province = ProvinceFactory(code="05")
    odongk = DistrictFactory(province=province, code="0505", retired_on=datetime.date(2022, 12, 23))
    maechay = DistrictFactory(province=province, code="0509")
    thpong = DistrictFactory(province=province, code="0508")
    odongk.successors.set([maechay])

    in_2019 = set(District.objects.active_on(datetime.date(2019, 7, 1)).values_list("code", flat=True))
    in_2023 = set(District.objects.active_on(datetime.date(2023, 1, 1)).values_list("code", flat=True))

    assert in_2019 == {"0505", "0508"}
    assert in_2023 == {"0508", "0509"}
    assert thpong.code in in_2019 & in_2023


def test_existed_on_decides_as_active_on_does_for_units_read_with_their_lifespan(db):
    """The funnel reads units once and decides for two days in Python (existed_on): the same answer as active_on."""
    from districts.models import existed_on

    province = ProvinceFactory(code="05")
    odongk = DistrictFactory(province=province, code="0505", retired_on=datetime.date(2022, 12, 23))
    odongk.successors.set([DistrictFactory(province=province, code="0509")])
    DistrictFactory(province=province, code="0508")
    units = list(District.objects.with_lifespan())
    for day in [datetime.date(2019, 7, 1), datetime.date(2022, 12, 22), datetime.date(2022, 12, 23)]:
        expected = set(District.objects.active_on(day).values_list("code", flat=True))
        assert {d.code for d in units if existed_on(d.retired_on, d.created, day)} == expected, day
