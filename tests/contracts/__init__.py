"""Test oracles built from the platforms' published API contracts (../shared/specs)."""
