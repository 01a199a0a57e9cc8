"""Write the population-projection rate seeds (docs/PROJECTIONS.md).

    uv run --frozen python scripts/projection_rates.py

Writes, under dbt_project/seeds/:

- ``projection_survival.csv``: one-year survival ratios by sex and single year of
  age (0-99, 100 = 100 and over) from a life table built here: infant mortality
  q0 as published, a Gompertz-Makeham force of mortality from age 1 whose level
  is solved so that life expectancy at birth equals the published figure for
  each sex. The published inputs (below, with their sources) are facts; the
  Gompertz-Makeham shape (slope, Makeham term) is this project's assumption.
- ``projection_fertility.csv``: age-specific fertility rates 15-49, a normal
  curve (assumed mean age at childbearing and spread) scaled to a published
  total fertility rate.
- ``projection_births.csv``: the sex ratio at birth as published, and each
  sex's survival from birth to the end of the year of birth (L0 / l0 of the
  same life table).

The script is the one place these numbers are made: change an input here, run
it, commit the seeds together with it.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"

# ---- published inputs (facts, with sources) --------------------------------
# Life expectancy at birth, Shenzhen, both sexes: 83.63 years (2021, Shenzhen's
# figure as compiled from the cities' statistics in the press, e.g.
# redian.news/wxnews/108748, 2022-10). The gap between women and men: 5.51
# years (China 2020, 杨明旭 et al., 人口学刊 2025 no. 2, from the census life
# tables). Split evenly around the mean (assumption: equal numbers of each sex).
E0_BOTH, E0_GAP = 83.63, 5.51
E0 = {"male": E0_BOTH - E0_GAP / 2, "female": E0_BOTH + E0_GAP / 2}
# Infant mortality: 5.4 per 1,000 live births (China 2020, National Health
# Commission, 2021 statistical bulletin on health). Shenzhen's is lower; the
# national figure is used for both sexes (assumption: no sex difference).
Q0 = 0.0054
# Total fertility rate 1.30 (China, 7th population census 2020, NBS).
TFR = 1.30
# Sex ratio at birth 107.76 boys per 100 girls (Shenzhen 2015, 深圳市社会性别统计报告).
SRB = 107.76

# ---- assumptions (this project's, not published figures) -----------------
GOMPERTZ_SLOPE = 0.095  # c in mu(x) = A + B exp(c x): ~9.5 % more mortality per year of age
MAKEHAM = 0.0002  # A: age-independent deaths (accidents) per year
FERTILITY_MEAN_AGE = 29.5  # mean age at childbearing (urban China around 2020)
FERTILITY_SD = 5.2  # spread of the fertility schedule in years
OMEGA = 120  # the life table runs to this age

SOURCE_SURVIVAL = (
    "life table: q0 5.4 per 1000 (China 2020 NHC bulletin), Gompertz-Makeham from age 1 "
    "(assumed slope 0.095, Makeham 0.0002) solved for e0 {e0:.2f} "
    "(Shenzhen 83.63 in 2021 +/- half the 5.51-year sex gap of China 2020)"
)
SOURCE_FERTILITY = (
    "TFR 1.30 (China 7th census 2020, NBS); shape assumed: normal, mean age 29.5, sd 5.2"
)
SOURCE_BIRTHS = "sex ratio at birth 107.76 (Shenzhen 2015 gender statistics report); " + (
    "survival to year end = L0/l0 of the projection life table"
)


def _life_table(level: float) -> tuple[list[float], list[float]]:
    """``(l, L)`` for ages 0..OMEGA: survivors at exact age and person-years lived."""
    lx = [1.0]
    for age in range(OMEGA):
        if age == 0:
            q = Q0
        else:
            # integrated force over [age, age + 1)
            hazard = MAKEHAM + level * math.exp(GOMPERTZ_SLOPE * age) * (
                (math.exp(GOMPERTZ_SLOPE) - 1) / GOMPERTZ_SLOPE
            )
            q = 1 - math.exp(-hazard)
        lx.append(lx[-1] * (1 - q))
    # infants die early in the year: 0.1 of a year lived by those who die (a common a0)
    big_l = [lx[0] - 0.9 * (lx[0] - lx[1])]
    big_l += [(lx[a] + lx[a + 1]) / 2 for a in range(1, OMEGA)]
    big_l.append(lx[OMEGA] / 2)
    return lx, big_l


def _e0(level: float) -> float:
    _, big_l = _life_table(level)
    return sum(big_l)


def _solve(e0: float) -> float:
    lo, hi = 1e-8, 1e-2  # e0 falls as the level rises
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        if _e0(mid) > e0:
            lo = mid
        else:
            hi = mid
    return math.sqrt(lo * hi)


def survival_rows() -> tuple[list[dict], dict[str, float]]:
    rows: list[dict] = []
    birth_survival: dict[str, float] = {}
    ratios: dict[str, list[float]] = {}
    for sex, e0 in E0.items():
        lx, big_l = _life_table(_solve(e0))
        birth_survival[sex] = big_l[0] / lx[0]
        # S(a): of those aged a at the start of a year, the share alive (aged a + 1) at its end
        per_age = [big_l[a + 1] / big_l[a] for a in range(100)]
        open_group = sum(big_l[101:]) / sum(big_l[100:])  # 100+ stay 100+
        ratios[sex] = [*per_age, open_group]
        for age, ratio in enumerate(ratios[sex]):
            rows.append(
                {
                    "sex": sex,
                    "age_years": age,
                    "survival_ratio": round(ratio, 6),
                    "source": SOURCE_SURVIVAL.format(e0=e0),
                }
            )
    # unknown sex: the mean of both (assumption)
    for age in range(101):
        rows.append(
            {
                "sex": "unknown",
                "age_years": age,
                "survival_ratio": round((ratios["male"][age] + ratios["female"][age]) / 2, 6),
                "source": "assumption: mean of the male and female ratios",
            }
        )
    return rows, birth_survival


def fertility_rows() -> list[dict]:
    shape = [
        math.exp(-0.5 * ((age + 0.5 - FERTILITY_MEAN_AGE) / FERTILITY_SD) ** 2)
        for age in range(15, 50)
    ]
    scale = TFR / sum(shape)
    return [
        {"age_years": age, "fertility_rate": round(value * scale, 6), "source": SOURCE_FERTILITY}
        for age, value in zip(range(15, 50), shape, strict=True)
    ]


def birth_rows(birth_survival: dict[str, float]) -> list[dict]:
    male_share = SRB / (SRB + 100)
    return [
        {
            "sex": sex,
            "share_of_births": round(share, 6),
            "survival_to_year_end": round(birth_survival[sex], 6),
            "source": SOURCE_BIRTHS,
        }
        for sex, share in (("male", male_share), ("female", 1 - male_share))
    ]


def _write(name: str, rows: list[dict]) -> None:
    path = SEEDS / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {path.relative_to(SEEDS.parents[1])} ({len(rows)} rows)")


def main() -> None:
    survival, birth_survival = survival_rows()
    _write("projection_survival.csv", survival)
    _write("projection_fertility.csv", fertility_rows())
    _write("projection_births.csv", birth_rows(birth_survival))
    for sex, e0 in E0.items():
        print(f"{sex}: e0 {e0:.2f}, level {_solve(e0):.3e}, L0/l0 {birth_survival[sex]:.5f}")


if __name__ == "__main__":
    main()
