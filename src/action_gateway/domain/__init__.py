"""Platform-neutral vocabulary: the models, money, phones and refund arithmetic."""
