"""The themes book: the shipped file is valid, and every malformed file says where and why."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from concepttrack.errors import EXIT_USAGE, ThemesFileError, UsageError
from concepttrack.themes import MAX_FILE_BYTES, load_themes, parse_themes
from tests.conftest import REPO

MINIMAL = """\
themes:
  - id: demo-theme
    title: Demo theme
    thesis: Something will happen.
    event:
      date: 2024-02-16
      title: The news
    stocks:
      - code: "09888"
        name: Baidu
        rationale: Data centres.
      - code: "0700.HK"
        name: Tencent
        rationale: Cloud.
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ThemesFileError) as info:
        parse_themes(textwrap.dedent(text), "t.yaml")
    assert info.value.exit_code == EXIT_USAGE
    return [p.format() for p in info.value.problems]


def test_shipped_book_is_valid_and_has_the_sora_theme() -> None:
    book = load_themes(REPO / "themes.yaml")
    assert len(book) >= 3
    sora = book.get("sora-compute")
    assert sora.event_date == dt.date(2024, 2, 16)
    assert sora.benchmark == "^HSI"
    assert [s.display_code for s in sora.stocks] == ["09888", "00763", "00941", "00728"]
    assert [s.name_zh for s in sora.stocks] == ["百度集团-SW", "中兴通讯", "中国移动", "中国电信"]
    assert [v.source for v in sora.views] == [
        "Guotai Junan",
        "Guosheng Securities",
        "Huatai Securities",
    ]
    assert all(v.date_label == "Feb 2024" for v in sora.views)
    assert {c.date.year for c in sora.catalysts} == {2021, 2022}
    assert "1,533 days" in sora.stocks[0].rationale
    assert "6.2 EFLOPS" in sora.stocks[3].rationale
    risks = " ".join(r.detail for r in sora.risks)
    for weakness in ("physics", "cause and effect", "left and right", "camera trajectory"):
        assert weakness in risks
    assert sum(book.get("chip-self-sufficiency").weights().values()) == pytest.approx(1.0)


def test_minimal_theme_defaults() -> None:
    book = parse_themes(MINIMAL)
    theme = book.get("demo-theme")
    assert theme.symbols == ["9888.HK", "0700.HK"]
    assert theme.benchmark == "^HSI"
    assert theme.weights() == {"9888.HK": 0.5, "0700.HK": 0.5}
    assert not theme.has_custom_weights
    assert book.all_symbols() == ["9888.HK", "0700.HK", "^HSI"]


def test_custom_weights_are_normalised() -> None:
    text = MINIMAL.replace(
        "rationale: Data centres.", "rationale: Data centres.\n        weight: 3"
    )
    text = text.replace("rationale: Cloud.", "rationale: Cloud.\n        weight: 1")
    theme = parse_themes(text).get("demo-theme")
    assert theme.weights() == {"9888.HK": 0.75, "0700.HK": 0.25}
    assert theme.has_custom_weights


def test_unknown_theme_suggests_closest() -> None:
    book = parse_themes(MINIMAL)
    with pytest.raises(UsageError) as info:
        book.get("demo-them")
    assert (
        info.value.message == "no theme 'demo-them' in t.yaml" or "demo-them" in info.value.message
    )
    assert info.value.hint == "Did you mean demo-theme?"


def test_empty_file() -> None:
    assert problems_of("") == ["t.yaml:1: the file is empty; it needs a top-level `themes:` list"]
    assert problems_of("# only a comment\n") == [
        "t.yaml:1: the file is empty; it needs a top-level `themes:` list"
    ]


def test_list_instead_of_mapping() -> None:
    assert problems_of("- id: a\n- id: b\n") == [
        "t.yaml:1:1: the file is a list; expected a mapping with a top-level `themes:` list"
    ]


def test_tabs_in_indentation() -> None:
    assert problems_of("themes:\n\t- id: a\n") == [
        "t.yaml:2:1: tab character in indentation; YAML allows only spaces here"
    ]


def test_invalid_yaml_names_the_line() -> None:
    found = problems_of("themes:\n  - id: [unclosed\n")
    assert len(found) == 1
    assert found[0].startswith("t.yaml:3:1: not valid YAML:")


def test_duplicate_keys() -> None:
    text = MINIMAL.replace("    title: Demo theme\n", "    title: Demo theme\n    title: Again\n")
    assert problems_of(text) == [
        "t.yaml:4:5: themes[0].title: duplicate key 'title' (the later one would win)"
    ]


def test_missing_required_field() -> None:
    text = MINIMAL.replace("    thesis: Something will happen.\n", "")
    assert problems_of(text) == ["t.yaml:2:5: themes[0].thesis: required field is missing"]


def test_unknown_key_did_you_mean() -> None:
    text = MINIMAL.replace(
        "        rationale: Cloud.", "        rationale: Cloud.\n        wieght: 2"
    )
    assert problems_of(text) == [
        "t.yaml:15:9: themes[0].stocks[1].wieght: unknown key 'wieght'; did you mean 'weight'?"
    ]


def test_unknown_top_level_key() -> None:
    assert problems_of("theme:\n  - id: a\n")[0] == (
        "t.yaml:1:1: theme: unknown top-level key 'theme'; did you mean 'themes'?"
    )


def test_every_problem_reported_at_once() -> None:
    text = MINIMAL.replace("id: demo-theme", "id: Demo Theme").replace('"09888"', '"600519"')
    text = text.replace("2024-02-16", "2024-02-30")
    found = problems_of(text)
    assert len(found) == 3
    assert found[0].startswith("t.yaml:2:9: themes[0].id: must be lower-case letters")
    assert found[1].startswith("t.yaml:6:13: themes[0].event.date:")
    assert found[2] == (
        "t.yaml:9:15: themes[0].stocks[0].code: '600519' has 6 digits: HKEX codes have at most 5"
    )


def test_duplicate_stock_in_theme() -> None:
    text = MINIMAL.replace('"0700.HK"', '"9888"')
    assert problems_of(text) == [
        "t.yaml:12:15: themes[0].stocks[1].code: "
        "duplicate stock 09888 (already listed as stocks[0])"
    ]


def test_duplicate_theme_ids() -> None:
    body = MINIMAL.split("themes:\n", 1)[1]
    found = problems_of("themes:\n" + body + body)
    assert found == [
        "t.yaml:15:9: themes[1].id: duplicate theme id 'demo-theme' (first used by themes[0])"
    ]


def test_no_stocks() -> None:
    text = MINIMAL.split("    stocks:")[0] + "    stocks: []\n"
    found = problems_of(text)
    assert found == [
        "t.yaml:8:13: themes[0].stocks: List should have at least 1 item after validation, not 0"
    ]


def test_view_dates_accept_month_or_day() -> None:
    text = MINIMAL + textwrap.indent(
        "views:\n  - {source: A, date: 2024-02, summary: x}\n"
        "  - {source: B, date: 2024-02-19, summary: y}\n",
        "    ",
    )
    theme = parse_themes(text).get("demo-theme")
    assert [v.date_label for v in theme.views] == ["Feb 2024", "19 Feb 2024"]
    bad = MINIMAL + "    views:\n      - {source: A, date: 2024-13, summary: x}\n"
    assert problems_of(bad) == [
        "t.yaml:16:27: themes[0].views[0].date: '2024-13' is not a real date"
    ]


def test_unsafe_yaml_tags_are_refused() -> None:
    found = problems_of("themes: !!python/object/apply:os.system ['echo hi']\n")
    assert found == [
        "t.yaml:1:9: themes: unsupported YAML tag "
        "'tag:yaml.org,2002:python/object/apply:os.system'; write plain values"
    ]


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ThemesFileError) as info:
        load_themes(tmp_path / "nope.yaml")
    assert info.value.problems[0].message == "file not found"
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(ThemesFileError) as info:
        load_themes(big)
    assert "the limit is 1,048,576" in info.value.problems[0].message
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"themes:\n  - id: caf\xe9\n")
    with pytest.raises(ThemesFileError) as info:
        load_themes(latin)
    assert info.value.problems[0].format() == f"{latin}:2: is not UTF-8 text; save it as UTF-8"


def test_reserved_theme_id() -> None:
    assert problems_of(MINIMAL.replace("id: demo-theme", "id: runs")) == [
        "t.yaml:2:9: themes[0].id: 'runs' is reserved: reports/runs/ holds the run records; "
        "choose another id"
    ]
    # Issue 17 #11: a theme `check` could not be addressed by `deliver`.
    assert problems_of(MINIMAL.replace("id: demo-theme", "id: check")) == [
        "t.yaml:2:9: themes[0].id: 'check' is reserved: `concepttrack deliver check` would "
        "read it as the command; choose another id"
    ]


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", "1e308"])
def test_absurd_weights_are_refused_where_read(value: str) -> None:
    # Issue 17 #6: `weight: .inf` or 1e308 passed `themes check` and failed later with a
    # wrong diagnosis ("no constituent has prices at the event base").
    text = MINIMAL.replace(
        "        rationale: Cloud.", f"        rationale: Cloud.\n        weight: {value}"
    )
    problems = problems_of(text)
    assert len(problems) == 1
    assert problems[0].startswith("t.yaml:15:17: themes[0].stocks[1].weight: ")


def test_view_target_price_must_be_finite() -> None:
    text = (
        MINIMAL + "    views:\n      - {source: B, date: 2024-02, summary: S, target_price: .inf}\n"
    )
    (problem,) = problems_of(text)
    assert "themes[0].views[0].target_price" in problem


def test_unknown_currency_is_named() -> None:
    text = MINIMAL.replace(
        "    thesis: Something will happen.\n", "    thesis: X.\n    currency: XYZ\n"
    )
    assert problems_of(text) == [
        "t.yaml:5:15: themes[0].currency: XYZ is not an ISO 4217 currency code; "
        "use one such as HKD, CNY or USD"
    ]


def test_known_currency_other_than_hkd_is_accepted() -> None:
    text = MINIMAL.replace(
        "    thesis: Something will happen.\n", "    thesis: X.\n    currency: EUR\n"
    )
    (theme,) = parse_themes(textwrap.dedent(text), "t.yaml").themes
    assert theme.currency == "EUR"


def test_a_device_is_refused_without_reading_it() -> None:
    # Issue 17 #9: `--themes /dev/zero themes list` took 3 GB in 5 s and died.
    with pytest.raises(ThemesFileError) as info:
        load_themes(Path("/dev/zero"))
    assert [p.format() for p in info.value.problems] == [
        "/dev/zero: is not a regular file (a device, FIFO or socket)"
    ]


def test_a_fifo_is_refused(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "themes.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ThemesFileError) as info:
        load_themes(fifo)
    assert "is not a regular file" in info.value.problems[0].format()


def test_the_basket_calendar_is_the_benchmarks_or_the_books() -> None:
    # Issue 17 #12: the basket's sessions were its first stock's exchange.
    a_first = MINIMAL.replace('code: "09888"', 'code: "600941.SS"')
    (theme,) = parse_themes(textwrap.dedent(a_first), "t.yaml").themes
    assert theme.symbols[0] == "600941.SS"
    assert theme.calendar_exchange == "XHKG"  # the benchmark, ^HSI
    csi = a_first.replace("    stocks:\n", '    benchmark: "000300.SS"\n    stocks:\n')
    (theme,) = parse_themes(textwrap.dedent(csi), "t.yaml").themes
    assert theme.calendar_exchange == "XSHG"
    chosen = a_first.replace("    stocks:\n", "    calendar: xhkg\n    stocks:\n")
    (theme,) = parse_themes(textwrap.dedent(chosen), "t.yaml").themes
    assert theme.calendar_exchange == "XHKG"
    wrong = a_first.replace("    stocks:\n", "    calendar: LSE\n    stocks:\n")
    assert problems_of(wrong) == [
        "t.yaml:8:15: themes[0].calendar: 'LSE' is not an exchange concepttrack knows; "
        "use one of XHKG, XNYS, XSHG"
    ]


def test_a_nul_in_the_book_is_reported_with_line_and_column() -> None:
    # Issue 17 #11: a NUL was reported as a character "position".
    text = "themes:\n  - id: a\x00b\n"
    with pytest.raises(ThemesFileError) as info:
        parse_themes(text, "t.yaml")
    assert [p.format() for p in info.value.problems] == [
        "t.yaml:2:10: a control character (U+0000) is not allowed in YAML; remove it"
    ]
