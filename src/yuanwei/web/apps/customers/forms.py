"""Forms of the customer pages (none yet)."""
