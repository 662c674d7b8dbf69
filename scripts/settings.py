#!/usr/bin/env python3
"""The README's configuration table, made from what the code declares: each service lists
the settings its configuration reads (`<service> settings --json`, from their `Setting`
declarations), and the scripts' own (ports, Redis' memory) are declared in
`scripts/stack.py`. One row per variable, or per variable and service where defaults differ.

    settings.py [--bin DIR] --check   exits 1 when the README's table, or a compose service's
                                      environment, says what the code does not (./scripts/test)
    settings.py [--bin DIR] --write   writes the table into the README
"""

from __future__ import annotations

import argparse
import difflib
import json
import subprocess
import sys
from pathlib import Path

import stack as stack_module

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"
SERVICES = ("gateway", "messages", "presence", "uploads")


def service_settings(bin_dir: Path) -> dict[str, list[dict]]:
    """What each service's binary says it reads, in the order it reads it."""
    listed = {}
    for service in SERVICES:
        output = subprocess.run([str(bin_dir / service), "settings", "--json"], check=True, capture_output=True, text=True,
                                env={"PATH": "/usr/bin:/bin"}).stdout
        listed[service] = json.loads(output)
    return listed


def rows(listed: dict[str, list[dict]]) -> list[dict]:
    """One row per variable and default, naming everything that reads it that way."""
    merged: dict[tuple[str, str], dict] = {}
    for reader, settings in [*listed.items(), ("scripts", stack_module.script_settings())]:
        for setting in settings:
            row = merged.setdefault((setting["name"], setting["defaultText"]), {**setting, "readers": []})
            row["readers"].append(reader)
    return list(merged.values())


def table(listed: dict[str, list[dict]]) -> str:
    lines = ["| variable | default | accepts | read by | what |", "|---|---|---|---|---|"]
    for row in rows(listed):
        cells = [f"`{row['name']}`", row["defaultText"], row["accepts"], ", ".join(row["readers"]), row["help"]]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def readme_with(text: str, generated: str) -> str:
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[:start] + "\n" + generated + "\n" + text[end:]


def compose_problems(listed: dict[str, list[dict]]) -> list[str]:
    """A compose service's environment holds only what that service reads."""
    import yaml  # the test environment's; --write needs none

    document = yaml.safe_load((ROOT / "compose.yaml").read_text())
    found = []
    for service in SERVICES:
        known = {setting["name"] for setting in listed[service]}
        for name in (document["services"][service].get("environment") or {}):
            if name not in known:
                found.append(f"compose.yaml: {service} is given {name}, which it does not read")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", type=Path, help="where the service binaries are (default: the debug build's)")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--write", action="store_true")
    arguments = parser.parse_args()
    listed = service_settings(arguments.bin or stack_module.build_dir("debug"))
    current = README.read_text()
    expected = readme_with(current, table(listed))
    if arguments.write:
        README.write_text(expected)
        return 0
    problems = compose_problems(listed)
    if current != expected:
        diff = difflib.unified_diff(current.splitlines(), expected.splitlines(), "README.md", "generated", lineterm="", n=0)
        problems.append("README.md's configuration table differs from the settings the code declares "
                        "(python3 scripts/settings.py --write):\n" + "\n".join(diff))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
