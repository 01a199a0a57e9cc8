"""Suites for the key marts (``zhiwang validate marts``): few and telling.

A mart is validated whole after a transform. Failing here means the published
numbers would be wrong (broken keys, orphans, impossible values); warnings
describe the data (closed-before-reported share, unknown employers).
A suite is only built for marts that exist, and an expectation only for
columns the mart has, so the suites follow the dbt project as it grows.
"""

from __future__ import annotations

from typing import Any

import great_expectations.expectations as gxe

from expectations.checks import expect, tiered


def _unique_key(column: str) -> list[Any]:
    return [
        expect(gxe.ExpectColumnValuesToNotBeNull, "fail", "key_not_null", column=column),
        expect(gxe.ExpectColumnValuesToBeUnique, "fail", "key_unique", column=column),
    ]


def _orphans(check: str, column: str, parent: str, parent_column: str, severity: str) -> Any:
    return expect(
        gxe.UnexpectedRowsExpectation,
        severity,  # type: ignore[arg-type]
        check,
        unexpected_rows_query=f"""
            select {column}, count(*) as row_count from {{batch}}
            where {column} is not null
              and {column} not in (select {parent_column} from {parent})
            group by {column}
        """,
        description=f"every {column} exists in {parent}",
    )


def fct_event(columns: set[str], tables: set[str]) -> list[Any]:
    out = [
        *_unique_key("event_id"),
        expect(gxe.ExpectTableRowCountToBeBetween, "fail", "not_empty", min_value=1),
    ]
    if "grid_code" in columns and "marts.dim_grid" in tables:
        out.append(_orphans("grid_exists", "grid_code", "marts.dim_grid", "grid_code", "fail"))
    if "is_closed_before_reported" in columns:
        out += tiered(
            gxe.ExpectColumnValuesToBeInSet,
            "closed_after_reported",
            warn={"mostly": 0.995},
            fail={"mostly": 0.9},
            column="is_closed_before_reported",
            value_set=[False],
        )
    return out


def fct_population_snapshot(columns: set[str], tables: set[str]) -> list[Any]:
    out = [*_unique_key("snapshot_key")]
    for col in ("resident_count", "hukou_count", "elderly_60_plus_count"):
        if col in columns:
            out.append(
                expect(
                    gxe.ExpectColumnValuesToBeBetween,
                    "fail",
                    "non_negative",
                    column=col,
                    min_value=0,
                )
            )
    if {"resident_count", "hukou_count"} <= columns:
        out.append(
            expect(
                gxe.UnexpectedRowsExpectation,
                "warn",
                "hukou_share_plausible",
                # Bao'an 2020: 13.86% hukou; a share far outside says a join broke
                unexpected_rows_query="""
                    select sum(hukou_count) / nullif(sum(resident_count), 0) as hukou_share
                    from {batch}
                    having sum(resident_count) > 0
                       and (sum(hukou_count) / sum(resident_count) not between 0.02 and 0.6)
                """,
            )
        )
    return out


def fct_contributions(columns: set[str], tables: set[str]) -> list[Any]:
    grain = ["person_key", "employer_uscc", "contribution_month", "insurance_type"]
    out: list[Any] = []
    if set(grain) <= columns:
        # the grain is the key (no surrogate column); a missing employer is one value
        out.append(
            expect(
                gxe.UnexpectedRowsExpectation,
                "fail",
                "grain_unique",
                unexpected_rows_query=f"""
                    select {", ".join(grain)}, count(*) as row_count from {{batch}}
                    group by {", ".join(grain)}
                    having count(*) > 1
                """,
            )
        )
        out += [
            expect(gxe.ExpectColumnValuesToNotBeNull, "fail", f"{column}_not_null", column=column)
            for column in ("person_key", "contribution_month", "insurance_type")
        ]
    if "employer_uscc" in columns and "marts.dim_legal_entity" in tables:
        out.append(
            _orphans(
                "employer_is_known_entity",
                "employer_uscc",
                "marts.dim_legal_entity",
                "uscc",
                "warn",
            )
        )
    return out


def dim_grid(columns: set[str], tables: set[str]) -> list[Any]:
    """Grids roll up to a current community; a grid per dirty code is a modelling fault.

    The generator plants orphan codes (street segment rewritten to the pre-2017
    440306001) in ~0.1% of grid-collection rows; the ingest flags them
    ``unknown_community``. A grid dimension that admits every code it sees
    gets one phantom grid per such row — at district scale thousands, each with
    a resident or two and no street — and grid rankings and roll-ups go wrong.
    The sample lists the unknown community prefixes with their grid counts.
    """
    out = [*_unique_key("grid_code")]
    if "is_known_community" in columns:

        def unknown(having: str) -> str:
            return f"""
                select community_code, count(*) as grids,
                       sum(count(*)) over () as unknown_grids,
                       any_value(total.grids) as all_grids
                from {{batch}}, (select count(*) as grids from {{batch}}) as total
                where not is_known_community
                group by community_code
                qualify {having}
                order by grids desc
            """

        out += [
            expect(
                gxe.UnexpectedRowsExpectation,
                "warn",
                "grid_in_known_community",
                unexpected_rows_query=unknown("true"),
                description="every grid's community is a current NBS community",
            ),
            expect(
                gxe.UnexpectedRowsExpectation,
                "fail",
                "grid_in_known_community",
                unexpected_rows_query=unknown("unknown_grids > 0.2 * all_grids"),
                description="over 20% of the grids in no current community: a broken grid list",
            ),
        ]
    return out


SUITES = {
    "fct_event": fct_event,
    "fct_population_snapshot": fct_population_snapshot,
    "fct_contributions": fct_contributions,
    "dim_grid": dim_grid,
}
