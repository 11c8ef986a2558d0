"""The Django project: settings, urls and apps/ (one app per domain)."""
