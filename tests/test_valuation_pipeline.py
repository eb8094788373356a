"""The example themes through the pipeline with demo data: request counts, notes, quiet runs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from concepttrack import pipeline
from concepttrack.archive import run_record_order
from concepttrack.cli_support import ConsoleReporter
from concepttrack.prices import _plan
from concepttrack.themes import load_themes
from tests.conftest import REPO

AS_OF = dt.date(2024, 11, 29)


def _options(tmp_path: Path, **overrides: object) -> pipeline.RunOptions:
    values: dict[str, object] = {
        "formats": ("md", "json"),
        "out_dir": tmp_path / "reports",
        "source": "demo",
        "cache_path": tmp_path / "cache.sqlite",
        "as_of": AS_OF,
    }
    values.update(overrides)
    return pipeline.RunOptions(**values)  # type: ignore[arg-type]


def test_cold_then_warm_run_request_counts_and_the_notes(tmp_path: Path) -> None:
    themes = list(load_themes(REPO / "examples" / "valuation-themes.yaml"))

    cold = pipeline.run(themes, _options(tmp_path))
    warm = pipeline.run(themes, _options(tmp_path, force=True))

    assert cold.exit_code == warm.exit_code == 0
    # Cold: one batched price round (FX pair included) and one fundamentals request per
    # stock; warm: nothing at all.
    assert (cold.source_requests, cold.fundamentals_requests) == (1, 9)
    assert (warm.source_requests, warm.fundamentals_requests) == (0, 0)
    records = sorted(
        (tmp_path / "reports" / "runs").glob("*.json"), key=lambda p: run_record_order(p.name)
    )
    assert json.loads(records[0].read_text(encoding="utf-8"))["fundamentals_requests"] in (9, 0)

    capped = json.loads(
        (tmp_path / "reports/rate-cut-hk-banks/2024-11-29.json").read_text(encoding="utf-8")
    )["snapshot"]
    weights = capped["valuation"]["weighting"]["target_weights"]
    assert abs(sum(weights.values()) - 1) < 1e-12
    assert max(weights.values()) <= 0.30 + 1e-12
    assert capped["valuation"]["weighting"]["equal_since_event"] is not None
    two = json.loads(
        (tmp_path / "reports/stimulus-ah-brokers/2024-11-29.json").read_text(encoding="utf-8")
    )["snapshot"]
    assert [fx["symbol"] for fx in two["valuation"]["fx"]] == ["CNYHKD=X"]
    assert two["valuation"]["stocks"][1]["since_event_theme"] is not None
    text = (tmp_path / "reports/stimulus-ah-brokers/2024-11-29.md").read_text(encoding="utf-8")
    assert "Basket measured in HKD; converted with CNYHKD=X" in text
    assert "Fundamentals: DEMO (synthetic)" in text


def test_a_session_still_trading_elsewhere_is_not_asked_for_again() -> None:
    """An FX pair (New York calendar) during Hong Kong's evening: its session of the day
    has not closed, so a cache holding the day before is up to date."""
    from concepttrack.prices.frame import SymbolMeta
    from concepttrack.prices.store import Coverage

    friday = dt.date(2024, 11, 29)
    cached = Coverage(
        source="demo",
        symbol="CNYHKD=X",
        first_session=dt.date(2024, 1, 2),
        last_session=dt.date(2024, 11, 28),
        rows=230,
        requested_from=dt.date(2024, 1, 2),
        checked_through=dt.date(2024, 11, 28),
        fetched_at=dt.datetime(2024, 11, 29, 10, 0, tzinfo=dt.UTC),
        revision=None,
        problem=None,
        meta=SymbolMeta("CNYHKD=X", "demo", "HKD", "Europe/London"),
    )
    settled_thursday = dt.date(2024, 11, 28)
    kwargs = {"start": dt.date(2024, 1, 2), "end": friday, "refresh": False, "revision": None}
    assert _plan("CNYHKD=X", cached, settled=settled_thursday, **kwargs) is None  # type: ignore[arg-type]
    assert _plan("CNYHKD=X", cached, **kwargs) is not None  # type: ignore[arg-type]


def test_quiet_run_prints_nothing(tmp_path: Path, capsys: object) -> None:
    themes = list(load_themes(REPO / "examples" / "valuation-themes.yaml"))
    result = pipeline.run(themes, _options(tmp_path), reporter=ConsoleReporter(quiet=True))
    assert result.exit_code == 0
    captured = capsys.readouterr()  # type: ignore[attr-defined]
    assert (captured.out, captured.err) == ("", "")
