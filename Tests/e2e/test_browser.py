"""The old app's test plan, "open two browser windows and chat", in headless Chromium: the
page loads the socket.io-client bundle from the gateway and connects with its default
options (long-polling, then the upgrade to a WebSocket) on both paths, joins, receives and
sends; a polling-only client does the same. No console errors."""

import pytest

from chat import ChatClient
from pages import ServedClientPage


@pytest.mark.parametrize("path, transports, final", [
    ("/socket.io/", None, "websocket"),
    ("/api/socket/", None, "websocket"),
    ("/api/socket/", ["polling"], "polling"),
])
def test_a_browser_chats_with_the_served_client(stack, api, browser, path, transports, final):
    (student, _), (expert, _), conversation = api.student_and_expert("Browsa", "Pythia")
    page = ServedClientPage(browser).open(stack.lb_url)  # a page of the gateway's own origin, its console clean
    connected = page.connect(path, transports, student.token, conversation["id"])
    assert "error" not in connected, connected
    assert connected["join"]["ok"] and connected["first"] == "polling"
    with ChatClient(stack.service_url("gateway2"), expert.token) as other_window:
        other_window.join(conversation["id"])
        other_window.call("send_message", {"conversationId": conversation["id"], "content": "hello from python"})
        replied = page.await_and_reply("hello from python", final, conversation["id"])
        assert "error" not in replied, replied
        assert replied["ack"]["ok"] and replied["transport"] == final
        assert other_window.recorder.wait_event("new_message", lambda m: m["content"] == "reply from the browser")
    assert page.console_errors() == []
