"""What the ground announces to the stages after it, so that an earlier stage never imports a later one.

The review workflow changes a report's state; the rollups stage must then rebuild that
district-quarter. Review sends `report_state_changed`; the rollups stage listens (connected in
ReportsConfig.ready). Receivers run synchronously, inside the sender's transaction.
"""

from django.dispatch import Signal

# Sent inside the transaction that changed a district report's status: submitted, returned, approved
# or reopened. Arguments: report (the DistrictReport, already saved with its new status).
report_state_changed = Signal()

# Sent inside the transaction of every ODF step (reports/odf/workflow.py) that changes whether a village is
# certified, or what is under way for it. Arguments: village (the Village), on (the date the change takes effect).
odf_status_changed = Signal()
