#!/usr/bin/python3
"""Benchmark driver for `orchestrator serve`, the counterpart of the APScheduler baseline's bench.py
(same protocol, same field names, plus "system").

    /usr/bin/python3 bench/orchestrator_bench.py --binary PATH --teams N --fire-in S
        --pipeline CMD --workdir DIR [--workers W] [--timeout T] [--idle-only] [--reschedule]
        [--postgres URL]

Writes N teams straight into a fresh database (see add_teams): SQLite in the workdir, or with
--postgres a database created afresh on that PostgreSQL server (URL of any database there,
postgresql://user@host:port/name, reached with psql). Then it starts `serve` with every
daily slot on the same wall-clock second F = (now rounded up to a whole second) + S, waits until
all N runs have ended in pipeline_runs (or T seconds after F), and prints one JSON line:

  system                    "orchestrator"
  database                  "sqlite" or "postgresql"
  teams                     N
  schedule_s                launch of `serve` to its "ready" log line: loading N teams and
                            computing their slots (APScheduler: registering N jobs)
  first/median/p99/max_start_lateness_ms
                            started_at recorded in pipeline_runs minus F, over the recorded runs
  all_done_s                F until the last completed_at recorded
  runs_recorded             rows in pipeline_runs (any status)
  duplicates                rows beyond one per team
  peak_rss_mb               peak RSS of the serve process (VmHWM, and VmRSS samples; no children)
  idle_rss_mb               VmRSS of serve once ready with N teams scheduled, before F
Extra keys: database, idle_rss_kb, workers, fire_in_s, startup_ms (serve's own measure of start to ready), completed,
failed, other, teams_missing, timed_out, serve_cpu_s (CPU seconds serve itself spent on the storm,
its pipelines not included).

--day-two then measures the case a user lives in every day: the same teams' next run date, with
their folders already there, in the same service. The teams are moved from Etc/GMT+12 (where the
first storm ran) to Etc/GMT-12, 24 hours ahead, with their run time on a second common second
F2, and `orchestrator reschedule` applies it; F2's local date is the first storm's plus one. A
second JSON line ("storm": "day_two") reports that storm with the same fields, counted from F2.

serve_cpu_ms_per_run is serve_cpu_s per run of the storm.

--idle-only aims F hours away, reports schedule_s / startup_ms / idle_rss_mb / peak_rss_mb and
stops serve. With --reschedule it first runs `orchestrator reschedule` against the idle service:
reschedule_s is the command's wall time (it returns once the service has applied the new
schedule, and prints it), reschedule_applied_s the time from the command's start to the service's
"schedule_loaded" log line, i.e. to every timer replaced. With --idle-cpu S it measures serve's
own CPU over S seconds of idling (after the other idle measures): idle_cpu_ms_per_min.
"""
import argparse
import datetime as dt
import json
import math
import os
import shutil
import signal
import re
import sqlite3
import statistics
import subprocess
import sys
import time

UTC = dt.timezone.utc


def iso_ms(ts):
    """The form the orchestrator stores times in: 2026-11-23T02:00:00.013Z."""
    return dt.datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_ts(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def status_kb(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_s(pid):
    """User + system CPU seconds of the process itself (its threads, not its children)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None


def pct(sorted_vals, p):
    """Nearest-rank percentile, as bench.py computes it."""
    if not sorted_vals:
        return None
    k = max(1, math.ceil(p / 100.0 * len(sorted_vals)))
    return sorted_vals[k - 1]


class SqliteDb:
    """The database file in the workdir, read and written with Python's sqlite3."""
    name = "sqlite"

    def __init__(self, work):
        self.path = os.path.join(work, "orchestrator.db")
        self.url = "sqlite:" + self.path
        self.conn = None

    def add_teams(self, teams, since):
        conn = sqlite3.connect(self.path)
        conn.executemany(
            "INSERT INTO sales_teams (id, name, is_active, active_since, created_at, updated_at)"
            " VALUES (?, ?, 1, ?, ?, ?)",
            ((i, "Team %d" % i, since, since, since) for i in range(1, teams + 1)))
        conn.commit()
        conn.close()

    def query(self, sql):
        if self.conn is None:
            self.conn = sqlite3.connect(self.path, timeout=60)
        return self.conn.execute(sql).fetchall()

    def execute(self, sql):
        self.query(sql)
        self.conn.commit()

    def time_text(self, column):
        return column

    def close(self):
        if self.conn is not None:
            self.conn.close()


class PostgresDb:
    """A database created afresh on the given server (named after the workdir), reached with
    psql; the bench needs no PostgreSQL driver for Python."""
    name = "postgresql"

    def __init__(self, server_url, work):
        base, _, _ = server_url.rpartition("/")
        dbname = "bench_" + re.sub(r"[^a-z0-9_]", "_", os.path.basename(work).lower())
        self.url = base + "/" + dbname
        admin = base + "/postgres"
        self.psql(admin, "DROP DATABASE IF EXISTS %s" % dbname)
        self.psql(admin, "CREATE DATABASE %s" % dbname)
        self.session = None

    @staticmethod
    def psql(url, sql):
        out = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                             check=True, capture_output=True, text=True).stdout
        return [tuple(None if f == "" else f for f in line.split("|")) for line in out.splitlines()]

    def add_teams(self, teams, since):
        ts = "TIMESTAMPTZ '%s'" % since
        self.psql(self.url,
                  "INSERT INTO sales_teams (id, name, is_active, active_since, created_at, updated_at)"
                  " SELECT g, 'Team ' || g, 1, %s, %s, %s FROM generate_series(1, %d) g"
                  % (ts, ts, ts, teams))

    def query(self, sql):
        """Through one psql session kept open: a psql started per poll took a tenth of the
        machine's CPU during a storm, beside the service it measures."""
        if self.session is None:
            self.session = subprocess.Popen(
                ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.url],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.session.stdin.write(sql + ";\n\\echo " + self.END + "\n")
        self.session.stdin.flush()
        rows = []
        for line in self.session.stdout:
            line = line.rstrip("\n")
            if line == self.END:
                break
            rows.append(tuple(None if f == "" else f for f in line.split("|")))
        else:
            raise SystemExit("psql session ended while reading: " + sql)
        return [tuple(int(f) if f is not None and re.fullmatch(r"-?\d+", f) else f for f in row)
                for row in rows]

    def execute(self, sql):
        self.query(sql)  # psql commits each statement

    def time_text(self, column):
        return ("to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')" % column)

    END = "--end-of-rows--"

    def close(self):
        if self.session is not None:
            self.session.stdin.close()
            self.session.wait()
            self.session = None


def add_teams(db, teams, now_ts):
    """Writes teams 1..N into sales_teams with one transaction. `orchestrator teams add` once per
    team would measure process start-up N times, not the scheduler. run_time and timezone stay
    null, so every team takes DAILY_RUN_TIME in SCHEDULER_TIMEZONE; active_since is now, so no
    earlier slot is caught up."""
    db.add_teams(teams, iso_ms(now_ts))


class LogWatcher:
    """Reads serve's JSON log file as it grows."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.pending = ""

    def lines(self):
        with open(self.path) as f:
            f.seek(self.offset)
            chunk = f.read()
            self.offset = f.tell()
        self.pending += chunk
        *complete, self.pending = self.pending.split("\n")
        for line in complete:
            try:
                yield json.loads(line)
            except ValueError:
                continue

    def wait_for(self, msg, deadline, pred=lambda e: True):
        while time.time() < deadline:
            for entry in self.lines():
                if entry.get("msg") == msg and pred(entry):
                    return entry
            time.sleep(0.002)
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True, help="the orchestrator binary")
    ap.add_argument("--teams", type=int, required=True)
    ap.add_argument("--fire-in", type=float, default=5.0)
    ap.add_argument("--pipeline", required=True, help="pipeline command line, run once per team")
    ap.add_argument("--workdir", required=True, help="database and team folders (recreated)")
    ap.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1),
                    help="MAX_PARALLEL_RUNS (default 2 * CPU cores, APScheduler's pool size)")
    ap.add_argument("--timeout", type=float, default=480.0)
    ap.add_argument("--idle-only", action="store_true")
    ap.add_argument("--reschedule", action="store_true", help="with --idle-only: time a reschedule")
    ap.add_argument("--scrape", type=int, default=0, metavar="N",
                    help="with --idle-only: time N scrapes of /metrics and N reads of /api/v1/teams")
    ap.add_argument("--day-two", action="store_true",
                    help="after the storm, a second one on the same teams' next run date")
    ap.add_argument("--idle-cpu", type=float, default=0.0, metavar="S",
                    help="with --idle-only: serve's CPU over S seconds of idling")
    ap.add_argument("--postgres", metavar="URL",
                    help="run on a fresh database on this PostgreSQL server instead of SQLite")
    args = ap.parse_args()
    args.binary = os.path.abspath(args.binary)

    work = os.path.abspath(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    db = PostgresDb(args.postgres, work) if args.postgres else SqliteDb(work)
    # PIPELINE_ISOLATION=none measures a storm without the sandbox (docs/isolation.md).
    passed = ("PATH", "HOME", "LANG", "TZ", "PIPELINE_ISOLATION")
    env = {k: v for k, v in os.environ.items() if k in passed}
    env.update({
        "DATABASE_URL": db.url,
        "INPUT_DIR": os.path.join(work, "inputs"),
        "OUTPUT_DIR": os.path.join(work, "outputs"),
        "PIPELINE_COMMAND": args.pipeline,
        "MAX_PARALLEL_RUNS": str(args.workers),
        "GENERAL_RUN_ENABLED": "false",
        "SCHEDULER_TIMEZONE": DAY_ONE_ZONE,
        "LOG_FORMAT": "json",
        "API_LISTEN": "127.0.0.1:0",
        "API_TOKEN": BENCH_TOKEN,
    })
    subprocess.run([args.binary, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    add_teams(db, args.teams, time.time())

    # Idle: a slot hours away, so nothing fires while we look.
    fire_in = 3 * 3600 if args.idle_only else args.fire_in
    fire_ts = float(math.ceil(math.ceil(time.time()) + fire_in))
    env["DAILY_RUN_TIME"] = local_time_text(fire_ts, DAY_ONE_HOURS)

    log_path = os.path.join(work, "serve.log")
    log_file = open(log_path, "w")
    launched = time.perf_counter()
    serve = subprocess.Popen([args.binary, "serve"], env=env, cwd=work,
                             stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file)
    watcher = LogWatcher(log_path)
    out = {"system": "orchestrator", "database": db.name, "teams": args.teams}
    rss_samples = [0]
    try:
        ready = watcher.wait_for("ready", time.time() + 60)
        if ready is None:
            raise SystemExit("serve did not become ready; see " + log_path)
        schedule_s = time.perf_counter() - launched
        time.sleep(0.5)  # let start-up allocations settle before reading the idle footprint
        idle_rss_kb = status_kb(serve.pid, "VmRSS")
        rss_samples.append(idle_rss_kb)
        out.update({"schedule_s": round(schedule_s, 3), "idle_rss_mb": round(idle_rss_kb / 1024.0, 1),
                    "idle_rss_kb": idle_rss_kb,
                    "workers": args.workers, "fire_in_s": fire_in,
                    "startup_ms": int(ready.get("startup_ms", -1))})
        if args.idle_only:
            if args.reschedule:
                out.update(reschedule(args.binary, env, watcher))
            if args.scrape:
                out.update(scrape(log_path, serve.pid, args.scrape))
            if args.idle_cpu:
                out.update(idle_cpu(serve.pid, args.idle_cpu))
            out["peak_rss_mb"] = round(max(status_kb(serve.pid, "VmHWM"), *rss_samples) / 1024.0, 1)
            print(json.dumps(out))
            return
        out.update(measured_storm(db, args, fire_ts, serve.pid, rss_samples, "1 = 1"))
        if args.day_two:
            day_two = dict(out, storm="day_two")
            day_two.update(second_day(db, args, env, watcher, fire_ts, serve.pid))
    finally:
        if serve.poll() is None:
            serve.send_signal(signal.SIGTERM)
            try:
                serve.wait(timeout=60)
            except subprocess.TimeoutExpired:
                serve.kill()
        log_file.close()
    db.close()
    keys = ["system", "database", "teams", "schedule_s", "first_start_lateness_ms", "median_start_lateness_ms",
            "p99_start_lateness_ms", "max_start_lateness_ms", "all_done_s", "runs_recorded",
            "duplicates", "peak_rss_mb", "idle_rss_mb"]
    for line in ([out, day_two] if args.day_two else [out]):
        ordered = {k: line[k] for k in keys if k in line}
        ordered.update({k: v for k, v in line.items() if k not in ordered})
        print(json.dumps(ordered))


# The first storm runs in UTC-12 and the day-two storm in UTC+12: at any instant the second zone's
# date is the first's plus one, so the same teams get their next run date without waiting a day.
DAY_ONE_ZONE, DAY_ONE_HOURS = "Etc/GMT+12", -12
DAY_TWO_ZONE, DAY_TWO_HOURS = "Etc/GMT-12", 12


def local_time_text(ts, offset_hours):
    return dt.datetime.fromtimestamp(ts + offset_hours * 3600, UTC).strftime("%H:%M:%S")


def local_date_text(ts, offset_hours):
    return dt.datetime.fromtimestamp(ts + offset_hours * 3600, UTC).strftime("%Y-%m-%d")


def measured_storm(db, args, fire_ts, pid, rss_samples, where):
    cpu_before = cpu_s(pid)
    out = storm(db, args, fire_ts, pid, rss_samples, where)
    cpu_after = cpu_s(pid)
    if cpu_before is not None and cpu_after is not None:
        out["serve_cpu_s"] = round(cpu_after - cpu_before, 2)
        out["serve_cpu_ms_per_run"] = round(1000.0 * out["serve_cpu_s"] / max(1, args.teams), 3)
    return out


def second_day(db, args, env, watcher, first_fire_ts, pid):
    """Moves every team 24 hours ahead with its run time on a new common second, applies it with
    `orchestrator reschedule` and measures the storm of their next run date."""
    fire_ts = float(math.ceil(math.ceil(time.time()) + args.fire_in + 1))
    db.execute("UPDATE sales_teams SET timezone = '%s', run_time = '%s'"
               % (DAY_TWO_ZONE, local_time_text(fire_ts, DAY_TWO_HOURS)))
    out = reschedule(args.binary, env, watcher)
    if time.time() > fire_ts - 0.5:
        raise SystemExit("day two: the reschedule took until the slot; raise --fire-in")
    run_date = local_date_text(fire_ts, DAY_TWO_HOURS)
    if run_date == local_date_text(first_fire_ts, DAY_ONE_HOURS):
        raise SystemExit("day two: the second slot has the first one's run date")
    rss_samples = [status_kb(pid, "VmRSS")]
    out.update(measured_storm(db, args, fire_ts, pid, rss_samples, "run_date = '%s'" % run_date))
    out["day_two_run_date"] = run_date
    return out


def idle_cpu(pid, seconds):
    """serve's own CPU while it idles for `seconds`: timers, heartbeats and polls only."""
    before = cpu_s(pid)
    time.sleep(seconds)
    after = cpu_s(pid)
    if before is None or after is None:
        return {"idle_cpu_error": "serve exited"}
    return {"idle_cpu_s": seconds,
            "idle_cpu_ms_per_min": round((after - before) * 1000.0 * 60.0 / seconds, 1)}


def storm(db, args, fire_ts, pid, rss_samples, where):
    """Waits for the N runs of the common slot (the rows `where` selects) to end and reads what
    was recorded."""
    deadline = fire_ts + args.timeout
    timed_out = False
    while True:
        rss_samples.append(status_kb(pid, "VmRSS"))
        ended = db.query("SELECT COUNT(*) FROM pipeline_runs WHERE status NOT IN ('running', 'waiting')"
                         " AND %s" % where)[0][0]
        if ended >= args.teams:
            break
        if time.time() > deadline:
            timed_out = True
            break
        time.sleep(0.2 if time.time() > fire_ts else min(0.2, max(0.0, fire_ts - time.time())))
    peak_kb = max(status_kb(pid, "VmHWM"), *rss_samples)
    rows = db.query("SELECT team_key, status, %s, %s FROM pipeline_runs WHERE %s"
                    % (db.time_text("started_at"), db.time_text("completed_at"), where))
    lateness = sorted((parse_ts(r[2]) - fire_ts) * 1000.0 for r in rows if r[2])
    completed = [parse_ts(r[3]) for r in rows if r[3]]
    teams_seen = {r[0] for r in rows}
    return {
        "first_start_lateness_ms": round(lateness[0], 1) if lateness else None,
        "median_start_lateness_ms": round(statistics.median(lateness), 1) if lateness else None,
        "p99_start_lateness_ms": round(pct(lateness, 99), 1) if lateness else None,
        "max_start_lateness_ms": round(lateness[-1], 1) if lateness else None,
        "all_done_s": round(max(completed) - fire_ts, 3) if completed else None,
        "runs_recorded": len(rows),
        "duplicates": len(rows) - len(teams_seen),
        "completed": sum(1 for r in rows if r[1] == "completed"),
        "failed": sum(1 for r in rows if r[1] == "failed"),
        "other": sum(1 for r in rows if r[1] not in ("completed", "failed")),
        "teams_missing": args.teams - len(teams_seen),
        "timed_out": timed_out,
        "peak_rss_mb": round(peak_kb / 1024.0, 1),
    }


def reschedule(binary, env, watcher):
    list(watcher.lines())  # skip what is already logged
    started_wall = time.time()
    started = time.perf_counter()
    subprocess.run([binary, "reschedule"], env=env, check=True, stdout=subprocess.DEVNULL)
    took = time.perf_counter() - started
    loaded = watcher.wait_for("schedule_loaded", time.time() + 10,
                              lambda e: e.get("why") == "reschedule")
    applied = parse_ts(loaded["ts"]) - started_wall if loaded else None
    return {"reschedule_s": round(took, 3),
            "reschedule_applied_s": round(applied, 3) if applied is not None else None}


BENCH_TOKEN = "bench-token-0123456789abcdef"


def scrape(log_path, pid, count):
    """Wall time of `count` scrapes of /metrics (every team's gauges, read from the database) and
    of `count` reads of the first page of /api/v1/teams, one at a time, and the service's RSS
    after them: the API must not make an idle service heavy."""
    import urllib.request
    port = None
    with open(log_path) as f:
        for line in f:
            m = re.search(r'"api_listening".*?127\.0\.0\.1:(\d+)', line)
            if m:
                port = int(m.group(1))
    if port is None:
        return {"scrape_error": "no api_listening line in " + log_path}
    out = {}
    for name, path in (("metrics", "/metrics"), ("teams", "/api/v1/teams?limit=100")):
        walls, size = [], 0
        for _ in range(count):
            request = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                             headers={"Authorization": "Bearer " + BENCH_TOKEN})
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=30) as answer:
                size = len(answer.read())
            walls.append((time.perf_counter() - started) * 1000.0)
        walls.sort()
        out.update({name + "_median_ms": round(statistics.median(walls), 1),
                    name + "_max_ms": round(walls[-1], 1), name + "_bytes": size,
                    "rss_after_" + name + "_mb": round(status_kb(pid, "VmRSS") / 1024.0, 1)})
    out["rss_after_scrapes_mb"] = out["rss_after_teams_mb"]
    return out


if __name__ == "__main__":
    main()
