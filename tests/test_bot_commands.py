"""The bot's commands end to end (WeCom crypto in, decrypted answer out): the numbers and lines a
staff member reads for performance, the team table, receivables, expiring policies, tasks,
follow-ups, customer cards, the knowledge base and announcements."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.models import CodeKind, Line, Policy, RenewalFollowUp, RenewalRecord, VipTier
from app.models.bot import BotCommand, BotOutcome
from app.timeutil import business_today
from tests import factories as f
from tests.bot_support import PLATES, WeComServer, bot_config, office

SAMPLES = Path(__file__).resolve().parent.parent / "docs" / "samples" / "kb"


@pytest.fixture
def wecom(app, client):
    with bot_config(app):
        yield WeComServer(client)


@pytest.fixture
def world(db):
    return office()


@pytest.fixture
def month_book(world):
    """This month: a1 wrote 3,000 commercial against plans of 6,000 commercial + 1,000 ctpl;
    a1b wrote 5,000 commercial against 5,000; a2 wrote 800 with no plan."""
    today = business_today()
    first = today.replace(day=1)
    for label, written in (("a1", "3000.00"), ("a1b", "5000.00"), ("a2", "800.00")):
        agent = world.staff[label]
        f.policy(customer=world.customers[label], agent=agent, start=today, written=written)
    f.plan(first, Line.commercial, "6000.00", agent=world.staff["a1"])
    f.plan(first, Line.ctpl, "1000.00", agent=world.staff["a1"])
    f.plan(first, Line.commercial, "5000.00", agent=world.staff["a1b"])
    _db.session.commit()
    return world


def test_an_agents_performance_by_line_against_plan_with_rank_in_team(wecom, month_book):
    text = wecom.say("a1", "本月业绩").content
    assert "【" in text and "业务一" in text
    assert "交强险:签单0.00元 / 计划1,000.00元,完成0.0%" in text
    assert "商业险:签单3,000.00元 / 计划6,000.00元,完成50.0%" in text
    assert "合计:签单3,000.00元 / 计划7,000.00元,完成42.9%" in text
    assert "团队内排名:第2名 / 共2人" in text  # a1b completed 100%
    assert "第1名 / 共2人" in wecom.say("a1b", "我的业积").content


def test_a_team_managers_performance_is_the_teams_with_rank_among_the_branch_teams(wecom, month_book):
    text = wecom.say("m1", "本月业绩").content
    assert "合计:签单8,000.00元 / 计划12,000.00元,完成66.7%" in text
    assert "支公司内排名:第1名 / 共2个团队" in text


def test_the_team_table_is_for_managers_and_ranks_agents_by_completion(wecom, month_book):
    from jobs import bot as bot_jobs

    refused = wecom.say("a1", "团队业绩")
    assert "团队经理及以上" in refused.content
    assert _db.session.scalars(select(BotCommand.outcome)).all()[-1] == BotOutcome.refused

    assert "正在查询" in wecom.say("m1", "团队业绩").content
    command = _db.session.scalars(select(BotCommand).where(BotCommand.outcome == BotOutcome.deferred)).one()
    bot_jobs.answer_deferred(command.id)
    from app.models.messaging import OutboxMessage

    body = _db.session.scalars(select(OutboxMessage.body_text)).one()
    lines = body.splitlines()
    assert lines[1].startswith("1. 业务一乙 签单5,000.00 计划5,000.00 完成100.0%")
    assert lines[2].startswith("2. 业务一 签单3,000.00 计划7,000.00 完成42.9%")
    assert lines[-1] == "合计:交强险0.00 商业险8,000.00 共8,000.00 / 计划12,000.00,完成66.7%"


def test_a_supervisors_team_table_lists_their_teams(wecom, month_book):
    from app.models.messaging import OutboxMessage
    from jobs import bot as bot_jobs

    wecom.say("s1", "团队业绩")
    command = _db.session.scalars(select(BotCommand)).one()
    bot_jobs.answer_deferred(command.id)
    body = _db.session.scalars(select(OutboxMessage.body_text)).one()
    assert "共2个团队" in body and "共8,800.00 / 计划12,000.00" in body


def test_receivables_total_and_oldest_first(wecom, world):
    ctpl = _db.session.scalars(select(Policy).where(Policy.agent_id == world.staff["a1"].id,
                                                      Policy.line == Line.ctpl)).one()
    ctpl.collected_premium = Decimal("950.00")
    world.policies["a1"].collected_premium = Decimal("1000.00")
    _db.session.commit()
    text = wecom.say("a1", "未收保费").content
    assert text.startswith("【应收保费】1张保单未收齐,合计2,000.00元")
    assert f"{PLATES['a1']} 赵一鸣 商业险 未收2,000.00" in text


def test_expiring_ranges(wecom, world):
    assert "1张保单" in wecom.say("a1", "未来30天到期").content
    assert "没有到期的保单" in wecom.say("a1", "未来10天到期").content
    text = wecom.say("a1", "六十天内到期").content
    assert PLATES["a1"] in text and "剩20天" in text


def test_renewal_tasks_show_the_latest_follow_up(wecom, world):
    assert "未跟进" in wecom.say("a1", "续保任务").content
    wecom.say("a1", f"跟进 {PLATES['a1']} 联系不上")
    text = wecom.say("a1", "续保任务").content
    assert "【续保任务】待跟进1条" in text and "最近:无法联系" in text


def test_a_refusal_records_the_reason_and_the_destination_insurer(wecom, world):
    price = f.code(CodeKind.lapse_reason, "price", "价格原因")
    pingan = f.code(CodeKind.insurer, "pingan", "平安产险")
    _db.session.commit()
    text = wecom.say("a1", f"跟进 {PLATES['a1']} 拒绝 原因 价格 转投 平安").content
    assert text == f"已记录 {PLATES['a1']}(赵一鸣)的续保任务:拒绝续保,原因:价格原因,转投:平安产险。"
    follow_up = _db.session.scalars(select(RenewalFollowUp)).one()
    assert (follow_up.lapse_reason_id, follow_up.destination_insurer_id) == (price.id, pingan.id)
    record = _db.session.get(RenewalRecord, world.renewals["a1"].id)
    assert (record.lapse_reason_id, record.destination_insurer_id) == (price.id, pingan.id)


def test_a_quote_without_an_amount_is_asked_for_and_nothing_recorded(wecom, world):
    assert "请写上报价金额" in wecom.say("a1", f"跟进 {PLATES['a1']} 已报价").content
    assert "请说明跟进结果" in wecom.say("a1", f"跟进 {PLATES['a1']}").content
    assert _db.session.scalars(select(RenewalFollowUp)).all() == []


def test_the_card_shows_birthday_tier_vehicles_policies_claims_and_follow_ups(wecom, world):
    customer = world.customers["a1"]
    customer.vip_tier = VipTier.gold
    customer.birthday = business_today() - timedelta(days=365 * 40) + timedelta(days=3)
    _db.session.commit()
    wecom.say("a1", f"跟进 {PLATES['a1']} 已报价 4200")
    card = wecom.say("a1", "查客户 赵一鸣").content
    assert card.startswith("【客户】赵一鸣(黄金客户)")
    assert f"生日:{customer.birthday.month}月{customer.birthday.day}日" in card and "天)" in card
    assert f"车辆:{PLATES['a1']} 大众 朗逸" in card
    assert "未结赔案:" in card and "估损4,200.00" in card
    assert "最近跟进:" in card and "已报价 4,200.00(业务一)" in card
    assert "业务员:业务一" in card


def test_several_matches_list_the_customers_to_choose_from(wecom, world):
    for name in ("赵一鸣飞", "赵一鸣辉"):
        f.customer(agent=world.staff["a1"], name=name)
    _db.session.commit()
    text = wecom.say("a1", "查客户 赵一鸣").content
    assert text.startswith("找到3位客户") and "1. 赵一鸣 139****0001" in text  # exact name first


def test_a_name_lookup_takes_like_wildcards_literally(world):
    from app.auth.viewer import Viewer
    from app.models import AuditChannel
    from app.services import staff_work

    f.customer(agent=world.staff["a1"], name="赵_明")
    _db.session.commit()
    viewer = Viewer(channel=AuditChannel.bot, staff=world.staff["a1"])
    # "_" and "%" are characters of the name, not LIKE wildcards (赵一鸣 must not match 赵_).
    assert [c.name for c in staff_work.find_customers(viewer, "name", "赵_")] == ["赵_明"]
    assert staff_work.find_customers(viewer, "name", "%") == []
    assert [c.name for c in staff_work.find_customers(viewer, "name", "赵一鸣")] == ["赵一鸣"]


def test_unknown_messages_get_the_nearest_command(wecom, world):
    text = wecom.say("a1", "完成得咋样").content
    assert text == "抱歉,没看懂这句话。您是不是想:「本月业绩」?\n发送「帮助」查看全部命令。"
    assert _db.session.scalars(select(BotCommand.outcome)).one() == BotOutcome.not_understood


def test_help_lists_every_command_but_the_team_table_for_agents(wecom, world):
    agent, manager = wecom.say("a1", "帮助").content, wecom.say("m1", "帮助").content
    for word in ("查客户", "到期保单", "续保任务", "记录跟进", "我的业绩", "应收保费", "知识库", "公告"):
        assert word in agent
    assert "团队业绩" not in agent and "团队业绩" in manager


def test_the_knowledge_base_answers_with_passages_and_links(wecom, world):
    from app.services.knowledge import articles

    articles.load_directory(SAMPLES)
    text = wecom.say("a1", "条款 涉水 发动机").content
    assert text.startswith("【知识库】「涉水 发动机」")
    assert "涉水" in text and 'href="https://ops.example.com/staff/kb/' in text
    assert "知识库中没有找到" in wecom.say("a1", "条款 火星移民").content


def test_announcements_list_the_latest_for_the_asker(wecom, world):
    from app.auth.viewer import Viewer
    from app.models import AuditChannel
    from app.services import announcements

    admin = Viewer(channel=AuditChannel.admin, staff=world.staff["admin"])
    item = announcements.create_announcement(admin, {"title": "关于车险综改的通知", "body": "各支公司:……",
                                                     "targets": [world.units["company"].id]})
    announcements.publish(admin, item.id)
    text = wecom.say("a1", "公告").content
    assert "【最新公告】" in text and "关于车险综改的通知" in text and "/staff/announcements/" in text


def test_the_bot_log_page_lists_commands_masked_for_admins(client, wecom, world):
    wecom.say("a1", "13900000001")
    wecom.say("stranger", "帮助")
    with client.session_transaction() as sess:
        sess["staff_id"], sess["token_version"] = world.staff["admin"].id, world.staff["admin"].token_version
    html = client.get("/admin/bot-log").get_data(as_text=True)
    assert "机器人日志" in html and "139****0001" in html and "13900000001" not in html
    assert "查客户" in html and "未开通用户" in html and "stranger" in html
    only_refused = client.get("/admin/bot-log", query_string={"outcome": "refused"}).get_data(as_text=True)
    assert "stranger" in only_refused and "139****0001" not in only_refused
    assert client.get("/admin/bot-log", query_string={"outcome": "nonsense"}).status_code == 422
    # A branch manager sees their branch's staff only; a supervisor has no access.
    with client.session_transaction() as sess:
        sess["staff_id"], sess["token_version"] = world.staff["s1"].id, world.staff["s1"].token_version
    assert client.get("/admin/bot-log").status_code == 403
