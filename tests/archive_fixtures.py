"""Small hand-made themes, snapshots and archived notes for the archive and changes tests."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from concepttrack.analytics.model import (
    BasketFigures,
    BenchmarkFigures,
    Breadth,
    Correlation,
    DataStatus,
    NarrativeFacts,
    Status,
    StockFigures,
    ThemeSnapshot,
    WindowReturns,
)
from concepttrack.themes import Theme

EVENT = dt.date(2024, 2, 15)
BASE = dt.date(2024, 2, 15)


def day(text: str) -> dt.date:
    """``'2025-01-02'`` -> ``date(2025, 1, 2)``."""
    return dt.date.fromisoformat(text)


def make_theme(
    codes: Sequence[str] = ("00700", "09988", "03690"),
    *,
    theme_id: str = "sora-compute",
    title: str = "Sora compute",
    views: Sequence[tuple[str, str]] = (("Morgan Stanley", "2024-02"),),
    weights: Sequence[float | None] | None = None,
    event: dt.date = EVENT,
) -> Theme:
    """A valid Theme with these stock codes and (source, date) views."""
    return Theme.model_validate(
        {
            "id": theme_id,
            "title": title,
            "title_zh": "視頻生成算力",
            "thesis": "Text-to-video models need compute.",
            "event": {"date": event.isoformat(), "title": "Sora unveiled"},
            "views": [
                {"source": source, "date": date, "summary": f"{source} is positive."}
                for source, date in views
            ],
            "stocks": [
                {
                    "code": code,
                    "name": f"Stock {code}",
                    "rationale": "Linked.",
                    **({"weight": weights[i]} if weights and weights[i] is not None else {}),
                }
                for i, code in enumerate(codes)
            ],
        }
    )


def make_stock(
    symbol: str,
    *,
    close: float | None = 100.0,
    session: dt.date | None = None,
    status: Status = "fresh",
    high_52w: float | None = 120.0,
    low_52w: float | None = 80.0,
    volume_ratio: float | None = 1.0,
    since_event: float | None = 0.1,
    in_basket: bool = True,
) -> StockFigures:
    """One constituent's figures; ``session`` is its last bar (None: no bar at all)."""
    return StockFigures(
        symbol=symbol,
        code=symbol.removesuffix(".HK").zfill(5),
        name=f"Stock {symbol}",
        name_zh=None,
        currency="HKD",
        status=DataStatus(symbol, status, session),
        last_close=close,
        last_session=session,
        returns=WindowReturns(one_day=0.01, since_event=since_event),
        volume_ratio=volume_ratio,
        high_52w=high_52w,
        low_52w=low_52w,
        in_basket=in_basket,
    )


def make_snapshot(
    as_of: dt.date,
    stocks: Sequence[StockFigures],
    *,
    theme_id: str = "sora-compute",
    basket_level: float | None = 110.0,
    base_session: dt.date | None = BASE,
    benchmark_close: float | None = 20000.0,
    benchmark_status: Status = "fresh",
    leader: str | None = None,
    laggard: str | None = None,
) -> ThemeSnapshot:
    """A ThemeSnapshot with just the figures "since the last note" and the index read."""
    return ThemeSnapshot(
        theme_id=theme_id,
        as_of=as_of,
        event_date=EVENT,
        source="demo",
        demo=True,
        basket=BasketFigures(
            base_session=base_session,
            level=basket_level,
            returns=WindowReturns(one_day=-0.004, since_event=0.1234),
        ),
        benchmark=BenchmarkFigures(
            symbol="^HSI",
            status=DataStatus("^HSI", benchmark_status, as_of),
            last_close=benchmark_close,
            last_session=as_of,
            returns=WindowReturns(since_event=0.021),
        ),
        stocks=list(stocks),
        breadth=Breadth(leader_since_event=leader, laggard_since_event=laggard),
        correlation=Correlation(),
        narrative=NarrativeFacts(),
    )


def note_dict(theme: Theme, snapshot: ThemeSnapshot) -> dict[str, Any]:
    """A note's JSON exactly as the renderer lays it out, round-tripped through JSON."""
    note = {
        "schema_version": 1,
        "kind": "concepttrack.note",
        "theme": theme.model_dump(mode="json"),
        "snapshot": snapshot.to_dict(),
        "since_last_note": None,
    }
    loaded: dict[str, Any] = json.loads(json.dumps(note))
    return loaded


def write_note(
    reports: Path,
    as_of: dt.date,
    *,
    theme: Theme | None = None,
    formats: Sequence[str] = ("md", "pdf", "json"),
    assets: bool = False,
) -> list[Path]:
    """Archive a small note for ``as_of`` in these formats (the JSON is a real note)."""
    theme = theme or make_theme()
    folder = reports / theme.id
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        path = folder / f"{as_of.isoformat()}.{fmt}"
        if fmt == "json":
            snapshot = make_snapshot(
                as_of, [make_stock(s, session=as_of) for s in theme.symbols], theme_id=theme.id
            )
            path.write_text(json.dumps(note_dict(theme, snapshot)), encoding="utf-8")
        else:
            path.write_text(f"{fmt} note of {as_of}\n", encoding="utf-8")
        written.append(path)
    if assets:
        chart = folder / f"{as_of.isoformat()}-assets" / "basket.png"
        chart.parent.mkdir()
        chart.write_bytes(b"png")
        written.append(chart.parent)
    return written
