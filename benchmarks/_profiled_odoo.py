"""Odoo's command line with every cron callback profiled (cProfile), for profile_cron.py.

Each run of a cron's server action (one ``processor.run`` for the queue's
lanes) is profiled in its own thread and dumped to
``$BENCH_PROFILE_DIR/cron-<pid>-<n>.prof``; HTTP requests are not profiled.
"""

import cProfile
import itertools
import os
import sys
import time

import odoo.cli

from odoo.addons.base.models.ir_cron import IrCron

OUT = os.environ["BENCH_PROFILE_DIR"]
_counter = itertools.count()
_original_callback = IrCron._callback


def _profiled_callback(self, cron_name, server_action_id):
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    try:
        return _original_callback(self, cron_name, server_action_id)
    finally:
        profile.disable()
        name = f"cron-{os.getpid()}-{next(_counter)}-{time.perf_counter() - started:.2f}s.prof"
        profile.dump_stats(os.path.join(OUT, name))


IrCron._callback = _profiled_callback

if __name__ == "__main__":
    sys.argv[0] = os.path.abspath(__file__)  # prefork re-runs argv[0] for some workers
    odoo.cli.main()
