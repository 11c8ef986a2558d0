"""The data contract (DESIGN §3): table schemas, readers, validation and quarantine.

This package knows nothing of the layers above it (warehouse, engine, web).
"""
