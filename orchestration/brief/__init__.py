"""The weekly analysis brief per street and for the district (HTML and PDF)."""

from orchestration.brief.build import build_briefs

__all__ = ["build_briefs"]
