"""Reasons leave analytics and the price layer as data and are worded only in render.

Every reason code words in English, Hong Kong and mainland Chinese from the catalogs
(dates the note's way, a source by its label, no local path); ``render/messages.py``
holds no regular expression any more; the JSON twin keeps the English text and adds
the code with its parameters.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import pytest

from concepttrack.analytics.model import DataStatus
from concepttrack.reasons import MESSAGES, Reason, from_json, reason, said
from concepttrack.render.context import build_context
from concepttrack.render.messages import reason_text
from tests.render_fixtures import sora_snapshot, sora_theme

MESSAGES_PY = Path(__file__).parents[1] / "src/concepttrack/render/messages.py"

#: A sample value per parameter name (every name a msgid in MESSAGES uses).
SAMPLES: dict[str, object] = {
    "date": dt.date(2025, 7, 10),
    "base": dt.date(2024, 2, 15),
    "first": dt.date(2024, 3, 1),
    "as_of": dt.date(2025, 6, 30),
    "last": dt.date(2025, 6, 27),
    "start": dt.date(2023, 10, 2),
    "end": dt.date(2024, 1, 31),
    "source": "csv:/srv/data/hk-prices",
    "why": reason("no_data"),
    "n": 80,
    "have": 11,
    "length": 21,
    "needed": 120,
    "bars": 11,
    "cap": 0.4,
    "pair": "CNYHKD=X",
    "currency": "HKD",
    "files": "0700.HK.csv",
    "file": "0700.HK.csv",
    "mb": 16,
    "text": "HTTP 503",
    "tries": 3,
    "symbol": "600941.SS",
}
#: Latin words a Chinese reason may keep: the sample names, symbols and source ids above
#: (the CSV source's label, "CSV 價格檔案（hk-prices）", names the format; fundamentals.csv
#: is a file name).
NAMES = {"CNYHKD", "X", "HKD", "HK", "csv", "CSV", "hk", "prices", "HTTP", "fundamentals", "MB"}
NAMES |= {"southbound"}  # issue 18: the file name southbound.csv

# The A/H premium's reasons: an A-share symbol (600941.SS), the A of A股 and the H of H股.
NAMES |= {"SS", "A", "H"}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _sample(code: str) -> Reason:
    names = _PLACEHOLDER.findall(MESSAGES[code])
    return reason(code, **{name: SAMPLES[name] for name in names})  # type: ignore[arg-type]


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_reason_code_is_worded_in_every_language(code: str) -> None:
    why = _sample(code)
    for lang in ("en", "zh-hk", "zh-cn"):
        text = reason_text(why, lang)
        assert text, (code, lang)
        assert "%(" not in text, (code, lang, text)
        # Dates are the note's, never ISO; a local path never reaches the reader.
        assert not _ISO_DATE.search(text), (code, lang, text)
        assert "/srv" not in text, (code, lang, text)
    english = reason_text(why, "en")
    for lang in ("zh-hk", "zh-cn"):
        chinese = reason_text(why, lang)
        latin = set(_LATIN_WORD.findall(chinese)) - NAMES
        assert not latin, (code, lang, chinese)
        if code != "source_said":  # the source's own words are quoted as they are
            assert chinese != english
    assert "HTTP 503" in reason_text(said("HTTP 503"), "zh-hk")


def test_dates_sources_and_nested_reasons_are_worded_per_language() -> None:
    why = reason(
        "fx_missing_value",
        pair="CNYHKD=X",
        why=reason("no_data_after", source="csv:/srv/data/hk-prices", date=dt.date(2025, 7, 18)),
        currency="HKD",
    )
    assert reason_text(why, "en") == (
        "FX series CNYHKD=X missing (no data from CSV price files (hk-prices) after "
        "18 Jul 2025), so no HKD value"
    )
    assert "2025年7月18日" in reason_text(why, "zh-hk")
    assert "hk-prices" in reason_text(why, "zh-cn")
    # The console's plain English: ISO dates and the source id.
    assert str(why) == (
        "FX series CNYHKD=X missing (no data from csv:/srv/data/hk-prices after 2025-07-18), "
        "so no HKD value"
    )


def test_a_yahoo_failure_is_coded_and_worded_in_chinese() -> None:
    from concepttrack.prices.yahoo import _Failure

    limited = _Failure("rate_limited", "YFRateLimitError").cause(3)
    assert limited == reason("fetch_failed_after", why=reason("rate_limited"), tries=3)
    assert str(limited) == "fetch failed: rate limited (429) after 3 tries"
    assert reason_text(limited, "zh-hk") == "嘗試3次後索取數據失敗：請求過於頻繁，遭數據源限制"
    down = _Failure("unavailable", "503").cause()
    assert reason_text(down, "zh-cn") == "获取数据失败：雅虎财经日线数据暂时无法使用"


def test_messages_holds_no_regex_back_translation() -> None:
    source = MESSAGES_PY.read_text("utf-8")
    assert "import re" not in source
    assert "re.compile" not in source
    for name in ("_REASONS", "_known_reason", "_ISO_DATE", "_ABS_PATH", "_CSV_FOLDER"):
        assert name not in source


def test_a_reason_is_data_not_a_sentence() -> None:
    why = reason("no_bar_since", date=dt.date(2025, 7, 10))
    assert why.code == "no_bar_since"
    assert why.values == {"date": dt.date(2025, 7, 10)}
    assert dataclasses.is_dataclass(why)
    with pytest.raises(dataclasses.FrozenInstanceError):
        why.code = "no_data"  # type: ignore[misc]
    with pytest.raises(ValueError, match="unknown reason code"):
        reason("no_such_code")
    with pytest.raises(ValueError, match=r"takes \['date'\]"):
        reason("no_bar_since")  # a parameter its words need is missing
    assert why.to_dict() == {"code": "no_bar_since", "params": {"date": "2025-07-10"}}


def test_a_reason_survives_the_cache_and_free_text_is_the_sources_words() -> None:
    nested = reason("fundamentals_unavailable", why=said("HTTP 503"))
    dated = reason("not_enough_history", n=80, start=None, end=dt.date(2024, 1, 31), needed=120)
    for why in (nested, dated, reason("no_answer", source="yahoo")):
        assert from_json(why.to_json()) == why
    assert from_json("fetch failed: rate limited (429)") == said("fetch failed: rate limited (429)")
    assert str(said("fetch failed: rate limited (429)")) == "fetch failed: rate limited (429)"


def _with_inferred_calendar(lang: str) -> list[str]:
    snapshot = sora_snapshot()
    first = snapshot.stocks[0]
    status = dataclasses.replace(first.status, calendar_inferred_after=dt.date(2024, 3, 1))
    stocks = [dataclasses.replace(first, status=status), *snapshot.stocks[1:]]
    note = build_context(sora_theme(), dataclasses.replace(snapshot, stocks=stocks), lang=lang)
    return note.data_notes


def test_the_calendar_inferred_note_is_in_the_notes_language_and_printed_once() -> None:
    """It used to be printed twice, once in English even in the zh-hk note."""
    zh = _with_inferred_calendar("zh-hk")
    assert not [line for line in zh if "exchange-calendars" in line or "weekdays" in line]
    assert any("2024年3月1日" in line for line in zh)
    en = _with_inferred_calendar("en")
    assert len([line for line in en if "exchange-calendars knows" in line]) == 1


def test_a_stale_reason_reads_chinese_in_the_zh_hk_data_table() -> None:
    snapshot = sora_snapshot(stale_symbol="0763.HK")
    note = build_context(sora_theme(), snapshot, lang="zh-hk")
    row = next(r for r in note.data_rows if r.symbol == "0763.HK")
    assert "停牌或數據延遲" in row.note
    assert not _LATIN_WORD.search(row.note)


def test_json_twin_keeps_the_english_text_and_adds_the_code() -> None:
    from concepttrack.render import note_json

    snapshot = sora_snapshot(stale_symbol="0763.HK")
    stock = next(s for s in snapshot.stocks if s.symbol == "0763.HK")
    excluded = reason("no_price_at_base", base=dt.date(2024, 2, 15), first=dt.date(2024, 3, 1))
    stocks = [
        dataclasses.replace(s, in_basket=False, excluded_reason=excluded) if s is stock else s
        for s in snapshot.stocks
    ]
    document = json.loads(note_json(sora_theme(), dataclasses.replace(snapshot, stocks=stocks)))
    row = next(s for s in document["snapshot"]["stocks"] if s["symbol"] == "0763.HK")
    last = stock.status.last_session
    assert isinstance(last, dt.date)
    assert row["status"]["reason"] == reason_text(stock.status.reason or Reason("no_data"), "en")
    assert row["status"]["reason"].startswith("no bar since ")
    assert row["status"]["reason_coded"] == {
        "code": "no_bar_since",
        "params": {"date": last.isoformat()},
    }
    assert row["excluded_reason"] == (
        "no price at the event base session 15 Feb 2024 (first bar 1 Mar 2024)"
    )
    assert row["excluded_reason_coded"]["code"] == "no_price_at_base"
    fresh = document["snapshot"]["stocks"][0]
    assert (fresh["status"]["reason"], fresh["status"]["reason_coded"]) == (None, None)
    assert fresh["excluded_reason_coded"] is None


def test_a_data_status_carries_a_reason_not_text() -> None:
    status = DataStatus("0700.HK", "stale", dt.date(2025, 7, 10), reason("no_data"))
    assert isinstance(status.reason, Reason)
