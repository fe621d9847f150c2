"""Knowledge-base categories and articles: saving (which re-cuts the article into searchable
passages), publishing, reading, and loading article files (`flask kb load DIR`, the demo seed).

An article body is plain text: "## " lines start a section, "- " lines are list items, a blank
line separates paragraphs. Each section becomes one passage (long sections several), and each
passage is indexed with the article title (weight A), its heading (B), the tags (C) and its
text (D).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import delete, func, literal_column, or_, select
from sqlalchemy.orm import selectinload

from app.auth.viewer import Viewer
from app.errors import DomainError, NotFound
from app.extensions import db
from app.models.knowledge import KbArticle, KbCategory, KbPassage
from app.services import audit
from app.services.knowledge.segment import index_tokens
from app.services.lookups import get_or_404
from app.services.pagination import PageResult, paginate

DEFAULT_CATEGORIES = (
    ("clause", "条款", 10),
    ("regulation", "法规", 20),
    ("faq", "常见问题", 30),
    ("claims_practice", "理赔实务", 40),
)
# A passage is a section, split at paragraph breaks when longer than this many characters.
MAX_PASSAGE_CHARS = 500
ARTICLE_FIELDS = ("category_id", "title", "body", "source", "effective_on", "tags", "published")


# ---- categories ---------------------------------------------------------------------------------

def ensure_default_categories() -> int:
    """Create the default categories that are missing; returns how many were created."""
    existing = set(db.session.scalars(select(KbCategory.code)))
    created = 0
    for code, name, sort in DEFAULT_CATEGORIES:
        if code not in existing:
            db.session.add(KbCategory(code=code, name=name, sort=sort))
            created += 1
    db.session.flush()
    return created


def list_categories() -> list[tuple[KbCategory, int, int]]:
    """Categories in order, each with its article count and published count."""
    articles = (select(KbArticle.category_id, func.count().label("n"),
                       func.count().filter(KbArticle.published).label("published"))
                .group_by(KbArticle.category_id).subquery())
    return [tuple(row) for row in db.session.execute(
        select(KbCategory, func.coalesce(articles.c.n, 0), func.coalesce(articles.c.published, 0))
        .outerjoin(articles, articles.c.category_id == KbCategory.id)
        .order_by(KbCategory.sort, KbCategory.id))]


def save_category(viewer: Viewer, category_id: int | None, data: dict) -> KbCategory:
    clash = db.session.scalar(select(KbCategory.id).where(
        or_(KbCategory.code == data["code"], KbCategory.name == data["name"]), KbCategory.id != (category_id or 0)))
    if clash is not None:
        raise DomainError("分类代码或名称已存在", "duplicate_category", {"name": ["分类代码或名称已存在"]}, status=409)
    if category_id is None:
        category = KbCategory(code=data["code"], name=data["name"], sort=data.get("sort") or 0)
        db.session.add(category)
        db.session.flush()
        audit.record(viewer, "create", "kb_category", category.id, {"name": category.name})
    else:
        category = get_category(category_id)
        category.code, category.name, category.sort = data["code"], data["name"], data.get("sort") or 0
        audit.record(viewer, "update", "kb_category", category.id, {"name": category.name})
    db.session.commit()
    return category


def get_category(category_id: int) -> KbCategory:
    return get_or_404(KbCategory, category_id, "分类不存在")


def category_by_name(name_or_code: str) -> KbCategory:
    category = db.session.scalar(select(KbCategory).where(
        or_(KbCategory.code == name_or_code, KbCategory.name == name_or_code)))
    if category is None:
        raise DomainError(f"分类不存在:{name_or_code}", "unknown_category", status=422)
    return category


# ---- the body: sections, passages, display blocks -------------------------------------------------

@dataclass
class Section:
    heading: str | None
    paragraphs: list[str] = field(default_factory=list)


_HEADING = re.compile(r"^#{1,6}\s*(.+?)\s*#*$")


def sections(body: str) -> list[Section]:
    """The body's sections in order; text before the first heading is a section without one.
    Consecutive non-blank lines form one paragraph (list items stay one per line)."""
    result = [Section(None)]
    paragraph: list[str] = []

    def end_paragraph():
        if paragraph:
            result[-1].paragraphs.append("\n".join(paragraph))
            paragraph.clear()

    for raw in (body or "").replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        heading = _HEADING.match(line)
        if heading:
            end_paragraph()
            result.append(Section(heading.group(1)))
        elif not line:
            end_paragraph()
        else:
            paragraph.append(line)
    end_paragraph()
    return [s for s in result if s.paragraphs or s.heading]


def passages(body: str) -> list[tuple[str | None, str]]:
    """(heading, text) pieces to index: a section each, long sections cut at paragraph breaks."""
    pieces: list[tuple[str | None, str]] = []
    for section in sections(body):
        chunk: list[str] = []
        for paragraph in section.paragraphs:
            if chunk and sum(len(p) for p in chunk) + len(paragraph) > MAX_PASSAGE_CHARS:
                pieces.append((section.heading, "\n\n".join(chunk)))
                chunk = []
            chunk.append(paragraph)
        if chunk:
            pieces.append((section.heading, "\n\n".join(chunk)))
        elif section.heading:
            pieces.append((section.heading, section.heading))
    return pieces


def _vector(title: str, heading: str | None, tags: list[str], text: str):
    def part(value: str, weight: str):
        # setweight takes a "char"; the weight is one of our four constants, never input.
        return func.setweight(func.to_tsvector("simple", index_tokens(value)), literal_column(f"'{weight}'"))

    return (part(title, "A").op("||")(part(heading or "", "B")).op("||")(part(" ".join(tags), "C"))
            .op("||")(part(text, "D")))


def _reindex(article: KbArticle) -> None:
    db.session.execute(delete(KbPassage).where(KbPassage.article_id == article.id))
    for position, (heading, text) in enumerate(passages(article.body), start=1):
        db.session.add(KbPassage(article_id=article.id, position=position, heading=(heading or None) and heading[:200],
                                 text=text, search_vector=_vector(article.title, heading, article.tags or [], text)))
    db.session.flush()
    db.session.expire(article, ["passages"])


# ---- articles -----------------------------------------------------------------------------------

def _clean_tags(tags) -> list[str]:
    if isinstance(tags, str):
        tags = re.split(r"[,,、;;\s]+", tags)
    return list(dict.fromkeys(t.strip()[:32] for t in (tags or []) if t and t.strip()))[:20]


def _apply(article: KbArticle, data: dict) -> None:
    get_category(data["category_id"])
    article.category_id = data["category_id"]
    article.title = data["title"].strip()
    article.body = data["body"].strip()
    article.source = (data.get("source") or "").strip() or None
    article.effective_on = data.get("effective_on")
    article.tags = _clean_tags(data.get("tags"))
    published = bool(data.get("published"))
    if published and not article.published:
        article.published_at = datetime.now(UTC)
    article.published = published


def save_article(viewer: Viewer | None, article_id: int | None, data: dict, *, slug: str | None = None,
                 commit: bool = True) -> KbArticle:
    """Create (article_id None) or update an article and re-cut its passages."""
    if article_id is None:
        article = KbArticle(slug=slug)
        action = "create"
    else:
        article = get_article(article_id)
        action = "update"
    _apply(article, data)
    db.session.add(article)
    db.session.flush()
    _reindex(article)
    if viewer is not None:
        article.updated_by_id = viewer.staff_id
        audit.record(viewer, action, "kb_article", article.id,
                     {"title": article.title, "published": article.published})
    if commit:
        db.session.commit()
    return article


def set_published(viewer: Viewer, article_id: int, published: bool) -> KbArticle:
    article = get_article(article_id)
    if published and not article.published:
        article.published_at = datetime.now(UTC)
    article.published = published
    article.updated_by_id = viewer.staff_id
    audit.record(viewer, "update", "kb_article", article.id, {"published": published})
    db.session.commit()
    return article


def get_article(article_id: int, *, published_only: bool = False) -> KbArticle:
    stmt = select(KbArticle).where(KbArticle.id == article_id).options(
        selectinload(KbArticle.category), selectinload(KbArticle.passages))
    if published_only:
        stmt = stmt.where(KbArticle.published)
    article = db.session.scalar(stmt)
    if article is None:
        raise NotFound("文章不存在")
    return article


def list_articles(*, category_id: int | None = None, q: str | None = None, published: bool | None = None,
                  page: int = 1, page_size: int = 20) -> PageResult:
    """Articles for the admin list, newest change first; `q` matches title or tags literally."""
    stmt = (select(KbArticle).options(selectinload(KbArticle.category), selectinload(KbArticle.updated_by))
            .order_by(KbArticle.updated_at.desc(), KbArticle.id.desc()))
    if category_id:
        stmt = stmt.where(KbArticle.category_id == category_id)
    if published is not None:
        stmt = stmt.where(KbArticle.published == published)
    if q:
        stmt = stmt.where(or_(KbArticle.title.contains(q.strip(), autoescape=True),
                              KbArticle.tags.contains([q.strip()])))
    return paginate(stmt, page, page_size)


def published_articles(category_id: int | None = None, limit: int = 50) -> list[KbArticle]:
    stmt = (select(KbArticle).where(KbArticle.published).options(selectinload(KbArticle.category))
            .order_by(KbArticle.category_id, KbArticle.title).limit(limit))
    if category_id:
        stmt = stmt.where(KbArticle.category_id == category_id)
    return list(db.session.scalars(stmt))


# ---- article files ------------------------------------------------------------------------------

@dataclass
class ArticleFile:
    slug: str
    title: str
    category: str
    body: str
    source: str | None = None
    effective_on: date | None = None
    tags: list[str] = field(default_factory=list)


def parse_article_file(path: Path) -> ArticleFile:
    """A file of "---" front-matter ("key: value" lines: title, category, source,
    effective_date, tags) followed by the body."""
    text = path.read_text(encoding="utf-8").lstrip("\ufeff")
    match = re.match(r"^---\s*\n(.*?)\n---\s*\n(.*)$", text, re.S)
    if not match:
        raise DomainError(f"{path.name}:缺少以 --- 包围的文件头", "bad_article_file", status=422)
    meta = {}
    for line in match.group(1).splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            meta[key.strip().lower()] = value.strip()
    missing = [k for k in ("title", "category") if not meta.get(k)]
    if missing:
        raise DomainError(f"{path.name}:文件头缺少 {', '.join(missing)}", "bad_article_file", status=422)
    effective = meta.get("effective_date") or meta.get("effective_on")
    try:
        effective_on = date.fromisoformat(effective) if effective else None
    except ValueError:
        raise DomainError(f"{path.name}:生效日期应为 YYYY-MM-DD", "bad_article_file", status=422) from None
    return ArticleFile(slug=path.stem[:100], title=meta["title"], category=meta["category"],
                       body=match.group(2).strip(), source=meta.get("source") or None,
                       effective_on=effective_on, tags=_clean_tags(meta.get("tags")))


def load_directory(directory: Path | str, viewer: Viewer | None = None, *, publish: bool = True) -> tuple[int, int]:
    """Load every *.md / *.txt article file of `directory` (idempotent: an article loaded before,
    known by its file name, is updated). Returns (created, updated)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DomainError(f"目录不存在:{directory}", "not_a_directory", status=422)
    ensure_default_categories()
    created = updated = 0
    for path in sorted(p for p in directory.iterdir() if p.suffix in (".md", ".txt") and p.is_file()):
        parsed = parse_article_file(path)
        existing = db.session.scalar(select(KbArticle.id).where(KbArticle.slug == parsed.slug))
        data = {"category_id": category_by_name(parsed.category).id, "title": parsed.title, "body": parsed.body,
                "source": parsed.source, "effective_on": parsed.effective_on, "tags": parsed.tags,
                "published": publish}
        save_article(viewer, existing, data, slug=parsed.slug, commit=False)
        if existing is None:
            created += 1
        else:
            updated += 1
    db.session.commit()
    return created, updated
