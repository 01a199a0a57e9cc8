"""Great Expectations quality gates for zhiwang: suites as code, runner, ``dq`` history.

Import ``expectations.api`` for ``validate`` and ``is_blocked``; GX itself is
imported only when a validation runs, so importing this package stays cheap.
"""
