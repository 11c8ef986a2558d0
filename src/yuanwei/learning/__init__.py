"""Propensity and call-time models learned from contact outcomes. Never imports Django."""
