"""People (issue #18): the experts directory (search by a part of a name, headline or
subject, case and accents aside; online experts first; pages that neither repeat nor skip;
the online filter), profiles (`PATCH /api/me`, `GET /api/users/{id}`), pictures (sniffed,
bounded, served with caching, swept when replaced) and `user_updated` reaching whoever
shares a conversation with the user, on any gateway, and no one else."""

import hashlib
import re
import time
import uuid

import pytest

import stack as stack_module
from api import Api
from chat import ChatClient
from pictures import png, png_header

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489") + bytes(64)
# Headers that state a size (1 x 1), which a profile picture must: a JFIF block then a frame
# header; a lossy WebP's frame tag and start code.
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000" "ffc0001108000100010301110002110103110100") + bytes(64)
WEBP = b"RIFF" + (76).to_bytes(4, "little") + b"WEBPVP8 " + (64).to_bytes(4, "little") + bytes.fromhex("0000009d012a01000100") + bytes(54)
GIF = b"GIF89a" + bytes(64)


def experts(client: Api, **params) -> tuple[list[dict], str | None]:
    """One page, and the path of the next from the `Link` header."""
    response = client.get("/api/chat/experts", params=params)
    assert response.status_code == 200, response.text
    link = response.headers.get("Link")
    next_path = re.fullmatch(r'<([^>]+)>; rel="next"', link).group(1) if link else None
    return response.json(), next_path


def every_page(client: Api, **params) -> list[list[dict]]:
    pages, (page, next_path) = [], experts(client, **params)
    pages.append(page)
    while next_path:
        response = client.get(next_path)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        link = response.headers.get("Link")
        next_path = re.fullmatch(r'<([^>]+)>; rel="next"', link).group(1) if link else None
        assert len(pages) < 50, "paging does not end"
    return pages


def tag() -> str:
    """A word no other test's users hold, so that a search sees only this test's experts."""
    return "q" + uuid.uuid4().hex[:8]


def wait_online(client: Api, user_id, online=True, timeout=10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get(f"/api/users/{user_id}").json().get("online") is online:
            return
        time.sleep(0.1)
    raise AssertionError(f"{user_id} never {'online' if online else 'offline'}")


def test_the_directory_finds_a_part_of_a_name_headline_or_subject_case_and_accents_aside(api):
    word = tag()
    student_api, _ = api.register("Seeker")
    maria_api, maria = api.register(f"María Ortíz {word}", "expert")
    chen_api, chen = api.register(f"Chen Wei {word}", "expert")
    _, olu = api.register(f"Olu {word}", "expert")
    assert maria_api.patch("/api/me", json={"subjects": ["Calculus", "Linear algebra"]}).status_code == 200
    assert chen_api.patch("/api/me", json={"headline": "Économie et finance"}).status_code == 200

    def found(q, **params):
        page, _ = experts(student_api, q=q, **params)
        return {expert["id"] for expert in page}

    assert found(word) == {maria["id"], chen["id"], olu["id"]}
    assert found(f"MARIA {word}") == {maria["id"]}  # letter case and accents folded, each word must match
    assert found(f"ortí {word}") == {maria["id"]}  # a part of a word
    assert found(f"{word} calc") == {maria["id"]}  # a subject
    assert found(f"ECONOMIE {word}") == {chen["id"]}  # the headline
    assert found(f"{word} nobody-has-this") == set()
    assert found(f"{word[:6]}") >= {maria["id"], chen["id"], olu["id"]}  # a part of the tag
    # LIKE's own characters mean themselves.
    assert found(f"{word} %") == set() and found(f"{word} _") == set()
    page, _ = experts(student_api, q=f"calc {word}")
    assert page[0]["subjects"] == ["Calculus", "Linear algebra"] and "email" not in page[0]


def test_online_experts_come_first_and_pages_neither_repeat_nor_skip(stack, api):
    word = tag()
    student_api, _ = api.register("Pager")
    made = [api.register(f"{name} {word}", "expert") for name in ("Ziv", "Ada", "Émile", "bea", "Carl", "Dana", "Yann")]
    online = [made[0], made[3]]  # Ziv and bea: last by name, first by presence
    clients = [ChatClient(stack.service_url(f"gateway{1 + index}"), expert.token).connect() for index, (expert, _) in enumerate(online)]
    try:
        for _, user in online:
            wait_online(student_api, user["id"])
        pages = every_page(student_api, q=word, limit=3)
        assert [len(page) for page in pages] == [3, 3, 1]
        listed = [expert for page in pages for expert in page]
        assert [expert["name"].split()[0] for expert in listed] == ["bea", "Ziv", "Ada", "Carl", "Dana", "Émile", "Yann"]
        assert [expert["online"] for expert in listed] == [True, True] + [False] * 5
        # A page that ends exactly where the online experts end goes on with the rest.
        pages = every_page(student_api, q=word, limit=2)
        assert [expert["name"].split()[0] for page in pages for expert in page] == ["bea", "Ziv", "Ada", "Carl", "Dana", "Émile", "Yann"]
        # Only those online now.
        pages = every_page(student_api, q=word, online="true", limit=1)
        assert [expert["name"].split()[0] for page in pages for expert in page] == ["bea", "Ziv"]
    finally:
        for client in clients:
            client.disconnect()
    for _, user in online:
        wait_online(student_api, user["id"], online=False)
    page, _ = experts(student_api, q=word, online="true")
    assert page == []


def test_the_directory_without_parameters_is_the_plain_array_it_was(api):
    student_api, _ = api.register("Plain")
    api.register("Plain Expert", "expert")
    response = student_api.get("/api/chat/experts")
    assert response.status_code == 200 and isinstance(response.json(), list) and response.json()
    assert all(expert["role"] == "expert" and "email" not in expert for expert in response.json())
    assert len(response.json()) <= 200


@pytest.mark.parametrize("params,message", [
    ({"limit": "0"}, "limit"), ({"limit": "501"}, "limit"), ({"limit": "many"}, "limit"),
    ({"cursor": "not-a-cursor"}, "cursor"), ({"cursor": "x" * 2000}, "cursor"),
    ({"online": "maybe"}, "online"), ({"q": "x" * 101}, "q"), ({"q": "a\u0000b"}, "q"),
])
def test_the_directory_refuses_what_it_cannot_answer(api, params, message):
    user_api, _ = api.register("Refused")
    response = user_api.get("/api/chat/experts", params=params)
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]["message"]


def test_a_profile_is_edited_within_bounds_and_shown_to_others_without_the_email(api):
    expert_api, expert = api.register("Edith", "expert")
    student_api, student = api.register("Sven")
    change = {"name": "  Edith Clarke ", "headline": "Power systems", "bio": "Engineer.\nFirst woman to…",
              "subjects": ["Circuits", "circuits", " Power "]}
    response = expert_api.patch("/api/me", json=change)
    assert response.status_code == 200, response.text
    mine = response.json()
    assert (mine["name"], mine["headline"], mine["bio"], mine["subjects"]) == ("Edith Clarke", "Power systems", change["bio"], ["Circuits", "Power"])
    assert mine["email"] == expert["email"]
    assert expert_api.get("/api/me").json()["headline"] == "Power systems"

    seen = student_api.get(f"/api/users/{expert['id']}")
    assert seen.status_code == 200 and "email" not in seen.json() and seen.json()["bio"] == change["bio"]
    assert seen.json()["online"] is False
    assert expert_api.get(f"/api/users/{expert['id']}").json()["email"] == expert["email"]

    # Absent fields stay; null and "" clear.
    assert expert_api.patch("/api/me", json={"headline": None}).json().get("headline") is None
    kept = expert_api.patch("/api/me", json={"bio": ""}).json()
    assert "bio" not in kept and kept["name"] == "Edith Clarke" and kept["subjects"] == ["Circuits", "Power"]
    assert "subjects" not in expert_api.patch("/api/me", json={"subjects": []}).json()

    for body, status in [
        ({"name": "   "}, 422), ({"name": "x" * 101}, 422), ({"headline": "x" * 121}, 422), ({"bio": "x" * 1001}, 422),
        ({"headline": "bell\u0007"}, 422), ({"subjects": ["x"] * 13}, 422), ({"subjects": ["x" * 41]}, 422), ({"subjects": [""]}, 422),
        ({"name": 5}, 400), ({"subjects": "Circuits"}, 400),
    ]:
        refused = expert_api.patch("/api/me", json=body)
        assert refused.status_code == status, (body, refused.text)
    assert student_api.patch("/api/me", json={"subjects": ["Maths"]}).status_code == 422  # experts only
    assert student_api.patch("/api/me", json={"bio": "Line one\nline two"}).json()["bio"] == "Line one\nline two"
    assert expert_api.get("/api/me").json()["name"] == "Edith Clarke"  # nothing refused was kept

    assert student_api.get(f"/api/users/{uuid.uuid4()}").status_code == 404
    assert student_api.get("/api/users/not-an-id").status_code in (400, 404)
    assert api.get(f"/api/users/{student['id']}").status_code == 401
    assert api.patch("/api/me", json={"name": "Nobody"}).status_code == 401


def test_a_picture_is_sniffed_bounded_served_with_caching_and_removed(api):
    user_api, user = api.register("Pic")
    other_api, _ = api.register("Viewer")
    for data, mime in ((PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")):
        response = user_api.put("/api/me/avatar", data=data, headers={"Content-Type": "text/plain"})  # the bytes decide
        assert response.status_code == 200, response.text
        url = response.json()["avatarUrl"]
        assert url == f"/api/avatars/{hashlib.sha256(data).hexdigest()}"
        served = other_api.get(url)
        assert served.status_code == 200 and served.content == data and served.headers["Content-Type"] == mime
        assert "immutable" in served.headers["Cache-Control"] and served.headers["X-Content-Type-Options"] == "nosniff"
        again = other_api.get(url, headers={"If-None-Match": served.headers["ETag"]})
        assert again.status_code == 304 and again.content == b""
    assert other_api.get(f"/api/users/{user['id']}").json()["avatarUrl"] == url
    assert api.get(url).status_code == 401

    # A 50,000 x 50,000 PNG header over a few bytes (every viewer would decode 10 GB of pixels),
    # a picture one side too long, and one whose header states no size.
    bomb = png_header(50_000, 50_000)
    for data, status in ((GIF, 415), (b"<svg xmlns='http://www.w3.org/2000/svg'/>", 415), (b"", 422), (PNG + bytes(1 << 20), 413),
                         (bomb, 415), (png_header(4097, 10), 415), (PNG[:8] + bytes(64), 415)):
        refused = user_api.put("/api/me/avatar", data=data)
        assert refused.status_code == status, refused.text
        if status == 415:
            assert refused.json()["error"]["code"] == "unsupported_image"
    assert user_api.get("/api/me").json()["avatarUrl"] == url  # nothing refused replaced it
    assert user_api.put("/api/me/avatar", data=png(4096, 1)).status_code == 200  # the longest side allowed
    for path in ("/api/avatars/" + "0" * 64, "/api/avatars/not-a-hash", "/api/avatars/" + "A" * 64):
        assert user_api.get(path).status_code == 404

    removed = user_api.delete("/api/me/avatar")
    assert removed.status_code == 200 and "avatarUrl" not in removed.json()
    assert "avatarUrl" not in other_api.get(f"/api/users/{user['id']}").json()


def test_a_replaced_picture_is_swept_and_the_one_in_use_kept(stack, api):
    user_api, _ = api.register("Sweep")
    old, new = PNG + uuid.uuid4().bytes, PNG + uuid.uuid4().bytes
    for data in (old, new):
        assert user_api.put("/api/me/avatar", data=data).status_code == 200
    stored = stack.state_dir / "uploads" / "avatars" / "blobs"
    files = lambda: {path.name for path in stored.rglob("*") if path.is_file()}  # noqa: E731
    old_hash, new_hash = hashlib.sha256(old).hexdigest(), hashlib.sha256(new).hexdigest()
    assert {old_hash, new_hash} <= files()
    port = stack_module.Ports.free().uploads
    sweeper = stack.spawn("uploads-avatar-sweeper", [str(stack.bin_dir / "uploads")], {
        **stack.environment("uploads"), "HTTP_PORT": str(port), "UPLOAD_ORPHAN_GRACE": "0.2", "UPLOAD_SWEEP_EVERY": "0.3"})
    try:
        deadline = time.monotonic() + 15
        while old_hash in files() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert old_hash not in files()
    finally:
        stack.stop("uploads-avatar-sweeper")
    assert new_hash in files()
    assert user_api.get(f"/api/avatars/{new_hash}").status_code == 200


def test_user_updated_reaches_contacts_on_any_gateway_and_no_stranger(stack, api):
    expert_api, expert = api.register("Live", "expert")
    student_api, student = api.register("Watcher")
    stranger_api, _ = api.register("Stranger")
    student_api.open_conversation(expert)
    with ChatClient(stack.service_url("gateway2"), student_api.token) as contact, \
            ChatClient(stack.service_url("gateway1"), stranger_api.token) as stranger, \
            ChatClient(stack.service_url("gateway1"), expert_api.token) as own:
        assert expert_api.patch("/api/me", json={"name": "Live Renamed", "headline": "Now live"}).status_code == 200
        event = contact.recorder.wait_event("user_updated", lambda data: data["id"] == expert["id"] and data["name"] == "Live Renamed")
        assert event and event["headline"] == "Now live" and "email" not in event
        assert own.recorder.wait_event("user_updated", lambda data: data["name"] == "Live Renamed")  # the user's other tabs
        picture = expert_api.put("/api/me/avatar", data=PNG + uuid.uuid4().bytes).json()["avatarUrl"]
        assert contact.recorder.wait_event("user_updated", lambda data: data.get("avatarUrl") == picture)
        time.sleep(0.5)
        assert stranger.recorder.of("user_updated") == []
