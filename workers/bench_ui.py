"""`make bench-ui`: how fast the pages feel in Chromium on this machine.

1. A private database gets ``--days`` (30) of history written set-based by
   :func:`workers.bench_queries.fill` (``--orders-per-day``, 20,000 by default), then an hour of
   simulated trading through the real Kafka and ingest up to now, the app's refreshes over it
   (``refresh_derived``, markouts, ``rule_trades_1d``), and an analyst; the web app runs under
   gunicorn (gthread, ``--workers`` × ``--threads`` as ``tradedash web`` in the demo: 2 × 8) on a
   free port. ``--keep`` keeps the database, ``--reuse NAME`` measures a kept one (no fill).
2. Headless Chromium signs in and opens each analytics page ``--rounds`` times: page ready is
   the time from navigation to the page's main figure drawn with its callback's answer (its
   traces or its "no data" note), recorded in the page (``DRAWN_AT``).
3. Every ``/_dash-update-component`` round trip the browser made (Resource Timing) gives the
   callback p95; a wrapper around ``fetch`` names each one by its outputs, for the per-callback
   breakdown (median ms per page and callback, and when it started after navigation).
4. Live: deltas published on the Redis channel the page listens to (SSE); the time from
   publishing to the overview's "Updated" line changing on screen.
Prints the dataset's size, then one JSON line with the targets (page ready < 1.5 s, callback
p95 < 300 ms, delta to screen < 1 s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from typing import Any

import orjson
import psycopg
import redis
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from app.audit import Actor
from app.auth.users import create_user
from app.config import PROJECT_ROOT, Settings, load_settings
from app.db.derived import refresh_derived
from app.db.migrate import upgrade
from app.ingest.store import to_conninfo
from app.queries.markouts import compute_markouts
from app.queries.results import refresh_rule_trades_1d
from pages.ids import exposure, lp_scorecards, market, overview, risk, routing, rules
from tradedash.live_stream import channel_of
from workers import bench_queries
from workers.kafka_topics import delete_topics, ensure_topics
from workers.simulator import SimulatorOptions
from workers.simulator.messages import generate_messages
from workers.simulator.producer import EventProducer

PAGES = {
    "/": overview.VOLUME,
    "/lp-scorecards": lp_scorecards.HEATMAP,
    "/market": market.PRICE,
    "/routing": routing.FLOW,
    "/exposure": exposure.HEATMAP,
    "/rules": rules.CUMULATIVE,
    "/risk": risk.VAR_GRAPH,
}
"""Page → id of the figure that shows the page is ready."""
TIMED_FETCH = """
window.__callbacks = [];
window.__inflight = 0;
window.__lastDone = 0;
const untimedFetch = window.fetch;
window.fetch = function (input, init) {
  const url = typeof input === "string" ? input : input.url;
  if (!url.includes("_dash-update-component")) { return untimedFetch.apply(this, arguments); }
  let output = "?";
  try { output = JSON.parse(init.body).output; } catch (e) {}
  const started = performance.now();
  window.__inflight += 1;
  const done = () => { window.__inflight -= 1; window.__lastDone = performance.now(); };
  return untimedFetch.apply(this, arguments).then((response) => {
    window.__callbacks.push([output, started, performance.now() - started]);
    done();
    return response;
  }, (error) => { done(); throw error; });
};
"""
DRAWN_AT = """
window.__drawnAt = {};
const answered = (graph) => window.__callbacks.some(([output]) =>
  String(output).includes(graph + ".figure"));
new MutationObserver(() => {
  for (const plot of document.querySelectorAll(".js-plotly-plot")) {
    const graph = (plot.closest("[id]") || {}).id;
    if (!graph || graph in window.__drawnAt || !answered(graph) || !plot._fullLayout) { continue; }
    const notes = ((plot.layout || {}).annotations || []).length;
    if ((plot.data || []).length > 0 || notes > 0) { window.__drawnAt[graph] = performance.now(); }
  }
}).observe(document, {childList: true, subtree: true});
"""
"""When (ms after navigation) each figure was first drawn with its callback's answer (its traces
or its "no data" note): a ``dcc.Graph`` draws an empty ``.main-svg`` before its callback
returns. A mutation observer runs right after the drawing, on the page's own clock."""
"""Names every callback round trip by its outputs (installed before each page's scripts)."""
PASSWORD = "bench-ui-password"
ANALYST = "bench-ui@desk.example"
TARGETS = {"page_ready_ms": 1500, "callback_p95_ms": 300, "delta_to_screen_ms": 1000}
OBSERVE = """
window.__changes = [];
new MutationObserver(() => window.__changes.push(Date.now()))
  .observe(document.getElementById("overview-updated"),
           {childList: true, subtree: true, characterData: true});
"""


def _env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "TRADEDASH_DATABASE_URL": settings.database_url,
        "TRADEDASH_REDIS_URL": settings.redis_url,
        "TRADEDASH_TOPIC_PREFIX": settings.topic_prefix,
        "TRADEDASH_CONSUMER_GROUP": settings.consumer_group,
        "TRADEDASH_ENV": "test",
    }


def fill_history(engine: Engine, days: int, orders_per_day: int) -> dict[str, Any]:
    """``days`` of history up to the end of today, set-based (``workers.bench_queries``):
    mids, orders, executions, positions, markouts, LP heartbeats and every rollup."""
    bench_queries.DAYS = days  # the module's fill reads its history length from there
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - dt.timedelta(days=days - 1)  # the last day is today: partitions exist
    print(f"filling {days} days × {orders_per_day:,} orders from {start:%Y-%m-%d}",
          file=sys.stderr)  # fmt: skip
    sizes = bench_queries.fill(engine, start, orders_per_day)
    return {"days": days, "orders_per_day": orders_per_day, **sizes}


def fill(settings: Settings) -> None:
    """An hour of simulated trading up to now through Kafka and the ingest (the live part),
    the app's refreshes over it; an analyst."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    options = SimulatorOptions(
        seed=7, duration=5, rate=2000, realtime=False, backfill_days=0.05, now=now
    )
    ensure_topics(settings)
    try:
        producer = EventProducer(settings)
        for message in generate_messages(options, now.timestamp()):
            producer.send(message)
        producer.flush()
        subprocess.run(
            [sys.executable, "-m", "tradedash.cli", "ingest", "--idle-exit", "6",
             "--loglevel", "WARNING"],
            env=_env(settings), check=True, timeout=600, stdout=subprocess.DEVNULL,
            cwd=PROJECT_ROOT,
        )  # fmt: skip
    finally:
        delete_topics(settings)
    engine = create_engine(settings.database_url)
    refresh_derived(engine, now - dt.timedelta(hours=2), now + dt.timedelta(minutes=5))
    with engine.begin() as conn:
        while compute_markouts(conn, batch_size=1000, now=now) > 0:
            pass
    with engine.begin() as conn:
        refresh_rule_trades_1d(conn)
    with Session(engine) as db, db.begin():
        create_user(
            db, Actor("bench-ui", "system"), email=ANALYST, role="analyst",
            password=PASSWORD, display_name="Bench Analyst",
        )  # fmt: skip
    engine.dispose()


def serve(
    settings: Settings, workers: int = 2, threads: int = 8
) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn on a free port, gthread with ``workers`` × ``threads`` (the demo's
    ``tradedash web``: 2 × 8)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    argv = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
            "--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads),
            "--timeout", "120", "tradedash.wsgi:server"]  # fmt: skip
    proc = subprocess.Popen(argv, cwd=PROJECT_ROOT, env=_env(settings))
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with urllib.request.urlopen(url + "/login", timeout=2):  # noqa: S310 - loopback
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("the web app did not start")


def chromium() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    profile = tempfile.mkdtemp(prefix="bench-ui-")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}", "--window-size=1366,768"):  # fmt: skip
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": TIMED_FETCH + DRAWN_AT}
    )
    return browser


def page_ready(browser: webdriver.Chrome, url: str, figure: str) -> float:
    """Milliseconds from navigation to ``figure`` drawn with its callback's answer, as the page
    itself recorded it (``DRAWN_AT``): polling from here would wait for the page's main thread,
    busy drawing the figures below the fold by then."""
    browser.get(url)
    script = "return (window.__drawnAt || {})[arguments[0]]"
    WebDriverWait(browser, 60, poll_frequency=0.05).until(
        lambda b: b.execute_script(script, figure) is not None
    )
    drawn: float = browser.execute_script(script, figure)
    return drawn


def settled(browser: webdriver.Chrome, quiet_ms: int = 500) -> None:
    """Wait until no callback has been in flight for ``quiet_ms`` (at most 60 s)."""
    script = f"return window.__inflight === 0 && performance.now() - window.__lastDone > {quiet_ms}"
    WebDriverWait(browser, 60, poll_frequency=0.1).until(lambda b: b.execute_script(script))


def callback_times(browser: webdriver.Chrome) -> list[float]:
    """Durations (ms) of the callback round trips of the page on screen."""
    script = (
        "return performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes('_dash-update-component')).map(e => e.duration)"
    )
    times: list[float] = browser.execute_script(script)
    return times


def named_callbacks(browser: webdriver.Chrome) -> list[tuple[str, float, float]]:
    """(outputs, started ms after navigation, duration ms) of the page's callback calls."""
    calls: list[tuple[str, float, float]] = browser.execute_script("return window.__callbacks")
    return [(str(output), float(start), float(took)) for output, start, took in calls or []]


def short_name(output: str) -> str:
    """``..a.figure...b.children..`` → ``a.figure+b.children``."""
    return "+".join(part for part in output.strip(".").split("...") if part)[:80]


def breakdown(calls: dict[str, list[tuple[str, float, float]]]) -> dict[str, Any]:
    """Per page and callback: the median duration and median start after navigation (ms)."""
    out: dict[str, Any] = {}
    for path, entries in calls.items():
        by_name: dict[str, list[tuple[float, float]]] = {}
        for output, start, took in entries:
            by_name.setdefault(short_name(output), []).append((start, took))
        out[path] = {
            name: {
                "median_ms": round(statistics.median(t for _, t in times)),
                "starts_at_ms": round(statistics.median(s for s, _ in times)),
                "calls": len(times),
            }
            for name, times in sorted(by_name.items(), key=lambda item: item[1][0][0])
        }
    return out


def delta_to_screen(
    browser: webdriver.Chrome, settings: Settings, url: str, runs: int
) -> list[float]:
    """Milliseconds from a delta published to the overview showing the refresh."""
    client = redis.Redis.from_url(settings.redis_url)
    wait = WebDriverWait(browser, 30)
    browser.get(url + "/")
    badge = (By.ID, overview.LIVE_BADGE)
    wait.until(ec.text_to_be_present_in_element_attribute(badge, "class", "live-up"))
    wait.until(lambda b: b.find_element(By.ID, overview.UPDATED).text.startswith("Updated"))
    delays = []
    for _ in range(runs):
        time.sleep(1.1)  # the line shows seconds: let the next refresh change it
        browser.execute_script(OBSERVE)
        sent = time.time() * 1000
        message = {"t": time.time(), "stored": {"orders": 1}, "rate": 1.0}
        client.publish(channel_of(settings.consumer_group), orjson.dumps(message))
        wait.until(lambda b: b.execute_script("return window.__changes.length") > 0)
        delays.append(browser.execute_script("return window.__changes[0]") - sent)
    return delays


def measure(settings: Settings, url: str, rounds: int) -> dict[str, Any]:
    browser = chromium()
    try:
        wait = WebDriverWait(browser, 30)
        browser.get(url + "/login")
        wait.until(ec.visibility_of_element_located((By.ID, "email"))).send_keys(ANALYST)
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait.until(ec.visibility_of_element_located((By.ID, "nav-user")))
        ready: dict[str, list[float]] = {path: [] for path in PAGES}
        callbacks: list[float] = []
        named: dict[str, list[tuple[str, float, float]]] = {path: [] for path in PAGES}
        for _ in range(rounds):
            for path, figure in PAGES.items():
                ready[path].append(page_ready(browser, url + path, figure))
                time.sleep(1.0)
                settled(browser)  # the page's other callbacks finish before leaving
                callbacks += callback_times(browser)
                named[path] += named_callbacks(browser)
        live = delta_to_screen(browser, settings, url, 5)
    finally:
        browser.quit()
    medians = {path: round(statistics.median(times)) for path, times in ready.items()}
    p95 = statistics.quantiles(callbacks, n=20)[-1] if len(callbacks) >= 20 else max(callbacks)
    return {
        "page_ready_ms_median": medians,
        "page_ready_ms_worst_median": max(medians.values()),
        "callback_round_trips": len(callbacks),
        "callback_p95_ms": round(p95),
        "callbacks_by_page": breakdown(named),
        "delta_to_screen_ms": [round(d) for d in live],
        "targets": TARGETS,
        "met": {
            "page_ready": max(medians.values()) < TARGETS["page_ready_ms"],
            "callback_p95": p95 < TARGETS["callback_p95_ms"],
            "delta_to_screen": max(live) < TARGETS["delta_to_screen_ms"],
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--days", type=int, default=30, help="history length")
    parser.add_argument("--orders-per-day", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per process")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", metavar="DATABASE", help="measure a database kept by --keep (no fill)"
    )
    args = parser.parse_args()
    run = uuid.uuid4().hex[:6]
    name = args.reuse or f"tradedash_bench_ui_{run}"
    settings = load_settings(
        topic_prefix=f"benchui{run}.", consumer_group=f"bench-ui-{run}", database_name=name
    )
    admin = to_conninfo(load_settings().database_url)
    if not args.reuse:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    web = None
    try:
        upgrade(settings)
        dataset: dict[str, Any] = {"database": name, "reused": bool(args.reuse)}
        if not args.reuse:
            engine = create_engine(settings.database_url)
            try:
                dataset.update(fill_history(engine, args.days, args.orders_per_day))
            finally:
                engine.dispose()
            fill(settings)
        print(orjson.dumps({"dataset": dataset}).decode(), flush=True)
        web, url = serve(settings, args.workers, args.threads)
        result = measure(settings, url, args.rounds)
        server = {"workers": args.workers, "threads": args.threads}
        print(orjson.dumps({"dataset": dataset, "gunicorn": server, **result}).decode())
    finally:
        if web is not None:
            web.terminate()  # an open live stream holds a thread until its next keep-alive
            try:
                web.wait(timeout=10)
            except subprocess.TimeoutExpired:
                web.kill()
                web.wait()
        if not (args.keep or args.reuse):
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
