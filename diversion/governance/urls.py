from django.urls import path

from diversion.governance.views import retention, subject_access, trail

app_name = "governance"
urlpatterns = [
    # The auditor's trails (governance.views.trail).
    path("", trail.general, name="log"),
    path("people/", trail.people, name="people"),
    path("people/<int:pk>/", trail.person_trail, name="person_trail"),
    path("people/<int:pk>/export/", trail.person_export, name="person_export"),
    path("staff/", trail.staff, name="staff"),
    path("staff/<int:pk>/", trail.staff_activity, name="staff_activity"),
    path("staff/<int:pk>/export/", trail.staff_export, name="staff_export"),
    # Subject access (governance.views.subject_access).
    path("subject-access/", subject_access.start, name="subject_access"),
    # The retention review (governance.views.retention).
    path("retention/", retention.queue, name="retention"),
    path("retention/<int:pk>/", retention.case, name="retention_case"),
    path("retention/<int:pk>/erase/", retention.erase, name="retention_erase"),
]
