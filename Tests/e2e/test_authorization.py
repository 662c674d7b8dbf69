"""The authorization table (issue #15): every REST route and socket event, tried with every
kind of credential an attacker has — none, garbage, a token signed with another key, one
with `alg: none`, an expired one, a revoked one, another user's valid one — is refused with
the documented error, through the load balancer, and nothing of the conversation leaks."""

import time

import pytest

from api import Api
from chat import ChatClient, forge_token, refused_connect
from conftest import new_admin

SECRET_TEXT = "the secret in this conversation"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + bytes(40)


@pytest.fixture(scope="module")
def world(stack):
    """A conversation between a student and an expert, with a message and an attachment,
    and every kind of credential a third party might try."""
    api = Api(stack.lb_url)
    (owner_api, owner), _, conversation = api.student_and_expert("Owner", "Expert")
    sent = owner_api.send_message(conversation["id"], SECRET_TEXT, timeout=10)
    assert sent.status_code == 201, sent.text
    uploaded = owner_api.upload(conversation["id"], PNG, name="secret.png", mime="image/png", timeout=30)
    assert uploaded.status_code == 201, uploaded.text
    attachment = uploaded.json()["attachments"][0]["id"]

    revoked, _ = api.register("Revoked")
    assert revoked.logout_all().status_code == 204
    outsider, _ = api.register("Outsider")
    # Suspended by an admin: the token held then is refused everywhere.
    suspended, suspended_user = api.register("Suspended")
    admin, _ = new_admin(stack, api, "Authorizer")
    report = outsider.post("/api/reports", json={"reason": "spam", "userId": suspended_user["id"]}).json()
    assert admin.post(f"/api/admin/reports/{report['id']}/actions", json={"action": "suspend"}).status_code == 204
    credentials = {
        "no token": None,
        "garbage": "garbage",
        "another key": forge_token("not-the-secret-but-long-enough-to-sign-with-0123456789", owner["id"], "admin"),
        "alg none": forge_token("", owner["id"], "admin", alg="none"),
        "expired": forge_token(stack.jwt_secret(), owner["id"], issued=time.time() - 7200, lifetime=3600),
        "revoked": revoked.token,
        "suspended": suspended.token,
        "another user's": outsider.token,
    }
    picture = owner_api.put("/api/me/avatar", data=PNG, timeout=10)
    assert picture.status_code == 200, picture.text
    return {"conversation": conversation["id"], "attachment": attachment, "owner": owner, "credentials": credentials,
            "message": sent.json()["id"], "avatar": picture.json()["avatarUrl"].rsplit("/", 1)[1]}


# Each REST route: method, path (filled from the world), and whether a valid token of
# someone outside the conversation must be refused too (routes about the caller's own
# account are theirs to use).
ROUTES = [
    ("GET", "/api/me", False),
    ("POST", "/api/auth/logout-all", False),
    ("GET", "/api/chat/experts", False),
    ("GET", "/api/chat/policy", False),
    ("GET", "/api/chat/conversations", False),
    ("POST", "/api/chat/conversations", False),
    ("GET", "/api/presence?userIds={owner}", False),
    ("GET", "/api/calls/ice-servers", False),
    ("GET", "/api/chat/conversations/{conversation}", True),
    ("PATCH", "/api/chat/conversations/{conversation}", True),
    ("GET", "/api/chat/conversations/{conversation}/messages", True),
    ("POST", "/api/chat/conversations/{conversation}/messages", True),
    ("POST", "/api/chat/conversations/{conversation}/read", True),
    ("POST", "/api/chat/conversations/{conversation}/upload", True),
    ("GET", "/api/chat/attachments/{attachment}", True),
    ("PATCH", "/api/chat/conversations/{conversation}/messages/{message}", True),
    ("DELETE", "/api/chat/conversations/{conversation}/messages/{message}", True),
    ("PUT", "/api/chat/conversations/{conversation}/messages/{message}/reactions/%F0%9F%91%8D", True),
    ("DELETE", "/api/chat/conversations/{conversation}/messages/{message}/reactions/%F0%9F%91%8D", True),
    ("GET", "/api/chat/conversations/{conversation}/changes?after=0", True),
    ("POST", "/api/chat/conversations/{conversation}/unread", True),
    ("POST", "/api/chat/conversations/{conversation}/members", True),
    ("PATCH", "/api/chat/conversations/{conversation}/members/{owner}", True),
    ("DELETE", "/api/chat/conversations/{conversation}/members/{owner}", True),
    ("GET", "/api/chat/conversations/{conversation}/invites", True),
    ("POST", "/api/chat/conversations/{conversation}/invites", True),
    ("DELETE", "/api/chat/conversations/{conversation}/invites/{owner}", True),
    ("PUT", "/api/chat/conversations/{conversation}/picture", True),
    ("DELETE", "/api/chat/conversations/{conversation}/picture", True),
    ("GET", "/api/chat/search?q=secret", False),
    ("PATCH", "/api/me", False),
    ("GET", "/api/users/{owner}", False),
    ("PUT", "/api/me/avatar", False),
    ("DELETE", "/api/me/avatar", False),
    ("GET", "/api/avatars/{avatar}", False),
    ("GET", "/api/me/blocks", False),
    ("PUT", "/api/me/blocks/{owner}", False),
    ("DELETE", "/api/me/blocks/{owner}", False),
    ("POST", "/api/reports", False),
    # Admins only: anyone else's valid token is refused 403.
    ("PUT", "/api/admin/users/{owner}/verified", True),
    ("DELETE", "/api/admin/users/{owner}/verified", True),
    ("GET", "/api/admin/audit", True),
    ("GET", "/api/admin/reports", True),
    ("POST", "/api/admin/reports/{owner}/actions", True),
    ("POST", "/api/admin/users/{owner}/restore", True),
]
BODIES = {
    "/api/chat/conversations": {"participantIds": []},
    "/api/chat/conversations/{conversation}": {"title": "Taken over"},
    "/api/chat/conversations/{conversation}/messages": {"content": "intruding"},
    "/api/chat/conversations/{conversation}/read": {"seq": 1},
    "/api/chat/conversations/{conversation}/messages/{message}": {"content": "defaced"},
    "/api/chat/conversations/{conversation}/unread": {"messageId": "{message}"},
    "/api/chat/conversations/{conversation}/members": {"userIds": ["{owner}"]},
    "/api/chat/conversations/{conversation}/members/{owner}": {"role": "member"},
    "/api/chat/conversations/{conversation}/invites": {},
    "/api/me": {"name": "Intruder"},
    "/api/reports": {"reason": "spam", "userId": "{owner}"},
    "/api/admin/reports/{owner}/actions": {"action": "dismiss"},
}
CREDENTIALS = ["no token", "garbage", "another key", "alg none", "expired", "revoked", "suspended", "another user's"]


@pytest.mark.parametrize("credential", CREDENTIALS)
@pytest.mark.parametrize("method,path,members_only", ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_every_route_refuses_what_it_must(stack, world, method, path, members_only, credential):
    token = world["credentials"][credential]
    if credential == "another user's" and not members_only:
        pytest.skip("the caller's own resource: theirs to use")
    ids = {"conversation": world["conversation"], "attachment": world["attachment"], "owner": world["owner"]["id"], "message": world["message"],
           "avatar": world["avatar"]}
    def fill(value):
        return value.format(**ids) if isinstance(value, str) else [fill(v) for v in value] if isinstance(value, list) else value
    kwargs = {"json": {k: fill(v) for k, v in BODIES[path].items()}} if path in BODIES else {}
    if path.endswith("/upload"):
        kwargs = {"files": {"file": ("x.png", PNG, "image/png")}}
    if method == "PUT" and path.endswith(("/avatar", "/picture")):
        kwargs = {"data": PNG}
    response = Api(stack.lb_url, token).request(method, path.format(**ids), **kwargs)
    assert SECRET_TEXT not in response.text and "secret.png" not in response.text
    body = response.json()
    if credential == "another user's":
        assert response.status_code in (403, 404), response.text
        assert body["error"]["code"] in ("forbidden", "not_found", "not_a_member"), body
    else:
        assert response.status_code == 401, response.text
        assert body["error"]["code"] == ("unauthorized" if token is None else "invalid_token"), body


def test_a_search_finds_nothing_of_others_conversations(stack, world):
    outsider = Api(stack.lb_url, world["credentials"]["another user's"])
    for query in ("secret", "conversation", "secre", "\"the secret\""):
        response = outsider.get("/api/chat/search", params={"q": query})
        assert response.status_code == 200 and response.json()["results"] == [] and SECRET_TEXT not in response.text
    # Naming the conversation does not open it either.
    response = outsider.get("/api/chat/search", params={"q": "secret", "conversationId": world["conversation"]})
    assert response.json()["results"] == []


@pytest.mark.parametrize("credential", [c for c in CREDENTIALS if c != "another user's"])
def test_a_socket_connect_refuses_every_bad_credential(stack, world, credential):
    token = world["credentials"][credential]
    refused = refused_connect(stack.lb_url, token)
    assert refused["data"]["code"] == ("unauthorized" if token is None else "invalid_token"), refused


EVENTS = [
    ("join_conversation", lambda w: {"conversationId": w["conversation"]}),
    ("send_message", lambda w: {"conversationId": w["conversation"], "content": "intruding"}),
    ("typing", lambda w: {"conversationId": w["conversation"], "isTyping": True}),
    ("mark_read", lambda w: {"conversationId": w["conversation"], "seq": 1}),
    ("sync_conversation", lambda w: {"conversationId": w["conversation"], "after": 0}),
    ("sync_conversation", lambda w: {"conversationId": w["conversation"], "changesAfter": 0}),
    ("edit_message", lambda w: {"conversationId": w["conversation"], "messageId": w["message"], "content": "defaced"}),
    ("delete_message", lambda w: {"conversationId": w["conversation"], "messageId": w["message"]}),
    ("add_reaction", lambda w: {"conversationId": w["conversation"], "messageId": w["message"], "emoji": "👎"}),
    ("remove_reaction", lambda w: {"conversationId": w["conversation"], "messageId": w["message"], "emoji": "👎"}),
    ("mark_unread", lambda w: {"conversationId": w["conversation"], "messageId": w["message"]}),
]


@pytest.mark.parametrize("event,payload", EVENTS, ids=[f"{e}-{i}" for i, (e, _) in enumerate(EVENTS)])
def test_every_event_refuses_a_non_member(stack, world, event, payload):
    with ChatClient(stack.lb_url, world["credentials"]["another user's"]) as outsider:
        ack = outsider.call(event, payload(world))
        assert "error" in ack and ack["error"]["code"] in ("forbidden", "not_found", "not_a_member", "not_joined"), ack
        assert SECRET_TEXT not in str(ack)
        assert not outsider.recorder.of("new_message")


# What only admins do, by role: a student's or an expert's valid token is refused 403, an
# admin's is served (a 404 or 422 for a report or user this test did not make is served too).
ADMIN_ROUTES = [
    ("PUT", "/api/admin/users/{expert}/verified"),
    ("DELETE", "/api/admin/users/{expert}/verified"),
    ("GET", "/api/admin/audit"),
    ("GET", "/api/admin/reports"),
    ("POST", "/api/admin/reports/{nobody}/actions"),
    ("POST", "/api/admin/users/{expert}/restore"),
]


@pytest.fixture(scope="module")
def roles(stack):
    api = Api(stack.lb_url)
    (student, _), (expert, expert_user), _ = api.student_and_expert("Role student", "Role expert")
    admin, _ = new_admin(stack, api, "Role admin")
    return {"student": student, "expert": expert, "admin": admin, "ids": {"expert": expert_user["id"], "nobody": "00000000-0000-4000-8000-000000000000"}}


@pytest.mark.parametrize("role", ["student", "expert", "admin"])
@pytest.mark.parametrize("method,path", ADMIN_ROUTES, ids=[f"{m} {p}" for m, p in ADMIN_ROUTES])
def test_admin_routes_serve_admins_alone(roles, method, path, role):
    body = {"action": "dismiss"} if path.endswith("/actions") else None
    response = roles[role].request(method, path.format(**roles["ids"]), json=body)
    if role == "admin":
        assert response.status_code in (200, 204, 404), response.text
    else:
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden", response.text
