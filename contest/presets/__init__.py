"""Contest presets: a year's rules, roster, participants and questionnaire as data files.

`load_preset("2024")` returns the setup a `Contest` is created with: the window is given in local time in the
preset and turned into UTC instants here (Europe/Riga is UTC+3 in summer, UTC+2 in winter).

`load_roster()` reads `municipalities.csv` beside the presets: every Latvian municipality since the reform of
1 July 2021 with the days it was valid (code, name, kind, valid_from, valid_until, note), the data a contest
carried forward into a later year takes its participants from (domain.roster, §3.3). A change in the law is a
new row or a last day here, never a change in code.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from domain.roster import RosterEntry, parse_roster

PRESETS = Path(str(resources.files("contest.presets")))
ROSTER = PRESETS / "municipalities.csv"


class PresetError(ValueError):
    pass


def available_presets() -> list[str]:
    return sorted(p.name for p in PRESETS.iterdir() if (p / "contest.json").is_file())


def preset_dir(name: str) -> Path:
    path = PRESETS / name
    if not (path / "contest.json").is_file():
        raise PresetError(f"no preset {name!r}; available: {', '.join(available_presets())}")
    return path


def local_to_utc(local: str, tz: str) -> str:
    naive = datetime.fromisoformat(local)
    if naive.tzinfo is not None:
        raise PresetError(f"{local!r}: give local times without an offset next to the time zone")
    aware = naive.replace(tzinfo=ZoneInfo(tz))
    return aware.astimezone(ZoneInfo("UTC")).isoformat().replace("+00:00", "Z")


def load_preset(name: str) -> dict[str, Any]:
    """The setup of a contest, as plain data (validated by domain.config.ContestSetup when used)."""
    folder = preset_dir(name)
    data: dict[str, Any] = json.loads((folder / "contest.json").read_text(encoding="utf-8"))
    with open(folder / data.pop("municipalities_file"), encoding="utf-8", newline="") as f:
        data["municipalities"] = [
            {"code": row["iso_3166_2"], "name": row["name"], "kind": row["kind"]} for row in csv.DictReader(f)
        ]
    local = data.pop("window_local")
    data["window"] = {
        "opens_at": local_to_utc(local["opens"], local["timezone"]),
        "closes_at": local_to_utc(local["closes"], local["timezone"]),
        "timezone": local["timezone"],
    }
    questionnaire_file = data.pop("questionnaire_file", None)
    if questionnaire_file:
        data["questionnaire"] = json.loads((folder / questionnaire_file).read_text(encoding="utf-8"))
    for key in ("source", "jury_note"):
        data.pop(key, None)
    return data


def load_roster(path: Path = ROSTER) -> tuple[RosterEntry, ...]:
    """The municipalities with their validity dates (domain.roster.parse_roster checks them)."""
    with open(path, encoding="utf-8", newline="") as f:
        return parse_roster(list(csv.DictReader(f)))
