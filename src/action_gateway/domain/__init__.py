"""Platform-neutral models and the action flow."""
