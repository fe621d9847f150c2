"""Partner API (/api/partner): dealers and merchants verify points-mall vouchers."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("partner", __name__, url_prefix="/api/partner", description="合作商户接口")

from app.api.partner import vouchers  # noqa: E402,F401  (the routes, on this blueprint)
