"""The data model, one module per aggregate. Importing this package registers every table."""

from app.models import bot, ingest, knowledge, member, messaging, points  # noqa: F401,E402  (tables register on import)
from app.models.audit import AuditChannel, AuditLog
from app.models.claim import Claim, ClaimDocument, ClaimEvent, ClaimReserve, ClaimStage, ClaimStatus
from app.models.codes import CodeItem, CodeKind
from app.models.complaint import Complaint
from app.models.customer import Customer, CustomerKind, Vehicle, VipTier
from app.models.dealer import Dealer
from app.models.org import OrgLevel, OrgUnit, Role, Staff, Team
from app.models.plan import Plan
from app.models.policy import Coverage, Endorsement, Line, Policy, PolicyCoverage, PolicyStatus
from app.models.renewal import FollowUpResult, RenewalFollowUp, RenewalRecord, RenewalStatus

__all__ = [
    "AuditChannel", "AuditLog", "Claim", "ClaimDocument", "ClaimEvent", "ClaimReserve", "ClaimStage",
    "ClaimStatus", "CodeItem", "CodeKind", "Complaint", "Coverage", "Customer", "CustomerKind", "Dealer",
    "Endorsement", "FollowUpResult", "Line", "OrgLevel", "OrgUnit", "Plan", "Policy", "PolicyCoverage",
    "PolicyStatus", "RenewalFollowUp", "RenewalRecord", "RenewalStatus", "Role", "Staff", "Team", "Vehicle",
    "VipTier",
]
