from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from districts import language
from districts import views as district_views
from districts.forms import LoginForm, StyledPasswordChangeForm
from reports.exchange.api import api

accounts = [
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/", auth_views.PasswordChangeView.as_view(form_class=StyledPasswordChangeForm), name="password_change"
    ),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("two-step/", include("districts.mfa.urls")),
]

urlpatterns = [
    path("", district_views.home, name="home"),
    path("accounts/", include(accounts)),
    path("units/", include("districts.urls")),
    path("reports/", include("reports.urls")),
    # Django's language switch, also remembering the choice on the user's profile (districts/language.py).
    path("i18n/setlang/", language.set_language, name="set_language"),
    path("i18n/digits/", language.set_date_digits, name="set_date_digits"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

# A request that found no free database connection (an overloaded server) is told "busy, try again" (503), not "error".
handler500 = "drssd_portal.busy.server_error"
