"""`flask kb ...`: load knowledge-base articles from a folder of article files."""

from __future__ import annotations

import click


@click.group("kb")
def kb_cli() -> None:
    """知识库:从文件夹加载文章"""


@kb_cli.command("load")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--draft", is_flag=True, help="加载为未发布(默认直接发布)")
def load(directory: str, draft: bool) -> None:
    """加载 DIRECTORY 中的 .md / .txt 文章(文件头含 title、category、source、effective_date、tags);
    再次加载同名文件会更新原文章"""
    from app.auth.viewer import Viewer
    from app.errors import DomainError
    from app.models import AuditChannel
    from app.services.knowledge.articles import load_directory

    try:
        created, updated = load_directory(directory, Viewer(channel=AuditChannel.cli), publish=not draft)
    except DomainError as err:
        raise click.ClickException(err.message) from None
    click.echo(f"新增文章 {created} 篇,更新 {updated} 篇" + (",均未发布" if draft else ",均已发布"))
