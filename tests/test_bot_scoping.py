"""What the bot tells each role: only their scope, masked; another team's customer reads exactly
like one that does not exist; every lookup in the audit log on channel bot."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import AuditChannel, AuditLog, RenewalFollowUp
from tests.bot_support import MOBILES, NAMES, PLATES, WeComServer, bot_config, office


@pytest.fixture
def wecom(app, client):
    with bot_config(app):
        yield WeComServer(client)


@pytest.fixture
def world(db):
    return office()


# Whose customers (by their agent's label) each WeCom user may find.
SEES = {
    "admin": {"a1", "a1b", "a2", "a3"},
    "bm1": {"a1", "a1b", "a2"},
    "s1": {"a1", "a1b", "a2"},
    "m1": {"a1", "a1b"},
    "m2": {"a2"},
    "a1": {"a1"},
    "a1b": {"a1b"},
    "a3": {"a3"},
    "r1": {"a1b"},  # the resident manager's dealer sold a1b's policy
}


def no_match(query: str) -> str:
    return f"未找到匹配「{query}」的客户。"


@pytest.mark.parametrize("userid", sorted(SEES))
def test_each_role_finds_exactly_its_scope_by_plate_mobile_and_name(wecom, world, userid):
    for owner in ("a1", "a1b", "a2", "a3"):
        for query, shown in ((PLATES[owner], PLATES[owner]), (MOBILES[owner], MOBILES[owner][:3] + "****"
                                                              + MOBILES[owner][-4:]), (NAMES[owner], NAMES[owner])):
            answer = wecom.say(userid, query).content
            if owner in SEES[userid]:
                assert answer.startswith("【客户】"), (userid, owner, query, answer)
                assert PLATES[owner] in answer
            else:
                # Word for word what a customer who does not exist gives.
                assert answer == no_match(shown), (userid, owner, query, answer)
    assert wecom.say(userid, "冀A99999").content == no_match("冀A99999")


def test_an_agent_learns_nothing_about_another_teams_customer(wecom, world):
    from app.security.fields import mask_id_number, mask_mobile

    other = world.customers["a3"]
    for query, shown in ((PLATES["a3"], PLATES["a3"]), (MOBILES["a3"], mask_mobile(MOBILES["a3"])),
                         (NAMES["a3"], NAMES["a3"]), (world.policies["a3"].number, world.policies["a3"].number),
                         (other.id_number, mask_id_number(other.id_number))):
        assert wecom.say("a1", query).content == no_match(shown), query
    # Nor can they record a follow-up on that car: the same words as for a car nobody has.
    theirs = wecom.say("a1", f"跟进 {PLATES['a3']} 已续保").content
    nobody = wecom.say("a1", "跟进 冀A99999 已续保").content
    assert theirs.replace(PLATES["a3"], "X") == nobody.replace("冀A99999", "X")
    assert _db.session.scalar(select(func.count()).select_from(RenewalFollowUp)) == 0
    # Nor see it among expiring policies or tasks.
    for command in ("未来30天到期", "续保任务", "应收保费"):
        text = wecom.say("a1", command).content
        assert PLATES["a1"] in text and PLATES["a3"] not in text, command


def test_managers_lists_cover_their_teams_only(wecom, world):
    text = wecom.say("m1", "未来30天到期").content
    assert PLATES["a1"] in text and PLATES["a1b"] in text and PLATES["a2"] not in text
    text = wecom.say("s1", "续保任务").content
    assert {p for o, p in PLATES.items() if p in text} == {PLATES["a1"], PLATES["a1b"], PLATES["a2"]}


def test_resident_managers_see_dealer_customers_masked(wecom, world):
    card = wecom.say("r1", PLATES["a1b"]).content
    assert "钱*丫" in card and "钱二丫" not in card
    assert "证件" not in card and "139****0002" in card


def test_lookups_are_audited_on_channel_bot_with_the_asker(wecom, world):
    wecom.say("a1", MOBILES["a1"])
    wecom.say("a1", MOBILES["a3"])
    rows = _db.session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert all(r.channel == AuditChannel.bot and r.staff_id == world.staff["a1"].id for r in rows)
    searches = [r for r in rows if r.action == "search"]
    assert [s.detail["ids"] for s in searches] == [[world.customers["a1"].id], []]
    # The audit keeps the searched number masked, with its keyed hash for investigators.
    assert searches[1].detail["q"] == "139****0004" and "q_hash" in searches[1].detail
    assert [(r.action, r.entity_id) for r in rows if r.action == "read"] == [("read", str(world.customers["a1"].id))]
