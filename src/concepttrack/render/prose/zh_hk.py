"""繁體中文（香港）: the note's sentences as Hong Kong financial press writes them.

跑贏／跑輸恒指、個百分點、成份股、按年、波幅: the phrase table below is the whole
language; :mod:`._chinese` puts the phrases in order. Placeholders in braces are filled
with figures already formatted for the language.
"""

from __future__ import annotations

from concepttrack.render.prose._chinese import ChineseProse

WORDS: dict[str, str] = {
    # moves
    "up": "上升",
    "down": "下跌",
    "up_cum": "累升",
    "down_cum": "累跌",
    "flat": "持平",
    "ahead": "跑贏{bench}{pp}",
    "behind": "跑輸{bench}{pp}",
    "in_line": "表現與{bench}相若",
    # the "what moved" paragraph
    "stale_basket": "概念股組合於本交易日並無價格：自{last}起再無成份股成交，"
    "故組合數據（標有{mark}）截至該日。",
    "five": "過去五個交易日",
    "five_to": "截至{last}的五個交易日",
    "basket_in": "{window}，概念股組合",
    "same_sessions": "同期",
    "same_period": "同期",
    "bench_paren": "（{bench}同期{pct}）",
    "bench_same": "，同期{bench}{pct}",
    "no_excess_window": "；{bench}於{last}並無數據，故未能計算同期超額回報",
    "day": "當日組合",
    "while_bench": "，{bench}則",
    "breadth": "今日有成交的{n}隻成份股",
    "among": "中，",
    "risers": "{n}隻上升",
    "fallers": "{n}隻下跌",
    "unchanged": "{n}隻持平",
    "all_rose": "全部上升",
    "all_fell": "全部下跌",
    "all_unchanged": "全部持平",
    "led": "{name}表現最佳（{pct}）",
    "lagged": "{name}表現最差（{pct}）",
    "sessions_ago": "（{n}個交易日前）",
    "since_event": "自{event}事件{ago}以來，組合",
    "event_to": "由{event}事件{ago}至{last}，組合",
    "stale_stocks": "{who}本交易日並無成交數據：標有{mark}的數據取自最近一個交易日，並非今日數據",
    "carried": "；組合沿用{names}的最後價格",
    "carried_to": "計算至{last}",
    "bench_stale": "{bench}自{date}起並無數據：其數據（標有{mark}）取自該日",
    "bench_stale_excess": "，其後交易日的超額回報不予顯示",
    "no_prices": "{who}並無價格數據。",
    "nothing": "本交易日並無價格變動可供分析。",
    # since the last note
    "sl_basket": "自{date}上一期報告以來，組合{pct}",
    "sl_bench": "，{bench}{pct}",
    "sl_was": "（此前為{name}）",
    "sl_leader": "事件以來表現最佳股份更替為{name}{was}。",
    "sl_laggard": "事件以來表現最差股份更替為{name}{was}。",
    "sl_high": "創52周新高：{names}。",
    "sl_low": "創52周新低：{names}。",
    "sl_volume": "成交異動：{name}成交量達5日平均的{ratio}倍。",
    "sl_stale": "數據轉為過時：{names}。",
    "sl_fresh": "數據恢復最新：{names}。",
    "sl_added": "新增成份股：{names}。",
    "sl_removed": "剔除成份股：{names}。",
    "sl_views": "新券商觀點：{views}。",
    # the line under each stock
    "sf_none": "並無數據：此代號不在本期快照之內。",
    "sf_missing": "此股並無價格數據{reason}，不計入今日數據。",
    "sf_adjusted": "，經調整收市價",
    "sf_line": "最新價{price}（{date}{adjusted}）；事件以來{since}，相對基準{excess}；"
    "52周區間{low}至{high}；一年波幅{vol}，一年貝他係數{beta}{turnover}。",
    "sf_turnover": "；估算20日平均成交額{amount}",
    # the event study
    "ev_span_from_event": "由事件交易日至其後{after}個交易日",
    "ev_span": "由事件前{before}個交易日至其後{after}個交易日",
    "ev_significant": "統計上顯著",
    "ev_not_significant": "統計上不顯著",
    "ev_stock": "{name}{span}的累計異常回報為{car}，{verdict}（{t}）。",
    "ev_what_moved": "剔除大市因素後，組合對事件的反應在{level}顯著性水平下{verdict}："
    "{span}的累計異常回報為{car}（{t}）。",
    "ev_wm_significant": "顯著",
    "ev_wm_not_significant": "並不顯著",
    # the lead (analytics/lead.py)
    "ld_high": "{names}收市創52周新高",
    "ld_low": "{names}創52周新低",
    "ld_largest": "{name}{move}，為今日成份股中變動幅度最大者{times}。",
    "ld_times": "，幅度相當於其日常波幅的{x}倍",
    "ld_largest_said": "{name}的變動幅度為今日成份股中最大{times}。",
    "ld_times_said": "，相當於其日常波幅的{x}倍",
    "ld_quiet": "今日概念股表現平靜：並無成份股的變動達到其日常波幅{largest}。",
    "ld_quiet_largest": "（變動最大為{name}，{pct}）",
    "ld_day": "概念股組合當日",
    "ld_update": "上一期報告後的新消息：{title}（{date}）",
    "ld_update_more": "，另有{n}則更新見下文",
    "ld_basket_in": "{window}，組合",
    "ld_ahead": "未來一周：",
    "ld_results": "{name}將於{date}公布業績",
    "ld_ex_dividend": "{name}將於{date}除息",
}

_PROSE = ChineseProse(WORDS)
stock_label = _PROSE.stock_label
what_moved = _PROSE.what_moved
since_last = _PROSE.since_last
stock_figures = _PROSE.stock_figures
event_stock_line = _PROSE.event_stock_line
event_what_moved = _PROSE.event_what_moved
lead = _PROSE.lead
