"""Knowledge-base search on the sample articles (docs/samples/kb): the article a staff member
would want comes first, for spaced and unspaced questions, partial words and typos."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.extensions import db as _db
from app.models.knowledge import KbArticle, KbPassage
from app.services import knowledge
from app.services.knowledge import articles, segment

SAMPLES = Path(__file__).resolve().parent.parent / "docs" / "samples" / "kb"


@pytest.fixture
def kb(db):
    created, updated = articles.load_directory(SAMPLES)
    assert (created, updated) == (len(list(SAMPLES.glob("*.md"))), 0)
    return {a.slug: a.id for a in _db.session.scalars(_db.select(KbArticle))}


# query -> the sample file (slug) that must come first
EXPECTED_TOP = {
    "涉水 发动机": "clause-addon-engine-water",
    "发动机进水了赔不赔": "clause-addon-engine-water",
    "三者险赔多少": "clause-third-party",
    "三者险 赔多少": "clause-third-party",
    "交强险 死亡伤残 限额": "clause-ctpl-limits",
    "交强险死亡伤残赔多少": "clause-ctpl-limits",
    "理赔 材料": "faq-claim-documents",
    "理赔需要哪些材料": "faq-claim-documents",
    "出险后怎么报案": "faq-report-claim",
    "异地出险怎么办": "faq-out-of-town",
    "续保优惠": "faq-ncd",
    "NCD系数是多少": "faq-ncd",
    "玻璃单独破碎": "faq-glass",
    "如实告知": "regulation-insurance-law",
    "保险公司多久赔": "regulation-insurance-law",
    "醉驾 垫付": "clause-ctpl-advance",
    "车上人员责任险": "clause-seat",
    "未投保交强险怎么罚款": "regulation-road-traffic-law",
    # partial words: a prefix of an indexed word
    "代位": "regulation-subrogation",
    "医保外": "clause-addon-medical",
    "划痕": "clause-addon-scratch",
    "新增设备": "clause-addon-new-equipment",
    # typos
    "车轮单独损市险": "clause-addon-wheel",
    "不计免陪": "practice-deductible",
}


@pytest.mark.parametrize("query", list(EXPECTED_TOP))
def test_expected_article_comes_first(kb, query):
    hits = knowledge.search(query)
    assert hits, query
    assert hits[0].article_id == kb[EXPECTED_TOP[query]], [(h.title, h.score) for h in hits]


def test_a_hit_carries_title_category_snippet_with_the_words_and_an_absolute_link(kb, app, monkeypatch):
    monkeypatch.setitem(app.config, "ADMIN_BASE_URL", "https://ops.example.com/")
    hit = knowledge.search("涉水 发动机", limit=1)[0]
    assert hit.title == "附加发动机进水损坏除外特约条款"
    assert hit.category == "条款"
    assert hit.url == f"https://ops.example.com/staff/kb/{hit.article_id}"
    assert "涉水" in hit.snippet and "发动机" in hit.snippet
    assert len(hit.snippet) <= 122
    assert 0 < hit.score


def test_the_snippet_is_the_passage_that_answers(kb):
    hit = knowledge.search("交强险 无责任 财产损失 限额", limit=1)[0]
    assert hit.article_id == kb["clause-ctpl-limits"]
    assert "无责任财产损失赔偿限额为100元" in hit.snippet
    hit = knowledge.search("三者险 主要事故责任 比例", limit=1)[0]
    assert "70%" in hit.snippet


def test_everyday_words_reach_the_clause_wording(kb):
    """偷 / 酒驾 / 泡水 are not in the clauses; synonyms.txt maps them to 盗窃 / 饮酒 / 浸泡."""
    assert knowledge.search("酒驾撞人保险赔吗")[0].article_id == kb["clause-own-damage-exclusions"]
    assert kb["clause-own-damage-liability"] in [h.article_id for h in knowledge.search("车被偷了", limit=2)]
    assert knowledge.search("暴雨泡水车")[0].article_id == kb["clause-addon-engine-water"]
    hit = knowledge.search("座位险")[0]
    assert hit.article_id == kb["clause-seat"]
    assert "车上人员责任保险" in knowledge.highlight_terms("座位险")


def test_title_match_beats_a_body_mention(kb):
    """车轮单独损失 is the title of one article and a line in the 车损险 exclusions."""
    ids = [h.article_id for h in knowledge.search("车轮单独损失", limit=5)]
    assert ids.index(kb["clause-addon-wheel"]) < ids.index(kb["clause-own-damage-exclusions"])
    ids = [h.article_id for h in knowledge.search("车身划痕", limit=5)]
    assert ids[0] == kb["clause-addon-scratch"] and kb["clause-own-damage-exclusions"] in ids


def test_one_hit_per_article_and_the_limit_is_kept(kb):
    hits = knowledge.search("交强险", limit=3)
    assert len(hits) == 3
    assert len({h.article_id for h in hits}) == 3
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_hits_matching_only_a_common_word_beside_the_answer_are_left_out(kb):
    ids = [h.article_id for h in knowledge.search("三者险赔多少", limit=10)]
    assert ids[0] == kb["clause-third-party"]
    assert kb["faq-ncd"] not in ids and kb["faq-glass"] not in ids  # they share only 赔


def test_questions_without_content_and_unrelated_questions_find_nothing(kb):
    assert knowledge.search("什么") == []
    assert knowledge.search("怎么办呢?") == []
    assert knowledge.search("今天天气怎么样") == []
    assert knowledge.search("") == []


def test_unpublished_articles_are_not_found_until_published(kb):
    article_id = kb["faq-glass"]
    articles.set_published(_viewer(), article_id, False)
    assert kb["faq-glass"] not in [h.article_id for h in knowledge.search("玻璃单独破碎")]
    articles.set_published(_viewer(), article_id, True)
    assert knowledge.search("玻璃单独破碎")[0].article_id == article_id


def test_editing_an_article_reindexes_its_passages(kb):
    article = articles.get_article(kb["faq-glass"])
    data = {"category_id": article.category_id, "title": article.title, "source": article.source,
            "effective_on": article.effective_on, "tags": article.tags, "published": True,
            "body": article.body + "\n\n## 天窗玻璃\n\n全景天窗玻璃单独破碎按车损险赔偿。"}
    articles.save_article(_viewer(), article.id, data)
    hit = knowledge.search("全景天窗", limit=1)[0]
    assert hit.article_id == article.id and "全景天窗" in hit.snippet
    positions = _db.session.scalars(_db.select(KbPassage.position).where(KbPassage.article_id == article.id)
                                    .order_by(KbPassage.position)).all()
    assert positions == list(range(1, len(positions) + 1))


def test_loading_the_samples_again_updates_instead_of_duplicating(kb):
    assert articles.load_directory(SAMPLES) == (0, len(kb))
    assert _db.session.scalar(_db.select(_db.func.count()).select_from(KbArticle)) == len(kb)


def test_sample_articles_are_enough_and_well_formed():
    files = sorted(SAMPLES.glob("*.md"))
    assert len(files) >= 15
    for path in files:
        parsed = articles.parse_article_file(path)
        assert parsed.title and parsed.category and parsed.source and parsed.effective_on and parsed.tags, path
        assert len(articles.passages(parsed.body)) >= 2, path


def test_question_words_are_dropped_and_insurance_terms_stay_whole():
    words = [w.word for w in segment.query_words("玻璃单独破碎了怎么办?交强险赔吗")]
    assert words == ["玻璃单独破碎", "交强险", "赔"]
    assert "代位求偿" in segment.index_tokens("保险人可以代位求偿").split()


def test_search_is_quick_once_jieba_is_loaded(kb):
    knowledge.warm_up()
    started = time.perf_counter()
    for query in EXPECTED_TOP:
        knowledge.search(query)
    per_query = (time.perf_counter() - started) / len(EXPECTED_TOP)
    assert per_query < 0.1, f"{per_query * 1000:.1f} ms per query"


def _viewer():
    from app.auth.viewer import Viewer
    from app.models import AuditChannel

    return Viewer(channel=AuditChannel.cli)


def test_flask_kb_load_loads_and_reloads_the_folder(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kb", "load", str(SAMPLES)])
    assert result.exit_code == 0, result.output
    count = len(list(SAMPLES.glob("*.md")))
    assert f"新增文章 {count} 篇,更新 0 篇,均已发布" in result.output
    result = runner.invoke(args=["kb", "load", "--draft", str(SAMPLES)])
    assert f"新增文章 0 篇,更新 {count} 篇,均未发布" in result.output
    assert knowledge.search("交强险") == []
    assert runner.invoke(args=["kb", "load", str(SAMPLES / "missing")]).exit_code != 0


def test_demo_samples_bring_articles_and_two_company_announcements(db):
    from app.models import OrgLevel, Role
    from app.services.knowledge.samples import load_samples
    from tests import factories as f

    company = f.org_unit(OrgLevel.company)
    agent = f.staff(Role.agent, org=f.org_unit(OrgLevel.branch, company))
    f.staff(Role.admin, org=company, username="admin", password="x" * 12)
    _db.session.commit()
    first = load_samples()
    assert first["articles_created"] >= 15 and first["announcements"] == 2
    assert len(knowledge.latest_announcements(agent.id)) == 2
    assert load_samples()["announcements"] == 0  # run again: nothing doubled
    assert knowledge.search("理赔需要哪些材料")[0].title == "理赔需要哪些材料"
    # A restarted demo (seed --if-empty) keeps what an admin changed.
    edited = _db.session.scalar(_db.select(KbArticle).where(KbArticle.slug == "faq-glass"))
    edited.title = "玻璃破了怎么办(已修改)"
    _db.session.commit()
    assert load_samples(only_if_empty=True) == {"articles_created": 0, "articles_updated": 0, "announcements": 0}
    assert _db.session.get(KbArticle, edited.id).title == "玻璃破了怎么办(已修改)"
