"""A whole stack of real processes for the session: Postgres, Redis, messages, presence,
uploads, two gateways and haproxy, started from the debug build on free ports."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import stack as stack_module  # noqa: E402
from api import Api  # noqa: E402


@pytest.fixture(scope="session")
def stack():
    (ROOT / ".state").mkdir(exist_ok=True)
    state = Path(tempfile.mkdtemp(prefix="e2e-", dir=ROOT / ".state"))
    deployment = stack_module.Stack(
        state_dir=state,
        bin_dir=stack_module.build_dir("debug"),
        ports=stack_module.Ports.free(),
        durable=False,
        database="chat_e2e",
        log_level="warning",
        # E2E_REDIS=cluster|sentinel: the same scenarios with the services on a Redis Cluster, or
        # on a master and replica that sentinels watch.
        redis_cluster=os.environ.get("E2E_REDIS") == "cluster",
        redis_sentinel=os.environ.get("E2E_REDIS") == "sentinel",
        # Short Engine.IO timers, so that ping and CONNECT deadlines are seen within a test; the pong may take
        # 3 s, so a debug-built client busy with a burst of 1,000 sockets is not dropped as silent.
        overrides={"PING_INTERVAL": "1", "PING_TIMEOUT": "3", "SOCKET_CONNECT_TIMEOUT": "4", "UPLOAD_MAX_BYTES": str(250 << 20),
                   "STREAM_TRIM_EVERY": "1", "CALL_RING_TIMEOUT": "6", "CALL_RECONNECT_GRACE": "3",
                   "MAIL_RETRY_AFTER": "1",
                   # On a cluster the commands are spread over streams on several shards.
                   **({"COMMAND_STREAM_PARTITIONS": "3"} if os.environ.get("E2E_REDIS") == "cluster" else {})},
    )
    try:
        deployment.up()
        yield deployment
    except BaseException:
        for log in sorted((state / "logs").glob("*.log")):
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}")
        raise
    finally:
        deployment.down()
        if os.environ.get("KEEP_STATE"):
            print(f"state kept in {state}")
        else:
            shutil.rmtree(state, ignore_errors=True)


@pytest.fixture
def messages_with(stack):
    """Starts a messages instance of the test's own, with `settings` on top of the stack's
    (same database, same bus), and returns its URL; stopped after the test."""
    started = []

    def start(name: str, settings: dict[str, str]) -> str:
        port = stack_module.free_port()
        process = stack.spawn(name, [str(stack.bin_dir / "messages")], {**stack.environment("messages"), "HTTP_PORT": str(port), **settings})
        url = f"http://127.0.0.1:{port}"
        stack_module.wait_for(lambda: stack_module.http_ok(f"{url}/readyz"), name, process=process)
        started.append(name)
        return url

    yield start
    for name in started:
        stack.stop(name)


@pytest.fixture
def api(stack) -> Api:
    """A client of the load balancer."""
    return Api(stack.lb_url)


def new_admin(stack, api: Api, name: str = "Admin") -> tuple[Api, dict]:
    """A new account made an admin as an operator does (`messages set-role EMAIL admin`)
    and signed in again (the role is in the token)."""
    _, user = api.register(name)
    subprocess.run([str(stack.bin_dir / "messages"), "set-role", user["email"], "admin"], env=stack.environment("messages"),
                   check=True, capture_output=True, timeout=30)
    signed_in = api.login(user["email"])
    assert signed_in.status_code == 200, signed_in.text
    return api.as_user(signed_in.json()["token"]), signed_in.json()["user"]


@pytest.fixture
def make_admin(stack, api):
    """Makes admins: each call, a new one (`new_admin`)."""
    return lambda name="Admin": new_admin(stack, api, name)


@pytest.fixture
def pair(api: Api) -> tuple[tuple[Api, dict], tuple[Api, dict], dict]:
    """A student and an expert with their conversation: (client, user) of each, then the conversation."""
    return api.student_and_expert()


@pytest.fixture
def sides(stack, pair):
    """The pair's two members, each on a gateway of their own, in their conversation."""
    from chat import ChatClient

    (a_api, a_user), (b_api, b_user), conversation = pair
    a = ChatClient(stack.service_url("gateway1"), a_api.token).connect()
    b = ChatClient(stack.service_url("gateway2"), b_api.token).connect()
    a.join(conversation["id"])
    b.join(conversation["id"])
    yield a, b, a_user, b_user, conversation
    a.disconnect()
    b.disconnect()


# What a test call may use: the page's RTCPeerConnections are kept for getStats, and only
# the other side's loopback host candidates are taken (its relay ones, when the page is set
# to relay only), so that no other address of the machine is offered for a test's media.
CALL_INSTRUMENT = """
window.__peerConnections = [];
const Native = window.RTCPeerConnection;
window.RTCPeerConnection = class extends Native {
  constructor(...args) { super(...args); window.__peerConnections.push(this); }
  addIceCandidate(candidate, ...rest) {
    const type = / 127\\.0\\.0\\.1 \\d+ typ (\\w+)/.exec(candidate?.candidate ?? "")?.[1];
    const wanted = localStorage.getItem("chat.callRelayOnly") === "relay" ? "relay" : "host";
    if (candidate?.candidate && type !== wanted) return Promise.resolve();
    return super.addIceCandidate(candidate, ...rest);
  }
};
"""


def chromium(width: int = 1280, height: int = 900, dark: bool = False, media: str | None = None) -> webdriver.Chrome:
    """Headless Chromium (Debian's, with its chromedriver), its console kept for checks;
    each one a browser of its own (its own session storage and cookies). `dark`: the
    system asks for a dark colour scheme. `media`: "fake" gives it a fake camera and
    microphone it may use, "refused" the same devices with permission refused; either way
    WebRTC may use loopback (see CALL_INSTRUMENT)."""
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    flags = ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={width},{height}"]
    if media:
        flags += ["--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required"]
        flags += ["--use-fake-ui-for-media-stream"] if media == "fake" else ["--deny-permission-prompts"]
    for flag in flags:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_script_timeout(30)
    if width < 500:  # headless windows are at least 500 px wide: a phone is emulated
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": True})
    if dark:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    if media:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CALL_INSTRUMENT})
    return driver


@pytest.fixture(scope="module")
def browser():
    driver = chromium()
    yield driver
    driver.quit()


@pytest.fixture
def browsers():
    """Opens as many separate browsers as a test asks for (`browsers()`), closed after it."""
    opened = []

    def open_one(**size):
        opened.append(chromium(**size))
        return opened[-1]

    yield open_one
    for driver in opened:
        try:
            driver.quit()
        except Exception:
            pass
