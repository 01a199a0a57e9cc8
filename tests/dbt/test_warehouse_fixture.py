"""dbt models on the hand-made raw layer: findings, pseudonyms, event loop, docs."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from tests.dbt.dbt_helpers import SESSION, dbt_test_status, findings, query, run_dbt
from tests.dbt.pseudonym import pseudonym
from tests.dbt.raw_fixture import P, expected

PERSON_RULES = {"xc_assistance_legal_rep", "xc_assistance_high_base", "xc_insured_no_residence"}


def _as_reported(rule: str, key: str) -> str:
    return pseudonym(key) if rule in PERSON_RULES else key


def test_every_planted_cross_check_is_found_and_nothing_else(fixture_warehouse: Path) -> None:
    want = {
        rule: {_as_reported(rule, key) for key in keys}
        for rule, keys in expected().cross_checks.items()
    }
    assert findings(fixture_warehouse) == want


def test_clean_data_yield_no_findings(clean_fixture_warehouse: Path) -> None:
    assert findings(clean_fixture_warehouse) == {}


def test_python_pseudonym_equals_the_sql_one(fixture_warehouse: Path) -> None:
    keys = {r[0] for r in query(fixture_warehouse, "select person_key from internal.dim_person")}
    assert {pseudonym(P[k]) for k in "ABCDFG"} <= keys


def test_no_plain_personal_data_outside_raw_and_staging(fixture_warehouse: Path) -> None:
    plain = """
        select citizen_id as v from staging.stg_population__register_records
        union select person_name from staging.stg_population__register_records
        union select phone from staging.stg_population__register_records
        union select citizen_id from staging.stg_population__grid_collections
        union select person_name from staging.stg_population__grid_collections
        union select legal_rep_citizen_id from staging.stg_entities__market_entity_changes
        union select tenant_citizen_id from staging.stg_housing__rental_filing_changes
        union select landlord_citizen_id from staging.stg_housing__rental_filing_changes
        union select citizen_id from staging.stg_social_security__contributions
        union select caller_phone from staging.stg_events__hotline_tickets
    """
    columns = query(
        fixture_warehouse,
        """select table_schema, table_name, column_name from information_schema.columns
           where table_schema in ('intermediate', 'marts', 'internal') and data_type = 'VARCHAR'""",
    )
    assert columns
    leaks = []
    for schema, table, column in columns:
        sql = f'select count(*) from {schema}."{table}" where "{column}" in ({plain})'
        if query(fixture_warehouse, sql)[0][0]:
            leaks.append(f"{schema}.{table}.{column}")
    assert leaks == []


def test_late_out_of_order_states_land_in_seq_order(fixture_warehouse: Path) -> None:
    rows = query(
        fixture_warehouse,
        """select from_state, to_state from marts.fct_event_transitions
           where event_id = 'E1' order by state_seq""",
    )
    assert [r[1] for r in rows] == [
        "reported", "registered", "dispatched", "handled", "verified", "closed",
    ]  # fmt: skip
    assert rows[3] == ("dispatched", "handled")


def test_event_snapshot_flags_rework_reopen_duplicate_and_defects(fixture_warehouse: Path) -> None:
    got = {
        row[0]: row[1:]
        for row in query(
            fixture_warehouse,
            """select event_id, rework_count, reopen_count, is_closed_on_time,
                      merged_into_event_id, is_closed_before_reported
               from marts.fct_event""",
        )
    }
    assert got["E2"][:3] == (1, 1, False)
    assert got["E3"][3] == "E1"
    assert got["E5"][4] is True
    overdue = query(
        fixture_warehouse,
        """select overdue_backlog from marts.rpt_event_performance
           where period_type = 'month' and unit_level = 'grid' and unit_code = '440306018001001'""",
    )
    assert overdue == [(1,)]  # E4: dispatched, deadline passed, never closed


def test_events_without_a_known_location_are_counted_on_unlocated_members(
    fixture_warehouse: Path,
) -> None:
    """Nobody lost between levels (issue 12): an event with no location, one whose grid
    code names no known community and one whose report state never arrived are each
    counted once at every level of rpt_event_performance, on the unlocated members."""
    located = dict(
        (row[0], row[1:])
        for row in query(
            fixture_warehouse,
            """select event_id, grid_code, community_code, street_code, unlocated_reason
               from marts.fct_event where event_id in ('E6', 'E7', 'E8')""",
        )
    )
    assert located["E6"] == ("440306999999999", "440306999999", "440306999000", "no_location_code")
    assert located["E7"] == (
        "440306017999999", "440306017999", "440306017000", "unknown_community_code",
    )  # fmt: skip
    assert located["E8"] == ("440306018001001", "440306018001", "440306018000", None)
    names = query(
        fixture_warehouse,
        """select c.community_name from marts.fct_event as e
           inner join marts.dim_community as c on e.community_code = c.community_code
           where e.event_id = 'E6'""",
    )
    assert names == [("未定位街道未定位社区",)]
    events = query(fixture_warehouse, "select count(*) from marts.fct_event")[0][0]
    per_level = query(
        fixture_warehouse,
        """select unit_level, sum(reports_received) from marts.rpt_event_performance
           where period_type = 'month' and unit_level <> 'department'
           group by unit_level order by unit_level""",
    )
    assert per_level == [(level, events) for level in ("community", "district", "grid", "street")]
    unlocated = query(
        fixture_warehouse,
        """select unit_code, reports_received from marts.rpt_event_performance
           where period_type = 'month' and unit_level = 'street' and unit_code = '440306999000'""",
    )
    assert unlocated == [("440306999000", 1)]


def test_corrected_contribution_month_replaces_the_earlier_delivery(
    fixture_warehouse: Path,
) -> None:
    # A's pension: 100 then 600 and 640 in the correction, whose last row wins; E's
    # pension, which the correction no longer carries, is gone
    rows = query(
        fixture_warehouse,
        """select insurance_type, employer_uscc is null, contribution_amount_yuan
           from internal.fct_contributions
           where contribution_month = date '2026-08-01' order by all""",
    )
    assert rows == [("medical", False, 400.0), ("medical", True, 400.0), ("pension", False, 640.0)]


def test_entity_status_history_is_scd2(fixture_warehouse: Path) -> None:
    rows = query(
        fixture_warehouse,
        """select registration_status, is_current from marts.dim_legal_entity
           where uscc = '91440306MA5F00006X' order by valid_from""",
    )
    assert rows == [("active", False), ("cancelled", True)]


def test_residence_history_follows_the_grid_channel(fixture_warehouse: Path) -> None:
    rows = query(
        fixture_warehouse,
        f"""select room_code, valid_to is null from internal.fct_residence_spells
            where person_key = '{pseudonym(P["B"])}' order by valid_from""",
    )
    assert [r[1] for r in rows] == [False, True]
    assert rows[-1][0].startswith("44030601700100002")


def test_docs_generate_works(fixture_warehouse: Path, tmp_path: Path) -> None:
    done = run_dbt(["docs", "generate"], fixture_warehouse, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
    assert (SESSION / "target" / "catalog.json").exists()


CARRIED_TEST = "carries_parent_columns_fct_residence_spells_person_key"


def test_spells_carry_the_persons_register_attributes(
    fixture_warehouse: Path, tmp_path: Path
) -> None:
    """fct_residence_spells carries dim_person's sex, birth date and hukou (so the
    snapshot and cohort marts count spells without a person join). The built
    warehouse agrees; a spell whose copy differs from its person, or whose person
    is missing, fails carries_parent_columns."""
    assert query(
        fixture_warehouse,
        """select count(*) from internal.fct_residence_spells as s
           join internal.dim_person as p using (person_key)
           where s.sex is not distinct from p.sex and s.birth_date is not distinct from
             p.birth_date and s.is_hukou is not distinct from p.is_hukou""",
    ) == query(fixture_warehouse, "select count(*) from internal.fct_residence_spells")
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(fixture_warehouse, warehouse)
    assert dbt_test_status(warehouse, tmp_path, f"{CARRIED_TEST}*") == "pass"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update internal.fct_residence_spells set birth_date = birth_date + 1 "
            "where person_key = (select min(person_key) from internal.fct_residence_spells "
            "where birth_date is not null)"
        )
    assert dbt_test_status(warehouse, tmp_path, f"{CARRIED_TEST}*") == "fail"
    shutil.copy(fixture_warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "delete from internal.dim_person "
            "where person_key = (select min(person_key) from internal.fct_residence_spells)"
        )
    assert dbt_test_status(warehouse, tmp_path, f"{CARRIED_TEST}*") == "fail"
