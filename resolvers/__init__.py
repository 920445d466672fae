"""The functions behind the schema's fields: thin, from input to a domain command or a read."""
