"""The engine: pure, vectorised numpy. Every function broadcasts like a ufunc and knows nothing of files,
spreadsheets or the book; it imports nothing of levxl above this folder (a test enforces it).

``kernel`` holds the primitives the others share; ``validate`` the argument checks; ``reference/`` the slow,
obviously-correct scalar implementations the tests pin the fast code to.

The public API convention
-------------------------
One rule for every public function, so a call reads the same everywhere::

    lx.liquidation_price("long", 60_000, 2.5, leverage=10, mmr="binance:BTCUSDT")
    lx.pnl("short", 100, 3, exit=90)
    lx.option_price("call", 60_000, 65_000, 30, 0.6, contract="inverse")

* **A position function takes the position positionally, in the order** ``side, entry, size`` (those of the three
  it uses: ``initial_margin(entry, size, *, ...)``, ``roe(side, entry, *, ...)``, ``maintenance_margin(size, *,
  price, ...)``), **and everything else keyword-only**: ``leverage``, ``margin``, ``mmr``, ``fee``, ``contract``,
  ``basis``, ``tick``, and every other price (``exit``, ``price``, ``mark``, ``stop``, ``liq_price``). An account
  function takes the plural columns ``sides, entries, sizes`` the same way; a position given by its value takes
  ``side, notional``.
* **A function that is not about one position takes what it transforms positionally** and its options by keyword:
  ``average_entry(prices, sizes, *, contract)``, ``funding_rate_clamped(premium, *, ...)``,
  ``position_size(equity, risk, *, entry, stop, ...)``, ``round_to_tick(price, *, side, tick)``; two like values
  that are easy to swap are both keyword-only (``funding_cap_dydx(*, imf, mmf)``).
* **An option function takes the option and its market as the textbook does**, ``option_type, underlying, strike,
  days, vol`` (``implied_vol``: ``price`` first and no ``vol``; ``option_greek``: ``greek`` first), and
  ``risk_free_rate``, ``model``, ``contract``, ``carry`` and the rest by keyword.
* **One name per idea**: ``contract`` is "linear" or "inverse" (USD- or coin-settled options too); ``mmr`` is the
  maintenance spec (a rate, a :class:`~levxl.engine.tiers.TierTable` or a preset name); ``funding_rate`` a funding
  rate per interval and ``funding_periods`` a number of intervals; ``risk_free_rate`` the options' discount rate;
  ``fee`` a fee rate on a value; ``leverage`` a multiple; ``liq_price`` a liquidation price; ``days`` calendar days.
* Units: rates and moves are fractions (0.01 = 1%), leverage a multiple, time in days unless a name says otherwise,
  amounts in the margin currency (quote for linear, coin for inverse).
* Types: array-likes in (``numpy.typing.ArrayLike``; text where a choice is asked), float arrays out, a numpy float
  for scalar inputs (:data:`~levxl.engine.validate.ArrayOrFloat`); several results come as a NamedTuple
  (:class:`~levxl.engine.scenarios.MoveOutcome`, :class:`~levxl.engine.options.Greeks`,
  :class:`~levxl.engine.options.ImpliedVol`).
* Checked arguments (:func:`~levxl.engine.validate.checked`): a bad value raises ``ValueError`` naming it;
  ``f.elementwise(...)`` returns ``(result, reasons)`` instead, per element; ``f.raw`` skips the checks (for
  engine-internal calls on checked arrays). All three take the same (keyword-only) arguments.
"""
