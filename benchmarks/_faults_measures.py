"""bench_faults.py's measures: each fault, on real server processes (see bench_faults.py)."""

import json
import os
import subprocess
import sys
import time
import uuid
from _queue import wake_lanes

from _faults_env import (
    Supervisor,
    Timeline,
    all_ids,
    execute,
    kill_cron_worker_mid_batch,
    send_all,
    servers,
)
from _faults_pg import PrivateCluster, shared_cluster_restart
from _harness import free_port

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tests._receiver import ContractReceiver

STARTED = time.monotonic()
STUCK_TIMEOUT = 600  # integration_core/engine/processor.py


def say(text):
    print(f"[{time.monotonic() - STARTED:6.0f} s] {text}", flush=True)


def batches(workload, count, prefix, entities, size=100):
    """(request body, keys) per batch, entities interleaved as senders would send them."""
    envelopes = []
    for entity in entities:
        envelopes += workload.envelopes(count // len(entities), prefix, entity)
    envelopes.sort(key=lambda e: int(e["idempotency_key"].rsplit("-", 1)[1]))
    return [
        (
            json.dumps({"messages": envelopes[i : i + size]}).encode(),
            [e["idempotency_key"] for e in envelopes[i : i + size]],
        )
        for i in range(0, len(envelopes), size)
    ]


def keys_of(chunks):
    return [key for _body, keys in chunks for key in keys]


def run_through(srv, key, chunks, connect, timeout=3600):
    """POST through the servers, wait until all final: (timeline, seconds, senders)."""
    start = time.monotonic()
    senders = send_all(srv, key, chunks)
    timeline = Timeline(connect, all_ids(senders, keys_of(chunks)))
    timeline.wait(
        lambda s: sum(s.get(x, 0) for x in Timeline.FINAL) == len(timeline.ids), timeout, "all final"
    )
    return timeline, time.monotonic() - start, senders


def warm(srv, key, setup_, connect, entities):
    chunks = batches(
        setup_["workload"], 50 * len(entities) * len(srv), f"warm{uuid.uuid4().hex[:4]}", entities, 50
    )
    timeline, _seconds, _senders = run_through(srv, key, chunks, connect)
    timeline.close()


def measure_scale(setup_, args, entities, connect):
    results = {}
    for label, names in (("one server", ["A"]), ("two servers", ["A", "B"])):
        with servers(names, cron_threads=args.cron_threads) as srv:
            warm(srv, setup_["key"], setup_, connect, entities)
            chunks = batches(setup_["workload"], args.messages, f"scale{len(names)}", entities)
            timeline, seconds, senders = run_through(srv, setup_["key"], chunks, connect)
            problems, by_server = timeline.check_once()
            timeline.close()
        results[label] = {
            "count": len(timeline.ids),
            "seconds": seconds,
            "rate": len(timeline.ids) / seconds,
            "problems": problems,
            "by_server": by_server,
            "resends": sum(s.resends for s in senders.values()),
        }
        say(f"scale, {label}: {results[label]}")
    return results


def recover_stuck(timeline, stuck, args, conn, moment, what):
    """Wait for the claims of the dead to be processed: for real, or with the claims moved back."""
    if args.stuck == "backdate":
        execute(
            conn,
            "UPDATE integration_message SET processing_started_at = processing_started_at"
            " - make_interval(secs => %s) WHERE id = ANY(%s)",
            [STUCK_TIMEOUT + 60, stuck],
        )
        wake_lanes(conn, conf_db())
    started = time.monotonic()
    timeline.wait(lambda s: s.get("done", 0) == len(timeline.ids), STUCK_TIMEOUT + 600, what, interval=1)
    return {
        "stuck": len(stuck),
        "mode": args.stuck,
        "after_fault": time.monotonic() - moment,
        "after_backdate": time.monotonic() - started if args.stuck == "backdate" else None,
    }


def conf_db():
    return os.environ["BENCH_DB"]


def phases(timeline, moment, rest_done_at):
    """Rates before the fault, from it until the others are done; when processing resumed."""
    first_done = next((at for at, done in timeline.points if done), None)
    at_fault = max((done for at, done in timeline.points if at <= moment), default=0)
    resumed = next((at for at, done in timeline.points if at > moment and done > at_fault), None)
    return {
        "before": timeline.rate(first_done, moment),
        "during": timeline.rate(moment, rest_done_at),
        "resumed_after": resumed - moment if resumed else None,
        "rest_done_after": rest_done_at - moment,
        "done_at_fault": at_fault,
    }


def measure_kill(setup_, args, entities, connect, conn):
    with servers(["A", "B"], cron_threads=args.cron_threads) as srv:
        warm(srv, setup_["key"], setup_, connect, entities)
        chunks = batches(setup_["workload"], args.messages, "kill", entities)
        senders = send_all(srv, setup_["key"], chunks)
        timeline = Timeline(connect, all_ids(senders, keys_of(chunks)))
        timeline.wait(lambda s: s.get("done", 0) >= len(timeline.ids) // 3, 1800, "a third done")
        moment, stuck, pid = kill_cron_worker_mid_batch(timeline, srv["A"], "A")
        say(f"killed cron worker {pid} of server A holding {len(stuck)} claimed messages")
        rest = len(timeline.ids) - len(stuck)
        timeline.wait(lambda s: s.get("done", 0) >= rest, 1800, "the others done")
        result = phases(timeline, moment, timeline.done_at(rest))
        result["killed_batch"] = recover_stuck(timeline, stuck, args, conn, moment, "the killed batch done")
        after = batches(setup_["workload"], args.messages // 2, "killafter", entities)
        later, seconds, _senders = run_through(srv, setup_["key"], after, connect)
        result["after"] = len(later.ids) / seconds
        problems, by_server = timeline.check_once()
        problems += later.check_once()[0]
        timeline.close()
        later.close()
    result.update(problems=problems, by_server=by_server, count=len(timeline.ids))
    say(f"worker killed: {result}")
    return result


def measure_restart(setup_, args, entities, opts):
    """(iii) on a cluster that can be restarted: the machine's own (shared) or one started for the run."""
    cluster, db, restart, restore = restart_target(args, opts)

    def connect():
        return pg_connect_to(db)

    try:
        # Prefork as in production, under a supervisor: Odoo's prefork master exits when it must
        # start a worker while PostgreSQL is unreachable (PreforkServer.process_spawn checks its
        # registries first), and the restart makes it start one (the cron worker dies with its
        # connection). Threaded servers are probed after (prefork_survives, threaded_survives).
        with servers(["A", "B"], cron_threads=args.cron_threads, db=db) as srv:
            supervisors = {name: Supervisor(server) for name, server in srv.items()}
            warm(srv, setup_["key"], setup_, connect, entities)
            chunks = batches(setup_["workload"], args.messages, "restart", entities)
            senders = send_all(srv, setup_["key"], chunks)
            timeline = Timeline(connect, all_ids(senders, keys_of(chunks)))
            timeline.wait(
                lambda s: s.get("done", 0) >= len(timeline.ids) // 3 and s.get("processing"),
                1800,
                "a third done, a batch in progress",
                interval=0.05,
            )
            # Senders keep posting through the restart.
            wave = batches(setup_["workload"], args.messages // 5, "during", entities)
            wave_senders, threads = send_all(srv, setup_["key"], wave, background=True)
            # Claims older than this, still 'processing' after the restart, were lost with it.
            cutoff = timeline.fetch("SELECT (clock_timestamp() at time zone 'UTC')::timestamp")[0][0]
            moment = time.monotonic()
            say(f"restarting PostgreSQL: {' '.join(restart)}")
            subprocess_run(restart)
            restart_seconds = time.monotonic() - moment
            for thread in threads:
                thread.join()
            timeline.ids += all_ids(wave_senders, keys_of(wave))
            lost = (
                "SELECT id FROM integration_message WHERE id = ANY(%s) AND state = 'processing'"
                " AND processing_started_at <= %s ORDER BY id"
            )
            stuck = [row[0] for row in timeline.fetch(lost, [timeline.ids, cutoff])]
            rest = len(timeline.ids) - len(stuck)
            timeline.wait(lambda s: s.get("done", 0) >= rest, 1800, "the others done")
            assert [row[0] for row in timeline.fetch(lost, [timeline.ids, cutoff])] == stuck
            result = phases(timeline, moment, timeline.done_at(rest))
            result["restart_seconds"] = restart_seconds
            control = connect()
            result["claims"] = recover_stuck(timeline, stuck, args, control, moment, "the lost claims done")
            control.close()
            after = batches(setup_["workload"], args.messages // 2, "restartafter", entities)
            later, seconds, _senders = run_through(srv, setup_["key"], after, connect)
            result["after"] = len(later.ids) / seconds
            problems, by_server = timeline.check_once()
            problems += later.check_once()[0]
            timeline.close()
            later.close()
            for supervisor in supervisors.values():
                supervisor.close()
        result.update(
            server_exits={name: [at - moment for at in sup.exits] for name, sup in supervisors.items()},
            problems=problems,
            by_server=by_server,
            count=len(timeline.ids),
            command=" ".join(restart),
            resends=sum(s.resends for s in wave_senders.values()),
            foreign={
                k: sum(s.foreign.get(k, 0) for s in wave_senders.values())
                for k in {k for s in wave_senders.values() for k in s.foreign}
            },
            cluster=args.restart_cluster,
        )
        result["threaded"] = threaded_survives(db, restart, setup_, connect)
    finally:
        if cluster:
            cluster.remove()
        elif restore:
            subprocess_run(restore, check=False)  # a restart that failed half-way: the cluster up again
    say(f"PostgreSQL restarted: {result}")
    return result


def threaded_survives(db, restart, setup_, connect, grace=150):
    """A threaded server (as scripts/run.sh starts Odoo) through the same restart: does its queue
    still run? Its cron thread reconnects when PostgreSQL is back (ThreadedServer.cron_thread),
    but dies if PostgreSQL still refuses it. Seconds until a message sent afterwards is done
    (None: not within ``grace``, more than two of its polls)."""
    with servers(["T"], cron_threads=1, workers=0, db=db) as srv:
        moment = time.monotonic()
        subprocess_run(restart)
        chunk = batches(setup_["workload"], 1, f"threaded{uuid.uuid4().hex[:4]}", ["BE01"], 1)
        senders = send_all(srv, setup_["key"], chunk)
        timeline = Timeline(connect, all_ids(senders, keys_of(chunk)))
        try:
            timeline.wait(lambda s: s.get("done"), grace, "processed", interval=1)
            seconds = time.monotonic() - moment
        except RuntimeError:
            seconds = None
        timeline.close()
    say(f"threaded server after the restart: {'queue processed' if seconds else 'queue stopped'}")
    return seconds


def restart_target(args, opts):
    """(private cluster or None, where the servers connect, the restart command, the restore command)."""
    if args.restart_cluster == "private":
        cluster = PrivateCluster(free_port())
        try:
            cluster.start()
            cluster.copy_from(opts, conf_db())
        except Exception:
            cluster.remove()
            raise
        db = {"host": "127.0.0.1", "port": cluster.port, "user": cluster.user}
        return cluster, db, cluster.restart_command(), None
    db = {"host": opts["db_host"], "port": opts["db_port"], "user": opts["db_user"]}
    restart, restore = shared_cluster_restart(opts["db_port"])
    return None, db, restart, restore


def pg_connect_to(db):
    import psycopg2

    conn = psycopg2.connect(dbname=conf_db(), host=db["host"], port=db["port"], user=db["user"])
    conn.autocommit = True
    return conn


def subprocess_run(command, check=True):
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if check and proc.returncode:
        raise RuntimeError(f"{' '.join(command)} failed: {proc.stderr[-2000:]}")
    return proc


def measure_receiver(setup_, args, connect, conn):
    """(iv) events while the receiver is up (baseline), then down for a while, then up again."""
    receiver = ContractReceiver(setup_["secret"], setup_["port"])
    events_sql = (
        "SELECT id, idempotency_key, state, attempts FROM integration_message"
        " WHERE direction = 'out' AND endpoint_id = %s AND flow_id = %s AND id > %s ORDER BY id"
    )
    floor = execute(conn, "SELECT COALESCE(max(id), 0) FROM integration_message")[0][0]
    params = [setup_["endpoint_id"], setup_["event_type_id"], floor]
    events = setup_["events"]
    with servers(["A", "B"], cron_threads=args.cron_threads) as srv:
        # Baseline: the receiver up, entries posted at the same pace as while it is down.
        receiver.up()
        base = pace(srv, setup_["key"], events, "up", args.event_rate, 30)
        paced = time.monotonic()
        wait_for(lambda: receiver.count() >= base, 300, "the baseline events received")
        baseline = {"count": base, "last_after_posting": receiver.arrivals[-1] - paced}
        receiver.down()
        start = time.monotonic()
        posted = pace(srv, setup_["key"], events, "down", args.event_rate, args.down_minutes * 60)
        down_seconds = time.monotonic() - start
        state = execute(
            conn,
            events_sql.replace("id, idempotency_key, state, attempts", "state, count(*)").replace(
                " ORDER BY id", " GROUP BY state"
            ),
            params,
        )
        breaker = execute(
            conn,
            "SELECT breaker_state, consecutive_failures FROM integration_endpoint WHERE id = %s",
            [setup_["endpoint_id"]],
        )[0]
        say(
            f"receiver down {down_seconds:.0f} s: {posted} entries posted; events {dict(state)}; breaker {breaker}"
        )
        total = base + posted
        wait_for(lambda: len(execute(conn, events_sql, params)) >= total, 600, "every event written")
        up_at = time.monotonic()
        receiver.up()
        wait_for(lambda: receiver.count() >= total, 3600, "every event received")
        rows = wait_for(
            lambda: (r := execute(conn, events_sql, params)) and all(x[2] == "done" for x in r) and r,
            600,
            "every event done",
        )
        receiver.down()
    arrivals = receiver.arrivals[base:]
    keys = [row[1] for row in rows]
    names = [event["data"]["name"] for event in receiver.events]
    attempts = dict(
        execute(
            conn,
            "SELECT a.outcome, count(*) FROM integration_delivery_attempt a"
            " WHERE a.message_id = ANY(%s) GROUP BY 1",
            [[row[0] for row in rows]],
        )
    )
    result = {
        "baseline": baseline,
        "down_seconds": down_seconds,
        "events_while_down": posted,
        "events": len(rows),
        "breaker_when_back": breaker,
        "first_after_up": arrivals[0] - up_at if arrivals else None,
        "drained_after_up": arrivals[-1] - up_at if arrivals else None,
        "drain_rate": (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else None,
        "in_order": [e["id"] for e in receiver.events] == keys and names == sorted(names),
        "once": len(receiver.events) == len(set(keys)) == len(rows),
        "resends": receiver.resends,
        "refused": len(receiver.refused),
        "dead": sum(row[2] == "dead" for row in rows),
        "max_attempts": max(row[3] for row in rows),
        "attempts": attempts,
    }
    say(f"receiver down: {result}")
    return result


def pace(srv, key, workload, prefix, rate, seconds):
    """Post BE01 entries of the events journal at ``rate`` per second for ``seconds``; how many."""
    batch = max(1, int(rate * 2))
    names = list(srv)
    posted, index, start = 0, 0, time.monotonic()
    while time.monotonic() - start < seconds:
        envelopes = workload.envelopes(posted + batch, prefix)[posted:]
        chunk = [(json.dumps({"messages": envelopes}).encode(), [e["idempotency_key"] for e in envelopes])]
        send_all({names[index % len(names)]: srv[names[index % len(names)]]}, key, chunk)
        posted += batch
        index += 1
        pause = start + posted / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)  # the senders' pace, not a synchronization
    return posted


def wait_for(condition, timeout, what, interval=0.2):
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not reached in {timeout} s")
        time.sleep(interval)  # an observer's polling interval
