"""The words of the Chinese notes: which term each editor writes, which Latin may stay.

The catalogs (``render/locale/zh_HK`` and ``zh_CN``), the prose tables
(``render/prose/zh_hk.py``, ``zh_cn.py``) and the phrase table that follows OpenCC
(``data/zh_phrases.tsv``) are written to these choices; the tests and the note linter
import them from here.

Choices, once per language (Hong Kong / mainland):

* the note is a 報告 / 报告 (never 筆記), the one before it the 上一期報告 / 上一期报告;
* the themes book is the 主題清單 / 主题清单 (never 主題冊);
* maximum drawdown is 最大跌幅 in Hong Kong (fund fact sheets' word) and 最大回撤 on the
  mainland;
* 係數 / 系数 (貝他係數, 相關係數 / 贝塔系数, 相关系数), 分佈 / 分布, 儲存 / 存储;
  公布 and 發布 stay as the Hong Kong Government writes them;
* the calendar is 香港交易所交易日, without the MIC code XHKG; the CSV source is
  本地價格檔案（資料夾：…） / 本地价格文件（文件夹：…）; Yahoo Finance is 雅虎財經 / 雅虎财经;
* the product: the page footer and the kicker name the series 港股概念股追蹤 /
  港股概念股追踪. ``concepttrack`` is the program's proper name and may stay in Latin
  where the program itself is meant (a command, a sender), as OpenCC does.
"""

from __future__ import annotations

#: Latin words the package's own Chinese wording may contain (catalogs, prose tables):
#: proper names (the program, the converter), the t-statistic (t值) and CAR after
#: 累計異常回報 once, a file name the user must create (fundamentals.csv) and Yahoo's
#: FX symbol (CNYHKD=X). Names from the themes book (OpenAI, Sora, GPU ...) and codes
#: (0763.HK) are the book's and the data's, not listed here.
ALLOWED_LATIN: frozenset[str] = frozenset(
    {"concepttrack", "OpenCC", "t", "CAR", "fundamentals", "csv", "CNYHKD", "X", "MB"}
    # issue 18, Southbound holdings: H股, the vendor AkShare, the file southbound.csv.
    | {"H", "AkShare", "southbound"}
    # A and H: A股 / H股, how Chinese names a company's mainland and Hong Kong shares.
    | {"A"}
)

#: Words an editor of the language would change: {avoided: written instead}.
PREFERRED: dict[str, dict[str, str]] = {
    "zh-hk": {
        "系數": "係數",
        "存儲": "儲存",
        "分布": "分佈",
        "筆記": "報告",
        "主題冊": "主題清單",
        "最大回撤": "最大跌幅",
        "上一份報告": "上一期報告",
        "服務器": "伺服器",
        "默認": "預設",
        "緩存": "快取",
        "文件夾": "資料夾",
        "打印": "列印",
        "成分股": "成份股",
        "收盤": "收市",
        "市淨率": "市賬率",
        "貝塔": "貝他",
        "波動率": "波幅",
        "香港交易所交易日（XHKG）": "香港交易所交易日",
        # 基準 is the benchmark; the basket's starting point is its 基期.
        "組合基準": "組合基期",
        "基準權重": "基期權重",
        "52週": "52周",
    },
    "zh-cn": {
        "伺服器": "服务器",
        "支援": "支持",
        "频宽": "带宽",
        "电讯商": "电信运营商",
        "质素": "质量",
        "机械人": "机器人",
        "上一份报告": "上一期报告",
        "笔记": "报告",
        "主题册": "主题清单",
        "最大跌幅": "最大回撤",
        "组合基准": "组合基期",
        "基准权重": "基期权重",
        "快取": "缓存",
        "资料夹": "文件夹",
        "档案": "文件",
        "受惠": "受益",
        "建基于": "基于",
        "成份股": "成分股",
        "收市": "收盘",
        "市账率": "市净率",
        "贝他": "贝塔",
        "波幅": "波动率",
        "香港交易所交易日（XHKG）": "香港交易所交易日",
    },
}
