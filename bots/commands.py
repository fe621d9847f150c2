"""What the bot does for each intent: call app.services with the asker's viewer, format the answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.auth.viewer import Viewer
from app.errors import DomainError
from app.models import Role
from app.models.bot import BotOutcome
from app.models.renewal import FOLLOW_UP_LABELS
from app.security.fields import mask_id_number, mask_mobile
from app.services import knowledge, staff_work
from app.timeutil import business_today
from bots import formatting as fmt
from bots.parser import COMMANDS, INTENT_LABELS, Intent, Parsed

# Customers listed when a lookup finds several.
CHOICES_SHOWN = 5
# A knowledge-base question longer than this (characters) is answered after the callback.
LONG_QUERY_CHARS = 20
HELP_FOOTER = "直接发送车牌号、手机号、保单号或客户姓名也可以查客户。"


@dataclass(frozen=True)
class Reply:
    text: str
    outcome: BotOutcome = BotOutcome.answered


def is_slow(viewer: Viewer, parsed: Parsed) -> bool:
    """Answered after the callback, by a job: the team table (and a manager's "performance", which
    is the team table), and long knowledge-base searches."""
    if parsed.intent == Intent.team_performance:
        return viewer.role in staff_work.TEAM_TABLE_ROLES
    if parsed.intent == Intent.performance:
        return viewer.role in (Role.supervisor, Role.branch_manager, Role.admin)
    if parsed.intent == Intent.kb_search:
        return len(parsed.slots.get("query", "")) > LONG_QUERY_CHARS
    return False


def help_text(viewer: Viewer | None = None) -> str:
    rows = ["我是保运助手,可以这样问我:"]
    for intent, example, _words in COMMANDS:
        if intent == Intent.help:
            continue
        if intent == Intent.team_performance and viewer is not None and viewer.role not in staff_work.TEAM_TABLE_ROLES:
            continue
        rows.append(f"{fmt.BULLET}{INTENT_LABELS[intent]}:{example}")
    rows.append(HELP_FOOTER)
    return "\n".join(rows)


def _help(viewer: Viewer, slots: dict) -> Reply:
    return Reply(help_text(viewer))


def _greeting(viewer: Viewer, slots: dict) -> Reply:
    return Reply(f"{viewer.staff.name}您好!\n" + help_text(viewer))


def _unknown(viewer: Viewer, slots: dict, suggestion: str | None = None) -> Reply:
    hint = f"您是不是想:「{suggestion}」?\n" if suggestion and suggestion != "帮助" else ""
    return Reply(f"抱歉,没看懂这句话。{hint}发送「帮助」查看全部命令。", BotOutcome.not_understood)


def find_customer(viewer: Viewer, slots: dict) -> Reply:
    kind, value = slots.get("kind"), slots.get("value", "")
    if kind == "name" and len(value) < 2:
        return Reply("请至少输入客户姓名的两个字,或直接发送手机号、车牌号。", BotOutcome.no_match)
    found = staff_work.find_customers(viewer, kind, value, limit=CHOICES_SHOWN)
    if not found:
        # The same words whether nobody matches or the match is outside the asker's scope.
        return Reply(f"未找到匹配「{_shown_query(kind, value)}」的客户。", BotOutcome.no_match)
    if len(found) > 1:
        return Reply(fmt.customer_choices(found, CHOICES_SHOWN, viewer.role == Role.resident_manager))
    return Reply(fmt.customer_card(staff_work.customer_card(viewer, found[0])))


def _shown_query(kind: str, value: str) -> str:
    if kind == "mobile":
        return mask_mobile(value)
    if kind == "id_number":
        return mask_id_number(value)
    return value


def expiring(viewer: Viewer, slots: dict) -> Reply:
    today = business_today()
    until, label = staff_work.expiring_until(slots, today)
    found = staff_work.expiring_policies(viewer, until, today)
    if not found.total:
        return Reply(f"{label}({fmt.day(today)} 至 {fmt.day(until)})没有到期的保单。", BotOutcome.no_match)
    rows = [f"【{label}到期】{found.total}张保单,保费合计{fmt.money(found.amount)}元:"]
    for p in found.rows:
        state = "已续保" if p["renewed"] else f"剩{p['days_left']}天" if p["days_left"] else "今天到期"
        rows.append(f"{fmt.BULLET}{p['end_date']:%m-%d} {p['plate'] or ''} {p['customer']} {p['line']} "
                    f"{fmt.money(p['written'])} {state}")
    if found.total > len(found.rows):
        rows.append(f"……另有{found.total - len(found.rows)}张,发送「续保任务」查看待跟进的任务。")
    return Reply("\n".join(rows))


def renewal_tasks(viewer: Viewer, slots: dict) -> Reply:
    found = staff_work.renewal_tasks(viewer)
    if not found.total:
        return Reply("目前没有待跟进的续保任务。", BotOutcome.no_match)
    rows = [f"【续保任务】待跟进{found.total}条(按到期日):"]
    for t in found.rows:
        due = f"剩{t['days_left']}天" if t["days_left"] >= 0 else f"已过期{-t['days_left']}天"
        rows.append(f"{fmt.BULLET}{t['due_date']:%m-%d} {t['plate'] or ''} {t['customer']} {t['line']} {due}"
                    + (f" 最近:{t['latest']}" if t["latest"] else " 未跟进"))
    rows.append("记录结果:跟进 车牌 已续保 / 已报价 金额 / 拒绝 原因 转投 公司 / 联系不上")
    return Reply("\n".join(rows))


def follow_up(viewer: Viewer, slots: dict) -> Reply:
    if not slots.get("target"):
        return Reply("请写明车牌号或保单号,如:跟进 冀A12345 已报价 3500", BotOutcome.no_match)
    if not slots.get("result"):
        return Reply("请说明跟进结果:已续保 / 已报价 金额 / 拒绝 原因 价格 转投 平安 / 联系不上",
                     BotOutcome.no_match)
    done = staff_work.record_follow_up(
        viewer, slots["target_kind"], slots["target"], slots["result"], amount=slots.get("amount"),
        reason=slots.get("reason"), insurer=slots.get("insurer"), note=slots.get("note"))
    detail = [FOLLOW_UP_LABELS[done.result]]
    if done.quote_amount is not None:
        detail.append(f"报价{fmt.money(done.quote_amount)}元")
    if done.lapse_reason:
        detail.append(f"原因:{done.lapse_reason}")
    if done.insurer:
        detail.append(f"转投:{done.insurer}")
    tasks = f"{done.count}条续保任务" if done.count > 1 else "续保任务"
    return Reply(f"已记录 {done.plate or slots['target']}({done.customer})的{tasks}:{','.join(detail)}。")


def performance(viewer: Viewer, slots: dict) -> Reply:
    if viewer.role in (Role.supervisor, Role.branch_manager, Role.admin):
        return team_performance(viewer, slots)
    if viewer.role not in (Role.agent, Role.team_manager):
        return Reply("业绩查询仅对业务员和团队经理开放。", BotOutcome.refused)
    result = staff_work.my_performance(viewer, slots.get("period", "month"))
    f = result.figures
    rows = [f"【{result.label}业绩】{result.subject}"]
    for key, label in (("ctpl", "交强险"), ("commercial", "商业险"), ("all", "合计")):
        plan = f.plan.get(key) or 0
        rows.append(f"{fmt.BULLET}{label}:签单{fmt.money(f.written[key])}元"
                    + (f" / 计划{fmt.money(plan)}元,完成{fmt.percent(f.completion(key))}" if plan else "(无计划)"))
    if result.rank is not None:
        rows.append(f"{result.rank_among}排名:第{result.rank}名 / 共{result.rank_of}"
                    f"{'个团队' if result.rank_among == '支公司内' else '人'}")
    return Reply("\n".join(rows))


def team_performance(viewer: Viewer, slots: dict) -> Reply:
    table = staff_work.team_table(viewer, slots.get("period", "month"))
    who = "人" if table.by == "agent" else "团队"
    rows = [f"【{table.label}团队业绩】按完成率排名,共{len(table.rows)}个{who}:"]
    for row in table.rows[:20]:
        rows.append(f"{row.rank}. {row.name} 签单{fmt.money(row.written['all'])} 计划{fmt.money(row.plan)} "
                    f"完成{fmt.percent(row.completion)}")
    if len(table.rows) > 20:
        rows.append(f"……另有{len(table.rows) - 20}个{who}")
    total = table.total
    rows.append(f"合计:交强险{fmt.money(total.written['ctpl'])} 商业险{fmt.money(total.written['commercial'])} "
                f"共{fmt.money(total.written['all'])} / 计划{fmt.money(total.plan)},完成{fmt.percent(total.completion)}")
    return Reply("\n".join(rows))


def receivables(viewer: Viewer, slots: dict) -> Reply:
    found = staff_work.receivables(viewer)
    if not found.total:
        return Reply("没有未收保费,保费已全部收齐。", BotOutcome.no_match)
    rows = [f"【应收保费】{found.total}张保单未收齐,合计{fmt.money(found.amount)}元(最早的在前):"]
    for p in found.rows:
        rows.append(f"{fmt.BULLET}{p['plate'] or ''} {p['customer']} {p['line']} 未收{fmt.money(p['due'])} "
                    f"签单已{p['days']}天")
    return Reply("\n".join(rows))


def kb_search(viewer: Viewer, slots: dict) -> Reply:
    query = slots.get("query", "")
    hits = knowledge.search(query, limit=3)
    if not hits:
        return Reply(f"知识库中没有找到与「{query}」相关的内容,换个说法试试,如「条款 涉水」。", BotOutcome.no_match)
    rows = [f"【知识库】「{query}」:"]
    for hit in hits:
        rows.append(f"{fmt.BULLET}{_get(hit, 'title')}({_get(hit, 'category') or '知识库'})")
        snippet = _get(hit, "snippet")
        if snippet:
            rows.append(f"  {snippet}")
        url = fmt.link(f"/staff/kb/{_get(hit, 'article_id')}", "查看全文")
        if url:
            rows.append(f"  {url}")
    return Reply("\n".join(rows))


def announcements(viewer: Viewer, slots: dict) -> Reply:
    found = knowledge.latest_announcements(viewer.staff_id, limit=5)
    if not found:
        return Reply("暂时没有新公告。", BotOutcome.no_match)
    rows = ["【最新公告】"]
    for item in found:
        published = _get(item, "published_at")
        rows.append(f"{fmt.BULLET}{fmt.when(published) if published else ''} {_get(item, 'title')}".strip())
        url = _get(item, "url")
        if url:
            rows.append(f'  <a href="{fmt.escape(url)}">查看</a>')
    return Reply("\n".join(rows))


def _get(item, name: str):
    """Hits and announcements come as objects or dicts, whichever the knowledge service returns."""
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


HANDLERS: dict[Intent, Callable[[Viewer, dict], Reply]] = {
    Intent.help: _help,
    Intent.greeting: _greeting,
    Intent.find_customer: find_customer,
    Intent.expiring: expiring,
    Intent.renewal_tasks: renewal_tasks,
    Intent.follow_up: follow_up,
    Intent.performance: performance,
    Intent.team_performance: team_performance,
    Intent.receivables: receivables,
    Intent.kb_search: kb_search,
    Intent.announcements: announcements,
}


def run(viewer: Viewer, parsed: Parsed) -> Reply:
    """The answer to `parsed` for `viewer`. A DomainError (nothing to record, not allowed) becomes
    its Chinese message; the caller rolls back and commits as it logs."""
    if parsed.intent == Intent.unknown:
        return _unknown(viewer, parsed.slots, parsed.suggestion)
    try:
        return HANDLERS[parsed.intent](viewer, parsed.slots)
    except DomainError as err:
        outcome = BotOutcome.refused if err.status == 403 else BotOutcome.no_match
        return Reply(err.message, outcome)
