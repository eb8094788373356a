"""The note linter (tests/note_lint.py) on every golden note and on a generated book.

The generated book is rendered once, with demo prices, through the CLI, in English,
Traditional and Simplified Chinese (Markdown and JSON only): a theme with stocks on two
exchanges (an A-share converted with CNYHKD=X), one with custom weights, one whose
catalysts sit close together so an estimation window holds another catalyst (‡).
Catalysts before the data cannot be made with demo prices (the demo source starts on
2000-01-03 and refuses a request that reaches before it, and every catalyst asks for
400 days of history); the golden notes have two such catalysts and are linted too.
Every finding is listed in the failure message (check, lines, the offending text).

The linter's checks are themselves tested on small hand-written snippets: each one
catches a planted defect and passes the clean snippet.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests import note_lint
from tests.conftest import REPO
from tests.golden import GOLDENS
from tests.note_lint import Note, lint, report

LANGS = {"en": "", "zh-hk": ".zh-hk", "zh-cn": ".zh-cn"}
AS_OF = "2025-06-30"

BOOK = """\
version: 1
languages: [en]
themes:
  - id: ah-telecom
    title: {en: "Telecom operators on two exchanges", zh-hk: "兩地上市的電訊營運商"}
    thesis:
      en: "The H and A lines of China's telecom operators, measured in HKD."
      zh-hk: "內地電訊營運商的H股及A股，以港元計價。"
    event:
      date: 2025-03-05
      title:
        en: "Government work report names computing-power networks"
        zh-hk: "政府工作報告提出算力網絡"
      source: {en: "State Council", zh-hk: "國務院"}
    catalysts:
      - {date: 2025-01-20, title: {en: "DeepSeek-R1 released", zh-hk: "DeepSeek-R1發布"}}
    views:
      - source: {en: "Example Securities", zh-hk: "示例證券"}
        date: 2025-03
        summary:
          en: "Operators gain from AI compute demand."
          zh-hk: "營運商受惠於人工智能算力需求。"
    risks:
      - title: {en: "Capital spending", zh-hk: "資本開支"}
        detail: {en: "Heavier investment may cut dividends.", zh-hk: "投資加重或會削減派息。"}
    stocks:
      - code: "00941"
        name: {en: "China Mobile", zh-hk: "中國移動"}
        name_zh: "中国移动"
        exposure: core
        rationale: {en: "Largest operator; H shares.", zh-hk: "最大營運商，在香港上市的H股。"}
      - code: "600941.SS"
        name: {en: "China Mobile (A)", zh-hk: "中國移動（A股）"}
        name_zh: "中国移动（A股）"
        exposure: core
        rationale: {en: "The Shanghai A shares, in CNY.", zh-hk: "在上海上市的A股，以人民幣計價。"}
      - code: "00728"
        name: {en: "China Telecom", zh-hk: "中國電信"}
        name_zh: "中国电信"
        exposure: infrastructure
        rationale: {en: "Data centres and a cloud business.", zh-hk: "數據中心及雲業務。"}
      - code: "00762"
        name: {en: "China Unicom", zh-hk: "中國聯通"}
        name_zh: "中国联通"
        exposure: infrastructure
        rationale: {en: "Computing-power networks in the north.", zh-hk: "北方的算力網絡。"}
    benchmark: "^HSI"
    currency: HKD
  - id: chips-custom
    title: {en: "Chip self-sufficiency, weighted by conviction", zh-hk: "國產芯片自主可控"}
    thesis:
      en: "Domestic foundries gain share as export controls tighten."
      zh-hk: "出口管制收緊，本土晶圓廠份額上升。"
    event:
      date: 2024-12-03
      title: {en: "New export controls on chip tools", zh-hk: "芯片設備出口管制再收緊"}
    stocks:
      - code: "00981"
        name: {en: "SMIC", zh-hk: "中芯國際"}
        name_zh: "中芯国际"
        weight: 0.5
        exposure: core
        rationale: {en: "Largest foundry.", zh-hk: "最大晶圓代工廠。"}
      - code: "01347"
        name: {en: "Hua Hong Semiconductor", zh-hk: "華虹半導體"}
        name_zh: "华虹半导体"
        weight: 0.3
        exposure: core
        rationale: {en: "Specialty foundry.", zh-hk: "特色工藝晶圓廠。"}
      - code: "00522"
        name: {en: "ASMPT", zh-hk: "ASMPT"}
        name_zh: "ASMPT"
        weight: 0.2
        exposure: supplier
        rationale: {en: "Packaging equipment.", zh-hk: "封裝設備。"}
    benchmark: "^HSI"
  - id: close-catalysts
    title: {en: "Internet platforms after the symposium", zh-hk: "座談會後的互聯網平台"}
    thesis:
      en: "Platforms re-rated after a run of policy signals."
      zh-hk: "一連串政策訊號後，平台股估值回升。"
    event:
      date: 2025-02-17
      title: {en: "Private-sector symposium", zh-hk: "民營企業座談會"}
    catalysts:
      - {date: 2024-09-24, title: {en: "Stimulus package", zh-hk: "一籃子刺激措施"}}
      - {date: 2025-01-27, title: {en: "Cloud price cuts", zh-hk: "雲服務減價"}}
    stocks:
      - code: "00700"
        name: {en: "Tencent Holdings", zh-hk: "騰訊控股"}
        name_zh: "腾讯控股"
        exposure: platform
        rationale: {en: "Social and cloud.", zh-hk: "社交及雲服務。"}
      - code: "09988"
        name: {en: "Alibaba Group-W", zh-hk: "阿里巴巴－W"}
        name_zh: "阿里巴巴-W"
        exposure: platform
        rationale: {en: "Cloud and e-commerce.", zh-hk: "雲服務及電商。"}
      - code: "03690"
        name: {en: "Meituan-W", zh-hk: "美團－W"}
        name_zh: "美团-W"
        exposure: platform
        rationale: {en: "Local services.", zh-hk: "本地生活服務。"}
    benchmark: "^HSI"
"""
THEMES = ("ah-telecom", "chips-custom", "close-catalysts")


# --------------------------------------------------------------------------- goldens


def _sora_theme() -> dict[str, Any]:
    from concepttrack.themes import load_themes

    theme: dict[str, Any] = (
        load_themes(REPO / "themes.yaml").get("sora-compute").model_dump(mode="json")
    )
    return theme


@pytest.mark.parametrize("lang", list(GOLDENS))
def test_golden_note_passes_the_linter(lang: str) -> None:
    path = GOLDENS[lang]
    # The prices come from a CSV folder named "prices": a name the note may print as it is.
    text = path.read_text(encoding="utf-8")
    note = Note(text, lang, theme=_sora_theme(), name=path.name, names=("prices",))
    findings = lint(note)
    assert not findings, "\n" + report({f"tests/golden/{path.name}": findings})


# --------------------------------------------------------------------------- generated book


@pytest.fixture(scope="module")
def book_notes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The book rendered once (md + json, three languages) with demo prices via the CLI."""
    from concepttrack.cli import app

    root = tmp_path_factory.mktemp("lint-book")
    (root / "book.yaml").write_text(BOOK, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))
        patch.setenv("TZ", "UTC")
        result = CliRunner().invoke(
            app,
            [
                "--themes",
                str(root / "book.yaml"),
                "report",
                "--all",
                "--source",
                "demo",
                "--as-of",
                AS_OF,
                "--format",
                "md,json",
                "--lang",
                ",".join(LANGS),
                "--out",
                str(root / "reports"),
                "--cache",
                str(root / "cache.sqlite"),
                "--quiet",
            ],
        )
    assert result.exit_code == 0, result.output
    return root / "reports"


@pytest.mark.parametrize("lang", list(LANGS))
@pytest.mark.parametrize("theme_id", THEMES)
def test_generated_note_passes_the_linter(book_notes: Path, theme_id: str, lang: str) -> None:
    folder = book_notes / theme_id
    data = json.loads((folder / f"{AS_OF}.json").read_text(encoding="utf-8"))
    path = folder / f"{AS_OF}{LANGS[lang]}.md"
    note = Note(path.read_text(encoding="utf-8"), lang, data=data, name=path.name)
    findings = lint(note)
    assert not findings, "\n" + report({f"{theme_id}/{path.name}": findings})


def test_generated_book_has_what_the_checks_need(book_notes: Path) -> None:
    """The book exercises two currencies, custom weights and the ‡ mark."""
    ah = (book_notes / "ah-telecom" / f"{AS_OF}.md").read_text(encoding="utf-8")
    for text in ("600941.SS", "CNYHKD=X", "‡"):
        assert text in ah
    chips = json.loads((book_notes / "chips-custom" / f"{AS_OF}.json").read_text("utf-8"))
    assert [s["weight"] for s in chips["snapshot"]["stocks"]] == pytest.approx([0.5, 0.3, 0.2])


# --------------------------------------------------------------------------- the checks

MINI = """\
*Concept tracking · as of 1 Mar 2024 close*

# Compute stocks

## Key figures

| Window | Basket | HSI | Excess |
|:--|--:|--:|--:|
| Since event | −2.7% | +2.2% | −4.9 pp |
| 1 day | −0.6% | −0.3% | −0.3 pp |
| 5 days | −2.7% | −0.7% | −1.9 pp |

- Basket level: **97.3** · HSI close: 18,011.79
- Breadth today: 0 up · 2 down · 0 unch. · 50.0% above 20-day MA
- Leader / laggard today: China Telecom (00728) −0.3% / Baidu Group-SW (09888) −0.6%
- Leader / laggard since event: China Telecom (00728) −1.0% / Baidu Group-SW (09888) −4.5%

## What moved

Over the last five sessions the concept basket fell 2.7%, 1.9 pp behind the HSI (−0.7%). \
On the day the basket fell 0.6% while the HSI fell 0.3%. \
Since the event on 16 Feb 2024 (11 sessions ago) the basket is down 2.7%, against +2.2% for \
the HSI. An abnormal return of −2.1% from the event session to 5 sessions after (t −3.91).

## Constituents

| Code | Name | Last | 1D | Since event | Excess vs HSI | Weight | Contribution |
|:--|:--|--:|--:|--:|--:|--:|--:|
| 09888 | Baidu Group-SW | HKD 107.70 | −0.6% | **−4.5%** | −6.7 pp | 50.0% | −2.3 pp |
| 00728 | China Telecom | HKD 4.27 | −0.3% | **−1.0%** | −3.2 pp | 50.0% | −0.5 pp |

## How the concept reacted

| | β | n | CAR \\[−1, +1\\] | CAR \\[0, +5\\] |
|:--|--:|--:|--:|--:|
| **Concept basket** | 0.69 | 250 | −0.9%\\* (t −2.30) | −2.1%\\* (t −3.91) |
| Baidu Group-SW (09888) | 0.74 | 250 | −1.7%\\* (t −2.57) | −3.7%\\* (t −3.90) |

- Baidu Group-SW's abnormal return of −3.7% from the event session to 5 sessions after (t −3.90).

\\* significant at 5%.

## The concept stocks

### 09888 Baidu Group-SW · Infrastructure

Runs data centres.

*Last HKD 107.70; since event −4.5%, −6.7 pp vs benchmark; 1Y volatility 7.8%, beta 0.73.*

### 00728 China Telecom · Infrastructure

Owns data centres.

*Last HKD 4.27; since event −1.0%, −3.2 pp vs benchmark; 1Y volatility 6.4%, beta 0.55.*

## Risks

| | Volatility 1Y | Max drawdown since event | Beta 1Y |
|:--|--:|--:|--:|
| Baidu Group-SW (09888) | 7.8% | −4.5% | 0.73 |
| China Telecom (00728) | 6.4% | −1.5% | 0.55 |
"""


def _mini_json() -> dict[str, Any]:
    return {
        "snapshot": {
            "basket": {
                "level": 97.31,
                "returns": {"since_event": -0.0271, "one_day": -0.0061, "five_day": -0.0268},
                "excess": {"since_event": -0.049, "one_day": -0.0031, "five_day": -0.0191},
                "status": "fresh",
            },
            "benchmark": {
                "returns": {"since_event": 0.0221, "one_day": -0.0030, "five_day": -0.0074},
                "status": {"status": "fresh"},
            },
            "narrative": {"sessions_after_event": 11, "sessions_since_event": 12},
            "breadth": {"up": 0, "down": 2, "unchanged": 0, "share_above_ma_20": 0.5},
            "event_date": "2024-02-16",
            "as_of": "2024-02-27",
            "series": {"basket": {"sessions": [f"2024-02-{day}" for day in range(14, 28)]}},
            "stocks": [
                {
                    "code": "09888",
                    "symbol": "9888.HK",
                    "returns": {"since_event": -0.0449},
                    "excess": {"since_event": -0.067},
                    "weight": 0.5,
                    "contribution": -0.0227,
                    "last_close": 107.7,
                    "status": {"status": "fresh"},
                },
                {
                    "code": "00728",
                    "symbol": "0728.HK",
                    "returns": {"since_event": -0.0104},
                    "excess": {"since_event": -0.032},
                    "weight": 0.5,
                    "contribution": -0.0052,
                    "last_close": 4.27,
                    "status": {"status": "fresh"},
                },
            ],
        }
    }


def _checked(markdown: str, check: str, lang: str = "en", **kwargs: Any) -> list[str]:
    note = Note(markdown, lang, **kwargs)
    return [f"{f.detail}: {f.text}" for f in note_lint.CHECKS[check](note)]


def test_the_clean_snippet_passes_every_check() -> None:
    note = Note(MINI, "en", data=_mini_json())
    assert lint(note) == [], report({"MINI": lint(note)})


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("since event −4.5%, −6.7", "since event −4.4%, −6.7", "09888 since-event return"),
        ("−6.7 pp vs benchmark", "−6.6 pp vs benchmark", "09888 excess since event"),
        ("*Last HKD 4.27", "*Last HKD 4.28", "00728 last price"),
        ("the basket is down 2.7%", "the basket is down 2.8%", "basket since-event return"),
        ("the basket is down 2.7%", "the basket is up 2.7%", "basket since-event return"),
        ("behind the HSI (−0.7%)", "behind the HSI (−0.8%)", "benchmark 5-day return"),
        ("1.9 pp behind", "1.8 pp behind", "basket 5-day excess"),
        ("while the HSI fell 0.3%", "while the HSI fell 0.4%", "benchmark 1-day return"),
        # A flat side is read as 0.0 (issue 19's lead writes "was flat"), not skipped.
        ("while the HSI fell 0.3%", "while the HSI was flat", "benchmark 1-day return"),
        ("(00728) −1.0% /", "(00728) −1.1% /", "00728 since-event return (leader/laggard"),
        ("(00728) −0.3% /", "(00728) −0.2% /", "00728 1-day return (leader/laggard today"),
        ("| 7.8% | −4.5% | 0.73 |", "| 7.8% | −4.5% | 0.74 |", "09888 1Y beta"),
        ("| 6.4% | −1.5% |", "| 6.5% | −1.5% |", "00728 1Y volatility"),
        ("return of −3.7% from", "return of −3.6% from", "CAR [0, +5] of Baidu"),
        ("−2.1% from the event session", "−2.2% from the event session", "CAR [0, +5] of Concept"),
        ("| Window |", "| Period |", "cannot find the key-figures table"),
        ("0 up · 2 down", "1 up · 1 down", "breadth today disagrees"),
        ("| 50.0% | −2.3 pp |", "| 60.0% | −2.3 pp |", "weights do not add up"),
        ("| 50.0% | −2.3 pp |", "| 50.0% | −3.3 pp |", "contributions do not add up"),
    ],
)
def test_figures_check_catches_a_disagreement(old: str, new: str, expected: str) -> None:
    assert old in MINI
    found = _checked(MINI.replace(old, new, 1), "figures")
    assert any(expected in f for f in found), found


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("basket", "returns", "since_event"), -0.0281, "basket since event (key figures)"),
        (("benchmark", "returns", "five_day"), -0.0081, "benchmark 5 days (key figures)"),
        (("basket", "level"), 97.4, "basket level"),
        (("narrative", "sessions_after_event"), 10, "sessions since the event"),
        (("stocks", 0, "returns", "since_event"), -0.0461, "09888 since-event return"),
        (("stocks", 1, "weight"), 0.45, "00728 weight"),
        (("stocks", 0, "contribution"), -0.03, "09888 contribution"),
        (("stocks", 1, "last_close"), 4.3, "00728 last"),
        (("event_date",), "2024-02-17", "N sessions ago"),
        (("breadth", "share_above_ma_20"), 0.25, "breadth share_above_ma_20"),
        (("breadth", "up"), 1, "breadth today is not the JSON"),
    ],
)
def test_figures_check_compares_with_the_json_twin(
    path: tuple[str | int, ...], value: object, expected: str
) -> None:
    data = _mini_json()
    node: Any = data["snapshot"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    found = _checked(MINI, "figures", data=data)
    assert any(expected in f and ("JSON" in f or "ago" in f) for f in found), found


def test_duplicate_check() -> None:
    clean = "## A\n\nThe basket rose 2.0% today. It beat the index.\n\n- Colours: green up.\n"
    assert _checked(clean, "duplicate") == []
    twice = clean + "\n## B\n\nThe basket rose 2.0% today.\n"
    assert _checked(twice, "duplicate") == ["sentence printed twice: The basket rose 2.0% today."]
    reason = (
        "## Reaction\n\n"
        "Not studied: ChatGPT (30 Nov 2022): the estimation window lies before the data.\n\n"
        "## Data\n\n"
        "- Event study, ChatGPT (30 Nov 2022): not studied (the estimation window lies before"
        " the data).\n"
    )
    assert _checked(reason, "duplicate") == [
        "the same statement printed twice: the estimation window lies before the data"
    ]
    # One template line per subject in one place is not a statement printed twice.
    legend = (
        "‡ Cloud cuts: the estimation window contains Stimulus package (24 Sep 2024).\n"
        "‡ Symposium: the estimation window contains Stimulus package (24 Sep 2024).\n"
    )
    assert _checked(legend, "duplicate") == []
    # Table cells repeat ("Fresh", "–") and names recur: neither is a duplicate.
    table = "| A | B |\n|:--|:--|\n| Fresh | – |\n| Fresh | – |\n"
    assert _checked(table + "\nFresh.\n", "duplicate") == []


def test_amount_style_check() -> None:
    assert _checked("Turnover HK$807m, cap HK$10.7bn; last HK$5.40.", "amount-style") == []
    assert _checked("Turnover HKD 807M, cap HKD 1.98B.", "amount-style") == []
    mixed = _checked("Turnover HKD 807M, cap HK$10.74bn.", "amount-style")
    assert any("more than one amount style" in f for f in mixed), mixed
    assert _checked("成交額8.07億港元，市值107.4億港元。", "amount-style", "zh-hk") == []
    assert _checked("成交額8.07億港元，市值HKD 10.7B。", "amount-style", "zh-hk") != []


def test_percent_and_t_style_checks() -> None:
    assert _checked("Up 1.2%, significant at 5%.", "percent-style") == []
    assert _checked("Up 1.2%, significant at 5 %.", "percent-style") != []
    assert _checked("−2.1% (t = −3.91); −0.9% (t = −2.30).", "t-style") == []
    assert _checked("−2.1% (t = −3.91); −0.9% (t −2.30).", "t-style") != []
    assert _checked("−2.1%（t值為−3.91）；−0.9%（t值 −2.30）。", "t-style", "zh-hk") != []
    assert _checked("−2.1%（t值 −3.91）；−0.9%（t值 −2.30）。", "t-style", "zh-hk") == []


def test_latin_check() -> None:
    theme = {"stocks": [{"code": "09888", "name": {"en": "Baidu", "zh-hk": "百度集團－SW"}}]}
    clean = "百度集團－SW（09888，9888.HK）的t值為1.2；CNYHKD=X；累計異常回報（CAR）。"
    assert _checked(clean, "latin", "zh-hk", theme=theme) == []
    source = {"snapshot": {"source": "csv:/data/hk-prices"}}
    assert _checked("價格檔案（hk-prices）", "latin", "zh-hk", data=source) == []
    assert _checked("價格檔案（hk-prices）", "latin", "zh-hk", names=("hk-prices",)) == []
    assert _checked("價格檔案（hk-prices）", "latin", "zh-hk") != []
    found = _checked("交易日曆：香港交易所（XHKG）；CSV 價格檔案。", "latin", "zh-hk", theme=theme)
    assert sorted(found) == [
        "Latin word in a Chinese note: CSV",
        "Latin word in a Chinese note: XHKG",
    ]
    assert _checked("Calendar: XHKG.", "latin", "en") == []  # English notes are not checked


def test_script_check() -> None:
    assert _checked("恒生指數上升，貝他係數高於平均。", "script", "zh-hk") == []
    assert _checked("恒生指数上升，贝塔系数高于平均。", "script", "zh-cn") == []
    hk = _checked("恒生指數上升，存储分布。", "script", "zh-hk")
    assert hk == ["Simplified-only character(s) in a zh-hk note: 储 in: 恒生指數上升，存储分布。"]
    assert _checked("Baidu 百度集團－SW", "script", "en") == []
    assert _checked("Baidu 百度集团-SW", "script", "en") != []  # English notes: HK characters
    cn = _checked("恒生指数上升，數據。", "script", "zh-cn")
    assert cn == ["Traditional-only character(s) in a zh-cn note: 數據 in: 恒生指数上升，數據。"]


def test_unused_rule_check() -> None:
    legend = "- **Data status.** Stale figures are marked † as of their last bar.\n"
    used = "| 00728 | −1.0%† | Stale |\n"
    table = "| Code | Since | Status |\n|:--|--:|:--|\n"
    found = _checked(table + "| 00728 | −1.0% | Fresh |\n\n" + legend, "unused-rule")
    assert any("explains the mark † but nothing" in f for f in found), found
    assert any("stale data, though nothing" in f for f in found), found
    assert _checked(table + used + "\n" + legend, "unused-rule") == []
    assert _checked(table + used, "unused-rule") == ["the mark † is used but never explained: †"]
    # ‡ and adj. the same way; the zh marks too.
    assert _checked("‡ marks a catalyst whose window holds another.\n", "unused-rule") != []
    assert _checked('Prices are adjusted closes, marked "adj.".\n', "unused-rule") != []
    assert (
        _checked('Last HKD adj. 5.40.\n\nPrices marked "adj." are adjusted.\n', "unused-rule") == []
    )
    assert _checked("‡表示估計窗口內有另一催化因素。\n", "unused-rule", "zh-hk") != []
    assert _checked("最新價5.40港元（經調整）。\n", "unused-rule", "zh-hk") == [
        "the mark adj. is used but never explained: adj."
    ]
