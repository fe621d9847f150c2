"""The outbox: enqueue a message once per dedupe key; deliver due messages at most once.

Delivery, per claimed row (see docs/messaging.md for the reasoning):
1. claim: one UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) marks a batch 'sending'
   for this worker, committed. Two workers never claim the same row.
2. start: per row, under a transaction-level advisory lock on the recipient, apply the rules
   (opt-out, quiet hours, robot rate, daily cap, subscription consent) and either defer / skip
   the row or set send_started_at. Committed BEFORE the gateway is called.
3. send, then record the result (sent / retry later / failed / uncertain).
A worker that dies between 1 and 2 leaves rows 'sending' without send_started_at: the sweep
puts them back in the queue (nothing left the building). One that dies between 2 and 3 leaves a
row that may have reached the provider: the sweep marks it 'uncertain' and nobody resends it
until an admin has checked.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import and_, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.errors import DomainError
from app.extensions import db
from app.integrations.base import OutgoingMessage, PermanentError, SendResult, TransientError
from app.models.messaging import (
    MessageChannel,
    MessageOptOut,
    MessageStatus,
    MessageTemplate,
    OutboxMessage,
    SubscriptionConsent,
)
from app.security.fields import cipher
from app.services.lookups import get_or_404
from app.services.messaging import rules
from app.services.messaging.render import render
from app.validators import validate_mobile

log = logging.getLogger(__name__)

DELIVERY_JOB = "jobs.messages.deliver_due"
DELIVERY_JOB_ID = "messages-deliver"
# WeChat: the user has no subscription left for this template (or never had one).
WECHAT_NO_SUBSCRIPTION = "43101"
# Transient errors after which the provider may still have sent the message (a read timeout, a
# garbled answer): retrying could send twice, so the row goes to 'uncertain' for a person to check.
AMBIGUOUS_ERROR_CODES = {"timeout", "bad_response"}
# Attempts in these states count towards a recipient's daily cap: each may have reached them.
COUNTED_STATUSES = (MessageStatus.sent, MessageStatus.sending, MessageStatus.uncertain)
# Once a message is in one of these, a secret message's real body is dropped (see OutboxMessage.secret).
FINAL_STATUSES = (MessageStatus.sent, MessageStatus.failed, MessageStatus.skipped, MessageStatus.uncertain)
SECRET_MASK = "******"

Clock = Callable[[], datetime]
GatewayLookup = Callable[[str], object]


def utcnow() -> datetime:
    return datetime.now(UTC)


# ---- enqueue ------------------------------------------------------------------------------------

def normalise_recipient(channel: str, recipient: str) -> str:
    if channel == MessageChannel.sms:
        try:
            return validate_mobile(recipient)
        except ValueError as err:
            raise DomainError(str(err), "invalid_recipient", {"recipient": [str(err)]}, status=422) from None
    recipient = (recipient or "").strip()
    if not recipient or len(recipient) > 128:
        raise DomainError("收件人不能为空,且不能超过 128 个字符", "invalid_recipient", status=422)
    return recipient


def recipient_hash(channel: str, recipient: str) -> bytes:
    """Mobiles hash with the field cipher's keyed hash (the same as Customer.mobile_hash, so an
    opt-out matches however the number was written); ids are not secret, a plain SHA-256 will do."""
    if channel == MessageChannel.sms:
        return cipher().digest(recipient)
    return hashlib.sha256(recipient.encode()).digest()


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def enabled_template(code: str, channel: str | None = None) -> MessageTemplate:
    template = db.session.execute(select(MessageTemplate).where(MessageTemplate.code == code)).scalar_one_or_none()
    if template is None:
        raise DomainError(f"消息模板不存在:{code}", "template_not_found", status=404)
    if not template.enabled:
        raise DomainError(f"消息模板「{template.name}」已停用", "template_disabled", status=409)
    if channel is not None and template.channel != channel:
        raise DomainError(f"消息模板「{template.name}」用于{template.channel},不能用于{channel}",
                          "template_channel_mismatch", status=422)
    return template


def _masked(value, secrets: list[str]):
    """`value` (the body, its text, or the payload) with every secret string replaced by the mask."""
    if isinstance(value, dict):
        return {k: _masked(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, secrets) for v in value]
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, SECRET_MASK)
    return value


def enqueue(channel: str, recipient: str, template_code: str, variables: dict, dedupe_key: str,
            customer_id: int | None = None, staff_id: int | None = None, not_before: datetime | None = None,
            *, commit: bool = True, kick: bool = True, secret: Collection[str] = ()) -> OutboxMessage:
    """Queue one message; return its outbox row. The same dedupe_key again returns the row the
    first call created and queues nothing (the database's unique index decides, so two racing
    callers get one row).

    commit=False leaves the insert in the caller's transaction (then nothing is kicked: a job
    must not look for the row before it is committed; the every-minute schedule picks it up).

    secret names the variables that are one-time codes the recipient asked for: the row keeps
    them masked, and the body the gateway gets only encrypted until the message is final.
    """
    try:
        channel = MessageChannel(channel)
    except ValueError:
        raise DomainError(f"未知的消息渠道:{channel}", "invalid_channel", status=422) from None
    if not dedupe_key or len(dedupe_key) > 200:
        raise DomainError("去重键不能为空,且不能超过 200 个字符", "invalid_dedupe_key", status=422)
    template = enabled_template(template_code, channel)
    recipient = normalise_recipient(channel, recipient)
    rendered = render(template, variables)
    sms = channel == MessageChannel.sms
    values = dict(
        channel=channel,
        recipient=None if sms else recipient,
        recipient_enc=cipher().encrypt(recipient) if sms else None,
        recipient_hash=recipient_hash(channel, recipient),
        customer_id=customer_id,
        staff_id=staff_id,
        template_id=template.id,
        payload=_jsonable(variables or {}),
        body=rendered.body,
        body_text=rendered.text,
        dedupe_key=dedupe_key,
    )
    hidden = [str(variables[name]) for name in secret if variables.get(name)]
    if hidden:
        values.update(secret=True, payload=_masked(values["payload"], hidden), body=_masked(rendered.body, hidden),
                      body_text=_masked(rendered.text, hidden),
                      body_enc=cipher().encrypt(json.dumps(rendered.body, ensure_ascii=False)))
    if not_before is not None:
        values["next_try_at"] = not_before
    inserted = db.session.execute(
        pg_insert(OutboxMessage).values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.id)
    ).scalar_one_or_none()
    message = db.session.execute(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)).scalar_one()
    if commit:
        db.session.commit()
        if inserted is not None and kick:
            kick_delivery()
    return message


def kick_delivery() -> None:
    """Ask a worker to deliver now. One job id: while one is queued or running, kicks collapse
    into it. A failed kick only delays the message until the every-minute schedule."""
    from app.tasks import launch

    try:
        launch(DELIVERY_JOB, queue="messages", job_id=DELIVERY_JOB_ID, retry=False)
    except Exception:  # Redis down: the message is safe in the outbox; the schedule will come
        log.warning("could not enqueue the delivery job; the schedule will deliver", exc_info=True)


# ---- delivery -----------------------------------------------------------------------------------

@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0
    uncertain: int = 0
    requeued: int = 0  # claimed by a worker that died before sending: back in the queue
    outcomes: dict = field(default_factory=dict)  # message id -> final status of this run

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "outcomes"}


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    recipient: str
    recipient_hash: bytes
    body: dict
    dedupe_key: str
    attempts: int
    urgent: bool
    secret: bool = False


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def default_gateway_for(channel: str):
    from app.integrations.registry import gateway_for

    return gateway_for(channel)


def deliver_due(batch_size: int | None = None, *, gateway_for: GatewayLookup | None = None,
                clock: Clock = utcnow, worker: str | None = None, max_batches: int | None = None,
                max_seconds: float | None = None, on_batch: Callable[[int], None] | None = None) -> DeliveryReport:
    """Sweep stuck rows, then claim and deliver due messages in batches until none is due (or
    max_batches / max_seconds is reached: a job stops claiming well before RQ would kill it)."""
    batch_size = batch_size or current_app.config["MESSAGE_BATCH_SIZE"]
    gateway_for = gateway_for or default_gateway_for
    worker = worker or worker_name()
    report = DeliveryReport()
    sweep_stuck(report, clock)
    batches = 0
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    while (max_batches is None or batches < max_batches) and (deadline is None or time.monotonic() < deadline):
        batch = claim(batch_size, worker, clock)
        if not batch:
            break
        batches += 1
        report.claimed += len(batch)
        for index, message in enumerate(batch):
            try:
                deliver_one(message, worker, gateway_for, clock, report)
            except BaseException:
                # Whatever stopped us, the rows not yet started were never sent: give them back.
                db.session.rollback()
                release(batch[index:], worker)
                raise
        if on_batch:
            on_batch(len(batch))
    return report


def claim(batch_size: int, worker: str, clock: Clock = utcnow) -> list[Claimed]:
    """Mark up to batch_size due rows 'sending' for `worker` and commit; return them."""
    now = clock()
    due = (select(OutboxMessage.id)
           .where(OutboxMessage.status == MessageStatus.queued, OutboxMessage.next_try_at <= now)
           .order_by(OutboxMessage.next_try_at)
           .limit(batch_size)
           .with_for_update(skip_locked=True))
    stmt = (update(OutboxMessage)
            .where(OutboxMessage.id.in_(due.scalar_subquery()), OutboxMessage.template_id == MessageTemplate.id)
            .values(status=MessageStatus.sending, claimed_at=now, claimed_by=worker,
                    attempts=OutboxMessage.attempts + 1, send_started_at=None)
            .returning(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.recipient,
                       OutboxMessage.recipient_enc, OutboxMessage.recipient_hash, OutboxMessage.body,
                       OutboxMessage.body_enc, OutboxMessage.secret, OutboxMessage.dedupe_key,
                       OutboxMessage.attempts, MessageTemplate.urgent))
    rows = db.session.execute(stmt, execution_options={"synchronize_session": False}).all()
    db.session.commit()
    return [
        Claimed(id=row.id, channel=str(row.channel),
                recipient=cipher().decrypt(row.recipient_enc) if row.recipient_enc is not None else row.recipient,
                recipient_hash=bytes(row.recipient_hash),
                body=json.loads(cipher().decrypt(row.body_enc)) if row.body_enc is not None else row.body,
                dedupe_key=row.dedupe_key, attempts=row.attempts, urgent=row.urgent, secret=row.secret)
        for row in sorted(rows, key=lambda r: r.id)
    ]


def release(messages: list[Claimed], worker: str) -> None:
    """Put claimed, never-started rows back in the queue (this claim did not count as an attempt)."""
    if not messages:
        return
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_([m.id for m in messages]), OutboxMessage.claimed_by == worker,
               OutboxMessage.status == MessageStatus.sending, OutboxMessage.send_started_at.is_(None))
        .values(status=MessageStatus.queued, claimed_at=None, claimed_by=None,
                attempts=OutboxMessage.attempts - 1),
        execution_options={"synchronize_session": False})
    db.session.commit()


def sweep_stuck(report: DeliveryReport | None = None, clock: Clock = utcnow) -> tuple[int, int]:
    """Rows 'sending' past the lease: never started -> queued again; started -> uncertain.
    Returns (requeued, uncertain)."""
    cutoff = clock() - timedelta(seconds=current_app.config["MESSAGE_SEND_LEASE_SECONDS"])
    requeued = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.sending, OutboxMessage.send_started_at.is_(None),
               OutboxMessage.claimed_at < cutoff)
        .values(status=MessageStatus.queued, claimed_at=None, claimed_by=None, attempts=OutboxMessage.attempts - 1),
        execution_options={"synchronize_session": False}).rowcount
    uncertain = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.sending, OutboxMessage.send_started_at < cutoff)
        .values(status=MessageStatus.uncertain, body_enc=None, error_code="lease_expired",
                last_error="发送过程中任务中断,无法确认对方是否已收到。请核实后再决定是否重新发送。"),
        execution_options={"synchronize_session": False}).rowcount
    db.session.commit()
    if requeued or uncertain:
        log.warning("outbox sweep: %d claimed rows requeued, %d in-flight rows marked uncertain", requeued, uncertain)
    if report is not None:
        report.requeued += requeued
        report.uncertain += uncertain
    return requeued, uncertain


def _lock_key(channel: str, hashed: bytes) -> int:
    digest = hashlib.sha256(channel.encode() + b":" + hashed).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _relaxed_commit() -> None:
    """Let this transaction's COMMIT return before its WAL reaches disk. Only for writes whose
    loss in a database crash is safe: a lost result leaves the row 'sending' with send_started_at
    (-> uncertain, never resent), a lost skip or deferral leaves it 'sending' without (-> queued
    again, rules applied again). The start of a send is never relaxed: it must be on disk before
    the gateway is called. Saves one disk flush per message."""
    db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _set(message_id: int, worker: str, **values) -> int:
    if values.get("status") in FINAL_STATUSES:
        values["body_enc"] = None  # a secret message's code is kept no longer than it is needed
    return db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == worker,
               OutboxMessage.status.in_((MessageStatus.sending, MessageStatus.uncertain)))
        .values(**values),
        execution_options={"synchronize_session": False}).rowcount


def _defer(message: Claimed, worker: str, until: datetime, code: str, reason: str) -> None:
    _set(message.id, worker, status=MessageStatus.queued, next_try_at=until, claimed_at=None, claimed_by=None,
         attempts=OutboxMessage.attempts - 1, error_code=code, last_error=reason)


def _skip(message: Claimed, worker: str, code: str, reason: str) -> None:
    _set(message.id, worker, status=MessageStatus.skipped, error_code=code, last_error=reason)


def start(message: Claimed, worker: str, clock: Clock = utcnow, report: DeliveryReport | None = None) -> bool:
    """Apply the per-recipient rules; True when the row is committed as started and may be sent."""
    report = report or DeliveryReport()
    channel = message.channel
    db.session.execute(select(func.pg_advisory_xact_lock(_lock_key(channel, message.recipient_hash))))
    now = clock()
    minute_ago = now - timedelta(minutes=1)
    day_start = rules.business_day_start(now)
    recent = (OutboxMessage.channel == channel) & (OutboxMessage.recipient_hash == message.recipient_hash) & \
        (OutboxMessage.id != message.id)
    counts = db.session.execute(
        select(
            select(MessageOptOut.id).where(MessageOptOut.recipient_hash == message.recipient_hash,
                                           MessageOptOut.channel == channel).exists().label("opted_out"),
            select(func.count()).where(recent, OutboxMessage.send_started_at > minute_ago)
            .scalar_subquery().label("last_minute"),
            select(func.min(OutboxMessage.send_started_at)).where(recent, OutboxMessage.send_started_at > minute_ago)
            .scalar_subquery().label("oldest_in_minute"),
            select(func.count()).where(recent, OutboxMessage.send_started_at >= day_start,
                                       OutboxMessage.status.in_(COUNTED_STATUSES))
            .scalar_subquery().label("today"),
        )).one()

    quiet = rules.quiet_hours()
    cap = rules.daily_caps().get(channel)
    outcome = None
    if counts.opted_out and not message.secret:  # a code the recipient asked for is no push
        _skip(message, worker, "opted_out", "收件人已退订(短信回复退订)")
        outcome = MessageStatus.skipped
    elif quiet and channel in rules.quiet_channels() and not message.urgent and quiet.contains(now):
        resume = quiet.resume_at(now)
        _defer(message, worker, resume, "quiet_hours",
               f"免打扰时段({quiet.label})不发送,推迟到 {resume:%m-%d %H:%M}")
        outcome = "deferred"
    elif channel == MessageChannel.wecom_robot and \
            counts.last_minute >= current_app.config["MESSAGE_ROBOT_PER_MINUTE"]:
        # The window slides: a place frees up when the oldest send in it turns a minute old.
        until = max(counts.oldest_in_minute + timedelta(minutes=1), now + timedelta(seconds=1))
        _defer(message, worker, until, "rate_limited",
               f"群机器人每分钟最多 {current_app.config['MESSAGE_ROBOT_PER_MINUTE']} 条,稍后发送")
        outcome = "deferred"
    elif cap and not message.urgent and counts.today >= cap:
        _skip(message, worker, "daily_cap", f"已达到每日上限:同一收件人每天最多 {cap} 条")
        outcome = MessageStatus.skipped
    elif channel == MessageChannel.wechat_subscribe and not _consume_consent(message):
        _skip(message, worker, "no_consent", "用户没有可用的订阅授权(一次性订阅已用完或未订阅)")
        outcome = MessageStatus.skipped
    if outcome is not None:
        _relaxed_commit()
        db.session.commit()
        if outcome == "deferred":
            report.deferred += 1
        else:
            report.skipped += 1
            report.outcomes[message.id] = outcome
        return False
    started = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.claimed_by == worker,
               OutboxMessage.status == MessageStatus.sending, OutboxMessage.send_started_at.is_(None))
        .values(send_started_at=now, error_code=None, last_error=None),
        execution_options={"synchronize_session": False}).rowcount
    if not started:
        # The sweep gave the row to someone else (this worker stalled past the lease).
        db.session.rollback()
        return False
    db.session.commit()
    return True


def _consent_key(message: Claimed):
    return and_(SubscriptionConsent.openid == message.recipient,
                SubscriptionConsent.template_id == message.body.get("template_id"))


def _consume_consent(message: Claimed) -> bool:
    used = db.session.execute(
        update(SubscriptionConsent)
        .where(_consent_key(message), SubscriptionConsent.remaining > 0)
        .values(remaining=SubscriptionConsent.remaining - 1)
        .returning(SubscriptionConsent.id),
        execution_options={"synchronize_session": False}).first()
    return used is not None


def _consent_update(message: Claimed, remaining) -> None:
    db.session.execute(update(SubscriptionConsent).where(_consent_key(message)).values(remaining=remaining),
                       execution_options={"synchronize_session": False})


def deliver_one(message: Claimed, worker: str, gateway_for: GatewayLookup, clock: Clock = utcnow,
                report: DeliveryReport | None = None) -> str | None:
    """Start, send and record one claimed message; return its status after this try."""
    report = report if report is not None else DeliveryReport()
    gateway = gateway_for(message.channel)
    if not start(message, worker, clock, report):
        return None
    outgoing = OutgoingMessage(channel=message.channel, recipient=message.recipient, body=message.body,
                               dedupe_key=message.dedupe_key, message_id=message.id)
    try:
        result = gateway.send(outgoing)
    except TransientError as err:
        if err.code in AMBIGUOUS_ERROR_CODES:
            _set(message.id, worker, status=MessageStatus.uncertain, error_code=str(err.code),
                 last_error=f"发送结果未知,可能已送达,不自动重发:{err}"[:2000])
            status = MessageStatus.uncertain
        else:
            status = _record_transient(message, worker, err, clock)
    except PermanentError as err:
        status = _record_permanent(message, worker, err)
    except Exception as err:
        # Not in the gateway's contract: we cannot tell whether the provider got it.
        log.exception("gateway %s raised unexpectedly for message %s", message.channel, message.id)
        db.session.rollback()
        _set(message.id, worker, status=MessageStatus.uncertain, error_code="unexpected",
             last_error=f"发送时出现意外错误,无法确认是否送达:{type(err).__name__}: {err}"[:2000])
        status = MessageStatus.uncertain
    else:
        status = _record_sent(message, worker, result, clock)
    _relaxed_commit()
    db.session.commit()
    report.outcomes[message.id] = status
    if status == MessageStatus.sent:
        report.sent += 1
    elif status == MessageStatus.queued:
        report.retried += 1
    elif status == MessageStatus.failed:
        report.failed += 1
    elif status == MessageStatus.uncertain:
        report.uncertain += 1
    return status


def _record_sent(message: Claimed, worker: str, result: SendResult | None, clock: Clock) -> str:
    provider_id = getattr(result, "provider_message_id", None)
    _set(message.id, worker, status=MessageStatus.sent, sent_at=clock(),
         provider_message_id=str(provider_id)[:128] if provider_id else None, error_code=None, last_error=None)
    return MessageStatus.sent


def _record_transient(message: Claimed, worker: str, err: TransientError, clock: Clock) -> str:
    if message.channel == MessageChannel.wechat_subscribe:
        # WeChat did not deliver, so the user's subscription was not used: give it back.
        _consent_update(message, SubscriptionConsent.remaining + 1)
    code = str(err.code or "transient")[:32]
    if message.attempts >= current_app.config["MESSAGE_MAX_ATTEMPTS"]:
        _set(message.id, worker, status=MessageStatus.failed, error_code=code,
             last_error=f"已尝试 {message.attempts} 次仍失败:{err}"[:2000])
        return MessageStatus.failed
    wait = rules.retry_delay(message.attempts)
    _set(message.id, worker, status=MessageStatus.queued, next_try_at=clock() + wait, claimed_at=None,
         claimed_by=None, error_code=code,
         last_error=f"第 {message.attempts} 次发送失败,{int(wait.total_seconds())} 秒后重试:{err}"[:2000])
    return MessageStatus.queued


def _record_permanent(message: Claimed, worker: str, err: PermanentError) -> str:
    code = str(err.code or "permanent")[:32]
    if message.channel == MessageChannel.wechat_subscribe and code == WECHAT_NO_SUBSCRIPTION:
        # WeChat says the user has no subscription left: whatever we counted, there is none.
        _consent_update(message, 0)
    _set(message.id, worker, status=MessageStatus.failed, error_code=code,
         last_error=f"发送失败(不再重试):{err}"[:2000])
    return MessageStatus.failed


# ---- after the fact -------------------------------------------------------------------------------

def requeue(message_id: int) -> OutboxMessage:
    """Queue a failed or uncertain message again, from attempt one (an admin has checked it)."""
    message = get_or_404(OutboxMessage, message_id, "消息不存在", with_for_update=True, populate_existing=True)
    if message.status not in (MessageStatus.failed, MessageStatus.uncertain):
        raise DomainError("只有发送失败或结果未知的消息可以重新发送", "not_resendable", status=409)
    if message.secret:
        raise DomainError("验证码消息不能重新发送(验证码已失效),请让用户重新获取", "secret_not_resendable",
                          status=409)
    message.status = MessageStatus.queued
    message.attempts = 0
    message.next_try_at = func.now()
    message.claimed_at = message.claimed_by = message.send_started_at = None
    message.error_code = "resent"
    message.last_error = "管理员已核实,重新发送"
    return message


def mobile_of(message: OutboxMessage) -> str | None:
    return cipher().decrypt(message.recipient_enc) if message.recipient_enc is not None else None

