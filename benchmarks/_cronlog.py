"""What a server's log says about its cron runs (Odoo logs each run at INFO, its default level)."""

import re
from collections import defaultdict
from datetime import datetime

STAMP = r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (\d+) "
STARTING = re.compile(STAMP + r".*Job ['\"](.+?)['\"] \((\d+)\) starting")
ENDED = re.compile(
    STAMP + r".*Job ['\"](.+?)['\"] \((\d+)\) ([\w ]+?) "
    r"\(#loop (\d+); done (\d+); remaining (\d+); duration ([\d.]+)s\)"
)


def _stamp(text):
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S,%f")


def cron_runs(lines, lane_ids):
    """The lanes' runs, in order: dicts of lane, pid, start, seconds, status, remaining."""
    runs, open_runs = [], {}
    for line in lines:
        if match := STARTING.search(line):
            stamp, pid, _name, lane = match.groups()
            if int(lane) in lane_ids:
                open_runs[(pid, lane)] = _stamp(stamp)
        elif match := ENDED.search(line):
            _stamp_end, pid, _name, lane, status, _loops, _done, remaining, seconds = match.groups()
            start = open_runs.pop((pid, lane), None)
            if int(lane) in lane_ids and start:
                runs.append(
                    {
                        "lane": int(lane),
                        "pid": pid,
                        "start": start,
                        "seconds": float(seconds),
                        "status": status,
                        "remaining": int(remaining),
                    }
                )
    return runs


def summary(runs):
    """Runs, busy seconds, and the pauses of a lane between a run that ended with work left and its next."""
    by_lane = defaultdict(list)
    for run in runs:
        by_lane[run["lane"]].append(run)
    pauses = []
    for lane_runs in by_lane.values():
        lane_runs.sort(key=lambda r: r["start"])
        for previous, following in zip(lane_runs, lane_runs[1:], strict=False):
            if previous["remaining"]:
                end = previous["start"].timestamp() + previous["seconds"]
                pauses.append(max(following["start"].timestamp() - end, 0.0))
    return {
        "runs": len(runs),
        "lanes_used": len(by_lane),
        "busy": sum(run["seconds"] for run in runs),
        "longest_run": max((run["seconds"] for run in runs), default=0.0),
        "pauses": pauses,
    }
