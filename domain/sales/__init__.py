"""Sales: events and their instances, partner companies, funds and membership schemes;
orders with their items, returns, reservations, memberships and visits."""
