"""The kernel: mechanics every app shares (CSV for people, card-number detection).

It imports no other app of the project, so any app may import it (docs/core.md).
"""
