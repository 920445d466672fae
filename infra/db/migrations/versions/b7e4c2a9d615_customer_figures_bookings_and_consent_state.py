"""per-customer figures, bookings per performance and the latest consent, kept by triggers

Revision ID: b7e4c2a9d615
Revises: 4c8e2a6f1d93
Create Date: 2026-12-02 15:00:00.000000

Segment criteria read what each customer booked, donated and spent, and their latest consent
answer, from rows the database keeps itself: a trigger on every INSERT, UPDATE and DELETE of
`customer_order` and `order_item`, and on the consent ledger's INSERT and its one allowed
UPDATE (erasure unlinking an entry), writes them in the same statement. Nothing that writes
orders can forget them (the API, the box office's ingestion, returns, a bench generator's
raw INSERT … SELECT), and they commit or roll back with the rows they derive from.

On PostgreSQL the triggers are per statement over the transition tables, so a bulk INSERT of
millions of items aggregates them once; on SQLite (one writer at a time) per row. Both add
differences (`x = x + excluded.x`) in customer order, which keeps concurrent writers of the
same customer exact without recomputing from a snapshot that could miss the other's rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b7e4c2a9d615"
down_revision = "4c8e2a6f1d93"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# What one item row adds to its owner's figures, times `sign` (1 added, -1 taken away).
_KEPT = "returned_at IS NULL"
_FIGURES = {
    "spent": f"CASE WHEN {_KEPT} THEN sign * price ELSE 0 END",
    "donations": f"CASE WHEN {_KEPT} AND kind = 'DONATION' THEN sign ELSE 0 END",
    "donated": f"CASE WHEN {_KEPT} AND kind = 'DONATION' THEN sign * price ELSE 0 END",
    "tickets": f"CASE WHEN {_KEPT} AND kind = 'TICKET' THEN sign ELSE 0 END",
    "ticket_spend": f"CASE WHEN {_KEPT} AND kind = 'TICKET' THEN sign * price ELSE 0 END",
}
_ALL = ("orders", *_FIGURES)


def _add(table: str, key: str, columns: tuple[str, ...]) -> str:
    sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns)
    return f"ON CONFLICT ({key}) DO UPDATE SET {sets}"


def _item_changes(changed: str) -> list[str]:
    """Statements applying `changed` (rows of tenant_id, owner_id, kind, price, instance_id,
    returned_at, sign) to the figures and the bookings. A subquery, not a CTE: SQLite's
    triggers take none."""
    sums = ", ".join(f"sum({expr})" for expr in _FIGURES.values())
    moved = " OR ".join(f"sum({expr}) <> 0" for expr in _FIGURES.values())
    figures = f"""
        INSERT INTO customer_figures (customer_id, tenant_id, {", ".join(_ALL)})
        SELECT owner_id, tenant_id, 0, {sums} FROM ({changed}) AS changed WHERE true
        GROUP BY owner_id, tenant_id HAVING {moved} ORDER BY owner_id
        {_add("customer_figures", "customer_id", tuple(_FIGURES))}"""
    bookings = f"""
        INSERT INTO customer_booking (customer_id, instance_id, tenant_id, tickets, spend)
        SELECT owner_id, instance_id, tenant_id, sum(sign), sum(sign * price)
        FROM ({changed}) AS changed
        WHERE kind = 'TICKET' AND {_KEPT} AND instance_id IS NOT NULL
        GROUP BY owner_id, instance_id, tenant_id
        HAVING sum(sign) <> 0 OR sum(sign * price) <> 0 ORDER BY owner_id, instance_id
        {_add("customer_booking", "customer_id, instance_id", ("tickets", "spend"))}"""
    return [figures, bookings]


def _order_changes(changed: str) -> str:
    """`changed`: rows of owner_id, tenant_id, sign, one per order added or taken away."""
    zeros = ", ".join("0" for _ in _FIGURES)
    return f"""
        INSERT INTO customer_figures (customer_id, tenant_id, {", ".join(_ALL)})
        SELECT owner_id, tenant_id, sum(sign), {zeros} FROM ({changed}) AS changed WHERE true
        GROUP BY owner_id, tenant_id HAVING sum(sign) <> 0 ORDER BY owner_id
        {_add("customer_figures", "customer_id", ("orders",))}"""


_ITEM = "{r}.tenant_id, o.owner_id, {r}.kind, {r}.price, {r}.instance_id, {r}.returned_at"


def _items_of(rows: str, sign: int, alias: str = "r") -> str:
    """Item rows `rows` with their order's owner, times `sign`."""
    return (
        f"SELECT {_ITEM.format(r=alias)}, {sign} AS sign FROM {rows} {alias} "
        f"JOIN customer_order o ON o.id = {alias}.order_id"
    )


def _moved_items(orders_before: str, orders_after: str) -> str:
    """Every item of an order whose owner changed: away from the old owner, to the new."""
    base = (
        "SELECT i.tenant_id, {who}.owner_id, i.kind, i.price, i.instance_id, i.returned_at, "
        "{sign} AS sign FROM {before} b JOIN {after} a ON a.id = b.id "
        "JOIN order_item i ON i.order_id = b.id WHERE a.owner_id <> b.owner_id"
    )
    return " UNION ALL ".join(
        base.format(who=who, sign=sign, before=orders_before, after=orders_after)
        for who, sign in (("b", -1), ("a", 1))
    )


# The latest entry per customer and preference among `rows`; kept only if newer than the one
# already there (the ledger's order is its ids', whichever transaction commits first).
_LATEST_STATE = """
    INSERT INTO consent_state (customer_id, preference_id, tenant_id, state, entry_id)
    SELECT customer_id, preference_id, tenant_id, state, id FROM ({rows}) AS entries
    WHERE customer_id IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM ({rows}) AS later WHERE later.customer_id = entries.customer_id
        AND later.preference_id = entries.preference_id AND later.id > entries.id)
    ORDER BY customer_id, preference_id
    ON CONFLICT (customer_id, preference_id) DO UPDATE
    SET state = excluded.state, entry_id = excluded.entry_id
    WHERE consent_state.entry_id < excluded.entry_id"""


def _postgresql_triggers() -> None:
    def function(name: str, statements: list[str]) -> None:
        body = ";\n".join(statements)
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{body};\nRETURN NULL;\nEND $$"
        )

    def trigger(name: str, table: str, event: str, referencing: str) -> None:
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )

    function("figures_items_added", _item_changes(_items_of("added", 1)))
    trigger("figures_items_added", "order_item", "INSERT", "NEW TABLE AS added")
    function("figures_items_removed", _item_changes(_items_of("removed", -1)))
    trigger("figures_items_removed", "order_item", "DELETE", "OLD TABLE AS removed")
    changed_items = f"{_items_of('before_rows', -1)} UNION ALL {_items_of('after_rows', 1)}"
    function("figures_items_changed", _item_changes(changed_items))
    trigger(
        "figures_items_changed",
        "order_item",
        "UPDATE",
        "OLD TABLE AS before_rows NEW TABLE AS after_rows",
    )
    function(
        "figures_orders_added",
        [_order_changes("SELECT owner_id, tenant_id, 1 AS sign FROM added")],
    )
    trigger("figures_orders_added", "customer_order", "INSERT", "NEW TABLE AS added")
    function(
        "figures_orders_removed",
        [_order_changes("SELECT owner_id, tenant_id, -1 AS sign FROM removed")],
    )
    trigger("figures_orders_removed", "customer_order", "DELETE", "OLD TABLE AS removed")
    owners = (
        "SELECT {who}.owner_id, {who}.tenant_id, {sign} AS sign FROM before_rows b "
        "JOIN after_rows a ON a.id = b.id WHERE a.owner_id <> b.owner_id"
    )
    function(
        "figures_orders_changed",
        [
            _order_changes(
                " UNION ALL ".join(
                    owners.format(who=who, sign=sign) for who, sign in (("b", -1), ("a", 1))
                )
            ),
            *_item_changes(_moved_items("before_rows", "after_rows")),
        ],
    )
    trigger(
        "figures_orders_changed",
        "customer_order",
        "UPDATE",
        "OLD TABLE AS before_rows NEW TABLE AS after_rows",
    )
    function("consent_state_appended", [_LATEST_STATE.format(rows="SELECT * FROM added")])
    trigger("consent_state_appended", "consent_entry", "INSERT", "NEW TABLE AS added")
    # Erasure unlinks every entry of the customer: their answers go, and whatever is still
    # linked for those pairs (nothing, after an erasure) is the latest again.
    pairs = "SELECT DISTINCT customer_id, preference_id FROM before_rows"
    function(
        "consent_state_unlinked",
        [
            f"DELETE FROM consent_state WHERE (customer_id, preference_id) IN ({pairs})",
            _LATEST_STATE.format(
                rows="SELECT e.* FROM consent_entry e WHERE (e.customer_id, e.preference_id) "
                f"IN ({pairs})"
            ),
        ],
    )
    trigger(
        "consent_state_unlinked",
        "consent_entry",
        "UPDATE",
        "OLD TABLE AS before_rows NEW TABLE AS after_rows",
    )


def _sqlite_triggers() -> None:
    def trigger(name: str, when: str, statements: list[str], condition: str = "") -> None:
        body = ";\n".join(statements)
        guard = f" WHEN {condition}" if condition else ""
        op.execute(f"CREATE TRIGGER {name} AFTER {when}{guard} BEGIN\n{body};\nEND")

    def row(of: str, sign: int) -> str:
        return (
            f"SELECT {_ITEM.format(r=of)}, {sign} AS sign FROM customer_order o "
            f"WHERE o.id = {of}.order_id"
        )

    trigger("figures_items_added", "INSERT ON order_item", _item_changes(row("NEW", 1)))
    trigger("figures_items_removed", "DELETE ON order_item", _item_changes(row("OLD", -1)))
    counted = ("order_id", "kind", "price", "instance_id", "returned_at")
    trigger(
        "figures_items_changed",
        "UPDATE ON order_item",
        [*_item_changes(row("OLD", -1)), *_item_changes(row("NEW", 1))],
        " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in counted),
    )
    one = "SELECT {r}.owner_id AS owner_id, {r}.tenant_id AS tenant_id, {sign} AS sign"
    trigger(
        "figures_orders_added",
        "INSERT ON customer_order",
        [_order_changes(one.format(r="NEW", sign=1))],
    )
    trigger(
        "figures_orders_removed",
        "DELETE ON customer_order",
        [_order_changes(one.format(r="OLD", sign=-1))],
    )
    moved = (
        "SELECT i.tenant_id, {r}.owner_id, i.kind, i.price, i.instance_id, i.returned_at, "
        "{sign} AS sign FROM order_item i WHERE i.order_id = OLD.id"
    )
    trigger(
        "figures_orders_changed",
        "UPDATE OF owner_id ON customer_order",
        [
            _order_changes(one.format(r="OLD", sign=-1)),
            _order_changes(one.format(r="NEW", sign=1)),
            *_item_changes(moved.format(r="OLD", sign=-1)),
            *_item_changes(moved.format(r="NEW", sign=1)),
        ],
        "OLD.owner_id IS NOT NEW.owner_id",
    )
    entry = (
        "SELECT NEW.id AS id, NEW.customer_id AS customer_id, "
        "NEW.preference_id AS preference_id, NEW.tenant_id AS tenant_id, NEW.state AS state"
    )
    trigger(
        "consent_state_appended",
        "INSERT ON consent_entry",
        [_LATEST_STATE.format(rows=entry)],
        "NEW.customer_id IS NOT NULL",
    )
    trigger(
        "consent_state_unlinked",
        "UPDATE OF customer_id ON consent_entry",
        [
            "DELETE FROM consent_state WHERE customer_id = OLD.customer_id "
            "AND preference_id = OLD.preference_id",
            _LATEST_STATE.format(
                rows="SELECT * FROM consent_entry WHERE customer_id = OLD.customer_id "
                "AND preference_id = OLD.preference_id"
            ),
        ],
        "OLD.customer_id IS NOT NULL",
    )


_TRIGGERS = (
    ("order_item", "figures_items_added"),
    ("order_item", "figures_items_removed"),
    ("order_item", "figures_items_changed"),
    ("customer_order", "figures_orders_added"),
    ("customer_order", "figures_orders_removed"),
    ("customer_order", "figures_orders_changed"),
    ("consent_entry", "consent_state_appended"),
    ("consent_entry", "consent_state_unlinked"),
)

# The figures of every customer with orders, from the rows as they are.
_BACKFILL = [
    f"""INSERT INTO customer_figures (customer_id, tenant_id, {", ".join(_ALL)})
        SELECT o.owner_id, o.tenant_id, count(DISTINCT o.id),
               {", ".join(f"coalesce(sum({e}), 0)" for e in _FIGURES.values())}
        FROM customer_order o
        LEFT JOIN (SELECT order_id, kind, price, returned_at, 1 AS sign FROM order_item) i
          ON i.order_id = o.id
        GROUP BY o.owner_id, o.tenant_id""",
    """INSERT INTO customer_booking (customer_id, instance_id, tenant_id, tickets, spend)
        SELECT o.owner_id, i.instance_id, o.tenant_id, count(*), sum(i.price)
        FROM order_item i JOIN customer_order o ON o.id = i.order_id
        WHERE i.kind = 'TICKET' AND i.returned_at IS NULL AND i.instance_id IS NOT NULL
        GROUP BY o.owner_id, i.instance_id, o.tenant_id""",
    """INSERT INTO consent_state (customer_id, preference_id, tenant_id, state, entry_id)
        SELECT e.customer_id, e.preference_id, e.tenant_id, e.state, e.id
        FROM consent_entry e
        WHERE e.customer_id IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM consent_entry l WHERE l.tenant_id = e.tenant_id
            AND l.customer_id = e.customer_id AND l.preference_id = e.preference_id
            AND l.id > e.id)""",
]


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        # No order, item or ledger entry may be written between the back-fill's snapshot and
        # the triggers' creation, or it would be in neither; reads go on. (SQLite's write
        # lock, taken by the first CREATE, does the same.)
        op.execute("LOCK TABLE customer_order, order_item, consent_entry IN SHARE MODE")
    op.create_table(
        "customer_figures",
        sa.Column("customer_id", Id, nullable=False),
        sa.Column("tenant_id", Id, nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in _ALL),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name="fk_customer_figures_customer_id_customer"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name="fk_customer_figures_tenant_id_tenant"
        ),
        sa.PrimaryKeyConstraint("customer_id", name="pk_customer_figures"),
    )
    op.create_table(
        "customer_booking",
        sa.Column("customer_id", Id, nullable=False),
        sa.Column("instance_id", Id, nullable=False),
        sa.Column("tenant_id", Id, nullable=False),
        sa.Column("tickets", sa.BigInteger(), nullable=False),
        sa.Column("spend", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name="fk_customer_booking_customer_id_customer"
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["event_instance.id"],
            name="fk_customer_booking_instance_id_event_instance",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name="fk_customer_booking_tenant_id_tenant"
        ),
        sa.PrimaryKeyConstraint("customer_id", "instance_id", name="pk_customer_booking"),
    )
    op.create_table(
        "consent_state",
        sa.Column("customer_id", Id, nullable=False),
        sa.Column("preference_id", Id, nullable=False),
        sa.Column("tenant_id", Id, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("entry_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name="fk_consent_state_customer_id_customer"
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["consent_entry.id"], name="fk_consent_state_entry_id_consent_entry"
        ),
        sa.ForeignKeyConstraint(
            ["preference_id"],
            ["contact_preference.id"],
            name="fk_consent_state_preference_id_contact_preference",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name="fk_consent_state_tenant_id_tenant"
        ),
        sa.PrimaryKeyConstraint("customer_id", "preference_id", name="pk_consent_state"),
    )
    # Filled before the triggers exist and before the indexes: on an organisation of
    # millions of items, one aggregation each, then one index build.
    for statement in _BACKFILL:
        op.execute(statement)
    op.create_index(
        "ix_customer_figures_donated",
        "customer_figures",
        ["tenant_id", "donated", "customer_id"],
        unique=False,
        postgresql_where=sa.text("donations > 0"),
        sqlite_where=sa.text("donations > 0"),
    )
    op.create_index(
        "ix_customer_booking_instance",
        "customer_booking",
        ["tenant_id", "instance_id", "customer_id"],
        unique=False,
        postgresql_include=["tickets", "spend"],
        postgresql_where=sa.text("tickets > 0"),
        sqlite_where=sa.text("tickets > 0"),
    )
    op.create_index(
        "ix_consent_state_preference",
        "consent_state",
        ["tenant_id", "preference_id", "state", "customer_id"],
        unique=False,
    )
    if not postgresql:
        _sqlite_triggers()
        return
    _postgresql_triggers()
    # Last, outside the transaction (VACUUM cannot run in one), once everything above has
    # committed: the criteria read these tables from their indexes alone only once the
    # visibility map says their pages are all visible, and plan by their statistics; both
    # at once rather than at autovacuum's next pass.
    with op.get_context().autocommit_block():
        op.execute("VACUUM (ANALYZE) customer_figures, customer_booking, consent_state")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, name in _TRIGGERS:
        if postgresql:
            op.execute(f"DROP TRIGGER {name} ON {table}")
            op.execute(f"DROP FUNCTION {name}()")
        else:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_index("ix_consent_state_preference", table_name="consent_state")
    op.drop_table("consent_state")
    op.drop_index("ix_customer_booking_instance", table_name="customer_booking")
    op.drop_table("customer_booking")
    op.drop_index("ix_customer_figures_donated", table_name="customer_figures")
    op.drop_table("customer_figures")
