"""compose.yaml (and its host-network override) against the Compose Specification's
schema, plus what the schema cannot see. Cheap: no containers."""

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import check_compose  # noqa: E402

FILES = [ROOT / "compose.yaml", ROOT / "deploy" / "compose.host.yaml"]


def test_the_compose_files_follow_the_specification():
    result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", *map(str, FILES)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependencies_health_checks_and_volumes_are_consistent():
    base = yaml.safe_load(FILES[0].read_text())
    assert check_compose.problems(base) == []
    assert check_compose.problems(check_compose.merge(base, yaml.safe_load(FILES[1].read_text()))) == []


def test_the_checks_catch_what_they_are_for():
    broken = {
        "services": {
            "a": {"depends_on": {"ghost": {"condition": "service_started"}}, "volumes": ["undeclared:/data"]},
            "b": {"image": "x"},
            "c": {"depends_on": {"b": {"condition": "service_healthy"}}},
        },
        "volumes": {},
    }
    found = check_compose.problems(broken)
    assert any("ghost" in problem for problem in found)
    assert any("undeclared" in problem for problem in found)
    assert any("b has no healthcheck" in problem for problem in found)


def test_the_deployment_is_what_the_design_asks():
    services = yaml.safe_load(FILES[0].read_text())["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"loadbalancer"}, "only the load balancer is published"
    assert services["gateway"]["deploy"]["replicas"] >= 2
    assert "uploads-data:/data/uploads" in services["uploads"]["volumes"]
    redis = services["redis"]["command"]
    assert "--appendonly" in redis
    assert redis[redis.index("--maxmemory-policy") + 1] == "noeviction" and "--maxmemory" in redis
    for name in ("messages", "presence", "uploads", "gateway"):
        assert services[name]["restart"] == "unless-stopped" and services[name]["healthcheck"]
        assert services[name]["build"]["args"]["SERVICE"] == name
    # coturn on the host's network (its relay ports cannot all be published), sharing the
    # secret presence signs credentials with.
    turn = services["turn"]
    assert turn["network_mode"] == "host" and turn["restart"] == "unless-stopped"
    assert turn["environment"]["TURN_SECRET"] == services["presence"]["environment"]["TURN_SECRET"]


def test_the_turn_script_gives_coturn_what_calls_need():
    environment = {"TURN_SECRET": "a-secret-of-sixteen", "TURN_RELAY_PORTS": "50000-50100", "TURN_EXTERNAL_IP": "203.0.113.7",
                   "PATH": "/usr/bin:/bin"}
    script = (ROOT / "deploy" / "turn" / "turn.sh").read_text().replace("exec turnserver", "printf '%s\\n'")
    arguments = subprocess.run(["sh", "-c", script, "turn.sh", "--verbose"], env=environment, capture_output=True, text=True,
                               check=True).stdout.splitlines()
    assert {"--use-auth-secret", "--static-auth-secret=a-secret-of-sixteen", "--min-port=50000", "--max-port=50100",
            "--external-ip=203.0.113.7", "--denied-peer-ip=10.0.0.0-10.255.255.255", "--verbose"} <= set(arguments)
    assert "--allow-loopback-peers" not in arguments
    missing = subprocess.run(["sh", "-c", script, "turn.sh"], env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert missing.returncode != 0 and "TURN_SECRET" in missing.stderr
