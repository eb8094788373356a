"""A linter for rendered notes: what an editor checks before signing a note.

Each check takes a :class:`Note` (the Markdown of one language, optionally the note's
JSON twin and the theme as the book wrote it) and returns a list of :class:`Finding`,
each naming the check, where it is (line numbers) and the offending text, so a failing
test says exactly what to fix. :func:`lint` runs every check.

The checks (issue 16, item 8):

* ``duplicate`` — no sentence, and no long clause, printed twice (tables, headings and
  the book's own text are not prose of the note and are left out);
* ``figures`` — a figure printed in two places agrees: key figures and "what moved"
  (since event, 5 days, 1 day, basket and benchmark), the constituents table and each
  stock's note (since event, excess, last price), the leaders and laggards and the
  table, breadth and the 1D column, the event-study tables and their sentences (CAR
  and t), the risk table and the stock notes (volatility, beta); weights add up to
  100 % and contributions to the basket's since-event return; with the JSON twin, each
  of them is its value rounded as shown, and "N sessions ago" is the count of the
  basket's sessions after the event session;
* ``amount-style``, ``percent-style``, ``t-style`` — one style per note for amounts
  (``HK$807m`` / ``HKD 807M`` / ``8.07億港元`` ...), for the space before ``%`` and for
  t-statistics (``(t = −0.43)`` / ``(t −0.43)``);
* ``latin`` — a Chinese note holds no Latin word beyond the book's own text (names,
  codes), symbols and :data:`LATIN_ALLOWED`;
* ``script`` — a zh-hk note holds no Simplified-only character, a zh-cn note no
  Traditional-only one, an English note (for Hong Kong readers) shows its Chinese in
  Hong Kong characters (OpenCC, with :data:`SCRIPT_EXCEPTIONS`);
* ``unused-rule`` — the note explains a mark (†, ‡, \\*, adj.) only when it uses it,
  and defines "stale" only when something is stale; a mark used is explained.
"""

from __future__ import annotations

import functools
import html
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

# --------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding:
    """One problem: which check, where (``line 12`` or ``lines 12, 40``), what, and why."""

    check: str
    where: str
    text: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.where}: {self.detail}\n      {self.text}"


def report(findings_by_note: dict[str, list[Finding]]) -> str:
    """A readable list of every finding, grouped by note."""
    out: list[str] = []
    for name, findings in findings_by_note.items():
        if findings:
            out.append(f"== {name}: {len(findings)} finding(s)")
            out.extend(f"  {finding}" for finding in findings)
    return "\n".join(out)


# --------------------------------------------------------------------------- the note

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_TABLE_RULE = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")


def clean(text: str) -> str:
    """Markdown text as a reader sees it: no emphasis markers, escapes or entities."""
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|$<>~])", r"\1", text.replace("**", ""))
    text = re.sub(r"(?<![\w\\])\*(?=\S)|(?<=\S)\*(?![\w])", "", text)
    return html.unescape(text).strip()


def _unescape_keep_stars(text: str) -> str:
    """Escapes and entities removed, but ``**``/``*`` kept (marks are looked at)."""
    return html.unescape(re.sub(r"\\([\\`*_{}\[\]()#+\-.!|$<>~])", r"\1", text))


@dataclass
class Line:
    number: int
    text: str
    #: The last ``##`` heading above the line ("" before the first one).
    section: str
    #: The last ``###`` heading above the line within the section.
    subsection: str


@dataclass
class Table:
    first_line: int
    header: list[str]
    rows: list[list[str]]
    row_lines: list[int]
    section: str

    def column(self, *names: str) -> int | None:
        """Index of the first column whose header contains one of ``names``."""
        for index, head in enumerate(self.header):
            if any(name in head for name in names):
                return index
        return None


def _cells(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", body)]


@dataclass
class Note:
    """One rendered note: its Markdown, language and, when known, JSON twin and theme."""

    markdown: str
    lang: str
    #: The JSON twin (``{"theme": ..., "snapshot": ...}``) or None.
    data: dict[str, Any] | None = None
    #: The theme as the book wrote it (``Theme.model_dump(mode="json")``); defaults to
    #: the JSON twin's ``theme``.
    theme: dict[str, Any] | None = None
    name: str = "note"
    #: Other names the note may print as they are (the CSV folder the prices came from);
    #: the JSON twin's ``snapshot.source`` adds its folder name.
    names: tuple[str, ...] = ()
    lines: list[Line] = field(init=False)
    tables: list[Table] = field(init=False)

    def __post_init__(self) -> None:
        if self.theme is None and self.data is not None:
            self.theme = self.data.get("theme")
        self.lines = []
        self.tables = []
        section = subsection = ""
        raw = self.markdown.splitlines()
        index = 0
        while index < len(raw):
            text = raw[index]
            number = index + 1
            if text.startswith("## "):
                section, subsection = clean(text[3:]), ""
            elif text.startswith("### "):
                subsection = clean(text[4:])
            if (
                text.startswith("|")
                and index + 1 < len(raw)
                and _TABLE_RULE.match(raw[index + 1].strip())
            ):
                table = Table(number, [clean(c) for c in _cells(text)], [], [], section)
                index += 2
                while index < len(raw) and raw[index].startswith("|"):
                    table.rows.append(_cells(raw[index]))
                    table.row_lines.append(index + 1)
                    self.lines.append(Line(index + 1, raw[index], section, subsection))
                    index += 1
                self.tables.append(table)
                self.lines.append(Line(number, text, section, subsection))
                continue
            self.lines.append(Line(number, text, section, subsection))
            index += 1
        self.lines.sort(key=lambda line: line.number)

    @property
    def chinese(self) -> bool:
        return self.lang.startswith("zh")

    def prose(self) -> Iterator[Line]:
        """Lines of running text: not tables, headings, images or blank."""
        for line in self.lines:
            text = line.text.strip()
            if not text or text.startswith(("|", "#", "![")) or _TABLE_RULE.match(text):
                continue
            yield line

    def table(self, first_header: Iterable[str], *, having: Iterable[str] = ()) -> Table | None:
        """The first table whose first header cell is one of ``first_header`` and whose
        header contains one of ``having`` (when given)."""
        heads = set(first_header)
        wanted = list(having)
        for table in self.tables:
            if not table.header or table.header[0] not in heads:
                continue
            if not wanted or any(any(w in h for w in wanted) for h in table.header):
                return table
        return None

    def book_texts(self) -> list[str]:
        """Every text of the theme as the book wrote it, in every language."""
        out: list[str] = []

        def walk(value: object) -> None:
            if isinstance(value, str):
                out.append(value)
            elif isinstance(value, dict):
                for item in value.values():
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        walk(self.theme or {})
        return out

    def book_texts_shown(self) -> list[str]:
        """The book's texts this note's language shows: its own variant, else the other
        Chinese script's, else the book's first language (marked as untranslated)."""
        out: list[str] = []
        other = {"zh-hk": "zh-cn", "zh-cn": "zh-hk"}.get(self.lang, "")

        def walk(value: object) -> None:
            if isinstance(value, str):
                out.append(value)
            elif isinstance(value, dict):
                keys = set(value)
                if keys and keys <= {"en", "zh-hk", "zh-cn"}:
                    pick = value.get(self.lang) or value.get(other) or next(iter(value.values()))
                    walk(pick)
                    return
                for item in value.values():
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        walk(self.theme or {})
        return out


def where(*numbers: int) -> str:
    unique = sorted(set(numbers))
    if len(unique) == 1:
        return f"line {unique[0]}"
    return "lines " + ", ".join(str(n) for n in unique)


# --------------------------------------------------------------------------- numbers

_NUMBER = r"[+\-−]?\d[\d,]*(?:\.\d+)?"
_PERCENT = re.compile(rf"({_NUMBER})\s?%")


def number(text: str) -> float | None:
    """The first number in ``text`` (``−4.5%`` -> -4.5, ``HKD 1,234.50`` -> 1234.5)."""
    match = re.search(_NUMBER, text.replace("\u2212", "-"))
    if not match:
        return None
    return float(match.group(0).replace(",", ""))


def percent(text: str) -> float | None:
    """The first percentage in ``text`` (``**−4.5%**`` -> -4.5); None for ``–``."""
    match = _PERCENT.search(text.replace("\u2212", "-"))
    return float(match.group(1).replace(",", "")) if match else None


def decimals(text: str) -> int:
    """Decimal places of the first number in ``text``."""
    match = re.search(r"\d[\d,]*(?:\.(\d+))?", text)
    return len(match.group(1)) if match and match.group(1) else 0


def agrees(shown: float, value: float, places: int) -> bool:
    """Whether ``value`` rounded to ``places`` decimals can be shown as ``shown``."""
    return bool(abs(shown - value) <= 0.5 * 10**-places + 1e-9)


# --------------------------------------------------------------------------- duplicates

_SENTENCE_EN = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(“\"‘])")
_SENTENCE_ZH = re.compile(r"(?<=[。！？])")
_CLAUSE = re.compile(r":\s|;\s|\s\(|\)|：|；|（|）|。|\s—\s|\s·\s")
#: Shorter clauses than this (characters, CJK counted as 2.5) are not compared.
CLAUSE_MIN = 34


def _weight(text: str) -> float:
    cjk = len(_CJK.findall(text))
    return len(text) - cjk + 2.5 * cjk


def _sentences(note: Note, text: str) -> list[str]:
    text = re.sub(r"^(?:>\s*|[-*]\s+)+", "", text.strip())
    text = clean(text).strip("*_ ")
    splitter = _SENTENCE_ZH if note.chinese else _SENTENCE_EN
    return [s.strip() for s in splitter.split(text) if s.strip()]


def check_duplicates(note: Note) -> list[Finding]:
    """No sentence printed twice; no long clause (a reason, a legend) printed twice."""
    sentences: dict[str, list[int]] = defaultdict(list)
    clauses: dict[str, list[int]] = defaultdict(list)
    section_of: dict[int, tuple[str, str]] = {}
    for line in note.prose():
        section_of[line.number] = (line.section, line.subsection)
        for sentence in _sentences(note, line.text):
            key = re.sub(r"\s+", " ", sentence)
            if _weight(key) >= 12:
                sentences[key].append(line.number)
            for clause in _CLAUSE.split(sentence):
                part = re.sub(r"\s+", " ", clause).strip(" ,.，、")
                if _weight(part) >= CLAUSE_MIN:
                    clauses[part].append(line.number)
    labels = [clean(cell) for table in note.tables for row in table.rows for cell in row]
    labels += [clean(text) for text in note.book_texts()]
    findings = []
    reported: list[str] = []
    for sentence, numbers in sentences.items():
        if len(numbers) > 1 and not any(sentence.split("（")[0] in text for text in labels):
            reported.append(sentence)
            findings.append(
                Finding("duplicate", where(*numbers), sentence, "sentence printed twice")
            )
    for clause, numbers in clauses.items():
        if len({section_of[n] for n in numbers}) < 2 or any(clause in s for s in reported):
            continue  # once per part of the note: a template line repeated for each subject
        if any(clause in label for label in labels):
            continue  # a name, a title or a table label, not a statement
        findings.append(
            Finding("duplicate", where(*numbers), clause, "the same statement printed twice")
        )
    return findings


# --------------------------------------------------------------------------- figures

#: Header words by language (first header cell, or a column's header).
KEY_FIGURES_HEAD = ("Window", "區間", "区间")
CODE_HEAD = ("Code", "代號", "代码")
SINCE_EVENT = ("Since event", "事件以來", "事件以来")
ONE_DAY = ("1D", "1日")
EXCESS = ("Excess", "超額", "超额")
LAST = ("Last", "最新價", "最新价")
WEIGHT = ("Weight", "權重", "权重")
CONTRIBUTION = ("Contribution", "貢獻", "贡献")
FROM_HIGH = ("52w high", "52周高")
VOLATILITY = ("Volatility", "波幅", "波动率")
BETA = ("Beta", "貝他", "貝塔", "贝塔")
ROW_SINCE_EVENT = SINCE_EVENT
ROW_ONE_DAY = ("1 day", "1日")
ROW_FIVE_DAYS = ("5 days", "5日")


class _Figures:
    """Collects findings for the ``figures`` check."""

    def __init__(self, note: Note) -> None:
        self.note = note
        self.findings: list[Finding] = []

    def missing(self, line: int, what: str, text: str = "") -> None:
        self.findings.append(Finding("figures", f"line {line}", text, f"cannot find {what}"))

    def compare(
        self,
        what: str,
        first: tuple[str, float | None, int],
        second: tuple[str, float | None, int],
        *,
        magnitude: bool = False,
    ) -> None:
        """Two printed figures (label, value, line) that must be equal."""
        (label_a, a, line_a), (label_b, b, line_b) = first, second
        if a is None or b is None:
            return
        if (abs(a) if magnitude else a) != (abs(b) if magnitude else b):
            self.findings.append(
                Finding(
                    "figures",
                    where(line_a, line_b),
                    f"{label_a} {a:g} vs {label_b} {b:g}",
                    f"{what} disagrees",
                )
            )

    def against_json(
        self, what: str, shown_text: str, line: int, value: float | None, scale: float = 100.0
    ) -> None:
        shown = number(shown_text)
        if shown is None or value is None:
            return
        if not agrees(shown, value * scale, decimals(shown_text)):
            self.findings.append(
                Finding(
                    "figures",
                    f"line {line}",
                    f"shown {clean(shown_text)}; JSON {value * scale!r}",
                    f"{what} is not the JSON twin's value rounded as shown",
                )
            )


def _row(table: Table, labels: Iterable[str]) -> tuple[list[str], int] | None:
    names = tuple(labels)
    for row, line in zip(table.rows, table.row_lines, strict=True):
        if row and clean(row[0]) in names:
            return row, line
    return None


def _code_of(cell: str) -> str:
    return clean(cell).split()[0] if clean(cell) else ""


def _sign(text_before: str, chinese: bool) -> int:
    """+1/-1 from the verb before an unsigned figure ("fell 2.7%", "累跌2.7%"), else 0."""
    tail = text_before[-12:]
    if chinese:
        if re.search(r"跌|下降|跑輸|跑输", tail):
            return -1
        if re.search(r"升|漲|涨|跑贏|跑赢", tail):
            return 1
        return 0
    words = re.findall(r"[a-z]+", tail.lower())
    last = words[-1] if words else ""
    if last in {"down", "fell", "lost", "dropped", "declined", "by"} and "down" in words:
        return -1
    if last in {"down", "fell", "lost", "dropped", "declined"}:
        return -1
    if last in {"up", "rose", "gained", "added", "climbed"}:
        return 1
    return 0


def _signed_percent(sentence: str, match: re.Match[str], chinese: bool) -> float:
    value = float(match.group(1).replace("\u2212", "-").replace(",", ""))
    if match.group(1)[0] in "+-\u2212":
        return value
    sign = _sign(sentence[: match.start()], chinese)
    return value * sign if sign else value


#: A move written as a word, not a figure ("was flat", "持平"): 0.0 in the table.
_FLAT = re.compile(r"\b(?:was|is) flat\b|持平")


def _what_moved(note: Note) -> list[tuple[str, int]]:
    """Sentences of the paragraph after "What moved" (the first prose after the key
    figures), with their line numbers."""
    heads = ("What moved", "走勢回顧", "走势回顾")
    out = []
    for line in note.prose():
        if any(h in line.section for h in heads):
            out += [(s, line.number) for s in _sentences(note, line.text)]
    return out


def _sessions_after_event_bar(snapshot: dict[str, Any]) -> int | None:
    """Sessions of the basket's series after its event session (the first on or after
    the event date) up to its last session: how many sessions ago the event was."""
    series = ((snapshot.get("series") or {}).get("basket") or {}).get("sessions") or []
    event = snapshot.get("event_date")
    last = (snapshot.get("basket") or {}).get("last_session") or snapshot.get("as_of")
    if not series or not event or not last or series[0] >= event:
        return None
    bars = [day for day in series if event <= day <= last]
    return len(bars) - 1 if bars else None


_BREADTH = re.compile(
    r"(\d+) up · (\d+) down · (\d+) unch"
    r"|(\d+)[隻只](?:上升|上漲|上涨) · (\d+)[隻只]下跌 · (\d+)[隻只]持平"
)


def _breadth(
    fig: _Figures,
    note: Note,
    cons: Table,
    day_col: int | None,
    snapshot: dict[str, Any],
) -> None:
    """Risers, fallers and unchanged today against the constituents' 1D column (stocks
    with a bar today: no † mark) and the JSON twin."""
    for entry in note.prose():
        match = _BREADTH.search(clean(entry.text))
        if not match:
            continue
        groups = [g for g in match.groups() if g is not None]
        shown = [int(g) for g in groups]
        if day_col is not None:
            moves = [
                percent(clean(cells[day_col]))
                for cells in cons.rows
                if day_col < len(cells) and "†" not in cells[day_col] and _code_of(cells[0])
            ]
            counted = [
                sum(1 for m in moves if m is not None and m > 0),
                sum(1 for m in moves if m is not None and m < 0),
                sum(1 for m in moves if m is not None and m == 0),
            ]
            if counted != shown:
                fig.findings.append(
                    Finding(
                        "figures",
                        f"line {entry.number}",
                        f"{match.group(0)} vs the 1D column: {counted[0]} up, "
                        f"{counted[1]} down, {counted[2]} unchanged",
                        "breadth today disagrees with the constituents table",
                    )
                )
        breadth = snapshot.get("breadth") or {}
        if breadth and [breadth.get("up"), breadth.get("down"), breadth.get("unchanged")] != shown:
            fig.findings.append(
                Finding(
                    "figures",
                    f"line {entry.number}",
                    f"{match.group(0)}; JSON {breadth.get('up')}/{breadth.get('down')}/"
                    f"{breadth.get('unchanged')}",
                    "breadth today is not the JSON twin's",
                )
            )
        for field_name, pattern in (
            ("share_above_ma_20", r"([\d.]+)%\s?(?:above 20|高於20|高于20)"),
            ("share_above_ma_50", r"([\d.]+)%\s?(?:above 50|高於50|高于50)"),
        ):
            share = re.search(pattern, clean(entry.text))
            if share and breadth.get(field_name) is not None:
                fig.against_json(
                    f"breadth {field_name}", share.group(1), entry.number, breadth[field_name]
                )
        return


def check_figures(note: Note) -> list[Finding]:
    """A figure printed in two places agrees, and agrees with the JSON twin."""
    fig = _Figures(note)
    zh = note.chinese
    key = note.table(KEY_FIGURES_HEAD)
    cons = note.table(CODE_HEAD, having=SINCE_EVENT)
    if key is None:
        fig.missing(1, "the key-figures table (first header cell Window/區間/区间)")
    if cons is None:
        fig.missing(1, "the constituents table (first header Code/代號/代码, a since-event column)")
    snapshot = (note.data or {}).get("snapshot") or {}
    by_code = {s.get("code"): s for s in snapshot.get("stocks", [])}
    valuation = {v.get("symbol"): v for v in (snapshot.get("valuation") or {}).get("stocks", [])}

    # 1. Key figures against "What moved" and the JSON twin.
    moved = _what_moved(note)
    if key is not None:
        since = _row(key, ROW_SINCE_EVENT)
        day = _row(key, ROW_ONE_DAY)
        five = _row(key, ROW_FIVE_DAYS)
        basket = snapshot.get("basket") or {}
        bench = snapshot.get("benchmark") or {}
        for label, row, field_name in (
            ("since event", since, "since_event"),
            ("1 day", day, "one_day"),
            ("5 days", five, "five_day"),
        ):
            if row is None:
                fig.missing(key.first_line, f"the key-figures row {label!r}")
                continue
            cells, line = row
            fig.against_json(
                f"basket {label} (key figures)",
                cells[1],
                line,
                (basket.get("returns") or {}).get(field_name),
            )
            fig.against_json(
                f"benchmark {label} (key figures)",
                cells[2],
                line,
                (bench.get("returns") or {}).get(field_name),
            )
            fig.against_json(
                f"basket excess {label} (key figures)",
                cells[3],
                line,
                (basket.get("excess") or {}).get(field_name),
            )
        anchors = (
            (since, ("Since the event", "以來，", "以来，"), "since-event", True),
            (five, ("five sessions", "5 sessions", "五個交易日", "五个交易日"), "5-day", True),
            (day, ("On the day", "當日", "当日"), "1-day", True),
        )
        for row, words, label, with_excess in anchors:
            if row is None:
                continue
            cells, line = row
            found = [(s, n) for s, n in moved if any(w in s for w in words)]
            if not moved:
                fig.missing(
                    key.first_line, "the 'What moved' paragraph (What moved/走勢回顧/走势回顾)"
                )
                break
            if not found:
                fig.missing(moved[0][1], f"the {label} sentence of 'What moved' ({words[0]!r})")
                continue
            sentence, number_line = found[0]
            percents = list(_PERCENT.finditer(sentence))
            # "… rose 1.2% while the HSI was flat": the flat side is 0.0 (as the table shows).
            flat = _FLAT.search(sentence)
            if len(percents) == 1 and flat is not None:
                value = _signed_percent(sentence, percents[0], zh)
                before = flat.start() < percents[0].start()
                basket_value, bench_value = (0.0, value) if before else (value, 0.0)
            elif len(percents) < 2:
                fig.missing(number_line, f"two percentages in the {label} sentence", sentence)
                continue
            else:
                basket_value = _signed_percent(sentence, percents[0], zh)
                bench_value = _signed_percent(sentence, percents[-1], zh)
            fig.compare(
                f"basket {label} return (key figures vs What moved)",
                ("key figures", percent(cells[1]), line),
                ("What moved", basket_value, number_line),
            )
            fig.compare(
                f"benchmark {label} return (key figures vs What moved)",
                ("key figures", percent(cells[2]), line),
                ("What moved", bench_value, number_line),
                magnitude=True,
            )
            pp = re.search(r"(\d+\.\d)\s?(?:pp|個百分點|个百分点)", sentence)
            if pp and with_excess and label == "5-day":
                fig.compare(
                    f"basket {label} excess (key figures vs What moved)",
                    ("key figures", number(cells[3]), line),
                    ("What moved", float(pp.group(1)), number_line),
                    magnitude=True,
                )
        level = next(
            (ln for ln in note.prose() if ln.section == key.section and "**" in ln.text), None
        )
        if level is not None and basket.get("level") is not None:
            bold = re.search(r"\*\*([\d,.]+)\*\*", level.text)
            if bold:
                fig.against_json("basket level", bold.group(1), level.number, basket["level"], 1)
        # "N sessions ago" is the JSON twin's sessions_after_event (sessions after the event
        # session); sessions_since_event counts from the base session, one more.
        sessions = (snapshot.get("narrative") or {}).get("sessions_after_event")
        ago_count = _sessions_after_event_bar(snapshot)
        for sentence, line in moved:
            ago = re.search(r"(\d+) sessions ago|（(\d+)個?个?交易日前）", sentence)
            if ago and sessions is not None:
                fig.against_json(
                    "sessions since the event (What moved)",
                    ago.group(1) or ago.group(2),
                    line,
                    float(sessions),
                    1,
                )
            if ago and ago_count is not None and int(ago.group(1) or ago.group(2)) != ago_count:
                fig.findings.append(
                    Finding(
                        "figures",
                        f"line {line}",
                        f"{ago.group(0)}; the basket's sessions after the event session to "
                        f"its last session: {ago_count}",
                        "'N sessions ago' is not the count of sessions after the event session",
                    )
                )

    # 2. The constituents table against each stock's note, the leaders, risks, JSON.
    if cons is None:
        return fig.findings
    col = {
        "since": cons.column(*SINCE_EVENT),
        "day": cons.column(*ONE_DAY),
        "excess": cons.column(*EXCESS),
        "last": cons.column(*LAST),
        "weight": cons.column(*WEIGHT),
        "contribution": cons.column(*CONTRIBUTION),
        "high": cons.column(*FROM_HIGH),
    }
    rows: dict[str, tuple[list[str], int]] = {}
    for cells, line in zip(cons.rows, cons.row_lines, strict=True):
        code = _code_of(cells[0])
        if code:
            rows[code] = (cells, line)

    def cell(code: str, name: str) -> str:
        index = col[name]
        return rows[code][0][index] if index is not None and index < len(rows[code][0]) else ""

    def since_values(code: str) -> list[float]:
        """The since-event figures a row shows (own currency and theme currency)."""
        text = clean(cell(code, "since")).replace("\u2212", "-")
        return [float(m.group(1).replace(",", "")) for m in _PERCENT.finditer(text)]

    # 2a. Each stock's note (the italic line under "### <code> ...").
    notes: dict[str, tuple[str, int]] = {}
    for entry in note.lines:
        text = entry.text.strip()
        if entry.subsection and text.startswith("*") and not text.startswith("**"):
            code = entry.subsection.split()[0]
            if code in rows and code not in notes:
                notes[code] = (clean(text), entry.number)
    for code, (_, line) in rows.items():
        if code not in notes:
            fig.missing(line, f"the stock note of {code} (an italic line under '### {code} …')")
            continue
        text, note_line = notes[code]
        values = since_values(code)
        match = re.search(r"(?:since event|事件以來|事件以来)\s*([+\-−]?\d+\.\d)\s?%", text)
        if values and match:
            shown = float(match.group(1).replace("\u2212", "-"))
            if shown not in values:
                fig.compare(
                    f"{code} since-event return (constituents vs stock note)",
                    ("constituents", values[0], line),
                    ("stock note", shown, note_line),
                )
        elif values:
            fig.missing(note_line, f"the since-event return in the stock note of {code}", text)
        excess = re.search(
            r"([+\-−]?\d+\.\d)\s?(?:pp vs|個百分點|个百分点)", text.replace("\u2212", "-")
        )
        if excess:
            fig.compare(
                f"{code} excess since event (constituents vs stock note)",
                ("constituents", number(clean(cell(code, "excess"))), line),
                ("stock note", float(excess.group(1)), note_line),
            )
        last_cell = clean(cell(code, "last"))
        last = re.search(r"(?:Last|最新價|最新价)\D{0,12}?(\d[\d,]*\.\d+)", text)
        if last and last_cell:
            fig.compare(
                f"{code} last price (constituents vs stock note)",
                ("constituents", number(re.sub(r"[A-Z]{3}|adj\.", "", last_cell)), line),
                ("stock note", float(last.group(1).replace(",", "")), note_line),
            )
        stock = by_code.get(code)
        if stock:
            own = (stock.get("returns") or {}).get("since_event")
            theme_value = (valuation.get(stock.get("symbol")) or {}).get("since_event_theme")
            shown_cells = [m.group(0) for m in _PERCENT.finditer(clean(cell(code, "since")))]
            if shown_cells:
                fig.against_json(f"{code} since-event return", shown_cells[0], line, own)
            if len(shown_cells) > 1:
                fig.against_json(
                    f"{code} since-event return in the theme currency",
                    shown_cells[1],
                    line,
                    theme_value,
                )
            for name, value, scale in (
                ("weight", stock.get("weight"), 100.0),
                ("contribution", stock.get("contribution"), 100.0),
                ("excess", (stock.get("excess") or {}).get("since_event"), 100.0),
                ("high", stock.get("from_high_52w"), 100.0),
                ("last", stock.get("last_close"), 1.0),
            ):
                text_cell = clean(cell(code, name))
                text_cell = re.sub(r"[A-Z]{3}|adj\.", "", text_cell)
                if text_cell and number(text_cell) is not None:
                    fig.against_json(f"{code} {name} (constituents)", text_cell, line, value, scale)

    # 2b'. Breadth today against the 1D column; weights and contributions add up.
    _breadth(fig, note, cons, col["day"], snapshot)
    for name, total_label in (("weight", "100"), ("contribution", "since-event")):
        index = col[name]
        if index is None or key is None:
            continue
        column_values = [
            number(clean(cells[index]))
            for cells, _ in rows.values()
            if index < len(cells) and number(clean(cells[index])) is not None
        ]
        shown_total: float | None = 100.0
        if name == "contribution":
            since_row = _row(key, ROW_SINCE_EVENT)
            shown_total = percent(since_row[0][1]) if since_row else None
        if not column_values or shown_total is None:
            continue
        total = sum(v for v in column_values if v is not None)
        slack = 0.05 * (len(column_values) + 1) + 1e-9
        if abs(total - shown_total) > slack:
            fig.findings.append(
                Finding(
                    "figures",
                    where(*(line for _, line in rows.values())),
                    f"sum of the {name} column {total:.1f} vs {shown_total:g}",
                    f"the {name}s do not add up to the basket's {total_label} "
                    f"(beyond rounding, ±{slack:.2f})",
                )
            )

    # 2b. Leader / laggard lines against the table.
    for entry in note.prose():
        text = clean(entry.text)
        if "/" not in text or not re.search(r"Leader|最佳|最好", text):
            continue
        today = not any(w in text for w in (*SINCE_EVENT, "since event"))
        for match in re.finditer(r"[（(]([^()（）\s]+)[)）]\s*([+\-−]?\d+\.\d)\s?%", text):
            code, shown = match.group(1), float(match.group(2).replace("\u2212", "-"))
            if code not in rows:
                continue
            if today:
                fig.compare(
                    f"{code} 1-day return (leader/laggard today vs constituents)",
                    ("leader/laggard", shown, entry.number),
                    ("constituents", percent(clean(cell(code, "day"))), rows[code][1]),
                )
            elif since_values(code) and shown not in since_values(code):
                fig.compare(
                    f"{code} since-event return (leader/laggard vs constituents)",
                    ("leader/laggard", shown, entry.number),
                    ("constituents", since_values(code)[0], rows[code][1]),
                )

    # 2c. Risk figures against the stock notes (volatility, beta).
    risk = next(
        (
            t
            for t in note.tables
            if t.column(*VOLATILITY) is not None and t.column(*BETA) is not None
        ),
        None,
    )
    if risk is not None:
        vol_col, beta_col = risk.column(*VOLATILITY), risk.column(*BETA)
        for cells, line in zip(risk.rows, risk.row_lines, strict=True):
            code_match = re.search(r"[（(]([^()（）]+)[)）]\s*$", clean(cells[0]))
            if not code_match or code_match.group(1) not in notes:
                continue
            code = code_match.group(1)
            text, note_line = notes[code]
            vol = re.search(r"(?:volatility|波幅|波动率)\D{0,8}?(\d+\.\d)\s?%", text)
            beta = re.search(
                r"(?:beta|貝他|貝塔|贝塔)[^\d]{0,12}?(?:1Y|一年)?[^\d]{0,6}?([+\-−]?\d+\.\d\d)",
                text,
            )
            if vol and vol_col is not None:
                fig.compare(
                    f"{code} 1Y volatility (risk figures vs stock note)",
                    ("risk figures", percent(clean(cells[vol_col])), line),
                    ("stock note", float(vol.group(1)), note_line),
                )
            if beta and beta_col is not None:
                fig.compare(
                    f"{code} 1Y beta (risk figures vs stock note)",
                    ("risk figures", number(clean(cells[beta_col])), line),
                    ("stock note", float(beta.group(1).replace("\u2212", "-")), note_line),
                )

    # 2d. Event study: each stock's sentence against the stock-by-stock table, and the
    # basket's sentence in "What moved" against the table's basket row.
    car = re.compile(r"([+\-−]?\d+\.\d)%\\?\*?\s*[（(]t(?:值)?\s*=?\s*([+\-−]?\d+\.\d\d)")
    for table in note.tables:
        heads = [h for h in table.header if re.search(r"\[0, \+\d+\]", h)]
        if not heads or table.header[0] != "":
            continue
        windows = {
            int(m.group(1)): i
            for i, h in enumerate(table.header)
            if (m := re.search(r"\[0, \+(\d+)\]", h))
        }
        names = {
            re.sub(r"\s*[（(][^()（）]*[)）]\s*$", "", clean(row[0])): (row, ln)
            for row, ln in zip(table.rows, table.row_lines, strict=True)
        }
        basket_row = next(
            (
                (row, ln)
                for row, ln in zip(table.rows, table.row_lines, strict=True)
                if row[0].startswith("**")
            ),
            None,
        )
        sentences = [(s, entry) for entry in note.prose() for s in _sentences(note, entry.text)]
        for text, entry in sentences:
            window = re.search(r"to (\d+) sessions after|其後(\d+)個交易日|其后(\d+)个交易日", text)
            t_value = re.search(r"[（(]t\s*值?[為为是]?\s*=?\s*([+\-−]?\d+\.\d\d)[)）]", text)
            if not window or not t_value:
                continue
            before = list(re.finditer(r"([+\-−]?\d+\.\d)\s?%", text[: t_value.start()]))
            if not before:
                continue
            figure = (before[-1].group(1), t_value.group(1))
            span = int(next(g for g in window.groups() if g))
            if span not in windows:
                continue
            in_moved = any(h in entry.section for h in ("What moved", "走勢回顧", "走势回顾"))
            target = basket_row
            if not in_moved:
                target = next(
                    (
                        names[n]
                        for n in sorted(names, key=len, reverse=True)
                        if n and text.startswith(n)
                    ),
                    None,
                )
            if target is None:
                continue
            target_cells, row_line = target
            printed = car.search(_unescape_keep_stars(target_cells[windows[span]]))
            if not printed:
                continue
            for what, a, b in (
                ("CAR", printed.group(1), figure[0]),
                ("t", printed.group(2), figure[1]),
            ):
                fig.compare(
                    f"{what} [0, +{span}] of {clean(target_cells[0])} (event table vs sentence)",
                    ("table", number(a), row_line),
                    ("sentence", number(b), entry.number),
                )
        break
    return fig.findings


# --------------------------------------------------------------------------- styles

#: Amount styles: (name, pattern). A money amount with a magnitude (million, billion,
#: 萬, 億) or a price with a currency.
AMOUNT_STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ISO code + M/B (HKD 807M)", re.compile(r"(?<![A-Za-z])[A-Z]{3} \d[\d,.]*\s?[KMBT]\b")),
    ("symbol + m/bn (HK$807m)", re.compile(r"[A-Z]{0,3}[$¥€£]\s?\d[\d,.]*\s?(?:k|m|bn|tn)\b")),
    ("symbol + M/B (HK$807M)", re.compile(r"[A-Z]{0,3}[$¥€£]\s?\d[\d,.]*\s?[KMBT]\b")),
    (
        "ISO code + m/bn (HKD 807m)",
        re.compile(r"(?<![A-Za-z])[A-Z]{3} \d[\d,.]*\s?(?:k|m|bn|tn)\b"),
    ),
    (
        "萬/億 + currency (8.07億港元)",
        re.compile(r"\d[\d,.]*\s?[萬億万亿]\s?(?:港元|人民幣|人民币|美元)"),
    ),
    (
        "currency + 萬/億 (港元8.07億)",
        re.compile(r"(?:港元|人民幣|人民币|美元)\s?\d[\d,.]*\s?[萬億万亿]"),
    ),
)
#: Money notations (with or without a magnitude): ISO code, currency symbol, Chinese name.
MONEY_STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "ISO code before (HKD 51.36)",
        re.compile(r"(?<![A-Za-z])(?:HKD|CNY|USD|EUR|JPY|GBP) \d[\d,.]*\w*"),
    ),
    ("symbol before (HK$51.36)", re.compile(r"(?:HK|US|CN|NT)?[$¥€£]\s?\d[\d,.]*\w*")),
    (
        "Chinese name after (51.36港元)",
        re.compile(r"\d[\d,.]*\s?[萬億万亿]?\s?(?:港元|人民幣|人民币|美元)"),
    ),
)


def _styles(
    note: Note, check: str, what: str, styles: Iterable[tuple[str, re.Pattern[str]]]
) -> list[Finding]:
    seen: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for line in note.lines:
        text = _unescape_keep_stars(line.text)
        if text.lstrip().startswith("!["):
            continue
        for name, pattern in styles:
            for match in pattern.finditer(text):
                seen[name].append((line.number, match.group(0)))
    if len(seen) < 2:
        return []
    parts = []
    numbers: list[int] = []
    for name, hits in seen.items():
        examples = ", ".join(list(dict.fromkeys(h for _, h in hits))[:6])
        lines = sorted({n for n, _ in hits})
        shown = where(*lines[:12]) + (f" and {len(lines) - 12} more" if len(lines) > 12 else "")
        parts.append(f"{name}: {examples} ({shown})")
        numbers += [n for n, _ in hits]
    return [Finding(check, f"{len(seen)} styles", " | ".join(parts), f"more than one {what}")]


def check_amount_style(note: Note) -> list[Finding]:
    """One amount style per note, and one money notation (code, symbol or Chinese name)."""
    return _styles(note, "amount-style", "amount style", AMOUNT_STYLES) + _styles(
        note, "amount-style", "currency notation", MONEY_STYLES
    )


def check_percent_style(note: Note) -> list[Finding]:
    """Either every percentage has a space before ``%`` or none does."""
    styles = (
        ("with a space (5 %)", re.compile(r"[\d.]*\d[ \u00a0\u202f]%")),
        ("no space (5%)", re.compile(r"[\d.]*\d%")),
    )
    return _styles(note, "percent-style", "percentage spacing", styles)


def check_t_style(note: Note) -> list[Finding]:
    """One way of printing a t-statistic."""
    figure = r"[+\-−]?\d+\.\d+"
    styles = (
        ("t = x", re.compile(rf"[（(]t\s?=\s?{figure}")),
        ("t x", re.compile(rf"[（(]t\s{figure}")),
        ("t值為x", re.compile(rf"[（(]t值[為为是]\s?{figure}")),
        ("t值 x", re.compile(rf"[（(]t值\s?{figure}")),
        ("t值：x", re.compile(rf"[（(]t值\s?[：:=＝]\s?{figure}")),
    )
    return _styles(note, "t-style", "t-statistic style", styles)


# --------------------------------------------------------------------------- Latin

#: Latin words a Chinese note may print though the book does not: statistics symbols
#: (t 值), the CAR abbreviation the event study introduces in brackets, and OpenCC, the
#: converter a zh-cn note says its text went through (a name with no Chinese form).
#: Keep it small.
LATIN_ALLOWED = frozenset({"t", "CAR", "OpenCC"}) | {
    # issue 18, Southbound holdings: H股 (the share class's Chinese name) and the file a
    # CSV folder's holdings come from, southbound.csv.
    "H",
    "southbound",
    "csv",
}
# A and H: A股 / H股 (and A/H股溢價), how Chinese names a company's mainland and Hong
# Kong shares.
LATIN_ALLOWED |= {"A"}
_LATIN_TOKEN = re.compile(r"[A-Za-z0-9^][A-Za-z0-9^.=\-_'’·&+/]*")
# A symbol, or the price file named after one (the vendor line: 價格檔案 0941.HK.csv).
_SYMBOL = re.compile(
    r"^(?:\d{4,6}(?:\.[A-Z]{1,2})?|\^[A-Z]+|[A-Z]{6}=X|\d+[A-Za-z]{1,2})(?:\.csv)?$"
)


def _latin_tokens(text: str) -> Iterator[str]:
    for match in _LATIN_TOKEN.finditer(text):
        token = match.group(0).rstrip(".-_/'’")
        if re.search(r"[A-Za-z]", token):
            yield token


def check_latin(note: Note) -> list[Finding]:
    """A Chinese note has no Latin word outside the book's text, symbols and the list."""
    if not note.chinese:
        return []
    allowed = set(LATIN_ALLOWED)
    source = str(((note.data or {}).get("snapshot") or {}).get("source") or "")
    folder = re.split(r"[\\/]", source.removeprefix("csv:"))[-1] if ":" in source else ""
    for text in (*note.book_texts_shown(), *note.names, folder):
        allowed.update(_latin_tokens(text))
    found: dict[str, list[int]] = defaultdict(list)
    for line in note.lines:
        text = line.text
        if text.lstrip().startswith("!["):
            text = re.sub(r"\]\([^)]*\)", "]", text)
        text = _unescape_keep_stars(text)
        for token in _latin_tokens(text):
            if token in allowed or _SYMBOL.match(token):
                continue
            if all(part in allowed for part in re.split(r"[-·.&+/]", token) if part):
                continue
            found[token].append(line.number)
    return [
        Finding("latin", where(*numbers), token, "Latin word in a Chinese note")
        for token, numbers in found.items()
    ]


# --------------------------------------------------------------------------- script

#: Characters OpenCC maps to another script that are nonetheless right in this one:
#: in Traditional (zh-hk) text the Hong Kong forms OpenCC's s2t writes as another variant,
#: 恒 (恒生, s2t 恆) and 峰 (高峰, s2t 峯), and characters both scripts use: 台 (台灣),
#: 游 (游泳), 征 (征服), 于 (surname), 里 (公里), 干 (干擾), 后 (皇后), 范 (surname),
#: 云 (云云), 斗 (北斗), 几 (茶几), 准 (批准 in HK usage);
#: in Simplified (zh-cn) text, 乾 (乾坤), 藉 (狼藉), 著 (著作).
SCRIPT_EXCEPTIONS = {
    "zh-hk": frozenset("恒峰台游征于里干后范云斗几准"),
    "zh-cn": frozenset("乾藉著"),
}


@functools.cache
def _opencc(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


@functools.cache
def foreign_character(char: str, lang: str) -> bool:
    """Whether ``char`` belongs only to the other Chinese script than ``lang``'s.

    In a Traditional note a character is Simplified-only when converting it to
    Traditional changes it while converting it to Simplified keeps it (it is already
    the Simplified form, and some other character is the Traditional one); the reverse
    for a Simplified note.
    """
    if char in SCRIPT_EXCEPTIONS.get(lang, frozenset()):
        return False
    s2t = str(_opencc("s2t").convert(char))
    t2s = str(_opencc("t2s").convert(char))
    if lang == "zh-hk":
        return s2t != char and t2s == char
    if lang == "zh-cn":
        return t2s != char and s2t == char
    return False


#: The Chinese script each note language writes: an English note is for Hong Kong
#: readers, so the Chinese names it shows are in Hong Kong Traditional characters.
SCRIPT_OF = {"zh-hk": "zh-hk", "zh-cn": "zh-cn", "en": "zh-hk"}


def check_script(note: Note) -> list[Finding]:
    """A zh-hk (or English) note has no Simplified-only character, a zh-cn note no
    Traditional-only one."""
    script = SCRIPT_OF.get(note.lang)
    if script is None:
        return []
    other = "Simplified" if script == "zh-hk" else "Traditional"
    findings = []
    for line in note.lines:
        chars = [c for c in dict.fromkeys(_CJK.findall(line.text)) if foreign_character(c, script)]
        if chars:
            text = clean(line.text)
            first = min(text.find(c) for c in chars)
            excerpt = text[max(0, first - 20) : first + 60]
            findings.append(
                Finding(
                    "script",
                    f"line {line.number}",
                    f"{''.join(chars)} in: {excerpt}",
                    f"{other}-only character(s) in a {note.lang} note",
                )
            )
    return findings


# --------------------------------------------------------------------------- rules


#: Marks put on a figure or a name and explained in a legend: (name, token as written
#: in the Markdown). A use follows a figure or a closing bracket (``−1.0%†``, ``(event) ‡``,
#: ``−2.1%\\*``) or sits in a table; any other occurrence in prose explains it.
_SYMBOL_MARKS = (("†", "†"), ("‡", "‡"), ("*", "\\*"))
#: "adj." on a price, by language: (use, explanation: the mark quoted).
_ADJ = {
    "en": (r"\badj\.(?=\s?\d)|(?<=[A-Z]{3}) adj\.", r"[\"“]adj\.[\"”]"),
    "zh-hk": (r"（經調整）", r"「經調整」"),
    "zh-cn": (r"（复权）", r"[“「]复权[”」]"),
}


def _mark_lines(note: Note, token: str) -> tuple[list[int], list[tuple[int, str]]]:
    """Lines using ``token`` as a mark, and lines explaining it."""
    uses: list[int] = []
    explanations: list[tuple[int, str]] = []
    for line in note.lines:
        text = line.text
        if token not in text:
            continue
        if text.startswith("|"):
            uses.append(line.number)
            continue
        for match in re.finditer(re.escape(token), text):
            before = text[: match.start()].rstrip(" *")
            if before and before[-1] in "0123456789%)）":
                uses.append(line.number)
            else:
                explanations.append((line.number, clean(text)))
    return uses, explanations


def _adj_lines(note: Note) -> tuple[list[int], list[tuple[int, str]]]:
    use, explanation = (re.compile(p) for p in _ADJ.get(note.lang, _ADJ["en"]))
    uses = [line.number for line in note.lines if use.search(line.text)]
    explanations = [
        (line.number, clean(line.text)) for line in note.prose() if explanation.search(line.text)
    ]
    return uses, explanations


_ADJ_WORDS = r"adj\.|經調整|复权"
_STALE_WORD = {"en": r"\bstale\b", "zh-hk": "過時", "zh-cn": "过时"}


def check_unused_rules(note: Note) -> list[Finding]:
    """A mark is explained only when used (and explained when used); "stale" is defined
    only when a symbol, the basket or the benchmark is stale."""
    findings: list[Finding] = []
    marks = [(name, _mark_lines(note, token)) for name, token in _SYMBOL_MARKS]
    marks.append(("adj.", _adj_lines(note)))
    for name, (uses, explanations) in marks:
        if explanations and not uses:
            for number_, text in dict(explanations).items():
                findings.append(
                    Finding(
                        "unused-rule",
                        f"line {number_}",
                        _around(text, re.compile(re.escape(name) + "|" + _ADJ_WORDS)),
                        f"explains the mark {name} but nothing in the note is marked",
                    )
                )
        if uses and not explanations:
            findings.append(
                Finding(
                    "unused-rule",
                    where(*uses),
                    name,
                    f"the mark {name} is used but never explained",
                )
            )
    findings += _unused_stale(note)
    return findings


def _any_stale(note: Note) -> bool:
    snapshot = (note.data or {}).get("snapshot")
    if snapshot:
        statuses = [((s.get("status") or {}).get("status")) for s in snapshot.get("stocks", [])]
        statuses.append(((snapshot.get("benchmark") or {}).get("status") or {}).get("status"))
        statuses.append((snapshot.get("basket") or {}).get("status"))
        statuses += [f.get("status") for f in (snapshot.get("valuation") or {}).get("fx", [])]
        return any(status == "stale" for status in statuses)
    word = {"en": "Stale", "zh-hk": "過時", "zh-cn": "过时"}[note.lang]
    return any(word in clean(cell) for t in note.tables for row in t.rows for cell in row)


def _unused_stale(note: Note) -> list[Finding]:
    if _any_stale(note):
        return []
    pattern = re.compile(_STALE_WORD[note.lang], re.IGNORECASE)
    return [
        Finding(
            "unused-rule",
            f"line {line.number}",
            _around(clean(line.text), pattern),
            "a rule about stale data, though nothing in the note is stale",
        )
        for line in note.prose()
        if pattern.search(line.text)
    ]


def _around(text: str, pattern: re.Pattern[str], width: int = 70) -> str:
    match = pattern.search(text)
    if not match:
        return text[: 2 * width]
    start = max(0, match.start() - width)
    return ("…" if start else "") + text[start : match.end() + width] + "…"


# --------------------------------------------------------------------------- all

CHECKS: dict[str, Callable[[Note], list[Finding]]] = {
    "duplicate": check_duplicates,
    "figures": check_figures,
    "amount-style": check_amount_style,
    "percent-style": check_percent_style,
    "t-style": check_t_style,
    "latin": check_latin,
    "script": check_script,
    "unused-rule": check_unused_rules,
}


def lint(note: Note) -> list[Finding]:
    """Every check's findings for one note."""
    return [finding for check in CHECKS.values() for finding in check(note)]
