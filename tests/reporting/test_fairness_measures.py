"""Fairness: each stage's rate by group, the relative rate index (RRI) against the White group
with its 95% confidence interval, "Not stated" as a group of its own, and suppression within
each stage's groups, on a fixed set of 49 referrals made on 4 March 2024, worked out by
hand."""

import datetime
import math

import pytest

from diversion.cases.models import OfficerDecision
from diversion.people.models import ObservedEthnicity, Sex
from diversion.reporting.figures import Grid
from tests.factories import PersonFactory
from tests.reporting.measures import dataset, read, work_out

# Among the database tests, before any transactional test empties the tables (see measures).
pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 3, 4)
WHITE, BLACK, NOT_KNOWN = ObservedEthnicity.IC1, ObservedEthnicity.IC3, ObservedEthnicity.IC0


@dataset
def fairness(cases):
    """By officer-observed ethnicity, with no one yet answering an offer:
    - White: 24 referred, 20 eligible (4 had a gravity score of 4), 16 offered;
    - Black: 15 referred, all eligible, 10 offered;
    - Not known: 10 referred, all eligible and offered.
    By sex: 12 women (White, offered), 3 not known (Black, not offered), 34 men.
    No one stated their self-defined ethnicity; everyone was 33 on the offence date.
    """

    def refer(ethnicity, *, offered, sex=Sex.MALE, **details):
        decision = OfficerDecision.OFFER if offered else OfficerDecision.DECLINE
        cases.refer(
            DAY,
            officer_decision=decision,
            person=PersonFactory(observed_ethnicity=ethnicity, sex=sex),
            **details,
        )

    for n in range(16):
        refer(WHITE, offered=True, sex=Sex.FEMALE if n < 12 else Sex.MALE)
    for _ in range(4):
        refer(WHITE, offered=False)
    for _ in range(4):
        refer(WHITE, offered=False, gravity_score=4)
    for _ in range(10):
        refer(BLACK, offered=True)
    for n in range(5):
        refer(BLACK, offered=False, sex=Sex.NOT_KNOWN if n < 3 else Sex.MALE)
    for _ in range(10):
        refer(NOT_KNOWN, offered=True)
    work_out()
    return read()


def interval(a: int, n1: int, c: int, n2: int) -> str:
    """The RRI of a/n1 against c/n2 and its 95% interval, by the log method, as the table
    writes them."""
    rri = (a / n1) / (c / n2)
    margin = 1.96 * math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    low, high = math.exp(math.log(rri) - margin), math.exp(math.log(rri) + margin)
    return f"{rri:.2f} ({low:.2f} to {high:.2f})"


def test_each_stage_is_rated_by_group_against_the_stage_before(fairness):
    stages = fairness.table("Officer-observed ethnicity: each stage")
    # Referred; eligible and its rate of referred; offered and its rate of eligible; then
    # accepted (rate of offers), signed (of accepted), completed and breached (of signed):
    # no one has answered yet, so those are 0, withheld, and so are their rates.
    nothing_after_offers = ["!"] * 8
    assert stages["White"] == ["24", "20", "83.3%", "16", "80.0%", *nothing_after_offers]
    assert stages["Black"] == ["15", "15", "100.0%", "10", "66.7%", *nothing_after_offers]
    assert stages["Not stated"] == ["10", "10", "100.0%", "10", "100.0%", *nothing_after_offers]
    # 24 + 15 + 10 = 49 referred; 20 + 15 + 10 = 45 eligible. The 36 offered is withheld
    # on the whole page: the funnel withholds it beside the 0 exceptions (offers = 36 + 0),
    # and this All row is the same count, so showing it would give the 0 back.
    assert stages["All"] == ["49", "45", "91.8%", "!", "!", *nothing_after_offers]
    # No one in the other groups: every cell withheld, never 0 or "not applicable".
    assert set(stages["Asian"]) == {"!"}


def test_the_relative_rate_index_and_its_interval_are_worked_out_by_the_log_method(fairness):
    rates = fairness.table("Officer-observed ethnicity: relative rate index")
    eligible, offered, *later = range(6)
    # Offered of eligible: Black 10 / 15 against White 16 / 20.
    # RRI = 0.6667 / 0.8 = 0.833; margin = 1.96 × √(1/10 − 1/15 + 1/16 − 1/20) = 0.4196;
    # exp(ln 0.833 ∓ 0.4196) = 0.548 to 1.268.
    assert rates["Black"][offered] == "0.83 (0.55 to 1.27)"
    assert rates["Black"][offered] == interval(10, 15, 16, 20)
    # Eligible of referred: Black 15 / 15 against White 20 / 24: 1.2; margin
    # 1.96 × √(1/15 − 1/15 + 1/20 − 1/24) = 0.1789; 1.003 to 1.435.
    assert rates["Black"][eligible] == "1.20 (1.00 to 1.44)"
    # Not stated is compared too: offered 10 / 10 against 16 / 20: 1.25; margin
    # 1.96 × √(1/10 − 1/10 + 1/16 − 1/20) = 0.2191; 1.004 to 1.556.
    assert rates["Not stated"][offered] == "1.25 (1.00 to 1.56)"
    assert rates["White"] == ["Reference"] * 6
    # Where a group has no one at a stage (no acceptances yet) the RRI is undefined, but
    # so small a count is withheld, and "not applicable" would give its 0 away: withheld.
    assert [rates["Black"][stage] for stage in later] == ["!"] * 4
    assert set(rates["Asian"]) == {"!"}


def test_a_relative_rate_on_none_is_not_applicable_never_0_where_nothing_is_withheld():
    """The same table's rule where suppression is off (the figures shown in full): a group
    with no one at the stage has no relative rate."""
    g = Grid(suppress=False)
    for key, value in {"a": 0, "n1": 15, "c": 16, "n2": 20}.items():
        g.add(key, value)
    cell = g.ratio("a", "n1", "c", "n2")
    assert (cell.text, cell.value) == ("N/A", None)


def test_not_stated_is_a_group_of_its_own_with_its_share_at_each_stage(fairness):
    missing = fairness.table("Officer-observed ethnicity: the share not stated")
    # 10 of 49 referred (20.41%), 10 of 45 eligible (22.22%); 10 of 36 offered is withheld,
    # as the 36 is (above); accepted, signed, completed, breached: 0 of 0, withheld.
    assert missing["Not stated, as a share of all"] == ["20.4%", "22.2%", "!"] + ["!"] * 4
    # No one stated a self-defined ethnicity: all 49 are not stated, 100% at each stage
    # reached, and with no White reference group there is no relative rate to show.
    self_defined = fairness.table("Self-defined ethnicity: the share not stated")
    # (The share of the withheld 36 offered is withheld with it.)
    assert self_defined["Not stated, as a share of all"][:3] == ["100.0%", "100.0%", "!"]
    assert fairness.table("Self-defined ethnicity: each stage")["Not stated"][:5] == [
        "49",
        "45",
        "91.8%",
        "36",
        "80.0%",
    ]
    assert set(fairness.table("Self-defined ethnicity: relative")["Not stated"]) == {"!"}


def test_a_second_group_is_withheld_where_only_one_would_be(fairness):
    referred = 0
    sexes = fairness.table("Sex: each stage")
    # 49 referred = 12 women + 34 men + 3 not known. The 3 are withheld; with only one
    # group withheld it would be 49 − 12 − 34, so the smallest group still shown, the
    # 12 women, is withheld too.
    assert [sexes[group][referred] for group in ("Female", "Male", "Not stated", "All")] == [
        "!",
        "34",
        "!",
        "49",
    ]
    assert fairness.counts.keyed("sex:referred") == {"Female": 12, "Male": 34, "Not stated": 3}
    # Their rates go with them: a rate and its denominator would give the count back.
    assert sexes["Female"][1:3] == ["!", "!"]


def test_age_is_banded_on_the_offence_date(fairness):
    # Born 17 May 1990: 33 on 4 March 2024.
    assert fairness.counts.keyed("age_band:referred") == {"25 to 34": 49}
    assert fairness.table("Age on the offence date")["25 to 34"][0] == "49"
