"""Demo recordings: one normalized JSON file per account (package data)."""
