from django.contrib import admin
from django.urls import include, path

from diversion.accounts import views as account_views
from diversion.cases.views import merge as merge_views
from diversion.cases.views import person as person_views
from diversion.lib import views as lib_views
from diversion.people import urls as people_urls

admin.site.site_header = "Checkpoint administration"
admin.site.site_title = "Checkpoint administration"

# A person's page lists their referrals and cases, and a merge moves them, so the cases app
# serves those; they sit under /people/ beside the person search, in the same namespace.
people_patterns = [
    *people_urls.urlpatterns,
    path("<int:pk>/", person_views.detail, name="detail"),
    path("<int:pk>/merge/", merge_views.choose, name="merge"),
    path("<int:pk>/merge/<int:other>/", merge_views.check, name="merge_check"),
]

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", lib_views.healthz, name="healthz"),
    path("accessibility/", lib_views.accessibility, name="accessibility"),
    path("accounts/", include("diversion.accounts.urls")),
    path("people/", include((people_patterns, "people"))),
    path("referrals/", include("diversion.cases.urls.referrals")),
    path("cases/", include("diversion.cases.urls.cases")),
    path("dashboards/", include("diversion.reporting.urls")),
    path("audit/", include("diversion.governance.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "diversion.lib.views.bad_request"
handler403 = "diversion.lib.views.permission_denied"
handler404 = "diversion.lib.views.page_not_found"
handler500 = "diversion.lib.views.server_error"
