"""Finding a person at the custody desk: forgiving matching, ranked in SQL, with reasons.

People are often recorded under slightly different names or with the day and month of birth
swapped, and a second record for the same person splits their history. So a search matches
names that sound or are spelt alike, a missing middle name and a transposed date of birth,
and shows the officer why each person matched so they can judge. Names are read as officers
type them (read_name): given names or family name first, initials, the forms police systems
use; a PNC ID in any form people.pnc reads.

Cost: one query, whatever the number of people. Candidates are chosen only through indexes
(date of birth; the sound-alike name keys; the first given name's sound with a trigram match
of the family name; the family name's sound, for initials; the PNC ID; the custody record
number), and scores and reasons are computed in SQL for those candidates only. A name read
two ways is one query too: either reading's candidates, each scored by the better reading.
`manage.py bench --only person_search` measures it over a million people.
"""

import datetime
import functools
import itertools
import operator
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import ValidationError
from django.db.models import Case, FloatField, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Greatest

from diversion.people.models import FirstWord, Person
from diversion.people.names import normalise_name, sound_key
from diversion.people.pnc import compact, meant_as_pnc, normalise_pnc
from diversion.policy.models import CustodySuite

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
INITIALS_REASONS = {2: "Initials match", 1: "First initial matches"}
IDENTIFIER_REASONS = {PNC: "PNC ID matches", CUSTODY_RECORD: "Custody record number matches"}
# A match this good is likely the same person, and adding a person asks the officer to rule
# such matches out first: the same date of birth and a family name that sounds the same
# (40 + 22) or better; the same date of birth and given names (40 + 25); a transposed date of
# birth with names that sound the same (25 + 22 + 15). Not the same names alone: a common
# name is shared by many people.
LIKELY_MATCH_SCORE = 62
# Initials typed together, with full stops: "J.P." or "J.P".
DOTTED_INITIALS = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]?")


@dataclass(frozen=True)
class Name:
    """One reading of a name typed: the family name and the given names (or their
    initials), as typed and as matching keys (people.names.normalise_name)."""

    family: str
    given: str = ""
    typed_family: str = ""
    typed_given: str = ""

    @classmethod
    def of(cls, given: str, family: str) -> "Name":
        given, family = " ".join(given.split()), " ".join(family.split())
        return cls(normalise_name(family), normalise_name(given), family, given)

    @property
    def initials(self) -> list[str]:
        """The initials, if the given names were typed as initials only ("J P"), else []."""
        words = self.given.split()
        return words if words and all(len(word) == 1 for word in words) else []


@dataclass(frozen=True)
class Query:
    """What the search box held: a name (as one or two readings of it, likeliest first), a
    PNC ID, a custody record number, or nothing."""

    kind: str
    value: str = ""
    names: tuple[Name, ...] = ()


def parse_query(text: str | None) -> Query:
    """Read the search box. Raise ValidationError with a message for the user if it cannot
    be a name, a PNC ID or a custody record number."""
    text = (text or "").strip()
    if not text:
        return Query(NOTHING)
    typed = compact(text)
    if meant_as_pnc(typed):
        try:
            return Query(PNC, value=normalise_pnc(typed))
        except ValidationError:
            # A force's custody record numbers may be digits too.
            if not re.match(settings.CUSTODY_RECORD_PATTERN, typed):
                raise
    if re.match(settings.CUSTODY_RECORD_PATTERN, typed):
        return Query(CUSTODY_RECORD, value=typed)
    if any(c.isdigit() for c in text):
        raise ValidationError(
            "Enter a name without numbers, a PNC ID like 2012/0034567E, or a custody record number",
            code="not_a_name",
        )
    names = read_name(text)
    if not names:
        raise ValidationError(
            "Enter a name using letters, a PNC ID or a custody record number", code="no_letters"
        )
    return Query(NAME, names=names)


def read_name(text: str) -> tuple[Name, ...]:
    """The ways a typed name can be read, likeliest first (none if it has no letters).

    Officers type names as people say them and as police systems write them:
    - "Smith, John Paul": the family name before a comma;
    - "SMITH John", "John SMITH", "DA SILVA Maria": the family name in capitals, the given
      names not;
    - "J Smith", "Smith J P", "Smith J.P.": initials before or after the family name;
    - otherwise, two words or more are read both ways, given names first ("John Smith") and
      family name first ("Smith John"), likelier first: the family name first when all is
      in capitals ("SMITH JOHN", as police systems write it), else the given names first.
    """
    if "," in text:
        family, _, given = text.partition(",")
        name = Name.of(given.replace(",", " "), family)
        if not name.family:
            name = Name.of("", name.typed_given)
        return (name,) if name.family else ()
    words = [word for word in _words(text) if normalise_name(word)]
    if len(words) < 2:
        return tuple(Name.of("", word) for word in words)
    initial = [len(normalise_name(word)) == 1 for word in words]
    capitals = [word.isupper() and not single for word, single in zip(words, initial, strict=True)]
    full_words_in_capitals = {
        caps for caps, single in zip(capitals, initial, strict=True) if not single
    }
    if full_words_in_capitals == {True, False}:
        # Some words in capitals and some not: those at the start or end are the family name.
        if at_start := _leading(capitals):
            return (_split(words, family=slice(0, at_start)),)
        if at_end := _leading(capitals[::-1]):
            return (_split(words, family=slice(-at_end, None)),)
    at_start, at_end = _leading(initial), _leading(initial[::-1])
    if 0 < at_start < len(words):
        return (_split(words, family=slice(at_start, None)),)
    if 0 < at_end < len(words):
        return (_split(words, family=slice(0, -at_end)),)
    given_first = _split(words, family=slice(-1, None))
    family_first = _split(words, family=slice(0, 1))
    if full_words_in_capitals == {True}:
        return family_first, given_first
    return given_first, family_first


def _words(text: str) -> list[str]:
    """The words typed, with initials typed together ("J.P.") taken apart."""
    words = []
    for word in text.split():
        if DOTTED_INITIALS.fullmatch(word):
            words += [f"{letter}." for letter in word if letter.isalpha()]
        else:
            words.append(word)
    return words


def _leading(flags: list[bool]) -> int:
    """How many of `flags` at the start are true."""
    return len(list(itertools.takewhile(bool, flags)))


def _split(words: list[str], *, family: slice) -> Name:
    """The name whose family name is the `family` words, and given names the rest, either
    side of them."""
    family_words = words[family]
    start, stop, _ = family.indices(len(words))
    return Name.of(" ".join(words[:start] + words[stop:]), " ".join(family_words))


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

    `text` is a name in any form read_name reads ("John Smith", "Smith, John Paul", "SMITH
    John", "Smith J"), a PNC ID in any form normalise_pnc accepts, or a custody record
    number. Raises ValidationError if `text` is none of these.
    """
    return _matches(search_queryset(queryset, text=text, date_of_birth=date_of_birth), limit)


def likely_matches(
    queryset: QuerySet[Person],
    *,
    given_names: str,
    family_name: str,
    date_of_birth: datetime.date,
    limit: int = 20,
) -> Matches:
    """The people in `queryset` likely to be the person with these details (a score of
    LIKELY_MATCH_SCORE or more), best first: those to rule out before adding them."""
    name = Name.of(given_names, family_name)
    if not name.family:
        return Matches()
    people = _search(queryset, Query(NAME, names=(name,)), date_of_birth)
    return Matches(m for m in _matches(people, limit) if m.score >= LIKELY_MATCH_SCORE)


def _matches(people: QuerySet[Person], limit: int) -> Matches:
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
    each annotated with how well it matched (match_dob, match_family, match_given,
    match_initials: 0 for not at all, higher for closer; for a name read two ways, each
    reading's, see _Signals.add_best), match_identifier and match_score."""
    return _search(queryset, parse_query(text), date_of_birth)


def _search(
    queryset: QuerySet[Person], query: Query, date_of_birth: datetime.date | None
) -> QuerySet[Person]:
    if query.kind == NOTHING and date_of_birth is None:
        return queryset.none()
    search = _Signals()
    swapped = swapped_day_and_month(date_of_birth)
    if date_of_birth:
        search.signal(
            "match_dob",
            (Q(date_of_birth=date_of_birth), 2, 40.0),
            *([(Q(date_of_birth=swapped), 1, 25.0)] if swapped else []),
        )
    by_date = Q(date_of_birth__in=[d for d in (date_of_birth, swapped) if d])
    aliases: dict[str, Combinable] = {}
    if query.kind in (PNC, CUSTODY_RECORD):
        # An identifier says who it is: a date of birth only adds to the score.
        if query.kind == PNC:
            chosen = Q(pnc_id=query.value)
        else:
            chosen = Q(pk__in=referred_under(query.value))
        search.codes["match_identifier"] = Value(query.kind)
        search.score += 100.0
    elif query.kind == NAME:
        readings = [_match_name(name) for name in query.names]
        search.add_best(readings)
        if any(name.given for name in query.names):
            aliases.update(
                first_given_key=FirstWord("given_names_key"),
                first_given_sound=FirstWord("given_names_sound"),
            )
        chosen = _either(reading.by_name for reading in readings)
        if date_of_birth:
            # Among people born that day only those whose name matches in some way: the
            # page is not to list strangers who share a birthday.
            with_names = [reading.by_name for reading in readings if reading.other_dates]
            chosen = by_date & _either(reading.name_matches for reading in readings)
            if with_names:
                # The same names with another date of birth (a wrong one on file, say),
                # ranked below. Not for a family name alone, or initials: too many.
                chosen |= _either(with_names)
    else:
        chosen = by_date
    return (
        queryset.alias(**aliases)
        .annotate(**search.codes, match_score=search.score)
        .filter(chosen)
        .order_by("-match_score", "family_name", "given_names", "pk")
    )


def _either(conditions: Iterable[Q]) -> Q:
    return functools.reduce(operator.or_, conditions)


class _Signals:
    """How well a person matches: for each signal its code (annotated for the reasons) and
    the points it adds to the score."""

    def __init__(self) -> None:
        self.codes: dict[str, Combinable] = {}
        self.score: Combinable = Value(0.0)
        # For a name: the index-driven condition choosing people by it; the (unindexed)
        # condition that it matches in some way at all; whether the same names with another
        # date of birth are worth listing.
        self.by_name = Q()
        self.name_matches = Q()
        self.other_dates = False

    def signal(self, name: str, *grades: tuple[Q, int, float | Combinable]) -> None:
        """Annotate `name` with the code of the first (condition, code, points) grade that
        holds, 0 if none does, and add its points to the score."""
        self.codes[name] = Case(
            *(When(condition, then=Value(code)) for condition, code, _ in grades),
            default=Value(0),
            output_field=IntegerField(),
        )
        self.score += Case(
            *(When(condition, then=points) for condition, _, points in grades),
            default=Value(0.0),
            output_field=FloatField(),
        )

    def add_best(self, readings: list["_Signals"]) -> None:
        """Add the signals of whichever reading of a name scores best for each person. The
        second, less likely, reading scores a point less, so that for "John Smith" a John
        Smith is listed above a Smith John.

        With two readings each reading's codes and score are annotated with its number
        (match_family_0, match_score_1), for reasons_for to read the best one's."""
        if len(readings) == 1:
            self.codes.update(readings[0].codes)
            self.score += readings[0].score
            return
        scores = [readings[0].score, readings[1].score - 1.0]
        for number, (reading, score) in enumerate(zip(readings, scores, strict=True)):
            self.codes.update({f"{name}_{number}": code for name, code in reading.codes.items()})
            self.codes[f"match_score_{number}"] = score
        self.score += Greatest(*scores)


def _match_name(name: Name) -> _Signals:
    """The signals of one reading of a name, with the conditions choosing people by it."""
    reading = _Signals()
    family_sound = sound_key(name.family)
    sounds_alike = Q(family_name_sound=family_sound)
    # pg_trgm's `%`: a similarity of at least 0.3, its default threshold.
    spelt_alike = Q(family_name_key__trigram_similar=name.family)
    reading.signal(
        "match_family",
        (Q(family_name_key=name.family), 3, Value(30.0)),
        (sounds_alike, 2, Value(22.0)),
        (spelt_alike, 1, TrigramSimilarity("family_name_key", name.family) * 20),
    )
    reading.name_matches = sounds_alike | spelt_alike
    if name.initials:
        first_initial = Q(given_names_key__startswith=name.initials[0])
        every_initial = "^" + " ".join(f"{letter}[^ ]*" for letter in name.initials) + "( |$)"
        reading.signal(
            "match_initials",
            *([(Q(given_names_key__regex=every_initial), 2, 15.0)] if name.initials[1:] else []),
            (first_initial, 1, 10.0),
        )
        # Those whose family name sounds the same (the index of family name sounds), with
        # that first initial.
        reading.by_name = sounds_alike & first_initial
    elif name.given:
        first_sound = sound_key(name.given).split()[0]
        same_first_sound = Q(first_given_sound=first_sound)
        given_spelt_alike = Q(given_names_key__trigram_similar=name.given)
        reading.signal(
            "match_given",
            (Q(given_names_key=name.given), 4, Value(25.0)),
            (Q(first_given_key=name.given.split()[0]), 3, Value(20.0)),
            (same_first_sound, 2, Value(15.0)),
            (given_spelt_alike, 1, TrigramSimilarity("given_names_key", name.given) * 12),
        )
        reading.name_matches |= same_first_sound | given_spelt_alike
        # With a given name, the first given name must sound the same as well, so that a
        # common family name does not bring in everyone who has it.
        reading.by_name = (sounds_alike | spelt_alike) & same_first_sound
        reading.other_dates = True
    else:
        # A family name alone: those that sound the same. The trigram index would bring in
        # everyone whose family name merely starts or ends the same way (thousands for a
        # common one), so a misspelling that changes the sound needs a given name or date
        # of birth to be found.
        reading.by_name = sounds_alike
    return reading


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
    # The codes of the reading of the name that scored best, if there were two.
    annotated: Any = person
    suffix = ""
    if hasattr(annotated, "match_score_0"):
        suffix = "_0" if annotated.match_score_0 >= annotated.match_score_1 else "_1"
    for code, words in (
        (getattr(person, "match_dob", 0), DOB_REASONS),
        (getattr(person, f"match_family{suffix}", 0), FAMILY_REASONS),
        (getattr(person, f"match_given{suffix}", 0), GIVEN_REASONS),
        (getattr(person, f"match_initials{suffix}", 0), INITIALS_REASONS),
    ):
        if code in words:
            reasons.append(words[code])
    return reasons
