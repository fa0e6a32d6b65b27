from django.urls import path

from diversion.cases.views import case, caseload, outcome, printing

app_name = "cases"
urlpatterns = [
    path("", caseload.home, name="home"),
    path("<int:pk>/take/", caseload.take, name="take"),
    path("<int:pk>/assign/", caseload.assign, name="assign"),
    path("reassign/", caseload.reassign, name="reassign"),
    path("<int:pk>/", case.overview, name="case"),
    path("<int:pk>/needs/", case.needs, name="needs"),
    path("<int:pk>/contract/", case.contract, name="contract"),
    path("<int:pk>/contract/print/", printing.contract, name="contract_print"),
    path("<int:pk>/conditions/<int:number>/", case.condition, name="condition"),
    path("<int:pk>/milestones/<int:milestone_id>/", case.milestone, name="milestone"),
    path("<int:pk>/appointments/", case.appointments, name="appointments"),
    path("<int:pk>/appointments/<int:appointment_id>/", case.appointment, name="appointment"),
    path("<int:pk>/notes/", case.notes, name="notes"),
    path("<int:pk>/outcome/", outcome.outcome, name="outcome"),
    path("<int:pk>/reopen/", outcome.reopen, name="reopen"),
]
