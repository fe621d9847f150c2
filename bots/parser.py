"""Understanding a staff member's short Chinese message: an intent with its slots.

The steps, in order:
1. normalise: NFKC (full-width digits, letters and punctuation become ASCII), letters upper-cased,
   the digit groups of a mobile or ID number written with spaces or dashes joined;
2. entities: mobile, ID number, VIN, plate, policy number, amounts and time ranges, each found by
   its shape wherever it stands in the text;
3. keywords: every intent has a lexicon; a keyword is found exactly, by sound (a pinyin-IME typo
   such as 业积 for 业绩 or 到其 for 到期) or, from four characters up, one character off;
4. rules, most specific first (a follow-up needs a result and a car; a plate makes a customer
   lookup; ...), then slot extraction from what the keywords and entities leave over;
5. anything else gets the nearest command as a suggestion (the most characters shared with its words).

Pure functions, no database: tests run it on hundreds of phrasings in milliseconds.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from pypinyin import lazy_pinyin

from app.security.fields import mask_id_number, mask_mobile


class Intent(enum.StrEnum):
    help = "help"
    find_customer = "find_customer"
    expiring = "expiring"
    renewal_tasks = "renewal_tasks"
    follow_up = "follow_up"
    performance = "performance"
    team_performance = "team_performance"
    receivables = "receivables"
    kb_search = "kb_search"
    announcements = "announcements"
    greeting = "greeting"
    unknown = "unknown"


INTENT_LABELS = {
    Intent.help: "帮助",
    Intent.find_customer: "查客户",
    Intent.expiring: "到期保单",
    Intent.renewal_tasks: "续保任务",
    Intent.follow_up: "记录跟进",
    Intent.performance: "我的业绩",
    Intent.team_performance: "团队业绩",
    Intent.receivables: "应收保费",
    Intent.kb_search: "知识库",
    Intent.announcements: "公告",
    Intent.greeting: "问候",
    Intent.unknown: "未识别",
}


class FollowUp(enum.StrEnum):
    """Mirrors app.models.FollowUpResult by value; the service maps it."""

    renewed = "renewed"
    quoted = "quoted"
    refused = "refused"
    unreachable = "unreachable"
    callback = "callback"


@dataclass(frozen=True)
class Parsed:
    intent: Intent
    slots: dict = field(default_factory=dict)
    # For Intent.unknown: the example command of the nearest intent.
    suggestion: str | None = None


# ---- normalising -------------------------------------------------------------------------------

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_SPLIT_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)[\s\-]?(\d{4})[\s\-]?(\d{4})(?!\d)")
_SPLIT_ID = re.compile(r"(?<!\d)(\d{6})[\s\-]?(\d{8})[\s\-]?(\d{3}[\dXx])(?![\dA-Za-z])")


def normalise(text: str) -> str:
    """Full-width to half-width, upper-case letters, mobile / ID digit groups joined, spaces squeezed."""
    text = unicodedata.normalize("NFKC", text or "").upper()
    text = text.replace("·", "").replace("•", "")
    text = _SPLIT_ID.sub(lambda m: "".join(m.groups()), text)
    text = _SPLIT_MOBILE.sub(lambda m: "".join(m.groups()), text)
    return re.sub(r"\s+", " ", text).strip()


_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Z])\d{17}[\dX](?![0-9A-Z])")


def masked_text(text: str) -> str:
    """The message as the command log keeps it: normalised, mobiles and ID numbers masked."""
    text = normalise(text)
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group()), text)
    return _MOBILE.sub(lambda m: mask_mobile(m.group()), text)


# ---- entities ----------------------------------------------------------------------------------

_PLATE = re.compile(
    rf"[{_PROVINCES}] ?[A-HJ-NP-Z] ?(?:[A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9挂学警港澳领]|[DF][A-HJ-NP-Z0-9]{{5}}"
    rf"|[A-HJ-NP-Z0-9]{{5}}[DF])(?![A-Z0-9])")
_VIN = re.compile(r"(?<![A-Z0-9])(?=[A-HJ-NPR-Z0-9]*[A-Z])(?=[A-HJ-NPR-Z0-9]*\d)[A-HJ-NPR-Z0-9]{17}(?![A-Z0-9])")
_POLICY_NUMBER = re.compile(r"(?<![A-Z0-9])[A-Z]{1,6}\d{8,30}(?![A-Z0-9])")
_CN_DIGITS = "零〇一二两三四五六七八九"
_CN_NUMBER = rf"(?:\d+(?:\.\d+)?|[{_CN_DIGITS}])[\d{_CN_DIGITS}十百千万.]*|[十百千万][\d{_CN_DIGITS}十百千万]*"


@dataclass
class Span:
    start: int
    end: int
    kind: str
    value: str


def _entities(text: str) -> list[Span]:
    found: list[Span] = []

    def add(pattern: re.Pattern, kind: str, value=lambda m: m.group()) -> None:
        for m in pattern.finditer(text):
            if any(s.start < m.end() and m.start() < s.end for s in found):
                continue
            found.append(Span(m.start(), m.end(), kind, value(m)))

    add(_ID_NUMBER, "id_number")
    add(_MOBILE, "mobile")
    add(_PLATE, "plate", lambda m: m.group().replace(" ", ""))
    add(_POLICY_NUMBER, "policy_number")
    add(_VIN, "vin")
    return sorted(found, key=lambda s: s.start)


_CN_VALUE = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}


def chinese_number(text: str) -> Decimal | None:
    """'3500', '三千五', '3千5', '3.5千', '1万2', '两个' -> the number; None if it is not one."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    total, section = Decimal(0), Decimal(0)
    number: Decimal | None = None
    last_unit: int | None = None
    tokens = re.findall(r"\d+(?:\.\d+)?|.", text)
    for token in tokens:
        if token[0].isdigit():
            number = Decimal(token)
        elif token in _CN_VALUE:
            number = Decimal(_CN_VALUE[token]) if number is None or number == 0 else number * 10 + _CN_VALUE[token]
        elif token in _CN_UNIT:
            section += (number if number is not None else Decimal(1)) * _CN_UNIT[token]
            number, last_unit = None, _CN_UNIT[token]
        elif token == "万":
            total += (section + (number or 0)) * 10000
            section, number, last_unit = Decimal(0), None, 10000
        elif token == ".":
            continue
        else:
            return None
    if number is not None:
        # "三千五" is 3500 and "1万2" 12000: a lone digit after a unit counts in the next unit down.
        if last_unit is not None and last_unit >= 100 and number < 10 and number == number.to_integral():
            number *= Decimal(last_unit) / 10
        section += number
    return total + section


# ---- keywords ----------------------------------------------------------------------------------

# Every keyword of every intent. Longer ones win over the shorter ones they contain.
LEXICON: dict[Intent, tuple[str, ...]] = {
    Intent.help: ("帮助", "菜单", "功能", "怎么用", "使用说明", "命令", "HELP", "你能做什么", "能干什么", "会什么"),
    Intent.greeting: ("你好", "您好", "在吗", "哈喽", "HELLO", "HI", "早上好", "下午好", "谢谢"),
    Intent.find_customer: ("查客户", "找客户", "查询客户", "搜客户", "客户信息", "客户资料", "客户", "查一下", "查下",
                           "查询", "查查", "搜索", "搜一下", "的保单", "保单号", "手机号", "电话", "车牌", "名下"),
    Intent.expiring: ("到期", "快到期", "即将到期", "要到期", "过期", "脱保", "到期保单"),
    Intent.renewal_tasks: ("续保任务", "我的任务", "待续保", "续保清单", "续保名单", "待跟进", "任务清单", "续保列表",
                           "任务"),
    Intent.follow_up: ("跟进", "回访", "登记", "记录"),
    Intent.performance: ("业绩", "完成率", "达成率", "排名", "完成情况", "计划完成", "签单保费", "我的保费"),
    Intent.team_performance: ("团队业绩", "团队", "全队", "组员", "各组", "团队排名", "部门业绩", "各团队", "本组",
                              "组内", "队员"),
    Intent.receivables: ("应收", "未收", "欠费", "未缴", "没交钱", "应收保费", "未收保费", "欠款", "未回款", "收费"),
    Intent.kb_search: ("条款", "什么是", "是什么", "怎么赔", "赔不赔", "能不能赔", "能赔吗", "如何", "怎么", "规定",
                       "法规", "政策", "知识库", "责任免除", "免赔", "保什么", "多少钱合适", "区别", "为什么"),
    Intent.announcements: ("公告", "通知", "新闻", "最新消息", "动态", "通告", "新规"),
}

_LEXICON_LONGEST_FIRST = tuple((intent, tuple(sorted(words, key=len, reverse=True))) for intent, words in LEXICON.items())

# Follow-up results, in the order they are tried (a refusal can say "不续保", which holds "续保").
RESULT_WORDS: tuple[tuple[FollowUp, tuple[str, ...]], ...] = (
    (FollowUp.unreachable, ("联系不上", "联系不到", "打不通", "没人接", "无人接听", "关机", "停机", "空号", "失联",
                            "不接电话", "未接通")),
    (FollowUp.refused, ("拒绝", "不续保", "不续了", "不续", "不保了", "不要了", "转投", "转保", "投了别家", "去了别家",
                        "不考虑", "放弃")),
    (FollowUp.quoted, ("已报价", "报价了", "报了价", "报价")),
    (FollowUp.renewed, ("已续保", "续保了", "续好了", "已续", "续了", "已出单", "出单了", "已投保", "签单了", "成交",
                        "已成交")),
    (FollowUp.callback, ("约了", "再联系", "改天", "考虑一下", "考虑考虑", "再考虑", "回头", "下次联系", "约定回访")),
)

# Canonical lapse-reason words (the service matches them to the lapse-reason code table).
REASON_WORDS = {
    "价格": ("价格", "太贵", "贵", "便宜", "价钱", "保费高", "优惠"),
    "服务": ("服务", "态度"),
    "出售": ("卖了", "出售", "卖车", "过户"),
    "报废": ("报废",),
    "理赔": ("理赔", "赔款慢", "赔得少"),
    "人情": ("人情", "熟人", "朋友", "亲戚", "关系"),
    "车商": ("车商", "4S店", "4S"),
}
# Insurer names as agents type them -> the two characters the insurer code table's names start with.
INSURER_ALIASES = {
    "平安": "平安", "人保": "人保", "人民保险": "人保", "PICC": "人保", "太保": "太保", "太平洋": "太保",
    "国寿": "国寿", "人寿": "国寿", "大地": "大地", "阳光": "阳光", "太平": "太平", "中华": "中华", "天安": "天安",
    "华安": "华安", "永安": "永安", "众安": "众安", "英大": "英大", "紫金": "紫金", "渤海": "渤海",
}

_PERIOD_WORDS = {
    "year": ("今年", "本年", "全年", "年度", "年累计", "年初至今", "本年度"),
    "last_month": ("上月", "上个月"),
    "month": ("本月", "这个月", "当月", "这月", "月度"),
}
_RANGE_WORDS = (
    ("week", ("本周", "这周", "本星期", "这星期", "这礼拜", "本礼拜")),
    ("next_week", ("下周", "下星期", "下礼拜")),
    ("next_month", ("下个月", "下月")),
    ("month", ("本月", "这个月", "当月", "这月", "月底前")),
    ("today", ("今天", "今日")),
    ("tomorrow", ("明天",)),
)
_DAYS = re.compile(rf"(?:未来|近|最近|之后|以后)?\s*({_CN_NUMBER})\s*(天|日|周|星期|个月|月)(?:内|之内|以内)?")
_AMOUNT_AFTER = re.compile(rf"(?:报价|报了价|价格|金额|报)\s*[::]?\s*({_CN_NUMBER})\s*(元|块|块钱)?")
_AMOUNT_ANY = re.compile(rf"({_CN_NUMBER})\s*(元|块|块钱)")

_FILLERS = ("帮我", "麻烦", "请", "一下", "看看", "看下", "看一下", "查", "找", "搜", "的", "呢", "吗", "吧", "啊", "了",
            "我要", "我想", "给我", "有没有", "信息", "资料", "情况", "名字", "叫", "姓名", "是")
_STRIP = re.compile(r"[\s,,.。!!??::;;、\"“”'‘’()()\[\]【】<>《》/\\]+")
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
_QUESTION = re.compile(r"[??]|吗$|呢$|么$|多少|哪些|怎样|能否|是否|可以吗|需要")

SURNAMES = set(
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪"
    "田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文欧司上诸")


@lru_cache(maxsize=8192)
def _sound(ch: str) -> str:
    """A character's pinyin without tone (itself for anything not Chinese)."""
    if "\u4e00" <= ch <= "\u9fff":
        return lazy_pinyin(ch)[0]
    return ch


@dataclass
class Hit:
    intent: Intent
    keyword: str
    start: int
    end: int
    exact: bool


def _find(keyword: str, text: str, sounds: list[str]) -> tuple[int, bool] | None:
    """Where `keyword` is in `text`: exactly, by sound, or (4+ characters) one character off."""
    at = text.find(keyword)
    if at >= 0:
        return at, True
    n = len(keyword)
    key_sounds = _sounds(keyword)
    if key_sounds is None:
        return None
    first = key_sounds[0]
    # The membership tests run in C and rule most keywords out before any Python loop.
    if first in sounds:
        for i in range(len(text) - n + 1):
            if sounds[i] == first and sounds[i:i + n] == key_sounds:
                return i, False
    if n >= 4 and keyword[0] in text:
        for i in range(len(text) - n + 1):
            window = text[i:i + n]
            if sum(a != b for a, b in zip(window, keyword, strict=True)) == 1 and window[0] == keyword[0]:
                return i, False
    return None


@lru_cache(maxsize=1024)
def _sounds(keyword: str) -> list[str] | None:
    """A Chinese keyword's sounds, None for keywords too short (or not Chinese) to match by sound."""
    if len(keyword) < 2 or not any("\u4e00" <= ch <= "\u9fff" for ch in keyword):
        return None
    return [_sound(ch) for ch in keyword]


def _keyword_hits(text: str, sounds: list[str]) -> list[Hit]:
    hits: list[Hit] = []
    for intent, words in _LEXICON_LONGEST_FIRST:
        for word in words:
            found = _find(word, text, sounds)
            if found is None:
                continue
            start, exact = found
            end = start + len(word)
            # A shorter keyword inside a longer one already found adds nothing.
            if any(h.start <= start and end <= h.end and h.intent == intent for h in hits):
                continue
            hits.append(Hit(intent, word, start, end, exact))
    return hits


def _has(hits: list[Hit], intent: Intent) -> bool:
    return any(h.intent == intent for h in hits)


def _first_word(text: str, words: tuple[str, ...]) -> tuple[str, int] | None:
    best = None
    for word in words:
        at = text.find(word)
        if at >= 0 and (best is None or at < best[1]):
            best = (word, at)
    return best


# ---- slots -------------------------------------------------------------------------------------

def _range_slots(text: str) -> dict:
    """The time range of an expiring-policies question: {"range": "week" | "month" | ..., } or {"days": n}."""
    m = _DAYS.search(text)
    if m:
        n = chinese_number(m.group(1))
        if n is not None and n > 0:
            unit = m.group(2)
            days = int(n * (30 if unit in ("个月", "月") else 7 if unit in ("周", "星期") else 1))
            return {"days": max(1, min(days, 365))}
    for name, words in _RANGE_WORDS:
        if any(w in text for w in words):
            return {"range": name}
    if "一周" in text or "一星期" in text:
        return {"days": 7}
    return {}


def _period(text: str) -> str:
    for name, words in _PERIOD_WORDS.items():
        if any(w in text for w in words):
            return name
    return "month"


def _amount(text: str) -> str | None:
    m = _AMOUNT_AFTER.search(text) or _AMOUNT_ANY.search(text)
    if not m:
        return None
    value = chinese_number(m.group(1))
    if value is None or value <= 0:
        return None
    try:
        return str(value.quantize(Decimal("0.01")))
    except InvalidOperation:
        return None


def _amount_with_unit(text: str) -> str | None:
    m = _AMOUNT_ANY.search(text)
    value = chinese_number(m.group(1)) if m else None
    return str(value.quantize(Decimal("0.01"))) if value else None


def _result(text: str, sounds: list[str]) -> tuple[FollowUp, str, int] | None:
    """The first follow-up result word found: (result, word, position)."""
    for result, words in RESULT_WORDS:
        for word in words:
            found = _find(word, text, sounds) if len(word) >= 3 else (
                (text.find(word), True) if word in text else None)
            if found is not None:
                return result, word, found[0]
    return None


def _insurer(text: str) -> str | None:
    for alias in sorted(INSURER_ALIASES, key=len, reverse=True):
        if alias in text:
            return INSURER_ALIASES[alias]
    return None


def _reason(text: str) -> str | None:
    for reason, words in REASON_WORDS.items():
        if any(w in text for w in words):
            return reason
    return None


def _leftover(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` without the spans (keywords, entities), fillers and punctuation."""
    keep = [ch for i, ch in enumerate(text) if not any(s <= i < e for s, e in spans)]
    rest = _STRIP.sub(" ", "".join(keep)).strip()
    for filler in sorted(_FILLERS, key=len, reverse=True):
        rest = rest.replace(filler, " ")
    return re.sub(r"\s+", " ", rest).strip()


def _looks_like_name(text: str) -> bool:
    return bool(_HAN.fullmatch(text)) and 2 <= len(text) <= 4 and text[0] in SURNAMES


def _follow_up(text: str, sounds: list[str], entities: list[Span]) -> Parsed:
    target = next((e for e in entities if e.kind in ("plate", "policy_number", "vin")), None)
    result = _result(text, sounds)
    slots: dict = {}
    if target is not None:
        slots["target_kind"], slots["target"] = target.kind, target.value
    if result is not None:
        kind, word, at = result
        slots["result"] = kind.value
        after = text[at + len(word):]
        if kind == FollowUp.quoted:
            # After the word ("已报价 3500"), else anywhere as money ("3500元 已报价").
            amount = _amount(text[at:]) or _amount_with_unit(text)
            if amount:
                slots["amount"] = amount
        if kind == FollowUp.refused:
            insurer = _insurer(after) or _insurer(text)
            if insurer:
                slots["insurer"] = insurer
            reason = _reason(after) or _reason(text)
            if reason:
                slots["reason"] = reason
    spans = [(e.start, e.end) for e in entities]
    note = _leftover(text, spans)
    for word in ("跟进", "回访", "登记", "记录", "结果"):
        note = note.replace(word, "")
    note = note.strip()
    if note:
        slots["note"] = note[:200]
    return Parsed(Intent.follow_up, slots)


def _customer_by_entity(entities: list[Span]) -> Parsed | None:
    for kind in ("mobile", "id_number", "plate", "policy_number", "vin"):
        entity = next((e for e in entities if e.kind == kind), None)
        if entity is not None:
            return Parsed(Intent.find_customer, {"kind": kind, "value": entity.value})
    return None


def parse(raw: str) -> Parsed:
    text = normalise(raw)
    compact = text.replace(" ", "")
    if not compact:
        return Parsed(Intent.help)
    sounds = [_sound(ch) for ch in compact]
    hits = _keyword_hits(compact, sounds)
    entities = _entities(text)
    has = {intent: _has(hits, intent) for intent in Intent}
    # 回访 sounds like the name 慧芳: the follow-up words count only when typed as they are.
    has[Intent.follow_up] = any(h.intent == Intent.follow_up and h.exact for h in hits)

    # 1. help, greetings: short messages that are mostly the keyword.
    if any(h.intent == Intent.help and h.exact for h in hits) and len(compact) <= 8 and not entities:
        return Parsed(Intent.help)
    if compact in ("?", "?", "HELP", "H"):
        return Parsed(Intent.help)
    if has[Intent.greeting] and len(compact) <= 6 and not entities:
        return Parsed(Intent.greeting)

    # 2. a follow-up: a result said about a car (or the word 跟进 with one).
    result = _result(compact, sounds)
    target = any(e.kind in ("plate", "policy_number", "vin") for e in entities)
    if (has[Intent.follow_up] and (target or result)) or (result and target):
        return _follow_up(text, [_sound(ch) for ch in text], entities)

    # 3. a mobile, plate, policy number, ID number or VIN: that customer.
    by_entity = _customer_by_entity(entities)
    if by_entity is not None:
        return by_entity

    # 4. reports about oneself or the team.
    if has[Intent.team_performance] and (has[Intent.performance] or len(compact) <= 6 or "业绩" in compact):
        return Parsed(Intent.team_performance, {"period": _period(compact)})
    if has[Intent.performance]:
        return Parsed(Intent.performance, {"period": _period(compact)})
    if has[Intent.receivables]:
        return Parsed(Intent.receivables)
    if has[Intent.expiring]:
        return Parsed(Intent.expiring, _range_slots(compact))
    if has[Intent.renewal_tasks] or compact in ("续保", "待办"):
        return Parsed(Intent.renewal_tasks)
    if has[Intent.follow_up]:
        return _follow_up(text, [_sound(ch) for ch in text], entities)
    if has[Intent.announcements]:
        return Parsed(Intent.announcements)
    if _range_slots(compact) and ("保单" in compact or "续保" in compact):
        return Parsed(Intent.expiring, _range_slots(compact))

    # 5. a customer by name: after a lookup word, or a bare name.
    if has[Intent.find_customer] and not has[Intent.kb_search]:
        spans = [(h.start, h.end) for h in hits if h.intent == Intent.find_customer]
        name = _leftover(compact, spans)
        if name:
            return Parsed(Intent.find_customer, {"kind": "name", "value": name.replace(" ", "")[:40]})
    if _looks_like_name(compact) and not any(h.exact for h in hits):
        return Parsed(Intent.find_customer, {"kind": "name", "value": compact})
    if compact.endswith(("公司", "有限公司")) and _HAN.fullmatch(compact) and len(compact) <= 40:
        return Parsed(Intent.find_customer, {"kind": "name", "value": compact})
    if compact.endswith(("的保单", "的车", "的客户")) and _looks_like_name(compact.rsplit("的", 1)[0]):
        return Parsed(Intent.find_customer, {"kind": "name", "value": compact.rsplit("的", 1)[0]})

    # 6. a question for the knowledge base.
    if has[Intent.kb_search] or _QUESTION.search(compact) or compact.endswith("险"):
        query = text
        for prefix in ("条款", "知识库", "查条款", "搜索", "请问", "问一下", "问下"):
            if query.startswith(prefix):
                query = query[len(prefix):]
        query = _STRIP.sub(" ", query).strip()
        if query:
            return Parsed(Intent.kb_search, {"query": query[:100]})

    return Parsed(Intent.unknown, {}, suggestion=suggest(compact))


# ---- the nearest command -----------------------------------------------------------------------

# What `帮助` lists, and what an unknown message is compared against: (intent, example, words).
COMMANDS: tuple[tuple[Intent, str, str], ...] = (
    (Intent.find_customer, "查客户 张三 / 13800138000 / 冀A12345 / 保单号", "查客户 客户 车牌 手机号 保单"),
    (Intent.expiring, "本月到期 / 本周到期 / 未来30天到期", "到期 过期 脱保 到期保单"),
    (Intent.renewal_tasks, "续保任务", "续保 任务 待续保 清单"),
    (Intent.follow_up, "跟进 冀A12345 已报价 3500 / 已续保 / 拒绝 原因 价格 转投 平安 / 联系不上",
     "跟进 报价 续保 拒绝 转投 联系不上"),
    (Intent.performance, "本月业绩 / 今年业绩", "业绩 完成率 排名 签单保费"),
    (Intent.team_performance, "团队业绩", "团队 业绩 组员"),
    (Intent.receivables, "应收保费", "应收 未收 欠费"),
    (Intent.kb_search, "条款 涉水 / 什么是三者险", "条款 什么是 怎么赔"),
    (Intent.announcements, "公告", "公告 通知 新闻"),
    (Intent.help, "帮助", "帮助 菜单 功能"),
)


def suggest(compact: str) -> str:
    """The example of the command nearest to `compact` (which no rule understood, typos included):
    the one whose words share the most characters with it, at least two; else 帮助."""
    best, best_shared = "帮助", 1
    for _intent, example, words in COMMANDS:
        shared = max(len(set(word) & set(compact)) for word in words.split())
        if shared > best_shared:
            best, best_shared = example.split(" / ")[0], shared
    return best
