"""The themes book: ``themes.yaml`` parsed safely and validated into typed models.

Every problem in a file is collected with its ``file:line:column`` and key path
(``themes[0].stocks[2].code``) and reported at once as a :class:`ThemesFileError`;
a typo in a key is an error with a "did you mean" hint, never silently dropped.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from concepttrack.archive import THEME_ID
from concepttrack.errors import Problem, ThemesFileError, UsageError
from concepttrack.fsutil import ReadRefused, line_and_column, read_limited
from concepttrack.languages import LANGUAGES
from concepttrack.symbols import (
    EXCHANGES,
    currency_of,
    fx_symbol,
    hkex_code,
    is_hk,
    market_of,
    to_yahoo,
)

MAX_FILE_BYTES = 1_048_576
#: A theme id: the archive's rule (its folder name), declared once in archive.py.
SLUG = THEME_ID
#: Folder names the reports folder uses for itself.
#: Theme ids the tool keeps for itself, with why (a folder of the reports, or a word a
#: command reads in the place of a theme id: ``deliver check``).
RESERVED_IDS: dict[str, str] = {
    "runs": "reports/runs/ holds the run records",
    "board": "reports/board/ is kept for the daily board across themes",
    "check": "`concepttrack deliver check` would read it as the command",
}
#: Bounds on the book's numbers: a weight is relative (25 or 0.25 both work) and a
#: larger one is a typo that would overflow the sum; a price above this is no HKEX price.
MAX_WEIGHT = 1e6
MAX_PRICE = 1e7
#: The book's top-level keys.
BOOK_KEYS: tuple[str, ...] = (
    "themes",
    "version",
    "languages",
    "stale_after_months",
    "reaction_to_appendix_after",
    "house",
    "check_against",
    "check_tolerance",
    "source",
)
_PARTIAL_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


#: Language codes a themes-book text may carry: every note language.
TEXT_LANGUAGES: tuple[str, ...] = tuple(LANGUAGES)


class LocalText(str):
    """A themes-book text in one or several languages; ``str`` of it is the default text.

    A plain YAML string is the book's default language (``variants`` is ``{"": text}``);
    a mapping ``{en: ..., zh-hk: ..., zh-cn: ...}`` gives each language its own text and
    the plain value is the first of en, zh-hk, zh-cn given. Code that only needs one
    string (``themes list``, the index) uses it as a ``str``; the note resolves the
    language it is written in with :mod:`concepttrack.localize`.
    """

    variants: dict[str, str]

    def __new__(cls, text: str, variants: dict[str, str] | None = None) -> LocalText:
        made = super().__new__(cls, text)
        made.variants = dict(variants) if variants is not None else {"": str(text)}
        return made

    def __reduce__(self) -> tuple[Any, ...]:  # picklable for --jobs and the chart child
        return (LocalText, (str(self), self.variants))

    @property
    def is_plain(self) -> bool:
        return "" in self.variants


#: A line break (or spaces) between two CJK characters or punctuation: YAML's folded
#: scalars (``>``) turn line breaks into spaces, which Chinese text does not have.
_CJK_GAP = re.compile(
    r"(?<=[\u2E80-\u9FFF\uFF00-\uFFEF])[ \t\r\n]+(?=[\u2E80-\u9FFF\uFF00-\uFFEF])"
)


def _clean(text: str) -> str:
    return _CJK_GAP.sub("", text.strip())


def _local_text(value: object) -> LocalText:
    if isinstance(value, LocalText):
        return value
    if isinstance(value, str):
        return LocalText(_clean(value))
    if isinstance(value, dict):
        variants: dict[str, str] = {}
        for key, text in value.items():
            code = str(key).strip().lower().replace("_", "-")
            if code not in TEXT_LANGUAGES:
                raise ValueError(
                    f"unknown language {key!r} in a text mapping; use {', '.join(TEXT_LANGUAGES)}"
                )
            if not isinstance(text, str):
                raise ValueError(f"the {code} text must be a string")
            variants[code] = _clean(text)
        if not variants:
            raise ValueError("a text mapping needs at least one language")
        first = next(variants[c] for c in TEXT_LANGUAGES if c in variants)
        return LocalText(first, variants)
    raise ValueError("must be text, or a mapping of language to text ({en: ..., zh-hk: ...})")


def _dump_local_text(value: LocalText) -> object:
    return str(value) if value.is_plain else dict(value.variants)


def _non_blank_text(value: LocalText) -> LocalText:
    for text in value.variants.values():
        _non_blank(text)
    return value


Text = Annotated[str, AfterValidator(_non_blank)]
#: Free text that may be given per language; never blank in any language.
LText = Annotated[
    LocalText,
    PlainValidator(lambda v: _non_blank_text(_local_text(v))),
    PlainSerializer(_dump_local_text),
]
#: Free text that may be given per language and may be empty.
LOptText = Annotated[LocalText, PlainValidator(_local_text), PlainSerializer(_dump_local_text)]


class _Model(BaseModel):
    # Every number in the book is finite: ``.inf`` and ``.nan`` are refused where read.
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False
    )


class Catalyst(_Model):
    """A dated event behind the theme: the anchoring event or a background catalyst."""

    date: dt.date
    title: LText
    detail: LOptText = LocalText("")
    source: LOptText | None = None


def _partial_date(value: object) -> str:
    """A book date as text: ``2024-02-19``, or a month ``2024-02``."""
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    match = _PARTIAL_DATE.match(text)
    if not match:
        raise ValueError("must be a date like 2024-02-19 or a month like 2024-02")
    year, month, day = match.groups()
    try:
        dt.date(int(year), int(month), int(day or 1))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a real date") from exc
    return text


#: A date that may name a month only (``2024-02``): a view's date, a fact's ``as_of``.
PartialDate = Annotated[str, BeforeValidator(_partial_date)]


def partial_date_start(text: str) -> dt.date:
    """The first day a :data:`PartialDate` names (``2024-02`` -> 1 Feb 2024)."""
    year, month, *day = text.split("-")
    return dt.date(int(year), int(month), int(day[0]) if day else 1)


class View(_Model):
    """A broker's or analyst's view, attributed and dated (``2024-02`` or ``2024-02-19``)."""

    source: LText
    date: PartialDate
    summary: LText
    rating: LOptText | None = None
    target_price: float | None = Field(default=None, gt=0, le=MAX_PRICE)
    #: When the view's facts were last true, if not its ``date``.
    as_of: PartialDate | None = None

    @property
    def fact_date(self) -> str:
        """The date the view speaks for: ``as_of`` when given, else its ``date``."""
        return self.as_of or self.date

    @property
    def date_label(self) -> str:
        """``19 Feb 2024`` or ``Feb 2024`` for a month-only date."""
        year, month, *day = self.date.split("-")
        label = f"{_MONTHS[int(month) - 1]} {year}"
        return f"{int(day[0])} {label}" if day else label


class Risk(_Model):
    """A written risk to the thesis."""

    title: LText
    detail: LOptText = LocalText("")
    #: When the risk was last assessed (``2024-02``).
    as_of: PartialDate | None = None


class Update(_Model):
    """A dated entry of the theme's news log: what happened, and to which stocks."""

    date: dt.date
    title: LText
    detail: LOptText = LocalText("")
    source: LOptText | None = None
    #: Codes of the theme's stocks the news concerns (any spelling ``code:`` takes).
    stocks: list[str] = Field(default_factory=list)

    @field_validator("stocks")
    @classmethod
    def _codes_map(cls, value: list[str]) -> list[str]:
        out = []
        for code in value:
            try:
                out.append(to_yahoo(str(code)))
            except UsageError as exc:
                raise ValueError(exc.message) from exc
        return list(dict.fromkeys(out))


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: The largest logo file a house may name (it is embedded in every HTML and PDF note).
MAX_LOGO_BYTES = 512 * 1024
#: Logo formats by their first bytes: PNG and JPEG only (an SVG may reference URLs).
_LOGO_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


class Analyst(_Model):
    """An analyst who signs the notes."""

    name: LText
    #: A licence or registration number, as the regulator writes it ("SFC CE No. ABC123").
    licence: str | None = None
    email: str | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("must be an e-mail address like name@example.com")
        return value


class House(_Model):
    """The publisher that signs the notes: name, logo, analysts, disclosures, disclaimer.

    ``logo`` is a local PNG or JPEG file the operator names (relative to the book); it
    is read once when the book is loaded and embedded in the notes as a ``data:`` URI.
    """

    name: LText
    logo: str | None = None
    analysts: list[Analyst] = Field(default_factory=list)
    disclosures: LOptText | None = None
    disclaimer: LOptText | None = None
    _logo_uri: str | None = PrivateAttr(default=None)

    @property
    def logo_uri(self) -> str | None:
        """The logo as a ``data:`` URI (None without a logo)."""
        return self._logo_uri


def read_logo(path: Path) -> str:
    """A logo file as a ``data:`` URI; ValueError says what is wrong with it."""
    import base64

    try:
        data = read_limited(path, MAX_LOGO_BYTES)
    except FileNotFoundError:
        raise ValueError(f"logo file {path} not found") from None
    except ReadRefused as exc:
        raise ValueError(f"logo file {path}: {exc.reason}") from None
    except OSError as exc:
        raise ValueError(f"logo file {path}: cannot read: {exc.strerror or exc}") from None
    for magic, mime in _LOGO_MAGIC.items():
        if data.startswith(magic):
            return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    raise ValueError(f"logo file {path} is not a PNG or JPEG image")


#: How old a dated fact may be before a note marks it (``stale_after_months:``).
DEFAULT_STALE_MONTHS = 12
#: Sessions after the event after which "How the concept reacted" moves to an appendix
#: (``reaction_to_appendix_after:``; see analytics/lead.py).
DEFAULT_REACTION_APPENDIX_SESSIONS = 60

ExposureKind = Literal["core", "supplier", "infrastructure", "platform", "indirect"]
#: How the basket is weighted at the event base (see ``analytics/weights.py``).
WeightingScheme = Literal["equal", "custom", "cap", "capped"]
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _iso_currency(code: str) -> bool:
    """True when ``code`` is an ISO 4217 currency CLDR knows (Babel, loaded on demand)."""
    if code in {"HKD", "CNY", "USD"}:
        return True
    from babel.numbers import list_currencies

    return code in list_currencies()


class Stock(_Model):
    """A linked stock: its code, names and why it belongs to the theme."""

    code: Text
    name: LText
    name_zh: str | None = None
    rationale: LText
    weight: float | None = Field(default=None, gt=0, le=MAX_WEIGHT)
    exposure: ExposureKind | None = None
    #: When the rationale's facts were true (``2024-02``): a note marks old ones.
    as_of: PartialDate | None = None

    #: The same company's mainland A share (``000063.SZ``), for the A/H premium; wins
    #: over the package's table of A+H pairs (``concepttrack.pairs``).
    a_share: str | None = None

    @field_validator("code")
    @classmethod
    def _code_maps(cls, value: str) -> str:
        try:
            to_yahoo(value)
        except UsageError as exc:
            raise ValueError(exc.message) from exc
        return value

    @field_validator("a_share")
    @classmethod
    def _a_share_code(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from concepttrack.pairs import a_share_symbol

        try:
            return a_share_symbol(value)
        except UsageError as exc:
            raise ValueError(exc.message) from exc

    @property
    def symbol(self) -> str:
        """The Yahoo symbol (``9888.HK``)."""
        return to_yahoo(self.code)

    @property
    def display_code(self) -> str:
        """The code a reader expects (``09888`` for HKEX stocks)."""
        return hkex_code(self.symbol)


class Theme(_Model):
    """One investment theme: thesis, catalysts, views, risks and linked stocks."""

    id: str
    title: LText
    title_zh: str | None = None
    thesis: LText
    event: Catalyst
    catalysts: list[Catalyst] = Field(default_factory=list)
    views: list[View] = Field(default_factory=list)
    risks: list[Risk] = Field(default_factory=list)
    stocks: list[Stock] = Field(min_length=1)
    benchmark: str = "^HSI"
    #: The exchange whose sessions the basket is measured on (``XHKG``, ``XSHG``,
    #: ``XNYS``); by default the benchmark's, never the order of the stocks.
    calendar: str | None = None
    tags: list[str] = Field(default_factory=list)
    #: Languages of this theme's notes (overrides the book's ``languages:``).
    languages: list[str] | None = None
    #: The theme's news log, any order in the book (notes show it newest first).
    updates: list[Update] = Field(default_factory=list)
    #: Months after which a fact's ``as_of`` is marked old (default: the book's, else 12).
    stale_after_months: int | None = Field(default=None, ge=1, le=240)
    #: Sessions after the event after which the event study moves to an appendix
    #: (default: the book's, else 60).
    reaction_to_appendix_after: int | None = Field(default=None, ge=1, le=5000)
    #: Who signs the note (default: the book's ``house:``; none: neutral wording).
    house: House | None = None

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _language_list(value)

    #: equal (default; custom when stocks give weights), custom, cap or capped.
    weighting: WeightingScheme | None = None
    #: Largest weight under ``capped`` (default 0.25).
    cap: float | None = Field(default=None, gt=0, le=1)
    #: The one currency the basket is measured in; other currencies are converted.
    currency: str = "HKD"

    @field_validator("currency", mode="before")
    @classmethod
    def _currency_code(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip().upper()
            if not _CURRENCY.match(text):
                raise ValueError("must be a three-letter currency code such as HKD, CNY or USD")
            if not _iso_currency(text):
                raise ValueError(
                    f"{text} is not an ISO 4217 currency code; use one such as HKD, CNY or USD"
                )
            return text
        return value

    @model_validator(mode="after")
    def _weighting_fits(self) -> Theme:
        given = any(stock.weight is not None for stock in self.stocks)
        scheme = self.weighting
        if scheme == "custom" and not given:
            raise ValueError("weighting: custom needs a weight on the stocks")
        if scheme in ("equal", "cap", "capped") and given:
            raise ValueError(
                f"weighting: {scheme} ignores the stocks' weight; remove the weights "
                "or use weighting: custom"
            )
        if self.cap is not None and scheme != "capped":
            raise ValueError("cap applies only to weighting: capped")
        if scheme == "capped" and self.weight_cap * len(self.stocks) < 1 - 1e-12:
            raise ValueError(
                f"cap {self.weight_cap:g} is too small for {len(self.stocks)} stocks: "
                "the weights could not add up to 100 %"
            )
        return self

    @model_validator(mode="after")
    def _updates_name_own_stocks(self) -> Theme:
        own = {stock.symbol for stock in self.stocks}
        for update in self.updates:
            strangers = [code for code in update.stocks if code not in own]
            if strangers:
                raise ValueError(
                    f"update of {update.date.isoformat()} names {', '.join(strangers)}, "
                    "which is not among the theme's stocks; add it to stocks: or remove it"
                )
        return self

    @property
    def stale_months(self) -> int:
        """Months after which a dated fact is old in a note of this theme."""
        return self.stale_after_months or DEFAULT_STALE_MONTHS

    @property
    def reaction_appendix_sessions(self) -> int:
        """Sessions after the event after which the event study is an appendix."""
        return self.reaction_to_appendix_after or DEFAULT_REACTION_APPENDIX_SESSIONS

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(
                "must be lower-case letters, digits and hyphens, starting with a letter "
                "or digit, at most 64 characters (it becomes a folder name)"
            )
        if value in RESERVED_IDS:
            raise ValueError(f"{value!r} is reserved: {RESERVED_IDS[value]}; choose another id")
        return value

    @field_validator("calendar")
    @classmethod
    def _known_calendar(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = value.strip().upper()
        if text not in EXCHANGES:
            known = ", ".join(sorted(EXCHANGES))
            raise ValueError(f"{value!r} is not an exchange concepttrack knows; use one of {known}")
        return text

    @property
    def calendar_exchange(self) -> str:
        """The exchange whose sessions the basket lives on: ``calendar:``, else the
        benchmark's exchange (the basket is measured on the sessions its benchmark is;
        stocks of other markets are carried at their last close). Swapping two stocks in
        the book never changes it."""
        return self.calendar or market_of(self.benchmark).exchange

    @field_validator("benchmark")
    @classmethod
    def _benchmark_maps(cls, value: str) -> str:
        try:
            return to_yahoo(value)
        except UsageError as exc:
            raise ValueError(exc.message) from exc

    @property
    def event_date(self) -> dt.date:
        """The anchoring event's date (exchange-local)."""
        return self.event.date

    @property
    def symbols(self) -> list[str]:
        """Yahoo symbols of the linked stocks, in book order."""
        return [stock.symbol for stock in self.stocks]

    def weights(self) -> dict[str, float]:
        """Weights by symbol, normalised to sum to 1; equal when the theme gives none."""
        given = [stock.weight for stock in self.stocks]
        if all(w is None for w in given):
            return {s.symbol: 1.0 / len(self.stocks) for s in self.stocks}
        raw = {s.symbol: (s.weight or 0.0) for s in self.stocks}
        total = sum(raw.values())
        return {symbol: w / total for symbol, w in raw.items()}

    @property
    def has_custom_weights(self) -> bool:
        """True when the book gives weights (so concentration is worth showing)."""
        return any(stock.weight is not None for stock in self.stocks)

    @property
    def weighting_scheme(self) -> str:
        """The scheme in force: the book's, else custom with weights, else equal."""
        if self.weighting is not None:
            return self.weighting
        return "custom" if self.has_custom_weights else "equal"

    @property
    def weight_cap(self) -> float:
        """The cap of ``weighting: capped`` (0.25 unless the book says)."""
        return self.cap if self.cap is not None else 0.25

    @property
    def fx_symbols(self) -> list[str]:
        """FX pairs converting each stock's and the benchmark's currency to the theme's."""
        pairs = {
            fx_symbol(currency_of(symbol), self.currency): None
            for symbol in [*self.symbols, self.benchmark]
            if currency_of(symbol) != self.currency
        }
        return list(pairs)

    @property
    def a_shares(self) -> dict[str, str]:
        """HKEX stock symbol -> its A share's symbol, for the A/H premium: the stock's
        ``a_share:``, else the A+H pairs table in use (``concepttrack.pairs``)."""
        from concepttrack.pairs import load_table

        table = load_table()
        found: dict[str, str] = {}
        for stock in self.stocks:
            symbol = stock.symbol
            a_share = stock.a_share or (table.a_share_of(symbol) if is_hk(symbol) else None)
            if a_share is not None:
                found[symbol] = a_share
        return found

    @property
    def ah_symbols(self) -> list[str]:
        """The A shares of :attr:`a_shares` and the FX pairs converting them to the H
        shares' currency (``CNYHKD=X``), fetched in the same batch as the rest."""
        found: dict[str, None] = {}
        for h_symbol, a_symbol in self.a_shares.items():
            found.setdefault(a_symbol, None)
            found.setdefault(fx_symbol(currency_of(a_symbol), currency_of(h_symbol)), None)
        return list(found)


def _language_list(value: object) -> list[str]:
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not value:
        raise ValueError(f"must be a list of languages from {', '.join(TEXT_LANGUAGES)}")
    codes = []
    for item in value:
        code = str(item).strip().lower().replace("_", "-")
        if code not in TEXT_LANGUAGES:
            raise ValueError(f"unknown language {item!r}; use {', '.join(TEXT_LANGUAGES)}")
        codes.append(code)
    return list(dict.fromkeys(codes))


@dataclass
class ThemeBook:
    """The validated themes of one file, in file order."""

    path: Path
    themes: list[Theme]
    #: The book's note languages (``languages:``); the first is the language of plain
    #: text in the book and of the undecorated note file name.
    languages: list[str] = field(default_factory=lambda: ["en"])
    #: The book's price source (``source:``, a spec or chain like ``yahoo,csv:DIR``);
    #: ``--source`` and ``$CONCEPTTRACK_SOURCE`` win over it (``settings.source_spec``).
    source: str | None = None
    #: Line/column of every value, by key path, for messages that point into the file.
    marks: dict[tuple[str | int, ...], tuple[int, int]] = field(default_factory=dict, repr=False)
    #: ``check_against:``: the source every note's closes are cross-checked with (issue 18).
    check_against: str | None = None
    #: ``check_tolerance:`` as a fraction (None: the default, 0.5 %).
    check_tolerance: float | None = None
    _by_id: dict[str, Theme] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {theme.id: theme for theme in self.themes}

    def __iter__(self) -> Iterator[Theme]:
        return iter(self.themes)

    def __len__(self) -> int:
        return len(self.themes)

    @property
    def ids(self) -> list[str]:
        return [theme.id for theme in self.themes]

    @property
    def default_language(self) -> str:
        """The language of the book's plain (not per-language) text."""
        return self.languages[0]

    def theme_languages(self, theme: Theme) -> list[str]:
        """The languages a theme's note is written in: the theme's own, else the book's."""
        return list(theme.languages) if theme.languages else list(self.languages)

    def line_of(self, path: tuple[str | int, ...]) -> int | None:
        """The 1-based line of a key path (or of its nearest parent), if known."""
        probe = path
        while probe:
            if probe in self.marks:
                return self.marks[probe][0]
            probe = probe[:-1]
        return None

    def get(self, theme_id: str) -> Theme:
        """The theme with this id; an unknown id suggests the closest ones."""
        try:
            return self._by_id[theme_id]
        except KeyError:
            close = difflib.get_close_matches(theme_id, self.ids, n=3, cutoff=0.5)
            hint = (
                f"Did you mean {', '.join(close)}?"
                if close
                else "Run `concepttrack themes list` to see the ids."
            )
            raise UsageError(f"no theme {theme_id!r} in {self.path}", hint=hint) from None

    def select(self, theme_ids: list[str]) -> list[Theme]:
        """Themes by id, in the order given, each looked up with :meth:`get`."""
        return [self.get(theme_id) for theme_id in theme_ids]

    def all_symbols(self, themes: list[Theme] | None = None) -> list[str]:
        """Every stock and benchmark symbol of these themes (default: all), each once."""
        return all_symbols(themes if themes is not None else self.themes)


def all_symbols(themes: Iterable[Theme]) -> list[str]:
    """Every stock, benchmark and FX symbol of ``themes``, each once, in first-seen order."""
    seen: dict[str, None] = {}
    for theme in themes:
        for symbol in [*theme.symbols, theme.benchmark, *theme.fx_symbols, *theme.ah_symbols]:
            seen.setdefault(symbol, None)
    return list(seen)


# --- loading -------------------------------------------------------------------------

Path_ = tuple[str | int, ...]

_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")
)


@dataclass
class _Marks:
    """Line/column (1-based) of each value and each mapping key, by key path."""

    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def find(self, path: Path_, *, key: bool = False) -> tuple[int | None, int | None]:
        table = self.keys if key else self.values
        probe = path
        while True:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            if not probe:
                return (None, None)
            probe = probe[:-1]


def format_key_path(path: Path_) -> str:
    """``('themes', 0, 'stocks', 2, 'code')`` -> ``themes[0].stocks[2].code``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class _Builder:
    """Turns a composed YAML node tree into Python data, recording marks and duplicates."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.marks = _Marks()
        self.problems: list[Problem] = []
        #: Paths whose value could not be built; validation errors below them are echoes.
        self.bad_paths: set[Path_] = set()
        self._scalars = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, path: Path_ = ()) -> Any:
        mark = node.start_mark
        self.marks.values[path] = (mark.line + 1, mark.column + 1)
        if node.tag not in _PLAIN_TAGS:
            self._problem(node, path, f"unsupported YAML tag {node.tag!r}; write plain values")
            return None
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = (
                    self._scalars.construct_object(key_node)
                    if isinstance(key_node, yaml.ScalarNode)
                    else None
                )
                if not isinstance(key, str):
                    self._problem(key_node, path, "keys must be plain text")
                    continue
                if key in out:
                    self._problem(
                        key_node, (*path, key), f"duplicate key {key!r} (the later one would win)"
                    )
                    continue
                self.marks.keys[(*path, key)] = (
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
                out[key] = self.build(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        try:
            return self._scalars.construct_object(node)
        except (yaml.YAMLError, ValueError) as exc:
            if node.tag.endswith(":timestamp"):
                self._problem(node, path, f"{node.value!r} is not a real date")
            else:
                self._problem(node, path, f"cannot read this value: {exc}")
            return None

    def _problem(self, node: yaml.Node, path: Path_, message: str) -> None:
        self.bad_paths.add(path)
        self.problems.append(
            Problem(
                self.file,
                node.start_mark.line + 1,
                node.start_mark.column + 1,
                format_key_path(path),
                message,
            )
        )


def _model_at(loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the field at ``loc`` (relative to a Theme)."""
    model: type[BaseModel] = Theme
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        if info is None:
            return None
        inner = _first_model(info.annotation)
        if inner is None:
            return None
        model = inner
    return model


def _first_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _first_model(arg)
        if found is not None:
            return found
    return None


def _message(error: Any, loc: tuple[str | int, ...]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        model = _model_at(loc)
        names = list(model.model_fields) if model else []
        close = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        allowed = f" (allowed: {', '.join(names)})" if names and not close else ""
        return f"unknown key {loc[-1]!r}{hint}{allowed}"
    if kind == "missing":
        return "required field is missing"
    text = str(error["msg"])
    return text.removeprefix("Value error, ")


def _tab_problems(file: str, text: str) -> list[Problem]:
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            problems.append(
                Problem(
                    file,
                    number,
                    indent.index("\t") + 1,
                    "",
                    "tab character in indentation; YAML allows only spaces here",
                )
            )
    return problems


def _compose(text: str, file: str, empty: str) -> yaml.Node:
    """The YAML node tree of a book file (budgeted, no aliases); ThemesFileError if not."""

    def fail(problems: list[Problem]) -> ThemesFileError:
        return ThemesFileError(problems)

    if not text.strip():
        raise fail([Problem(file, 1, None, "", empty)])
    tabs = _tab_problems(file, text)
    if tabs:
        raise fail(tabs)
    from concepttrack.yaml_budget import RefusedYAML, compose

    try:
        # Anchors, aliases and merge keys are refused, and size and depth bounded,
        # while composing: nothing below ever walks an expanded alias bomb.
        root = compose(text)
    except RefusedYAML as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        raise fail([Problem(file, line, column, "", exc.problem or "")]) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        raise fail([Problem(file, line, column, "", f"not valid YAML: {what}")]) from exc
    except yaml.reader.ReaderError as exc:
        # A control character (NUL …): PyYAML gives a character offset; say line:column.
        line, column = line_and_column(text, exc.position)
        what = f"a control character (U+{exc.character:04X}) is not allowed in YAML; remove it"
        raise fail([Problem(file, line, column, "", what)]) from exc
    except yaml.YAMLError as exc:
        raise fail([Problem(file, None, None, "", f"not valid YAML: {exc}")]) from exc
    if root is None:
        raise fail([Problem(file, 1, None, "", empty)])
    return root


def _validated_house(
    raw: object, file: str, at: Callable[[Path_, str], Problem], base: Path_
) -> tuple[House | None, list[Problem]]:
    """A ``house:`` mapping validated, its logo read (relative to ``file``'s folder)."""
    if not isinstance(raw, dict):
        return None, [at(base, "must be a mapping (name:, logo:, analysts:, ...) or a file name")]
    try:
        house = House.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            problems.append(at((*base, *loc), _message(error, ("house", *loc))))
        return None, problems
    if house.logo:
        logo = Path(house.logo).expanduser()
        if not logo.is_absolute():
            logo = Path(file).parent / logo
        try:
            house._logo_uri = read_logo(logo)
        except ValueError as exc:
            return None, [at((*base, "logo"), str(exc))]
    return house, []


def load_house(path: Path) -> House:
    """A house file (``house: house.yaml`` in a book); ThemesFileError naming its lines."""
    name = str(path)
    try:
        raw = read_limited(path, MAX_FILE_BYTES)
        text = raw.decode("utf-8-sig")
    except FileNotFoundError:
        raise ThemesFileError([Problem(name, None, None, "", "house file not found")]) from None
    except (ReadRefused, OSError, UnicodeDecodeError) as exc:
        why = exc.reason if isinstance(exc, ReadRefused) else "cannot be read as UTF-8 text"
        raise ThemesFileError([Problem(name, None, None, "", why)]) from None
    root = _compose(text, name, "the house file is empty; it needs at least `name:`")
    builder = _Builder(name)
    data = builder.build(root)
    if builder.problems:
        raise ThemesFileError(builder.problems)

    def at(where: Path_, message: str) -> Problem:
        line, column = builder.marks.find(where)
        return Problem(name, line, column, format_key_path(where), message)

    house, problems = _validated_house(data, name, at, ())
    if house is None:
        raise ThemesFileError(problems)
    return house


def parse_themes(text: str, file: str = "themes.yaml") -> ThemeBook:
    """Parse and validate themes from YAML text; raises ThemesFileError listing every problem."""

    def fail(problems: list[Problem]) -> ThemesFileError:
        return ThemesFileError(problems)

    root = _compose(text, file, "the file is empty; it needs a top-level `themes:` list")
    builder = _Builder(file)
    data = builder.build(root)
    problems = list(builder.problems)
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise fail(
            [
                Problem(
                    file,
                    root.start_mark.line + 1,
                    root.start_mark.column + 1,
                    "",
                    f"the file is {kind}; expected a mapping with a top-level `themes:` list",
                )
            ]
        )
    marks = builder.marks

    def echoed(path: Path_) -> bool:
        return any(path[: len(bad)] == bad for bad in builder.bad_paths)

    def at(path: Path_, message: str, *, key: bool = False) -> Problem:
        line, column = marks.find(path, key=key)
        return Problem(file, line, column, format_key_path(path), message)

    book_languages = ["en"]
    if "languages" in data:
        try:
            book_languages = _language_list(data["languages"])
        except ValueError as exc:
            problems.append(at(("languages",), str(exc)))
    book_stale: int | None = None
    if "stale_after_months" in data:
        value = data["stale_after_months"]
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 240:
            book_stale = value
        else:
            problems.append(
                at(("stale_after_months",), "must be a whole number of months from 1 to 240")
            )
    book_reaction: int | None = None
    if "reaction_to_appendix_after" in data:
        value = data["reaction_to_appendix_after"]
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5000:
            book_reaction = value
        else:
            problems.append(
                at(
                    ("reaction_to_appendix_after",),
                    "must be a whole number of sessions from 1 to 5000",
                )
            )
    book_house: House | None = None
    if "house" in data:
        raw_house = data["house"]
        if isinstance(raw_house, str):
            house_path = Path(raw_house).expanduser()
            if not house_path.is_absolute():
                house_path = Path(file).parent / house_path
            try:
                book_house = load_house(house_path)
            except ThemesFileError as exc:
                problems.extend(exc.problems)
        else:
            book_house, found = _validated_house(raw_house, file, lambda p, m: at(p, m), ("house",))
            problems.extend(found)
    # crosscheck (issue 18): the book's `check_against:` source and `check_tolerance:`.
    check_against, check_tolerance = _check_settings(data, problems, at)
    book_source = _book_source(data, problems, at)
    for key in data:
        if key not in BOOK_KEYS:
            close = difflib.get_close_matches(key, list(BOOK_KEYS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(at((key,), f"unknown top-level key {key!r}{hint}", key=True))
    version = data.get("version", 1)
    if version != 1:
        problems.append(at(("version",), f"unsupported version {version!r}; this program reads 1"))
    raw_themes = data.get("themes")
    if raw_themes is None:
        if echoed(("themes",)):
            raise fail(problems)
        problems.append(at((), "missing the top-level `themes:` list"))
        raise fail(problems)
    if not isinstance(raw_themes, list):
        problems.append(
            at(("themes",), "`themes` must be a list of themes (each item `- id: ...`)")
        )
        raise fail(problems)
    if not raw_themes:
        problems.append(at(("themes",), "`themes` is empty; add at least one theme"))

    themes: list[Theme] = []
    seen_ids: dict[str, int] = {}
    for index, raw in enumerate(raw_themes):
        base: Path_ = ("themes", index)
        if not isinstance(raw, dict):
            problems.append(at(base, "each theme must be a mapping of keys (id:, title:, ...)"))
            continue
        try:
            theme = Theme.model_validate(raw)
        except ValidationError as exc:
            for error in exc.errors():
                loc = tuple(error["loc"])
                if echoed((*base, *loc)):
                    continue
                is_extra = error["type"] == "extra_forbidden"
                problems.append(at((*base, *loc), _message(error, loc), key=is_extra))
            continue
        if theme.id in seen_ids:
            problems.append(
                at(
                    (*base, "id"),
                    f"duplicate theme id {theme.id!r} (first used by themes[{seen_ids[theme.id]}])",
                )
            )
        else:
            seen_ids[theme.id] = index
        seen_symbols: dict[str, int] = {}
        for s_index, stock in enumerate(theme.stocks):
            if stock.symbol in seen_symbols:
                first = seen_symbols[stock.symbol]
                problems.append(
                    at(
                        (*base, "stocks", s_index, "code"),
                        f"duplicate stock {stock.display_code} (already listed as stocks[{first}])",
                    )
                )
            else:
                seen_symbols[stock.symbol] = s_index
        if book_stale is not None and theme.stale_after_months is None:
            theme = theme.model_copy(update={"stale_after_months": book_stale})
        if book_reaction is not None and theme.reaction_to_appendix_after is None:
            theme = theme.model_copy(update={"reaction_to_appendix_after": book_reaction})
        if theme.house is not None and theme.house.logo:
            own, found = _validated_house(
                raw.get("house"), file, lambda p, m: at(p, m), (*base, "house")
            )
            problems.extend(found)
            if own is not None:
                theme = theme.model_copy(update={"house": own})
        elif theme.house is None and book_house is not None:
            theme = theme.model_copy(update={"house": book_house})
        themes.append(theme)

    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.column or 0))
        raise fail(problems)
    return ThemeBook(
        path=Path(file),
        themes=themes,
        languages=book_languages,
        marks=dict(marks.values),
        source=book_source,
        check_against=check_against,
        check_tolerance=check_tolerance,
    )


def _check_settings(
    data: dict[str, Any], problems: list[Problem], at: Callable[[Path_, str], Problem]
) -> tuple[str | None, float | None]:
    """The book's cross-check settings (``check_against: SOURCE``, ``check_tolerance: 0.5%``)."""
    from concepttrack.prices.compare import parse_tolerance

    against = data.get("check_against")
    if against is not None and (not isinstance(against, str) or not against.strip()):
        problems.append(at(("check_against",), "must be a price source, e.g. csv:DIR or yahoo"))
        against = None
    tolerance = None
    if data.get("check_tolerance") is not None:
        try:
            tolerance = parse_tolerance(data["check_tolerance"])
        except UsageError as exc:
            problems.append(at(("check_tolerance",), exc.message))
    return (against.strip() if against else None), tolerance


def _book_source(
    data: dict[str, Any], problems: list[Problem], at: Callable[[Path_, str], Problem]
) -> str | None:
    """The book's ``source:`` (checked like ``--source``: a chain's members, no demo in a
    chain), or None when absent or wrong (the problem is collected)."""
    from concepttrack.prices.registry import chain_members, source_entry

    if "source" not in data:
        return None
    value = data["source"]
    if not isinstance(value, str) or not value.strip():
        problems.append(at(("source",), "`source` must be a price source such as yahoo,csv:DIR"))
        return None
    try:
        members = chain_members(value)
    except UsageError as exc:
        problems.append(at(("source",), exc.message))
        return None
    unknown = [m for m in members if source_entry(m) is None]
    if unknown:
        problems.append(at(("source",), f"unknown price source {unknown[0]!r}"))
        return None
    return value.strip()


def load_themes(path: Path) -> ThemeBook:
    """Read and validate a themes file; every failure is a ThemesFileError naming the file."""
    name = str(path)
    try:
        raw = read_limited(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise ThemesFileError(
            [Problem(name, None, None, "", "file not found")],
            hint="Pass --themes PATH, set CONCEPTTRACK_THEMES, or run from the folder "
            "that holds themes.yaml.",
        ) from None
    except ReadRefused as exc:
        folder = exc.reason.startswith("is a folder")
        raise ThemesFileError(
            [
                Problem(
                    name,
                    None,
                    None,
                    "",
                    "is a folder, not a YAML file"
                    if folder
                    else exc.reason
                    + ("; split the book into several files" if "limit" in exc.reason else ""),
                )
            ],
            hint="Give the path of the themes YAML file, e.g. themes.yaml." if folder else None,
        ) from None
    except OSError as exc:
        raise ThemesFileError(
            [Problem(name, None, None, "", f"cannot read: {exc.strerror or exc}")]
        ) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, _column = line_and_column(raw, exc.start)
        raise ThemesFileError(
            [Problem(name, line, None, "", "is not UTF-8 text; save it as UTF-8")]
        ) from exc
    book = parse_themes(text, name)
    book.path = path
    return book
