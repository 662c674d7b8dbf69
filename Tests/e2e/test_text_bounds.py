"""The abuse findings of the safety issue (#27), each reproduced through the load balancer
and refused: texts stuffed with combining marks, direction overrides in names, searches
that broke Postgres's query parser or the service's URL limit, and handshakes flooding in
from one address."""

import requests

import stack as stack_module
from chat import ChatClient

# One letter under 8 combining marks (the most a character may carry) and under 9.
HEAVY = "a" + "\u0301" * 8
PILED = "a" + "\u0301" * 9
# What made a name show as another: a right-to-left override.
OVERRIDE = "Ada \u202egnp.exe"


def error_lines(stack, service: str) -> list[str]:
    """The lines a service logged at error level so far."""
    log = stack.state_dir / "logs" / f"{service}.log"
    return [line for line in log.read_text(errors="replace").splitlines() if " error " in line]


def test_every_text_a_user_writes_is_bounded_in_bytes_and_marks(stack, api):
    """A character can carry any number of marks: 100 characters were 195 KB of name. Now
    each text is bounded in bytes (8 per character) and in marks per character, over every
    route that takes one, and says which field."""
    (student, _), (expert, expert_user), conversation = api.student_and_expert("Bounded", "Bounds")
    # (field, length limit in characters, the request that sets it)
    profile = {
        "name": (100, lambda value: student.patch("/api/me", json={"name": value})),
        "headline": (120, lambda value: student.patch("/api/me", json={"headline": value})),
        "bio": (1000, lambda value: student.patch("/api/me", json={"bio": value})),
        "subjects": (40, lambda value: expert.patch("/api/me", json={"subjects": [value]})),
        "title": (200, lambda value: student.post("/api/chat/conversations", json={"participantIds": [expert_user["id"]], "title": value})),
    }
    for field, (characters, send) in profile.items():
        # As many characters as allowed, each as heavy as allowed: past the byte bound.
        refused = send(HEAVY * characters)
        assert refused.status_code == 422, (field, refused.text)
        error = refused.json()["error"]
        assert error["field"] == field and f"{characters * 8} bytes" in error["message"], error
        piled = send("x" + PILED)
        assert piled.status_code == 422 and "marks" in piled.json()["error"]["message"], (field, piled.text)
        # Heavy but within bounds, as Vietnamese or pointed Hebrew is: taken.
        taken = send("Nguyễn " + HEAVY * 3)
        assert taken.status_code in (200, 201), (field, taken.text)

    # Messages are bounded in Unicode scalars (so in bytes) already, and now in marks.
    piled = student.send_message(conversation["id"], "look " + PILED)
    assert piled.status_code == 422 and "marks" in piled.json()["error"]["message"]
    assert student.send_message(conversation["id"], "Tiếng Việt " + HEAVY).status_code == 201
    with ChatClient(stack.lb_url, student.token) as client:
        ack = client.call("send_message", {"conversationId": conversation["id"], "content": "x" + PILED})
        assert ack["error"]["code"] == "validation_failed" and "marks" in ack["error"]["message"]

    # The other member's list of conversations stays small: nothing above went in.
    listed = expert.get("/api/chat/conversations")
    assert listed.status_code == 200 and len(listed.content) < 20_000


def test_names_and_titles_may_not_hold_direction_overrides(api):
    """U+202E made "Ada exe.png" of a name that ends in ".exe"; overrides and isolates are
    refused in names, titles, headlines and subjects. A right-to-left mark is a letter's
    direction, not an override: an Arabic name keeps it. A bio is prose, shown isolated."""
    (student, _), (expert, expert_user), _ = api.student_and_expert("Direction", "Directions")
    for control in ("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"):
        for field, send in (
            ("name", lambda value: student.patch("/api/me", json={"name": value})),
            ("headline", lambda value: student.patch("/api/me", json={"headline": value})),
            ("subjects", lambda value: expert.patch("/api/me", json={"subjects": [value]})),
            ("title", lambda value: student.post("/api/chat/conversations", json={"participantIds": [expert_user["id"]], "title": value})),
        ):
            refused = send(f"Ada {control}gnp.exe")
            assert refused.status_code == 422, (field, hex(ord(control)), refused.text)
            assert refused.json()["error"]["field"] == field
    assert student.get("/api/me").json()["name"] == "Direction"
    arabic = "\u200fليلى"
    assert student.patch("/api/me", json={"name": arabic}).json()["name"] == arabic
    assert student.patch("/api/me", json={"bio": "I write " + OVERRIDE}).status_code == 200


def test_searches_that_broke_the_parser_or_the_url_limit_answer_results_or_422(stack, api):
    """33 dashes (or 40 spaced ones, or dashes before punctuation) overflowed Postgres's query
    parser: a 500, logged at error level with the statement. A 200-character query of 32 KB
    went past the messages service's URL limit: `unavailable` on the socket. Now: results (the
    dashes negate nothing) or a 422 naming `q`, on REST and the socket, and nothing at error level."""
    (student, _), _, conversation = api.student_and_expert("Searcher", "Searched")
    for content in ("parser overflow check", "another line"):
        assert student.send_message(conversation["id"], content).status_code == 201
    errors_before = len(error_lines(stack, "messages"))
    for query, expected in (("-" * 33, []), ("- " * 40, []), ("-! " * 40, []), ("-" * 40 + "overflow", ["another line"]),
                            ("--overflow", ["another line"]), ("overflow", ["parser overflow check"])):
        found = student.get("/api/chat/search", params={"q": query})
        assert found.status_code == 200, (query, found.text)
        assert [hit["message"]["content"] for hit in found.json()["results"]] == expected, query

    stuffed = ("a" + "\u0301" * 8) * 200  # 200 characters, 3.4 KB
    for query in (stuffed, "x" * 201, "é" * 200 + "\u0301" * 9):
        refused = student.get("/api/chat/search", params={"q": query})
        assert refused.status_code == 422 and refused.json()["error"]["field"] == "q", refused.text
    with ChatClient(stack.lb_url, student.token) as client:
        for query in ("-" * 33, "- " * 40):
            ack = client.call("search_messages", {"q": query})
            assert ack["ok"] and ack["results"] == [], ack
        huge = "\U0001F600" * 40 + "\u0301" * 8000  # 32 KB in 41 characters
        ack = client.call("search_messages", {"q": huge})
        assert ack["error"]["code"] == "validation_failed" and not ack["error"].get("retryable"), ack
    assert error_lines(stack, "messages")[errors_before:] == []


def test_handshakes_not_signed_in_are_bounded_per_client_address(stack, api):
    """1,000 polling handshakes from one address opened in under 2 s. Now one address holds
    at most SOCKET_PENDING_PER_ADDRESS sessions that have not signed in (5 here); signing in
    frees the place, and another address (as the load balancer names it) is not concerned."""
    gateway = stack.start_gateway("pending", stack_module.free_port(),
                                  {"SOCKET_PENDING_PER_ADDRESS": "5", "TRUSTED_PROXIES": "127.0.0.1"})
    try:
        def handshake(forwarded_for: str = "203.0.113.7") -> requests.Response:
            return requests.get(f"{gateway}/socket.io/?EIO=4&transport=polling", headers={"X-Forwarded-For": forwarded_for}, timeout=10)

        opened = [handshake() for _ in range(5)]
        assert all(response.status_code == 200 for response in opened)
        refused = handshake()
        assert refused.status_code == 429 and refused.json() == {"code": 3, "message": "Bad request"}
        assert handshake("198.51.100.9").status_code == 200  # another client

        # One of them signs in: its place is free again.
        token = api.register("Pending")[0].token
        sid = opened[0].text[opened[0].text.index('"sid":"') + 7:].split('"')[0]
        posted = requests.post(f"{gateway}/socket.io/?EIO=4&transport=polling&sid={sid}", data='40{"token":"' + token + '"}',
                               headers={"X-Forwarded-For": "203.0.113.7"}, timeout=10)
        assert posted.status_code == 200
        connected = requests.get(f"{gateway}/socket.io/?EIO=4&transport=polling&sid={sid}", timeout=10)
        assert connected.text.startswith('40{"sid":'), connected.text
        assert handshake().status_code == 200
        assert handshake().status_code == 429
    finally:
        stack.stop("pending")
