"""Consent: contact preferences, the append-only consent ledger and the questions a purchase
path asks."""
