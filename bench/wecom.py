"""Benchmark of the WeCom bot's callback: `python -m bench.wecom [--database URL] [--policies N]`.

On a demo book (100,000 policies by default, seeded with app.services.demo_seed into a fresh
database, or an already-seeded database given with --database) it serves the app with gunicorn and
drives the full callback round trip as WeCom does: encrypt and sign a text message with wechatpy's
WeCom crypto, POST it to /wecom/callback, check and decrypt the encrypted answer. Client processes
keep --connections requests in flight (16 by default) with a realistic mix of what agents ask:
a customer by plate, by mobile and by name, their expiring policies and their performance. Every
message has its own MsgId, so each one really runs (nothing is answered from the dedupe cache).

It reports p50 / p95 / p99 of the round trip (target: p99 < 100 ms), throughput, the same for
each command, and as a baseline the round trip of /healthz (one SELECT 1 and one Redis PING) under
the same server and concurrency. The machine's load average is printed before and after: on a
shared machine the numbers move with it.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests
import xmltodict
from sqlalchemy import text
from wechatpy.enterprise.crypto import WeChatCrypto

from app import create_app
from bench.kpi import database
from config import test_config

ROOT = Path(__file__).resolve().parent.parent
CORP_ID = "wwbench0000corp"
TOKEN = "bench-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
# What agents ask, with weights: lookups dominate, then the day's list and the month's numbers.
MIX = (("plate", 30), ("mobile", 20), ("name", 15), ("expiring", 20), ("performance", 15))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def subjects(app, agents: int, seed: int) -> list[dict]:
    """Agents with WeCom accounts and, for each, a few of their customers' plates, mobiles and names."""
    from app.extensions import db
    from app.security.fields import cipher

    rng = random.Random(seed)
    with app.app_context():
        rows = db.session.execute(text(
            "SELECT s.id, s.wecom_userid FROM staff s WHERE s.role = 'agent' AND s.active AND s.wecom_userid IS NOT NULL "
            "AND EXISTS (SELECT 1 FROM customers c WHERE c.agent_id = s.id) ORDER BY s.id")).all()
        chosen = rng.sample(rows, min(agents, len(rows)))
        found = []
        for staff_id, userid in chosen:
            customers = db.session.execute(text(
                "SELECT c.name, c.mobile_enc, v.plate FROM customers c JOIN vehicles v ON v.owner_id = c.id "
                "WHERE c.agent_id = :a AND v.plate IS NOT NULL AND c.mobile_enc IS NOT NULL ORDER BY c.id LIMIT 5"),
                {"a": staff_id}).all()
            if customers:
                found.append({"userid": userid, "customers": [
                    {"name": c.name, "mobile": cipher().decrypt(c.mobile_enc), "plate": c.plate} for c in customers]})
        db.session.remove()
    return found


def message_for(kind: str, subject: dict, rng: random.Random) -> str:
    customer = rng.choice(subject["customers"])
    if kind == "plate":
        return rng.choice([customer["plate"], f"{customer['plate']} 的保单"])
    if kind == "mobile":
        return customer["mobile"]
    if kind == "name":
        return f"查客户 {customer['name']}"
    if kind == "expiring":
        return rng.choice(["本月到期", "未来30天到期", "本周到期", "60天内到期"])
    return rng.choice(["本月业绩", "今年业绩"])


def _post(conn: http.client.HTTPConnection, path: str, body: bytes) -> bytes:
    """POST on a kept-alive connection (http.client: the lightest client, so that the client's
    own work on the shared CPUs stays small)."""
    conn.request("POST", path, body=body, headers={"Content-Type": "text/xml"})
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200:
        raise RuntimeError(f"HTTP {resp.status} for {path}")
    return data


def _round_trip(conn, path, crypto, userid, content) -> float:
    started = time.perf_counter()
    nonce, timestamp = uuid.uuid4().hex[:10], str(int(time.time()))
    xml = (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{userid}]]></FromUserName>"
           f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
           f"<Content><![CDATA[{content}]]></Content><MsgId>{uuid.uuid4().int >> 65}</MsgId>"
           f"<AgentID>1000002</AgentID></xml>")
    envelope = xmltodict.parse(crypto.encrypt_message(xml, nonce, timestamp))["xml"]
    body = (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]>"
            f"</Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>")
    query = urlencode({"msg_signature": envelope["MsgSignature"], "timestamp": timestamp, "nonce": nonce})
    content_bytes = _post(conn, f"{path}?{query}", body.encode())
    outer = xmltodict.parse(content_bytes)["xml"]
    reply = xmltodict.parse(crypto.decrypt_message(content_bytes, outer["MsgSignature"], outer["TimeStamp"],
                                                   outer["Nonce"]))["xml"]
    if not reply.get("Content") or reply["Content"].startswith(("抱歉", "您好,您的企业微信")):
        raise RuntimeError(f"unexpected answer to {content!r}: {reply.get('Content')!r}")
    return time.perf_counter() - started


def _client(base: str, work: list, out) -> None:
    """One client process: send its share of the work, each thread one request at a time."""
    import threading

    crypto = WeChatCrypto(TOKEN, AES_KEY, CORP_ID)
    results: list = []
    lock = threading.Lock()
    threads_work = work

    def run(items):
        parts = urlsplit(base)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        local = []
        for kind, userid, content in items:
            if kind == "healthz":
                started = time.perf_counter()
                conn.request("GET", "/healthz")
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"/healthz answered {resp.status}")
                local.append((kind, time.perf_counter() - started))
            else:
                local.append((kind, _round_trip(conn, "/wecom/callback", crypto, userid, content)))
        conn.close()
        with lock:
            results.extend(local)

    threads = [threading.Thread(target=run, args=(items,)) for items in threads_work]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(results)


def drive(base: str, items: list, connections: int, processes: int) -> tuple[list, float]:
    """Send `items` with `connections` in flight, spread over `processes` client processes."""
    per_thread: list[list] = [[] for _ in range(connections)]
    for i, item in enumerate(items):
        per_thread[i % connections].append(item)
    groups = [per_thread[p::processes] for p in range(processes)]
    out = multiprocessing.Queue()
    started = time.perf_counter()
    procs = [multiprocessing.Process(target=_client, args=(base, group, out)) for group in groups]
    for p in procs:
        p.start()
    results = []
    for _ in procs:
        results.extend(out.get())
    for p in procs:
        p.join()
    return results, time.perf_counter() - started


def percentiles(values: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49] * 1000, q[94] * 1000, q[98] * 1000


@contextmanager
def server(database_url: str, redis_url: str, workers: int, worker_class: str, threads: int, var_dir: str):
    port = free_port()
    cfg = test_config()
    env = {**os.environ, "ENV": "test", "DATABASE_URL": database_url, "REDIS_URL": redis_url, "VAR_DIR": var_dir,
           "SECRET_KEY": cfg.SECRET_KEY, "FIELD_ENCRYPTION_KEY": cfg.FIELD_ENCRYPTION_KEY,
           "FIELD_HASH_KEY": cfg.FIELD_HASH_KEY, "WECOM_BOT_ENABLED": "1", "WECOM_TOKEN": TOKEN,
           "WECOM_ENCODING_AES_KEY": AES_KEY, "WECOM_CORP_ID": CORP_ID, "LOG_LEVEL": "WARNING",
           "REDIS_PREFIX": "baoyun-bench:", "ADMIN_BASE_URL": "https://ops.example.com"}
    cmd = [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-k", worker_class,
           "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not come up")
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark of the WeCom bot's callback round trip")
    parser.add_argument("--database", help="an already-seeded database (SQLAlchemy URL); default: seed a new one")
    parser.add_argument("--policies", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--warmup", type=int, default=400)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--processes", type=int, default=2, help="client processes sharing the connections")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")

    with database(args.database, args.policies, args.seed) as (url, where), \
            tempfile.TemporaryDirectory(prefix="baoyun-bench-var-") as var_dir:
        app = create_app(test_config(DATABASE_URL=url, VAR_DIR=var_dir, REDIS_URL=redis_url))
        with app.app_context():
            from flask_migrate import upgrade

            from app.extensions import db
            from app.services import demo_seed

            upgrade()
            if not args.database:
                started = time.perf_counter()
                demo_seed.run(policies=args.policies, seed=args.seed, progress=False)
                print(f"seeded {args.policies:,} policies in {time.perf_counter() - started:.0f} s")
            policies = db.session.scalar(text("SELECT count(*) FROM policies"))
            db.session.remove()
            db.engine.dispose()
        people = subjects(app, 40, args.seed)
        rng = random.Random(args.seed)
        kinds = [k for k, w in MIX for _ in range(w)]

        def batch(n: int) -> list:
            out = []
            for _ in range(n):
                kind, subject = rng.choice(kinds), rng.choice(people)
                out.append((kind, subject["userid"], message_for(kind, subject, rng)))
            return out

        load_before = os.getloadavg()
        with server(url, redis_url, args.workers, args.worker_class, args.threads, var_dir) as base:
            drive(base, batch(args.warmup), args.connections, args.processes)
            with app.app_context():
                from app.extensions import db

                run_started = db.session.scalar(text("SELECT clock_timestamp()"))
                db.session.remove()
            results, seconds = drive(base, batch(args.requests), args.connections, args.processes)
            baseline, base_seconds = drive(base, [("healthz", "", "")] * (args.requests // 2), args.connections,
                                           args.processes)
        load_after = os.getloadavg()
        with app.app_context():
            from app.extensions import db

            # The handler's own time (from the callback's start to its answer), as the log keeps it:
            # the round trip minus this is the client, the network and waiting for a free worker.
            logged, s50, s95, s99 = db.session.execute(text(
                "SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms), "
                "percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms), "
                "percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) FROM bot_commands WHERE at >= :t"),
                {"t": run_started}).one()
            db.session.remove()
            db.engine.dispose()

    all_times = [t for _, t in results]
    p50, p95, p99 = percentiles(all_times)
    b50, b95, b99 = percentiles([t for _, t in baseline])
    by_kind = defaultdict(list)
    for kind, t in results:
        by_kind[kind].append(t)
    print()
    print(f"command:     .venv/bin/python -m bench.wecom {'--database URL ' if args.database else ''}"
          f"--policies {args.policies} --requests {args.requests} --connections {args.connections}")
    print(f"machine:     {os.cpu_count()} CPUs, Python {platform.python_version()}, {where}; load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after")
    print(f"book:        {policies:,} policies; {len(people)} agents asking")
    print(f"server:      gunicorn -w {args.workers} -k {args.worker_class} --threads {args.threads}; "
          f"{args.processes} client processes, {args.connections} connections")
    print(f"round trip:  {len(all_times)} messages in {seconds:.1f} s ({len(all_times) / seconds:.0f}/s); "
          f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms (target p99 < 100 ms: "
          f"{'met' if p99 < 100 else 'MISSED'})")
    for kind, _ in MIX:
        k50, k95, k99 = percentiles(by_kind[kind])
        print(f"  {kind:<12} n={len(by_kind[kind]):>5}  p50 {k50:6.1f}  p95 {k95:6.1f}  p99 {k99:6.1f} ms")
    print(f"baseline:    /healthz {len(baseline)} requests in {base_seconds:.1f} s "
          f"({len(baseline) / base_seconds:.0f}/s); p50 {b50:.1f} ms, p95 {b95:.1f} ms, p99 {b99:.1f} ms")
    print(f"ratio:       callback p99 / baseline p99 = {p99 / b99:.1f}x")
    print(f"in server:   {logged:,} commands logged; handler time p50 {s50:.0f} ms, p95 {s95:.0f} ms, "
          f"p99 {s99:.0f} ms (the rest of the round trip is queueing for a worker, HTTP and the client)")


if __name__ == "__main__":
    main()
