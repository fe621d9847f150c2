"""get_or_404: the row by primary key, or NotFound with a Chinese message, in and out of requests."""

from __future__ import annotations

import pytest

from app.errors import NotFound
from app.models import OrgLevel
from app.services.knowledge import articles
from app.services.lookups import get_or_404
from tests import factories as f


def test_the_row_or_a_not_found_that_says_what_is_missing(db):
    branch = f.org_unit(OrgLevel.branch, f.org_unit(OrgLevel.company))
    db.session.commit()
    assert get_or_404(type(branch), branch.id, "机构不存在") is branch
    with pytest.raises(NotFound) as missing:
        get_or_404(type(branch), branch.id + 100, "机构不存在")
    assert (missing.value.message, missing.value.code, missing.value.status) == ("机构不存在", "not_found", 404)
    # db.session.get's options pass through (the outbox's requeue locks the row it reads).
    assert get_or_404(type(branch), branch.id, "机构不存在", with_for_update=True, populate_existing=True) is branch


def test_a_service_outside_any_request_raises_it(db):
    with pytest.raises(NotFound, match="分类不存在"):
        articles.get_category(2_000_000_000)
