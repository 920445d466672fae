"""The signed links a customer follows from an email: their preferences page, and the
unsubscribe link of one mailing delivery (RFC 8058 one-click).

An unsubscribe link names the delivery and its organisation; the delivery row says who it
went to and under which preference, so the link carries nothing else to trust.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote

from infra.auth.links import LinkRefused, LinkSigner

PREFERENCES_PAGE = "preferences"
UNSUBSCRIBE = "unsubscribe"
# Mail stays in inboxes: a year and a bit, so last season's newsletter still unsubscribes.
UNSUBSCRIBE_DAYS = 400


def preferences_url(
    signer: LinkSigner, base_url: str, tenant_id: int, customer_id: int, expires: datetime
) -> str:
    token = signer.sign(PREFERENCES_PAGE, {"t": tenant_id, "c": customer_id}, expires)
    return f"{base_url}/preferences/{token}"


def unsubscribe_token(signer: LinkSigner, tenant_id: int, delivery_id: int, now: datetime) -> str:
    expires = now + timedelta(days=UNSUBSCRIBE_DAYS)
    return signer.sign(UNSUBSCRIBE, {"t": tenant_id, "d": delivery_id}, expires)


def unsubscribe_url(base_url: str, token: str) -> str:
    return f"{base_url}/unsubscribe/{token}"


def unsubscribe_mailto(mailbox: str, token: str) -> str:
    """For mail programs without one-click: a message to `mailbox` naming the link."""
    # The space quoted apart: the token alone is all characters quote leaves as they are,
    # which it then returns at once rather than byte by byte.
    return f"mailto:{mailbox}?subject=unsubscribe%20{quote(token)}"


def unsubscribe_claims(signer: LinkSigner, token: str, now: datetime) -> tuple[int, int]:
    """(organisation, delivery) of an unsubscribe link; LinkRefused when it is not one."""
    claims = signer.verify(UNSUBSCRIBE, token, now)
    try:
        return int(claims["t"]), int(claims["d"])
    except (KeyError, TypeError, ValueError):
        raise LinkRefused(expired=False) from None
