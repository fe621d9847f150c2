"""Admin audience: the web panel (/admin, session login) and its JSON API (/api/admin, bearer token)."""

from __future__ import annotations


def register(app, api, csrf) -> None:
    from app.api.admin import (
        bot_log,  # noqa: F401  (the 机器人日志 page)
        claim_documents,  # noqa: F401  (the 理赔资料清单 page)
        imports,  # noqa: F401  (the 数据导入 pages, on the same blueprint)
        knowledge_admin,  # noqa: F401  (the 知识库 and 公告 pages)
        messaging,  # noqa: F401  (the 消息 pages: templates and the outbox)
        pages,  # noqa: F401  (attaches the pages to the panel blueprint)
        points_admin,  # noqa: F401  (积分商城, 营销活动, 核销记录 pages)
        report_pages,  # noqa: F401  (the report pages, on the same blueprint)
        tiers,  # noqa: F401  (the 会员等级规则 page)
    )
    from app.api.admin.json_api import blp as json_blp
    from app.api.admin.panel import bp as panel_bp

    # The panel runs on a session cookie, so its forms keep CSRF protection.
    app.register_blueprint(panel_bp)
    # The JSON API reads only bearer tokens, never the cookie: nothing for CSRF to protect.
    api.register_blueprint(json_blp)
    csrf.exempt(json_blp)
    from app.api.admin.reports_api import blp as reports_blp

    api.register_blueprint(reports_blp)
    csrf.exempt(reports_blp)  # bearer token only, like json_blp
    from app.api.admin.report_export_api import blp as report_export_blp

    api.register_blueprint(report_export_blp)
    csrf.exempt(report_export_blp)  # bearer token only, like json_blp
