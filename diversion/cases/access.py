"""Who may see which referrals and cases: the one place that decides it for each kind of
record. A record outside the user's reach is "not found" (404), never "forbidden".

Each get_*_for logs the consultation of the record it returns, and a refusal of one it
does not (DPA 2018 s62, through audit.consultation), so no page can forget to."""

from django.db.models import Q, QuerySet

from diversion.accounts.models import User
from diversion.accounts.roles import Role, roles_of
from diversion.audit.consultation import Refused, consulted, fetch
from diversion.cases.models import (
    Programme,
    ProsecutionReturn,
    Referral,
    ReferralDraft,
    ReferralStatus,
)


def referrals_visible_to(user: User) -> QuerySet[Referral]:
    """Managers see every referral; custody officers the ones they made; caseworkers those
    that reached their queue (accepted, with a programme unassigned or theirs)."""
    user_roles = roles_of(user)
    if Role.MANAGER in user_roles:
        return Referral.objects.all()
    visible = Referral.objects.none()
    if Role.CUSTODY_OFFICER in user_roles:
        visible = visible | Referral.objects.filter(created_by=user)
    if Role.CASEWORKER in user_roles:
        queue = Referral.objects.filter(status=ReferralStatus.ACCEPTED)
        visible = visible | (
            queue.filter(programme__caseworker__isnull=True)
            | queue.filter(programme__caseworker=user)
        )
    return visible


def is_referring_officer(user: User, referral: Referral) -> bool:
    """Only the custody officer who made a referral records the person's answer to it."""
    return referral.created_by_id == user.pk


def get_referral_for(user: User, pk: int | str, *, answer: bool = False) -> Referral:
    """The referral, or 404 if it does not exist or is outside the user's reach. With
    `answer`, only one whose person's answer the user records (is_referring_officer)."""
    referrals = referrals_visible_to(user).select_related(
        "person", "offence_type", "custody_suite", "policy_version", "created_by", "authorised_by"
    )
    referral = fetch(referrals, pk)
    if answer and not is_referring_officer(user, referral):
        raise Refused(Referral, pk)
    consulted(user, referral)
    return referral


def cases_visible_to(user: User) -> QuerySet[Programme]:
    """Managers see every case; caseworkers their own and the unassigned queue; nobody
    else sees any."""
    user_roles = roles_of(user)
    if Role.MANAGER in user_roles:
        return Programme.objects.all()
    if Role.CASEWORKER in user_roles:
        return Programme.objects.filter(Q(caseworker=user) | Q(caseworker__isnull=True))
    return Programme.objects.none()


def may_change_case(user: User, case: Programme) -> bool:
    """Managers change any case they see; a caseworker only their own, so an unassigned
    case is taken first."""
    return Role.MANAGER in roles_of(user) or case.caseworker_id == user.pk


def get_case_for(user: User, pk: int | str, *, write: bool = False) -> Programme:
    """The case, or 404 outside the user's reach. With `write`, only a case the user may
    change (may_change_case)."""
    case = fetch(
        cases_visible_to(user).select_related(
            "referral__person",
            "referral__offence_type",
            "referral__custody_suite",
            "referral__policy_version",
            "referral__created_by",
            "caseworker",
        ),
        pk=pk,
    )
    if write and not may_change_case(user, case):
        raise Refused(Programme, pk)
    consulted(user, case)
    return case


def drafts_of(user: User) -> QuerySet[ReferralDraft]:
    """An officer's unfinished referrals: only their own, whatever their roles."""
    return ReferralDraft.objects.filter(owner=user)


def get_draft_for(user: User, pk: int | str) -> ReferralDraft:
    """The user's own draft, or 404: nobody else may see, resume or discard it."""
    draft = fetch(drafts_of(user).select_related("person"), pk)
    consulted(user, draft)
    return draft


def returns_visible_to(user: User) -> QuerySet[ProsecutionReturn]:
    """Managers see every case returned for prosecution; a custody officer those returned to
    them as the officer in the case (the referrals they made); nobody else sees any."""
    user_roles = roles_of(user)
    if Role.MANAGER in user_roles:
        return ProsecutionReturn.objects.all()
    if Role.CUSTODY_OFFICER in user_roles:
        return ProsecutionReturn.objects.filter(officer=user)
    return ProsecutionReturn.objects.none()


def get_return_for(user: User, pk: int | str, *, write: bool = False) -> ProsecutionReturn:
    """The returned case, or 404 outside the user's reach. With `write`, only one returned
    to the user as the officer in the case, who alone marks it actioned."""
    returned = fetch(returns_visible_to(user).select_related("programme__referral"), pk)
    if write and returned.officer_id != user.pk:
        raise Refused(ProsecutionReturn, pk)
    consulted(user, returned)
    return returned
