"""tools/engines/README.md names the licence of every binary `make engines` builds, and no
pinned engine module pulls in AGPL code (Grafana Mimir and its siblings): issue #32 item 7."""

from __future__ import annotations

import re

from slogen_testing import ROOT

ENGINES = ROOT / "tools" / "engines"
# Grafana's AGPL-3.0 projects (their Apache/BSD/MPL libraries, e.g. grafana/regexp, are fine).
AGPL_MODULES = ("github.com/grafana/mimir", "github.com/grafana/loki", "github.com/grafana/grafana ", "github.com/grafana/tempo", "github.com/grafana/pyroscope")


def _licence_rows() -> dict[str, str]:
    text = (ENGINES / "README.md").read_text()
    section = text.split("## Licences", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:3] for line in section.splitlines() if line.startswith("| ") and not line.startswith("| ---")]
    return {engine.strip(): licence.strip() for engine, licence in rows[1:]}


def test_every_built_binary_has_its_licence_named():
    built = re.findall(r"^\$\(TOOLS_BIN\)/([a-z0-9-]+):", (ROOT / "tools" / "engines.mk").read_text(), re.M)
    assert len(built) >= 9, built
    rows = _licence_rows()
    for binary in built:
        named = [licence for engine, licence in rows.items() if f"`{binary}`" in engine]
        assert named and all(named), f"{binary}: no licence in tools/engines/README.md's Licences table"
    assert all("AGPL" not in licence for licence in rows.values()), rows


def test_no_engine_module_requires_agpl_code():
    for path in sorted(ENGINES.glob("*/go.*")):
        text = path.read_text()
        found = [module for module in AGPL_MODULES if module in text]
        assert not found, f"{path.relative_to(ROOT)} requires {found}: AGPL-3.0, not to be built into the project's tools"
