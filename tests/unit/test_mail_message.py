"""The bytes of an email as the transports send them: the exact header block, encoded words
for what is not ASCII, folding within 78 characters, and parts that parse back to what was
written."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage

from infra.mail.message import OutgoingMail, build_message

WHEN = datetime(2026, 12, 2, 15, 4, 5, tzinfo=UTC)
ONE_CLICK = "https://foyer.example/unsubscribe/" + "t" * 120
MAILTO = "mailto:no-reply@foyer.invalid?subject=unsubscribe%20" + "t" * 120
UNSUBSCRIBE = {
    "List-Unsubscribe": f"<{ONE_CLICK}>, <{MAILTO}>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


def mail(**fields: object) -> OutgoingMail:
    values: dict[str, object] = {
        "to_address": "ada@example.org",
        "to_name": "Ada Lovelace",
        "subject": "Spring at the Playhouse, Ada",
        "text": "Dear Ada,\n\nSee what is on.\n",
        "html": "<p>Dear Ada,</p><p>See what is on.</p>",
        "message_id": "<mailing-delivery-7@foyer>",
        "headers": UNSUBSCRIBE,
    }
    return OutgoingMail(**{**values, **fields})  # type: ignore[arg-type]


def parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def head_and_body(raw: bytes) -> tuple[list[str], str]:
    head, _, body = raw.decode().partition("\r\n\r\n")
    return head.split("\r\n"), body


def test_an_ascii_mailing_has_exactly_these_headers_folded_at_spaces() -> None:
    raw = build_message(mail(), "Foyer <no-reply@foyer.invalid>", date=WHEN)

    lines, _ = head_and_body(raw)
    boundary = lines[-1].split('boundary="')[1].rstrip('"')
    assert boundary.startswith("=_foyer_") and len(boundary) == len("=_foyer_") + 32
    assert lines == [
        "From: Foyer <no-reply@foyer.invalid>",
        "To: Ada Lovelace <ada@example.org>",
        "Subject: Spring at the Playhouse, Ada",
        "Date: Wed, 02 Dec 2026 15:04:05 +0000",
        "Message-ID: <mailing-delivery-7@foyer>",
        f"List-Unsubscribe: <{ONE_CLICK}>,",  # longer than 78 with no space to fold at
        f" <{MAILTO}>",
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
    ]
    message = parsed(raw)
    assert message["List-Unsubscribe"] == f"<{ONE_CLICK}>, <{MAILTO}>"
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content().replace("\r\n", "\n") == "Dear Ada,\n\nSee what is on.\n"
    assert html.get_content() == "<p>Dear Ada,</p><p>See what is on.</p>"
    assert text["Content-Transfer-Encoding"] == "7bit"
    assert text["Content-Type"] == 'text/plain; charset="us-ascii"'


def test_the_parts_are_framed_by_the_boundary_with_crlf_line_ends() -> None:
    raw = build_message(mail(), date=WHEN)

    _, body = head_and_body(raw)
    boundary = parsed(raw).get_boundary()
    assert body == (
        f"--{boundary}\r\n"
        'Content-Type: text/plain; charset="us-ascii"\r\n'
        "Content-Transfer-Encoding: 7bit\r\n"
        "\r\n"
        "Dear Ada,\r\n\r\nSee what is on.\r\n"
        f"\r\n--{boundary}\r\n"
        'Content-Type: text/html; charset="us-ascii"\r\n'
        "Content-Transfer-Encoding: 7bit\r\n"
        "\r\n"
        "<p>Dear Ada,</p><p>See what is on.</p>"
        f"\r\n--{boundary}--\r\n"
    )
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_names_and_subjects_beyond_ascii_go_in_encoded_words_of_short_lines() -> None:
    subject = "Le printemps au Théâtre du Châtelet, José : £25 de réduction sur vos places"
    raw = build_message(
        mail(to_name="José Núñez-García", subject=subject, text="Cher José,\n£25.\n"),
        "Théâtre du Châtelet <no-reply@foyer.invalid>",
        date=WHEN,
    )

    assert raw.isascii()
    lines, _ = head_and_body(raw)
    assert all(len(line) <= 78 for line in lines[:7])
    assert lines[0] == "From: =?utf-8?b?VGjDqcOidHJlIGR1IENow6J0ZWxldA==?="
    assert lines[1] == " <no-reply@foyer.invalid>"
    assert lines[2] == "To: =?utf-8?b?Sm9zw6kgTsO6w7Flei1HYXJjw61h?="
    assert lines[3] == " <ada@example.org>"
    assert lines[4].startswith("Subject: =?utf-8?b?") and lines[5].startswith(" =?utf-8?b?")
    message = parsed(raw)
    assert message["From"] == "Théâtre du Châtelet <no-reply@foyer.invalid>"
    assert message["To"] == "José Núñez-García <ada@example.org>"
    assert message["Subject"] == subject
    text = message.get_body(("plain",))
    assert text is not None and text["Content-Transfer-Encoding"] == "quoted-printable"
    assert text.get_content().replace("\r\n", "\n") == "Cher José,\n£25.\n"


def test_a_name_with_specials_is_quoted_and_line_breaks_never_reach_a_header() -> None:
    raw = build_message(
        mail(to_name='Lovelace, Ada "the Countess"', subject="Hello\r\nBcc: everyone@x.org"),
        date=WHEN,
    )

    lines, _ = head_and_body(raw)
    assert lines[1] == 'To: "Lovelace, Ada \\"the Countess\\"" <ada@example.org>'
    assert lines[2] == "Subject: Hello Bcc: everyone@x.org"
    message = parsed(raw)
    assert message["To"].addresses[0].display_name == 'Lovelace, Ada "the Countess"'
    assert "Bcc" not in message


def test_a_plain_text_mail_is_one_part_and_long_lines_go_quoted_printable() -> None:
    long_line = "word " * 300  # 1,500 characters: more than SMTP takes on one line
    raw = build_message(mail(html=None, headers={}, text=f"{long_line}\n.\n"), date=WHEN)

    lines, body = head_and_body(raw)
    assert lines[-3:] == [
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="utf-8"',
        "Content-Transfer-Encoding: quoted-printable",
    ]
    assert all(len(line) <= 76 for line in body.split("\r\n"))
    assert parsed(raw).get_content().replace("\r\n", "\n") == f"{long_line}\n.\n"


def test_a_blank_name_leaves_the_bare_address() -> None:
    lines, _ = head_and_body(build_message(mail(to_name=""), date=WHEN))
    assert lines[1] == "To: ada@example.org"
