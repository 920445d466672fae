"""Consent in the API: preferences, questions, the ledger."""
