"""A disclosure's log names its recipient (DPA 2018 s62(2)), and the database refuses one
that does not, whatever code writes it."""

import pytest
from django.db import IntegrityError

from diversion.audit.models import Action
from diversion.audit.services import log, log_many


def test_a_disclosure_without_a_recipient_cannot_be_logged(manager, make_referral):
    referral = make_referral()
    with pytest.raises(IntegrityError):
        log(manager, Action.DISCLOSURE, referral, detail="offer printed")


def test_a_bulk_disclosure_without_a_recipient_cannot_be_logged(manager, make_referral):
    with pytest.raises(IntegrityError):
        log_many(manager, Action.DISCLOSURE, [make_referral()], detail="scrutiny panel sample")


def test_other_processing_needs_no_recipient(manager, make_referral):
    entry = log(manager, Action.CONSULTATION, make_referral())
    assert entry.recipient == ""
