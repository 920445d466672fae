"""Repositories: domain objects in and out of tables, each scoped to one organisation."""
