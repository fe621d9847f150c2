"""The bot's command log (one row per message), and the answers it sends after the callback."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import selectinload

from app.auth.viewer import Viewer
from app.errors import Forbidden
from app.extensions import db
from app.models import AuditLog, OrgLevel, OrgUnit, Role, Staff
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


_COMMAND_COLUMNS = ("msg_key", "wecom_userid", "staff_id", "intent", "text", "slots", "outcome", "latency_ms", "error")
_AUDIT_COLUMNS = ("staff_id", "channel", "action", "entity", "entity_id", "detail", "ip")


@lru_cache(maxsize=8)
def _insert_statement(audit_rows: int):
    """The command row's INSERT ... RETURNING id, with `audit_rows` audit entries in a
    data-modifying CTE of the same statement. Built once per shape and all values bound, so it
    compiles once per process (values written into the statement would compile it every time)."""
    commands, audit = BotCommand.__table__, AuditLog.__table__
    stmt = (insert(commands).values({c: bindparam(c, type_=commands.c[c].type) for c in _COMMAND_COLUMNS})
            .returning(commands.c.id))
    # One CTE per audit row: a multi-row VALUES has no cache key, and would compile every time.
    for i in range(audit_rows):
        stmt = stmt.add_cte(insert(audit).values({c: bindparam(f"a{i}_{c}", type_=audit.c[c].type)
                                                  for c in _AUDIT_COLUMNS}).cte(f"audit_row_{i}"))
    return stmt


def log_command(entry: LogEntry, *, commit: bool = True) -> int:
    """Write the command's row and return its id; with `commit`, commit it together with whatever
    the command added to the session (its audit rows).

    The audit entries the command added (app.services.audit.record, still pending in the session)
    are written by the same INSERT statement as the command's row: one round trip and no
    unit-of-work flush for the rows every bot answer writes. They stay in the message's one
    transaction, so they commit (durably: synchronous commit) or roll back with it."""
    audit_rows = [obj for obj in db.session.new if isinstance(obj, AuditLog)]
    params = {"msg_key": entry.msg_key[:128], "wecom_userid": entry.wecom_userid[:64], "staff_id": entry.staff_id,
              "intent": entry.intent, "text": entry.text[:500], "slots": entry.slots, "outcome": entry.outcome,
              "latency_ms": entry.latency_ms, "error": (entry.error or None) and entry.error[:500]}
    for i, row in enumerate(audit_rows):
        db.session.expunge(row)
        params.update({f"a{i}_staff_id": row.staff_id, f"a{i}_channel": row.channel, f"a{i}_action": row.action,
                       f"a{i}_entity": row.entity, f"a{i}_entity_id": row.entity_id,
                       f"a{i}_detail": row.detail if row.detail is not None else {}, f"a{i}_ip": row.ip})
    command_id = db.session.execute(_insert_statement(len(audit_rows)), params).scalar_one()
    if commit:
        db.session.commit()
    return command_id


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
