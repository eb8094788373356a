"""The AkShare source: EastMoney answers (tests/akshare_fake.py) through the real AkShare.

Nothing here reaches the network: the fake replaces ``requests``' transport only, so
AkShare's URL building and parsing run for real; without it pytest-socket refuses the
connection (see ``test_without_the_fake_nothing_leaves_the_machine``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from typer.testing import CliRunner

from concepttrack.prices.akshare import AkshareSource, RetryPolicy, eastmoney_code, infer_actions
from concepttrack.reasons import reason, said
from tests.akshare_fake import Action, Bar, EastMoneyFake, install, trading_days, zigzag_bars
from tests.conftest import REPO

START, END = dt.date(2024, 3, 1), dt.date(2024, 6, 28)
HK_DAYS = trading_days("XHKG", dt.date(2024, 1, 2), END)
A_DAYS = trading_days("XSHG", dt.date(2024, 1, 2), END)
EX_HK = dt.date(2024, 5, 17)
EX_A = dt.date(2024, 6, 14)


def source(sleeps: list[float] | None = None) -> AkshareSource:
    waits = sleeps if sleeps is not None else []
    return AkshareSource(
        sleep=waits.append, retry=RetryPolicy(attempts=3, base_delay=0.01), pause=0.0
    )


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> EastMoneyFake:
    em = EastMoneyFake()
    em.add_stock(
        "0941.HK",
        zigzag_bars(HK_DAYS, 65.0),
        name="中国移动",
        actions=[Action(EX_HK, dividend=2.53)],
    )
    em.add_stock(
        "600941.SS",
        zigzag_bars(A_DAYS, 100.0, step=0.1, decimals=2, volume=50_000),
        name="中国移动",
        actions=[Action(EX_A, dividend=2.4, ratio=1.3)],
    )
    em.add_stock("000063.SZ", zigzag_bars(A_DAYS, 30.0, step=0.1, decimals=2), name="中兴通讯")
    em.add_index("HSI", zigzag_bars(HK_DAYS, 16000.0, step=20, decimals=2))
    return install(monkeypatch, em)


# --- symbols -------------------------------------------------------------------------------


def test_yahoo_style_symbols_map_to_eastmoney_codes() -> None:
    assert eastmoney_code("0941.HK") == ("hk", "00941")
    assert eastmoney_code("80737.HK") == ("hk", "80737")
    assert eastmoney_code("600941.SS") == ("a", "600941")
    assert eastmoney_code("000063.SZ") == ("a", "000063")
    assert eastmoney_code("^HSI") == ("index", "HSI")
    assert eastmoney_code("^HSCE") == ("index", "HSCEI")
    assert eastmoney_code("CNYHKD=X") == ("fx", "CNYHKD")
    for other in ("NVDA", "000001.SS", "^HSNF"):
        assert eastmoney_code(other) is None


# --- bars ----------------------------------------------------------------------------------


def test_hk_stock_traded_bars_from_the_kline_api(fake: EastMoneyFake) -> None:
    history = source().fetch(["0941.HK"], START, END)["0941.HK"]
    assert not history.failed
    assert history.problem is None
    bars = history.bars
    traded = {b.day: b for b in fake.listings["116.00941"].bars}
    first = traded[START]
    assert bars.index[0].date() == START
    assert bars.index[-1].date() == END
    assert bars.loc[str(START), ["open", "high", "low", "close", "volume"]].tolist() == [
        first.open,
        first.high,
        first.low,
        first.close,
        float(first.volume),
    ]
    assert len(bars) == sum(1 for d in HK_DAYS if START <= d <= END)
    meta = history.meta
    assert meta is not None
    assert (meta.source, meta.currency, meta.timezone) == ("akshare", "HKD", "Asia/Hong_Kong")
    # Traded bars (fqt 0) and the forward-adjusted ones (fqt 1) of secid 116.00941.
    asked = [(p["secid"], p["fqt"]) for p in fake.kline_requests()]
    assert asked == [("116.00941", "0"), ("116.00941", "1")]


def test_a_shares_secid_by_exchange_and_volume_in_shares(fake: EastMoneyFake) -> None:
    out = source().fetch(["600941.SS", "000063.SZ"], START, END)
    asked = {(p["secid"], p["fqt"], p["beg"]) for p in fake.kline_requests()}
    lead = (START - dt.timedelta(days=14)).strftime("%Y%m%d")
    assert asked == {
        ("1.600941", "0", lead),
        ("1.600941", "1", lead),
        ("0.000063", "0", lead),
        ("0.000063", "1", lead),
    }
    bars = out["600941.SS"].bars
    lots = {b.day: b.volume for b in fake.listings["1.600941"].bars}
    assert bars.loc[str(START), "volume"] == lots[START] * 100  # EastMoney counts lots
    meta = out["000063.SZ"].meta
    assert meta is not None
    assert (meta.currency, meta.timezone) == ("CNY", "Asia/Shanghai")
    # No ex-date: adj_close is the close, no actions.
    zte = out["000063.SZ"].bars
    assert (zte["adj_close"] == zte["close"]).all()
    assert (zte["dividends"] == 0).all()
    assert (zte["splits"] == 0).all()


def test_calls_are_spaced(fake: EastMoneyFake) -> None:
    sleeps: list[float] = []
    AkshareSource(sleep=sleeps.append).fetch(["0941.HK", "000063.SZ"], START, END)
    assert sleeps == [0.3, 0.3, 0.3]  # four calls, a pause before each but the first


def test_hk_index_through_the_eastmoney_index_list(fake: EastMoneyFake) -> None:
    history = source().fetch(["^HSI"], START, END)["^HSI"]
    assert not history.failed
    assert history.bars["close"].iloc[-1] == fake.listings["100.HSI"].bars[-1].close
    assert history.bars["volume"].isna().all()  # EastMoney's index klines: no volume kept
    assert [p["secid"] for p in fake.kline_requests()] == ["100.HSI"]


# --- corporate actions -----------------------------------------------------------------------


def test_a_cash_dividend_is_inferred_and_adj_close_derived(fake: EastMoneyFake) -> None:
    bars = source().fetch(["0941.HK"], START, END)["0941.HK"].bars
    assert bars["dividends"][bars["dividends"] > 0].to_dict() == {dt.datetime(2024, 5, 17): 2.53}
    assert (bars["splits"] == 0).all()
    # By hand: the close before the ex-date P, factor (P - 2.53) / P on every earlier close.
    traded = {b.day: b.close for b in fake.listings["116.00941"].bars}
    before = max(d for d in traded if d < EX_HK)
    factor = (traded[before] - 2.53) / traded[before]
    assert bars.loc[str(START), "adj_close"] == pytest.approx(traded[START] * factor, rel=1e-12)
    assert bars.loc[str(before), "adj_close"] == pytest.approx(traded[before] * factor)
    after = bars[bars.index >= str(EX_HK)]
    assert (after["adj_close"] == after["close"]).all()


def test_bonus_shares_and_a_dividend_on_one_ex_date(fake: EastMoneyFake) -> None:
    """10 送 3 派 24 (3 bonus shares and CNY 24 per 10 shares): ratio 1.3, cash 2.4."""
    bars = source().fetch(["600941.SS"], START, END)["600941.SS"].bars
    # Cash per share after the bonus shares, as the price layer (and Yahoo) keeps it.
    paid = bars["dividends"][bars["dividends"] > 0].to_dict()
    assert paid == {dt.datetime(2024, 6, 14): pytest.approx(2.4 / 1.3)}
    assert bars["splits"][bars["splits"] > 0].to_dict() == {dt.datetime(2024, 6, 14): 1.3}
    traded = {b.day: b.close for b in fake.listings["1.600941"].bars}
    before = max(d for d in traded if d < EX_A)
    factor = (traded[before] - 2.4) / (1.3 * traded[before])
    assert bars.loc[str(START), "adj_close"] == pytest.approx(traded[START] * factor)


def test_infer_actions_by_hand() -> None:
    days = [dt.date(2024, 1, d) for d in (2, 3, 4, 5, 8, 9)]
    close = [10.00, 10.50, 10.20, 9.80, 9.90, 10.10]
    # 0.50 going ex on the 5th: earlier prices less 0.50.
    qfq = [9.50, 10.00, 9.70, 9.80, 9.90, 10.10]
    found = infer_actions(days, close, qfq)
    assert found.readable
    assert found.dividends == {3: 0.5}
    assert found.splits == {}
    assert found.factors == {3: pytest.approx((10.20 - 0.5) / 10.20)}
    # A 2-for-1 split on the 5th: earlier prices halved.
    close = [20.02, 21.04, 20.46, 20.68, 9.81, 9.93, 10.17]
    days = [dt.date(2024, 1, d) for d in (1, 2, 3, 4, 5, 8, 9)]
    qfq = [10.01, 10.52, 10.23, 10.34, 9.81, 9.93, 10.17]
    found = infer_actions(days, close, qfq)
    assert found.readable
    assert found.dividends == {}
    assert found.splits == {4: 2.0}
    # No step at all.
    assert infer_actions(days, close, close).factors == {}


def test_a_series_that_does_not_follow_the_model_claims_no_actions() -> None:
    """Multiplicative adjustment (a factor on every price, not ``(p - D) / r``): the
    steps come every session, so nothing is claimed."""
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(30)]
    close = [10.0 + (i % 7) * 0.37 for i in range(30)]
    qfq = [round(c * (0.9 if i < 29 else 1.0) ** (1 + i % 3), 3) for i, c in enumerate(close)]
    assert not infer_actions(days, close, qfq).readable


def test_a_proportional_adjustment_is_not_read_as_a_split_or_dividends() -> None:
    """One ex-date adjusted by a factor (0.98 on every earlier price) instead of
    ``p - D``: the earlier prices move with slope 0.98, no whole ratio, nothing claimed."""
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(40)]
    close = [round(60.0 + 1.7 * ((i * 7) % 11) / 11, 3) for i in range(40)]
    qfq = [round(c * 0.98, 3) if i < 30 else c for i, c in enumerate(close)]
    assert not infer_actions(days, close, qfq).readable


def test_unreadable_actions_are_marked_on_the_series(
    fake: EastMoneyFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concepttrack.prices import akshare as module

    monkeypatch.setattr(module, "MAX_EVENTS_PER_YEAR", 0)
    history = source().fetch(["0941.HK"], START, END)["0941.HK"]
    assert not history.failed
    assert history.meta is not None
    assert history.meta.adj_close_is_close
    assert history.meta.detail == "adjustment events could not be read from EastMoney"
    assert (history.bars["dividends"] == 0).all()
    assert (history.bars["adj_close"] == history.bars["close"]).all()


# --- failures --------------------------------------------------------------------------------


def test_unknown_code_is_a_not_found_failure(fake: EastMoneyFake) -> None:
    out = source().fetch(["9999.HK", "688999.SS", "0941.HK"], START, END)
    for symbol in ("9999.HK", "688999.SS"):
        assert out[symbol].failed
        assert out[symbol].bars.empty
        assert out[symbol].cause == reason("not_found", source="akshare")
    assert not out["0941.HK"].failed  # the others are still asked


def test_cny_in_hkd_from_the_offshore_yuan_pair(fake: EastMoneyFake) -> None:
    """EastMoney lists CNHHKD, not CNYHKD: the offshore yuan stands in, and says so."""
    fake.add_fx("CNHHKD", zigzag_bars(HK_DAYS, 1.0850, step=0.0005, decimals=4))
    history = source().fetch(["CNYHKD=X"], START, END)["CNYHKD=X"]
    assert not history.failed
    assert [p["secid"] for p in fake.kline_requests()] == ["133.CNHHKD"]
    closes = {b.day: b.close for b in fake.listings["133.CNHHKD"].bars}
    assert history.bars.loc[str(END), "close"] == closes[END]
    assert history.meta is not None
    assert history.meta.currency == "HKD"
    assert history.meta.detail == "EastMoney CNHHKD (offshore yuan, CNH, standing in for CNY)"


def test_other_symbols_are_not_offered_without_a_request(fake: EastMoneyFake) -> None:
    out = source().fetch(["CNYXAU=X", "NVDA", "^HSNF"], START, END)
    for history in out.values():
        assert history.failed
        assert history.cause == reason("not_offered", source="akshare")
        assert history.problem == "AkShare does not offer this symbol"
    assert fake.requests == []


def test_a_network_failure_is_retried_then_reported_and_the_rest_not_asked(
    fake: EastMoneyFake,
) -> None:
    fake.error = requests.ConnectionError("Failed to resolve 'push2his.eastmoney.com'")
    sleeps: list[float] = []
    out = source(sleeps).fetch(["0941.HK", "600941.SS", "NVDA"], START, END)
    assert len(fake.requests) == 3
    assert len(sleeps) == 2
    first = out["0941.HK"]
    assert first.failed
    assert first.cause == reason(
        "fetch_failed_after",
        why=said("network error (ConnectionError: Failed to resolve 'push2his.eastmoney.com')"),
        tries=3,
    )
    assert out["600941.SS"].failed
    assert out["600941.SS"].cause == first.cause
    assert out["NVDA"].cause == reason("not_offered", source="akshare")


def test_a_rate_limit_is_a_failure_with_its_code(fake: EastMoneyFake) -> None:
    fake.status = 429
    history = source().fetch(["0941.HK"], START, END)["0941.HK"]
    assert history.failed
    assert history.cause == reason("fetch_failed_after", why=reason("rate_limited"), tries=3)
    assert history.problem == "fetch failed: rate limited (429) after 3 tries"


def test_an_outage_is_named_as_one(fake: EastMoneyFake) -> None:
    fake.status = 503
    history = source().fetch(["600941.SS"], START, END)["600941.SS"]
    assert history.cause == reason(
        "fetch_failed_after", why=reason("source_down", source="akshare"), tries=3
    )
    assert history.problem == "fetch failed: AkShare is down after 3 tries"


def test_an_answer_that_is_not_json_is_a_failure(fake: EastMoneyFake) -> None:
    fake.route("/api/qt/stock/kline/get", lambda params: (200, b"<html>maintenance</html>"))
    history = source().fetch(["0941.HK"], START, END)["0941.HK"]
    assert history.failed
    assert len(fake.requests) == 1
    assert history.cause == reason(
        "fetch_failed", why=said("EastMoney sent an answer that is not JSON")
    )


def test_an_empty_window_is_no_data_not_a_failure(fake: EastMoneyFake) -> None:
    history = source().fetch(["0941.HK"], dt.date(2024, 8, 1), dt.date(2024, 8, 30))["0941.HK"]
    assert not history.failed
    assert history.bars.empty


def test_without_the_fake_nothing_leaves_the_machine() -> None:
    from pytest_socket import SocketBlockedError

    with pytest.raises(SocketBlockedError), pytest.warns(UserWarning, match="socket"):
        requests.get("https://push2his.eastmoney.com/api/qt/stock/kline/get", timeout=1)
    history = source().fetch(["0941.HK"], START, END)["0941.HK"]
    assert history.failed  # the blocked socket is a per-symbol failure, never an exception


def test_akshare_chatter_never_reaches_the_terminal(
    fake: EastMoneyFake, capsys: pytest.CaptureFixture[str]
) -> None:
    """``stock_hk_index_daily_em`` walks EastMoney's index list with a tqdm bar and
    raises a pandas deprecation warning: neither is seen."""
    out = source().fetch(["^HSI", "0941.HK"], START, END)
    assert not any(h.failed for h in out.values())
    assert capsys.readouterr() == ("", "")


# --- registry and imports --------------------------------------------------------------------


def test_registry_entry_label_in_every_language() -> None:
    from concepttrack.prices.registry import get_source, source_entry
    from concepttrack.render.messages import reason_text, source_label

    built = get_source("akshare")
    assert isinstance(built, AkshareSource)
    assert source_entry("akshare") is not None
    assert source_label("akshare") == "EastMoney daily bars via AkShare"
    assert source_label("akshare", "zh-hk") == "東方財富日線數據（經 AkShare）"
    assert source_label("akshare", "zh-cn") == "东方财富日线数据（经 AkShare）"
    why = reason("not_offered", source="akshare")
    assert reason_text(why) == "EastMoney daily bars via AkShare does not offer this symbol"
    assert "東方財富" in reason_text(why, "zh-hk")


def test_a_failure_hint_names_what_akshare_serves() -> None:
    from concepttrack.prices.registry import source_entry

    entry = source_entry("akshare")
    assert entry is not None
    assert "^HSI" in entry.failure_hint(["AkShare does not know this symbol"])
    assert "wait" in entry.failure_hint(["fetch failed: rate limited (429) after 3 tries"])
    assert "network" in entry.failure_hint(["fetch failed: network error (x)"])


def test_akshare_is_imported_only_when_fetching() -> None:
    code = (
        "import sys\n"
        "import concepttrack.prices.registry as r\n"
        "r.get_source('yahoo'); r.get_source('akshare')\n"
        "import concepttrack.prices.akshare\n"
        "assert 'akshare' not in sys.modules, 'akshare imported'\n"
    )
    env = {"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


# --- end to end ------------------------------------------------------------------------------

BOOK = """\
themes:
  - id: ak-demo
    title: AkShare demo
    thesis: Two telecom stocks.
    event: {date: 2024-04-15, title: The news}
    stocks:
      - {code: "00941", name: China Mobile, rationale: Network.}
      - {code: "00728", name: China Telecom, rationale: Racks.}
      - {code: "600941.SS", name: China Mobile A, rationale: The A line.}
"""


def test_report_from_akshare_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from concepttrack.cli import app
    from concepttrack.prices import akshare as module

    monkeypatch.setattr(module, "PAUSE", 0.0)
    days = trading_days("XHKG", dt.date(2023, 6, 1), END)
    em = EastMoneyFake()
    em.add_stock("0941.HK", zigzag_bars(days, 65.0), name="中国移动", actions=[Action(EX_HK, 2.53)])
    em.add_stock("0728.HK", zigzag_bars(days, 4.2, step=0.01), name="中国电信")
    a_days = trading_days("XSHG", dt.date(2023, 6, 1), END)
    em.add_stock(
        "600941.SS",
        zigzag_bars(a_days, 100.0, step=0.1, decimals=2),
        actions=[Action(EX_A, dividend=2.4, ratio=1.3)],
    )
    em.add_index("HSI", zigzag_bars(days, 16000.0, step=20, decimals=2))
    em.add_fx("CNHHKD", zigzag_bars(days, 1.0850, step=0.0005, decimals=4))
    install(monkeypatch, em)
    book = tmp_path / "themes.yaml"
    book.write_text(BOOK, encoding="utf-8")
    out = tmp_path / "reports"
    result = CliRunner().invoke(
        app,
        [
            "--themes",
            str(book),
            "report",
            "ak-demo",
            "--source",
            "akshare",
            "--format",
            "md,json",
            "--out",
            str(out),
            "--cache",
            str(tmp_path / "c.sqlite"),
            "--as-of",
            "2024-06-28",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "")
    note = (out / "ak-demo" / "2024-06-28.md").read_text(encoding="utf-8")
    assert "EastMoney daily bars via AkShare" in note
    twin = json.loads((out / "ak-demo" / "2024-06-28.json").read_text(encoding="utf-8"))
    text = json.dumps(twin, ensure_ascii=False)
    assert "akshare" in text
    # The last closes shown are the traded closes EastMoney sent.
    last = {b.day: b for b in em.listings["116.00941"].bars}[END].close
    assert f"HK\\${last:.2f}" in note
    last_a = {b.day: b for b in em.listings["1.600941"].bars}[END].close
    assert f"CN¥{last_a:.2f}" in note
    assert not any(math.isnan(v) for v in _numbers(twin) if isinstance(v, float))
    assert {p["secid"] for p in em.kline_requests()} == {
        "116.00941",
        "116.00728",
        "1.600941",
        "1.601728",  # China Telecom's A share, from the A+H pairs table (A/H premium)
        "100.HSI",
        "133.CNHHKD",
    }


def _numbers(data: object) -> list[object]:
    if isinstance(data, dict):
        return [v for value in data.values() for v in _numbers(value)]
    if isinstance(data, list):
        return [v for value in data for v in _numbers(value)]
    return [data]


def test_bar_fields_match_the_kline_string() -> None:
    """The fake's stock kline is EastMoney's 11 fields, dates first (AkShare splits it)."""
    listing = EastMoneyFake().add_stock(
        "0941.HK", [Bar(dt.date(2024, 2, 16), 66.0, 66.5, 67.0, 65.5, 1000)]
    )
    (line,) = listing.klines("0", None, None)
    assert line.split(",")[:6] == ["2024-02-16", "66.000", "66.500", "67.000", "65.500", "1000"]
    assert len(line.split(",")) == 11
