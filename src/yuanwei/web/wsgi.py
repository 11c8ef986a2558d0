"""WSGI entry point (gunicorn loads it through yuanwei.web.server)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yuanwei.web.settings")
application = get_wsgi_application()
