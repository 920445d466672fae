"""Writing export files."""
