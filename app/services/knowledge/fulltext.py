"""Knowledge-base search: jieba words against the passages' tsvector, ranked in SQL.

A query is cut into words (question words dropped); each word is looked up as a prefix
(`交强:*` finds 交强险), so partial words match. A passage's score, all computed in one SQL query:

- coverage (0..1): for each query word, 0.6 if it is in the article title (else 0.45 in the
  section heading, else 0.3 in the tags), plus 0.4 if it is in the passage text; a word found
  only through its dictionary sub-words earns 0.3. Other names of a concept (机动车第三者责任保险
  for 三者险, synonyms.txt) are indexed and searched as the short name. Words are weighted by
  their rarity among the passages (BM25's idf), so 保险 counts for less than 涉水. This is what
  makes a title match beat a body mention.
- + 0.15 x ts_rank_cd (density of the matches, normalised to 0..1);
- + 0.25 x pg_trgm word_similarity of the whole query with the title and heading: the fallback
  that still finds 车轮单独损市险 (a typo) or a query jieba cuts badly; an article whose title is
  that close is a candidate even when no word matched.
Each article is represented by its best passage.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Float, and_, case, cast, func, literal, or_, select

from app.extensions import db
from app.models.knowledge import KbArticle, KbCategory, KbPassage
from app.services.knowledge.segment import QueryWord, other_names, query_words

TITLE_WEIGHT, HEADING_WEIGHT, TAG_WEIGHT, BODY_WEIGHT, PART_WEIGHT = 0.6, 0.45, 0.3, 0.4, 0.3
RANK_WEIGHT, TRIGRAM_WEIGHT = 0.15, 0.25
# Below this word_similarity a title makes no candidate by trigrams alone.
TRIGRAM_CANDIDATE = 0.3
# Hits scoring less than this match only common words: not worth showing; nor are hits scoring
# less than this share of the best hit's score (one common word beside the real answer).
MIN_SCORE = 0.12
RELATIVE_CUTOFF = 0.3
SNIPPET_CHARS = 120
MAX_QUERY_CHARS = 100


@dataclass(frozen=True)
class KnowledgeHit:
    article_id: int
    title: str
    category: str
    snippet: str
    url: str
    score: float
    heading: str | None = None


def article_url(article_id: int) -> str:
    return f"{current_app.config.get('ADMIN_BASE_URL', '').rstrip('/')}/staff/kb/{article_id}"


def _tsquery(text: str):
    return func.to_tsquery("simple", text)


def _matches(vector, tsquery):
    return vector.bool_op("@@")(tsquery)


def _prefix_any(words: list[str]) -> str:
    return " | ".join(f"{w}:*" for w in words)


def _idf(words: list[QueryWord]) -> list[float]:
    """Rarity of each word among the passages (BM25 idf, never negative). One count per word, each
    answered from the GIN index; unpublished passages count too (they are few, and it keeps the
    counts index-only)."""
    vector = KbPassage.search_vector
    counts = db.session.execute(select(
        select(func.count()).select_from(KbPassage).scalar_subquery(),
        *(select(func.count()).select_from(KbPassage).where(_matches(vector, _tsquery(f"{w.word}:*")))
          .scalar_subquery() for w in words),
    )).one()
    total, frequencies = counts[0], counts[1:]
    return [math.log(1 + (total - df + 0.5) / (df + 0.5)) for df in frequencies]


def _word_score(word: QueryWord):
    vector = KbPassage.search_vector
    score = (case((_matches(vector, _tsquery(f"{word.word}:*A")), TITLE_WEIGHT),
                  (_matches(vector, _tsquery(f"{word.word}:*B")), HEADING_WEIGHT),
                  (_matches(vector, _tsquery(f"{word.word}:*C")), TAG_WEIGHT), else_=0.0)
             + case((_matches(vector, _tsquery(f"{word.word}:*D")), BODY_WEIGHT), else_=0.0))
    if word.parts:
        whole = _matches(vector, _tsquery(f"{word.word}:*"))
        some_part = _matches(vector, _tsquery(_prefix_any(list(word.parts))))
        score = score + case((and_(~whole, some_part), PART_WEIGHT), else_=0.0)
    return score


def search(query: str, *, limit: int = 3, category: str | None = None) -> list[KnowledgeHit]:
    """The best `limit` published articles for `query`, each with its best passage quoted."""
    query = re.sub(r"\s+", " ", (query or "").strip())[:MAX_QUERY_CHARS]
    words = query_words(query)
    if not words:  # nothing but question words and punctuation
        return []
    vector = KbPassage.search_vector
    label = KbArticle.title + literal(" ") + func.coalesce(KbPassage.heading, "")
    trigram = func.word_similarity(query, label)
    idf = _idf(words)
    total_idf = sum(idf) or 1.0
    coverage = sum((_word_score(w) * (weight / total_idf) for w, weight in zip(words, idf, strict=True)),
                   start=literal(0.0))
    everything = _tsquery(_prefix_any([w.word for w in words] + [p for w in words for p in w.parts]))
    rank = func.ts_rank_cd(vector, everything, 32)
    # Candidates: passages matching a word (GIN index), and those of articles whose title is close
    # to the query by trigrams (one pass over the titles, not over every passage).
    similar_titles = select(KbArticle.id).where(KbArticle.published,
                                                func.word_similarity(query, KbArticle.title) >= TRIGRAM_CANDIDATE)
    candidate = or_(_matches(vector, everything), KbPassage.article_id.in_(similar_titles))
    score = cast(coverage + RANK_WEIGHT * rank + TRIGRAM_WEIGHT * trigram, Float).label("score")
    best_first = func.row_number().over(partition_by=KbPassage.article_id,
                                        order_by=(score.desc(), KbPassage.position)).label("best")
    ranked = (
        select(KbPassage.id.label("passage_id"), KbPassage.article_id, score, best_first)
        .join(KbArticle, KbArticle.id == KbPassage.article_id)
        .where(KbArticle.published, candidate)
    )
    if category:
        ranked = ranked.join(KbCategory, KbCategory.id == KbArticle.category_id).where(
            or_(KbCategory.code == category, KbCategory.name == category))
    ranked = ranked.subquery()
    rows = db.session.execute(
        select(ranked.c.score, KbPassage, KbArticle.title, KbCategory.name)
        .join(KbPassage, KbPassage.id == ranked.c.passage_id)
        .join(KbArticle, KbArticle.id == KbPassage.article_id)
        .join(KbCategory, KbCategory.id == KbArticle.category_id)
        .where(ranked.c.best == 1, ranked.c.score >= MIN_SCORE)
        .order_by(ranked.c.score.desc(), KbPassage.article_id)
        .limit(max(1, min(limit, 20)))
    ).all()
    if rows:
        floor = RELATIVE_CUTOFF * float(rows[0][0])
        rows = [row for row in rows if float(row[0]) >= floor]
    terms = highlight_terms(query, words)
    return [
        KnowledgeHit(article_id=passage.article_id, title=title, category=category_name,
                     snippet=snippet(passage.text, terms), url=article_url(passage.article_id),
                     score=round(float(row_score), 4), heading=passage.heading)
        for row_score, passage, title, category_name in rows
    ]


def highlight_terms(query: str, words: list[QueryWord] | None = None) -> list[str]:
    """The strings to look for in a text to show what matched: the query's words, the other names
    of those words (座位险 -> 车上人员责任保险 ...) and their dictionary sub-words, longest first."""
    words = query_words(query) if words is None else words
    terms = {w.word for w in words} | {p for w in words for p in w.parts} | {
        name for w in words for name in other_names(w.word)}
    return sorted(terms, key=lambda t: (-len(t), t))


def snippet(text: str, terms: list[str], size: int = SNIPPET_CHARS) -> str:
    """About `size` characters of `text` around the most query words, with … where it was cut."""
    flat = re.sub(r"\s+", " ", text).strip()
    if len(flat) <= size:
        return flat
    lowered = flat.lower()
    hits = sorted({(m.start(), t) for t in terms for m in re.finditer(re.escape(t.lower()), lowered)})
    # The window with the most (and longest) distinct words; between equals, the denser one.
    best_start, best_key = 0, (-1, -1)
    for position, _ in hits:
        start = max(0, min(position - size // 5, len(flat) - size))
        window = lowered[start:start + size]
        key = (sum(len(t) for t in terms if t.lower() in window),
               sum(len(t) * window.count(t.lower()) for t in terms))
        if key > best_key:
            best_start, best_key = start, key
    # Start at a sentence or clause boundary shortly before the window when there is one.
    boundary = max(flat.rfind(mark, max(0, best_start - 30), best_start + 1) for mark in "。;:;: ")
    if boundary >= 0 and best_start - boundary <= 30:
        best_start = boundary + 1
    piece = flat[best_start:best_start + size].strip()
    return ("…" if best_start > 0 else "") + piece + ("…" if best_start + size < len(flat) else "")
