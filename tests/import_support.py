"""Shared pieces of the import tests: the org frame the sample files name, and table digests."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from sqlalchemy import text

from app.extensions import db
from app.models import CodeKind, OrgLevel
from app.services.ingest import run_import
from app.services.ingest.columns import DEPENDENCY_ORDER
from tests import factories as f

SAMPLES = Path(__file__).resolve().parent.parent / "docs" / "samples"
TABLES = ("dealers", "staff", "customers", "vehicles", "policies", "claims", "pending_claims", "complaints", "plans")


def reference_frame() -> dict:
    """The org units, teams and code items the sample files refer to (not imported: set up by admins)."""
    company = f.org_unit(OrgLevel.company, code="HB", name="河北分公司")
    city = f.org_unit(OrgLevel.city, company, code="HB01", name="石家庄中心支公司")
    b1 = f.org_unit(OrgLevel.branch, city, code="HB0101", name="长安支公司")
    b2 = f.org_unit(OrgLevel.branch, city, code="HB0102", name="桥西支公司")
    t1, t2 = f.team(b1), f.team(b2)
    t1.code, t2.code = "HB0101T1", "HB0102T1"
    for kind, items in ((CodeKind.channel, ("dealer", "telesales", "agent", "direct")),
                        (CodeKind.customer_group, ("personal", "ride_hailing", "logistics")),
                        (CodeKind.insurer, ("self", "picc", "pingan", "cpic"))):
        for code in items:
            f.code(kind, code, code, is_self=code == "self")
    db.session.commit()
    return {"company": company, "city": city, "b1": b1, "b2": b2, "t1": t1, "t2": t2}


def import_samples(kinds=DEPENDENCY_ORDER, **kw) -> dict:
    return {kind: run_import(kind.value, SAMPLES / f"{kind.value}.csv", **kw) for kind in kinds}


def digest() -> dict[str, str]:
    """Every imported table's full content, updated_at included: equal digests mean nothing changed."""
    out = {}
    with db.engine.connect() as conn:
        for table in TABLES:
            rows = conn.execute(text(f"SELECT t::text FROM {table} t ORDER BY id")).scalars().all()  # noqa: S608
            out[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return out


def read_csv(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path
