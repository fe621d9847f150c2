"""The knowledge base (clauses, regulations, FAQ) and staff announcements."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin


class KbCategory(TimestampMixin, db.Model):
    """条款 / 法规 / 常见问题 / 理赔实务 ...; `code` is what sample files and the CLI name."""

    __tablename__ = "kb_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)


class KbArticle(TimestampMixin, db.Model):
    __tablename__ = "kb_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable name of an article loaded from a file (its file name), so reloading updates it.
    slug: Mapped[str | None] = mapped_column(String(100), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("kb_categories.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # Plain text with "## " section headings, "- " list items and blank lines between paragraphs.
    body: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(200))
    effective_on: Mapped[date | None] = mapped_column(Date)
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    category: Mapped[KbCategory] = relationship()
    updated_by = relationship("Staff")
    passages: Mapped[list[KbPassage]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="KbPassage.position")


class KbPassage(db.Model):
    """One section (or part of a long section) of an article: the unit search ranks and quotes.

    `search_vector` holds jieba's tokens of the article title (weight A), the section heading (B)
    and the passage text (D), written by the service whenever the article is saved."""

    __tablename__ = "kb_passages"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    heading: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    search_vector = mapped_column(TSVECTOR, nullable=False)

    article: Mapped[KbArticle] = relationship(back_populates="passages")

    __table_args__ = (
        UniqueConstraint("article_id", "position", name="uq_kb_passages_article_position"),
        Index("ix_kb_passages_search_vector", "search_vector", postgresql_using="gin"),
    )


class Announcement(TimestampMixin, db.Model):
    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    # Empty = every role in the target units.
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    # None while a draft; set once, when published.
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # When the push job last ran for it, and how many staff messages it queued in all.
    pushed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    push_count: Mapped[int] = mapped_column(Integer, default=0)

    author = relationship("Staff")
    targets: Mapped[list[AnnouncementTarget]] = relationship(cascade="all, delete-orphan")


class AnnouncementTarget(db.Model):
    """An org unit whose whole subtree the announcement reaches."""

    __tablename__ = "announcement_targets"

    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"),
                                                 primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), primary_key=True, index=True)

    org_unit = relationship("OrgUnit")
