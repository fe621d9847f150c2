"""Small builders for tests: a test names only what it cares about; the rest gets sane defaults."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from app.auth.passwords import hash_password
from app.extensions import db
from app.models import (
    Claim,
    ClaimStatus,
    CodeItem,
    CodeKind,
    Customer,
    Dealer,
    Line,
    OrgLevel,
    OrgUnit,
    Policy,
    RenewalRecord,
    Role,
    Staff,
    Team,
    Vehicle,
)
from app.validators import make_id_number, with_vin_check

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def org_unit(level: OrgLevel = OrgLevel.branch, parent: OrgUnit | None = None, name: str | None = None,
             code: str | None = None) -> OrgUnit:
    n = _n()
    unit = OrgUnit(code=code or f"ORG{n}", name=name or f"机构{n}", level=level,
                   parent_id=parent.id if parent else None)
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    db.session.flush()
    return unit


def team(branch: OrgUnit, manager: Staff | None = None, supervisor: Staff | None = None) -> Team:
    n = _n()
    t = Team(code=f"T{n}", name=f"团队{n}", branch_id=branch.id,
             manager_id=manager.id if manager else None, supervisor_id=supervisor.id if supervisor else None)
    db.session.add(t)
    db.session.flush()
    return t


def staff(role: Role = Role.agent, org: OrgUnit | None = None, team: Team | None = None,
          dealer: Dealer | None = None, username: str | None = None, password: str | None = None,
          name: str | None = None, **kw) -> Staff:
    n = _n()
    org = org or (team.branch if team else None)
    s = Staff(code=f"S{n:05d}", name=name or f"员工{n}", role=role, org_unit_id=org.id,
              team_id=team.id if team else None, dealer_id=dealer.id if dealer else None,
              username=username, password_hash=hash_password(password) if password else None, **kw)
    db.session.add(s)
    db.session.flush()
    return s


def dealer(city: OrgUnit, branch: OrgUnit | None = None, name: str | None = None) -> Dealer:
    n = _n()
    d = Dealer(code=f"D{n}", name=name or f"4S店{n}", brand="大众", city_id=city.id,
               branch_id=branch.id if branch else None)
    db.session.add(d)
    db.session.flush()
    return d


def code(kind: CodeKind, code: str, name: str, **kw) -> CodeItem:
    item = CodeItem(kind=kind, code=code, name=name, **kw)
    db.session.add(item)
    db.session.flush()
    return item


def customer(agent: Staff | None = None, name: str | None = None, mobile: str | None = None,
             id_number: str | None = None, **kw) -> Customer:
    n = _n()
    c = Customer(name=name or f"客户{n}", birthday=date(1985, 1, 1) + timedelta(days=n), **kw)
    c.mobile = mobile or f"139{n:08d}"
    c.id_number = id_number or make_id_number("110101", date(1985, 1, 1) + timedelta(days=n), n)
    if agent is not None:
        c.agent_id = agent.id
        c.team_id = agent.team_id
        c.branch_id = agent.org_unit_id
    db.session.add(c)
    db.session.flush()
    return c


def vin(n: int | None = None) -> str:
    n = _n() if n is None else n
    return with_vin_check(f"LSVAB2BM0{n:08d}"[:17])


def vehicle(owner: Customer | None = None, plate: str | None = None, **kw) -> Vehicle:
    n = _n()
    v = Vehicle(vin=kw.pop("vin", None) or vin(n), plate=plate or f"京A{n % 100000:05d}",
                first_registration_date=kw.pop("first_registration_date", date(2020, 5, 1)),
                brand="大众", model="朗逸", owner_id=owner.id if owner else None, **kw)
    db.session.add(v)
    db.session.flush()
    return v


def policy(customer: Customer | None = None, vehicle: Vehicle | None = None, agent: Staff | None = None,
           line: Line = Line.commercial, start: date = date(2026, 1, 1), days: int = 365,
           written: str = "3000.00", base: str | None = None, dealer: Dealer | None = None,
           branch: OrgUnit | None = None, **kw) -> Policy:
    n = _n()
    customer = customer or globals()["customer"](agent=agent)
    vehicle = vehicle or globals()["vehicle"](owner=customer)
    p = Policy(
        number=kw.pop("number", None) or f"P{line.value[:1].upper()}{n:010d}", line=line,
        customer_id=customer.id, vehicle_id=vehicle.id, vin=vehicle.vin, issued_on=start - timedelta(days=3),
        start_date=start, end_date=start + timedelta(days=days - 1), written_premium=Decimal(written),
        base_premium=Decimal(base or written), branch_id=(branch or (agent.org_unit if agent else None)).id,
        team_id=agent.team_id if agent else None, agent_id=agent.id if agent else None,
        dealer_id=dealer.id if dealer else None, **kw)
    db.session.add(p)
    db.session.flush()
    return p


def claim(policy: Policy, reported_at: datetime | None = None, status: ClaimStatus = ClaimStatus.registered,
          **kw) -> Claim:
    n = _n()
    reported_at = reported_at or datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    c = Claim(number=f"C{n:010d}", policy_id=policy.id, customer_id=policy.customer_id,
              vehicle_id=policy.vehicle_id, status=status, reported_at=reported_at,
              registered_at=kw.pop("registered_at", reported_at + timedelta(hours=5)),
              branch_id=policy.branch_id, agent_id=policy.agent_id, team_id=policy.team_id, **kw)
    db.session.add(c)
    db.session.flush()
    return c


def renewal(policy: Policy, owner: Staff | None = None) -> RenewalRecord:
    r = RenewalRecord(policy_id=policy.id, vin=policy.vin, line=policy.line, due_date=policy.end_date,
                      owner_id=owner.id if owner else policy.agent_id, agent_id=policy.agent_id,
                      team_id=policy.team_id, branch_id=policy.branch_id)
    db.session.add(r)
    db.session.flush()
    return r


def staff_token(s: Staff) -> dict:
    from app.auth.tokens import issue_token

    return {"Authorization": f"Bearer {issue_token('staff', s.id, s.token_version)}"}


def customer_token(c: Customer) -> dict:
    from app.auth.tokens import issue_token

    return {"Authorization": f"Bearer {issue_token('customer', c.id)}"}


def report_book() -> dict:
    """A small book for the report pages, export, CLI and digest: a company, a city, two branches
    (长安 B1, 桥西 B2) with a team each, and premium written in March 2026 (one policy in April):
    长安 ctpl 950.00 + commercial 3000.00 + 4200.50, 桥西 commercial 2800.00. Each policy has one
    zero-paid claim. Returns the staff by role and the branches, committed."""
    company = org_unit(OrgLevel.company, name="总公司", code="HQ")
    city = org_unit(OrgLevel.city, company, name="石家庄")
    b1 = org_unit(OrgLevel.branch, city, name="长安支公司", code="B1")
    b2 = org_unit(OrgLevel.branch, city, name="桥西支公司", code="B2")
    m1, m2 = staff(Role.team_manager, org=b1), staff(Role.team_manager, org=b2)
    t1, t2 = team(b1, manager=m1), team(b2, manager=m2)
    a1, a2 = staff(Role.agent, team=t1), staff(Role.agent, team=t2)
    for agent, line, start, written in (
            (a1, Line.commercial, date(2026, 3, 2), "3000.00"),
            (a1, Line.ctpl, date(2026, 3, 2), "950.00"),
            (a1, Line.commercial, date(2026, 3, 20), "4200.50"),
            (a2, Line.commercial, date(2026, 3, 5), "2800.00"),
            (a2, Line.commercial, date(2026, 4, 1), "9999.00")):
        p = policy(agent=agent, line=line, start=start, written=written, base=str(Decimal(written) * 2))
        claim(p, paid=Decimal("0"))
    book = {
        "admin": staff(Role.admin, org=company),
        "branch_manager": staff(Role.branch_manager, org=b1),
        "supervisor": staff(Role.supervisor, org=b1),
        "team_manager": m1,
        "claims_handler": staff(Role.claims_handler, org=b1),
        "agent": a1,
        "b1": b1,
        "b2": b2,
        "company": company,
    }
    db.session.commit()
    return book


def claim_reserve(claim: Claim, at: datetime, amount: str):
    from app.models import ClaimReserve

    r = ClaimReserve(claim_id=claim.id, at=at, amount=Decimal(amount))
    db.session.add(r)
    db.session.flush()
    return r


def plan(month: date, line: Line, amount: str, *, agent: Staff | None = None, team: Team | None = None,
         org: OrgUnit | None = None, dealer: Dealer | None = None):
    from app.models import Plan

    p = Plan(month=month, line=line, amount=Decimal(amount), agent_id=agent.id if agent else None,
             team_id=team.id if team else None, org_unit_id=org.id if org else None,
             dealer_id=dealer.id if dealer else None)
    db.session.add(p)
    db.session.flush()
    return p


def complaint(branch: OrgUnit, received_on: date, valid: bool = True, **kw):
    from app.models import Complaint

    n = _n()
    c = Complaint(number=f"TS{n:08d}", branch_id=branch.id, received_on=received_on, valid=valid, **kw)
    db.session.add(c)
    db.session.flush()
    return c
