"""Pop-up notes: blue for everyone who opens the record, pink for OPPORTUNITIES only, through
every path that reads them (the record, `node`, the timeline)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from domain.roles import Role
from infra.clock import utc_now
from infra.db import tables as t
from resolvers.global_ids import parse_global_id
from tests.conftest import Api
from tests.e2e.fundraising_fixtures import ERRORS, codes, days, mutate, ok, refusals
from tests.e2e.sales_fixtures import person

NOTE = "id colour text pinned expiresOn popped author createdAt updatedAt"
ADD = f"""mutation($input: AddPopUpNoteInput!) {{ addPopUpNote(input: $input)
  {{ popUpNote {{ {NOTE} }} {ERRORS} }} }}"""
EDIT = f"""mutation($input: EditPopUpNoteInput!) {{ editPopUpNote(input: $input)
  {{ popUpNote {{ {NOTE} }} {ERRORS} }} }}"""
DELETE = f"""mutation($id: ID!) {{ deletePopUpNote(input: {{id: $id}})
  {{ popUpNote {{ id }} {ERRORS} }} }}"""
NOTES = f"""query($id: ID!, $expired: Boolean!) {{ customer(id: $id) {{
  popUpNotes(includeExpired: $expired) {{ {NOTE} }} }} }}"""
NODE = "query($id: ID!) { node(id: $id) { id ... on PopUpNote { text colour } } }"
TIMELINE = """query($id: ID!, $types: [TimelineEntryType!]) { customer(id: $id) {
  timeline(types: $types) { edges { node { type summary details { key value } } } } } }"""
NOTE_TYPES = {
    "NOTE_ADDED",
    "NOTE_EDITED",
    "NOTE_DELETED",
    "PINK_NOTE_ADDED",
    "PINK_NOTE_EDITED",
    "PINK_NOTE_DELETED",
}


async def add_note(api: Api, customer: str, key: str | None = None, **fields: Any) -> Any:
    values = {"customerId": customer, "colour": "BLUE", "text": "Prefers aisle seats.", **fields}
    return await mutate(api, ADD, {"input": values}, key=key)


async def note(api: Api, customer: str, key: str | None = None, **fields: Any) -> dict[str, Any]:
    return ok(await add_note(api, customer, key, **fields))["popUpNote"]  # type: ignore[no-any-return]


async def notes(
    api: Api, customer: str, key: str | None = None, expired: bool = False
) -> list[str]:
    data = await api.data(NOTES, {"id": customer, "expired": expired}, key=key)
    return [n["text"] for n in data["customer"]["popUpNotes"]]


async def note_entries(
    api: Api, customer: str, key: str | None = None, types: list[str] | None = None
) -> list[tuple[str, str]]:
    data = await api.data(TIMELINE, {"id": customer, "types": types}, key=key)
    edges = data["customer"]["timeline"]["edges"]
    return [
        (e["node"]["type"], e["node"]["summary"]) for e in edges if e["node"]["type"] in NOTE_TYPES
    ]


async def test_notes_come_pinned_first_then_newest(api: Api) -> None:
    customer = await person(api, "Nora")
    await note(api, customer, text="Oldest")
    await note(api, customer, text="Pinned", pinned=True)
    await note(api, customer, text="Newest", colour="PINK")

    assert await notes(api, customer) == ["Pinned", "Newest", "Oldest"]


async def test_a_pink_note_does_not_exist_for_a_caller_without_opportunities(api: Api) -> None:
    customer = await person(api, "Penny")
    blue = await note(api, customer, text="Uses a wheelchair.")
    pink = await note(api, customer, colour="PINK", text="Considering a legacy gift.")
    sales = await api.key_with(Role.SALES)
    fundraiser = await api.key_with(Role.OPPORTUNITIES)

    assert await notes(api, customer, sales) == ["Uses a wheelchair."]
    assert (await api.data(NODE, {"id": pink["id"]}, key=sales)) == {"node": None}
    assert (await api.data(NODE, {"id": blue["id"]}, key=sales))["node"]["colour"] == "BLUE"
    assert await note_entries(api, customer, sales) == [
        ("NOTE_ADDED", "Blue note added: Uses a wheelchair.")
    ]
    assert await note_entries(api, customer, sales, ["PINK_NOTE_ADDED"]) == []
    assert await notes(api, customer, fundraiser) == [
        "Considering a legacy gift.",
        "Uses a wheelchair.",
    ]
    assert (await api.data(NODE, {"id": pink["id"]}, key=fundraiser))["node"]["colour"] == "PINK"
    assert [kind for kind, _ in await note_entries(api, customer, fundraiser)] == [
        "PINK_NOTE_ADDED",
        "NOTE_ADDED",
    ]


async def test_a_caller_without_opportunities_can_neither_write_nor_change_a_pink_note(
    api: Api,
) -> None:
    customer = await person(api, "Pam")
    pink = await note(api, customer, colour="PINK", text="Sensitive.")
    sales = await api.key_with(Role.SALES, Role.SETTINGS_ADMIN)

    values = {"customerId": customer, "colour": "PINK", "text": "Prefers aisle seats."}
    refused = await api.call(ADD, {"input": values}, key=sales)
    edited = await mutate(api, EDIT, {"input": {"id": pink["id"], "text": "x"}}, key=sales)
    deleted = await mutate(api, DELETE, {"id": pink["id"]}, key=sales)

    assert refusals(refused) == [("PERMISSION_DENIED", ["colour"])]
    assert codes(edited) == [("NOT_FOUND", ["id"])]
    assert codes(deleted) == [("NOT_FOUND", ["id"])]
    assert await notes(api, customer) == ["Sensitive."]


async def test_only_the_author_or_an_admin_may_change_or_delete_a_note(api: Api) -> None:
    customer = await person(api, "Alma")
    author = await api.key_with(Role.SALES)
    colleague = await api.key_with(Role.SALES, Role.OPPORTUNITIES)
    written = await note(api, customer, author, text="First words.")

    refused = await api.call(EDIT, {"input": {"id": written["id"], "text": "No"}}, colleague)
    not_deleted = await api.call(DELETE, {"id": written["id"]}, key=colleague)
    by_author = await mutate(api, EDIT, {"input": {"id": written["id"], "pinned": True}}, author)
    admin = await api.key_with(Role.OPPORTUNITIES_ADMIN)
    by_admin = await mutate(api, EDIT, {"input": {"id": written["id"], "text": "Admin"}}, admin)
    settings = await api.key_with(Role.SETTINGS_ADMIN)
    deleted = await mutate(api, DELETE, {"id": written["id"]}, key=settings)

    assert refusals(refused) == [("PERMISSION_DENIED", ["id"])]
    assert refusals(not_deleted) == [("PERMISSION_DENIED", ["id"])]
    assert ok(by_author)["popUpNote"]["pinned"] is True
    assert ok(by_admin)["popUpNote"]["text"] == "Admin"
    assert ok(deleted)["popUpNote"]["id"] == written["id"]
    assert await notes(api, customer, expired=True) == []


async def test_each_change_writes_a_timeline_entry_linking_the_note(api: Api) -> None:
    customer = await person(api, "Tilly")
    written = await note(api, customer, text="Likes the front row.")
    ok(await mutate(api, EDIT, {"input": {"id": written["id"], "text": "Likes row B."}}))
    ok(await mutate(api, DELETE, {"id": written["id"]}))

    data = await api.data(
        TIMELINE, {"id": customer, "types": ["NOTE_ADDED", "NOTE_EDITED", "NOTE_DELETED"]}
    )
    entries = [e["node"] for e in data["customer"]["timeline"]["edges"]]

    assert [(e["type"], e["summary"]) for e in entries] == [
        ("NOTE_DELETED", "Blue note deleted: Likes row B."),
        ("NOTE_EDITED", "Blue note edited: Likes row B."),
        ("NOTE_ADDED", "Blue note added: Likes the front row."),
    ]
    assert {d["value"] for e in entries for d in e["details"]} == {written["id"]}


async def test_an_expired_note_is_kept_but_no_longer_pops_up(api: Api) -> None:
    customer = await person(api, "Edna")
    lasting = await note(api, customer, text="Today only.", expiresOn=days(0))
    passing = await note(api, customer, text="Was for last week.", expiresOn=days(3))
    parsed = parse_global_id(passing["id"])
    assert parsed is not None
    with api.runtime.sync_engine.begin() as db:  # as if the days had passed
        db.execute(
            update(t.pop_up_note)
            .where(t.pop_up_note.c.id == parsed[1])
            .values(expires_on=utc_now().date() - timedelta(days=1))
        )

    assert lasting["popped"] is True
    assert await notes(api, customer) == ["Today only."]
    assert await notes(api, customer, expired=True) == ["Was for last week.", "Today only."]


async def test_bad_note_input_is_refused_and_nothing_is_written(api: Api) -> None:
    customer = await person(api, "Bea")
    written = await note(api, customer, text="Keep me.")

    blank = await add_note(api, customer, text="   ")
    long = await add_note(api, customer, text="x" * 2001)
    past = await add_note(api, customer, expiresOn=days(-1))
    unknown = await add_note(api, "bm90aGluZw", text="Nobody.")
    not_a_customer = await add_note(api, written["id"], text="A note is not a customer.")
    edit_blank = await mutate(api, EDIT, {"input": {"id": written["id"], "text": ""}})
    edit_null = await mutate(api, EDIT, {"input": {"id": written["id"], "text": None}})
    edit_past = await mutate(api, EDIT, {"input": {"id": written["id"], "expiresOn": days(-2)}})
    edit_customer = await mutate(api, EDIT, {"input": {"id": customer, "text": "x"}})
    delete_customer = await mutate(api, DELETE, {"id": customer})

    assert codes(blank) == [("VALIDATION", ["text"])]
    assert codes(long) == [("VALIDATION", ["text"])]
    assert codes(past) == [("VALIDATION", ["expiresOn"])]
    assert codes(unknown) == [("NOT_FOUND", ["customerId"])]
    assert codes(not_a_customer) == [("NOT_FOUND", ["customerId"])]
    assert codes(edit_blank) == codes(edit_null) == [("VALIDATION", ["text"])]
    assert codes(edit_past) == [("VALIDATION", ["expiresOn"])]
    assert codes(edit_customer) == codes(delete_customer) == [("NOT_FOUND", ["id"])]
    assert await notes(api, customer, expired=True) == ["Keep me."]
    assert [kind for kind, _ in await note_entries(api, customer)] == ["NOTE_ADDED"]


async def test_a_note_stays_within_its_organisation(api: Api, other_api: Api) -> None:
    customer = await person(api, "Olga")
    written = await note(api, customer, text="Ours.")

    by_node = await other_api.data(NODE, {"id": written["id"]})
    edited = await mutate(other_api, EDIT, {"input": {"id": written["id"], "text": "Theirs"}})
    deleted = await mutate(other_api, DELETE, {"id": written["id"]})
    added = await add_note(other_api, customer, text="On their customer.")

    assert by_node == {"node": None}
    assert codes(edited) == codes(deleted) == [("NOT_FOUND", ["id"])]
    assert codes(added) == [("NOT_FOUND", ["customerId"])]
    assert await notes(api, customer) == ["Ours."]
