"""The bot's parser on the phrasings agents really type: synonyms, typos from the pinyin IME,
full-width digits, spaces inside numbers, mixed digits and Chinese numerals."""

from __future__ import annotations

import pytest

from bots.parser import Intent, chinese_number, masked_text, parse

I = Intent  # noqa: E741  (the table below reads better short)

# (message, intent, the slots that must be there)
PHRASINGS = [
    # find a customer: by name
    ("查客户 张三", I.find_customer, {"kind": "name", "value": "张三"}),
    ("查客护 张三", I.find_customer, {"kind": "name", "value": "张三"}),  # 户 -> 护, same sound
    ("找客户 王伟", I.find_customer, {"kind": "name", "value": "王伟"}),
    ("客户 李娜", I.find_customer, {"kind": "name", "value": "李娜"}),
    ("帮我查下张三", I.find_customer, {"kind": "name", "value": "张三"}),
    ("查一下 刘德华的信息", I.find_customer, {"kind": "name", "value": "刘德华"}),
    ("张三", I.find_customer, {"kind": "name", "value": "张三"}),
    ("王伟的保单", I.find_customer, {"kind": "name", "value": "王伟"}),
    ("张三电话", I.find_customer, {"kind": "name", "value": "张三"}),
    ("查客户 李慧芳", I.find_customer, {"kind": "name", "value": "李慧芳"}),  # 慧芳 sounds like 回访
    ("李慧芳", I.find_customer, {"kind": "name", "value": "李慧芳"}),
    ("石家庄顺通物流有限公司", I.find_customer, {"kind": "name", "value": "石家庄顺通物流有限公司"}),
    # ... by mobile
    ("13800138000", I.find_customer, {"kind": "mobile", "value": "13800138000"}),
    ("１３８００１３８０００", I.find_customer, {"kind": "mobile", "value": "13800138000"}),  # full-width
    ("138 0013 8000", I.find_customer, {"kind": "mobile", "value": "13800138000"}),
    ("138-0013-8000 是谁", I.find_customer, {"kind": "mobile", "value": "13800138000"}),
    ("查手机号13912345678", I.find_customer, {"kind": "mobile", "value": "13912345678"}),
    # ... by plate
    ("粤B12345 的保单", I.find_customer, {"kind": "plate", "value": "粤B12345"}),
    ("冀a12345", I.find_customer, {"kind": "plate", "value": "冀A12345"}),
    ("冀A 12345", I.find_customer, {"kind": "plate", "value": "冀A12345"}),
    ("冀Ａ１２３４５什么时候到期", I.find_customer, {"kind": "plate", "value": "冀A12345"}),
    ("京AD12345", I.find_customer, {"kind": "plate", "value": "京AD12345"}),  # new-energy plate
    ("车牌 冀F·8K9X2", I.find_customer, {"kind": "plate", "value": "冀F8K9X2"}),
    # ... by policy number, ID number, VIN
    ("保单 PDAA2026130100000001", I.find_customer, {"kind": "policy_number", "value": "PDAA2026130100000001"}),
    ("pdza2026130100000002", I.find_customer, {"kind": "policy_number", "value": "PDZA2026130100000002"}),
    ("11010519491231002X", I.find_customer, {"kind": "id_number", "value": "11010519491231002X"}),
    ("身份证 110105 19491231 002x 的客户", I.find_customer, {"kind": "id_number", "value": "11010519491231002X"}),
    ("LSVAB2BM000000012", I.find_customer, {"kind": "vin", "value": "LSVAB2BM000000012"}),
    # expiring policies
    ("本周到期", I.expiring, {"range": "week"}),
    ("这周到期的保单", I.expiring, {"range": "week"}),
    ("本月到期", I.expiring, {"range": "month"}),
    ("本月到其", I.expiring, {"range": "month"}),  # 期 -> 其
    ("这个月快到期的", I.expiring, {"range": "month"}),
    ("未来30天到期", I.expiring, {"days": 30}),
    ("未来３０天到期", I.expiring, {"days": 30}),
    ("60天内到期的保单", I.expiring, {"days": 60}),
    ("九十天到期", I.expiring, {"days": 90}),
    ("未来 90 天 到期", I.expiring, {"days": 90}),
    ("两个月内到期", I.expiring, {"days": 60}),
    ("下个月到期的", I.expiring, {"range": "next_month"}),
    ("快过期的保单", I.expiring, {}),
    ("下周要到期", I.expiring, {"range": "next_week"}),
    ("30天内的保单", I.expiring, {"days": 30}),
    # renewal tasks
    ("续保任务", I.renewal_tasks, {}),
    ("我的续保任务", I.renewal_tasks, {}),
    ("续报任务", I.renewal_tasks, {}),  # 保 -> 报
    ("待续保", I.renewal_tasks, {}),
    ("待跟进的客户", I.renewal_tasks, {}),
    # follow-ups
    ("跟进 冀A12345 已续保", I.follow_up, {"target": "冀A12345", "result": "renewed"}),
    ("跟进冀A12345已续保", I.follow_up, {"target": "冀A12345", "result": "renewed"}),
    ("跟进 冀A12345 已报价 3500", I.follow_up, {"result": "quoted", "amount": "3500.00"}),
    ("冀A12345 报价三千五", I.follow_up, {"result": "quoted", "amount": "3500.00"}),
    ("跟进 冀A12345 报价3千5", I.follow_up, {"result": "quoted", "amount": "3500.00"}),
    ("跟进 冀A12345 已报价 ３５００元", I.follow_up, {"result": "quoted", "amount": "3500.00"}),
    ("跟进 冀A12345 4200块 已报价", I.follow_up, {"result": "quoted", "amount": "4200.00"}),
    ("跟进 冀A12345 拒绝 原因 价格 转投 平安", I.follow_up,
     {"result": "refused", "reason": "价格", "insurer": "平安"}),
    ("冀A12345 不续了 嫌贵 去人保了", I.follow_up, {"result": "refused", "reason": "价格", "insurer": "人保"}),
    ("跟进 冀A12345 拒绝 车卖了", I.follow_up, {"result": "refused", "reason": "出售"}),
    ("跟进 冀A12345 联系不上", I.follow_up, {"result": "unreachable"}),
    ("冀A12345 电话打不通", I.follow_up, {"result": "unreachable"}),
    ("跟进 PDAA2026130100000001 客户说考虑一下", I.follow_up,
     {"target_kind": "policy_number", "result": "callback"}),
    ("跟进", I.follow_up, {}),
    # performance
    ("本月业绩", I.performance, {"period": "month"}),
    ("我的业绩", I.performance, {"period": "month"}),
    ("我的业积", I.performance, {"period": "month"}),  # 绩 -> 积
    ("今年业绩", I.performance, {"period": "year"}),
    ("今年的完成率", I.performance, {"period": "year"}),
    ("上个月业绩", I.performance, {"period": "last_month"}),
    ("排名", I.performance, {"period": "month"}),
    ("我排第几 排名", I.performance, {}),
    # team table
    ("团队业绩", I.team_performance, {"period": "month"}),
    ("团队", I.team_performance, {}),
    ("今年团队业绩", I.team_performance, {"period": "year"}),
    ("团对业绩", I.team_performance, {}),  # 队 -> 对
    ("各组业绩排名", I.team_performance, {}),
    # receivables
    ("应收保费", I.receivables, {}),
    ("未收保费", I.receivables, {}),
    ("还有哪些没交钱的", I.receivables, {}),
    ("欠费的保单", I.receivables, {}),
    # knowledge base
    ("条款 涉水", I.kb_search, {"query": "涉水"}),
    ("什么是三者险", I.kb_search, {"query": "什么是三者险"}),
    ("涉水险赔不赔", I.kb_search, {"query": "涉水险赔不赔"}),
    ("发动机进水怎么赔?", I.kb_search, {}),
    ("车上人员险保什么", I.kb_search, {}),
    ("交强险和商业险的区别", I.kb_search, {}),
    # announcements
    ("公告", I.announcements, {}),
    ("最新通知", I.announcements, {}),
    ("有什么新公高", I.announcements, {}),  # 告 -> 高
    # help and the rest
    ("帮助", I.help, {}),
    ("菜单", I.help, {}),
    ("？", I.help, {}),
    ("", I.help, {}),
    ("你好", I.greeting, {}),
    ("今天天气不错", I.unknown, {}),
    ("asdfgh", I.unknown, {}),
]


@pytest.mark.parametrize("text, intent, slots", PHRASINGS, ids=[p[0] or "<empty>" for p in PHRASINGS])
def test_phrasings(text, intent, slots):
    parsed = parse(text)
    assert parsed.intent == intent, parsed
    for key, value in slots.items():
        assert parsed.slots.get(key) == value, (key, parsed)


def test_there_are_enough_phrasings():
    assert len(PHRASINGS) >= 60
    assert {p[1] for p in PHRASINGS} == set(Intent)


@pytest.mark.parametrize("text, suggestion", [
    ("完成得咋样", "本月业绩"),  # shares 完成 with 完成率
    ("续保率", "续保任务"),
    ("保单过几天", "查客户 张三"),
    ("今天天气不错", "帮助"),
    ("xyz123", "帮助"),
])
def test_unknown_messages_suggest_the_nearest_command(text, suggestion):
    parsed = parse(text)
    assert parsed.intent == Intent.unknown and parsed.suggestion == suggestion


@pytest.mark.parametrize("text, value", [
    ("3500", "3500"), ("三千五", "3500"), ("3千5", "3500"), ("3.5千", "3500.0"), ("1万2", "12000"),
    ("一万二千三百", "12300"), ("九十", "90"), ("十五", "15"), ("两", "2"), ("三千零五十", "3050"),
])
def test_chinese_and_mixed_numbers(text, value):
    assert str(chinese_number(text)) == value


def test_the_log_masks_mobiles_and_id_numbers_however_they_were_typed():
    assert masked_text("客户 １３８ ００１３ ８０００ 身份证 110105194912310021") == \
        "客户 138****8000 身份证 1101**********0021"
