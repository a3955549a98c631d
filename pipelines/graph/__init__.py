"""The graph document: its shape, schema migrations and validation."""
