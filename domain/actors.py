"""Who is acting: a staff user or an integration's API key, with its roles."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.roles import Role


class ActorKind(StrEnum):
    USER = "USER"
    API_KEY = "API_KEY"
    SYSTEM = "SYSTEM"
    # The customer themselves, through a signed link (their preferences page).
    CUSTOMER = "CUSTOMER"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: int | None
    label: str
    tenant_id: int
    roles: frozenset[Role]

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def may_see_protected_data(self) -> bool:
        return Role.PROTECTED_DATA in self.roles
