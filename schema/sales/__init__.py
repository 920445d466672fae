"""Sales in the API: catalogue, orders, returns, reservations, memberships and visits."""
