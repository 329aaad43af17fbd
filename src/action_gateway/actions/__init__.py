"""The action flow and the lookups: what the API asks of the platforms, and how it runs."""
