"""Foyer's infrastructure: settings, database, messaging, auth, files and the `foyer` command."""
