"""The errors a user can cause.

Each carries one or more `Problem`s: a code, a readable message and the path of the input
field at fault. The API maps them to `UserError` in one place; nothing is written when one
is raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ProblemCode(StrEnum):
    VALIDATION = "VALIDATION"
    NOT_FOUND = "NOT_FOUND"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    CONFLICT = "CONFLICT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    RATE_LIMITED = "RATE_LIMITED"


@dataclass(frozen=True)
class Problem:
    code: ProblemCode
    message: str
    field: tuple[str, ...] = ()


class UserFacingError(Exception):
    """Base of every error that is the caller's to fix."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class InvalidInput(UserFacingError):
    @classmethod
    def at(cls, field: tuple[str, ...], message: str) -> InvalidInput:
        return cls([Problem(ProblemCode.VALIDATION, message, field)])


class NotFound(UserFacingError):
    """Raised both for missing rows and for another organisation's rows: the two must look
    the same to the caller, so an id never reveals that it exists elsewhere."""

    def __init__(self, what: str, field: tuple[str, ...] = ()) -> None:
        super().__init__([Problem(ProblemCode.NOT_FOUND, f"{what} not found.", field)])


class Conflict(UserFacingError):
    def __init__(self, message: str, field: tuple[str, ...] = ()) -> None:
        super().__init__([Problem(ProblemCode.CONFLICT, message, field)])


class NotAuthenticated(UserFacingError):
    def __init__(self, message: str) -> None:
        super().__init__([Problem(ProblemCode.UNAUTHENTICATED, message)])


class RateLimited(UserFacingError):
    """Too many recent attempts: refused before doing any of the work, until
    `retry_after_seconds` have passed."""

    def __init__(self, reason: str, retry_after_seconds: int) -> None:
        minutes, seconds = divmod(retry_after_seconds, 60)
        wait = f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
        problem = Problem(ProblemCode.RATE_LIMITED, f"{reason}; try again in {wait}.")
        super().__init__([problem])
        self.retry_after_seconds = retry_after_seconds


class PermissionDenied(UserFacingError):
    def __init__(self, message: str, field: tuple[str, ...] = ()) -> None:
        super().__init__([Problem(ProblemCode.PERMISSION_DENIED, message, field)])


class ProblemCollector:
    """Gathers validation problems so one response can name every field at fault."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, field: tuple[str, ...], message: str) -> None:
        self.problems.append(Problem(ProblemCode.VALIDATION, message, field))

    def raise_if_any(self) -> None:
        if self.problems:
            raise InvalidInput(self.problems)


class ReferenceReused(Conflict):
    """An external reference sent again with different content: a box office reusing a
    reference by mistake must hear about it, not get the first order back silently."""

    def __init__(self, reference: str, order_reference: str | None) -> None:
        super().__init__(
            f"External reference {reference!r} was used already, for order "
            f"{order_reference}, with different content; nothing was written. Send the same "
            "request to get that order back, or a new reference for a new order.",
            ("externalReference",),
        )


class AlreadyRecorded(Conflict):
    """Another request recorded the same external reference first (a unique constraint, so
    twenty racing requests still make one order); the caller returns that order."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"Order {reference!r} was recorded already.", ("externalReference",))
        self.reference = reference
