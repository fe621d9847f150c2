"""`flask messages ...`: deliver the outbox now, send a test message, load the default templates."""

from __future__ import annotations

import json

import click


@click.group("messages")
def messages_cli() -> None:
    """消息发送:投递待发消息、发送测试消息、加载默认模板"""


@messages_cli.command("deliver")
@click.option("--batch-size", default=None, type=int, help="每批认领的消息数,默认 MESSAGE_BATCH_SIZE")
def deliver(batch_size: int | None) -> None:
    """立即投递所有到期的待发消息,并显示汇总"""
    from sqlalchemy import func, select
    from tqdm import tqdm

    from app.extensions import db
    from app.models.messaging import MessageStatus, OutboxMessage
    from app.services.messaging import outbox

    due = db.session.execute(select(func.count()).where(
        OutboxMessage.status == MessageStatus.queued, OutboxMessage.next_try_at <= outbox.utcnow())).scalar_one()
    db.session.rollback()
    with tqdm(total=due, desc="投递消息", unit="条") as bar:
        report = outbox.deliver_due(batch_size, on_batch=bar.update)
    labels = {"claimed": "认领", "sent": "已发送", "retried": "稍后重试", "failed": "失败", "skipped": "跳过",
              "deferred": "推迟", "uncertain": "结果未知", "requeued": "退回队列"}
    click.echo(",".join(f"{labels[k]} {v} 条" for k, v in report.as_dict().items()))


@messages_cli.command("send-test")
@click.argument("channel", type=click.Choice(["sms", "wechat_subscribe", "wecom_app", "wecom_robot"]))
@click.argument("recipient")
@click.argument("template")
@click.option("--variables", "variables_json", default=None, help="变量 JSON;默认用模板的示例变量")
def send_test(channel: str, recipient: str, template: str, variables_json: str | None) -> None:
    """用模板 TEMPLATE 给 RECIPIENT 发一条测试消息,并立即投递"""
    import uuid

    from app.errors import DomainError
    from app.services.messaging import outbox

    try:
        variables = json.loads(variables_json) if variables_json else outbox.enabled_template(template).sample_variables
        message = outbox.enqueue(channel, recipient, template, variables, f"send-test:{uuid.uuid4().hex}",
                                 kick=False)
        report = outbox.deliver_due()
    except (DomainError, json.JSONDecodeError) as err:
        raise click.ClickException(getattr(err, "message", str(err))) from None
    from app.models.messaging import STATUS_LABELS

    status = report.outcomes.get(message.id)
    click.echo(f"消息 {message.id}:{STATUS_LABELS[status] if status else '未发送(可能被推迟,见管理后台)'}")
    click.echo(message.body_text)


@messages_cli.command("templates-load")
def templates_load() -> None:
    """加载默认消息模板(已存在的模板不覆盖)"""
    from app.services.messaging.templates import load_default_templates

    created, existing = load_default_templates()
    click.echo(f"新建模板 {created} 个,已存在 {existing} 个")
