"""Mailing mutations: write, send and cancel (INSIGHTS), and the organisation's pace
(INSIGHTS_ADMIN). Each returns its payload with `errors`; on any error nothing is written."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from domain.mailings.mailing import Mailing as DomainMailing
from domain.mailings.runs import SendMailing
from domain.roles import Role
from resolvers import mailings as writes
from resolvers.global_ids import pk_of
from schema.consent.inputs import preference_pk
from schema.errors import ERRORS_DESCRIPTION, UserError, payload
from schema.jobs import Job
from schema.mailings.queries import INSIGHTS, mailing_pk
from schema.mailings.types import Mailing, MailingRun
from schema.permissions import requires


@strawberry.input(description="A mailing's words and the preference it is sent under.")
class MailingInput:
    name: str = strawberry.field(description="Its name, for staff.")
    subject: str = strawberry.field(
        description="The subject, a jinja2 template over the recipient's fields: `title`, "
        "`first_name`, `last_name`, `name`, `membership`, `membership_ends_on`, "
        "`next_booking`, `next_booking_on`, `organisation`, `preferences_url`, "
        "`unsubscribe_url`."
    )
    html_body: str = strawberry.field(
        description="The HTML body, a template over the same fields (written into it "
        "escaped). Foyer adds the preferences and unsubscribe links at its foot."
    )
    text_body: str | None = strawberry.field(
        default=None,
        description="The plain-text part, a template over the same fields; leave it out to "
        "derive it from each recipient's rendered HTML.",
    )
    preference_id: strawberry.ID = strawberry.field(
        description="The contact preference it is sent under: an EMAIL or TOPIC preference "
        "of the organisation, in use. Only customers granting it get the mailing."
    )

    def mailing(self, id: int | None = None) -> DomainMailing:
        return DomainMailing(
            self.name,
            self.subject,
            self.html_body,
            preference_pk(self.preference_id, ("preferenceId",)),
            self.text_body,
            id=id,
        )


@strawberry.type(description="Result of a mutation returning a mailing.")
class MailingPayload:
    mailing: Mailing | None = strawberry.field(default=None, description="The mailing.")
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type(description="Result of `sendMailing`.")
class SendMailingPayload:
    run: MailingRun | None = strawberry.field(default=None, description="The run started.")
    job: Job | None = strawberry.field(
        default=None, description="The job sending it: poll `job(id:)` for its progress."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type(description="Result of `saveMailSettings`.")
class MailSettingsPayload:
    messages_per_second: int | None = strawberry.field(
        default=None, description="The pace now (null: no limit)."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


async def _saved(info: Info, mailing: DomainMailing) -> dict[str, Any]:
    saved = await writes.save_mailing(info.context, mailing)
    assert saved.id is not None
    return {"mailing": Mailing.from_record(await writes.mailing_row(info.context, saved.id))}


@strawberry.type
class MailingMutation:
    @strawberry.mutation(
        description="Write a mailing. Its templates are tried in the sandbox against sample "
        "recipients first: one that does not compile, or is refused (an unknown name, an "
        "unsafe attribute, too much work or output), is a VALIDATION error on its field. "
        "INSIGHTS.",
        extensions=INSIGHTS,
    )
    async def create_mailing(
        self,
        info: Info,
        input: Annotated[MailingInput, strawberry.argument(description="The mailing.")],
    ) -> MailingPayload:
        async def work() -> dict[str, Any]:
            return await _saved(info, input.mailing())

        return await payload(MailingPayload, work())

    @strawberry.mutation(
        description="Change a mailing (not while a run of it is under way), with the checks of "
        "`createMailing`. INSIGHTS.",
        extensions=INSIGHTS,
    )
    async def edit_mailing(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The mailing.")],
        input: Annotated[MailingInput, strawberry.argument(description="Its new words.")],
    ) -> MailingPayload:
        async def work() -> dict[str, Any]:
            return await _saved(info, input.mailing(mailing_pk(id, "id")))

        return await payload(MailingPayload, work())

    @strawberry.mutation(
        description="Send a mailing to a segment (its members when the run starts) or a "
        "customer list, now or at `sendAt`, as a job. When it runs, each member is checked: "
        "those without a GRANTED state for the mailing's preference, without an email "
        "address, erased, deceased or inactive, or sent it by an earlier run, are skipped "
        "and counted by why; every other gets it exactly once. INSIGHTS.",
        extensions=INSIGHTS,
    )
    async def send_mailing(
        self,
        info: Info,
        mailing_id: Annotated[strawberry.ID, strawberry.argument(description="The mailing.")],
        segment_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="The segment (or `listId`).")
        ] = None,
        list_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The customer list (or `segmentId`)."),
        ] = None,
        send_at: Annotated[
            datetime | None,
            strawberry.argument(description="When to start, with its UTC offset (default: now)."),
        ] = None,
    ) -> SendMailingPayload:
        async def work() -> dict[str, Any]:
            command = SendMailing(
                mailing_pk(mailing_id, "mailingId"),
                pk_of(segment_id, ("Segment",), "Segment", ("segmentId",)) if segment_id else None,
                pk_of(list_id, ("CustomerList",), "Customer list", ("listId",))
                if list_id
                else None,
                send_at,
            )
            run, job = await writes.send_mailing(info.context, command)
            runs = await info.context.loaders.runs_by_mailing.load(run.mailing_id)
            row = next(r for r in runs if r.id == run.id)
            return {"run": MailingRun.from_row(row), "job": Job.from_record(job)}

        return await payload(SendMailingPayload, work())

    @strawberry.mutation(
        description="Cancel the mailing's run under way, between batches: what was not yet "
        "handed to the mail server is not sent, and its job is FAILED saying who cancelled "
        "it. INSIGHTS.",
        extensions=INSIGHTS,
    )
    async def cancel_mailing(
        self,
        info: Info,
        mailing_id: Annotated[strawberry.ID, strawberry.argument(description="The mailing.")],
    ) -> MailingPayload:
        async def work() -> dict[str, Any]:
            row = await writes.cancel_mailing(info.context, mailing_pk(mailing_id, "mailingId"))
            return {"mailing": Mailing.from_record(row)}

        return await payload(MailingPayload, work())

    @strawberry.mutation(
        description="How fast the organisation's mailings may go, in messages per second "
        "across every worker (1 to 10,000; null: as fast as the mail server takes them). "
        "INSIGHTS_ADMIN.",
        extensions=requires(Role.INSIGHTS_ADMIN),
    )
    async def save_mail_settings(
        self,
        info: Info,
        messages_per_second: Annotated[
            int | None, strawberry.argument(description="Messages per second, or null.")
        ],
    ) -> MailSettingsPayload:
        async def work() -> dict[str, Any]:
            return {
                "messages_per_second": await writes.save_mail_pace(
                    info.context, messages_per_second
                )
            }

        return await payload(MailSettingsPayload, work())
