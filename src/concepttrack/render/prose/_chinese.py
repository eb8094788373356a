"""The sentence plan shared by the Chinese prose modules.

Traditional (Hong Kong) and Simplified (mainland) financial press say the same things
in the same order but with their own words and characters: 跑贏恒指 / 跑赢恒指,
成份股 / 成分股, 波幅 / 波动率. Each module (:mod:`.zh_hk`, :mod:`.zh_cn`) gives its
own phrase table, written natively (no script conversion at run time); this module only
puts the phrases together. Full-width punctuation throughout; numbers are the same
figures as the English note's (:mod:`concepttrack.render.formats`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

from concepttrack.render.formats import STALE_MARK, tone

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from concepttrack.analytics.event_model import CarWindow
    from concepttrack.analytics.lead import Lead
    from concepttrack.analytics.model import NarrativeFacts, SinceLastNote, StockFigures
    from concepttrack.render.formats import Formats
    from concepttrack.render.prose import Names


class ChineseProse:
    """Chinese sentences from a phrase table ``w`` (see zh_hk.WORDS for the keys)."""

    def __init__(self, words: Mapping[str, str]) -> None:
        self.w = words

    def stock_label(self, name: str, code: str) -> str:
        return f"{name}（{code}）"

    def _move(self, value: float, fmt: Formats, mark: str, *, cumulative: bool = False) -> str:
        w = self.w
        if tone(value) == "up":
            return w["up_cum" if cumulative else "up"] + fmt.pct_abs(value) + mark
        if tone(value) == "down":
            return w["down_cum" if cumulative else "down"] + fmt.pct_abs(value) + mark
        return w["flat"] + mark

    def _relation(self, excess: float, bench: str, fmt: Formats, mark: str = "") -> str:
        w = self.w
        gap = tone(excess)
        if gap == "up":
            return w["ahead"].format(bench=bench, pp=fmt.pp_abs(excess) + mark)
        if gap == "down":
            return w["behind"].format(bench=bench, pp=fmt.pp_abs(excess) + mark)
        return w["in_line"].format(bench=bench)

    def what_moved(
        self,
        facts: NarrativeFacts,
        names: Names,
        benchmark_short: str,
        event: dt.date,
        fmt: Formats,
    ) -> str:
        m = _Moved(self, facts, names, benchmark_short, event, fmt)
        sentences = [
            *m.stale_basket(),
            *m.five_day(),
            *m.one_day(),
            *m.breadth(),
            *m.since_event(),
            *m.caveats(),
        ]
        return "".join(sentences) if sentences else self.w["nothing"]

    # --- the lead (analytics/lead.py) ---------------------------------------------

    def _times(self, multiple: float | None, fmt: Formats) -> str:
        if multiple is None:
            return ""
        return self.w["ld_times"].format(x=fmt.ratio(multiple, 1))

    def _extremes(self, lead: Lead, names: Names, fmt: Formats) -> list[str]:
        w = self.w
        clauses = []
        for high in (True, False):
            found = [e for e in lead.extremes if e.high == high]
            if not found:
                continue
            moved = []
            for extreme in found:
                move = ""
                if extreme.return_1d is not None and tone(extreme.return_1d) != "flat":
                    move = self._move(extreme.return_1d, fmt, "")
                moved.append(names.label(extreme.symbol) + move)
            joined = fmt.join(moved)
            if any(e.return_1d is not None and tone(e.return_1d) != "flat" for e in found):
                joined += "，"
            clauses.append(w["ld_high" if high else "ld_low"].format(names=joined))
        return ["；".join(clauses) + "。"] if clauses else []

    def _largest(self, lead: Lead, names: Names, fmt: Formats) -> list[str]:
        move = lead.largest
        if move is None:
            return []
        if any(e.symbol == move.symbol for e in lead.extremes):
            return [
                self.w["ld_largest_said"].format(
                    name=names.short(move.symbol),
                    times=""
                    if move.multiple is None
                    else self.w["ld_times_said"].format(x=fmt.ratio(move.multiple, 1)),
                )
            ]
        return [
            self.w["ld_largest"].format(
                name=names.label(move.symbol),
                move=self._move(move.return_1d, fmt, ""),
                times=self._times(move.multiple, fmt),
            )
        ]

    def _quiet(self, lead: Lead, names: Names, fmt: Formats) -> list[str]:
        move = lead.largest
        largest = (
            self.w["ld_quiet_largest"].format(
                name=names.short(move.symbol), pct=fmt.pct(move.return_1d)
            )
            if move is not None
            else ""
        )
        return [self.w["ld_quiet"].format(largest=largest)]

    def _news(self, lead: Lead, names: Names, fmt: Formats, titles: Sequence[str]) -> list[str]:
        w = self.w
        sentences = []
        if lead.updates and titles:
            sentence = w["ld_update"].format(
                title=titles[0], date=fmt.date(lead.updates[0].update.date)
            )
            more = len(lead.updates) - 1
            if more:
                sentence += w["ld_update_more"].format(n=more)
            sentences.append(sentence + "。")
        if lead.ahead:
            items = [
                w["ld_results" if d.kind == "results" else "ld_ex_dividend"].format(
                    name=names.label(d.symbol), date=fmt.date_with_weekday(d.date)
                )
                for d in lead.ahead
            ]
            sentences.append(w["ld_ahead"] + "；".join(items) + "。")
        return sentences

    def lead(
        self,
        facts: NarrativeFacts,
        lead: Lead,
        names: Names,
        benchmark_short: str,
        event: dt.date,
        fmt: Formats,
        titles: Sequence[str] = (),
    ) -> str:
        m = _Moved(self, facts, names, benchmark_short, event, fmt)
        if facts.basket_stale:
            sentences = [*m.stale_basket(), *m.five_day(), *m.since_event()]
            sentences += self._news(lead, names, fmt, titles) + m.caveats()
            return "".join(sentences) if sentences else self.w["nothing"]
        named = {e.symbol for e in lead.extremes if e.return_1d is not None}
        if lead.largest is not None:
            named.add(lead.largest.symbol)
        if lead.quiet:
            sentences = self._quiet(lead, names, fmt)
            sentences += m.one_day(self.w["ld_day"]) + m.five_day("ld_basket_in")
        else:
            sentences = self._extremes(lead, names, fmt) + self._largest(lead, names, fmt)
            sentences += m.one_day(self.w["ld_day"]) + m.five_day("ld_basket_in")
            sentences += m.breadth(named)
        sentences += self._news(lead, names, fmt, titles)
        sentences += m.since_event() + m.caveats()
        return "".join(sentences) if sentences else self.w["nothing"]

    def since_last(self, since: SinceLastNote, names: Names, bench: str, fmt: Formats) -> list[str]:
        w = self.w
        lines: list[str] = []

        def listed(symbols: list[str]) -> str:
            return fmt.join([names.label(s) for s in symbols])

        if since.basket_change is not None:
            line = w["sl_basket"].format(
                date=fmt.date(since.previous_as_of), pct=fmt.pct(since.basket_change)
            )
            if since.benchmark_change is not None:
                line += w["sl_bench"].format(bench=bench, pct=fmt.pct(since.benchmark_change))
            lines.append(line + "。")
        if since.new_leader:
            was = (
                w["sl_was"].format(name=names.short(since.previous_leader))
                if since.previous_leader
                else ""
            )
            lines.append(w["sl_leader"].format(name=names.label(since.new_leader), was=was))
        if since.new_laggard:
            was = (
                w["sl_was"].format(name=names.short(since.previous_laggard))
                if since.previous_laggard
                else ""
            )
            lines.append(w["sl_laggard"].format(name=names.label(since.new_laggard), was=was))
        if since.new_52w_highs:
            lines.append(w["sl_high"].format(names=listed(since.new_52w_highs)))
        if since.new_52w_lows:
            lines.append(w["sl_low"].format(names=listed(since.new_52w_lows)))
        for symbol, ratio in since.volume_spikes.items():
            lines.append(w["sl_volume"].format(name=names.label(symbol), ratio=fmt.ratio(ratio, 1)))
        if since.became_stale:
            lines.append(w["sl_stale"].format(names=listed(since.became_stale)))
        if since.recovered:
            lines.append(w["sl_fresh"].format(names=listed(since.recovered)))
        if since.stocks_added:
            lines.append(w["sl_added"].format(names=listed(since.stocks_added)))
        if since.stocks_removed:
            lines.append(w["sl_removed"].format(names=listed(since.stocks_removed)))
        if since.new_views:
            lines.append(w["sl_views"].format(views="；".join(since.new_views)))
        return lines

    def stock_figures(self, figures: StockFigures | None, reason: str | None, fmt: Formats) -> str:
        w = self.w
        if figures is None:
            return w["sf_none"]
        if figures.status.status == "missing" or figures.last_close is None:
            return w["sf_missing"].format(reason=f"（{reason}）" if reason else "")
        stale = figures.status.status == "stale"
        dagger = STALE_MARK if stale else ""
        since, excess = figures.returns.since_event, figures.excess.since_event
        return w["sf_line"].format(
            price=fmt.price(figures.last_close, figures.currency) + dagger,
            date=fmt.date(figures.last_session),
            adjusted=w["sf_adjusted"] if figures.close_is_adjusted else "",
            since=fmt.pct(since) + (dagger if since is not None else ""),
            excess=fmt.pp_words(excess) + (dagger if excess is not None else ""),
            low=fmt.price(figures.low_52w),
            high=fmt.price(figures.high_52w),
            vol=fmt.share(figures.risk.volatility_1y),
            beta=fmt.ratio(figures.risk.beta_1y),
            turnover=w["sf_turnover"].format(
                amount=fmt.amount(figures.avg_turnover_20d, figures.currency)
            )
            if figures.avg_turnover_20d is not None
            else "",
        )

    # --- the event study ("How the concept reacted") ----------------------------------

    def _span(self, window: CarWindow) -> str:
        """``由事件當日至其後20個交易日`` for ``[0, +20]``."""
        w = self.w
        if window.start == 0:
            return w["ev_span_from_event"].format(after=window.end)
        return w["ev_span"].format(before=-window.start, after=window.end)

    def _verdict(self, window: CarWindow) -> str:
        return self.w["ev_significant" if window.significant else "ev_not_significant"]

    def event_stock_line(self, name: str, window: CarWindow, fmt: Formats) -> str:
        return self.w["ev_stock"].format(
            name=name,
            span=self._span(window),
            car=fmt.pct(window.car),
            verdict=self._verdict(window),
            t=fmt.t(window.t),
        )

    def event_what_moved(self, window: CarWindow, fmt: Formats) -> str:
        w = self.w
        return w["ev_what_moved"].format(
            verdict=w["ev_wm_significant" if window.significant else "ev_wm_not_significant"],
            span=self._span(window),
            car=fmt.pct(window.car),
            t=fmt.t(window.t),
            level=fmt.significance(),
        )


class _Moved:
    """The "what moved" sentences of one note in Chinese (shared by the lead)."""

    def __init__(
        self,
        prose: ChineseProse,
        facts: NarrativeFacts,
        names: Names,
        bench: str,
        event: dt.date,
        fmt: Formats,
    ) -> None:
        self.p, self.w = prose, prose.w
        self.facts, self.names, self.bench, self.event, self.fmt = facts, names, bench, event, fmt
        self.stale = facts.basket_stale
        self.mark = STALE_MARK if self.stale else ""
        self.last = fmt.date(facts.basket_last_session)

    def stale_basket(self) -> list[str]:
        if not self.stale:
            return []
        return [self.w["stale_basket"].format(last=self.last, mark=STALE_MARK)]

    def five_day(self, subject: str = "basket_in") -> list[str]:
        w, facts, fmt, bench, mark, stale = (
            self.w,
            self.facts,
            self.fmt,
            self.bench,
            self.mark,
            self.stale,
        )
        if facts.basket_return_5d is None:
            return []
        window = w["five_to"].format(last=self.last) if stale else w["five"]
        sentence = w[subject].format(window=window) + self.p._move(
            facts.basket_return_5d, fmt, mark
        )
        if facts.excess_5d is not None:
            sentence += "，" + (w["same_sessions"] if stale else "")
            sentence += self.p._relation(facts.excess_5d, bench, fmt, mark)
            if not stale and facts.benchmark_return_5d is not None:
                sentence += w["bench_paren"].format(
                    bench=bench, pct=fmt.pct(facts.benchmark_return_5d)
                )
        elif facts.benchmark_behind_basket:
            sentence += w["no_excess_window"].format(bench=bench, last=self.last)
        elif facts.benchmark_return_5d is not None:
            sentence += w["bench_same"].format(bench=bench, pct=fmt.pct(facts.benchmark_return_5d))
        return [sentence + "。"]

    def one_day(self, subject: str | None = None) -> list[str]:
        w, facts, fmt = self.w, self.facts, self.fmt
        if facts.basket_return_1d is None or self.stale:
            return []
        sentence = (subject or w["day"]) + self.p._move(facts.basket_return_1d, fmt, self.mark)
        if facts.benchmark_return_1d is not None and not facts.benchmark_stale:
            sentence += w["while_bench"].format(bench=self.bench) + self.p._move(
                facts.benchmark_return_1d, fmt, self.mark
            )
        return [sentence + "。"]

    def breadth(self, named: Collection[str] = ()) -> list[str]:
        w, facts, names, fmt = self.w, self.facts, self.names, self.fmt
        if not facts.with_bar:
            return []
        moves = [
            (facts.risers, "risers", "all_rose"),
            (facts.fallers, "fallers", "all_fell"),
            (facts.unchanged, "unchanged", "all_unchanged"),
        ]
        moved = [(n, key, every) for n, key, every in moves if n]
        if len(moved) == 1 and moved[0][0] == facts.with_bar:
            # "4隻全部下跌", not "0隻上升、4隻下跌".
            sentence = w["breadth"].format(n=facts.with_bar) + w[moved[0][2]]
        else:
            counts = [w[key].format(n=n) for n, key, _every in moved]
            sentence = w["breadth"].format(n=facts.with_bar) + w["among"] + "、".join(counts)
        leaders = []
        if facts.leader_1d is not None and facts.leader_1d not in named:
            leaders.append(
                w["led"].format(
                    name=names.short(facts.leader_1d), pct=fmt.pct(facts.leader_1d_return)
                )
            )
        if (
            facts.laggard_1d is not None
            and facts.laggard_1d != facts.leader_1d
            and facts.laggard_1d not in named
        ):
            leaders.append(
                w["lagged"].format(
                    name=names.short(facts.laggard_1d), pct=fmt.pct(facts.laggard_1d_return)
                )
            )
        if leaders:
            sentence += "；" + "，".join(leaders)
        return [sentence + "。"]

    def since_event(self) -> list[str]:
        w, facts, fmt, bench, mark = self.w, self.facts, self.fmt, self.bench, self.mark
        if facts.basket_since_event is None:
            return []
        ago = (
            w["sessions_ago"].format(n=facts.sessions_since_event)
            if facts.sessions_since_event is not None
            else ""
        )
        if self.stale:
            sentence = w["event_to"].format(
                event=fmt.date(self.event), ago=ago, last=self.last
            ) + self.p._move(facts.basket_since_event, fmt, mark)
            if facts.excess_since_event is not None:
                sentence += "，" + w["same_period"]
                sentence += self.p._relation(facts.excess_since_event, bench, fmt, mark)
        else:
            sentence = w["since_event"].format(event=fmt.date(self.event), ago=ago) + self.p._move(
                facts.basket_since_event, fmt, mark, cumulative=True
            )
            if facts.benchmark_since_event is not None and not facts.benchmark_behind_basket:
                sentence += w["bench_same"].format(
                    bench=bench, pct=fmt.pct(facts.benchmark_since_event)
                )
        return [sentence + "。"]

    def caveats(self) -> list[str]:
        w, facts, names, fmt, bench = self.w, self.facts, self.names, self.fmt, self.bench
        sentences: list[str] = []
        stale_stocks = [s for s in facts.stale_symbols if names.is_constituent(s)]
        if stale_stocks:
            who = fmt.join([names.label(s) for s in stale_stocks])
            sentence = w["stale_stocks"].format(who=who, mark=STALE_MARK)
            if facts.basket_carried:
                carried = fmt.join([names.short(s) for s in facts.basket_carried])
                sentence += w["carried"].format(names=carried)
                if self.stale:
                    sentence += w["carried_to"].format(last=self.last)
            sentences.append(sentence + "。")
        if facts.benchmark_stale and facts.benchmark_last_session is not None:
            sentence = w["bench_stale"].format(
                bench=bench, date=fmt.date(facts.benchmark_last_session), mark=STALE_MARK
            )
            if facts.benchmark_behind_basket:
                sentence += w["bench_stale_excess"]
            sentences.append(sentence + "。")
        missing = [s for s in facts.missing_symbols if names.is_constituent(s)]
        if missing:
            who = fmt.join([names.label(s) for s in missing])
            sentences.append(w["no_prices"].format(who=who))
        if len(missing) < len(facts.missing_symbols):
            sentences.append(w["no_prices"].format(who=bench))
        return sentences
