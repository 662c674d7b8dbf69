"""Groups with roles (#28), through the load balancer: a group is its creator's, and its
owner renames it; every member hears of it live, on any gateway, and the page follows."""

import hashlib

import pytest
from api import Api
from chat import ChatClient
from pages import ChatPage
from pictures import png


def test_the_owner_renames_a_group_and_every_member_hears_it(stack, api, browsers):
    (student, student_user), (expert, expert_user), _ = api.student_and_expert("Gus", "Gwen")
    classmate, classmate_user = api.register("Hana")
    group = student.post("/api/chat/conversations", json={"participantIds": [classmate_user["id"], expert_user["id"]], "title": "Physics"}).json()
    assert {(r["userId"], r["role"]) for r in group["roles"]} == {
        (student_user["id"], "owner"), (classmate_user["id"], "member"), (expert_user["id"], "member")}

    page = ChatPage(browsers()).open_signed_in(stack.lb_url, classmate.token)
    page.open_conversation(group["id"])
    with ChatClient(stack.service_url("gateway2"), expert.token) as other:
        other.join(group["id"])
        renamed = student.patch(f"/api/chat/conversations/{group['id']}", json={"title": "Physics, term 2"})
        assert renamed.status_code == 200 and renamed.json()["title"] == "Physics, term 2"
        said = other.recorder.wait_event("new_message", lambda m: m["messageType"] == "SYSTEM" and "renamed" in m["content"])
        assert said["content"] == "Gus renamed the group to “Physics, term 2”"
        update = other.recorder.wait_event("conversation_updated", lambda u: u["conversationId"] == group["id"] and u.get("title") == "Physics, term 2")
        assert update
    # The page: the header and the list take the new name without a reload; the line says who.
    page.wait_until(lambda: page.conversation.title() == "Physics, term 2", message="the header renamed")
    page.conversation.wait_for_message("Gus renamed the group to “Physics, term 2”")

    refused = classmate.patch(f"/api/chat/conversations/{group['id']}", json={"title": "Mine"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_group_admin"
    assert page.console_errors() == []


def test_a_group_message_says_how_many_read_it_and_typing_names_who(stack, api, browsers):
    """Not "read" as soon as anyone read it: "read by 1 of 2", the names on hover, then
    "read by everyone"; two typing at once are named together."""
    (student, _), (expert, expert_user), _ = api.student_and_expert("Kai", "Kim")
    classmate, classmate_user = api.register("Lou")
    group = student.post("/api/chat/conversations", json={"participantIds": [classmate_user["id"], expert_user["id"]], "title": "Chemistry"}).json()
    page = ChatPage(browsers()).open_signed_in(stack.lb_url, student.token)
    page.open_conversation(group["id"])
    page.conversation.send("Who has read this?")
    page.conversation.wait_for_message("Who has read this?")
    sent = [m for m in student.history(group["id"]) if m["content"] == "Who has read this?"][0]
    page.wait_until(lambda: page.conversation.receipt_of(sent["id"])["text"] == "sent", message="sent, read by none")

    classmate.post(f"/api/chat/conversations/{group['id']}/read", json={"seq": sent["seq"]}).raise_for_status()
    page.wait_until(lambda: page.conversation.receipt_of(sent["id"]) == {"text": "read by 1 of 2", "title": "Read by Lou"}, message="one of two")
    assert not page.conversation.own_message_read()  # not everyone yet
    expert.post(f"/api/chat/conversations/{group['id']}/read", json={"seq": sent["seq"]}).raise_for_status()
    page.wait_until(lambda: page.conversation.receipt_of(sent["id"])["text"] == "read by everyone", message="everyone")

    with ChatClient(stack.service_url("gateway1"), classmate.token) as lou, ChatClient(stack.service_url("gateway2"), expert.token) as kim:
        for socket in (lou, kim):
            socket.join(group["id"])
            assert socket.call("typing", {"conversationId": group["id"], "isTyping": True})["ok"]
        page.wait_until(lambda: page.conversation.typing_indicator() in ("Lou and Kim are typing…", "Kim and Lou are typing…"), message="both named")
    page.screenshot("group-receipts.png")
    assert page.console_errors() == []


def group_of_three(api, owner_name: str, expert_name: str, member_name: str):
    """A student's group with an expert and a classmate: (client, user) of each, and the group."""
    (owner, owner_user), (expert, expert_user), _ = api.student_and_expert(owner_name, expert_name)
    member, member_user = api.register(member_name)
    group = owner.post("/api/chat/conversations", json={"participantIds": [expert_user["id"], member_user["id"]], "title": "Geometry"}).json()
    return (owner, owner_user), (expert, expert_user), (member, member_user), group


def test_a_removed_member_hears_nothing_more_on_any_gateway(stack, api):
    """Removal reaches every gateway at once: the removed one's joined sockets on both
    gateways hear the SYSTEM line and `conversation_left`, then nothing (no message,
    typing, receipt or notification); a socket that had sent there lately (a remembered
    membership) is refused, and joining again is refused."""
    (owner, _), (expert, _), (member, member_user), group = group_of_three(api, "Ada", "Eve", "Cal")
    gid = group["id"]
    g1, g2 = stack.service_url("gateway1"), stack.service_url("gateway2")
    with ChatClient(g1, member.token) as cal1, ChatClient(g2, member.token) as cal2, ChatClient(g1, member.token) as cal_unjoined, \
            ChatClient(g1, owner.token) as ada1, ChatClient(g2, expert.token) as eve2:
        for socket in (cal1, cal2, ada1, eve2):
            socket.join(gid)
        # A send from a socket not in the room: this gateway now remembers Cal as a member.
        assert cal_unjoined.call("send_message", {"conversationId": gid, "content": "hello all"})["message"]

        removed = owner.delete(f"/api/chat/conversations/{gid}/members/{member_user['id']}")
        assert removed.status_code == 200, removed.text
        for socket in (cal1, cal2):
            said = socket.recorder.wait_event("new_message", lambda m: m["conversationId"] == gid and m["messageType"] == "SYSTEM" and "removed" in m["content"])
            assert said and said["content"] == "Ada removed Cal"
            left = socket.recorder.wait_event("conversation_left", lambda e: e["conversationId"] == gid)
            assert left and left["departure"]["reason"] == "removed" and left["departure"]["seq"] == said["seq"]
        assert cal_unjoined.recorder.wait_event("conversation_left", lambda e: e["conversationId"] == gid)

        for socket in (cal1, cal2, cal_unjoined):
            socket.recorder.clear()
        sent = owner.post(f"/api/chat/conversations/{gid}/messages", json={"content": "after Cal left"}).json()
        assert eve2.call("typing", {"conversationId": gid, "isTyping": True})["ok"]
        expert.post(f"/api/chat/conversations/{gid}/read", json={"seq": sent["seq"]}).raise_for_status()
        # Those still in, on each gateway, have it all: what Cal's sockets would have had by now.
        assert ada1.recorder.wait_event("messages_read", lambda r: r["seq"] == sent["seq"])
        assert eve2.recorder.wait_event("new_message", lambda m: m["id"] == sent["id"])
        assert ada1.recorder.wait_event("user_typing", lambda t: t["conversationId"] == gid)
        for socket in (cal1, cal2, cal_unjoined):
            heard = [name for name, data in socket.recorder.events if isinstance(data, dict) and data.get("conversationId") == gid]
            assert heard == [], heard

        refused = cal_unjoined.call("send_message", {"conversationId": gid, "content": "still here?"})
        assert refused["error"]["code"] == "forbidden"
        assert cal1.call("join_conversation", {"conversationId": gid})["error"]["code"] == "forbidden"
        assert cal2.call("typing", {"conversationId": gid, "isTyping": True})["error"]["code"] == "not_joined"

    # Cal reads what came while Cal was in, and the list shows the group ended for them.
    history = [m["content"] for m in member.history(gid)]
    assert history[-1] == "Ada removed Cal" and "after Cal left" not in history
    listed = [c for c in member.get("/api/chat/conversations").json() if c["id"] == gid][0]
    assert listed["departure"]["reason"] == "removed"


def test_an_added_member_joins_live_and_reads_from_their_coming(stack, api):
    """The one added hears of the group at once on their socket and joins it without a
    reload; every member hears `group_updated` with them in it; what was said before is
    not theirs to read."""
    (owner, _), (expert, _), (member, _), group = group_of_three(api, "Bea", "Bob", "Ben")
    gid = group["id"]
    newcomer, newcomer_user = api.register("Dee")
    owner.post(f"/api/chat/conversations/{gid}/messages", json={"content": "before Dee came"}).raise_for_status()
    with ChatClient(stack.service_url("gateway2"), newcomer.token) as dee, ChatClient(stack.service_url("gateway1"), member.token) as ben:
        added = owner.post(f"/api/chat/conversations/{gid}/members", json={"userIds": [newcomer_user["id"]]})
        assert added.status_code == 200, added.text
        told = dee.recorder.wait_event("notification", lambda n: n["conversationId"] == gid)
        assert told and told["message"]["content"] == "Bea added Dee"
        updated = ben.recorder.wait_event("group_updated", lambda g: g["conversationId"] == gid)
        assert updated and newcomer_user["id"] in [p["id"] for p in updated["participants"]]
        assert {"userId": newcomer_user["id"], "role": "member"} in updated["roles"]
        assert dee.recorder.wait_event("group_updated", lambda g: g["conversationId"] == gid)
        assert dee.join(gid)["lastSeq"] >= told["message"]["seq"]
        expert.post(f"/api/chat/conversations/{gid}/messages", json={"content": "welcome, Dee"}).raise_for_status()
        assert dee.recorder.wait_event("new_message", lambda m: m["content"] == "welcome, Dee")
    assert [m["content"] for m in newcomer.history(gid)] == ["Bea added Dee", "welcome, Dee"]
    again = owner.post(f"/api/chat/conversations/{gid}/members", json={"userIds": [newcomer_user["id"]]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_member"


def test_an_invite_link_brings_someone_in_through_the_load_balancer(stack, api):
    (owner, _), _, (member, _), group = group_of_three(api, "Fay", "Fin", "Flo")
    gid = group["id"]
    assert member.post(f"/api/chat/conversations/{gid}/invites", json={}).json()["error"]["code"] == "not_group_admin"
    invite = owner.post(f"/api/chat/conversations/{gid}/invites", json={"maxUses": 2, "expiresInSeconds": 3600}).json()
    assert invite["path"] == f"/chat/join/{invite['token']}"
    guest, guest_user = api.register("Gil")
    preview = guest.get(f"/api/chat/invites/{invite['token']}").json()
    assert preview == {**preview, "conversationId": gid, "title": "Geometry", "memberCount": 3, "isMember": False}
    joined = guest.post(f"/api/chat/invites/{invite['token']}/join")
    assert joined.status_code == 200 and guest_user["id"] in [p["id"] for p in joined.json()["participants"]]
    # Opening it again is no second use.
    assert guest.post(f"/api/chat/invites/{invite['token']}/join").status_code == 200
    assert owner.get(f"/api/chat/conversations/{gid}/invites").json()[0]["uses"] == 1
    assert owner.delete(f"/api/chat/conversations/{gid}/invites/{invite['id']}").status_code == 204
    late, _ = api.register("Hux")
    refused = late.post(f"/api/chat/invites/{invite['token']}/join")
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "invite_invalid"


@pytest.fixture(scope="module")
def group_roles(stack):
    """A group with one of each standing: owner, admin, member, removed member, stranger."""
    api = Api(stack.lb_url)
    (owner, _), (admin, admin_user), (member, member_user), group = group_of_three(api, "Oda", "Abe", "Mel")
    removed, removed_user = api.register("Rem")
    stranger, _ = api.register("Stu")
    gid = group["id"]
    assert owner.post(f"/api/chat/conversations/{gid}/members", json={"userIds": [removed_user["id"]]}).status_code == 200
    assert owner.patch(f"/api/chat/conversations/{gid}/members/{admin_user['id']}", json={"role": "admin"}).status_code == 200
    assert owner.delete(f"/api/chat/conversations/{gid}/members/{removed_user['id']}").status_code == 200
    invite = owner.post(f"/api/chat/conversations/{gid}/invites", json={}).json()
    return {"clients": {"owner": owner, "admin": admin, "member": member, "removed": removed, "stranger": stranger,
                        "bad token": api.as_user("garbage")},
            "ids": {"g": gid, "member": member_user["id"], "nobody": "00000000-0000-4000-8000-000000000000", "token": invite["token"]}}


STANDINGS = ["owner", "admin", "member", "removed", "stranger", "bad token"]
NOT_IN = (403, "forbidden")
# Each group route (not changing who is in it), and what each standing gets: a status, or
# (status, error code). A bad token is 401 everywhere.
GROUP_ROUTES = [
    ("PATCH", "/api/chat/conversations/{g}", {"description": "Proofs"},
     [200, 200, (403, "not_group_admin"), NOT_IN, NOT_IN]),
    ("POST", "/api/chat/conversations/{g}/members", {"userIds": ["{member}"]},
     [(409, "already_member"), (409, "already_member"), (403, "not_group_admin"), NOT_IN, NOT_IN]),
    ("PATCH", "/api/chat/conversations/{g}/members/{member}", {"role": "member"},
     [200, (403, "not_group_owner"), (403, "not_group_owner"), NOT_IN, NOT_IN]),
    ("DELETE", "/api/chat/conversations/{g}/members/{nobody}", None,
     [(404, "not_member"), (404, "not_member"), (403, "not_group_admin"), NOT_IN, NOT_IN]),
    ("GET", "/api/chat/conversations/{g}/invites", None, [200, 200, (403, "not_group_admin"), NOT_IN, NOT_IN]),
    ("DELETE", "/api/chat/conversations/{g}/picture", None, [200, 200, (403, "not_group_admin"), NOT_IN, NOT_IN]),
    ("POST", "/api/chat/conversations/{g}/invites", {}, [201, 201, (403, "not_group_admin"), NOT_IN, NOT_IN]),
    ("DELETE", "/api/chat/conversations/{g}/invites/{nobody}", None,
     [(404, "not_found"), (404, "not_found"), (403, "not_group_admin"), NOT_IN, NOT_IN]),
    # One removed still reads what came before; a stranger reads nothing.
    ("GET", "/api/chat/conversations/{g}", None, [200, 200, 200, 200, NOT_IN]),
    ("GET", "/api/chat/conversations/{g}/messages", None, [200, 200, 200, 200, NOT_IN]),
    ("POST", "/api/chat/conversations/{g}/messages", {"content": "hi"}, [201, 201, 201, NOT_IN, NOT_IN]),
    ("POST", "/api/chat/conversations/{g}/read", {"seq": 1}, [200, 200, 200, NOT_IN, NOT_IN]),
    # Whoever has the link may look where it leads.
    ("GET", "/api/chat/invites/{token}", None, [200, 200, 200, 200, 200]),
]


@pytest.mark.parametrize("standing", STANDINGS)
@pytest.mark.parametrize("method,path,body,expected", GROUP_ROUTES, ids=[f"{m} {p}" for m, p, _, _ in GROUP_ROUTES])
def test_every_group_route_answers_each_standing_as_the_role_table_says(group_roles, method, path, body, expected, standing):
    ids = group_roles["ids"]
    json_body = {k: ([v.format(**ids) for v in value] if isinstance(value, list) else value) for k, value in body.items()} if body is not None else None
    response = group_roles["clients"][standing].request(method, path.format(**ids), json=json_body)
    want = (401, "invalid_token") if standing == "bad token" else expected[STANDINGS.index(standing)]
    status, code = want if isinstance(want, tuple) else (want, None)
    assert response.status_code == status, response.text
    if code:
        assert response.json()["error"]["code"] == code, response.text
    if standing == "removed" and method == "GET" and path.endswith("{g}"):
        assert response.json()["departure"]["reason"] == "removed"


def test_a_group_made_on_the_page_is_run_from_its_panel(stack, api, browsers, tmp_path):
    """Three browsers: Ada makes a group of three on the page; they talk; Ada makes Eve an
    admin, who removes Cal (whose page stops receiving and says so); an invite link brings
    Dee in; Ada hands the group to Eve; Dee leaves."""
    (ada, ada_user), (eve, eve_user), _ = api.student_and_expert("Ada", "Eve")
    cal, cal_user = api.register("Cal")
    # Cal is someone Ada shares a conversation with; Eve an expert the directory lists.
    ada.post("/api/chat/conversations", json={"participantIds": [eve_user["id"], cal_user["id"]], "title": "Warm-up"}).raise_for_status()
    pages = browsers(), browsers(), browsers()
    a, e, c = (ChatPage(driver).open_signed_in(stack.lb_url, client.token) for driver, client in zip(pages, (ada, eve, cal)))

    assert {eve_user["id"], cal_user["id"]} <= set(a.new_group.candidates() or [eve_user["id"], cal_user["id"]])
    a.new_group.create("Study group", [eve_user["id"], cal_user["id"]])
    a.wait_until(lambda: a.conversation.title() == "Study group", message="the new group opens")
    group = [g for g in ada.get("/api/chat/conversations").json() if g.get("title") == "Study group"][0]
    gid = group["id"]
    assert a.conversation.subtitle() == "3 members"
    for page in (e, c):
        page.wait_until(lambda page=page: page._present(f"[data-conversation-id='{gid}']"), message="the group reaches the list")
        page.open_conversation(gid)
    c.conversation.send("hi from Cal")
    a.conversation.wait_for_message("hi from Cal")

    # A member is offered nothing but leaving.
    c.group.open()
    assert c.group.offers() == {"edit": False, "add": False, "invite": False, "leave": True}
    assert all(member["actions"] == [] for member in c.group.members())
    c.group.close()

    a.group.open()
    members = {m["id"]: m for m in a.group.members()}
    assert members[ada_user["id"]]["role"] == "owner" and members[ada_user["id"]]["actions"] == []
    assert members[eve_user["id"]]["actions"] == ["makeAdmin", "makeOwner", "remove"]
    a.group.act_on(eve_user["id"], "makeAdmin")
    a.wait_until(lambda: {m["id"]: m["role"] for m in a.group.members()}[eve_user["id"]] == "admin", message="Eve an admin")
    picture = tmp_path / "group.png"
    picture.write_bytes(png(300, 200, (40, 160, 120)))
    a.group.choose_picture(picture)
    a.wait_until(a.group.has_picture, message="the panel shows the picture")
    # Eve's header shows it, shrunk to WebP by the page, without a reload.
    e.wait_until(lambda: e._present("#conversation-face [data-testid=avatar-image]"), message="Eve's header has the picture")
    a.screenshot("group-panel.png")
    assert a.accessibility_violations(only="#group-panel") == []
    a.group.close()

    # The admin removes Cal: Cal's page says so, and hears nothing more.
    e.group.open()
    members = {m["id"]: m for m in e.group.members()}
    assert members[cal_user["id"]]["actions"] == ["remove"] and members[ada_user["id"]]["actions"] == []
    e.group.act_on(cal_user["id"], "remove")
    e.group.close()
    c.wait_until(lambda: (c.conversation.ended_banner() or "").startswith("You were removed"), message="Cal's page says so")
    assert not c.conversation.composer_shown()
    c.conversation.wait_for_message("Eve removed Cal")
    a.conversation.send("after Cal left")
    e.conversation.wait_for_message("after Cal left")
    assert "after Cal left" not in c.conversation.message_texts()
    c.screenshot("group-removed.png")

    # An invite link brings Dee in (in Cal's browser, signed in as Dee).
    a.group.open()
    link = a.group.create_invite()
    assert "/chat/join/" in link
    a.group.close()
    dee, dee_user = api.register("Dee")
    c.open(stack.lb_url)
    c.driver.execute_script("sessionStorage.setItem('chat.token', arguments[0])", dee.token)
    c.driver.get(link)
    c.wait_until(lambda: c._find("[data-testid=join-dialog]").is_displayed(), message="the join question")
    assert c._text("[data-testid=join-heading]") == "Join “Study group”?"
    c._click("[data-testid=join-submit]")
    c.wait_until(lambda: c.path == f"/chat/c/{gid}", message="the group opens")
    c.conversation.wait_for_message("Dee joined with an invite link")
    assert "hi from Cal" not in c.conversation.message_texts()
    a.wait_until(lambda: a.conversation.subtitle() == "3 members", message="Ada's header counts Dee")

    # The owner hands over; a member leaves.
    a.group.open()
    a.group.act_on(eve_user["id"], "makeOwner")
    a.wait_until(lambda: {m["id"]: m["role"] for m in a.group.members()}.get(eve_user["id"]) == "owner", message="Eve owns it")
    assert {m["id"]: m["role"] for m in a.group.members()}[ada_user["id"]] == "admin"
    a.group.close()
    c.group.open()
    c.group.leave()
    c.wait_until(lambda: (c.conversation.ended_banner() or "").startswith("You left"), message="Dee's page says so")
    e.conversation.wait_for_message("Dee left")
    for page in (a, e, c):
        assert page.console_errors() == []


def test_a_group_picture_is_the_owners_and_admins_to_change(stack, api):
    """The picture goes through uploads (its bytes checked as a profile picture's), then
    messages decides whether the caller may make it the group's: every member hears it."""
    (owner, _), (expert, _), (member, _), group = group_of_three(api, "Pia", "Pat", "Pip")
    gid = group["id"]
    data = png(64, 64, (200, 40, 90))
    refused = member.put(f"/api/chat/conversations/{gid}/picture", data=data)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_group_admin"
    assert owner.put(f"/api/chat/conversations/{gid}/picture", data=b"not a picture").json()["error"]["code"] == "unsupported_image"
    with ChatClient(stack.service_url("gateway2"), member.token) as pip:
        changed = owner.put(f"/api/chat/conversations/{gid}/picture", data=data)
        assert changed.status_code == 200, changed.text
        url = changed.json()["pictureUrl"]
        assert url == f"/api/avatars/{hashlib.sha256(data).hexdigest()}"
        heard = pip.recorder.wait_event("group_updated", lambda g: g["conversationId"] == gid and g.get("pictureUrl") == url)
        assert heard
    assert member.get(url).content == data
    assert member.history(gid)[-1]["content"] == "Pia changed the group's picture"
    removed = owner.delete(f"/api/chat/conversations/{gid}/picture")
    assert removed.status_code == 200 and "pictureUrl" not in removed.json()
    stranger, _ = api.register("Pog")
    assert stranger.put(f"/api/chat/conversations/{gid}/picture", data=data).status_code == 403
