#!/usr/bin/env python3
"""Every Swift target declares exactly the modules its sources import: nothing reached
transitively, nothing declared and unused; and every file declaring an `Encodable` type
that holds ids imports JSONKit, whose encoding overloads write them in lower case. Reads
the manifest through `swift package dump-package`; exits 1 and names the target and module
when they disagree."""
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Modules of the toolchain and the system, which no target declares.
SYSTEM = {"Foundation", "FoundationEssentials", "Glibc", "Darwin", "Dispatch", "Testing", "XCTest"}
IMPORT = re.compile(r"^(?:@testable )?import (\w+)", re.MULTILINE)
ENCODABLE = re.compile(r"^\s*(?:public |package )?(?:struct|enum|final class|class) \w+[^{]*\b(?:Codable|Encodable)\b", re.MULTILINE)


def declared(target: dict) -> set[str]:
    """The target's dependencies by module name (products here are named as their module)."""
    names = set()
    for dependency in target["dependencies"]:
        for kind in ("byName", "product", "target"):
            if kind in dependency:
                names.add(dependency[kind][0])
    return names


def imported(path: Path) -> set[str]:
    return {module for source in path.rglob("*.swift") for module in IMPORT.findall(source.read_text())}


def main() -> int:
    manifest = json.loads(subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, check=True,
                                         capture_output=True, text=True).stdout)
    problems = []
    for target in manifest["targets"]:
        if target["type"] == "system":
            continue
        uses, declares = imported(ROOT / target["path"]) - SYSTEM - {target["name"]}, declared(target)
        problems += [f"{target['name']} imports {module} without declaring it" for module in sorted(uses - declares)]
        problems += [f"{target['name']} declares {module} and never imports it"
                     for module in sorted(declares - uses) if module != "CHiredis"]
    for source in (ROOT / "Shared").rglob("*.swift"), (ROOT / "Services").rglob("*.swift"):
        for path in source:
            text = path.read_text()
            if ENCODABLE.search(text) and "UUID" in text and "JSONKit" not in path.parts and "JSONKit" not in IMPORT.findall(text):
                problems.append(f"{path.relative_to(ROOT)} encodes ids without importing JSONKit (they would be upper case)")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
