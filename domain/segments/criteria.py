"""A segment's criteria: a tree of AND / OR / NOT over criteria about customers.

The tree is plain data: the API builds it from its typed input, the segment table stores it
as JSON (`to_json` / `from_json`, the same shape as the API's input), infra compiles it to
one SQL statement. `validate` names the path of every problem, in the API's field names, so
a client can point at the faulty criterion however deep it is.

A tree is bounded in depth and size, so compiling and evaluating it stays linear in what the
caller sent: MAX_DEPTH levels and MAX_NODES criteria at most.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from domain.calendar import check_day
from domain.consent.ledger import ConsentState
from domain.consent.preferences import PreferenceKind
from domain.customers.customer import CustomerKind
from domain.errors import InvalidInput, ProblemCollector
from domain.fundraising.invitations import Reply
from domain.text import clean_text

MAX_DEPTH = 8
MAX_NODES = 200
MAX_DAYS = 36600
BANDS = (1, 2, 3, 4, 5)

Path = tuple[str, ...]


class CustomerStatus(StrEnum):
    """States that exclude a customer from every segment unless a criterion names them."""

    INACTIVE = "INACTIVE"
    ERASED = "ERASED"
    DECEASED = "DECEASED"


class MembershipState(StrEnum):
    CURRENT = "CURRENT"
    LAPSED = "LAPSED"
    # Current, ending within the criterion's `withinDays`, and not renewed.
    LAPSING = "LAPSING"


@dataclass(frozen=True)
class Range:
    """Inclusive bounds on a count or an amount (minor units); either may be open."""

    min: int | None = None
    max: int | None = None


@dataclass(frozen=True)
class Period:
    """A date range, inclusive: fixed dates, or the last `within_last_days` days up to today
    (a saved segment then moves with time)."""

    since: date | None = None
    until: date | None = None
    within_last_days: int | None = None

    def bounds(self, today: date) -> tuple[date | None, date | None]:
        if self.within_last_days is not None:
            return today - timedelta(days=self.within_last_days), today
        return self.since, self.until


@dataclass(frozen=True)
class ConsentCriterion:
    """The customer's state for one preference, or for some preference in use of a kind."""

    state: ConsentState
    preference_id: int | None = None
    kind: PreferenceKind | None = None


@dataclass(frozen=True)
class BookingCriterion:
    """Kept (not returned) tickets the customer owns, of an event, of a partner's events (of
    any partner with `any_partner`), for performances in a period; the ranges bound their
    number of orders, of tickets and the spend on them among customers who booked."""

    event_id: int | None = None
    partner_company_id: int | None = None
    any_partner: bool = False
    performed: Period | None = None
    orders: Range | None = None
    tickets: Range | None = None
    spend: Range | None = None


@dataclass(frozen=True)
class DonationCriterion:
    """Donations the customer made, to a fund, towards a campaign (or its sub-campaigns), in
    a period; `total` bounds their sum and `gift` the amount of at least one of them."""

    fund_id: int | None = None
    campaign_id: int | None = None
    given: Period | None = None
    total: Range | None = None
    gift: Range | None = None


@dataclass(frozen=True)
class MembershipCriterion:
    state: MembershipState
    scheme_id: int | None = None
    within_days: int | None = None


@dataclass(frozen=True)
class TagCriterion:
    tag: str


@dataclass(frozen=True)
class AttributeCriterion:
    """A custom attribute by key, optionally with one value. Protected attributes are matched
    only by a criterion that says `protected`, and reading it needs PROTECTED_DATA."""

    key: str
    value: str | None = None
    protected: bool = False


@dataclass(frozen=True)
class OpportunityCriterion:
    stage_id: int | None = None
    owner_id: int | None = None
    campaign_id: int | None = None
    open: bool | None = None


@dataclass(frozen=True)
class InvitationCriterion:
    instance_id: int | None = None
    reply: Reply | None = None


@dataclass(frozen=True)
class HouseholdCriterion:
    """In a household (that one with `household_id`), its primary householder with
    `primary`; `in_household` False: in none."""

    in_household: bool = True
    household_id: int | None = None
    primary: bool | None = None


@dataclass(frozen=True)
class KindCriterion:
    kind: CustomerKind


@dataclass(frozen=True)
class RfmCriterion:
    """Customers whose recency, frequency and monetary bands (1 to 5, 5 the best) are among
    those given; an empty set allows any band. A customer with no orders has no bands."""

    recency: frozenset[int] = frozenset()
    frequency: frozenset[int] = frozenset()
    monetary: frozenset[int] = frozenset()


@dataclass(frozen=True)
class StatusCriterion:
    status: CustomerStatus


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Criterion, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Criterion, ...]


@dataclass(frozen=True)
class NoneOf:
    """NOT: customers that `part` does not match."""

    part: Criterion


Leaf = (
    ConsentCriterion
    | BookingCriterion
    | DonationCriterion
    | MembershipCriterion
    | TagCriterion
    | AttributeCriterion
    | OpportunityCriterion
    | InvitationCriterion
    | HouseholdCriterion
    | KindCriterion
    | RfmCriterion
    | StatusCriterion
)
Criterion = AllOf | AnyOf | NoneOf | Leaf

# The name of each criterion in the API input and in the stored JSON.
NAMES: dict[type, str] = {
    AllOf: "all",
    AnyOf: "any",
    NoneOf: "not",
    ConsentCriterion: "consent",
    BookingCriterion: "booking",
    DonationCriterion: "donation",
    MembershipCriterion: "membership",
    TagCriterion: "tag",
    AttributeCriterion: "attribute",
    OpportunityCriterion: "opportunity",
    InvitationCriterion: "invitation",
    HouseholdCriterion: "household",
    KindCriterion: "kind",
    RfmCriterion: "rfm",
    StatusCriterion: "status",
}


@dataclass(frozen=True)
class Located:
    """A criterion with the path the API names it by."""

    criterion: Criterion
    path: Path


def walk(root: Criterion, root_path: Path = ("criteria",)) -> list[Located]:
    """Every node of the tree, depth first, with its path; iterative, so a deep tree sent
    by mistake fails validation rather than the interpreter's stack."""
    found: list[Located] = []
    stack = [Located(root, root_path)]
    while stack:
        node = stack.pop()
        found.append(node)
        if len(found) > MAX_NODES:
            break
        name = NAMES[type(node.criterion)]
        c = node.criterion
        if isinstance(c, AllOf | AnyOf):
            for i in reversed(range(len(c.parts))):
                stack.append(Located(c.parts[i], (*node.path, name, str(i))))
        elif isinstance(c, NoneOf):
            stack.append(Located(c.part, (*node.path, name)))
    return found


def depth(path: Path, root_path: Path) -> int:
    """How many AND / OR / NOT levels are above a node at `path`."""
    rest = path[len(root_path) :]
    return sum(1 for part in rest if part in ("all", "any", "not"))


def statuses_asked(root: Criterion) -> frozenset[CustomerStatus]:
    """The excluded states the tree names: customers in them are not excluded up front."""
    return frozenset(
        n.criterion.status for n in walk(root) if isinstance(n.criterion, StatusCriterion)
    )


def validate(root: Criterion, root_path: Path = ("criteria",)) -> Criterion:
    """The tree with its text cleaned; InvalidInput naming every problem's path."""
    problems = ProblemCollector()
    nodes = walk(root, root_path)
    if len(nodes) > MAX_NODES:
        raise InvalidInput.at(
            root_path,
            f"A segment holds at most {MAX_NODES} criteria, counting each all, any and not.",
        )
    for node in nodes:
        if depth(node.path, root_path) > MAX_DEPTH:
            raise InvalidInput.at(
                node.path, f"Criteria nest at most {MAX_DEPTH} levels of all / any / not."
            )
    cleaned = _clean(root, root_path, problems)
    problems.raise_if_any()
    return cleaned


def _clean(c: Criterion, path: Path, problems: ProblemCollector) -> Criterion:
    here = (*path, NAMES[type(c)])
    if isinstance(c, AllOf | AnyOf):
        if not c.parts:
            problems.add(here, "Give at least one criterion.")
        parts = tuple(_clean(p, (*here, str(i)), problems) for i, p in enumerate(c.parts))
        return type(c)(parts)
    if isinstance(c, NoneOf):
        return NoneOf(_clean(c.part, here, problems))
    _check_leaf(c, here, problems)
    if isinstance(c, TagCriterion):
        tag = clean_text(problems, (*here, "tag"), c.tag, required=True, limit=60)
        return TagCriterion(tag or "")
    if isinstance(c, AttributeCriterion):
        key = clean_text(problems, (*here, "key"), c.key, required=True, limit=60)
        value = clean_text(problems, (*here, "value"), c.value, limit=2000, multiline=True)
        return AttributeCriterion(key or "", value, c.protected)
    return c


def _check_leaf(c: Leaf, here: Path, problems: ProblemCollector) -> None:
    if isinstance(c, ConsentCriterion):
        if (c.preference_id is None) == (c.kind is None):
            problems.add(here, "Give either a preferenceId or a kind, not both.")
    elif isinstance(c, BookingCriterion):
        if c.any_partner and c.partner_company_id is not None:
            problems.add((*here, "anyPartner"), "Give either a partnerCompanyId or anyPartner.")
        _check_period(c.performed, (*here, "performed"), problems)
        for name, bounds in (("orders", c.orders), ("tickets", c.tickets), ("spend", c.spend)):
            _check_range(bounds, (*here, name), problems)
    elif isinstance(c, DonationCriterion):
        _check_period(c.given, (*here, "given"), problems)
        _check_range(c.total, (*here, "total"), problems)
        _check_range(c.gift, (*here, "gift"), problems)
    elif isinstance(c, MembershipCriterion):
        lapsing = c.state is MembershipState.LAPSING
        if lapsing != (c.within_days is not None):
            problems.add((*here, "withinDays"), "Give withinDays with LAPSING, and only then.")
        if c.within_days is not None and not 0 <= c.within_days <= MAX_DAYS:
            problems.add((*here, "withinDays"), f"Must be between 0 and {MAX_DAYS}.")
    elif isinstance(c, HouseholdCriterion):
        if not c.in_household and (c.household_id is not None or c.primary is not None):
            problems.add((*here, "inHousehold"), "A customer in no household has no household.")
    elif isinstance(c, RfmCriterion):
        for name, bands in (("recency", c.recency), ("frequency", c.frequency)):
            _check_bands(bands, (*here, name), problems)
        _check_bands(c.monetary, (*here, "monetary"), problems)


def _check_bands(bands: frozenset[int], path: Path, problems: ProblemCollector) -> None:
    if not bands <= set(BANDS):
        problems.add(path, "Bands are 1 to 5.")


def _check_range(bounds: Range | None, path: Path, problems: ProblemCollector) -> None:
    if bounds is None:
        return
    if bounds.min is None and bounds.max is None:
        problems.add(path, "Give a min, a max or both.")
    for name, value in (("min", bounds.min), ("max", bounds.max)):
        if value is not None and not 0 <= value < 2**62:
            problems.add((*path, name), "Must be zero or more.")
    if bounds.min is not None and bounds.max is not None and bounds.min > bounds.max:
        problems.add((*path, "max"), "Must not be less than min.")


def _check_period(period: Period | None, path: Path, problems: ProblemCollector) -> None:
    if period is None:
        return
    fixed = period.since is not None or period.until is not None
    if fixed == (period.within_last_days is not None):
        problems.add(path, "Give since and/or until, or withinLastDays.")
    if period.within_last_days is not None and not 0 < period.within_last_days <= MAX_DAYS:
        problems.add((*path, "withinLastDays"), f"Must be between 1 and {MAX_DAYS}.")
    check_day(problems, (*path, "since"), period.since)
    check_day(problems, (*path, "until"), period.until)
    if period.since and period.until and period.since > period.until:
        problems.add((*path, "until"), "Must not be before since.")


# The stored form: the API's input shape, camelCase, dates as ISO text.
def to_json(c: Criterion) -> dict[str, Any]:
    name = NAMES[type(c)]
    if isinstance(c, AllOf | AnyOf):
        return {name: [to_json(p) for p in c.parts]}
    if isinstance(c, NoneOf):
        return {name: to_json(c.part)}
    return {name: _leaf_json(c)}


def _leaf_json(c: Leaf) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in c.__dict__.items():
        if value is None:
            continue
        if isinstance(value, Range | Period):
            value = {_camel(k): _plain(v) for k, v in value.__dict__.items() if v is not None}
        values[_camel(key)] = _plain(value)
    return values


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, StrEnum):
        return value.value
    return value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


_LEAVES: dict[str, type] = {
    name: kind for kind, name in NAMES.items() if kind not in (AllOf, AnyOf, NoneOf)
}
_ENUMS: dict[str, type[StrEnum]] = {
    "state": ConsentState,
    "kind": PreferenceKind,
    "reply": Reply,
    "status": CustomerStatus,
}
_NESTED = {"performed": Period, "given": Period}


def from_json(stored: dict[str, Any], level: int = 0) -> Criterion:
    """The tree from its stored form (written by `to_json`, so trusted to be well formed)."""
    if level > MAX_DEPTH + 1:
        raise ValueError("Stored criteria nest deeper than any saved segment may.")
    ((name, body),) = stored.items()
    if name in ("all", "any"):
        parts = tuple(from_json(p, level + 1) for p in body)
        return AllOf(parts) if name == "all" else AnyOf(parts)
    if name == "not":
        return NoneOf(from_json(body, level + 1))
    kind = _LEAVES[name]
    return kind(**{_snake(k): _value(kind, k, v) for k, v in body.items()})  # type: ignore[no-any-return]


def _value(kind: type, key: str, value: Any) -> Any:
    if key in ("performed", "given"):
        return Period(
            since=date.fromisoformat(value["since"]) if "since" in value else None,
            until=date.fromisoformat(value["until"]) if "until" in value else None,
            within_last_days=value.get("withinLastDays"),
        )
    if key in ("orders", "tickets", "spend", "total", "gift"):
        return Range(value.get("min"), value.get("max"))
    if key in ("recency", "frequency", "monetary"):
        return frozenset(value)
    if key == "state":
        return MembershipState(value) if kind is MembershipCriterion else ConsentState(value)
    if key == "kind":
        return CustomerKind(value) if kind is KindCriterion else PreferenceKind(value)
    if key in _ENUMS:
        return _ENUMS[key](value)
    return value


def _snake(name: str) -> str:
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in name)
