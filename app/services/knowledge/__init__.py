"""The knowledge base: Chinese full-text search over clause, regulation and FAQ articles, and the
latest announcements for a staff member (what the bot and the staff pages call).

    from app.services import knowledge
    hits = knowledge.search("涉水 发动机", limit=3)       # [KnowledgeHit(article_id, title, ...)]
    items = knowledge.latest_announcements(staff.id)     # [AnnouncementItem(id, title, ...)]
"""

from app.services.announcements import AnnouncementItem, latest_announcements
from app.services.knowledge.fulltext import KnowledgeHit, article_url, highlight_terms, search, snippet
from app.services.knowledge.segment import tokenizer as warm_up

__all__ = ["AnnouncementItem", "KnowledgeHit", "article_url", "highlight_terms", "latest_announcements", "search",
           "snippet", "warm_up"]
