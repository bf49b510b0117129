"""What the tests share and are not tests themselves: the contest played further along (helpers), round 3's steps
over HTTP (round3), a real gunicorn (live), a throwaway PostgreSQL cluster (pgcluster), the reliability checks
(reliability), OpenID Connect providers for the eID sign-in (oidc, rogue_oidc), Chromium (browser), axe-core's
accessibility rules in a page (axe), and the small pieces several test modules use. A test module imports from
here or from tests/conftest.py, never from another test module (tests/unit/test_layout.py)."""

from __future__ import annotations

from pathlib import Path

#: The project's root folder (the one holding domain/, contest/, api/, verifier/, tests/).
ROOT = Path(__file__).resolve().parents[2]
