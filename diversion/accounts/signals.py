"""What the accounts app tells the apps above it (the security log listens)."""

from django.dispatch import Signal

# Sent with `request` and `user` once a user has changed their own password.
password_changed = Signal()
