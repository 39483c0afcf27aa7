"""bench_faults.py's report: each fault's figures beside the baseline measured in the same run."""

from _harness import table


def _r(value, unit="/s"):
    return "-" if value is None else f"{value:,.1f}{unit}"


def _s(value):
    return "-" if value is None else f"{value:,.1f} s"


def _checked(result):
    return "none lost or doubled" if not result["problems"] else "PROBLEMS: " + "; ".join(result["problems"])


def _stuck(claims):
    if claims["mode"] == "wait":
        return f"{claims['stuck']} claimed: done {_s(claims['after_fault'])} after the fault (stuck timeout waited)"
    return f"{claims['stuck']} claimed: done {_s(claims['after_backdate'])} after their claims were moved back past the stuck timeout"


def print_report(results):
    rows = []
    if "scale" in results:
        one, two = results["scale"]["one server"], results["scale"]["two servers"]
        rows += [
            (
                f"one server: {one['count']:,} entries, first POST to last done",
                _r(one["rate"]),
                "baseline",
                _checked(one),
            ),
            (
                f"two servers, one queue: {two['count']:,} entries",
                _r(two["rate"]),
                f"{two['rate'] / one['rate']:.2f}x",
                f"{_checked(two)}; done by {two['by_server']}",
            ),
        ]
    for key, label in (
        ("kill", "cron worker SIGKILLed mid-batch"),
        ("restart", "PostgreSQL restarted mid-batch"),
    ):
        if key not in results:
            continue
        fault = results[key]
        claims = fault.get("killed_batch") or fault.get("claims")
        rows += [
            (
                f"{label} ({fault['count']:,} entries, two prefork servers)",
                _r(fault["before"]),
                "before",
                _checked(fault),
            ),
            (
                "    from the fault until the others are done",
                _r(fault["during"]),
                "during",
                f"processing again after {_s(fault['resumed_after'])}; others done after {_s(fault['rest_done_after'])}",
            ),
            ("    the batch the fault interrupted", "", "", _stuck(claims)),
            ("    afterwards: a new wave, first POST to last done", _r(fault["after"]), "after", ""),
        ]
        if key == "restart":
            rows.append(
                (
                    "    restart",
                    _s(fault["restart_seconds"]),
                    fault["cluster"],
                    f"{fault['command']}; senders resent {fault['resends']} requests;"
                    f" answers not from the API {fault['foreign']}",
                )
            )
            exits = {name: [f"{at:.1f} s" for at in ats] for name, ats in fault["server_exits"].items()}
            threaded = fault["threaded"]
            rows += [
                ("    prefork servers exited (the supervisor started them again)", "", "", f"{exits}"),
                (
                    "    a threaded server (scripts/run.sh) through the same restart",
                    "",
                    "",
                    f"queue running again, a new message done {threaded:.0f} s after"
                    if threaded
                    else "its queue STOPPED (cron thread gone); HTTP still accepts messages",
                ),
            ]
    if "receiver" in results:
        rec = results["receiver"]
        rows += [
            (
                f"receiver up (baseline): {rec['baseline']['count']} events",
                "",
                "",
                f"last received {_s(rec['baseline']['last_after_posting'])} after the last posting",
            ),
            (
                f"receiver down {rec['down_seconds'] / 60:.1f} min: {rec['events_while_down']:,} events accumulated",
                _r(rec["drain_rate"]),
                "drain",
                f"first delivered {_s(rec['first_after_up'])} after it came back, all after {_s(rec['drained_after_up'])}",
            ),
            (
                "    received in order / once / resends / refused",
                "",
                "",
                f"{rec['in_order']} / {rec['once']} / {rec['resends']} / {rec['refused']}; dead {rec['dead']},"
                f" max attempts {rec['max_attempts']}, attempts {rec['attempts']}; breaker when back {rec['breaker_when_back']}",
            ),
        ]
    print(
        f"\nload average before {results['load_before']}, after {results['load_after']}, {results['cpus']} cores"
    )
    table(rows, ("measure", "msgs/s", "vs", "checks"))
