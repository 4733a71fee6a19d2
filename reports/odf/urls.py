from django.urls import path

from reports.odf import views

VILLAGE = "odf/village/<str:village>/"

urlpatterns = [
    path("odf/queue/", views.queue, name="odf_queue"),
    path("odf/visits/", views.my_visits, name="odf_my_visits"),
    path("odf/to-declare/", views.declared_in_reports, name="odf_to_declare"),
    path(VILLAGE, views.village_odf, name="odf_village"),
    path(f"{VILLAGE}claim/", views.claim, name="odf_claim"),
    path(f"{VILLAGE}team/", views.assign_team, name="odf_team"),
    path(f"{VILLAGE}visit/", views.visit, name="odf_visit"),
    path(f"{VILLAGE}certify/", views.certify, name="odf_certify"),
    path(f"{VILLAGE}return/", views.return_claim, name="odf_return"),
    path(f"{VILLAGE}slippage/", views.slippage, name="odf_slippage"),
    path(f"{VILLAGE}photo/<int:pk>.jpg", views.photo, name="odf_photo"),
]
