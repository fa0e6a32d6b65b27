import datetime
import io

from django.core.management import call_command
from django.utils import timezone

from diversion.accounts.models import User
from diversion.audit.models import SecurityEvent
from tests.factories import UserFactory

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


def deactivate():
    out = io.StringIO()
    call_command("deactivate_unused_accounts", stdout=out)
    return out.getvalue().strip()


def test_accounts_unused_for_90_days_are_deactivated_once_and_logged(db, time_machine):
    time_machine.move_to(NOW, tick=False)
    unused = UserFactory(last_login=NOW - 91 * DAY)
    recent = UserFactory(last_login=NOW - 89 * DAY)
    never = UserFactory(last_login=None, date_joined=NOW - 91 * DAY)
    new = UserFactory(last_login=None, date_joined=NOW - 10 * DAY)
    admin = UserFactory(is_superuser=True, last_login=NOW - 200 * DAY)

    assert deactivate() == "Deactivated 3 accounts not signed in to for 90 days."
    active = set(User.objects.filter(is_active=True).values_list("pk", flat=True))
    assert active == {recent.pk, new.pk}
    logged = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.DEACTIVATED)
    assert set(logged.values_list("user", flat=True)) == {unused.pk, never.pk, admin.pk}
    assert logged.first().at == timezone.now()

    # Run again, as cron would: nothing more to do, and nothing logged twice.
    assert deactivate() == "Deactivated 0 accounts not signed in to for 90 days."
    assert logged.count() == 3


def test_a_deactivated_user_is_signed_out(client, db, time_machine):
    time_machine.move_to(NOW, tick=False)
    user = UserFactory(roles=[], last_login=NOW - 100 * DAY)
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(last_login=NOW - 100 * DAY)
    assert deactivate() == "Deactivated 1 account not signed in to for 90 days."
    assert client.get("/accounts/password/").status_code == 302
