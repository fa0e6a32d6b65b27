"""The four roles as groups, each with the model permissions its work needs."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Custody officer": [
        "people.add_person",
        "people.change_person",
        "people.view_person",
        "cases.add_referral",
        "cases.change_referral",
        "cases.view_referral",
        "policy.view_offencetype",
        "policy.view_custodysuite",
        "policy.view_policyversion",
    ],
    "Caseworker": [
        "people.view_person",
        "cases.view_referral",
        "cases.view_programme",
        "cases.change_programme",
        "cases.add_condition",
        "cases.change_condition",
        "cases.view_condition",
        "cases.add_milestone",
        "cases.change_milestone",
        "cases.view_milestone",
        "cases.add_appointment",
        "cases.change_appointment",
        "cases.view_appointment",
        "cases.add_pathwayassessment",
        "cases.change_pathwayassessment",
        "cases.view_pathwayassessment",
    ],
    "Manager": [
        "people.view_person",
        "cases.view_referral",
        "cases.change_referral",
        "policy.view_offencetype",
        "policy.view_custodysuite",
        "policy.view_policyversion",
        "cases.view_programme",
        "cases.change_programme",
        "cases.view_condition",
        "cases.view_milestone",
        "cases.view_appointment",
        "cases.view_pathwayassessment",
    ],
    "Auditor": ["audit.view_accesslogentry"],
}


def forwards(apps, schema_editor):
    # Permissions are normally made after migrations finish; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    assign_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def assign_roles(Group, Permission):
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("audit", "0001_initial"),
        ("people", "0001_initial"),
        ("policy", "0001_initial"),
        ("cases", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
