"""WSGI entry point: `gunicorn wsgi:app`, and `flask --app wsgi ...` for every CLI command."""

from app import create_app

app = create_app()
