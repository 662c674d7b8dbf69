"""Message search through the load balancer: only the caller's conversations, deleted and
SYSTEM messages never, English stems, accents folded, quotes and -word, parts of words,
filters, pages that neither repeat nor skip, and a snippet with the matches marked."""

import time
from datetime import datetime, timedelta

import pytest

from api import Api
from chat import ChatClient


def search(client: Api, **params) -> dict:
    response = client.get("/api/chat/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def contents(page: dict) -> list[str]:
    return [hit["message"]["content"] for hit in page["results"]]


@pytest.fixture(scope="module")
def world(stack):
    """A student with two conversations, and a stranger's conversation using the same words."""
    api = Api(stack.lb_url)
    me, _ = api.register("Searcher")
    them, expert = api.register("Answerer", "expert")
    tutor, other = api.register("Tutor", "expert")
    first = me.open_conversation(expert)
    second = me.open_conversation(other)
    sent = {}
    for client, conversation, text in [
        (me, first, "I was running late for the recursion lecture"),
        (them, first, "Recursion is a function calling itself"),
        (me, first, "Meet at the café before the exam tomorrow?"),
        (them, first, "Tomorrow is fine, the exam is at noon"),
        (me, first, "This one I will delete: recursion secrets"),
        (tutor, second, "Dynamic programming beats naive recursion"),
        (me, second, "50% of the grade_is homework"),
    ]:
        sent[text] = client.send_message(conversation["id"], text).json()
        time.sleep(0.02)
    deleted = sent["This one I will delete: recursion secrets"]
    assert me.delete(f"/api/chat/conversations/{first['id']}/messages/{deleted['id']}").status_code == 200
    stranger, _ = api.register("Stranger")
    outside = stranger.open_conversation(expert)
    stranger.send_message(outside["id"], "recursion recursion recursion")
    return {"me": me, "first": first, "second": second, "expert": expert, "other": other, "sent": sent, "token": me.token}


def test_words_stems_and_accents_are_found_in_my_conversations_only(world):
    me = world["me"]
    found = contents(search(me, q="recursion"))
    assert set(found) == {"I was running late for the recursion lecture", "Recursion is a function calling itself",
                          "Dynamic programming beats naive recursion"}
    assert "run" in " ".join(contents(search(me, q="run"))) and contents(search(me, q="runs")) == ["I was running late for the recursion lecture"]
    assert contents(search(me, q="cafe")) == ["Meet at the café before the exam tomorrow?"]
    assert contents(search(me, q="CAFÉ")) == ["Meet at the café before the exam tomorrow?"]
    assert search(me, q="Welcome")["results"] == []  # SYSTEM messages are not searched


def test_quotes_and_minus_work_as_on_the_web(world):
    me = world["me"]
    assert contents(search(me, q='"exam tomorrow"')) == ["Meet at the café before the exam tomorrow?"]
    assert contents(search(me, q="exam -café")) == ["Tomorrow is fine, the exam is at noon"]


def test_part_of_a_word_is_found_and_marked(world):
    me = world["me"]
    page = search(me, q="recurs")
    assert len(page["results"]) == 3
    for hit in page["results"]:
        marked = [part["text"] for part in hit["snippet"] if part["match"]]
        assert marked and all(text.lower().startswith("recurs") for text in marked), hit["snippet"]
        assert "".join(part["text"] for part in hit["snippet"]).replace("… ", "").replace(" …", "") in hit["message"]["content"]
    # Characters LIKE would take as wildcards are plain here.
    assert contents(search(me, q="50%")) == ["50% of the grade_is homework"]
    assert contents(search(me, q="e_is")) == ["50% of the grade_is homework"]
    assert search(me, q="0%o")["results"] == []


def test_a_full_text_match_is_marked_in_its_snippet(world):
    hit = search(world["me"], q="function")["results"][0]
    assert [part for part in hit["snippet"] if part["match"]] == [{"text": "function", "match": True}]
    assert hit["rank"] > 0 and hit["message"]["reactions"] == []


def test_filters_narrow_by_conversation_sender_and_time(world):
    me, first, expert = world["me"], world["first"], world["expert"]
    assert len(contents(search(me, q="recursion", conversationId=first["id"]))) == 2
    assert contents(search(me, q="recursion", **{"from": expert["id"]})) == ["Recursion is a function calling itself"]
    # Times are shown to the millisecond (rounded) and stored to the microsecond, and the
    # messages were sent 10 ms apart: 2 ms before this one falls between it and the one before.
    shown = datetime.fromisoformat(world["sent"]["Recursion is a function calling itself"]["createdAt"].replace("Z", "+00:00"))
    created = (shown - timedelta(milliseconds=2)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert "Recursion is a function calling itself" in contents(search(me, q="recursion", after=created))
    assert "I was running late for the recursion lecture" not in contents(search(me, q="recursion", after=created))
    assert "Recursion is a function calling itself" not in contents(search(me, q="recursion", before=created))


def test_pages_cover_every_result_once(world):
    me = world["me"]
    everything = contents(search(me, q="the"))
    assert len(everything) >= 4
    walked, cursor = [], None
    while True:
        page = search(me, q="the", limit=1, **({"cursor": cursor} if cursor else {}))
        walked += contents(page)
        cursor = page.get("nextCursor")
        if not cursor:
            break
    assert walked == everything


@pytest.mark.parametrize("params, status, code", [
    ({}, 422, "validation_failed"),
    ({"q": "   "}, 422, "validation_failed"),
    ({"q": "x" * 201}, 422, "validation_failed"),
    ({"q": "a\x00b"}, 422, "validation_failed"),
    ({"q": "exam", "cursor": "not-a-cursor"}, 400, "bad_request"),
    ({"q": "exam", "after": "yesterday"}, 400, "bad_request"),
    ({"q": "exam", "conversationId": "nope"}, 400, "bad_request"),
    ({"q": "exam", "limit": "51"}, 400, "bad_request"),
])
def test_bad_searches_are_refused_clearly(world, params, status, code):
    response = world["me"].get("/api/chat/search", params=params)
    assert response.status_code == status and response.json()["error"]["code"] == code, response.text


def test_search_needs_a_token(api):
    response = api.get("/api/chat/search", params={"q": "recursion"})
    assert response.status_code == 401


def test_a_socket_searches_as_rest_does(stack, world):
    with ChatClient(stack.service_url("gateway2"), world["token"]) as client:
        ack = client.call("search_messages", {"q": "recursion", "limit": 2})
        rest_page = search(world["me"], q="recursion", limit=2)
        assert ack["ok"] and contents(ack) == contents(rest_page) and ack["nextCursor"] == rest_page["nextCursor"]
        rest = client.call("search_messages", {"q": "recursion", "limit": 2, "cursor": ack["nextCursor"]})
        assert contents(rest) == contents(search(world["me"], q="recursion", limit=2, cursor=ack["nextCursor"]))
        narrowed = client.call("search_messages", {"q": "recursion", "conversationId": world["first"]["id"], "from": world["expert"]["id"]})
        assert contents(narrowed) == ["Recursion is a function calling itself"]
        assert client.call("search_messages", {"q": "a b c + d"})["ok"]  # spaces and plus signs arrive as typed
        assert client.call("search_messages", {"q": ""})["error"]["code"] == "validation_failed"
        assert client.call("search_messages", {"conversationId": world["first"]["id"]})["error"]["code"] == "bad_request"


def test_socket_searches_draw_on_an_allowance_of_their_own(stack, world):
    """A search is as much work as a REST request, so a socket may not make them at its
    event rate: past a burst of 10 (then 2 a second) it is refused, while other events still pass."""
    with ChatClient(stack.service_url("gateway1"), world["token"]) as client:
        answers = [client.call("search_messages", {"q": "recursion", "limit": 1}) for _ in range(14)]
        refused = [ack for ack in answers if "error" in ack]
        assert all(ack.get("ok") for ack in answers[:10]), answers[:10]
        assert refused and all(ack["error"]["code"] == "rate_limited" and ack["error"]["retryable"] for ack in refused)
        assert client.call("user_online")["ok"]  # the connection's own allowance is untouched
        time.sleep(1.1)
        assert client.call("search_messages", {"q": "recursion", "limit": 1})["ok"]  # and it refills
