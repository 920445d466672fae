"""The Relay `Node` interface: every object with a global id."""

from __future__ import annotations

import strawberry

from resolvers.global_ids import to_global_id


@strawberry.interface(description="An object with a global id, fetchable with `node(id:)`.")
class Node:
    pk: strawberry.Private[int]

    @strawberry.field(description="Globally unique, opaque id of this object.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id(type(self).__name__, self.pk))
