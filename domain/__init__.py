"""Foyer's domain: the arts organisation's customers, sales and fundraising, in plain Python.

Nothing here imports anything but the standard library; persistence, messaging and the API
live in the outer layers and call in.
"""
