"""Who may see a segment, and what reading its members takes.

INSIGHTS uses segments. A segment is seen by its owner, and by everyone with INSIGHTS once it
is shared organisation-wide, which only an INSIGHTS_ADMIN may do (and who sees them all).
Its criteria may need more: a criterion over opportunities or invitations reads fundraising
(OPPORTUNITIES), as does one over gifts towards a campaign, and one asking for inactive
customers reads whom only fundraising staff see (OPPORTUNITIES); one over protected
attributes needs PROTECTED_DATA. The criteria themselves (which name a protected value or a
campaign) are read with the members. Whoever lacks what the
criteria need cannot save, count, list, break down, freeze or export the segment: the same
rule on every path, so a shared segment does not reveal through its members what its reader
could not ask directly.

A frozen customer list follows the same rules: its creator is its owner, it is shared while
the segment it was frozen from is (and stays as it was when that segment is deleted), and
reading its members takes the roles its segment's criteria took when it was frozen.
Changing or deleting either is for its owner, or for an INSIGHTS_ADMIN.
"""

from __future__ import annotations

from domain.actors import Actor
from domain.roles import FUNDRAISING_READER, Role
from domain.segments import criteria as k

USER_ROLE = Role.INSIGHTS
SHARING_ROLE = Role.INSIGHTS_ADMIN


def roles_to_read(root: k.Criterion) -> frozenset[Role]:
    """The roles it takes to read the members of `root`."""
    needed = {USER_ROLE}
    for node in k.walk(root):
        c = node.criterion
        if (
            isinstance(c, k.OpportunityCriterion | k.InvitationCriterion)
            or (isinstance(c, k.StatusCriterion) and c.status is k.CustomerStatus.INACTIVE)
            # Campaigns are fundraising's: giving towards one tells its donors apart.
            or (isinstance(c, k.DonationCriterion) and c.campaign_id is not None)
        ):
            needed.add(FUNDRAISING_READER)
        elif isinstance(c, k.AttributeCriterion) and c.protected:
            needed.add(Role.PROTECTED_DATA)
    return frozenset(needed)


def missing_roles(actor: Actor, root: k.Criterion) -> frozenset[Role]:
    return missing_of(actor, roles_to_read(root))


def owns(actor: Actor, owner_kind: str, owner_id: int) -> bool:
    return actor.kind.value == owner_kind and actor.id == owner_id


def sees_all(actor: Actor) -> bool:
    """An INSIGHTS_ADMIN sees every segment of the organisation: they decide what is shared."""
    return actor.has(SHARING_ROLE)


def may_see(actor: Actor, owner_kind: str, owner_id: int, shared: bool) -> bool:
    """Whether `actor`, of the segment's organisation, sees the segment at all."""
    if not actor.has(USER_ROLE):
        return False
    return shared or sees_all(actor) or owns(actor, owner_kind, owner_id)


def may_change(actor: Actor, owner_kind: str, owner_id: int) -> bool:
    """Whether `actor` may rename, change (and so share) or delete a segment or list: its
    owner, or an INSIGHTS_ADMIN, who sees them all and decides what is shared. Others see
    only shared ones of colleagues, so for them this is "not a colleague's shared one"."""
    return owns(actor, owner_kind, owner_id) or actor.has(SHARING_ROLE)


def missing_of(actor: Actor, needed: frozenset[Role]) -> frozenset[Role]:
    return frozenset(role for role in needed if not actor.has(role))


def may_read_members(
    actor: Actor, owner_kind: str, owner_id: int, shared: bool, root: k.Criterion
) -> bool:
    return may_see(actor, owner_kind, owner_id, shared) and not missing_roles(actor, root)
