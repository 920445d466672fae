"""Read queries for the API: keyset pages and batched look-ups for dataloaders.

Every function takes the caller's tenant id and filters by it.
"""
