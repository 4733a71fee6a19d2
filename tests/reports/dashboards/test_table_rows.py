"""A dashboard table's rows, drawn in one pass by the portal tag table_body_rows."""

from districts.templatetags.portal import table_body_rows


def test_a_dashboard_tables_rows_are_drawn_escaped_with_the_query_on_the_first_link_only():
    rows = [
        [
            {"text": "<b>Thpong</b>", "raw": "<b>Thpong</b>", "href": "/d/0508/?a=1&b=2", "numeric": False},
            {"text": "64.6%", "raw": 64.6, "href": "/x/", "numeric": True, "flag": True},
            {"text": "—", "raw": None, "numeric": True},
        ]
    ]
    html = str(table_body_rows(rows, "?quarter=2019Q2&provisional=1"))
    assert html == (
        '<tr><td data-sort="&lt;b&gt;Thpong&lt;/b&gt;"><a href="/d/0508/?a=1&amp;b=2?quarter=2019Q2&amp;provisional=1">'
        "&lt;b&gt;Thpong&lt;/b&gt;</a></td>"
        '<td class="text-end" data-sort="64.6"><a href="/x/">64.6%</a><span class="dash-flag">*</span></td>'
        '<td class="text-end" data-sort="">—</td></tr>'
    )
