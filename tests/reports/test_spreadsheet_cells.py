import pytest

from reports.spreadsheet_cells import safe_cell


@pytest.mark.parametrize(
    "value, written",
    [
        ('=HYPERLINK("https://evil.example/","x")', '\'=HYPERLINK("https://evil.example/","x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-12.5", "-12.5"),
        ("-inf", "'-inf"),
        ("Thpong", "Thpong"),
        ("ថ្ពង", "ថ្ពង"),
        (-3, -3),
        (None, None),
    ],
)
def test_text_a_spreadsheet_would_run_as_a_formula_gets_an_apostrophe(value, written):
    assert safe_cell(value) == written
