"""Finding a person at the custody desk: forgiving matching, ranked in SQL, with reasons.

People are often recorded under slightly different names or with the day and month of birth
swapped, and a second record for the same person splits their history. So a search matches
names that sound or are spelt alike, a missing middle name and a transposed date of birth,
and shows the officer why each person matched so they can judge.

Cost: one query, whatever the number of people. Candidates are chosen only through indexes
(date of birth; the sound-alike name keys; the first given name's sound with a trigram match
of the family name; the PNC ID; the custody record number), and scores and reasons are
computed in SQL for those candidates only. `manage.py bench --only person_search` measures it
over a million people.
"""

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import ValidationError
from django.db.models import Case, F, FloatField, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable

from diversion.people.models import FirstWord, Person
from diversion.people.names import normalise_name, sound_key
from diversion.people.pnc import normalise_pnc
from diversion.policy.models import CustodySuite

# Something typed as a PNC ID: digits, a slash, digits and perhaps the check letter.
LOOKS_LIKE_PNC = re.compile(r"^\d{1,4}/\d*[A-Z]?$")

NAME = "name"
PNC = "pnc"
CUSTODY_RECORD = "custody_record"
NOTHING = "nothing"

# Plain-words reasons, by what matched and how well (the codes annotated by find_people).
DOB_REASONS = {2: "Same date of birth", 1: "Date of birth with day and month swapped"}
FAMILY_REASONS = {
    3: "Same family name",
    2: "Family name sounds the same",
    1: "Family name spelt similarly",
}
GIVEN_REASONS = {
    4: "Same given names",
    3: "Same first name, middle names differ",
    2: "Given name sounds the same",
    1: "Given name spelt similarly",
}
IDENTIFIER_REASONS = {PNC: "PNC ID matches", CUSTODY_RECORD: "Custody record number matches"}
# A match this good is likely the same person, and adding a person asks the officer to rule
# such matches out first: the same date of birth and a family name that sounds the same
# (40 + 22) or better; the same date of birth and given names (40 + 25); a transposed date of
# birth with names that sound the same (25 + 22 + 15). Not the same names alone: a common
# name is shared by many people.
LIKELY_MATCH_SCORE = 62


@dataclass(frozen=True)
class Query:
    """What the search box held: a name (as plain keys), a PNC ID, a custody record number,
    or nothing."""

    kind: str
    value: str = ""
    given: str = ""
    family: str = ""


def parse_query(text: str | None) -> Query:
    """Read the search box. Raise ValidationError with a message for the user if it cannot
    be a name, a PNC ID or a custody record number."""
    text = (text or "").strip()
    if not text:
        return Query(NOTHING)
    compact = re.sub(r"\s+", "", text).upper()
    if LOOKS_LIKE_PNC.match(compact):
        return Query(PNC, value=normalise_pnc(compact))
    if re.match(settings.CUSTODY_RECORD_PATTERN, compact):
        return Query(CUSTODY_RECORD, value=compact)
    if any(c.isdigit() for c in text):
        raise ValidationError(
            "Enter a name without numbers, a PNC ID like 2012/0034567E, or a custody record number",
            code="not_a_name",
        )
    if "," in text:
        # "Smith, John Paul": the family name first, as police systems often write it.
        family, _, given = text.partition(",")
        family, given = normalise_name(family), normalise_name(given)
    else:
        words = normalise_name(text).split()
        family, given = (words[-1], " ".join(words[:-1])) if words else ("", "")
    if not family:
        family, given = given, ""
    if not family:
        raise ValidationError(
            "Enter a name using letters, a PNC ID or a custody record number", code="no_letters"
        )
    return Query(NAME, given=given, family=family)


def swapped_day_and_month(day: datetime.date | None) -> datetime.date | None:
    """The date with day and month exchanged (5 November for 11 May), if that is a real,
    different date."""
    if day is None or day.day == day.month or day.day > 12:
        return None
    return datetime.date(day.year, day.day, day.month)


@dataclass
class Match:
    person: Person
    score: float
    reasons: list[str] = field(default_factory=list)


class Matches(list[Match]):
    """Matches, best first; `more` is True when others matched beyond the limit."""

    more = False


def find_people(
    queryset: QuerySet[Person],
    *,
    text: str = "",
    date_of_birth: datetime.date | None = None,
    limit: int = 20,
) -> Matches:
    """The people in `queryset` who may be the one described, best match first, at most
    `limit` of them, each with the reasons it matched.

    `text` is a name ("John Smith", or "Smith, John Paul"), a PNC ID in any form
    normalise_pnc accepts, or a custody record number. Raises ValidationError if `text`
    is none of these.
    """
    people = search_queryset(queryset, text=text, date_of_birth=date_of_birth)
    # People annotated with match_score, which mypy cannot follow through the query.
    rows: list[Any] = list(people[: limit + 1])
    matches = Matches(
        Match(person=person, score=person.match_score, reasons=reasons_for(person))
        for person in rows[:limit]
    )
    matches.more = len(rows) > limit
    return matches


def search_queryset(
    queryset: QuerySet[Person], *, text: str = "", date_of_birth: datetime.date | None = None
) -> QuerySet[Person]:
    """find_people's query, unsliced and best first: candidates chosen through indexes,
    each annotated with how well it matched (match_dob, match_family, match_given: 0 for
    not at all, higher for closer), match_identifier and match_score."""
    query = parse_query(text)
    if query.kind == NOTHING and date_of_birth is None:
        return queryset.none()
    search = _Search()
    swapped = swapped_day_and_month(date_of_birth)
    if date_of_birth:
        search.signal(
            "match_dob",
            (Q(date_of_birth=date_of_birth), 2, 40.0),
            *([(Q(date_of_birth=swapped), 1, 25.0)] if swapped else []),
        )
    by_date = Q(date_of_birth__in=[d for d in (date_of_birth, swapped) if d])
    if query.kind in (PNC, CUSTODY_RECORD):
        # An identifier says who it is: a date of birth only adds to the score.
        if query.kind == PNC:
            chosen = Q(pnc_id=query.value)
        else:
            chosen = Q(pk__in=referred_under(query.value))
        search.annotations["match_identifier"] = Value(query.kind)
        search.score += 100.0
    elif query.kind == NAME:
        by_name, name_matches = _match_names(search, query)
        if date_of_birth:
            # Among people born that day only those whose name matches in some way: the
            # page is not to list strangers who share a birthday.
            chosen = by_date & name_matches
            if query.given:
                # The same names with another date of birth (a wrong one on file, say),
                # ranked below. Not for a family name alone: that would be too many.
                chosen |= by_name
        else:
            chosen = by_name
    else:
        chosen = by_date
    return (
        queryset.alias(**search.aliases)
        .annotate(**search.annotations, match_score=search.score)
        .filter(chosen)
        .order_by("-match_score", "family_name", "given_names", "pk")
    )


class _Search:
    """The annotations of a search, gathered so the queryset is built in one step."""

    def __init__(self) -> None:
        self.aliases: dict[str, Combinable] = {}
        self.annotations: dict[str, Combinable] = {}
        self.score: Combinable = Value(0.0)

    def signal(self, name: str, *grades: tuple[Q, int, float | Combinable]) -> None:
        """Annotate `name` with the code of the first (condition, code, points) grade that
        holds, 0 if none does, and add its points to the score."""
        self.annotations[name] = Case(
            *(When(condition, then=Value(code)) for condition, code, _ in grades),
            default=Value(0),
            output_field=IntegerField(),
        )
        self.score += Case(
            *(When(condition, then=points) for condition, _, points in grades),
            default=Value(0.0),
            output_field=FloatField(),
        )


def _match_names(search: _Search, query: Query) -> tuple[Q, Q]:
    """Add the name signals to `search`. Return the index-driven condition choosing people
    by name, and the (unindexed) condition that a name matches in some way at all."""
    family_sound = sound_key(query.family)
    sounds_alike = Q(family_name_sound=family_sound)
    # pg_trgm's `%`: a similarity of at least 0.3, its default threshold.
    spelt_alike = Q(family_name_key__trigram_similar=query.family)
    search.aliases["family_similarity"] = TrigramSimilarity("family_name_key", query.family)
    search.signal(
        "match_family",
        (Q(family_name_key=query.family), 3, Value(30.0)),
        (sounds_alike, 2, Value(22.0)),
        (spelt_alike, 1, F("family_similarity") * 20),
    )
    name_matches = sounds_alike | spelt_alike
    if query.given:
        first_sound = sound_key(query.given).split()[0]
        same_first_sound = Q(first_given_sound=first_sound)
        given_spelt_alike = Q(given_names_key__trigram_similar=query.given)
        search.aliases.update(
            first_given_key=FirstWord("given_names_key"),
            first_given_sound=FirstWord("given_names_sound"),
            given_similarity=TrigramSimilarity("given_names_key", query.given),
        )
        search.signal(
            "match_given",
            (Q(given_names_key=query.given), 4, Value(25.0)),
            (Q(first_given_key=query.given.split()[0]), 3, Value(20.0)),
            (same_first_sound, 2, Value(15.0)),
            (given_spelt_alike, 1, F("given_similarity") * 12),
        )
        name_matches |= same_first_sound | given_spelt_alike
        # With a given name, the first given name must sound the same as well, so that a
        # common family name does not bring in everyone who has it.
        return (sounds_alike | spelt_alike) & same_first_sound, name_matches
    # A family name alone: those that sound the same. The trigram index would bring in
    # everyone whose family name merely starts or ends the same way (thousands for a
    # common one), so a misspelling that changes the sound needs a given name or date of
    # birth to be found.
    return sounds_alike, name_matches


def referred_under(custody_record_number: str) -> QuerySet[Person, Mapping[str, object]]:
    """The people referred under a custody record number, as a subquery.

    Custody record numbers are unique per suite, and that unique index (suite, number) is
    the only one on them: naming every suite lets PostgreSQL probe it once per suite rather
    than read every referral. The referrals are reached through the person's `referrals`
    relation, which the cases app declares.
    """
    return Person.objects.filter(
        referrals__custody_suite__in=CustodySuite.objects.values("pk"),
        referrals__custody_record_number=custody_record_number,
    ).values("pk")


def reasons_for(person: Person) -> list[str]:
    """The reasons a found person matched, in plain words, strongest first."""
    reasons = []
    identifier = getattr(person, "match_identifier", None)
    if identifier:
        reasons.append(IDENTIFIER_REASONS[identifier])
    for code, words in (
        (getattr(person, "match_dob", 0), DOB_REASONS),
        (getattr(person, "match_family", 0), FAMILY_REASONS),
        (getattr(person, "match_given", 0), GIVEN_REASONS),
    ):
        if code in words:
            reasons.append(words[code])
    return reasons
