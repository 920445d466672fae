"""Messages to workers: the broker, and the outbox relay that feeds it."""
