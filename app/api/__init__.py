"""HTTP layers, one package per audience, and the health check."""

from __future__ import annotations

from flask import Flask, jsonify
from sqlalchemy import text


def register_blueprints(app: Flask, api, csrf) -> None:
    from app.api.admin import register as register_admin
    from app.api.mp import blp as mp_blp
    from app.api.staff import blp as staff_blp

    for blp in (mp_blp, staff_blp):
        api.register_blueprint(blp)
        csrf.exempt(blp)  # bearer-token APIs; no cookies, no CSRF
    register_admin(app, api, csrf)
    from app.api.hooks import blp as hooks_blp

    api.register_blueprint(hooks_blp)
    csrf.exempt(hooks_blp)  # provider callbacks: no cookie, nothing for CSRF to protect
    from app.api.partner import blp as partner_blp

    api.register_blueprint(partner_blp)
    csrf.exempt(partner_blp)  # partner credentials in a header, no cookie
    from app.api.wecom import bp as wecom_bp

    app.register_blueprint(wecom_bp)
    csrf.exempt(wecom_bp)  # WeCom signs its callbacks; there is no cookie
    from app.api.staff.pages import bp as staff_pages_bp

    # Staff H5 pages sign in with WeCom OAuth into a session cookie, so their forms keep CSRF.
    app.register_blueprint(staff_pages_bp)

    @app.get("/healthz")
    def healthz():
        from app.extensions import db, redis_ext

        checks = {}
        try:
            db.session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # report, don't raise: this is the health page
            checks["database"] = f"error: {type(exc).__name__}"
        finally:
            db.session.rollback()
        try:
            redis_ext.client.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
        healthy = all(v == "ok" for v in checks.values())
        return jsonify(status="ok" if healthy else "degraded", checks=checks), 200 if healthy else 503
