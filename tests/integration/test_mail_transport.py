"""The mail transport against a real SMTP server (aiosmtpd) on loopback, and the `.eml` folder.

The server runs in its own thread and event loop; every test stops what it starts.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from infra.mail import (
    FileTransport,
    MailNotSent,
    OutgoingMail,
    SmtpTransport,
    build_transport,
)
from infra.mail.transport import SmtpServer

HOST = "127.0.0.1"
LOGIN, PASSWORD = "box office", "p@ss:word"


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    content: bytes
    encrypted: bool

    @property
    def message(self) -> email.message.EmailMessage:
        parsed = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        return parsed


class Mailbox:
    """An aiosmtpd handler that keeps what it receives and counts SMTP sessions.

    A session is one TCP connection that said EHLO (smtplib always does, and again after
    STARTTLS on the same connection): aiosmtpd makes one `server` object per connection, so
    distinct `server` objects are distinct sessions. The controller's own start-up probe only
    reads the greeting and is not counted."""

    def __init__(self, refuse: frozenset[str] = frozenset()) -> None:
        self.refuse = refuse
        self.received: list[Received] = []
        self._sessions: list[object] = []

    @property
    def sessions(self) -> int:
        return len(self._sessions)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        if not any(known is server for known in self._sessions):
            self._sessions.append(server)
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.original_content,
                encrypted=session.ssl is not None,
            )
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(handler: Mailbox, port: int, **options: Any) -> Iterator[Controller]:
    controller = Controller(handler, hostname=HOST, port=port, ready_timeout=5, **options)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """Self-signed for 127.0.0.1 by the openssl command (`cryptography` is not installed)."""
    if shutil.which("openssl") is None:
        pytest.skip("Needs the openssl command to make a test certificate.")
    folder = tmp_path_factory.mktemp("tls")
    made = Certificate(folder / "cert.pem", folder / "key.pem")
    command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
    subject = ["-subj", f"/CN={HOST}", "-addext", f"subjectAltName=IP:{HOST}"]
    subprocess.run(
        [*command.split(), *subject, "-keyout", str(made.key), "-out", str(made.cert)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return made


@contextmanager
def smtp_transport(url: str, **options: Any) -> Iterator[SmtpTransport]:
    transport = SmtpTransport(url, timeout=5, **options)
    try:
        yield transport
    finally:
        transport.close()


def reminder(number: int = 42, to_address: str = "ada@example.org") -> OutgoingMail:
    return OutgoingMail(
        to_address=to_address,
        to_name="Ada Lovelace",
        subject=f"Your pledge instalment {number} is due",
        text=f"Dear Ada,\n\nInstalment {number} of your pledge is due on 1 May.\n",
        html=f"<p>Dear Ada,</p><p>Instalment {number} of your pledge is due on 1 May.</p>",
        message_id=f"<reminder-{number}@foyer>",
        headers={"List-Unsubscribe": "<https://foyer.example/unsubscribe/abc>"},
    )


def test_a_sent_mail_arrives_with_its_subject_body_and_headers() -> None:
    mailbox, port = Mailbox(), free_port()
    with smtp_server(mailbox, port), smtp_transport(f"smtp://{HOST}:{port}") as transport:
        transport.send(reminder())

    [arrived] = mailbox.received
    assert arrived.sender == "no-reply@foyer.invalid"
    assert arrived.recipients == ["ada@example.org"]
    message = arrived.message
    assert message["Subject"] == "Your pledge instalment 42 is due"
    assert message["Message-ID"] == "<reminder-42@foyer>"
    assert message["List-Unsubscribe"] == "<https://foyer.example/unsubscribe/abc>"
    assert message["To"] == "Ada Lovelace <ada@example.org>"
    assert message["From"] == "Foyer <no-reply@foyer.invalid>"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and "Instalment 42 of your pledge" in text.get_content()
    assert html is not None and "<p>Dear Ada,</p>" in html.get_content()


def test_names_subjects_and_bodies_beyond_ascii_arrive_as_written() -> None:
    mail = OutgoingMail(
        to_address="jose@example.org",
        to_name="José Núñez",
        subject="Votre promesse de don : £25 à régler",
        text="Cher José,\n\n£25 à régler le 1er mai.\n",
        message_id="<reminder-7@foyer>",
    )
    mailbox, port = Mailbox(), free_port()
    with smtp_server(mailbox, port), smtp_transport(f"smtp://{HOST}:{port}") as transport:
        transport.sender = "Théâtre du Châtelet <no-reply@foyer.invalid>"
        transport.send(mail)

    [arrived] = mailbox.received
    assert arrived.content.isascii()  # encoded for any mail server, 7-bit clean
    message = arrived.message
    assert message["To"] == "José Núñez <jose@example.org>"
    assert message["From"] == "Théâtre du Châtelet <no-reply@foyer.invalid>"
    assert message["Subject"] == "Votre promesse de don : £25 à régler"
    text = message.get_body(("plain",))
    assert text is not None  # lines end in CRLF on the wire
    assert text.get_content().replace("\r\n", "\n") == "Cher José,\n\n£25 à régler le 1er mai.\n"


def test_several_mails_share_one_smtp_session() -> None:
    mailbox, port = Mailbox(), free_port()
    with smtp_server(mailbox, port), smtp_transport(f"smtp://{HOST}:{port}") as transport:
        for number in range(5):
            transport.send(reminder(number))

    assert [r.message["Message-ID"] for r in mailbox.received] == [
        f"<reminder-{number}@foyer>" for number in range(5)
    ]
    assert mailbox.sessions == 1


def test_worker_threads_sending_at_once_keep_a_session_each_and_lose_nothing() -> None:
    # Was one session for every thread, serialised: threads sending side by side over a
    # pool of kept sessions is what makes a mailing fast. Sessions are still kept, never
    # more than one per thread sending at once.
    mailbox, port = Mailbox(), free_port()
    failures: list[BaseException] = []

    def send_five(thread: int, transport: SmtpTransport) -> None:
        try:
            for number in range(5):
                transport.send(reminder(thread * 100 + number))
        except BaseException as error:
            failures.append(error)

    with smtp_server(mailbox, port), smtp_transport(f"smtp://{HOST}:{port}") as transport:
        threads = [threading.Thread(target=send_five, args=(n, transport)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert failures == []
    assert len({r.message["Message-ID"] for r in mailbox.received}) == 20
    assert 1 <= mailbox.sessions <= 4


def test_the_transport_reconnects_after_the_server_drops_the_connection() -> None:
    mailbox, port = Mailbox(), free_port()
    with smtp_transport(f"smtp://{HOST}:{port}") as transport:
        with smtp_server(mailbox, port):
            transport.send(reminder(1))
        # The server went away with our connection open, and came back on the same port.
        with smtp_server(mailbox, port):
            transport.send(reminder(2))
            transport.send(reminder(3))

    assert [r.message["Message-ID"] for r in mailbox.received] == [
        "<reminder-1@foyer>",
        "<reminder-2@foyer>",
        "<reminder-3@foyer>",
    ]
    assert mailbox.sessions == 2


def test_a_refused_recipient_raises_mail_not_sent_and_the_session_goes_on() -> None:
    mailbox, port = Mailbox(refuse=frozenset({"gone@example.org"})), free_port()
    with smtp_server(mailbox, port), smtp_transport(f"smtp://{HOST}:{port}") as transport:
        with pytest.raises(MailNotSent) as refused:
            transport.send(reminder(1, to_address="gone@example.org"))
        transport.send(reminder(2))

    assert refused.value.permanent
    assert "gone@example.org" in refused.value.reason
    assert "550" in refused.value.reason
    assert [r.recipients for r in mailbox.received] == [["ada@example.org"]]
    assert mailbox.sessions == 1


def test_an_unreachable_server_raises_mail_not_sent_promptly() -> None:
    port = free_port()  # nothing listens there
    started = time.monotonic()
    with smtp_transport(f"smtp://{HOST}:{port}") as transport, pytest.raises(MailNotSent) as lost:
        transport.send(reminder())

    assert time.monotonic() - started < 5
    assert not lost.value.permanent
    assert f"{HOST}:{port}" in lost.value.reason


def test_a_server_that_never_answers_gives_up_after_the_timeout() -> None:
    with socket.socket() as silent:
        silent.bind((HOST, 0))
        silent.listen(1)  # the kernel completes the handshake; no greeting ever comes
        port = silent.getsockname()[1]
        transport = SmtpTransport(f"smtp://{HOST}:{port}", timeout=0.3)
        started = time.monotonic()
        with pytest.raises(MailNotSent):
            transport.send(reminder())
        elapsed = time.monotonic() - started
        transport.close()

    assert 0.3 <= elapsed < 3


class _Stalling(Mailbox):
    """Takes its first mail only after `seconds`, its answers to every command in time."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds, self.stalled = seconds, False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.stalled:
            self.stalled = True
            await asyncio.sleep(self.seconds)
        return await super().handle_DATA(server, session, envelope)


def test_a_server_stalling_mid_mail_is_cut_off_at_the_sending_limit_then_sent_to_afresh() -> None:
    mailbox, port = _Stalling(5), free_port()
    with (
        smtp_server(mailbox, port),
        smtp_transport(f"smtp://{HOST}:{port}", send_within=0.5) as transport,
    ):
        started = time.monotonic()
        with pytest.raises(MailNotSent) as cut:
            transport.send(reminder(1))  # each wait is within the 5 s timeout; the whole is not
        elapsed = time.monotonic() - started
        transport.send(reminder(2))  # on a new connection: the cut one is not used again

    assert 0.5 <= elapsed < 2.5
    assert not cut.value.permanent and "longer than 0.5 s" in cut.value.reason
    assert [r.message["Message-ID"] for r in mailbox.received][-1] == "<reminder-2@foyer>"


def test_a_server_that_never_greets_is_given_up_on_at_the_sending_limit() -> None:
    with socket.socket() as silent:
        silent.bind((HOST, 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        transport = SmtpTransport(f"smtp://{HOST}:{port}", timeout=30, send_within=0.3)
        started = time.monotonic()
        with pytest.raises(MailNotSent) as lost:
            transport.send(reminder())
        elapsed = time.monotonic() - started
        transport.close()

    assert 0.3 <= elapsed < 3 and not lost.value.permanent
    assert "longer than 0.3 s" in lost.value.reason


def test_starttls_and_login_against_a_server_that_requires_both(
    certificate: Certificate,
) -> None:
    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        known = LoginPassword(LOGIN.encode(), PASSWORD.encode())
        return AuthResult(success=data == known, handled=False)

    mailbox, port = Mailbox(), free_port()
    url = f"smtp://box%20office:p%40ss%3Aword@{HOST}:{port}?starttls=true"
    with (
        smtp_server(
            mailbox,
            port,
            tls_context=certificate.server_context(),
            require_starttls=True,
            auth_required=True,
            authenticator=authenticate,
        ),
        smtp_transport(url, ssl_context=certificate.client_context()) as transport,
    ):
        transport.send(reminder(1))
        transport.send(reminder(2))

    assert [r.encrypted for r in mailbox.received] == [True, True]
    assert mailbox.sessions == 1


def test_a_wrong_password_raises_mail_not_sent(certificate: Certificate) -> None:
    def refuse_everyone(*args: Any) -> Any:
        # handled=False: aiosmtpd answers 535 itself (its default means "already answered").
        return AuthResult(success=False, handled=False)

    mailbox, port = Mailbox(), free_port()
    url = f"smtp://someone:wrong@{HOST}:{port}?starttls=true"
    with (
        smtp_server(
            mailbox,
            port,
            tls_context=certificate.server_context(),
            auth_required=True,
            authenticator=refuse_everyone,
        ),
        smtp_transport(url, ssl_context=certificate.client_context()) as transport,
        pytest.raises(MailNotSent, match="log-in"),
    ):
        transport.send(reminder())

    assert mailbox.received == []


def test_starttls_refuses_a_certificate_the_client_does_not_trust(
    certificate: Certificate,
) -> None:
    mailbox, port = Mailbox(), free_port()
    with (
        smtp_server(mailbox, port, tls_context=certificate.server_context()),
        smtp_transport(f"smtp://{HOST}:{port}?starttls=true") as transport,
        pytest.raises(MailNotSent, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        transport.send(reminder())

    assert mailbox.received == []


def test_smtps_speaks_tls_from_the_first_byte(certificate: Certificate) -> None:
    mailbox, port = Mailbox(), free_port()
    with (
        smtp_server(mailbox, port, ssl_context=certificate.server_context()),
        smtp_transport(f"smtps://{HOST}:{port}", ssl_context=certificate.client_context()) as t,
    ):
        t.send(reminder())

    [arrived] = mailbox.received
    assert arrived.message["Message-ID"] == "<reminder-42@foyer>"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", ("mail.example.org", 25, False, False, "", "")),
        (
            "smtp://u:p@mail.example.org?starttls=true",
            ("mail.example.org", 587, False, True, "u", "p"),
        ),
        (
            "smtp://mail.example.org:2525?starttls=1",
            ("mail.example.org", 2525, False, True, "", ""),
        ),
        (
            "smtps://a%40b:c%2Fd@mail.example.org",
            ("mail.example.org", 465, True, False, "a@b", "c/d"),
        ),
    ],
)
def test_the_smtp_url_gives_host_port_encryption_and_login(
    url: str, expected: tuple[object, ...]
) -> None:
    server = SmtpServer.from_url(url)
    assert (
        server.host,
        server.port,
        server.implicit_tls,
        server.starttls,
        server.username,
        server.password,
    ) == expected


def test_the_file_transport_writes_an_eml_that_parses_back(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    transport = FileTransport(folder)
    transport.send(reminder())
    transport.close()

    [written] = list(folder.iterdir())
    assert written.name.endswith("-reminder-42@foyer.eml")
    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert message["Message-ID"] == "<reminder-42@foyer>"
    assert message["Subject"] == "Your pledge instalment 42 is due"
    assert message["List-Unsubscribe"] == "<https://foyer.example/unsubscribe/abc>"
    assert message["To"] == "Ada Lovelace <ada@example.org>"
    assert isinstance(message, email.message.EmailMessage)
    body = message.get_body(("plain",))
    assert body is not None and "Instalment 42 of your pledge" in body.get_content()


def test_build_transport_sends_by_smtp_when_a_url_is_set_else_writes_files(
    tmp_path: Path,
) -> None:
    assert isinstance(build_transport("", tmp_path), FileTransport)
    smtp = build_transport(f"smtp://{HOST}:25", tmp_path)
    assert isinstance(smtp, SmtpTransport)
    smtp.close()  # never connected: building connects nothing
