"""Dated parameter sets for option and portfolio margin, each with the source it was read from.

Venues change these numbers without notice and the public copies disagree, so no figure in this package is computed
without naming the set it used: every result carries ``params`` (the set's ``name``). A set is a frozen dataclass
with ``as_of`` (the date of the source, or the date levxl read an undated page, said in ``note``), ``source_title``,
``source_url`` and ``mirror`` (True where the page is a third party's copy of the venue's rules, not the venue's own).

Units: every rate is a fraction (0.15 = 15%) of the underlying price; moves are fractions of the underlying; vols
are annualised fractions; days are calendar days.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ShortOptionParams", "PMParams", "OPTION_MARGIN_SETS", "PM_SETS", "option_params", "pm_params"]


@dataclass(frozen=True)
class ShortOptionParams:
    """Standard (per-position) margin of one short option, as fractions of the underlying ``U``::

        OTM  = max(K - U, 0) for a call, max(U - K, 0) for a put
        IM   = max(im_itm*U - OTM, im_otm*U) + im_premium*mark
        MM   = max(mm_itm*U - OTM, mm_otm*U) + mm_premium*mark             (call)
        MM   = max(max(mm_itm*U - OTM, mm_otm*U), put_mark_floor*mark) + mm_premium*mark   (put)
        IM   = max(IM, MM)                                                 (put, when put_im_at_least_mm)
        IM, MM = min(., put_cap_im*K), min(., put_cap_mm*K)                 (put, when a cap is given)

    Deribit's coin form ``max(0.15 - OTM/U, 0.1) + mark`` is the first line divided by ``U`` (mark in coin).
    """

    name: str
    venue: str
    as_of: str
    source_title: str
    source_url: str
    mirror: bool
    im_itm: float
    im_otm: float
    mm_itm: float
    mm_otm: float
    im_premium: float = 1.0
    mm_premium: float = 1.0
    put_mark_floor: float = 0.0
    put_im_at_least_mm: bool = True
    put_cap_im: float | None = None
    put_cap_mm: float | None = None
    note: str = ""


DERIBIT_SM_TSLAB = ShortOptionParams(
    name="deribit@2020", venue="deribit", as_of="2020-01-01",
    source_title="Deribit Margin Requirements Calculation (TSLab documentation, copying Deribit's formulas)",
    source_url="https://doc.tslab.pro/tslab/eng/data-providers/connection-to-broker/deribit-cryptocurrency-exchange/"
               "deribit-margin-requirements-calculation",
    mirror=True, im_itm=0.15, im_otm=0.10, mm_itm=0.075, mm_otm=0.075, put_mark_floor=0.075,
    note="third-party mirror of Deribit's standard-margin formulas (BTC options, in coin); the page is undated and "
         "links Deribit's own worked example (a Google sheet) that levxl could not read; as_of is approximate")

AEVO_SM = ShortOptionParams(
    name="aevo@2026", venue="aevo", as_of="2026-12-01",
    source_title="Aevo documentation: Standard Margin",
    source_url="https://docs.aevo.xyz/aevo-exchange/options-specifications/standard-margin",
    mirror=False, im_itm=0.15, im_otm=0.10, mm_itm=0.10, mm_otm=0.10, put_mark_floor=0.10,
    note="Aevo's own page (USD): same IM as Deribit, but MM 0.1*spot where Deribit has 0.075; undated, as_of is "
         "the date levxl read the stored copy")

PARADEX_XM_2024 = ShortOptionParams(
    name="paradex@2024", venue="paradex", as_of="2024-12-01",
    source_title="Paradex documentation: Perpetual Options, Margin Requirements (cross margin)",
    source_url="https://docs.paradex.trade/documentation/perpetual-options/margin-requirements",
    mirror=False, im_itm=0.15, im_otm=0.10, mm_itm=0.075, mm_otm=0.05, im_premium=0.0, mm_premium=0.0,
    put_im_at_least_mm=False, put_cap_im=0.5, put_cap_mm=0.5,
    note="Paradex's 'example' parameters (its worked example uses them); the page says they vary by asset and "
         "announces portfolio margin for January 2025")

BITCOM_USD = ShortOptionParams(
    name="bitcom-usd@2026", venue="bit.com", as_of="2026-12-01",
    source_title="Bit.com Help Center: Margin Rules for USD Margined Options (BTCUSD, ETHUSD)",
    source_url="https://helpcenter.bit.com/hc/en-us/articles/11039356631321-3-Margin-Rules-for-USD-Margined-Options",
    mirror=False, im_itm=0.15, im_otm=0.10, mm_itm=0.075, mm_otm=0.075, put_mark_floor=0.075,
    note="the venue's own page, in USD: Deribit's structure and numbers (0.15/0.1/0.075) times the underlying; "
         "undated, as_of is the date levxl read the stored copy")

BITCOM_BCH = ShortOptionParams(
    name="bitcom-bch@2021", venue="bit.com", as_of="2021-08-01",
    source_title="Bit.com Support: BCH Option Margin", source_url="https://support.bit.com/hc/en-us/articles/"
                                                                  "4404914044441-BCH-Option-Margin",
    mirror=False, im_itm=0.25, im_otm=0.15, mm_itm=0.125, mm_otm=0.125, put_mark_floor=0.125,
    note="the same structure with wider rates for BCH (in coin); the date is approximate (article id of 2021)")

OPTION_MARGIN_SETS: dict[str, ShortOptionParams] = {p.name: p for p in (DERIBIT_SM_TSLAB, AEVO_SM, PARADEX_XM_2024,
                                                                         BITCOM_USD, BITCOM_BCH)}
OPTION_MARGIN_SETS["deribit"] = DERIBIT_SM_TSLAB  # latest set per venue
OPTION_MARGIN_SETS["aevo"] = AEVO_SM
OPTION_MARGIN_SETS["paradex"] = PARADEX_XM_2024


@dataclass(frozen=True)
class PMParams:
    """A portfolio-margin scenario grid: spot moves x vol shocks, each scenario weighted.

    Vol shock of a scenario with relative shock ``k`` on an option with ``DTE`` days left::

        vol' = vol * (1 + k * (30 / max(dte_floor, DTE)) ** p),  p = power_short if DTE < 30 else power_long
        vol' = max(vol', vol_up_floor) when k > 0,  max(vol', 0) otherwise

    ``regular_moves`` are taken with every shock in ``regular_vol_shocks`` (weight 1); ``extended_moves`` with
    ``extended_vol_shock`` only, weighted ``extended_weights`` (or ``max(regular)/|move|`` where not given).
    MM = ``mm_fraction`` x the net requirement, IM = ``im_multiplier`` x MM unless ``mm_fraction`` < 1 (Paradex:
    IM = net requirement, MM = 50% of it); the net requirement is max(worst weighted loss, minimum delta charge).
    """

    name: str
    venue: str
    as_of: str
    source_title: str
    source_url: str
    mirror: bool
    regular_moves: tuple[float, ...]
    regular_vol_shocks: tuple[float, ...]
    extended_moves: tuple[float, ...] = ()
    extended_vol_shock: float = 0.0
    extended_weights: tuple[float, ...] | None = None
    power_short: float = 0.30
    power_long: float = 0.13
    dte_floor: float = 1.0
    vol_up_floor: float = 0.0
    skip: tuple[tuple[float, float], ...] = ()  # (move, shock) pairs the venue's table leaves out
    net_delta_charge: float = 0.0
    hedged_delta_charge: float = 0.0
    mm_fraction: float = 1.0
    im_multiplier: float = 1.0
    note: str = ""
    labels: tuple[str, ...] = field(default=(), compare=False)


def _moves(range_: float, steps: int) -> tuple[float, ...]:
    return tuple(round(range_ * i / steps, 10) for i in range(-steps, steps + 1))


DERIBIT_PM = PMParams(
    name="deribit-pm@2025", venue="deribit", as_of="2025-01-01",
    source_title="Deribit Support: Portfolio Margin (structure); Oreome API docs 'Advanced Risk Scenarios' (values)",
    source_url="https://support.deribit.com/hc/en-us/articles/25944756247837-Portfolio-Margin ; "
               "https://docs.oreome.com/docs/scenario/risk-scenario-advanced",
    mirror=True, regular_moves=_moves(0.16, 4), regular_vol_shocks=(0.5, 0.0, -0.25),
    extended_moves=(-0.66, -0.33, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0), extended_vol_shock=0.5,
    power_short=0.30, power_long=0.13, dte_floor=1.0, vol_up_floor=0.5,
    note="Deribit's page gives the structure (+/-16% in 9 buckets x vol up/same/down, extended table on vol up "
         "only, a fraction of the P&L, a dampener) and says the live values are on its margin page; the values "
         "(volRangeUp 0.5, volRangeDown 0.25, minVolForShockUp 0.5, vega powers 0.30/0.13) are a third-party "
         "mirror's (Oreome). The extended fraction is taken as 16%/|move| (Paradex publishes that rule); the "
         "dampener and contingencies are not published and are left out; IM = MM here (no multiplier published)")

DERIBIT_PM_OLD = PMParams(
    name="deribit-pm@2019", venue="deribit", as_of="2019-06-01",
    source_title="Deribit: Portfolio Margin (old documentation page)",
    source_url="https://www.deribit.com/pages/docs/portfoliomargin",
    mirror=False, regular_moves=_moves(0.10, 4), regular_vol_shocks=(0.38, 0.0, -0.38), power_short=0.30,
    power_long=0.30, dte_floor=1.0,
    note="maximum move +/-10%, IV change (30/DTE)^0.30 x 38%; the bucket count is not stated (9 assumed, as "
         "today); the contingencies (0.01 coin per net short option per strike, 1% for offsetting futures) are left "
         "out; the date is approximate")

_PARADEX_TAILS = (-0.66, -0.33, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0)
PARADEX_PM = PMParams(
    name="paradex-pm@2025", venue="paradex", as_of="2025-06-01",
    source_title="Paradex documentation: Portfolio Margin",
    source_url="https://docs.paradex.trade/risk/portfolio-margin",
    mirror=False, regular_moves=(-0.16, -0.12, -0.08, -0.04, 0.0, 0.04, 0.08, 0.12, 0.16),
    regular_vol_shocks=(0.40, -0.22), skip=((0.16, -0.22), (-0.16, -0.22)),
    extended_moves=_PARADEX_TAILS, extended_vol_shock=0.40,
    extended_weights=(0.24, 0.48, 0.32, 0.16, 0.08, 0.0533, 0.04, 0.032),
    power_short=0.30, power_long=0.13, dte_floor=1.0, net_delta_charge=0.02, hedged_delta_charge=0.01,
    mm_fraction=0.5,
    note="24 scenarios as tabulated (the +/-16% moves with +40% vol only); IMR = max(SCAN, min delta) + fee "
         "provision (+ funding provision in the newer copy), MMR = 50% of the net requirement + provisions; "
         "the provisions are inputs (fee_provision)")

OKX_MR1_2025 = PMParams(
    name="okx-mr1@2025-01-06", venue="okx", as_of="2025-01-06",
    source_title="OKX: OKX will further adjust portfolio margin parameters (announcement, 2 Jan 2025)",
    source_url="https://www.okx.com/help/okx-will-further-adjust-portfolio-margin-parameters",
    mirror=True, regular_moves=(-0.12, -0.08, -0.04, 0.0, 0.04, 0.08, 0.12), regular_vol_shocks=(0.0,),
    note="MR1 spot shock for BTC and ETH only (MR2..MR9 not modelled); read from a mirror of OKX's announcement "
         "(okx-api.aperture.finance); MM = worst MR1 loss, IM = MM")

OKX_MR1_2024 = PMParams(
    name="okx-mr1@2024", venue="okx", as_of="2024-12-31",
    source_title="OKX: OKX will further adjust portfolio margin parameters ('before adjustments')",
    source_url="https://www.okx.com/help/okx-will-further-adjust-portfolio-margin-parameters",
    mirror=True, regular_moves=(-0.15, -0.10, -0.05, 0.0, 0.05, 0.10, 0.15), regular_vol_shocks=(0.0,),
    note="the MR1 table in force until 6 Jan 2025 (BTC, ETH), from the same mirrored announcement")

PM_SETS: dict[str, PMParams] = {p.name: p for p in (DERIBIT_PM, DERIBIT_PM_OLD, PARADEX_PM, OKX_MR1_2025, OKX_MR1_2024)}
PM_SETS.update({"deribit": DERIBIT_PM, "paradex": PARADEX_PM, "okx": OKX_MR1_2025})


def option_params(name) -> ShortOptionParams:
    """The short-option set called ``name`` ("deribit", "aevo@2026", ...), or the set itself."""
    if isinstance(name, ShortOptionParams):
        return name
    key = str(name).strip().lower()
    if key not in OPTION_MARGIN_SETS:
        raise ValueError(f"option margin rules must be one of {', '.join(OPTION_MARGIN_SETS)}, got {name!r}")
    return OPTION_MARGIN_SETS[key]


def pm_params(name) -> PMParams:
    """The portfolio-margin set called ``name`` ("deribit", "paradex-pm@2025", "okx", ...), or the set itself."""
    if isinstance(name, PMParams):
        return name
    key = str(name).strip().lower()
    if key not in PM_SETS:
        raise ValueError(f"portfolio margin rules must be one of {', '.join(PM_SETS)}, got {name!r}")
    return PM_SETS[key]
