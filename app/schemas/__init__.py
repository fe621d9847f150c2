"""Marshmallow schemas, one module per audience where the views differ."""
