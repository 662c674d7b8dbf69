"""The compose deployment, brought up with Docker by scripts/docker-test: two gateway
replicas behind haproxy serve the interop scenario; services stop gracefully; the restart
policy brings a killed one back."""

import json
import os
import signal
import subprocess
import time

import pytest
import requests

from api import Api
from chat import ChatClient

LB = "http://127.0.0.1:18080"
API = Api(LB)
GATEWAYS = {"gateway": "http://127.0.0.1:18091", "gateway-2": "http://127.0.0.1:18092"}
PORTS = {"messages": 18081, "presence": 18082, "uploads": 18083, "gateway": 18091, "gateway-2": 18092}


@pytest.fixture(scope="module", autouse=True)
def deployment():
    if not os.environ.get("CHAT_DOCKER"):
        pytest.fail("these tests run against the compose deployment: use ./scripts/docker-test")


def compose(*arguments: str) -> subprocess.CompletedProcess:
    command = json.loads(os.environ["CHAT_COMPOSE"])
    return subprocess.run([*command, *arguments], capture_output=True, text=True, check=True)


def container(service: str) -> str:
    return compose("ps", "-q", service).stdout.strip().splitlines()[0]


def docker(*arguments: str) -> str:
    return subprocess.run(["/usr/bin/docker", *arguments], capture_output=True, text=True, check=True).stdout.strip()


def ready(port: int) -> bool:
    try:
        return Api(f"http://127.0.0.1:{port}", timeout=2).get("/readyz").status_code == 200
    except requests.RequestException:
        return False


def wait_until(predicate, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def test_two_gateway_replicas_serve_the_interop_scenario():
    a_api, a_user = API.register("Ada", "student")
    b_api, b_user = API.register("Grace", "expert")
    conversation = a_api.open_conversation(b_user)
    with ChatClient(GATEWAYS["gateway"], a_api.token) as a, ChatClient(GATEWAYS["gateway-2"], b_api.token, "/api/socket/") as b:
        a.join(conversation["id"])
        b.join(conversation["id"])
        assert a.recorder.wait_event("user_status_changed", lambda e: e["userId"] == b_user["id"] and e["status"] == "online")
        sent = a.call("send_message", {"conversationId": conversation["id"], "content": "hello from a container", "clientMessageId": "d-1"})
        assert sent["ok"]
        for client in (a, b):
            assert client.recorder.wait_event("new_message", lambda m: m["id"] == sent["message"]["id"])
        a.call("typing", {"conversationId": conversation["id"]})
        assert b.recorder.wait_event("user_typing", lambda e: e["isTyping"])
        b.call("mark_read", {"conversationId": conversation["id"], "seq": sent["message"]["seq"]})
        assert a.recorder.wait_event("messages_read")
        upload = a_api.upload(conversation["id"], b"\x89PNG\r\n\x1a\n" + bytes(100), name="n.png", mime="image/png")
        assert upload.status_code == 201, upload.text
        attachment = upload.json()["attachments"][0]
        assert b.recorder.wait_event("new_message", lambda m: m["attachments"] and m["attachments"][0]["id"] == attachment["id"])
        download = b_api.get(attachment["url"])
        assert download.status_code == 200 and len(download.content) == attachment["size"]
        time.sleep(0.5)
        assert len(b.recorder.of("new_message")) == 2


def test_a_stopped_gateway_drains_and_its_clients_reconnect_through_the_load_balancer():
    a_api, a_user = API.register("Mover", "student")
    b_api, b_user = API.register("Stayer", "expert")
    conversation = a_api.open_conversation(b_user)
    served_by = API.get("/healthz").headers["server"]
    names = {Api(url).get("/healthz").headers["server"]: service for service, url in GATEWAYS.items()}
    doomed = names[served_by]
    survivor = next(service for service in GATEWAYS if service != doomed)

    mover = ChatClient(LB, a_api.token)
    mover.client.reconnection = True
    mover.client.reconnection_delay = 0.5
    mover.connect()
    mover.join(conversation["id"])
    with ChatClient(GATEWAYS[survivor], b_api.token) as stayer:
        stayer.join(conversation["id"])
        started = time.monotonic()
        compose("stop", "-t", "20", doomed)
        stopped = time.monotonic() - started
        assert stopped < 10, f"{doomed} took {stopped:.1f} s to stop"
        assert docker("inspect", "-f", "{{.State.ExitCode}}", container(doomed)) == "0"
        # Meanwhile the conversation goes on; the mover comes back through the load balancer.
        missed = stayer.call("send_message", {"conversationId": conversation["id"], "content": "while you moved"})["message"]
        assert wait_until(lambda: mover.client.connected and mover.client.namespaces, timeout=30)
        rejoined = mover.join(conversation["id"])
        assert rejoined["lastSeq"] >= missed["seq"]
        caught_up = mover.call("sync_conversation", {"conversationId": conversation["id"], "after": missed["seq"] - 1})
        assert [m["id"] for m in caught_up["messages"]] == [missed["id"]]
        mover.client.disconnect()
    compose("start", doomed)
    assert wait_until(lambda: ready(PORTS[doomed]))


@pytest.mark.parametrize("service", ["messages", "presence", "uploads"])
def test_a_service_stops_gracefully_within_ten_seconds(service):
    started = time.monotonic()
    compose("stop", "-t", "20", service)
    stopped = time.monotonic() - started
    exit_code = docker("inspect", "-f", "{{.State.ExitCode}}", container(service))
    compose("start", service)
    assert stopped < 10, f"{service} took {stopped:.1f} s"
    assert exit_code == "0", f"{service} exited with {exit_code}"
    assert wait_until(lambda: ready(PORTS[service]))


def test_the_restart_policy_brings_a_crashed_service_back():
    before = docker("inspect", "-f", "{{.RestartCount}}", container("messages"))
    # A crash, not `docker kill` (which the engine counts as a manual stop and leaves stopped).
    os.kill(int(docker("inspect", "-f", "{{.State.Pid}}", container("messages"))), signal.SIGKILL)
    assert wait_until(lambda: docker("inspect", "-f", "{{.RestartCount}}", container("messages")) != before, timeout=30)
    assert wait_until(lambda: ready(PORTS["messages"]), timeout=60)
    user_api, _ = API.register("AfterRestart")
    assert user_api.get("/api/chat/conversations").status_code == 200


def test_a_default_client_polls_and_upgrades_through_haproxy_with_the_bundle_served():
    """The image carries the socket.io-client bundle; python-socketio with its default
    transports starts polling through haproxy and upgrades on the replica that holds it."""
    bundle = API.get("/socket.io/socket.io.min.js", timeout=10)
    assert bundle.status_code == 200 and b"Socket.IO v4.8.1" in bundle.content[:200]
    page = API.get("/chat", timeout=10)  # and the chat page, with its modules
    assert page.status_code == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert API.get("/chat/js/main.js", timeout=10).status_code == 200
    a_api, _ = API.register("Polly", "student")
    b_api, b_user = API.register("Upton", "expert")
    conversation = a_api.open_conversation(b_user)
    with ChatClient(LB, a_api.token, transports=None) as a, ChatClient(LB, b_api.token, transports=None) as b:
        assert a.upgraded() and b.upgraded()
        a.join(conversation["id"])
        b.join(conversation["id"])
        sent = a.call("send_message", {"conversationId": conversation["id"], "content": "polled, then upgraded"})
        assert b.recorder.wait_event("new_message", lambda m: m["id"] == sent["message"]["id"])


def test_coturn_relays_with_the_credentials_presence_issues():
    user_api, _ = API.register("Caller", "student", login=True)
    turn = next(server for server in user_api.get("/api/calls/ice-servers").json()["iceServers"] if "username" in server)
    assert turn["urls"] == ["turn:127.0.0.1:13478?transport=udp"]

    def relay(password: str) -> int:
        return subprocess.run(["turnutils_uclient", "-y", "-n", "2", "-m", "1", "-l", "100", "-u", turn["username"], "-w", password,
                               "-p", "13478", "127.0.0.1"], capture_output=True, timeout=45).returncode

    assert relay(turn["credential"]) == 0
    assert relay("Zm9yZ2VkIGJ5IHNvbWVvbmU=") != 0
