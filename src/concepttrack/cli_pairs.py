"""``concepttrack pairs ...``: the table of A+H pairs the A/H premium uses.

``pairs list`` shows the table in use and where it came from (the package's, or a
refreshed one in the user's data folder); ``pairs refresh`` downloads EastMoney's A+H
list through AkShare (``stock_zh_ah_spot_em``) and writes it where ``pairs list`` and
the notes then find it. A stock's ``a_share:`` in the themes book wins over both.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from concepttrack.cli_support import console
from concepttrack.errors import SourceError

if TYPE_CHECKING:
    from concepttrack.pairs import Pair

pairs_app = typer.Typer(
    help="The table of A+H pairs used for the A/H premium.", no_args_is_help=True
)

#: Fewer pairs than this from EastMoney is a broken answer, not the market (about 150).
MIN_PAIRS = 20


def fetch_pairs() -> list[Pair]:
    """EastMoney's A+H list through AkShare, as pairs (English names kept from the
    table in use where the H code is known). SourceError when it cannot be had."""
    from concepttrack.pairs import Pair, a_share_from_digits, load_table
    from concepttrack.symbols import to_yahoo

    try:
        import akshare

        # AkShare draws a tqdm bar on stderr and trips pandas' warnings: neither is ours.
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            frame = akshare.stock_zh_ah_spot_em()
    except Exception as exc:  # the network, EastMoney's answer, AkShare's parsing
        raise SourceError(
            f"could not download the A+H list from EastMoney through AkShare: {exc}",
            hint="Try again later; the notes keep using the table in use "
            "(concepttrack pairs list).",
        ) from exc
    known = {p.h_symbol: p for p in load_table().pairs}
    pairs: dict[str, Pair] = {}
    for h_code, a_code, name in zip(frame["H股代码"], frame["A股代码"], frame["名称"], strict=True):
        try:
            h_symbol = to_yahoo(str(h_code))
            a_symbol = a_share_from_digits(str(a_code))
        except Exception:  # a row that is not a pair of codes is skipped
            continue
        before = known.get(h_symbol)
        pairs[h_symbol] = Pair(
            h_symbol, a_symbol, before.name if before else "", str(name or "").strip()
        )
    if len(pairs) < MIN_PAIRS:
        raise SourceError(
            f"EastMoney's A+H list has {len(pairs)} pairs, fewer than {MIN_PAIRS}: not written",
            hint="Try again later; the notes keep using the table in use.",
        )
    return list(pairs.values())


@pairs_app.command("list")
def list_pairs() -> None:
    """The A+H pairs in use and where they came from."""
    from concepttrack.pairs import load_table

    table = load_table()
    origin = "shipped with concepttrack" if table.origin == "builtin" else "refreshed"
    console.print(escape(f"A+H pairs: {len(table.pairs)}, {origin} ({table.path})"))
    for pair in table.pairs:
        names = " / ".join(n for n in (pair.name, pair.name_zh) if n)
        typer.echo(f"{pair.h_symbol}\t{pair.a_symbol}\t{names}")


@pairs_app.command("refresh")
def refresh_pairs() -> None:
    """Download EastMoney's A+H list (AkShare) into the user's data folder."""
    from concepttrack.pairs import write_user_table

    pairs = fetch_pairs()
    path = write_user_table(pairs)
    console.print(escape(f"A+H pairs: {len(pairs)} written to {path}"))
