"""The demo commands publish sign-in details (the demo password, the demo authenticator
keys and their codes), so they run only on a copy made for demonstration or development."""

from django.conf import settings
from django.core.management.base import CommandError


def demo_allowed() -> bool:
    return bool(settings.DEBUG or settings.DEMO)


def refuse_unless_demo(command: str) -> None:
    """Stop `command` unless this is a demo or development copy (DEMO or DEBUG true)."""
    if not demo_allowed():
        raise CommandError(
            f"{command} is for demonstration copies only: it publishes sign-in details, so it "
            "runs only with DEMO=true (or DEBUG=true), as `make run` sets for a local demo. "
            "Never set either on a deployment with real data."
        )
