"""Outreach: the daily market brief, message templates, compliance checks, SMS segments and gateways.

Pure Python (no Django): the web app's outbox stores messages and calls these pieces.
"""
