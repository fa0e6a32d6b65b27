import contextlib
import re

import pgtrigger
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from diversion.lib.db import LondonToday
from diversion.lib.history import history_model
from diversion.lib.text import LONG_TEXT, length_limit
from diversion.people.names import (
    NAME_FORBIDDEN_REGEX,
    NAME_MAX_LENGTH,
    normalise_name,
    sound_key,
    validate_name,
)
from diversion.people.pnc import NORMAL_FORM_REGEX, normalise_pnc, validate_pnc

POSTCODE_DISTRICT_REGEX = r"^[A-Z]{1,2}[0-9][A-Z0-9]?$"
EARLIEST_BIRTH = "1900-01-01"


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    NOT_KNOWN = "U", "Not known"


class ObservedEthnicity(models.TextChoices):
    """Officer-observed ethnicity: the 6+1 identity codes."""

    IC1 = "IC1", "White – North European"
    IC2 = "IC2", "White – South European"
    IC3 = "IC3", "Black"
    IC4 = "IC4", "Asian"
    IC5 = "IC5", "Chinese, Japanese or South East Asian"
    IC6 = "IC6", "Arab or North African"
    IC0 = "IC0", "Not known"


class SelfDefinedEthnicity(models.TextChoices):
    """Self-defined ethnicity: the ONS 16+1 categories."""

    A1 = "A1", "Asian or Asian British – Indian"
    A2 = "A2", "Asian or Asian British – Pakistani"
    A3 = "A3", "Asian or Asian British – Bangladeshi"
    A9 = "A9", "Any other Asian background"
    B1 = "B1", "Black or Black British – Caribbean"
    B2 = "B2", "Black or Black British – African"
    B9 = "B9", "Any other Black background"
    M1 = "M1", "Mixed – White and Black Caribbean"
    M2 = "M2", "Mixed – White and Black African"
    M3 = "M3", "Mixed – White and Asian"
    M9 = "M9", "Any other mixed background"
    O1 = "O1", "Chinese"
    O9 = "O9", "Any other ethnic group"
    W1 = "W1", "White – British"
    W2 = "W2", "White – Irish"
    W9 = "W9", "Any other White background"
    NS = "NS", "Not stated"


class FirstWord(models.Func):
    """The first word of a space-separated name key: split_part(key, ' ', 1) in SQL.

    The separator and position are written into the SQL rather than passed as parameters,
    so a query's expression is the same text as the index's and the planner can use it.
    """

    function = "split_part"
    template = "%(function)s(%(expressions)s, ' ', 1)"
    output_field = models.CharField()


class NameKeys(models.Func):
    """Both name keys in one text, given names then family name: ("given || ' ' || family").
    A word typed (which has no spaces) is inside it exactly when it is inside one of the two
    keys, so one trigram index serves a search of either name."""

    template = "(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = models.TextField()

    def __init__(self):
        super().__init__(models.F("given_names_key"), models.F("family_name_key"))


def validate_postcode_district(value):
    if not re.match(POSTCODE_DISTRICT_REGEX, value or ""):
        raise ValidationError("Enter the first part of a postcode, like CB1 or SW1A")


# The plugin cannot see `history`, the reverse manager of this model's event model.
class Person(models.Model):  # type: ignore[django-manager-missing]
    """Someone referred to the scheme. Sensitive personal data: every view is logged."""

    given_names = models.CharField(max_length=NAME_MAX_LENGTH, validators=[validate_name])
    family_name = models.CharField(max_length=NAME_MAX_LENGTH, validators=[validate_name])
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    observed_ethnicity = models.CharField(
        "officer-observed ethnicity", max_length=3, choices=ObservedEthnicity.choices
    )
    self_defined_ethnicity = models.CharField(
        "self-defined ethnicity",
        max_length=2,
        choices=SelfDefinedEthnicity.choices,
        default=SelfDefinedEthnicity.NS,
    )
    pnc_id = models.CharField(
        "PNC ID", max_length=13, null=True, blank=True, unique=True, validators=[validate_pnc]
    )
    postcode_district = models.CharField(
        max_length=4, blank=True, validators=[validate_postcode_district]
    )
    phone = models.CharField("phone number", max_length=20, blank=True)
    email = models.EmailField("email address", blank=True)
    # Raised by every correction and merge, so a form opened before one is refused
    # (lib.concurrency) rather than overwriting it.
    version = models.PositiveIntegerField(default=1, db_default=1)
    # A second record of someone already on file, merged by a manager into the record kept
    # (cases.services.merge). It is kept, with its history, but is out of search and reach:
    # its referrals and later offences are the kept record's now.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_records",
        db_index=False,
    )

    # Matching keys, kept in step with the names by refresh_name_keys().
    given_names_key = models.CharField(max_length=100, editable=False)
    family_name_key = models.CharField(max_length=100, editable=False)
    given_names_sound = models.CharField(max_length=100, editable=False)
    family_name_sound = models.CharField(max_length=100, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "people"
        ordering = ["family_name", "given_names"]
        constraints = [
            models.CheckConstraint(
                name="person_born_after_1900_and_not_in_future",
                condition=models.Q(date_of_birth__gte=EARLIEST_BIRTH)
                & models.Q(date_of_birth__lte=Now()),
                violation_error_message="Enter a real date of birth: in the past and after 1900.",
            ),
            models.CheckConstraint(
                name="person_pnc_id_normal_form",
                condition=models.Q(pnc_id__isnull=True) | models.Q(pnc_id__regex=NORMAL_FORM_REGEX),
                violation_error_message="A PNC ID is stored in the form 2012/0034567E.",
            ),
            models.CheckConstraint(
                name="person_postcode_district_format",
                condition=models.Q(postcode_district="")
                | models.Q(postcode_district__regex=POSTCODE_DISTRICT_REGEX),
            ),
            models.CheckConstraint(
                name="person_names_present",
                condition=~models.Q(given_names="") & ~models.Q(family_name=""),
            ),
            # The part of the name rule (people.names.check_name) a database can check: no
            # digits, control characters or symbols.
            models.CheckConstraint(
                name="person_names_characters",
                condition=~models.Q(given_names__regex=NAME_FORBIDDEN_REGEX)
                & ~models.Q(family_name__regex=NAME_FORBIDDEN_REGEX),
                violation_error_message="A name may only include letters, spaces, hyphens, "
                "apostrophes and full stops.",
            ),
            models.CheckConstraint(name="person_sex_valid", condition=models.Q(sex__in=Sex.values)),
            models.CheckConstraint(
                name="person_observed_ethnicity_valid",
                condition=models.Q(observed_ethnicity__in=ObservedEthnicity.values),
            ),
            models.CheckConstraint(
                name="person_self_defined_ethnicity_valid",
                condition=models.Q(self_defined_ethnicity__in=SelfDefinedEthnicity.values),
            ),
            models.CheckConstraint(
                name="person_not_merged_into_itself",
                condition=~models.Q(merged_into=models.F("id")),
                violation_error_message="A record cannot be merged into itself.",
            ),
            # The PNC ID moves to the record kept: it identifies one person, who is found
            # by it only on that record.
            models.CheckConstraint(
                name="person_merged_record_has_no_pnc_id",
                condition=models.Q(merged_into__isnull=True) | models.Q(pnc_id__isnull=True),
            ),
        ]
        triggers = [
            # A record is merged only into one that is kept, and a record others were merged
            # into is kept: so every merged record names the kept record in one step.
            pgtrigger.Trigger(
                name="person_merged_into_a_kept_record",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("merged_into_id"),
                condition=pgtrigger.Q(new__merged_into__isnull=False),
                func=pgtrigger.Func(
                    "IF EXISTS (SELECT 1 FROM {meta.db_table} WHERE {columns.id} ="
                    " NEW.{columns.merged_into} AND {columns.merged_into} IS NOT NULL)"
                    " OR EXISTS (SELECT 1 FROM {meta.db_table} WHERE {columns.merged_into} ="
                    " NEW.{columns.id}) THEN RAISE EXCEPTION"
                    " 'A person can be merged only into a record that is kept'"
                    " USING ERRCODE = 'check_violation'; END IF; RETURN NEW;"
                ),
            )
        ]
        indexes = [
            # The records merged into a person (their page's history; a merge moving earlier
            # merges on), and the trigger above.
            models.Index(
                name="person_merged_into",
                fields=["merged_into"],
                condition=models.Q(merged_into__isnull=False),
            ),
            # Person search: sound-alike family name, narrowed by date of birth.
            models.Index(
                name="person_family_sound_dob", fields=["family_name_sound", "date_of_birth"]
            ),
            # Person search: exact date of birth (and its day/month transposition).
            models.Index(name="person_dob", fields=["date_of_birth"]),
            # Person search by name (people.search.find_people): the first given name and the
            # family name both sound the same.
            models.Index(
                FirstWord("given_names_sound"),
                models.F("family_name_sound"),
                name="person_given_family_sound",
            ),
            # Person search by name, for a misspelt family name: the first given name sounds
            # the same and the family name is spelt similarly (trigram `%`). Both in one GIN
            # index (btree_gin), so only people matching both are read from the table.
            GinIndex(
                FirstWord("given_names_sound"),
                OpClass(models.F("family_name_key"), name="gin_trgm_ops"),
                name="person_given_family_trgm",
            ),
            # The caseload sorted by name (cases.tables.CaseloadTable.sorts["name"]): people
            # in name order, joined to their cases.
            models.Index(
                name="person_name_order", fields=["family_name_key", "given_names_key", "id"]
            ),
            # The caseload's search by name (cases.caseload.search_filter): each word typed
            # is a LIKE '%word%' on both name keys, which a trigram index answers.
            GinIndex(
                OpClass(NameKeys(), name="gin_trgm_ops"),
                name="person_name_keys_trgm",
            ),
        ]

    def __str__(self):
        return f"{self.given_names} {self.family_name}"

    def save(self, *args, **kwargs):
        if self.pnc_id == "":
            self.pnc_id = None
        self.refresh_name_keys()
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None):
        # Normalise first, so "2012 / 0034567e" is judged as the 13 characters it stores.
        if self.pnc_id:
            # An invalid one is left for the field's own validator to report.
            with contextlib.suppress(ValidationError):
                self.pnc_id = normalise_pnc(self.pnc_id)
        super().clean_fields(exclude)

    @property
    def full_name(self):
        return str(self)

    def records(self) -> "models.QuerySet[Person]":
        """This record and any merged into it: a person's whole history, under one key.
        Read by the primary key's index and the index of merged records, so it can be
        joined to a big table as a list of keys (`pgh_obj__in=person.records()`)."""
        return Person.objects.filter(models.Q(pk=self.pk) | models.Q(merged_into=self))

    def refresh_name_keys(self):
        self.given_names_key = normalise_name(self.given_names)
        self.family_name_key = normalise_name(self.family_name)
        self.given_names_sound = sound_key(self.given_names)
        self.family_name_sound = sound_key(self.family_name)


class OffenceSource(models.TextChoices):
    PNC = "pnc", "Police National Computer"
    CUSTODY = "custody", "Custody record"
    CASEWORKER = "caseworker", "Reported to the caseworker"
    COURT = "court", "Court record"


# The plugin cannot see `history`, the reverse manager of this model's event model.
class LaterOffence(models.Model):  # type: ignore[django-manager-missing]
    """An offence by someone after they were referred: for breach during the contract, and
    for reoffending at 6, 12 and 24 months (domain: what the evaluation measured)."""

    person = models.ForeignKey("Person", on_delete=models.PROTECT, related_name="later_offences")
    offence_date = models.DateField()
    offence_type = models.ForeignKey("policy.OffenceType", on_delete=models.PROTECT)
    source = models.CharField(max_length=20, choices=OffenceSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    notes = models.TextField(max_length=LONG_TEXT, blank=True)

    class Meta:
        ordering = ["offence_date", "pk"]
        constraints = [
            models.CheckConstraint(
                name="later_offence_not_in_future",
                condition=Q(offence_date__lte=LondonToday()),
                violation_error_message="The offence date cannot be in the future.",
            ),
            models.CheckConstraint(
                name="later_offence_source_valid", condition=Q(source__in=OffenceSource.values)
            ),
            length_limit("later_offence_notes_length", "notes", LONG_TEXT),
        ]
        indexes = [
            # Reoffending reports: offences by person and date.
            models.Index(name="later_offence_person_date", fields=["person", "offence_date"])
        ]

    def __str__(self):
        return f"{self.offence_type} on {self.offence_date:%d %b %Y}"


# The change history of a person's records (lib.history): database triggers copy every
# insert, update and delete, whatever made it.


# mypy cannot follow a base class made at run time by pghistory.
class PersonHistory(history_model(Person)):  # type: ignore[misc]
    pass


# mypy cannot follow a base class made at run time by pghistory.
class LaterOffenceHistory(history_model(LaterOffence)):  # type: ignore[misc]
    pass
