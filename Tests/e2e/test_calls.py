"""Calls: the STUN and TURN servers the page hands to WebRTC, checked against the real
coturn the stack runs (its `use-auth-secret` recomputes each credential)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import shutil
import subprocess
import time
import uuid


def turn_password(secret: str, username: str) -> str:
    """The TURN REST convention's password, computed here independently of the service."""
    return base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()


def allocate(stack, username: str, password: str) -> subprocess.Popen:
    """turnutils_uclient allocating relays on the stack's coturn with the credential, and
    sending a few packets through them client to client (`-y`); exit 0 when it could."""
    return subprocess.Popen([shutil.which("turnutils_uclient") or "turnutils_uclient", "-y", "-n", "2", "-m", "1", "-l", "100",
                             "-u", username, "-w", password, "-p", str(stack.ports.turn), "127.0.0.1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_ice_servers_need_a_token(api):
    response = api.get("/api/calls/ice-servers")
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "unauthorized"


def test_ice_servers_give_stun_and_a_personal_turn_credential(stack, api):
    user_api, user = api.register("Caller", login=True)
    before = time.time()
    response = user_api.get("/api/calls/ice-servers")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    stun = [server for server in body["iceServers"] if "username" not in server]
    turn = [server for server in body["iceServers"] if "username" in server]
    assert stun == [{"urls": [f"stun:127.0.0.1:{stack.ports.turn}"]}]
    assert len(turn) == 1 and turn[0]["urls"] == [f"turn:127.0.0.1:{stack.ports.turn}?transport=udp",
                                                  f"turn:127.0.0.1:{stack.ports.turn}?transport=tcp"]
    expiry, _, user_id = turn[0]["username"].partition(":")
    assert user_id == user["id"]
    # TURN_CREDENTIAL_TTL's default, 12 hours, from the moment of asking.
    assert before + 12 * 3600 - 2 <= int(expiry) <= time.time() + 12 * 3600
    assert turn[0]["credential"] == turn_password(stack.turn_secret(), turn[0]["username"])
    assert body["expiresAt"].startswith(time.strftime("%Y-%m-%dT%H:%M", time.gmtime(int(expiry))))


def test_coturn_relays_for_issued_credentials_and_refuses_forged_and_expired_ones(stack, api):
    user_api, user = api.register("Relayed", login=True)
    turn = next(server for server in user_api.get("/api/calls/ice-servers").json()["iceServers"] if "username" in server)
    expired = f"{int(time.time()) - 60}:{user['id']}"
    forged_user = f"{int(time.time()) + 3600}:{uuid.uuid4()}"
    attempts = {
        "issued": allocate(stack, turn["username"], turn["credential"]),
        # Someone else's name on a credential made without the secret.
        "forged": allocate(stack, forged_user, turn_password("not the secret at all", forged_user)),
        # The issued password with the name changed: the HMAC no longer matches.
        "altered": allocate(stack, forged_user, turn["credential"]),
        # Correctly signed, but its time is up.
        "expired": allocate(stack, expired, turn_password(stack.turn_secret(), expired)),
    }
    output = {name: process.communicate(timeout=45)[0][-2000:] for name, process in attempts.items()}
    outcomes = {name: process.returncode for name, process in attempts.items()}
    assert outcomes["issued"] == 0, output["issued"]
    for name in ("forged", "altered", "expired"):
        assert outcomes[name] != 0, (name, output[name])
