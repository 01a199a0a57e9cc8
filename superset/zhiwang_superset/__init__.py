"""zhiwang's Superset bootstrap: assets as code, roles, row-level security, demo users.

Runs inside the Superset environment (``envs/superset``); nothing here is
imported by the warehouse code.
"""
