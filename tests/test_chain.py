"""The source chain (issue 18): ``--source yahoo,csv:DIR``, its circuit breaker, the cache,
and the vendor of each series named in the note, the run record and the JSON twin."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from concepttrack.errors import SourceError, UsageError
from concepttrack.prices import get_source, load_prices
from concepttrack.prices.chain import ChainSource, network_failure
from concepttrack.prices.csvdir import CsvDirSource
from concepttrack.prices.frame import SymbolHistory, empty_bars
from concepttrack.prices.registry import chain_members, file_of, vendor_text
from concepttrack.reasons import Reason, reason, said
from tests.price_fixtures import hk_sessions, make_bars

START, END = dt.date(2024, 1, 2), dt.date(2024, 1, 31)
NOW = dt.datetime(2024, 2, 5, 12, tzinfo=dt.UTC)
SYMBOLS = ["0941.HK", "0728.HK", "0763.HK", "9888.HK", "^HSI"]


@dataclass
class DeadSource:
    """A PriceSource that never answers: every symbol fails with ``why``; counts calls."""

    name: str = "dead"
    why: Reason = field(default_factory=lambda: reason("fetch_failed", why=said("timed out")))
    calls: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return "Dead feed"

    def revision(self, symbol: str) -> str | None:
        return None

    def fetch(
        self, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> dict[str, SymbolHistory]:
        self.calls.append(tuple(symbols))
        return {
            s: SymbolHistory(s, empty_bars(), None, self.why.plain(), True, cause=self.why)
            for s in symbols
        }

    @property
    def asked(self) -> list[str]:
        return [s for call in self.calls for s in call]


class CountingCsv(CsvDirSource):
    """The real CSV source, counting its fetch calls."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.calls: list[tuple[str, ...]] = []

    def fetch(
        self, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> dict[str, SymbolHistory]:
        self.calls.append(tuple(symbols))
        return super().fetch(symbols, start, end)


def write_csv_folder(folder: Path, symbols: Sequence[str] = SYMBOLS) -> Path:
    """One Yahoo-CSV file per symbol (``Date,Open,High,Low,Close,Adj Close,Volume``)."""
    folder.mkdir(parents=True, exist_ok=True)
    days = hk_sessions(dt.date(2023, 12, 1), END)
    for index, symbol in enumerate(symbols):
        bars = make_bars(days, start_price=20.0 + 10 * index)
        lines = ["Date,Open,High,Low,Close,Adj Close,Volume"]
        for day, row in zip(days, bars.itertuples(), strict=True):
            lines.append(
                f"{day.isoformat()},{row.open},{row.high},{row.low},{row.close},"
                f"{row.adj_close},{int(row.volume)}"
            )
        name = symbol.lstrip("^") if symbol.startswith("^") else symbol
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _load(chain: ChainSource, tmp_path: Path, symbols: Sequence[str] = SYMBOLS) -> Any:
    return load_prices(
        symbols,
        start=START,
        end=END,
        source=chain,
        store_path=tmp_path / "cache.sqlite",
        now=NOW,
    )


# --- the spec ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("yahoo,", "empty member"),
        ("yahoo,,csv:x", "empty member"),
        ("yahoo,bloomberg", "unknown price source 'bloomberg'"),
        ("yahoo,demo", "cannot stand in a chain"),
        ("demo,yahoo", "cannot stand in a chain"),
        ("yahoo,YAHOO", "twice"),
        ("csv:a,csv:a", "twice"),
        ("yahoo,csv:", "needs a folder"),
    ],
)
def test_a_wrong_chain_is_a_clear_usage_error(spec: str, words: str) -> None:
    with pytest.raises(UsageError) as caught:
        get_source(spec)
    assert words in caught.value.message
    assert caught.value.hint


def test_a_chain_spec_builds_its_members_in_order(tmp_path: Path) -> None:
    assert chain_members(f" yahoo , csv:{tmp_path} ") == ["yahoo", f"csv:{tmp_path}"]
    chain = get_source(f"yahoo,csv:{tmp_path}")
    assert isinstance(chain, ChainSource)
    assert [m.name for m in chain.members] == ["yahoo", f"csv:{tmp_path}"]
    assert chain.name == f"yahoo,csv:{tmp_path}"


def test_the_book_names_a_source_chain_and_the_cli_and_env_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concepttrack import settings
    from concepttrack.errors import ThemesFileError
    from concepttrack.themes import load_themes

    body = (
        "themes:\n  - id: t\n    title: T\n    thesis: x\n"
        "    event:\n      date: 2024-01-10\n      title: News\n"
        "    stocks:\n      - code: '0941'\n        name: China Mobile\n"
        "        rationale: Cloud.\n"
    )
    book = tmp_path / "themes.yaml"
    book.write_text(f"source: yahoo,csv:{tmp_path}\n" + body, encoding="utf-8")
    try:
        loaded = load_themes(book)
    except ThemesFileError as exc:  # the minimal theme above must be valid
        pytest.fail(str(exc))
    assert loaded.source == f"yahoo,csv:{tmp_path}"
    assert settings.source_spec(None, loaded.source) == loaded.source
    monkeypatch.setenv(settings.ENV_SOURCE, "yahoo")
    assert settings.source_spec(None, loaded.source) == "yahoo"
    assert settings.source_spec("demo", loaded.source) == "demo"

    book.write_text("source: yahoo,demo\n" + body, encoding="utf-8")
    with pytest.raises(ThemesFileError) as caught:
        load_themes(book)
    assert "cannot stand in a chain" in str(caught.value)
    assert ":1:" in str(caught.value)


# --- fetching ----------------------------------------------------------------------------


def test_the_first_source_fails_and_the_csv_folder_serves(tmp_path: Path) -> None:
    folder = write_csv_folder(tmp_path / "prices")
    dead, csv = DeadSource(), CountingCsv(folder)
    frame = _load(ChainSource([dead, csv]), tmp_path)
    for symbol in SYMBOLS:
        history = frame.get(symbol)
        assert not history.failed, history.problem
        assert history.meta is not None
        assert history.meta.source == csv.name
        assert history.last_session == dt.date(2024, 1, 31)
    assert frame.source == f"dead,{csv.name}"
    meta = frame.get("0941.HK").meta
    assert file_of(meta.detail) == "0941.HK.csv"
    assert vendor_text(meta.source, file_of(meta.detail)) == "CSV file 0941.HK.csv"
    assert vendor_text("yahoo") == "Yahoo Finance"


def test_the_breaker_opens_and_later_symbols_never_ask_the_dead_source(tmp_path: Path) -> None:
    folder = write_csv_folder(tmp_path / "prices")
    dead, csv = DeadSource(), CountingCsv(folder)
    said_lines: list[str] = []
    chain = ChainSource([dead, csv])
    frame = load_prices(
        SYMBOLS,
        start=START,
        end=END,
        source=chain,
        store_path=tmp_path / "cache.sqlite",
        now=NOW,
        progress=said_lines.append,
    )
    # A probe of three symbols, all failing for a network reason: the breaker opens and
    # the other two never ask the dead source.
    assert dead.calls == [tuple(SYMBOLS[:3])]
    assert [t.source for t in chain.breaker.trips] == ["dead"]
    assert chain.breaker.trips[0].failures == 3
    assert sum("skipped for the rest of this run" in line for line in said_lines) == 1
    assert all(not frame.get(s).failed for s in SYMBOLS)
    # The same run (the same chain) asks it nothing more, fetch() included.
    answers = chain.fetch(["0700.HK"], START, END)
    assert dead.calls == [tuple(SYMBOLS[:3])]
    assert answers["0700.HK"].failed  # no CSV file either


def test_not_found_does_not_open_the_breaker(tmp_path: Path) -> None:
    folder = write_csv_folder(tmp_path / "prices")
    unknown = DeadSource(why=reason("not_found", source="dead"))
    chain = ChainSource([unknown, CountingCsv(folder)])
    _load(chain, tmp_path)
    assert unknown.asked == SYMBOLS
    assert chain.breaker.trips == []
    assert not network_failure(
        SymbolHistory("X", empty_bars(), None, "nope", True, cause=unknown.why)
    )


def test_a_warm_rerun_does_not_refetch_and_a_one_source_run_reuses_the_bars(
    tmp_path: Path,
) -> None:
    folder = write_csv_folder(tmp_path / "prices")
    dead, csv = DeadSource(), CountingCsv(folder)
    first = _load(ChainSource([dead, csv]), tmp_path)
    assert first.fetch_rounds >= 1
    dead2, csv2 = DeadSource(), CountingCsv(folder)
    again = _load(ChainSource([dead2, csv2]), tmp_path)
    assert again.fetch_rounds == 0
    assert dead2.calls == []
    assert csv2.calls == []
    assert all(again.get(s).meta.source == csv.name for s in SYMBOLS)  # type: ignore[union-attr]
    # The bars are cached under the member's own name: --source csv:DIR reuses them.
    alone = CountingCsv(folder)
    one = load_prices(
        SYMBOLS, start=START, end=END, source=alone, store_path=tmp_path / "cache.sqlite", now=NOW
    )
    assert one.fetch_rounds == 0
    assert alone.calls == []
    assert one.get("0941.HK").bars.equals(again.get("0941.HK").bars)


def test_every_source_failing_is_a_source_error_naming_each(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    with pytest.raises(SourceError) as caught:
        _load(ChainSource([DeadSource(), CsvDirSource(folder)]), tmp_path, ["0941.HK"])
    assert "Dead feed" in caught.value.message
    assert "no CSV file" in caught.value.message


# --- the note, the run record, the JSON twin ---------------------------------------------


def test_a_note_through_yahoo_then_csv_names_the_vendor_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Yahoo (through yfinance, on a fake session whose network is down) then a CSV
    folder: the note's appendix, the run record and the JSON twin name who served what."""
    from concepttrack import pipeline
    from concepttrack.prices import yahoo
    from concepttrack.themes import load_themes
    from tests.golden import AS_OF, write_dataset
    from tests.yahoo_fake import Sleeps, dns_error, fresh_fake_yahoo, yahoo_source

    repo = Path(__file__).resolve().parents[1]
    theme = load_themes(repo / "themes.yaml").get("sora-compute")
    prices = tmp_path / "prices"
    write_dataset(prices)
    (prices / "fundamentals.csv").write_text(
        "symbol,date,market_cap,shares_outstanding,trailing_pe,price_to_book,dividend_yield,"
        "currency\n0941.HK,2024-02-29,1.51e12,21.4e9,10.5,1.15,0.067,HKD\n",
        encoding="utf-8",
    )
    sleeps = Sleeps()
    with fresh_fake_yahoo() as fake:
        fake.down = dns_error()
        monkeypatch.setattr(
            yahoo,
            "YahooSource",
            lambda cache_dir=None: yahoo_source(fake, tmp_path / "yf", sleeps),
        )
        options = pipeline.RunOptions(
            formats=("md",),
            out_dir=tmp_path / "reports",
            source=f"yahoo,csv:{prices}",
            cache_path=tmp_path / "cache.sqlite",
            as_of=AS_OF,
            languages=("en", "zh-hk", "zh-cn"),
        )
        result = pipeline.run([theme], options)
    assert result.exit_code == 0, result.outcomes
    symbols = [*theme.symbols, theme.benchmark]
    assert result.served_by is not None
    assert {result.served_by[s] for s in symbols} == {f"csv:{prices}"}
    assert [trip["source"] for trip in result.breaker] == ["yahoo"]

    record = json.loads(next((tmp_path / "reports" / "runs").glob("*.json")).read_text())
    assert record["served_by"]["0941.HK"] == f"csv:{prices}"
    assert record["breaker"][0]["source"] == "yahoo"

    folder = tmp_path / "reports" / theme.id
    md = (folder / f"{AS_OF.isoformat()}.md").read_text("utf-8")
    assert "served by CSV file 0941.HK.csv, a later source of the chain" in md
    vendors = next(line for line in md.splitlines() if "Prices by vendor:" in line)
    assert "CSV file 0941.HK.csv (China Mobile)" in vendors
    assert "Yahoo Finance daily bars → CSV price files (prices)" in md
    zh_hk = (folder / f"{AS_OF.isoformat()}.zh-hk.md").read_text("utf-8")
    assert "後備來源：價格檔案 0941.HK.csv" in zh_hk
    assert "各價格數據供應商：" in zh_hk
    assert "價格檔案 0941.HK.csv（中國移動）" in zh_hk
    zh_cn = (folder / f"{AS_OF.isoformat()}.zh-cn.md").read_text("utf-8")
    assert "后备来源：价格文件 0941.HK.csv" in zh_cn

    twin = json.loads((folder / f"{AS_OF.isoformat()}.json").read_text("utf-8"))
    status = next(s for s in twin["snapshot"]["stocks"] if s["symbol"] == "0941.HK")["status"]
    assert status["served_by"] == f"csv:{prices}"
    assert status["vendor"] == "CSV file 0941.HK.csv"
    assert status["source_file"] == "0941.HK.csv"
    # Fundamentals come from the member that served prices, not from the dead first one.
    assert twin["snapshot"]["valuation"]["fundamentals_source"] == f"csv:{prices}"
    assert "fundamentals.csv of the CSV price files (prices)" in md


def test_offline_a_chain_reads_each_symbol_from_the_member_that_cached_it(
    tmp_path: Path,
) -> None:
    folder = write_csv_folder(tmp_path / "prices")
    _load(ChainSource([DeadSource(), CountingCsv(folder)]), tmp_path)
    dead, csv = DeadSource(), CountingCsv(folder)
    frame = load_prices(
        SYMBOLS,
        start=START,
        end=END,
        source=ChainSource([dead, csv]),
        store_path=tmp_path / "cache.sqlite",
        offline=True,
        now=NOW,
    )
    assert dead.calls == []
    assert csv.calls == []
    assert {frame.get(s).meta.source for s in SYMBOLS} == {csv.name}  # type: ignore[union-attr]
    assert frame.get("0941.HK").last_session == END


def test_prices_fetch_uses_the_books_source_chain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``prices fetch`` with no --source and no env: the book's ``source:`` (a chain
    whose first member cannot stand alone here: a CSV folder without files)."""
    import typer
    from typer.testing import CliRunner

    from concepttrack.cli_prices import prices_app

    empty = tmp_path / "empty"
    empty.mkdir()
    folder = write_csv_folder(tmp_path / "prices", ["0941.HK", "^HSI"])
    (tmp_path / "themes.yaml").write_text(
        f"source: csv:{empty},csv:{folder}\n"
        "themes:\n  - id: t\n    title: T\n    thesis: x\n"
        "    event: {date: 2024-01-10, title: News}\n"
        "    stocks:\n      - {code: '0941', name: China Mobile, rationale: Cloud.}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CONCEPTTRACK_THEMES", str(tmp_path / "themes.yaml"))
    monkeypatch.setenv("CONCEPTTRACK_CACHE", str(tmp_path / "cache.sqlite"))
    app = typer.Typer()
    app.add_typer(prices_app, name="prices")
    result = CliRunner().invoke(app, ["prices", "fetch", "t", "--as-of", "2024-01-31"])
    assert result.exit_code == 0, result.output
    assert "no CSV file" in result.output  # the first member was asked, and had nothing
    assert "0941.HK: " in result.output


# --- AkShare in a chain (EastMoney's answers through the real AkShare) --------------------


def _akshare() -> Any:
    from concepttrack.prices.akshare import AkshareSource, RetryPolicy

    return AkshareSource(
        sleep=lambda _s: None, retry=RetryPolicy(attempts=2, base_delay=0.0), pause=0.0
    )


def test_akshare_then_csv_each_symbol_names_its_vendor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AkShare serves what EastMoney lists; a symbol it does not know falls through to
    the CSV folder without opening the breaker."""
    from tests.akshare_fake import EastMoneyFake, install, trading_days, zigzag_bars

    em = EastMoneyFake()
    em.add_stock("0941.HK", zigzag_bars(trading_days("XHKG", dt.date(2023, 12, 1), END), 65.0))
    install(monkeypatch, em)
    folder = write_csv_folder(tmp_path / "prices")
    csv = CountingCsv(folder)
    chain = ChainSource([_akshare(), csv])
    frame = _load(chain, tmp_path, ["0941.HK", "0728.HK"])
    mobile, telecom = frame.get("0941.HK").meta, frame.get("0728.HK").meta
    assert mobile is not None
    assert telecom is not None
    assert mobile.source == "akshare"
    assert telecom.source == csv.name
    assert csv.calls == [("0728.HK",)]
    assert chain.breaker.trips == []
    assert vendor_text(mobile.source, file_of(mobile.detail)) == "EastMoney via AkShare"
    assert vendor_text(telecom.source, file_of(telecom.detail)) == "CSV file 0728.HK.csv"


def test_an_eastmoney_outage_opens_the_breaker_after_three_symbols(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.akshare_fake import EastMoneyFake, install

    em = EastMoneyFake()
    em.status = 503
    install(monkeypatch, em)
    chain = ChainSource([_akshare(), CountingCsv(write_csv_folder(tmp_path / "prices"))])
    frame = _load(chain, tmp_path)
    asked = {params.get("secid") for _url, params in em.requests if params.get("secid")}
    # Only the probe's symbols (0941, 0728, 0763) may reach EastMoney, never 9888 or HSI
    # (AkShare itself stops asking after an outage within a batch).
    assert asked
    assert asked <= {"116.00941", "116.00728", "116.00763"}
    assert [trip.source for trip in chain.breaker.trips] == ["akshare"]
    assert "AkShare is down" in chain.breaker.trips[0].problem
    assert all(not frame.get(s).failed for s in SYMBOLS)
