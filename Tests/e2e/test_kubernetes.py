"""The Kubernetes manifests (deploy/kubernetes), offline: kustomize builds each overlay,
every object is valid against the Kubernetes schemas (PyPI's kubernetes-validate), and they
agree with the services (scripts/check_kubernetes.py). No cluster runs here (README
"Kubernetes" has the commands for a real one)."""

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import check_kubernetes  # noqa: E402

KUBERNETES = ROOT / "deploy" / "kubernetes"
OVERLAYS = ("managed", "self-contained")
VERSION = "1.32"

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (with kustomize) is not installed")


def built(overlay: str) -> list[dict]:
    result = subprocess.run(["kubectl", "kustomize", str(KUBERNETES / "overlays" / overlay)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return [document for document in yaml.safe_load_all(result.stdout) if document]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_overlay_builds_into_valid_objects(overlay):
    documents = built(overlay)
    for document in documents:
        kubernetes_validate.validate(document, VERSION, strict=True)
    assert all(document["metadata"].get("namespace") == "chat" for document in documents if document["kind"] != "Namespace")
    # The schemas are strict: a misspelt field is caught.
    misspelt = copy.deepcopy(next(d for d in documents if d["kind"] == "Deployment"))
    misspelt["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(misspelt, VERSION, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_manifests_agree_with_the_services(overlay):
    assert check_kubernetes.problems(built(overlay)) == []


def test_the_self_contained_overlay_brings_its_own_databases():
    kinds = {(document["kind"], document["metadata"]["name"]) for document in built("self-contained")}
    assert {("StatefulSet", "postgres"), ("StatefulSet", "redis"), ("Service", "postgres"), ("Service", "redis")} <= kinds
    redis = next(d for d in built("self-contained") if d["kind"] == "StatefulSet" and d["metadata"]["name"] == "redis")
    arguments = redis["spec"]["template"]["spec"]["containers"][0]["args"]
    assert arguments[arguments.index("--maxmemory-policy") + 1] == "noeviction" and "--appendonly" in arguments


def test_the_checks_catch_what_they_are_for():
    documents = built("managed")
    broken = copy.deepcopy(documents)
    messages = next(d for d in broken if d["kind"] == "Deployment" and d["metadata"]["name"] == "messages")
    container = messages["spec"]["template"]["spec"]["containers"][0]
    container["ports"][0]["containerPort"] = 9999
    container["env"].append({"name": "TYPO_URL", "value": "x"})
    container["readinessProbe"]["httpGet"]["path"] = "/"
    gateway = next(d for d in broken if d["kind"] == "Deployment" and d["metadata"]["name"] == "gateway")
    gateway["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = 10
    found = check_kubernetes.problems(broken)
    for expected in ("messages listens on 8081", "messages does not read TYPO_URL", "messages: readinessProbe", "gateway: a preStop"):
        assert any(expected in problem for problem in found), (expected, found)


def test_haproxy_is_the_same_file_and_valid_for_kubernetes():
    assert (KUBERNETES / "base" / "haproxy.cfg").read_text() == (ROOT / "deploy" / "haproxy.cfg").read_text()
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        pytest.skip("haproxy is not installed")
    environment = {**os.environ, "LB_BIND": "*:18098", "GATEWAY_DNS": "gateway-pods.chat.svc.cluster.local:8080", "LB_RESOLV_CONF": "1"}
    checked = subprocess.run([haproxy, "-c", "-f", str(ROOT / "deploy" / "haproxy.cfg")], env=environment, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_cloudnativepg_example_names_the_services_messages_reads():
    """A custom resource (no schema here): well-formed, and its Services are the ones the
    README and its comment tell messages to use."""
    path = KUBERNETES / "examples" / "cloudnativepg.yaml"
    document = yaml.safe_load(path.read_text())
    assert document["apiVersion"] == "postgresql.cnpg.io/v1" and document["kind"] == "Cluster"
    name = document["metadata"]["name"]
    assert document["spec"]["instances"] >= 2  # a replica for DATABASE_READ_URL
    text = path.read_text()
    assert f"DATABASE_URL=postgres://chat:PASSWORD@{name}-rw." in text
    assert f"DATABASE_READ_URL=postgres://chat:PASSWORD@{name}-ro." in text
    assert f"{name}-ro" in (ROOT / "README.md").read_text()
