"""What the Kubernetes manifests must agree on with the services, beyond the schemas: each
service's port (its HTTP_PORT default, from the README's settings table that
scripts/settings.py keeps true) in its container, Service and probes; every variable it is
given one it reads; images named for it; what it takes from the ConfigMap and Secret
there and named; the gateway's grace long enough to drain. `problems(documents)` lists
what is wrong, as check_compose does for compose.yaml."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("gateway", "messages", "presence", "uploads")
# What the operator's Secret `chat-secrets` holds (README "Kubernetes").
SECRET_KEYS = {"JWT_SECRET", "REDIS_URL", "DATABASE_URL", "TURN_SECRET", "TURN_URLS", "SMTP_URL", "POSTGRES_PASSWORD"}
# The gateway drains its sockets for this long after SIGTERM (README "Deployment").
DRAIN_SECONDS = 15


def settings() -> dict[str, dict]:
    """Each service's settings from the README's table: {service: {name: default}}."""
    table: dict[str, dict] = {name: {} for name in SERVICES}
    for line in (ROOT / "README.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].startswith("`") and cells[0].endswith("`"):
            for service in (part.strip() for part in cells[3].split(",")):
                if service in table:
                    table[service][cells[0].strip("`")] = cells[1]
    return table


def problems(documents: list[dict], known: dict[str, dict] | None = None) -> list[str]:
    known = known or settings()
    found = []
    by_kind: dict[tuple[str, str], dict] = {(d["kind"], d["metadata"]["name"]): d for d in documents}
    config = by_kind.get(("ConfigMap", "chat-config"), {}).get("data", {})
    for service in SERVICES:
        deployment = by_kind.get(("Deployment", service))
        if deployment is None:
            found.append(f"no Deployment {service}")
            continue
        pod = deployment["spec"]["template"]["spec"]
        (container,) = [c for c in pod["containers"] if c["name"] == service]
        port = int(known[service]["HTTP_PORT"])
        ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
        if ports.get("http") != port:
            found.append(f"{service} listens on {port}, its container says {ports.get('http')}")
        env = {e["name"]: e for e in container.get("env", [])}
        if env.get("HTTP_PORT", {}).get("value") != str(port):
            found.append(f"{service}: HTTP_PORT must be {port}")
        for name, entry in env.items():
            if name not in known[service]:
                found.append(f"{service} does not read {name}")
            source = entry.get("valueFrom", {})
            if "configMapKeyRef" in source and source["configMapKeyRef"]["key"] not in config:
                found.append(f"{service}: {name} from chat-config, which has no {source['configMapKeyRef']['key']}")
            if "secretKeyRef" in source and source["secretKeyRef"]["key"] not in SECRET_KEYS:
                found.append(f"{service}: {name} from a secret key the README does not name")
        if not re.fullmatch(rf"(.+/)?{service}|chat-{service}(:.+)?|.+/chat/{service}(:.+)?", container["image"]):
            found.append(f"{service}: image {container['image']} is not its own")
        for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
            check = container.get(probe, {}).get("httpGet", {})
            if check.get("path") != path or check.get("port") not in ("http", port):
                found.append(f"{service}: {probe} must ask {path} on its port")
        if "memory" not in container.get("resources", {}).get("limits", {}) or "cpu" not in container.get("resources", {}).get("requests", {}):
            found.append(f"{service}: requests and limits")
        exposed = by_kind.get(("Service", service))
        if exposed is None or exposed["spec"]["ports"][0]["port"] != port:
            found.append(f"{service}: its Service must offer {port}")
    gateway = by_kind.get(("Deployment", "gateway"))
    if gateway:
        pod = gateway["spec"]["template"]["spec"]
        stop = pod["containers"][0].get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
        pause = int(stop[1]) if len(stop) == 2 and stop[0] == "sleep" else 0
        if pause == 0 or pod.get("terminationGracePeriodSeconds", 30) < pause + DRAIN_SECONDS + 5:
            found.append("gateway: a preStop pause, then time to drain within the grace")
    if ("HorizontalPodAutoscaler", "gateway") not in by_kind:
        found.append("no autoscaler for the gateways")
    for name in ("gateway", "messages", "presence", "loadbalancer"):
        if ("PodDisruptionBudget", name) not in by_kind:
            found.append(f"no PodDisruptionBudget for {name}")
    return found
