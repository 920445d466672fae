"""Fundraising in the API (the Opportunities side of the customer record)."""
