"""The errors a user can cause, in two kinds.

`UserFacingError`: something wrong with what was asked, which the caller can fix in the
input (VALIDATION, NOT_FOUND, CONFLICT, RATE_LIMITED, INVALID_CREDENTIALS). Each carries one
or more `Problem`s: a code, a readable message and the path of the input field at fault.

`AccessRefused`: nothing wrong with the input, but the caller may not do it: unknown
(UNAUTHENTICATED) or without a role it needs (PERMISSION_DENIED). One rule for every field,
read or write, so a client handles authentication and roles in one place.

The API maps both in one place (schema/errors.py); nothing is written when either is raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ProblemCode(StrEnum):
    VALIDATION = "VALIDATION"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"
    # A log-in with an email and password that do not match: the input of `login` is at
    # fault, not the caller's standing (the caller of `login` needs none).
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"


class AccessCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    PERMISSION_DENIED = "PERMISSION_DENIED"


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


class InvalidCredentials(UserFacingError):
    def __init__(self) -> None:
        problem = Problem(ProblemCode.INVALID_CREDENTIALS, "The email or password is not right.")
        super().__init__([problem])


class RateLimited(UserFacingError):
    """Too many recent attempts: refused before doing any of the work, until
    `retry_after_seconds` have passed."""

    def __init__(self, reason: str, retry_after_seconds: int) -> None:
        minutes, seconds = divmod(retry_after_seconds, 60)
        wait = f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
        problem = Problem(ProblemCode.RATE_LIMITED, f"{reason}; try again in {wait}.")
        super().__init__([problem])
        self.retry_after_seconds = retry_after_seconds


class AccessRefused(Exception):
    """Base of the refusals of the caller rather than of its input; `field` names the
    argument that asked for more than the caller may do, when one did."""

    code: AccessCode

    def __init__(self, message: str, field: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAuthenticated(AccessRefused):
    code = AccessCode.UNAUTHENTICATED


class PermissionDenied(AccessRefused):
    code = AccessCode.PERMISSION_DENIED


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
