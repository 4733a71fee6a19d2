"""Reading the pages the tests fetch, and building the POSTs a browser would send."""

from html.parser import HTMLParser

from reports.models import CommuneQuarter, VillageQuarter


class _Fields(HTMLParser):
    """Collects form controls: name -> {"value", "disabled", "class"}; selects give the selected option."""

    def __init__(self):
        super().__init__()
        self.fields, self._select, self._textarea = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                value = self.fields.get(attrs["name"], {}).get("value")
            else:
                value = attrs.get("value", "on" if attrs.get("type") == "checkbox" else "")
            self.fields[attrs["name"]] = {
                "value": value,
                "disabled": "disabled" in attrs,
                "class": attrs.get("class", ""),
            }
        elif tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
            self.fields[self._select] = {"value": "", "disabled": "disabled" in attrs, "class": attrs.get("class", "")}
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select]["value"] = attrs.get("value", "")
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self.fields[self._textarea] = {
                "value": "",
                "disabled": "disabled" in attrs,
                "class": attrs.get("class", ""),
            }

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            field = self.fields[self._textarea]
            # Browsers drop the newline Django writes right after <textarea>.
            field["value"] = field["value"] + data if field["value"] else data.removeprefix("\n")


def form_fields(response):
    """The form controls of a page: {name: {"value": str, "disabled": bool, "class": str}}."""
    parser = _Fields()
    parser.feed(response.content.decode())
    return parser.fields


def values(response):
    """What a browser would post from the page's controls: an unticked checkbox sends nothing."""
    return {name: field["value"] for name, field in form_fields(response).items() if field["value"] is not None}


def html(response):
    return response.content.decode()


ACTIVITIES = {
    "triggering_events": 2,
    "triggering_women": 30,
    "triggering_men": 25,
    "bcc_sessions": 3,
    "bcc_women": 40,
    "bcc_men": 20,
    "cwg_meetings": 1,
    "commune_budget": "150.00",
}


def good_village(households=100, **changes):
    row = {
        "households_total": households,
        "hh_improved_own": households * 4 // 10,
        "hh_improved_shared": households // 10,
        "hh_unimproved": households * 3 // 10,
        "idpoor_households": households // 4,
        "idpoor_improved": households // 10,
        "latrines_built": 3,
        "hh_handwashing": households // 2,
        "odf_status": "triggered",
        "odf_status_date": "",
        "explanation": "",
    }
    row["hh_open_defecation"] = households - row["hh_improved_own"] - row["hh_improved_shared"] - row["hh_unimproved"]
    row.update(changes)
    return row


def date_parts(name, value):
    """A date as the page's three selects post it: {name_day, name_month, name_year}, "" where empty."""
    year, month, day = str(value).split("-") if value else ("", "", "")
    return {f"{name}_day": day.lstrip("0"), f"{name}_month": month.lstrip("0"), f"{name}_year": year}


def commune_post(villages, *, version=0, activities=None, total_forms=None):
    """The POST of the commune page: one dict of figures per village, in code order."""
    data = {
        "version": str(version),
        "villages-TOTAL_FORMS": str(len(villages) if total_forms is None else total_forms),
        "villages-INITIAL_FORMS": str(len(villages)),
        "villages-MIN_NUM_FORMS": "0",
        "villages-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(villages):
        for field, value in row.items():
            if field == "odf_status_date":  # three selects: day, month, year (reports/entry/dates.py)
                data.update(date_parts(f"villages-{index}-{field}", value))
            else:
                data[f"villages-{index}-{field}"] = "" if value is None else str(value)
    for field, value in (ACTIVITIES if activities is None else activities).items():
        data[f"activities-{field}"] = "" if value is None else str(value)
    return data


DISTRICT_SECTION = {
    "wg_meeting_held": "true",
    "wg_meeting_date": "2019-08-14",
    "wg_meeting_attendance": "18",
    "wg_meeting_attendance_women": "7",
    "ft_annual_allocation": "4000.00",
    "ft_carried_over": "250.00",
    "ft_received": "1000.00",
    "spent_meetings": "200.00",
    "spent_triggering": "300.00",
    "spent_training": "100.00",
    "spent_monitoring": "50.00",
    "spent_odf_verification": "0",
    "spent_other": "0",
    "active_suppliers": "4",
    "active_masons": "9",
    "achievements": "Three villages triggered.",
    "challenges": "Flooding in September.",
    "support_needed": "",
    "next_quarter_plan": "Verify ODF in Trapeang.",
}
TRAINING = {
    "topic": "clts",
    "topic_detail": "CLTS facilitation",
    "participants_provincial": "1",
    "participants_district": "4",
    "participants_commune": "10",
    "participants_village": "20",
    "women": "12",
}


def district_post(*, version=0, trainings=(), existing=0, **changes):
    data = {
        "version": str(version),
        "trainings-TOTAL_FORMS": str(len(trainings)),
        "trainings-INITIAL_FORMS": str(existing),
        "trainings-MIN_NUM_FORMS": "0",
        "trainings-MAX_NUM_FORMS": "1000",
    }
    for field, value in {**DISTRICT_SECTION, **changes}.items():
        data[f"district-{field}"] = value
    for index, training in enumerate(trainings):
        for field, value in training.items():
            data[f"trainings-{index}-{field}"] = value
    return data


def saved_figures(report, commune):
    """{village code: {field: value}} of the saved rows of a commune."""
    rows = VillageQuarter.objects.filter(report=report, village__commune=commune).select_related("village")
    return {
        row.village.code: {f: getattr(row, f) for f in VillageQuarter.COUNT_FIELDS + ["odf_status"]} for row in rows
    }


def saved_activities(report, commune):
    record = CommuneQuarter.objects.filter(report=report, commune=commune).first()
    return {f: getattr(record, f) for f in CommuneQuarter.ACTIVITY_FIELDS} if record else None


def csv_table(content):
    """({label: value} of a CSV download's header block, [the table's rows, its header row first])."""
    import csv
    import io

    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    blank = lines.index([]) if [] in lines else -1
    return {line[0]: line[1] for line in lines[:blank] if len(line) > 1}, lines[blank + 1 :]
