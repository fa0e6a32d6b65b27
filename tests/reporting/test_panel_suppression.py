"""Small-number suppression over a whole panel: a figure that two of a panel's tables show is
withheld in both or in neither, so neither gives away what the other withholds. Built from
fixed tallies, no cases: the panels are plain arithmetic on them."""

import datetime

from diversion.reporting import panels
from diversion.reporting.figures import withholding
from diversion.reporting.queries import Counts


def tallies(figures: dict[str, int | dict[str, int]]) -> Counts:
    """Counts from {measure: value} or {measure: {key: value}}."""
    return Counts(
        (measure, key, value)
        for measure, values in figures.items()
        for key, value in (values.items() if isinstance(values, dict) else [("", values)])
    )


def cells(panel, caption: str) -> dict[str, list[str]]:
    [table] = [t for t in panel.tables if t.caption == caption]
    return {row[0].text: [cell.text for cell in row[1:]] for row in table.rows}


def test_declines_withheld_in_the_funnel_are_withheld_in_the_decline_reasons_too():
    funnel = withholding(
        lambda g: panels.funnel(
            tallies(
                {
                    # 10 not offered: enough to show, so the offers are shown too.
                    "referred": 44,
                    "eligible": 44,
                    "offered": 34,
                    "offers": 34,
                    "accepted": 22,
                    "declined": 12,
                    "signed": 22,
                    "active": 22,
                    "decline_reason": {"prefers_court": 10, "conditions": 2},
                }
            ),
            g,
        )
    )
    stages = cells(funnel, "Referrals at each stage")
    # 34 offers = 22 accepted + 12 declined + 0 still deciding: the 0 is withheld, so the
    # smaller part still shown, 12, is withheld too...
    assert stages["Still deciding"] == ["!", "!"]
    assert stages["Declined the offer"] == ["!", "!"]
    assert stages["Accepted the offer"] == ["22", "64.7%"]
    # ... and so it is where the decline reasons add up to it: shown there, it would give
    # the withheld 0 back (34 - 22 - 12).
    declines = cells(funnel, "Why people declined the offer")
    assert declines["Declined the offer"] == ["!", ""]
    assert declines["Would rather go to court"] == ["10", "!"]


def test_withdrawals_withheld_among_the_outcomes_are_withheld_in_their_reasons_too():
    outcomes = withholding(
        lambda g: panels.outcomes(
            tallies(
                {
                    "signed": 45,
                    "completed": 20,
                    "breached": 12,
                    "withdrawn": 10,
                    "active": 3,
                    "outcome_reason": {"breached:failed_condition": 12, "withdrawn:moved_away": 10},
                }
            ),
            g,
        )
    )
    # 45 = 20 + 12 + 10 + 3 still running: the 3 is withheld, so the smallest part still
    # shown, the 10 withdrawn, is withheld too, in its reasons' total as well.
    assert cells(outcomes, "Outcomes of contracts signed")["Withdrawn after signing"] == ["!", "!"]
    withdrawn = cells(outcomes, "Why contracts were withdrawn after signing")
    assert withdrawn["Withdrawn after signing"] == ["!", ""]
    assert withdrawn["Moved away"] == ["10", "!"]
    breached = cells(outcomes, "Why contracts were breached")
    assert breached["Breached"] == ["12", ""]
    assert breached["Failed a condition"] == ["12", "100.0%"]


def test_supply_referrals_withheld_among_offence_groups_are_withheld_among_months_too():
    month = datetime.date(2024, 3, 1)
    by_group = {"drug_possession": 30, "drug_supply": 12, "acquisitive": 3}
    volumes = withholding(
        lambda g: panels.volumes(
            tallies({"referred": 45, "referred_by_group": by_group}), {month: by_group}, g
        )
    )
    # 45 = 30 possession + 12 supply + 3 theft, burglary and fraud: the 3 is withheld, so
    # the smallest group still shown, supply, is withheld too, and so is the same 12 in
    # the months' table.
    assert cells(volumes, "Referrals by offence group") == {
        "Drug possession": ["30", "66.7%"],
        "Drug supply linked to own use": ["!", "!"],
        "Theft, burglary and fraud": ["!", "!"],
        "All offence groups": ["45", ""],
    }
    assert cells(volumes, "Referrals per month") == {
        "Mar 2024": ["45", "!", "!"],
        "All months": ["45", "!", "!"],
    }
