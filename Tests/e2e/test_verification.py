"""`EMAIL_VERIFICATION=required`: an account whose address is not confirmed reads and
looks around but writes to nobody — REST, uploads and the socket alike, on every gateway —
and in the browser it is told so, can ask for the link again, and goes on once it opened
it. The shared stack has verification off (as the tooling stacks do); the browser test
runs a messages instance of its own with it on, behind a gateway of its own."""

import re
import time

import pytest
import requests

import stack as stack_module
from chat import ChatClient, forge_token
from pages import ChatPage
from test_password_reset import wait_for_mails

VERIFY = r"(https?://\S+/chat/verify/([A-Za-z0-9_-]{43}))"


def test_a_token_that_says_unconfirmed_writes_to_nobody_on_any_surface(stack, api):
    (_, student_user), (expert, _), conversation = api.student_and_expert("Ulla", "Uwe")
    unconfirmed = forge_token(stack.jwt_secret(), student_user["id"], claims={"ev": False})
    client = api.as_user(unconfirmed)
    sent = client.post(f"/api/chat/conversations/{conversation['id']}/messages", json={"content": "hi"})
    assert sent.status_code == 403 and sent.json()["error"]["code"] == "email_unverified"
    uploaded = client.upload(conversation["id"], b"%PDF-1.7\n", name="notes.pdf", mime="application/pdf")
    assert uploaded.status_code == 403 and uploaded.json()["error"]["code"] == "email_unverified"
    assert client.get(f"/api/chat/conversations/{conversation['id']}/messages").status_code == 200, "reading is allowed"
    for gateway in ("gateway1", "gateway2"):
        socket = ChatClient(stack.service_url(gateway), unconfirmed).connect()
        try:
            socket.join(conversation["id"])
            ack = socket.call("send_message", {"conversationId": conversation["id"], "content": "hi", "clientMessageId": f"unv-{gateway}"})
            assert ack["error"]["code"] == "email_unverified", ack
            invite = socket.call("call_invite", {"conversationId": conversation["id"], "media": "audio",
                                                 "offer": {"type": "offer", "sdp": "v=0"}})
            assert invite["error"]["code"] == "email_unverified", invite
        finally:
            socket.client.disconnect()
    assert [m for m in expert.history(conversation["id"]) if m["content"] == "hi"] == []


@pytest.fixture
def verifying_gateway(stack, messages_with):
    """A messages instance with EMAIL_VERIFICATION=required, and a gateway that sends its
    REST requests to it."""
    url = messages_with("messages-verifying", {"EMAIL_VERIFICATION": "required"})
    gateway = stack.start_gateway("gateway-verifying", stack_module.free_port(), {"MESSAGES_URL": url})
    try:
        yield gateway
    finally:
        stack.stop("gateway-verifying")


def test_a_new_account_confirms_its_address_in_the_browser(stack, api, browsers, verifying_gateway):
    _, expert_user = api.register("Xavi", "expert")
    page = ChatPage(browsers())
    email = page.sign_up(verifying_gateway, "Yara", "student")
    page.wait_until(lambda: page.verify_banner() is not None, message="the banner")
    assert email in page.verify_banner()
    assert page.accessibility_violations() == []
    page.screenshot("confirm-email.png")
    # Writing is refused meanwhile, with the reason.
    refused = requests.post(f"{verifying_gateway}/api/chat/conversations", json={"expertId": expert_user["id"]},
                            headers={"Authorization": f"Bearer {page.session_token()}"}, timeout=10)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "email_unverified"

    page.resend_verification()
    page.wait_until(lambda: (page.verify_banner() or "").startswith("A new link is on its way"), message="sent again")
    mails = wait_for_mails(stack, email, 2)
    links = [re.search(VERIFY, m.get_body(("plain",)).get_content()) for m in mails]
    assert all(links) and links[0].group(2) != links[1].group(2)
    # The page served through this gateway: the mail's links name PUBLIC_URL (the load balancer).
    page.driver.get(f"{verifying_gateway}/chat/verify/{links[-1].group(2)}")
    page.wait_connected(message="back, signed in")
    page.wait_until(lambda: page.verify_banner() is None, message="the banner gone")
    assert page.driver.current_url.endswith("/chat")
    page.wait_until(lambda: page.toasts.count() > 0, message="told")
    assert "confirmed" in page.toasts.text()
    opened = requests.post(f"{verifying_gateway}/api/chat/conversations", json={"expertId": expert_user["id"]},
                           headers={"Authorization": f"Bearer {page.session_token()}"}, timeout=10)
    assert opened.status_code == 201, opened.text
    time.sleep(0.2)
    assert all("/api/" in e["message"] and "status of 4" in e["message"] for e in page.console_errors()), page.console_errors()
