"""Mini-program members: WeChat bindings, VIP tier rules, claim document checklists, renewal quote requests."""

from __future__ import annotations
