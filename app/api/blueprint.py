"""flask-smorest's Blueprint without the schema objects it builds on every request.

`@blp.arguments(SomeArgs)` and `@blp.paginate` hand webargs their schemas as classes, which
webargs instantiates (copying every field) on each parse, and pagination builds a
PaginationMetadataSchema for every X-Pagination header. On the mini-program's busiest list each
of the two schemas was about a tenth of the request. Same parameters, same errors, same header.
"""

from __future__ import annotations

from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import Schema
from webargs.flaskparser import FlaskParser


class _SchemaOnceParser(FlaskParser):
    """A schema class is instantiated once, then reused (a schema instance keeps no per-parse state)."""

    def __init__(self):
        super().__init__()
        self._instances: dict[type[Schema], Schema] = {}

    def parse(self, argmap, req=None, **kwargs):
        if isinstance(argmap, type) and issubclass(argmap, Schema):
            argmap = self._instances.get(argmap) or self._instances.setdefault(argmap, argmap())
        return super().parse(argmap, req, **kwargs)


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = _SchemaOnceParser()
    PAGINATION_ARGUMENTS_PARSER = _SchemaOnceParser()

    @staticmethod
    def _make_pagination_metadata(page, page_size, item_count):
        """flask-smorest's metadata (the dict its PaginationMetadataSchema would dump: plain ints)."""
        if item_count == 0:
            return {"total": 0, "total_pages": 0}
        last_page = (item_count - 1) // page_size + 1
        metadata = {"total": item_count, "total_pages": last_page, "first_page": 1, "last_page": last_page}
        if page <= last_page:
            metadata["page"] = page
            if page > 1:
                metadata["previous_page"] = page - 1
            if page < last_page:
                metadata["next_page"] = page + 1
        return metadata
