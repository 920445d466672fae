"""Mailings in the API."""
