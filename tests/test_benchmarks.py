"""benchmarks/bench_core.py's in-process workers still run against the code they measure
(a renamed function once broke a section of the benchmark without any test noticing)."""

from __future__ import annotations

from benchmarks import bench_core
from tests.support import conversations


def test_the_understanding_worker_reports_every_stage_and_memory(monkeypatch):
    cases = conversations.load_cases()[:5]
    monkeypatch.setattr(conversations, "load_cases", lambda: cases)
    result = bench_core._understanding_worker()
    assert result["texts"] == sum(1 for c in cases for t in c.turns if t.say.strip())
    assert set(result["stages"]) == {"analyser", "concepts", "retrieval", "scorer", "parse"}
    assert all(p50 <= p99 for p50, p99 in result["stages"].values())
    assert {"start", "after messages"} <= set(result["memory"])
