"""`flask staff ...`: account chores for operators."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Staff


@click.group("staff")
def staff_cli() -> None:
    """员工账号管理"""


@staff_cli.command("set-password")
@click.argument("username")
@click.password_option()
def set_password(username: str, password: str) -> None:
    """为后台账号设置密码(旧令牌全部失效)"""
    from app.auth.viewer import Viewer
    from app.models import AuditChannel
    from app.services.sessions import set_password as _set

    staff = db.session.execute(select(Staff).where(Staff.username == username)).scalar_one_or_none()
    if staff is None:
        raise click.ClickException(f"没有用户名为 {username} 的员工")
    _set(staff.id, password, Viewer(channel=AuditChannel.cli))
    click.echo("密码已更新")


@staff_cli.command("token")
@click.argument("code")
def token(code: str) -> None:
    """为工号 CODE 签发接口令牌(调试用)"""
    from app.auth.tokens import issue_token

    staff = db.session.execute(select(Staff).where(Staff.code == code)).scalar_one_or_none()
    if staff is None:
        raise click.ClickException(f"没有工号为 {code} 的员工")
    click.echo(issue_token("staff", staff.id, staff.token_version))
    click.echo(f"有效期 {current_app.config['TOKEN_TTL_SECONDS']} 秒", err=True)
