"""Daily journals: models arrive with the journals issue (build, seal, send)."""
