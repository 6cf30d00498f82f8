"""Service-desk and knowledge-base connectors behind one protocol."""
