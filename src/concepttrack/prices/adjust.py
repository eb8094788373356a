"""Adjusted closes derived from traded closes and corporate actions: the one method.

The cache stores what traded (``close``) and what happened to the shares
(``dividends``, ``splits``); the adjusted close every return is computed from is
derived here, the same way for every source, so two sources are interchangeable.

The method (Yahoo's and CRSP's, backward and multiplicative), see
:func:`adjusted_close`:

* a cash dividend ``D`` going ex on session ``e`` multiplies every close **before**
  ``e`` by ``1 - D / C``, ``C`` being the close of the session before ``e`` (on the
  share basis of ``e``: divided by the split ratio when a split falls on ``e`` itself
  and the closes are not split-adjusted);
* a split of ratio ``r`` on session ``s`` (2.0 = 2-for-1) multiplies every close
  before ``s`` by ``1 / r`` **only when the closes are not already split-adjusted**.
  Yahoo's ``Close`` (``history(auto_adjust=False)`` / ``download(auto_adjust=False)``)
  and every Yahoo CSV export are already split-adjusted while dividend-unadjusted, so
  their splits are not applied again; AkShare's unadjusted history (``adjust=""``)
  is the price as printed that day, so its splits are;
* the factors multiply; the last session's factor is 1, so the adjusted close of the
  last row of the frame equals its close. Only ratios of adjusted closes (returns)
  carry meaning, and they do not depend on where the frame ends: an action on the
  first row, or one after the last, changes no ratio inside the frame.

Which series are derived is recorded per series
(:attr:`~concepttrack.prices.frame.SymbolMeta.adjusted_from_actions`, with
:attr:`~concepttrack.prices.frame.SymbolMeta.split_adjusted` saying whether the
closes already include the splits). A series whose only close is already adjusted
(``close_is_adjusted``: a ``yf.download(auto_adjust=True)`` export) keeps
``adj_close = close`` and stays labelled; a file giving ``Close`` and ``Adj Close``
but no actions keeps the file's adjusted close, since it names no action to derive
one from (see :mod:`concepttrack.prices.csvdir`).

Checked against Yahoo's own ``Adj Close`` (``tests/test_adjust.py``): on chart
responses in Yahoo's format fed through yfinance, the derived adjusted close matches
Yahoo's to :data:`YAHOO_TOLERANCE` relative, the wobble of Yahoo's float32 values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from concepttrack.prices.frame import SymbolMeta

#: Relative agreement with Yahoo's own ``Adj Close``: Yahoo sends float32 prices
#: (about 6e-8 relative each), and a few dividend factors compound that.
YAHOO_TOLERANCE = 1e-6


def adjustment_factors(bars: pd.DataFrame, split_adjusted: bool = True) -> pd.Series:
    """Per session, the number its close is multiplied by to give the adjusted close.

    ``bars`` has the contract's ``close``, ``dividends`` and ``splits`` columns (see
    :mod:`concepttrack.prices.frame`), sorted by session. A dividend that is not below
    the previous close cannot be a cash dividend on that price and is left out (a data
    error would otherwise turn every earlier adjusted close negative or zero).
    """
    import numpy as np
    import pandas as pd

    close = bars["close"].to_numpy(dtype="float64")
    count = len(close)
    step = np.ones(count)
    if count > 1:
        dividends = np.nan_to_num(bars["dividends"].to_numpy(dtype="float64")[1:])
        splits = np.nan_to_num(bars["splits"].to_numpy(dtype="float64")[1:])
        split = (splits > 0) & (splits != 1.0)
        previous = close[:-1].copy()
        if not split_adjusted:
            # The close before a split on the ex-date, on the new share basis.
            previous[split] = previous[split] / splits[split]
            step[1:][split] = 1.0 / splits[split]
        paid = (dividends > 0) & (dividends < previous)
        step[1:][paid] *= 1.0 - dividends[paid] / previous[paid]
    # factor[t] = product of the steps of every later session (1 on the last row).
    later = np.concatenate([step[1:], [1.0]])[:count]
    factor = np.cumprod(later[::-1])[::-1]
    return pd.Series(factor, index=bars.index, name="factor")


def adjusted_close(bars: pd.DataFrame, split_adjusted: bool = True) -> pd.Series:
    """The dividend- and split-adjusted close of ``bars``, by the module's one method.

    ``split_adjusted`` says whether ``bars["close"]`` already reflects later splits
    (Yahoo: True; AkShare unadjusted history: False).
    """
    factors = adjustment_factors(bars, split_adjusted)
    out = bars["close"].astype("float64") * factors
    out.name = "adj_close"
    return out


def with_adjusted_close(bars: pd.DataFrame, meta: SymbolMeta | None) -> pd.DataFrame:
    """``bars`` with ``adj_close`` derived when the series is derived from its actions.

    Series not derived (the source's own adjusted close kept, or a single close) come
    back unchanged, as the same object.
    """
    if meta is None or not meta.adjusted_from_actions or bars.empty:
        return bars
    out = bars.copy()
    out["adj_close"] = adjusted_close(bars, meta.split_adjusted).to_numpy()
    return out
