"""`flask demo ...`: seed deterministic demo data, serve the whole platform, stop the engines."""

from __future__ import annotations

import click


@click.group("demo")
def demo_cli() -> None:
    """演示环境:生成演示数据、启动服务"""


@demo_cli.command("seed")
@click.option("--policies", default=20000, show_default=True, help="保单数量")
@click.option("--seed", "seed_value", default=20261125, show_default=True, help="随机种子:相同种子生成相同数据")
@click.option("--if-empty", is_flag=True, help="数据库已有数据时跳过")
def seed(policies: int, seed_value: int, if_empty: bool) -> None:
    """生成演示数据(机构、人员、车商、客户、保单、赔案、投诉、计划)"""
    from app.services.demo_seed import SeedRefused, run

    try:
        run(policies=policies, seed=seed_value, if_empty=if_empty)
    except SeedRefused as exc:
        raise click.ClickException(exc.message) from None


@demo_cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--web-workers", default=2, show_default=True, help="gunicorn 进程数")
@click.option("--no-jobs", is_flag=True, help="不启动后台任务进程和定时调度")
def serve(host: str, port: int, web_workers: int, no_jobs: bool) -> None:
    """启动整个平台:网站(gunicorn)、后台任务进程和定时调度,Ctrl-C 全部停止"""
    from app.services.demo_serve import serve_all

    serve_all(host=host, port=port, web_workers=web_workers, with_jobs=not no_jobs)
