"""The reports/ URLs: each stage owns its list; one namespace ("reports:") for all of them.

Order matters: the stages whose URLs start with a fixed word (dashboard/, pdf/, review/, periods/, ...)
come before the patterns that start with a district code (exchange/ and odf/ too).
"""

from reports.dashboards import urls as dashboards
from reports.documents import urls as documents
from reports.entry import urls as entry
from reports.exchange import urls as exchange
from reports.odf import urls as odf
from reports.review import urls as review

app_name = "reports"

urlpatterns = [
    *dashboards.urlpatterns,
    *documents.urlpatterns,
    *exchange.urlpatterns,
    *odf.urlpatterns,
    *review.urlpatterns,
    *entry.urlpatterns,
]
