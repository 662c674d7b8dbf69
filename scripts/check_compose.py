#!/usr/bin/env python3
"""What the Compose Specification's schema cannot see: every depends_on names a service,
service_healthy is only asked of services with a health check, every named volume is
declared. Usage: check_compose.py FILE [OVERRIDE ...] (checked merged, as compose merges)."""

import sys

import yaml


def merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        merged[key] = merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
    return merged


def problems(document: dict) -> list[str]:
    found = []
    services = document.get("services", {})
    declared_volumes = set((document.get("volumes") or {}).keys())
    for name, service in services.items():
        dependencies = service.get("depends_on") or {}
        if isinstance(dependencies, list):
            dependencies = {dependency: {"condition": "service_started"} for dependency in dependencies}
        for dependency, spec in dependencies.items():
            if dependency not in services:
                found.append(f"{name}: depends_on {dependency}, which is not a service")
            elif (spec or {}).get("condition") == "service_healthy" and not services[dependency].get("healthcheck"):
                found.append(f"{name}: waits for {dependency} to be healthy, but {dependency} has no healthcheck")
        for volume in service.get("volumes") or []:
            source = volume.get("source") if isinstance(volume, dict) else str(volume).split(":")[0]
            if source and not source.startswith((".", "/", "~", "$")) and source not in declared_volumes:
                found.append(f"{name}: uses volume {source}, which is not declared")
        if service.get("network_mode") == "host" and service.get("ports"):
            pass  # published ports mean nothing on the host network; docker ignores them
    return found


def main() -> int:
    merged: dict = {}
    for path in sys.argv[1:]:
        with open(path) as file:
            merged = merge(merged, yaml.safe_load(file))
    issues = problems(merged)
    for issue in issues:
        print(f"{' + '.join(sys.argv[1:])}: {issue}")
    if not issues:
        print(f"{' + '.join(sys.argv[1:])}: dependencies, health checks and volumes are consistent")
    return 1 if issues else 0


if __name__ == "__main__":
    sys.exit(main())
