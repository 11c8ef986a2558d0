"""Append-only audit trail: who did what, when, from where (logins, reveals, exports, contact changes)."""
