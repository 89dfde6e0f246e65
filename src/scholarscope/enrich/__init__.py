"""Enrichment of works from their own text: field, code availability, venue."""
