"""The ingest: delivered files → typed raw Parquet + quarantine + audit rows."""

import ctypes
import os
import sys

# The ingest frees and re-allocates chunk-sized buffers several times a second.
# With the allocators' defaults that memory goes back to the OS at once and every
# chunk page-faults its memory afresh. Measured over the district deliveries (50M
# rows, /usr/bin/time, 2 cores): defaults 78.7 s wall, 28.5 system-s, peak RSS
# 2.9 GB; with the two settings below 64.8 s, 12.5 system-s, 3.3 GB. Freed memory
# is kept for reuse until the process exits.
#
# 1. polars' allocator (jemalloc) returns freed pages after 0.5 s by default: here
#    it keeps them, in one arena (per-thread arenas kept 0.5 GB more). jemalloc
#    reads the setting once, when polars is first imported (import ``ingest``
#    first); an operator's own _RJEM_MALLOC_CONF is left as it is, and child
#    processes do not inherit it.
if "polars" not in sys.modules and "_RJEM_MALLOC_CONF" not in os.environ:
    os.environ["_RJEM_MALLOC_CONF"] = "dirty_decay_ms:-1,muzzy_decay_ms:-1,narenas:1"
    try:
        import polars  # noqa: F401
    finally:
        os.environ.pop("_RJEM_MALLOC_CONF", None)


# 2. glibc's malloc (numpy's arrays, pyarrow's and Python's buffers) maps blocks over
#    its adaptive threshold straight from the OS and trims the heap's free top: here
#    blocks up to 32 MB come from the heap and up to 1 GB of free top is kept. Same
#    as MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ / MALLOC_TOP_PAD_, which an
#    operator's environment still overrides (they are read at process start; these
#    calls are skipped when any is set). No-op off glibc.
def _tune_glibc_malloc() -> None:
    if any(k in os.environ for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")):
        return
    if not sys.platform.startswith("linux"):
        return
    try:
        # the process's own symbols (libc among them): no library search at import
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return  # no mallopt: nothing to tune
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
    mallopt(m_mmap_threshold, 32 << 20)
    mallopt(m_trim_threshold, 1 << 30)
    mallopt(m_top_pad, 64 << 20)


_tune_glibc_malloc()
