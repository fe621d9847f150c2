"""The bot's command log (one row per message), and the answers it sends after the callback."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import selectinload

from app.auth.viewer import Viewer
from app.errors import Forbidden
from app.extensions import db
from app.models import OrgLevel, OrgUnit, Role, Staff
from app.models.bot import BotCommand, BotOutcome
from app.models.messaging import MessageChannel, MessageFormat, MessageTemplate
from app.services import messaging
from app.services.pagination import PageResult, paginate

REPLY_TEMPLATE = "bot_reply_wecom"
# WeCom app messages (and passive text replies) hold at most 2,048 bytes.
MAX_REPLY_BYTES = 2048
CUT_MARK = "\n…(内容过长,已截断)"


@dataclass(frozen=True)
class LogEntry:
    msg_key: str
    wecom_userid: str
    staff_id: int | None
    intent: str
    text: str
    slots: dict
    outcome: BotOutcome
    latency_ms: int
    error: str | None = None


def log_command(entry: LogEntry, *, commit: bool = True) -> BotCommand:
    """Add the command's row (and commit, with whatever the command added to the session: its audit rows)."""
    row = BotCommand(msg_key=entry.msg_key[:128], wecom_userid=entry.wecom_userid[:64], staff_id=entry.staff_id,
                     intent=entry.intent, text=entry.text[:500], slots=entry.slots, outcome=entry.outcome,
                     latency_ms=entry.latency_ms, error=(entry.error or None) and entry.error[:500])
    db.session.add(row)
    if commit:
        db.session.commit()
    return row


def get_command(command_id: int) -> BotCommand | None:
    return db.session.get(BotCommand, command_id)


def finish_deferred(command_id: int, outcome: BotOutcome, job_latency_ms: int, error: str | None = None) -> None:
    row = db.session.get(BotCommand, command_id)
    if row is None:
        return
    row.outcome = outcome
    row.job_latency_ms = job_latency_ms
    if error:
        row.error = error[:500]
    db.session.commit()


def fit(text: str, limit: int = MAX_REPLY_BYTES) -> str:
    """`text` cut at a line (or character) so that it fits WeCom's byte limit."""
    if len(text.encode()) <= limit:
        return text
    budget = limit - len(CUT_MARK.encode())
    kept: list[str] = []
    used = 0
    for line in text.split("\n"):
        size = len(line.encode()) + 1
        if used + size > budget:
            if not kept:
                kept.append(line.encode()[:budget].decode(errors="ignore"))
            break
        kept.append(line)
        used += size
    return "\n".join(kept) + CUT_MARK


def ensure_reply_template() -> None:
    """The answers' template is the bot's own: created on first use (an admin may edit it later in
    the panel, which this never overwrites)."""
    db.session.execute(
        pg_insert(MessageTemplate).values(
            code=REPLY_TEMPLATE, channel=MessageChannel.wecom_app, name="机器人查询结果(企业微信)", body="{content}",
            msg_format=MessageFormat.text, urgent=False, enabled=True,
            sample_variables={"content": "【本月业绩】2026年3月\n签单保费 12,345.00 元,完成率 82.3%"})
        .on_conflict_do_nothing(index_elements=["code"]))


def send_reply(staff_id: int, wecom_userid: str, msg_key: str, text: str) -> int:
    """Queue an answer as a WeCom app message to the asker, once per message (dedupe key from the
    MsgId). Returns the outbox row's id. Commits."""
    ensure_reply_template()
    message = messaging.enqueue(MessageChannel.wecom_app, wecom_userid, REPLY_TEMPLATE, {"content": fit(text)},
                                dedupe_key=f"bot-reply:{msg_key}"[:200], staff_id=staff_id)
    return message.id


# ---- the admin page ------------------------------------------------------------------------------

def require_log_reader(viewer: Viewer) -> None:
    if viewer.role not in (Role.admin, Role.branch_manager):
        raise Forbidden("只有管理员和支公司经理可以查看机器人日志")


def list_commands(viewer: Viewer, *, staff_id: int | None = None, intent: str | None = None,
                  outcome: str | None = None, page: int = 1, page_size: int = 20) -> PageResult:
    """Newest first. A company admin sees every row; others the rows of staff in their org subtree
    (strangers' messages, with no staff, stay with the company)."""
    require_log_reader(viewer)
    stmt = (select(BotCommand).options(selectinload(BotCommand.staff))
            .order_by(BotCommand.at.desc(), BotCommand.id.desc()))
    unit = viewer.staff.org_unit
    if unit.level != OrgLevel.company:
        stmt = stmt.where(BotCommand.staff_id.in_(
            select(Staff.id).join(OrgUnit, OrgUnit.id == Staff.org_unit_id).where(OrgUnit.path.startswith(unit.path))))
    if staff_id is not None:
        stmt = stmt.where(BotCommand.staff_id == staff_id)
    if intent:
        stmt = stmt.where(BotCommand.intent == intent)
    if outcome:
        stmt = stmt.where(BotCommand.outcome == outcome)
    return paginate(stmt, page, page_size)
