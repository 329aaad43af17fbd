"""Platform adapters behind one small Protocol, chosen from an explicit registry."""
