"""HTTP API: thin routes over the flows; errors rendered in one place."""
