"""Scheduling: real-time partners at their interval, batch partners at their times; graceful
shutdown on SIGTERM."""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from gateway.app import next_poll
from gateway.profiles.model import Schedule
from homes import Home

ROOT = Path(__file__).resolve().parents[2]
UTC = dt.timezone.utc


def _profile(sample_home: Home, schedule: Schedule):
    gw = sample_home.gateway()
    try:
        profile = gw.registry.get("acme-parts")
    finally:
        gw.close()
    return dataclasses.replace(profile, schedule=schedule)


def test_realtime_and_batch_schedules(sqlite_home):
    now = dt.datetime(2026, 12, 2, 17, 30, tzinfo=UTC)
    rt = _profile(sqlite_home, Schedule(tier="realtime", poll_interval=dt.timedelta(minutes=2)))
    assert next_poll(rt, now) == now + dt.timedelta(minutes=2)
    batch = _profile(sqlite_home, Schedule(tier="batch", times=("06:00", "18:00"),
                                           timezone="Europe/Berlin"))
    # 17:30 UTC is 18:30 in Berlin: the next run is 06:00 Berlin tomorrow = 05:00 UTC
    assert next_poll(batch, now) == dt.datetime(2026, 12, 3, 5, 0, tzinfo=UTC)
    early = dt.datetime(2026, 12, 2, 4, 0, tzinfo=UTC)  # 05:00 Berlin
    assert next_poll(batch, early) == dt.datetime(2026, 12, 2, 5, 0, tzinfo=UTC)


def test_polls_wait_for_their_time(sqlite_home):
    gw = sqlite_home.gateway()
    try:
        first = gw.poll()
        assert set(first) == {"acme-parts", "nordwerk"}
        assert gw.poll() == {}  # not due again yet (10 s interval in the sample profiles)
        assert set(gw.poll(force=True)) == {"acme-parts", "nordwerk"}  # poll --once
    finally:
        gw.close()


def test_sigterm_stops_the_gateway_cleanly(sqlite_home):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from cli import main; main()",
                             "run", "--config", str(sqlite_home.root / "gateway.yaml")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while time.time() < deadline and not (sqlite_home.root / "gateway.db").exists():
        time.sleep(0.1)
    time.sleep(1.5)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "documents by status" in out
