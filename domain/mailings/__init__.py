"""Mailings: templates written by staff, sent to a segment or list under a preference."""
