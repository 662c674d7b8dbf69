"""The old app's test plan, "open two browser windows and chat", in headless Chromium: the
page loads the socket.io-client bundle from the gateway and connects with its default
options (long-polling, then the upgrade to a WebSocket) on both paths, joins, receives and
sends; a polling-only client does the same. No console errors."""

import pytest

from chat import ChatClient, student_and_expert

CONNECT = """
const [path, transports, token, conversationId, done] = arguments;
const script = document.createElement('script');
script.src = '/socket.io/socket.io.min.js';
script.onerror = () => done({error: 'the bundle did not load'});
script.onload = () => {
  const options = {path, auth: {token}};
  if (transports) options.transports = transports;
  const socket = io(options);
  // The transport the engine opens with, before any upgrade.
  const first = socket.io.engine.transport.name;
  window.chat = {socket, received: []};
  socket.on('new_message', message => window.chat.received.push(message.content));
  socket.on('connect_error', error => done({error: String(error.message)}));
  socket.on('connect', async () => {
    const join = await socket.emitWithAck('join_conversation', {conversationId});
    done({join, first});
  });
};
document.head.appendChild(script);
"""

AWAIT_AND_REPLY = """
const [content, wantTransport, conversationId, done] = arguments;
const started = Date.now();
const check = async () => {
  const chat = window.chat;
  const transport = chat.socket.io.engine.transport.name;
  if (chat.received.includes(content) && transport === wantTransport) {
    const ack = await chat.socket.emitWithAck('send_message', {conversationId, content: 'reply from the browser'});
    chat.socket.disconnect();
    done({ack, transport});
  } else if (Date.now() - started > 15000) {
    done({error: 'timed out', received: chat.received, transport});
  } else {
    setTimeout(check, 50);
  }
};
check();
"""


@pytest.mark.parametrize("path, transports, final", [
    ("/socket.io/", None, "websocket"),
    ("/api/socket/", None, "websocket"),
    ("/api/socket/", ["polling"], "polling"),
])
def test_a_browser_chats_with_the_served_client(stack, browser, path, transports, final):
    (student_token, _), (expert_token, _), conversation = student_and_expert(stack.lb_url, "Browsa", "Pythia")
    browser.get(stack.lb_url + "/healthz")  # a page of the gateway's own origin
    browser.get_log("browser")  # start from a clean console
    connected = browser.execute_async_script(CONNECT, path, transports, student_token, conversation["id"])
    assert "error" not in connected, connected
    assert connected["join"]["ok"] and connected["first"] == "polling"
    with ChatClient(stack.service_url("gateway2"), expert_token) as other_window:
        other_window.join(conversation["id"])
        other_window.call("send_message", {"conversationId": conversation["id"], "content": "hello from python"})
        replied = browser.execute_async_script(AWAIT_AND_REPLY, "hello from python", final, conversation["id"])
        assert "error" not in replied, replied
        assert replied["ack"]["ok"] and replied["transport"] == final
        assert other_window.recorder.wait_event("new_message", lambda m: m["content"] == "reply from the browser")
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE" and "favicon" not in entry["message"]]
    assert errors == []
