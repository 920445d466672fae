"""Fundraising: campaigns and stages, opportunities with their five figures, pledges with
instalments, legacies, activities and invitations."""
