"""Pure domain: models and logic, no I/O and no Qt."""
