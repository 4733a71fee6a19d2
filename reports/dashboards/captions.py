"""What each chart is called and what it counts, in the indicator definitions of reports/indicators.py.

Shared by the dashboards and the PDFs, so a chart's title and caption read the same on both.
"""

from django.utils.translation import gettext_lazy

TITLES = {
    "coverage": gettext_lazy("Sanitation coverage and basic sanitation"),
    "odf": gettext_lazy("ODF villages: declared and verified"),
    "idpoor": gettext_lazy("IDPoor coverage beside overall coverage"),
    "odf_funnel": gettext_lazy("ODF verification in the quarter: declared, verified, certified, slipped"),
    "triggering": gettext_lazy("CLTS triggering events and participants"),
    "training": gettext_lazy("Training cascade: people trained by level"),
    "budget": gettext_lazy("Functional-transfer budget: received and spent"),
    "reporting": gettext_lazy("Completeness and timeliness of reporting"),
    "league": gettext_lazy("Sanitation coverage by unit"),
    "progress": gettext_lazy("Progress toward the national target"),
    # xgettext:no-python-format
    "projection": gettext_lazy("Projected year of 100% coverage at the current rate"),
}
CAPTIONS = {
    "coverage": gettext_lazy(
        "Sanitation coverage = households with an improved latrine, own or shared, out of all households. "
        "Basic sanitation = households with their own improved latrine out of all households. Summed over the "
        "villages of the reports counted in each quarter."
    ),
    "odf": gettext_lazy(
        "Villages whose ODF status at the end of each quarter is verified, and villages declared ODF but not yet "
        "verified (counted separately: only verified villages are ODF villages)."
    ),
    "odf_funnel": gettext_lazy(
        "Villages declared ODF, verified by a team from elsewhere (visit passed), certified by the PDRD and found "
        "practising open defecation again (slipped) in the selected quarter, from the ODF verification records; "
        "certified villages re-verified are counted apart. All data, approved or not: verification does not wait "
        "for the quarterly report."
    ),
    "idpoor": gettext_lazy(
        "IDPoor coverage = IDPoor households (Poor 1 and 2) with an improved latrine out of IDPoor households, "
        "beside sanitation coverage of all households. The shaded band is the gap."
    ),
    "triggering": gettext_lazy(
        "CLTS triggering events held in the communes in each quarter (line), and their participants, women and "
        "men (bars), as entered by the communes."
    ),
    "training": gettext_lazy(
        "People trained in the district reports' trainings, by the level they work at, from the first quarter "
        "of the year to the selected quarter, beside the same quarters of the year before."
    ),
    "budget": gettext_lazy(
        "Functional-transfer budget received and spent in each quarter of the year (USD), and budget "
        "utilisation = spent / received, year to date."
    ),
    "reporting": gettext_lazy(
        "Reporting rate = district reports submitted or approved / reports expected. On-time rate = reports "
        "first submitted by the deadline / reports expected."
    ),
    "league": gettext_lazy(
        "Sanitation coverage of each unit in the selected quarter (bar) and at the end of last year (dot). "
        "A unit's rate is the ratio of its summed counts."
    ),
    "progress": gettext_lazy(
        "National sanitation coverage by quarter; from the selected quarter on, the path at the rate of the last "
        "four quarters, and the path needed to reach 100% by the end of the national target year."
    ),
    "projection": gettext_lazy(  # xgettext:no-python-format
        "The year each province reaches 100% sanitation coverage if coverage keeps rising by as many percentage "
        "points a year as in the last four quarters. No bar: coverage did not rise, or a year ago is missing."
    ),
}
