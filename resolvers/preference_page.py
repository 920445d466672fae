"""A customer's preferences page behind a signed link: reading it and saving a form."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from domain.consent.ledger import ConsentEntry
from domain.consent.preferences import ContactPreference
from domain.consent.self_service import customer_actor, page_preferences, save_page
from domain.errors import NotFound, UserFacingError
from infra.auth.customer_links import PREFERENCES_PAGE, preferences_url
from infra.auth.links import LinkRefused
from infra.clock import utc_now
from infra.db.queries.jobs import tenant_row
from infra.db.unit_of_work import SqlUnitOfWork
from resolvers.context import RequestContext, Services

__all__ = ["LinkRefused", "create_link", "load_page", "submit_page"]

PAGE = PREFERENCES_PAGE
FORM = "preferences-form"


@dataclass
class PreferencePage:
    organisation: str
    greeting: str
    preferences: list[ContactPreference]
    latest: dict[int, ConsentEntry]
    form_token: str
    problems: list[str] = field(default_factory=list)


async def create_link(context: RequestContext, customer_id: int) -> tuple[str, str]:
    """The URL of the customer's page, and when it expires (ISO 8601)."""
    async with context.unit_of_work() as uow:
        if customer_id not in await uow.customers.kinds({customer_id}):
            raise NotFound("Customer", ("customerId",))
    services = context.services
    expires = utc_now() + timedelta(days=services.settings.preference_link_days)
    url = preferences_url(
        services.links, services.settings.base_url, context.caller.tenant_id, customer_id, expires
    )
    return url, expires.isoformat()


def _unit_of_work(services: Services, tenant_id: int, customer_id: int) -> SqlUnitOfWork:
    return SqlUnitOfWork(services.engine, customer_actor(tenant_id, customer_id))


async def load_page(services: Services, token: str) -> PreferencePage:
    """The page the link opens; LinkRefused for a link we did not sign or that expired."""
    claims = services.links.verify(PAGE, token, utc_now())
    tenant_id, customer_id = int(claims["t"]), int(claims["c"])
    async with _unit_of_work(services, tenant_id, customer_id) as uow:
        customer = await uow.customers.get(customer_id)
        if customer is None:
            raise LinkRefused(expired=False)
        shown, latest = await page_preferences(uow, customer_id)
    async with services.engine.connect() as db:
        organisation = str((await tenant_row(db, tenant_id)).name)
    form_token = services.links.sign(FORM, {"l": token[-16:]}, services.links.expires(token))
    greeting = customer.first_name or customer.name or ""
    return PreferencePage(organisation, greeting, shown, latest, form_token)


async def submit_page(services: Services, token: str, form: dict[str, str]) -> PreferencePage:
    """Save what the form changed; the page again, with any problem to show."""
    claims = services.links.verify(PAGE, token, utc_now())
    form_claims = services.links.verify(FORM, form.get("form_token", ""), utc_now())
    if form_claims.get("l") != token[-16:]:
        raise LinkRefused(expired=False)
    tenant_id, customer_id = int(claims["t"]), int(claims["c"])
    chosen = _choices(form)
    problems: list[str] = []
    try:
        async with _unit_of_work(services, tenant_id, customer_id) as uow:
            await save_page(uow, customer_id, chosen)
            await uow.commit()
    except UserFacingError:
        problems.append(
            "Some of the wording changed while the page was open, so nothing was saved. "
            "Please read the statements again and save."
        )
    page = await load_page(services, token)
    page.problems = problems
    return page


def _choices(form: dict[str, str]) -> dict[int, tuple[bool, int]]:
    """`p<id>` = yes/no and `v<id>` = the version shown, for each preference answered;
    anything else a form holds is ignored."""
    chosen = {}
    for key, value in form.items():
        preference = _number(key[1:]) if key.startswith("p") else None
        if preference is not None and value in ("yes", "no"):
            version = _number(form.get(f"v{key[1:]}", ""))
            if version is not None:
                chosen[preference] = (value == "yes", version)
    return chosen


def _number(text: str) -> int | None:
    """`text` as an id or a version: ASCII digits, as many as a BIGINT holds. (`isdigit`
    alone takes "²", which `int` refuses, and any length, which `int` refuses past 4,300
    digits: the page answered 500 to both.)"""
    if 0 < len(text) <= 18 and text.isascii() and text.isdigit():
        return int(text)
    return None
