"""A free TCP port on localhost for a server a test starts (Superset, Airflow's API).
Plain standard library: imported by the warehouse's tests and by Superset's."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
