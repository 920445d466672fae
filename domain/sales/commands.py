"""Commands of sales, in the imperative."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

from domain.consent.ledger import Answer, ConsentSource
from domain.sales.orders import Channel, ItemKind


@dataclass(frozen=True)
class ItemLine:
    kind: ItemKind
    price: int
    commission: int = 0
    description: str | None = None
    instance_id: int | None = None
    price_band: str | None = None
    fund_id: int | None = None
    scheme_id: int | None = None
    auto_renew: bool = False
    opportunity_id: int | None = None


@dataclass(frozen=True)
class RecordOrder:
    owner_id: int
    channel: Channel
    items: tuple[ItemLine, ...]
    currency: str | None = None
    expected_total: int | None = None
    facilitator_id: int | None = None
    booked_for_id: int | None = None
    soft_credit_ids: tuple[int, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()
    external_reference: str | None = None
    ordered_at: datetime | None = None
    # The customer's consent answers, given with the basket: recorded with the order.
    consents: tuple[Answer, ...] = ()
    consent_source: ConsentSource | None = None

    def fingerprint(self) -> str:
        """What this request asks for, as a digest stored with its external reference: the
        same reference sent with the same request is a retry, with another it is a mistake.
        Everything but the reference counts; soft credits in any order are the same."""
        content = asdict(self)
        del content["external_reference"]
        content["soft_credit_ids"] = sorted(self.soft_credit_ids)
        canonical = json.dumps(content, sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ReturnItems:
    order_id: int
    item_ids: tuple[int, ...]
    donate_to_fund_id: int | None = None


@dataclass(frozen=True)
class ReserveTickets:
    customer_id: int
    tickets: tuple[ItemLine, ...]
    expires_at: datetime


@dataclass(frozen=True)
class PurchaseReservation:
    reservation_id: int
    channel: Channel
    expected_total: int | None = None


@dataclass(frozen=True)
class RecordVisit:
    customer_id: int
    instance_id: int
    checked_in_at: datetime | None = None


@dataclass(frozen=True)
class Attributes:
    pairs: tuple[tuple[str, str], ...] = field(default_factory=tuple)
