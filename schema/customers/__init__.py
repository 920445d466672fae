"""Customers in the API: Individuals, Organisations, relationships and households."""
