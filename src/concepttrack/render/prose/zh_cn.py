"""简体中文（内地）: the note's sentences as mainland financial press writes them.

跑赢／跑输恒指、个百分点、成分股、波动率、贝塔系数: written for mainland readers
(Southbound investors), not converted from the Hong Kong table at run time.
"""

from __future__ import annotations

from concepttrack.render.prose._chinese import ChineseProse

WORDS: dict[str, str] = {
    # moves
    "up": "上涨",
    "down": "下跌",
    "up_cum": "累计上涨",
    "down_cum": "累计下跌",
    "flat": "持平",
    "ahead": "跑赢{bench}{pp}",
    "behind": "跑输{bench}{pp}",
    "in_line": "与{bench}表现相当",
    # the "what moved" paragraph
    "stale_basket": "概念股组合本交易日没有价格：自{last}以来没有成分股成交，"
    "因此组合数据（标注{mark}）截至该日。",
    "five": "近五个交易日",
    "five_to": "截至{last}的五个交易日",
    "basket_in": "{window}，概念股组合",
    "same_sessions": "同期",
    "same_period": "同期",
    "bench_paren": "（{bench}同期{pct}）",
    "bench_same": "，同期{bench}{pct}",
    "no_excess_window": "；{bench}在{last}没有数据，无法计算同期超额收益",
    "day": "当日组合",
    "while_bench": "，{bench}",
    "breadth": "今日有交易的{n}只成分股",
    "among": "中，",
    "risers": "{n}只上涨",
    "fallers": "{n}只下跌",
    "unchanged": "{n}只持平",
    "all_rose": "全部上涨",
    "all_fell": "全部下跌",
    "all_unchanged": "全部持平",
    "led": "{name}表现最好（{pct}）",
    "lagged": "{name}表现最差（{pct}）",
    "sessions_ago": "（{n}个交易日前）",
    "since_event": "自{event}事件{ago}以来，组合",
    "event_to": "从{event}事件{ago}至{last}，组合",
    "stale_stocks": "{who}本交易日没有行情数据：标注{mark}的数据来自最近一个交易日，并非当日数据",
    "carried": "；组合沿用{names}的最新价格",
    "carried_to": "计算至{last}",
    "bench_stale": "{bench}自{date}以来没有数据：其数据（标注{mark}）来自该日",
    "bench_stale_excess": "，之后交易日的超额收益不予显示",
    "no_prices": "{who}没有价格数据。",
    "nothing": "本交易日没有可供分析的价格变动。",
    # since the last note
    "sl_basket": "自{date}上一期报告以来，组合{pct}",
    "sl_bench": "，{bench}{pct}",
    "sl_was": "（此前为{name}）",
    "sl_leader": "事件以来表现最好的股票变为{name}{was}。",
    "sl_laggard": "事件以来表现最差的股票变为{name}{was}。",
    "sl_high": "创52周新高：{names}。",
    "sl_low": "创52周新低：{names}。",
    "sl_volume": "放量：{name}成交量为5日均量的{ratio}倍。",
    "sl_stale": "数据转为过期：{names}。",
    "sl_fresh": "数据恢复更新：{names}。",
    "sl_added": "新增成分股：{names}。",
    "sl_removed": "剔除成分股：{names}。",
    "sl_views": "新的券商观点：{views}。",
    # the line under each stock
    "sf_none": "没有数据：该代码不在本期快照中。",
    "sf_missing": "该股没有价格数据{reason}，不计入当日数据。",
    "sf_adjusted": "，复权收盘价",
    "sf_line": "最新价{price}（{date}{adjusted}）；事件以来{since}，相对基准{excess}；"
    "52周区间{low}至{high}；一年波动率{vol}，一年贝塔系数{beta}{turnover}。",
    "sf_turnover": "；估算20日平均成交额{amount}",
    # the event study
    "ev_span_from_event": "从事件交易日至其后{after}个交易日",
    "ev_span": "从事件前{before}个交易日至其后{after}个交易日",
    "ev_significant": "统计上显著",
    "ev_not_significant": "统计上不显著",
    "ev_stock": "{name}{span}的累计异常收益为{car}，{verdict}（{t}）。",
    "ev_what_moved": "剔除大盘因素后，组合对事件的反应在{level}显著性水平下{verdict}："
    "{span}的累计异常收益为{car}（{t}）。",
    "ev_wm_significant": "显著",
    "ev_wm_not_significant": "不显著",
    # the lead (analytics/lead.py)
    "ld_high": "{names}收盘创52周新高",
    "ld_low": "{names}创52周新低",
    "ld_largest": "{name}{move}，为今日成分股中涨跌幅最大者{times}。",
    "ld_times": "，约为其日常波动幅度的{x}倍",
    "ld_largest_said": "{name}的涨跌幅为今日成分股中最大{times}。",
    "ld_times_said": "，约为其日常波动幅度的{x}倍",
    "ld_quiet": "今日概念股走势平静：没有成分股的涨跌幅达到其日常波动幅度{largest}。",
    "ld_quiet_largest": "（涨跌幅最大的是{name}，{pct}）",
    "ld_day": "概念股组合当日",
    "ld_update": "上一期报告之后的新消息：{title}（{date}）",
    "ld_update_more": "，另有{n}条更新见下文",
    "ld_basket_in": "{window}，组合",
    "ld_ahead": "未来一周：",
    "ld_results": "{name}将于{date}公布业绩",
    "ld_ex_dividend": "{name}将于{date}除息",
}

_PROSE = ChineseProse(WORDS)
stock_label = _PROSE.stock_label
what_moved = _PROSE.what_moved
since_last = _PROSE.since_last
stock_figures = _PROSE.stock_figures
event_stock_line = _PROSE.event_stock_line
event_what_moved = _PROSE.event_what_moved
lead = _PROSE.lead
