"""Transports: SMTP in production, `.eml` files in a folder in the embedded default.

One transport is built per process and shared by the worker threads. `SmtpTransport` keeps
a small pool of open connections instead of a TCP and TLS handshake per email: a thread
sending takes an idle one (or opens one) and puts it back when the server has answered, so
threads send side by side, each over a session of its own, and the pool never holds more
connections than threads sent at once.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import smtplib
import ssl
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from infra.clock import utc_now
from infra.mail.message import DEFAULT_SENDER, OutgoingMail, build_message
from infra.mail.send_deadline import SendDeadlines

_TRUE = frozenset({"1", "true", "yes", "on"})
# "Service not available, closing channel": how servers announce an idle timeout or a
# shutdown. smtplib closes the socket; for us it is a lost connection like any other.
_CLOSING = 421


class MailNotSent(Exception):
    """The mail was not accepted; `reason` is readable enough to show staff.

    `permanent` is true when sending again will not help (a 5xx refusal of the recipient
    or the mail, or a mail this server cannot take); otherwise a later attempt may succeed.
    """

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class MailTransport(Protocol):
    def send(self, mail: OutgoingMail) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to connect, from `smtp://user:pass@host:port?starttls=true`
    (STARTTLS; port 587, or 25 without it) or `smtps://user:pass@host:port` (TLS; 465)."""

    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    username: str
    password: str = field(repr=False)

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("The SMTP URL must look like smtp://host:port or smtps://host:port.")
        implicit_tls = parts.scheme == "smtps"
        starttls = any(
            value.lower() in _TRUE for value in parse_qs(parts.query).get("starttls", [])
        )
        default_port = 465 if implicit_tls else 587 if starttls else 25
        return cls(
            host=parts.hostname,
            port=parts.port or default_port,
            implicit_tls=implicit_tls,
            starttls=starttls and not implicit_tls,
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
        )


class _BareAddresses:
    """MAIL FROM and RCPT TO of addresses that are bare already (`ada@example.org`, never
    `Ada <ada@example.org>`): smtplib parses each again with email.utils, a third of the
    CPU of handing a mailing's message over. The commands are smtplib's own otherwise."""

    does_esmtp: bool
    command_encoding: str
    if TYPE_CHECKING:  # smtplib.SMTP's, which this comes before

        def has_extn(self, opt: str) -> bool: ...

        def putcmd(self, cmd: str, args: str = "") -> None: ...

        def getreply(self) -> tuple[int, bytes]: ...

    def mail(self, sender: str, options: Sequence[str] = ()) -> tuple[int, bytes]:
        optionlist = ""
        if options and self.does_esmtp:
            if any(option.lower() == "smtputf8" for option in options):
                if not self.has_extn("smtputf8"):
                    raise smtplib.SMTPNotSupportedError("SMTPUTF8 not supported by server")
                self.command_encoding = "utf-8"
            optionlist = " " + " ".join(options)
        self.putcmd("mail", f"FROM:<{sender}>{optionlist}")
        return self.getreply()

    def rcpt(self, recip: str, options: Sequence[str] = ()) -> tuple[int, bytes]:
        optionlist = " " + " ".join(options) if options and self.does_esmtp else ""
        self.putcmd("rcpt", f"TO:<{recip}>{optionlist}")
        return self.getreply()


class _Session(_BareAddresses, smtplib.SMTP):  # type: ignore[misc]
    pass


class _TlsSession(_BareAddresses, smtplib.SMTP_SSL):  # type: ignore[misc]
    pass


class SmtpTransport:
    def __init__(
        self,
        url: str,
        *,
        sender: str = DEFAULT_SENDER,
        timeout: float = 30.0,
        send_within: float | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.server = SmtpServer.from_url(url)
        self.sender = sender  # read at each send: a test may change it
        self.timeout = timeout  # each wait for the server
        # The whole of one mail, reconnecting included (infra/mail/send_deadline.py); None
        # for no limit but the timeouts.
        self.send_within = send_within
        self._deadlines = SendDeadlines()
        # Tests pass a context trusting their own certificate; production uses the system's.
        self.ssl_context = ssl_context or ssl.create_default_context()
        self._idle: list[smtplib.SMTP] = []  # open connections no thread is using
        self._lock = threading.Lock()

    def send(self, mail: OutgoingMail) -> None:
        message = build_message(mail, self.sender)
        deadline = None if self.send_within is None else time.monotonic() + self.send_within
        kept = self._take()
        try:
            self._send_on(kept or self._connect(deadline), message, mail.to_address, deadline)
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            if kept is None or _past(deadline):
                raise MailNotSent(self._lost(error, deadline)) from error
            # The kept connection went stale (idle timeout, server restart), so one more
            # attempt on a fresh one. Should the server have kept the mail after all (cut
            # after the final ".", before its reply), the Message-ID is the same.
            try:
                self._send_on(self._connect(deadline), message, mail.to_address, deadline)
            except (smtplib.SMTPServerDisconnected, OSError) as again:
                raise MailNotSent(self._lost(again, deadline)) from again

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                connection.quit()
            connection.close()

    def _take(self) -> smtplib.SMTP | None:
        with self._lock:
            return self._idle.pop() if self._idle else None

    def _send_on(
        self, connection: smtplib.SMTP, message: bytes, to_address: str, deadline: float | None
    ) -> None:
        """Send over `connection`, then put it back in the pool; closed instead when it
        was lost (the server hung up, the socket failed, or the deadline cut it)."""
        try:
            with self._deadlines.watch(connection, deadline) as watched:
                try:
                    self._deliver(connection, message, to_address)
                except MailNotSent:
                    if watched.cut:  # not the server's answer
                        raise smtplib.SMTPServerDisconnected("Cut off at the deadline") from None
                    raise
        except MailNotSent:
            self._give_back(connection)  # refused: the server answered, the session goes on
            raise
        except BaseException:
            connection.close()  # lost, or cut off mid-conversation: not usable again
            raise
        if watched.cut:
            connection.close()  # sent, then cut before the watch ended: its socket is shut
            return
        self._give_back(connection)

    def _give_back(self, connection: smtplib.SMTP) -> None:
        with self._lock:
            self._idle.append(connection)

    def _deliver(self, connection: smtplib.SMTP, message: bytes, to_address: str) -> None:
        sender = _envelope_sender(self.sender)
        try:
            options: tuple[str, ...] = ()
            if not (sender + to_address).isascii():
                # As smtplib's send_message would: an address beyond ASCII needs a server
                # that takes it, and the message then goes as it is, in UTF-8.
                connection.ehlo_or_helo_if_needed()
                if not connection.has_extn("smtputf8"):
                    raise smtplib.SMTPNotSupportedError(
                        "The address needs internationalized email support (SMTPUTF8),"
                        " which the mail server does not offer"
                    )
                options = ("SMTPUTF8", "BODY=8BITMIME")
            connection.sendmail(sender, [to_address], message, options)
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = error.recipients[to_address]
            if code == _CLOSING:
                raise smtplib.SMTPServerDisconnected(_text(reply)) from error
            raise MailNotSent(
                f"The mail server refused {to_address}: {code} {_text(reply)}",
                permanent=500 <= code < 600,
            ) from error
        except smtplib.SMTPResponseException as error:
            if error.smtp_code == _CLOSING:
                raise smtplib.SMTPServerDisconnected(_text(error.smtp_error)) from error
            raise MailNotSent(
                f"The mail server refused the mail: {error.smtp_code} {_text(error.smtp_error)}",
                permanent=500 <= error.smtp_code < 600,
            ) from error
        except smtplib.SMTPServerDisconnected:
            raise
        except smtplib.SMTPException as error:
            # e.g. an internationalised address and a server without SMTPUTF8.
            raise MailNotSent(f"The mail could not be sent: {error}", permanent=True) from error

    def _connect(self, deadline: float | None = None) -> smtplib.SMTP:
        server = self.server
        # Connecting and the greeting come before the connection can be watched: each of
        # the two waits is bounded by what is left instead, so a send takes at most twice
        # its limit.
        timeout = self.timeout if deadline is None else _left(deadline, self.timeout)
        # The host goes to the constructor, not to connect(): smtplib checks the certificate
        # against the host it was constructed with.
        try:
            connection = (
                _TlsSession(server.host, server.port, timeout=timeout, context=self.ssl_context)
                if server.implicit_tls
                else _Session(server.host, server.port, timeout=timeout)
            )
        except (smtplib.SMTPException, OSError) as error:
            raise MailNotSent(self._lost(error, deadline)) from error
        try:
            if _past(deadline):  # the greeting came, too late
                raise smtplib.SMTPServerDisconnected("Past the deadline")
            with self._deadlines.watch(connection, deadline) as watched:
                if server.starttls:
                    connection.starttls(context=self.ssl_context)
                if server.username:
                    connection.login(server.username, server.password)
            if watched.cut:
                raise smtplib.SMTPServerDisconnected("Cut off at the deadline")
            # Kept for later mails: each of their waits gets the whole timeout again.
            connection.timeout = self.timeout
            if connection.sock is not None:
                connection.sock.settimeout(self.timeout)
        except smtplib.SMTPAuthenticationError as error:
            connection.close()
            raise MailNotSent(
                f"The mail server did not accept the log-in: {error.smtp_code}"
                f" {_text(error.smtp_error)}"
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            connection.close()
            raise MailNotSent(self._lost(error, deadline)) from error
        return connection

    def _lost(self, error: BaseException, deadline: float | None) -> str:
        where = f"{self.server.host}:{self.server.port}"
        if _past(deadline):
            return (
                f"The mail server {where} took longer than {self.send_within:g} s to take the"
                " mail; it was cut off, to go again later"
            )
        detail = str(error) or type(error).__name__
        return f"Could not reach the mail server {where}: {detail}"


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


def _left(deadline: float, timeout: float) -> float:
    return max(0.01, min(timeout, deadline - time.monotonic()))


class FileTransport:
    """Writes each mail to `<folder>/<timestamp>-<message id>.eml`, for a laptop with no mail
    server: open the file in any mail program to see what would have been sent."""

    def __init__(self, folder: Path, *, sender: str = DEFAULT_SENDER) -> None:
        self.folder = folder
        self.sender = sender

    def send(self, mail: OutgoingMail) -> None:
        now = utc_now()
        message = build_message(mail, self.sender, date=now)
        self.folder.mkdir(parents=True, exist_ok=True)
        safe_id = re.sub(r"[^A-Za-z0-9.@_-]+", "_", mail.message_id.strip("<>"))
        final = self.folder / f"{now:%Y%m%dT%H%M%S%fZ}-{safe_id}.eml"
        # Written beside the final name, then renamed: a reader never sees half a mail.
        descriptor, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".partial")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(message)
            os.replace(temporary, final)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def close(self) -> None:
        pass


def build_transport(
    smtp_url: str,
    folder: Path,
    *,
    sender: str = DEFAULT_SENDER,
    timeout: float = 30.0,
    send_within: float | None = None,
) -> MailTransport:
    """SMTP when a URL is configured, else `.eml` files in `folder` (the embedded default)."""
    if smtp_url:
        return SmtpTransport(smtp_url, sender=sender, timeout=timeout, send_within=send_within)
    return FileTransport(folder, sender=sender)


@functools.lru_cache(maxsize=16)
def _envelope_sender(sender: str) -> str:
    """The address of `sender` (`Name <address>`), for MAIL FROM: parsed once."""
    return parseaddr(sender)[1]


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
