"""The sale path's SQL statement count (benchmarks/statements.py) may shrink, never grow."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "statements.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("statements_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_payment_runs_no_more_statements_than_its_budget(tmp_path):
    bench = load_bench()
    counted = bench.statements_per_payment(bench.fresh_coop(tmp_path))
    for kind, statements in counted.items():
        assert any(sql.startswith("INSERT INTO sales") for sql in statements), kind
        assert len(statements) <= bench.BUDGET[kind], (kind, len(statements), statements)
