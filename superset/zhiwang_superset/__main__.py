"""``python -m zhiwang_superset`` (see ``envs/superset/bootstrap.sh``)."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(prog="zhiwang_superset")
    parser.add_argument("command", choices=["bootstrap"])
    parser.add_argument(
        "--serving-path",
        type=Path,
        default=Path(
            os.environ.get(
                "ZHIWANG_SERVING_PATH", REPO / "var" / "serving" / "zhiwang_serving.duckdb"
            )
        ),
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from zhiwang_superset.bootstrap import bootstrap

    timings = bootstrap(args.serving_path.resolve())
    logging.getLogger("zhiwang_superset").info(
        "bootstrap done: %s", ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
    )


if __name__ == "__main__":
    main()
