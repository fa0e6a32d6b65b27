"""Every case breached before returns were recorded comes back to its officer in the case
as a return to action, as a breach now makes one (services.programme.end)."""

from django.db import migrations


def forwards(apps, schema_editor):
    Programme = apps.get_model("cases", "Programme")
    ProsecutionReturn = apps.get_model("cases", "ProsecutionReturn")
    ProsecutionReturn.objects.bulk_create(
        ProsecutionReturn(
            programme_id=pk,
            officer_id=officer,
            returned_on=outcome_on,
            returned_at=updated_at,
            status="to_action",
        )
        for pk, officer, outcome_on, updated_at in Programme.objects.filter(
            status="breached", returns__isnull=True
        ).values_list("pk", "referral__created_by", "outcome_on", "updated_at")
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_prosecution_returns")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
