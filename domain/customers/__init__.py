"""Customers: Individuals and Organisations, their contact details, relationships and
households."""
