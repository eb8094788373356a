"""The masthead: title, event, base, source, freshness, and the PDF's metadata."""

from __future__ import annotations

from concepttrack.render.formats import MISSING, STALE_MARK
from concepttrack.render.messages import DISCLAIMER, KICKER, KICKER_ZH, N_, source_label
from concepttrack.render.sections.base import Appendix, Fields, NoteInput, marked
from concepttrack.render.view import AnalystView, HouseView

AUTHOR = "concepttrack"
FOOTER = N_("concepttrack · not investment advice · see disclaimer")
HOUSE_FOOTER = N_("%(house)s · not investment advice · see disclaimer")


def house_view(inp: NoteInput) -> HouseView | None:
    """The house that signs the note, in the note's language (None without one)."""
    house = inp.theme.house
    if house is None:
        return None
    return HouseView(
        name=house.name,
        logo=house.logo_uri or "",
        analysts=[
            AnalystView(analyst.name, analyst.licence or "", analyst.email or "")
            for analyst in house.analysts
        ],
        disclosures=house.disclosures or "",
    )


def build(inp: NoteInput, appendix: Appendix) -> Fields:
    _, fmt, facts, snapshot = inp._, inp.fmt, inp.facts, inp.snapshot
    theme, language = inp.theme, inp.language
    basket = snapshot.basket
    freshness = _("Prices to the close of %(date)s") % {"date": fmt.date(snapshot.as_of)}
    if facts.stale_count or facts.missing_count:
        parts = []
        if facts.stale_count:
            parts.append(
                _("%(count)d stale (marked %(mark)s)")
                % {"count": facts.stale_count, "mark": STALE_MARK}
            )
        if facts.missing_count:
            parts.append(
                _("%(count)d missing (shown %(mark)s)")
                % {"count": facts.missing_count, "mark": MISSING}
            )
        freshness += _(" · %(parts)s; see data appendix") % {"parts": fmt.join(parts)}
    else:
        freshness += _(" · all symbols fresh")

    title_zh = theme.title_zh or ""
    kicker = _(KICKER)
    as_of = fmt.date(snapshot.as_of)
    basket_since = marked(
        fmt.pct(basket.returns.since_event), basket.returns.since_event, facts.basket_stale
    )
    bench_since = marked(
        fmt.pct(snapshot.benchmark.returns.since_event),
        snapshot.benchmark.returns.since_event,
        facts.bench_stale,
    )
    keywords = fmt.join(
        [
            *theme.tags,
            *(s.display_code for s in theme.stocks),
            _("Hong Kong"),
            _("concept stocks"),
        ]
    )
    house = house_view(inp)
    signed = theme.house
    author = AUTHOR
    if house is not None:
        author = fmt.join([*(a.name for a in house.analysts), house.name])
    return {
        "house": house,
        "footer": _(HOUSE_FOOTER) % {"house": house.name} if house else _(FOOTER),
        "theme_id": theme.id,
        "title": theme.title,
        "title_zh": title_zh,
        "kicker": kicker,
        "kicker_zh": KICKER_ZH if not language.is_chinese else "",
        "as_of": as_of,
        "as_of_iso": snapshot.as_of.isoformat(),
        "event_date": fmt.date(snapshot.event_date),
        "event_title": theme.event.title,
        "base_session": fmt.date(basket.base_session),
        "source": source_label(snapshot.source, language.code),
        "freshness": freshness,
        "demo": snapshot.demo,
        "benchmark_name": inp.bench_name,
        "benchmark_short": inp.bench_short,
        "disclaimer": (signed.disclaimer if signed and signed.disclaimer else _(DISCLAIMER)),
        "pdf_title": _("%(title)s — %(kicker)s, %(date)s")
        % {"title": theme.title, "kicker": kicker, "date": as_of},
        "pdf_subject": (
            _("%(kicker)s: %(title)s") % {"kicker": kicker, "title": theme.title}
            + (f" / {title_zh}" if title_zh else "")
            + _(". Basket since %(date)s %(basket)s vs %(bench)s %(bench_return)s.")
            % {
                "date": fmt.date(snapshot.event_date),
                "basket": basket_since,
                "bench": inp.bench_short,
                "bench_return": bench_since,
            }
        ),
        "pdf_keywords": keywords,
        "author": author,
        "tags": list(theme.tags),
        "lang": language.code,
        "html_lang": language.html_lang,
        "show_name_zh": not language.is_chinese,
        "colours": inp.colours,
        "as_of_long": fmt.date_with_weekday(snapshot.as_of),
        "currency_after": fmt.chinese,
        "gap": "" if fmt.chinese else " ",
        "term_gap": "：" if fmt.chinese else " ",
    }
