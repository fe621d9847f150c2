"""The sample knowledge base and two announcements, for the demo (`make demo`) and `flask kb load`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from app.models import OrgLevel, OrgUnit, Staff
from app.models.knowledge import Announcement, AnnouncementTarget, KbArticle
from app.services.knowledge.articles import load_directory

SAMPLES_DIR = Path(__file__).resolve().parents[3] / "docs" / "samples" / "kb"

DEMO_ANNOUNCEMENTS = (
    ("关于做好暴雨天气车险查勘理赔服务的通知",
     "各支公司:\n\n气象部门预报本周末有强降雨。请各单位提前部署:\n"
     "1. 提醒客户不要在积水路段强行通行,车辆涉水熄火后切勿二次启动;\n"
     "2. 涉水、泡水车辆报案优先派工,查勘时先确认保单是否附加发动机进水损坏除外特约条款;\n"
     "3. 理赔人员保持电话畅通,做好夜间值班。"),
    ("续保攻坚月活动安排",
     "各团队:\n\n本月为续保攻坚月。请业务员每天查看企业微信中的续保任务,到期前30天内完成首次跟进,"
     "并在系统中登记跟进结果(已续保、已报价、拒绝及原因、联系不上)。月底按续保率排名通报。"),
)


def load_samples(only_if_empty: bool = False) -> dict[str, int]:
    """Load the sample articles (updating those loaded before, unless `only_if_empty` and there are
    articles already: an admin's edits stay) and, if there are no announcements yet, two
    published ones for the whole company by its first admin. Commits."""
    counts = {"articles_created": 0, "articles_updated": 0, "announcements": 0}
    has_articles = db.session.scalar(select(func.count()).select_from(KbArticle)) > 0
    if SAMPLES_DIR.is_dir() and not (only_if_empty and has_articles):
        counts["articles_created"], counts["articles_updated"] = load_directory(SAMPLES_DIR)
    if db.session.scalar(select(func.count()).select_from(Announcement)):
        return counts
    company = db.session.scalar(select(OrgUnit).where(OrgUnit.level == OrgLevel.company).order_by(OrgUnit.id))
    if company is None:
        return counts
    author = db.session.scalar(select(Staff).where(Staff.org_unit_id == company.id, Staff.username.is_not(None))
                               .order_by(Staff.id))
    for title, body in DEMO_ANNOUNCEMENTS:
        db.session.add(Announcement(title=title, body=body, author_id=author.id if author else None, roles=[],
                                    published_at=datetime.now(UTC), push_count=0,
                                    targets=[AnnouncementTarget(org_unit_id=company.id)]))
        counts["announcements"] += 1
    db.session.commit()
    return counts
