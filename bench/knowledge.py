"""Benchmark of knowledge-base search: `python -m bench.knowledge [--copies 60] [--rounds 3]`.

Creates a fresh database (as bench/seed.py does), loads the sample articles (docs/samples/kb) and
`--copies` more copies of each under other titles (setup, not timed; the copies make every query
match tens of times more passages than the samples alone, the hard case for ranking), then times
`knowledge.search()` for each query of tests/test_knowledge_search.py's expected-top-hit table,
`--rounds` times, after jieba is loaded. Prints median / p95 / max over all searches (the
ranking itself is checked by the tests, on the samples alone).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time

from app import create_app
from bench.seed import fresh_database
from config import test_config
from tests.services import test_redis


def replicate(copies: int) -> int:
    from app.extensions import db
    from app.services.knowledge import articles
    from app.services.knowledge.samples import SAMPLES_DIR

    articles.load_directory(SAMPLES_DIR)
    for n in range(copies):
        for path in sorted(SAMPLES_DIR.glob("*.md")):
            parsed = articles.parse_article_file(path)
            articles.save_article(None, None, {
                "category_id": articles.category_by_name(parsed.category).id, "title": f"{parsed.title}(副本{n})",
                "body": parsed.body, "source": parsed.source, "effective_on": parsed.effective_on,
                "tags": parsed.tags, "published": True}, slug=f"{parsed.slug}-copy-{n}", commit=False)
        db.session.commit()
    db.session.execute(db.text("ANALYZE kb_passages"))
    db.session.commit()
    return db.session.execute(db.text("SELECT count(*) FROM kb_passages")).scalar_one()


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark of knowledge-base search")
    parser.add_argument("--copies", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    from tests.test_knowledge_search import EXPECTED_TOP

    with fresh_database() as (database_url, where), test_redis() as redis_url, \
            tempfile.TemporaryDirectory() as var_dir:
        app = create_app(test_config(DATABASE_URL=database_url, REDIS_URL=redis_url, VAR_DIR=var_dir))
        with app.app_context():
            from flask_migrate import upgrade

            from app.extensions import db
            from app.services import knowledge

            upgrade()
            started = time.perf_counter()
            knowledge.warm_up()
            print(f"jieba loaded in {time.perf_counter() - started:.2f} s")
            started = time.perf_counter()
            passages = replicate(options.copies)
            articles_count = db.session.execute(db.text("SELECT count(*) FROM kb_articles")).scalar_one()
            print(f"{articles_count:,} articles, {passages:,} passages loaded in {time.perf_counter() - started:.1f} s "
                  "(setup)")
            timings = []
            for _ in range(options.rounds):
                for query in EXPECTED_TOP:
                    started = time.perf_counter()
                    knowledge.search(query)
                    timings.append((time.perf_counter() - started) * 1000)
            db.session.remove()
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    print(f"database: {where}; Python {platform.python_version()}; {os.cpu_count()} CPUs")
    print(f"{len(timings)} searches ({len(EXPECTED_TOP)} queries x {options.rounds}): median "
          f"{statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms")


if __name__ == "__main__":
    main()
