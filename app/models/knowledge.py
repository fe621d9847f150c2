"""The knowledge base (clauses, regulations, FAQ) and staff announcements."""

from __future__ import annotations
