"""Tests of the Shopify Admin GraphQL simulator."""
