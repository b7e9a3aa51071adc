"""Accounts: positions grouped by venue, account and margin currency; cross positions computed together.

A cross position's liquidation price depends on the whole account: with the account's wallet ``WB`` (without
unrealised PnL) and the *other* cross positions' maintenance margin ``TMM`` and unrealised PnL ``UPNL`` at their
marks, it is the isolated equation with margin ``M = WB - TMM + UPNL`` (Binance's cross formula;
:func:`levxl.engine.liquidation.account_liquidation_prices`), its own maintenance measured where the venue measures
it (the profile's ``mm_basis``: the entry value at Bybit). The price is then the one the figures table computes from
that margin, :func:`levxl.book.figures.liquidation_prices` (through the engine's
:func:`~levxl.engine.liquidation.liquidation_price_cross` on the wallet and the others' MM and uPnL). ``M`` may be 0
or negative in a hedged account (a long deep in profit beside a short losing as much): the price is still real, a
long's above its entry, and the position is alive only while its mark is beyond it; where no price keeps the position
above maintenance (its account is past liquidation) it is left uncomputed with that reason. Isolated positions stand
alone on their own margin, which must be > 0.

When the wallet is unknown, or a row of the account was refused (:func:`refused_siblings`), a cross position is
**never** computed as isolated nor on the rest of its account: levxl's price is left empty and the reason says what
is missing (the venue's own number is shown beside it by :mod:`levxl.book.reconcile`).

Wallets come from ccxt ``fetch_balance`` output (:func:`levxl.book.ccxt.wallets_from_balance`), a ``wallet``
column on the positions, or an accounts CSV with ``venue, account, currency, wallet`` columns.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from levxl.book.cells import CellError, canonical_column, parse_number
from levxl.book.ccxt import balances_in, wallets_from_balance
from levxl.book.checks import magnitude_reason
from levxl.book.positions import AccountKey, Book, account_key, account_key_of as _key, load_positions, \
    require_positions
from levxl.engine import kernel
from levxl.files import reading
from levxl.files.reading import read_json
from levxl.engine.conventions import close_fee_at_bankruptcy
from levxl.engine.liquidation import maintenance_margin
from levxl.book.figures import liquidation_prices
from levxl.book.venue_rules import on_tick, profiles_for

__all__ = ["AccountKey", "Liquidation", "account_key", "refused_siblings", "levxl_liquidation", "with_accounts",
           "read_wallets", "load_book"]

@dataclass
class Liquidation:
    """levxl's liquidation price per position (NaN where it cannot be computed) and how it was computed or why
    not; ``margin`` is the margin of the equation (isolated margin, or ``WB - TMM + UPNL`` for cross);
    ``warnings`` per position, what its row must say (a cross account with a refused row); ``note`` in a few words
    why a cross position is not computed ("" elsewhere), for a report cell."""

    price: np.ndarray
    margin: np.ndarray
    how: list[str]
    warnings: list[list[str]] = dataclasses.field(default_factory=list)
    note: list[str] = dataclasses.field(default_factory=list)
    terms: "_CrossTerms | None" = None  #: a cross position's wallet, others' MM and others' uPnL (NaN elsewhere)


def _wallet_for(book: Book, i: int, wallets: dict[AccountKey, float]) -> float:
    if np.isfinite(book.wallet[i]):
        return float(book.wallet[i])
    return _listed_wallet(account_key(book, i), wallets)


def _listed_key(key: AccountKey, wallets: dict[AccountKey, float]) -> AccountKey | None:
    """The entry of the accounts input (fetch_balance, accounts file) that gives the account its wallet: its own,
    else one without an account name (a venue's only account), else one without a venue; None without one."""
    for k in (key, (key[0], "", key[2]) if key[1] else None, ("", key[1], key[2]) if not key[0] else None):
        if k is not None and k in wallets:
            return k
    return None


def _listed_wallet(key: AccountKey, wallets: dict[AccountKey, float]) -> float:
    """The wallet the accounts input (fetch_balance, accounts file) gives the account, else NaN."""
    k = _listed_key(key, wallets)
    return float("nan") if k is None else float(wallets[k])


def _shared_wallets(book: Book, groups: dict[AccountKey, list[int]],
                    wallets: dict[AccountKey, float]) -> dict[AccountKey, list[AccountKey]]:
    """The accounts taking their wallet from one entry of the accounts input with another account (an entry with
    no account name, or no venue, serves an account it does not name): account -> every account taking that entry.
    One wallet given for two accounts is the wallet of neither (counting it for both would count it twice)."""
    users: dict[AccountKey, list[AccountKey]] = {}
    for key, members in groups.items():
        if np.isfinite(book.wallet[members]).any():
            continue  # its rows give its wallet
        listed = _listed_key(key, wallets)
        if listed is not None:
            users.setdefault(listed, []).append(key)
    return {key: shared for shared in users.values() if len(shared) > 1 for key in shared}


def _wallet_conflict(book: Book, members: list[int], wallets: dict[AccountKey, float]) -> str:
    """"" when the rows of one cross account (``wallet`` column) and the accounts input agree on its wallet, else
    the text naming where each different value comes from: "two wallets given: 1,000 (row 2) vs 2,000 (row 5)"."""
    given: list[tuple[float, str]] = []
    for i in members:
        if np.isfinite(book.wallet[i]):
            given.append((float(book.wallet[i]), f"row {book.row[i]}"))
    listed = _listed_wallet(account_key(book, members[0]), wallets)
    if np.isfinite(listed):
        given.append((float(listed), "accounts input"))
    values = [given[0]] if given else []
    for value, where in given[1:]:
        if not any(np.isclose(value, v, rtol=1e-12, atol=0.0) for v, _ in values):
            values.append((value, where))
    if len(values) < 2:
        return ""
    return "two wallets given: " + " vs ".join(f"{v:,.8g} ({w})" for v, w in values)


def _spec_array(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def refused_siblings(book: Book) -> list[list[tuple[int, str]]]:
    """Per position, the refused rows ``(row, reason)`` that may be positions of its cross account (none for
    isolated positions and options).

    A cross position's liquidation price depends on every position of its account (same venue, account and
    margin currency: :func:`account_key`), so a refused row of that account leaves its figures unknown: a row
    whose cells name the account and do not say it is isolated (:class:`levxl.book.positions.RefusedRow`), or a
    row whose account cannot be told (it could not be read, or was past the rows read)."""
    n = len(book)
    out: list[list[tuple[int, str]]] = [[] for _ in range(n)]
    if not book.issues or not book.cross.any():
        return out
    by_account: dict[AccountKey, list[int]] = {}  # indices into book.issues, so each list stays in row order
    anywhere: list[int] = []
    for k, (row, _) in enumerate(book.issues):
        who = book.refused.get(row) if isinstance(row, (int, np.integer)) else None
        if who is None:
            anywhere.append(k)
        elif who.cross:
            by_account.setdefault(_key(who.venue, who.account, who.symbol, who.inverse), []).append(k)
    if not by_account and not anywhere:
        return out
    merged: dict[AccountKey, list[tuple[int, str]]] = {}  # one list per account, shared by its positions
    for i in np.flatnonzero(book.cross & ~book.option):
        key = account_key(book, i)
        if key not in merged:
            merged[key] = [book.issues[k] for k in sorted(by_account.get(key, []) + anywhere)]
        out[i] = merged[key]
    return out


def _rows_text(refused: list[tuple[int, str]], limit: int = 3) -> str:
    """"row 2 (size must be a number, got '20,5,')", up to ``limit`` rows, then how many more."""
    shown = "; ".join(f"row {row} ({reason})" for row, reason in refused[:limit])
    return shown + (f"; and {len(refused) - limit} more" if len(refused) > limit else "")


def levxl_liquidation(book: Book, wallets: dict[AccountKey, float] | None = None) -> Liquidation:
    """Each position's liquidation price by levxl, isolated alone and cross by account (see the module doc).

    The margin of each position's equation is found here (isolated: its own; cross: its account's, ``WB - TMM +
    UPNL``), and the price from it by :func:`levxl.book.figures.liquidation_prices`, the one computation the
    figures table reads too, so ``levxl risk``'s table, its ``--json/--csv`` records and the report carry one
    number per position."""
    wallets = wallets or {}
    n = len(book)
    margin, how, note = np.full(n, np.nan), [""] * n, [""] * n
    terms = _CrossTerms(np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan), np.zeros(n))
    warnings: list[list[str]] = [[] for _ in range(n)]
    iso = np.array([m == "isolated" for m in book.margin_mode], dtype=bool) & ~book.option
    for i in np.flatnonzero(book.option):
        how[i] = "option: not liquidated by these formulas"
    for i in np.flatnonzero(~book.option & ~iso & ~book.cross):
        how[i] = ("margin mode unknown (the input does not say isolated or cross): levxl does not assume "
                  "isolated; the venue's figure is shown")
    if iso.any():
        idx = np.flatnonzero(iso)
        margin[idx] = book.isolated_margin[idx]
        for i in idx:
            src = book.margin_source[i] or ("margin given" if np.isfinite(book.margin[i]) else
                                            f"initial margin from {book.leverage[i]:g}x leverage")
            if book.close_fee[i] > 0:  # Bybit UTA: the position margin holds the fee to close
                src += f" less the fee to close it holds ({book.close_fee[i]:,.6g})"
            how[i] = f"isolated on {src}"
    groups: dict[AccountKey, list[int]] = {}
    for i in np.flatnonzero(book.cross & ~book.option):
        groups.setdefault(account_key(book, i), []).append(int(i))
    siblings = refused_siblings(book) if groups else []
    shared = _shared_wallets(book, groups, wallets)
    def leave_blank(members: list[int], short: str, how_text: str, warning: str, fix: str) -> None:
        """An account whose wallet levxl cannot tell: its positions' figures blank, each saying why."""
        for i in members:
            note[i] = short
            how[i] = f"cross margin: {how_text}; the venue's figure is shown"
            warnings[i].append(f"{warning}; this position's liquidation figures are left blank ({fix})")

    for key, members in groups.items():
        conflict = _wallet_conflict(book, members, wallets)
        label = "/".join(x for x in key if x) or "the account"
        if key in shared:  # one wallet for several accounts: giving it to each would count it once per account
            names = " and ".join("/".join(x for x in k if x) for k in shared[key])
            why = f"the accounts input gives one {key[0] or 'venue-less'} {key[2]} wallet, which {names} would each take"
            leave_blank(members, "one wallet given for several accounts", f"{why}; levxl does not count it twice",
                        f"cross account {label}: {why}", "give each account its wallet")
            continue
        if conflict:  # which wallet is the account's? Picking one would be a silently wrong price
            leave_blank(members, "two wallets given for its account", f"{label} {conflict}; levxl does not pick one",
                        f"cross account {label}: {conflict}", "give the account one wallet")
            continue
        _cross_group(book, members, _wallet_for(book, members[0], wallets), key, margin, how, note, warnings,
                     siblings[members[0]], terms)
    price = np.full(n, np.nan)
    perp = ~book.option
    if perp.any():
        priced = _with_cross_terms(book, margin, terms)
        price[perp], why = liquidation_prices(priced if perp.all() else priced.select(perp), reasons=True)
        for k, i in enumerate(np.flatnonzero(perp)):
            if why[k]:  # no price keeps it above maintenance: the engine's reason, never a sentinel
                note[i] = "below maintenance at every price"
                how[i] = f"{how[i]}: {why[k]}, so levxl shows no price for it"
    ticked = np.isfinite(book.tick) & np.isfinite(price) & (price > 0)
    for i in np.flatnonzero(ticked):
        how[i] += f"; on the tick {book.tick[i]:g} the venue's way"
    return Liquidation(price=on_tick(book, price, "liquidation"), margin=margin, how=how, warnings=warnings,
                       note=note, terms=terms)


@dataclass
class _CrossTerms:
    """Per position, the terms of a cross position's margin of the equation (NaN elsewhere) and the fee to close at
    its bankruptcy price that the venue charges against the account (Bybit; 0 elsewhere)."""

    wallet: np.ndarray
    other_mm: np.ndarray
    other_upnl: np.ndarray
    close_fee: np.ndarray


def _with_cross_terms(book: Book, margin: np.ndarray, terms: _CrossTerms, priced: np.ndarray | None = None) -> Book:
    """The book with :attr:`~levxl.book.positions.Book.cross_margin` and its terms set for the cross positions whose
    margin of the equation is known (of any sign: a hedged account's can be 0 or negative, and its price is still
    real) and, given ``priced`` (levxl's price per position), that have a price: a position below maintenance at
    every price is left uncomputed, like one without its wallet."""
    known = book.cross & np.isfinite(margin)
    if priced is not None:
        known &= ~np.isnan(priced)
    pick = (lambda a: np.where(known, a, np.nan))
    close_fee = np.where(book.cross & np.isfinite(margin), terms.close_fee, book.close_fee)
    return dataclasses.replace(book, cross_margin=pick(margin), cross_wallet=pick(terms.wallet),
                               cross_other_mm=pick(terms.other_mm), cross_other_upnl=pick(terms.other_upnl),
                               close_fee=close_fee)


def _cross_group(book: Book, members: list[int], wallet: float, key: AccountKey, margin: np.ndarray,
                 how: list[str], note: list[str], warnings: list[list[str]], refused: list[tuple[int, str]],
                 terms: _CrossTerms) -> None:
    """One cross account's margins of the equation and their terms, how and notes, in place (see
    :func:`levxl_liquidation`); ``refused``: the refused rows that may be positions of the account
    (:func:`refused_siblings`)."""
    label = "/".join(x for x in key if x) or "the account"
    if refused:
        rows, was = _rows_text(refused), "was" if len(refused) == 1 else "were"
        for i in members:
            note[i] = f"row {refused[0][0]} of its account refused"
            how[i] = (f"cross margin: {rows} of {label} {was} refused, and a cross account's figures depend on every "
                      "position in it, so levxl does not compute them without it; the venue's figure is shown")
            warnings[i].append(f"cross account {label}: {rows} {was} refused; this position's liquidation "
                               "figures are left blank, since they depend on every position of the account (fix "
                               "the refused row)")
        return
    if not np.isfinite(wallet):
        for i in members:
            note[i] = "account wallet not in the input"
            how[i] = (f"cross margin: the wallet of {label} is not in the input, so levxl cannot recompute it "
                      "(give fetch_balance output, a wallet column or an accounts file); the venue's figure is "
                      "shown")
        return
    kinds = {book.contract[i] for i in members}
    if wallet <= 0 or len(kinds) > 1:
        why = (f"wallet {wallet:g} is not > 0" if wallet <= 0 else
               "mixes linear and inverse contracts in one margin currency")
        for i in members:
            note[i] = f"account {why}"
            how[i] = f"cross margin: {label} {why}; levxl cannot recompute it"
        return
    idx = np.array(members)
    b = book.select(np.isin(np.arange(len(book)), idx))  # book order, as members are
    mmr, contract = _spec_array(b.mmr), np.array(b.contract, dtype=object)
    # the other positions' threshold and uPnL at their marks (Binance's cross formula): each one's maintenance where
    # its venue measures it (Bybit: the entry value) plus the fee its venue puts inside the threshold (OKX), the
    # terms its own price takes, so that at the marks every position's equation is its account's (wallet less fees
    # to close plus every position's room, levxl.book.figures' account rule) and they say LIQUIDATED together
    measured = np.where(np.array(b.basis) == "entry", b.entry, b.mark)
    own_mm = (np.asarray(maintenance_margin(b.size, price=measured, mmr=mmr, contract=contract), dtype=float)
              + b.fee * kernel.value(b.size, price=b.mark, inverse=b.inverse.astype(float)))
    own_upnl = kernel.pnl(b.side, b.entry, b.mark, b.size, b.inverse.astype(float))
    other_mm, other_upnl = own_mm.sum() - own_mm, own_upnl.sum() - own_upnl
    m = wallet - other_mm + other_upnl
    profiles = profiles_for(b.venue, b.contract)
    # Bybit charges each position's fee to close at its bankruptcy price against the account: in its maintenance
    # margin (the others' MM holds theirs) and in its own threshold (help article 360039261334's cross formula)
    close = _cross_close_fees(b, m, profiles)
    other_mm = other_mm + (close.sum() - close)
    m = m - close.sum()
    terms.wallet[idx], terms.other_mm[idx], terms.other_upnl[idx] = wallet, other_mm, other_upnl
    terms.close_fee[idx] = close
    others = len(members) - 1
    for k, i in enumerate(idx):
        margin[i] = m[k]
        how[i] = (f"cross on the {label} wallet {wallet:,.8g}" +
                  (f" less {others} other position(s)' MM plus their uPnL" if others else "") +
                  (f" less the fee to close at its bankruptcy price ({close[k]:,.6g})" if close[k] > 0 else "") +
                  (_ENTRY_BASIS_CROSS.get(profiles[k].id if profiles[k] else "", "")
                   if book.basis[i] == "entry" else "") +
                  ("; Bybit unified accounts liquidate on the account's maintenance rate across all collateral, "
                   "so this one-currency figure is an approximation" if key[0] == "bybit" else ""))
        if not m[k] > 0:
            # a hedged account: the price is real, on the far side of the entry (alive while the mark is beyond it)
            how[i] = (f"{how[i]}: the margin of its equation, {m[k]:,.8g}, is not > 0 (the other positions' MM "
                      f"and loss exceed the wallet plus their gains), so its liquidation price is "
                      f"{'above' if book.side[i] > 0 else 'below'} its entry and it needs the mark "
                      f"{'above' if book.side[i] > 0 else 'below'} that price to stay open; its effective "
                      "leverage is n/a")


def _cross_close_fees(b: Book, margin: np.ndarray, profiles: list) -> np.ndarray:
    """Each cross position's fee to close at its bankruptcy price where its venue charges it against the account
    (``close_fee_in_margin``: Bybit, whose cross formula takes ``Q * taker / BP`` out of the account balance, help
    article 360039261334), else 0; margin currency. The bankruptcy price is the one of the position's margin of the
    equation ``margin`` (the account's wallet less the others' MM plus their uPnL, before any fee), through
    :func:`levxl.engine.conventions.close_fee_at_bankruptcy`; the taker rate is the row's ``taker_fee``, blank: the
    profile's. A margin <= 0 (a hedged account) has no bankruptcy price on that side: no fee is taken."""
    charged = np.array([p is not None and p.close_fee_in_margin for p in profiles], dtype=bool) & (margin > 0)
    out = np.zeros(len(b))
    if not charged.any():
        return out
    taker = np.asarray(b.taker_fee, dtype=float)
    rate = np.array([taker[k] if np.isfinite(taker[k]) else profiles[k].taker_fee for k in np.flatnonzero(charged)],
                    dtype=float)
    contract = np.empty(int(charged.sum()), dtype=object)
    contract[:] = [b.contract[k] for k in np.flatnonzero(charged)]
    out[charged] = close_fee_at_bankruptcy(b.side[charged], b.entry[charged], b.size[charged], fee=rate,
                                           contract=contract, margin=margin[charged])
    return out


_ENTRY_BASIS_CROSS = {
    "bybit-linear": " (MM on the entry value, as in Bybit's cross-margin formula, help article 360039261334)",
    "bybit-inverse": " (MM on the entry value, as in Bybit's cross-margin formula, help article 360039261334)",
    "kucoin-2025-05-21": (" (MM on the entry value, the kucoin-2025-05-21 profile's basis: its sources give the "
                          "isolated rule; KuCoin's cross rule of that time is not in them)"),
}
"""What a cross position at an entry-basis venue says about where its maintenance is measured."""


def with_accounts(book: Book, wallets: dict[AccountKey, float] | None = None) -> tuple[Book, Liquidation]:
    """The book with :attr:`~levxl.book.positions.Book.cross_margin` set from the wallets (so the per-position
    figures compute cross positions on their account), the rows' warnings of their accounts (a refused row in a
    cross account), :attr:`~levxl.book.positions.Book.cross_note` where a cross position is not computed, and
    levxl's liquidation per position."""
    result = levxl_liquidation(book, wallets)
    warnings = [list(w) + extra for w, extra in zip(book.warnings, result.warnings)]
    priced = _with_cross_terms(book, result.margin, result.terms, result.price)
    return dataclasses.replace(priced, cross_note=result.note, warnings=warnings), result


def read_wallets(path: str | Path) -> dict[AccountKey, float]:
    """Cross wallets from a ccxt ``fetch_balance`` JSON (one result, a list of them, or a levxl bundle with
    ``balances``) or a CSV with ``venue, account, currency, wallet`` columns (``account`` optional)."""
    path = Path(path)
    raw = reading.read_small_file(path, "accounts file")  # bounded: a link to /dev/zero is not read without end
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{path.name}: accounts file is not UTF-8 text") from None
    if path.suffix.lower() == ".json":
        try:
            data = reading.json_loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path.name}: not valid JSON ({exc})") from None
        except RecursionError:
            raise ValueError(f"{path.name}: JSON nested too deeply") from None
        found = balances_in(data) or (data if isinstance(data, list) else [data])
        out: dict[AccountKey, float] = {}
        for balance in found:
            out.update(wallets_from_balance(balance))
        return out
    return _wallets_from_csv(text, path.name)


def _wallets_from_csv(text: str, name: str) -> dict[AccountKey, float]:
    delimiter = max(",;\t", key=lambda d: text.splitlines()[0].count(d)) if text.strip() else ","
    rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
    out: dict[AccountKey, float] = {}
    seen: dict[AccountKey, int] = {}
    for k, row in enumerate(rows, start=1):
        r = {canonical_column(a): b for a, b in row.items() if a is not None}
        try:
            wallet = parse_number(r.get("wallet"), "wallet")
        except CellError as exc:
            raise ValueError(f"{name} row {k}: {exc}") from None
        reason = magnitude_reason("wallet", wallet, r.get("wallet"))  # as a positions row's wallet: past any account's
        if reason:
            raise ValueError(f"{name} row {k}: {reason}")
        currency = str(r.get("currency") or r.get("asset") or r.get("ccy") or "").strip().upper()
        if not np.isfinite(wallet) or not currency:
            raise ValueError(f"{name} row {k}: an accounts file needs venue, currency and wallet (account "
                             "optional)")
        key = (str(r.get("venue") or "").strip().lower(), str(r.get("account") or "").strip(), currency)
        if key in out and out[key] != wallet:  # which is the account's? not the last one silently
            raise ValueError(f"{name} rows {seen[key]} and {k}: two wallets for {'/'.join(x for x in key if x)} "
                             f"({out[key]:,.8g} and {wallet:,.8g}): give the account one")
        out[key] = wallet
        seen.setdefault(key, k)
    return out


def load_book(path: str | Path, accounts: str | Path | None = None) -> tuple[Book, Liquidation]:
    """:func:`levxl.book.positions.load_positions` plus wallets (bundled with ccxt JSON, and/or an accounts
    file), with cross positions computed on their accounts. A file with no valid position raises ``ValueError``
    listing why each row was refused."""
    book = require_positions(load_positions(path))
    wallets: dict[AccountKey, float] = {}
    if Path(path).suffix.lower() == ".json":
        try:  # bounded like the positions (a streamed array, over the cap, bundles no balance)
            data = read_json(path)[0] if Path(path).stat().st_size <= reading.MAX_JSON_BYTES else None
        except (OSError, ValueError):
            data = None
        for balance in balances_in(data):
            wallets.update(wallets_from_balance(balance))
    if accounts is not None:
        wallets.update(read_wallets(accounts))
    return with_accounts(book, wallets)
