"""The `foyer` command."""
