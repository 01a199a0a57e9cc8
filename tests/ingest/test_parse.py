"""Parsers and normalisers: typed values, bad masks and flags."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import parse, validate
from ingest.contract import Column
from ingest.transform import Checked, FileState, check_column

STATE = FileState(delivery_date=date(2026, 10, 1), reference_dir=Path("seeds/reference"))
FULLWIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
quick = settings(max_examples=60, deadline=None)


def col(type_: str, **kw: object) -> Column:
    return Column(source="x", name="x", type=type_, **kw)  # type: ignore[arg-type]


@quick
@given(st.dates(date(1900, 1, 1), date(2100, 12, 31)))
def test_dates_parse_in_every_accepted_format(day: date) -> None:
    texts = [day.isoformat(), day.strftime("%Y%m%d"), day.strftime("%Y/%m/%d")]
    out, bad = parse.parse_date(pl.Series(texts), ["%Y-%m-%d"])
    assert out.to_list() == [day] * 3
    assert not bad.any()


def test_excel_serial_numbers_are_dates() -> None:
    out, _bad = parse.parse_date(pl.Series(["45293", "45293.0"]))
    assert out.to_list() == [date(2024, 1, 2)] * 2
    out, _ = parse.parse_datetime(pl.Series(["45293.5"]))
    assert out.to_list() == [datetime(2024, 1, 2, 12)]


def test_impossible_dates_are_bad_and_missing_are_not() -> None:
    out, bad = parse.parse_date(pl.Series(["20241301", "2024-02-30", "soon", None]), ["%Y%m%d"])
    assert out.to_list() == [None] * 4
    assert bad.to_list() == [True, True, True, False]


@quick
@given(
    st.datetimes(datetime(1990, 1, 1), datetime(2090, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    ),
    st.integers(-12 * 60, 14 * 60).map(lambda m: m - m % 15),
)
def test_offsets_convert_to_shanghai_local_naive_time(moment: datetime, minutes: int) -> None:
    aware = moment.replace(tzinfo=timezone(timedelta(minutes=minutes)))
    shanghai = aware.astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    texts = [aware.isoformat(), aware.isoformat().replace("+00:00", "Z")]
    out, bad = parse.parse_timestamptz(pl.Series(texts))
    assert out.to_list() == [shanghai, shanghai]
    assert not bad.any()


def test_timestamptz_without_offset_is_local_and_garbage_is_bad() -> None:
    out, bad = parse.parse_timestamptz(
        pl.Series(["2026-10-01T08:00:00", "2026-10-01 08:00:00+0800", "yesterday"])
    )
    assert out.to_list() == [datetime(2026, 10, 1, 8), datetime(2026, 10, 1, 8), None]
    assert bad.to_list() == [False, False, True]


def test_datetime_formats_and_offsets() -> None:
    out, bad = parse.parse_datetime(
        pl.Series(["2026-10-01 08:00:00", "2026-10-01T08:00:00", "2026-10-01T00:00:00Z", "x"]),
        ["%Y-%m-%d %H:%M:%S"],
    )
    assert out.to_list()[:3] == [datetime(2026, 10, 1, 8)] * 3
    assert bad.to_list() == [False, False, False, True]


def test_yyyymm() -> None:
    out, bad = parse.parse_yyyymm(
        pl.Series(["202410", "2024-01", "202410.0", "202413", "2024", "2023-5", "000000"])
    )
    assert out.to_list() == [date(2024, 10, 1), date(2024, 1, 1), date(2024, 10, 1)] + [None] * 4
    assert bad.to_list() == [False, False, False, True, True, True, True]


def _yyyymm_by_strptime(values: pl.Series) -> pl.Series:
    """The plain regex + strptime reading that parse_yyyymm's fast path must equal."""
    text = values.str.replace(r"\.0+$", "").str.replace(r"^(\d{4})[-/.](\d{2})$", "${1}${2}")
    out = (text + "01").str.strptime(pl.Date, "%Y%m%d", strict=False, exact=True)
    return out.set(~text.str.contains(r"^\d{6}$").fill_null(False), None)


@quick
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(alphabet="0123456789", min_size=5, max_size=7),
            st.text(alphabet="0123456789-+./ ", max_size=9),
            st.integers(100000, 999999).map(str),
        ),
        max_size=40,
    )
)
def test_yyyymm_fast_path_agrees_with_strptime(texts: list[str | None]) -> None:
    values = pl.Series(texts, dtype=pl.String)
    out, bad = parse.parse_yyyymm(values)
    assert out.to_list() == _yyyymm_by_strptime(values).to_list()
    assert bad.to_list() == (values.is_not_null() & out.is_null()).to_list()


@quick
@given(
    st.lists(
        st.lists(st.text(alphabet='ab 中,"\\-_', max_size=5), max_size=4),
        min_size=1,
        max_size=20,
    ),
    st.booleans(),
)
def test_json_list_fast_path_agrees_with_json(lists: list[list[str]], spaced: bool) -> None:
    import json

    sep = ", " if spaced else ","
    texts = [json.dumps(items, ensure_ascii=False, separators=(sep, ":")) for items in lists]
    out, bad = parse.parse_list(pl.Series(texts))
    assert out.to_list() == lists
    assert not bad.any()


def test_bool_spellings() -> None:
    out, bad = parse.parse_bool(pl.Series(["true", "FALSE", "1", "0", "是", "否", "maybe"]))
    assert out.to_list() == [True, False, True, False, True, False, None]
    assert bad.to_list() == [False] * 6 + [True]


def test_lists_from_separator_text_and_json_arrays() -> None:
    out, bad = parse.parse_list(pl.Series(["pension|medical", '["a", "b"]', "[1, 2]", "[oops"]))
    assert out.to_list() == [["pension", "medical"], ["a", "b"], ["1", "2"], None]
    assert bad.to_list() == [False, False, False, True]


def test_numbers() -> None:
    ints, bad = parse.parse_int(pl.Series(["7", "1,200", "12.0", "12.5", "x"]))
    assert ints.to_list() == [7, 1200, 12, None, None]
    assert bad.to_list() == [False, False, False, True, True]
    dec, bad = parse.parse_decimal(pl.Series(["113.5", "1,000.25", "nan", "x"]))
    assert dec.to_list() == [113.5, 1000.25, None, None]
    assert bad.to_list() == [False, False, True, True]


@quick
@given(st.text("0123456789", min_size=25, max_size=25))
def test_fullwidth_codes_are_normalised_and_flagged(code: str) -> None:
    wide = code.translate(FULLWIDTH)
    checked = check_column(pl.Series([wide, code]), col("room_code", on_invalid="flag"), STATE)
    assert checked.values.to_list() == [code, code]
    fw = next(m for m, c in checked.notes if c == "fullwidth_normalised")
    assert fw.to_list() == [True, False]


def test_whitespace_on_codes_is_flagged_but_free_text_is_only_trimmed() -> None:
    checked = check_column(pl.Series([" 01 ", "01"]), col("code"), STATE)
    assert checked.values.to_list() == ["01", "01"]
    ws = next(m for m, c in checked.notes if c == "whitespace_normalised")
    assert ws.to_list() == [True, False]
    text = check_column(pl.Series(["  张三 ", ""]), col("text"), STATE)
    assert text.values.to_list() == ["张三", None]
    assert text.notes == []


def test_id_check_char_upper_cased_and_phone_keeps_digits() -> None:
    ids = check_column(pl.Series(["44030619950101007x"]), col("citizen_id"), STATE)
    assert ids.values.to_list() == ["44030619950101007X"]
    assert not any(m.any() for m, _ in ids.problems)
    phones = check_column(
        pl.Series(["+86 138-0000-0000", "0755-2345 6789", "12"]),
        col("phone", on_invalid="flag"),
        STATE,
    )
    assert phones.values.to_list() == ["13800000000", "075523456789", "12"]
    assert next(m for m, _ in phones.problems).to_list() == [False, False, True]


def test_unknown_community_prefix_is_noted_not_invalid() -> None:
    old = "440306001001001"  # 新安街道 before 2017: well formed, not a current community
    checked = check_column(
        pl.Series([old, "440306017001001", "12"]), col("grid_code", on_invalid="flag"), STATE
    )
    invalid = next(m for m, c in checked.problems if c == "invalid_code")
    unknown = next(m for m, c in checked.notes if c == "unknown_community")
    assert invalid.to_list() == [False, False, True]
    assert unknown.to_list() == [True, False, False]


@quick
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(alphabet="0123456789X", min_size=1, max_size=18),
            st.text(alphabet="0123456789xX -１２Ａ\u3000\t", max_size=20),
            st.text(max_size=6),
        ),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from(["citizen_id", "uscc", "phone", "room_code", "enum", "date", "text"]),
)
def test_normalise_fast_path_equals_full_normalisation(texts: list[str | None], kind: str) -> None:
    from ingest.transform import _normalise, _normalise_all

    values = pl.Series(texts, dtype=pl.String)
    column = col(kind, values=["a"]) if kind == "enum" else col(kind)
    fast, full = _normalise(values, column), _normalise_all(values, column)
    assert fast.values.to_list() == full.values.to_list()
    got = {code: m.to_list() for m, code in fast.notes if m.any()}
    want = {code: m.to_list() for m, code in full.notes if m.any()}
    assert got == want


def _communities() -> list[str]:
    from ingest.validate import current_communities

    return sorted(current_communities(STATE.reference_dir))


def _assert_fast_path_equals_the_regex_path(
    texts: list[str | None], kind: str, fast_rows: str, clean: Callable[[str], bool]
) -> None:
    """``check_column`` of ``texts`` as a ``kind`` column must be the regex path's for
    the whole column: its values and every mark equal those of a run in which the numpy
    fast path ``validate.<fast_rows>`` takes no rows (all take the regex path). The
    fast path must take exactly the values that ``clean`` accepts."""
    values = pl.Series(texts, dtype=pl.String)
    column = col(kind, on_invalid="flag")
    real = getattr(validate, fast_rows)
    taken: list[np.ndarray] = []

    def spy(*args: object) -> tuple[np.ndarray, np.ndarray]:
        rows, per_row = real(*args)
        taken.append(rows)
        return rows, per_row

    def no_rows(*args: object) -> tuple[np.ndarray, np.ndarray]:
        rows, per_row = real(*args)
        return rows[:0], per_row[:0]

    with mock.patch.object(validate, fast_rows, spy):
        fast = check_column(values, column, STATE)
    with mock.patch.object(validate, fast_rows, no_rows):
        slow = check_column(values, column, STATE)
    assert len(taken) == 1
    assert taken[0].tolist() == [i for i, t in enumerate(texts) if t is not None and clean(t)]
    assert fast.values.to_list() == slow.values.to_list()

    def marks(c: Checked) -> list[tuple[str, list[bool]]]:
        return [
            (code, m.fill_null(False).to_list())
            for m, code in c.problems + c.notes
            if m.fill_null(False).any()
        ]

    assert marks(fast) == marks(slow)


@quick
@given(st.data(), st.sampled_from(["community_code", "grid_code", "building_code", "room_code"]))
def test_all_digit_code_fast_path_equals_the_regex_path(data: st.DataObject, kind: str) -> None:
    """Code values that are digits of the right width skip normalisation and the format
    regex; the others take the regex path and are put back in place."""
    width = validate.CODE_WIDTH[kind]
    known = st.sampled_from(_communities())
    digits = st.text(alphabet="0123456789", min_size=width - 12, max_size=width - 12)
    other = st.text(alphabet="0123456789", min_size=12, max_size=12)
    code = st.builds(lambda c, d: (c + d)[:width], known | other, digits)
    odd = st.sampled_from(
        ["", " 4403", "\uff14\uff14\uff10\uff13", "44030601700A", "0" * (width - 1)]
    )
    texts = data.draw(
        st.lists(st.none() | code | odd | st.text(max_size=26), min_size=1, max_size=30)
    )
    _assert_fast_path_equals_the_regex_path(
        texts,
        kind,
        "all_digit_codes",
        lambda t: len(t) == width and t.isdigit() and t.isascii(),
    )


@quick
@given(st.data())
def test_clean_citizen_id_fast_path_equals_the_regex_path(data: st.DataObject) -> None:
    """Citizen IDs of 17 digits and a digit or X are checked in numpy only; the others
    are normalised, upgraded and checked by the regex path and put back in place."""

    def with_check(body: str) -> str:
        return body + validate.ric_check_chars(pl.Series([body]))[0]

    place = st.sampled_from(["110101", "440306", "440305", "999999"])
    born = st.dates(date(1900, 1, 1), date(2030, 12, 31)).map(lambda d: d.strftime("%Y%m%d"))
    serial = st.text(alphabet="0123456789", min_size=3, max_size=3)
    ids = st.builds(lambda p, b, s: with_check(p + b + s), place, born, serial)
    broken = st.builds(lambda i, c: i[:17] + c, ids, st.sampled_from("0123456789X"))
    real_ish = st.sampled_from(["110101199003074477", "44030619900307447X", "440306900307447"])
    odd = st.sampled_from(
        ["", " 110101199003074477", "44030619900307447x", "１１０１０１"]
    ) | st.text(alphabet="0123456789Xx -", max_size=19)
    texts = data.draw(st.lists(st.none() | ids | broken | real_ish | odd, min_size=1, max_size=30))
    _assert_fast_path_equals_the_regex_path(
        texts,
        "citizen_id",
        "ric18_rows",
        lambda t: len(t) == 18 and t[:17].isdigit() and t.isascii() and t[17] in "0123456789X",
    )


@quick
@given(st.data())
def test_clean_uscc_fast_path_equals_the_regex_path(data: st.DataObject) -> None:
    """USCCs already in the format are checked in numpy only; the others are
    normalised and checked by the regex path and put back in place."""
    alphabet = validate.USCC_ALPHABET
    body = st.builds(
        lambda a, d, r: a + d + r,
        st.text(alphabet=alphabet, min_size=2, max_size=2),
        st.text(alphabet="0123456789", min_size=6, max_size=6),
        st.text(alphabet=alphabet, min_size=10, max_size=10),
    )
    real_ish = st.sampled_from(["91440300MA5DC4XH2R", "91110000100000000X", "9144030071526726XG"])
    odd = st.sampled_from(["", " 91440300MA5DC4XH2R", "91440300ma5dc4xh2r", "914403-00MA5DC4XH2R"])
    odd = odd | st.text(alphabet=alphabet + "IOSVZ io-", max_size=19)
    texts = data.draw(st.lists(st.none() | body | real_ish | odd, min_size=1, max_size=30))
    _assert_fast_path_equals_the_regex_path(
        texts,
        "uscc",
        "uscc18_rows",
        lambda t: (
            len(t) == 18 and all(c in alphabet for c in t) and t[2:8].isdigit() and t[2:8].isascii()
        ),
    )


_RUN_VALUES = {
    "citizen_id": ["11010219690321348X", "110102196903213481", " 11010219690321348x", None, ""],
    "uscc": ["91440300MA5F12345X", "914403063909584081", "9144030０63909584081", None, "?"],
    "yyyymm": ["202609", "2026-09", "202613", "202609.0", None],
    "date": ["2026-09-24", "20260924", "2026-02-30", "2026/09/24 00:00:00", None],
    "enum": ["pension", "Pension", "PENSION ", "other", None],
    "room_code": ["44030600100100100010010101", "4403060010010010001001010", "44030６", None],
    "phone": ["13800000000", "+86 138-0000-0000", "12", None],
    "text": ["  张三 ", "张三", "", None],
}


@quick
@given(
    st.sampled_from(sorted(_RUN_VALUES)),
    st.lists(st.tuples(st.integers(0, 4), st.integers(1, 9)), min_size=500, max_size=900),
)
def test_columns_in_runs_check_like_value_by_value(kind: str, runs: list[tuple[int, int]]) -> None:
    """A column whose values come in runs is checked once per run (``_by_runs``); its
    values and every mark equal those of checking every value."""
    from ingest import transform

    pool = _RUN_VALUES[kind]
    texts = [pool[i % len(pool)] for i, length in runs for _ in range(length)]
    values = pl.Series("x", texts, dtype=pl.String)
    column = col(kind, on_invalid="flag", values=["pension", "medical"] if kind == "enum" else None)
    heads = transform._run_heads(values)
    by_runs = transform._by_runs(values, heads, column, STATE)
    each = transform._check_values(values, column, STATE)
    assert by_runs.values.dtype == each.values.dtype
    assert by_runs.values.to_list() == each.values.to_list()

    def marks(c: Checked) -> list[tuple[str, list[bool]]]:
        return [
            (code, m.fill_null(False).to_list())
            for m, code in c.problems + c.notes
            if m.fill_null(False).any()
        ]

    assert marks(by_runs) == marks(each)
    if len(texts) > transform.RUN_PROBE and heads.sum() <= transform.RUN_SHARE * len(texts):
        assert check_column(values, column, STATE).values.to_list() == each.values.to_list()
