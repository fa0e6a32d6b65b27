from django.urls import path

from diversion.governance.views import retention

app_name = "governance"
urlpatterns = [
    path("retention/", retention.queue, name="retention"),
    path("retention/<int:pk>/", retention.case, name="retention_case"),
    path("retention/<int:pk>/erase/", retention.erase, name="retention_erase"),
]
