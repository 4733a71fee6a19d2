from django.urls import path

from reports.review import report_page, views

REPORT = "<str:district>/<int:year>/q<int:quarter>/"

urlpatterns = [
    path("review/", views.review_queue, name="review_queue"),
    path("completeness/<int:year>/q<int:quarter>/", views.completeness_table, name="completeness"),
    path("province/<str:province>/inbox/", views.provincial_inbox, name="provincial_inbox"),
    path("province/<str:province>/<int:year>/q<int:quarter>/", views.provincial_report, name="provincial"),
    path(
        "province/<str:province>/<int:year>/q<int:quarter>/decision/",
        views.provincial_decision,
        name="provincial_decision",
    ),
    path(REPORT, report_page.report_detail, name="report"),
    path(f"{REPORT}submit/", views.submit, name="submit"),
    path(f"{REPORT}approve/", views.approve, name="approve"),
    path(f"{REPORT}return/", views.return_for_correction, name="return"),
    path(f"{REPORT}reopen/", views.reopen, name="reopen"),
    path(f"{REPORT}history/", views.report_history, name="history"),
]
