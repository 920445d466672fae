"""Message-driven workers: dramatiq actors that take ids, do one job and are idempotent."""
