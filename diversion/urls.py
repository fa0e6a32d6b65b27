from django.contrib import admin
from django.urls import include, path

from diversion.accounts import views as account_views
from diversion.lib import views as lib_views

admin.site.site_header = "Checkpoint administration"
admin.site.site_title = "Checkpoint administration"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", lib_views.healthz, name="healthz"),
    path("accounts/", include("diversion.accounts.urls")),
    path("people/", include("diversion.people.urls")),
    path("referrals/", include("diversion.referrals.urls")),
    path("cases/", include("diversion.programme.urls")),
    path("dashboards/", include("diversion.dashboards.urls")),
    path("audit/", include("diversion.audit.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "diversion.lib.views.bad_request"
handler403 = "diversion.lib.views.permission_denied"
handler404 = "diversion.lib.views.page_not_found"
handler500 = "diversion.lib.views.server_error"
