"""Segments, lists, breakdowns and audience measures in the API."""
