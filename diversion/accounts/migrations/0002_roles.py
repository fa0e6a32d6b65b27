"""The four roles as groups, each with the model permissions its work needs."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Custody officer": [
        "people.add_person",
        "people.change_person",
        "people.view_person",
        "referrals.add_referral",
        "referrals.change_referral",
        "referrals.view_referral",
        "referrals.view_offencetype",
        "referrals.view_custodysuite",
        "referrals.view_policyversion",
    ],
    "Caseworker": [
        "people.view_person",
        "referrals.view_referral",
        "programme.view_programme",
        "programme.change_programme",
        "programme.add_condition",
        "programme.change_condition",
        "programme.view_condition",
        "programme.add_milestone",
        "programme.change_milestone",
        "programme.view_milestone",
        "programme.add_appointment",
        "programme.change_appointment",
        "programme.view_appointment",
        "programme.add_pathwayassessment",
        "programme.change_pathwayassessment",
        "programme.view_pathwayassessment",
    ],
    "Manager": [
        "people.view_person",
        "referrals.view_referral",
        "referrals.change_referral",
        "referrals.view_offencetype",
        "referrals.view_custodysuite",
        "referrals.view_policyversion",
        "programme.view_programme",
        "programme.change_programme",
        "programme.view_condition",
        "programme.view_milestone",
        "programme.view_appointment",
        "programme.view_pathwayassessment",
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
        ("referrals", "0001_initial"),
        ("programme", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
