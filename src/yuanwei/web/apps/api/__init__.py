"""The JSON API (django-ninja): tokens, tasks, customers, contacts. OpenAPI at /api/docs."""
