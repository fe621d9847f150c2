"""Flask CLI commands: `flask --app wsgi <group> <command>`."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from app.commands.demo import demo_cli
    from app.commands.importing import import_command
    from app.commands.jobs import scheduler_command, worker_command
    from app.commands.kpi import kpi_cli
    from app.commands.staff import staff_cli

    app.cli.add_command(demo_cli)
    app.cli.add_command(staff_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(scheduler_command)
    from app.commands.messages import messages_cli

    app.cli.add_command(messages_cli)
    app.cli.add_command(kpi_cli)
    app.cli.add_command(import_command)
    from app.commands.kb import kb_cli

    app.cli.add_command(kb_cli)
