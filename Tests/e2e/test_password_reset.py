""""Forgot password?" end to end: the link goes out by mail (through the outbox, to the
stack's real SMTP sink), works once and only as the newest, never says whether an account
has the address, is bounded per account, survives the sink and messages being down, and
sets a password that signs every session out; in the browser, from the sign-in form to
the link and back."""

import re
import time

import pytest

from pages import ChatPage

LINK = re.compile(r"(https?://\S+/chat/reset/([A-Za-z0-9_-]{43}))")


def mails_to(stack, address: str) -> list:
    return [m for m in stack.received_mail() if address in str(m["To"])]


def wait_for_mails(stack, address: str, count: int = 1, timeout: float = 20) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = mails_to(stack, address)
        if len(found) >= count:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{len(mails_to(stack, address))} of {count} mails to {address}")


def reset_link(mail) -> tuple[str, str]:
    """The link in the text part, and its token."""
    match = LINK.search(mail.get_body(("plain",)).get_content())
    assert match, mail
    return match.group(1), match.group(2)


def ask(api, email: str):
    return api.as_user(None).post("/api/auth/password-reset", json={"email": email})


def confirm(api, token: str, password: str):
    return api.as_user(None).post("/api/auth/password-reset/confirm", json={"token": token, "newPassword": password})


def test_a_reset_link_is_mailed_works_once_and_signs_everyone_out(stack, api):
    holder, user = api.register("Forgetful Fran")
    answer = ask(api, user["email"].upper())
    assert answer.status_code == 202
    (mail,) = wait_for_mails(stack, user["email"])
    assert mail["Subject"] == "Reset your Chat password" and "Forgetful Fran" in str(mail["To"])
    link, token = reset_link(mail)
    assert link.startswith(stack.lb_url + "/chat/reset/")
    assert token in mail.get_body(("html",)).get_content() and "Chat" in mail.get_body(("html",)).get_content()
    # The link opens the page.
    assert api.as_user(None).get(f"/chat/reset/{token}").status_code == 200

    # A password the rules refuse does not spend the link.
    weak = confirm(api, token, "iloveyou")
    assert weak.status_code == 422 and weak.json()["error"]["field"] == "newPassword"
    assert confirm(api, token, "a fresh start, at last").status_code == 204
    # Every session is over; the old password no longer works, the new one does.
    assert holder.get("/api/me").status_code == 401
    assert api.login(user["email"]).status_code == 401
    assert api.login(user["email"], "a fresh start, at last").status_code == 200
    # Once only.
    again = confirm(api, token, "and yet another one")
    assert again.status_code == 404 and again.json()["error"]["code"] == "link_invalid"


def test_the_answer_never_tells_whether_an_account_has_the_address(stack, api):
    _, user = api.register("Known Kim")
    known, unknown = ask(api, user["email"]), ask(api, "nobody-at-all-9f3c@example.com")
    assert known.status_code == unknown.status_code == 202 and known.json() == unknown.json()
    wait_for_mails(stack, user["email"])
    time.sleep(1)
    assert mails_to(stack, "nobody-at-all-9f3c@example.com") == []
    assert ask(api, "not an address").status_code == 422
    for token in ("x", "A" * 43, "", "../../etc"):
        refused = confirm(api, token, "a perfectly good passphrase")
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "link_invalid"


def test_only_the_newest_link_works_a_change_ends_it_and_an_account_gets_three_an_hour(stack, api):
    holder, user = api.register("Many Links")
    for _ in range(5):
        assert ask(api, user["email"]).status_code == 202
    mails = wait_for_mails(stack, user["email"], 3)
    time.sleep(1.5)
    assert len(mails_to(stack, user["email"])) == 3, "three an hour for one account, whoever asks"
    tokens = [reset_link(mail)[1] for mail in mails]
    assert confirm(api, tokens[0], "a perfectly good passphrase").json()["error"]["code"] == "link_invalid"
    # The newest works, until the password is changed another way.
    change = holder.post("/api/me/password", json={"currentPassword": "correct horse", "newPassword": "changed the usual way"})
    assert change.status_code == 204
    assert confirm(api, tokens[-1], "a perfectly good passphrase").json()["error"]["code"] == "link_invalid"


def test_mail_waits_in_the_outbox_while_the_server_and_messages_are_down(stack, api):
    _, user = api.register("Patient Pat")
    stack.stop("mail")
    try:
        assert ask(api, user["email"]).status_code == 202
        time.sleep(2.5)  # tried and failed, at least once
        stack.stop("messages")
        stack.start_service("messages")
    finally:
        stack.start_mail_sink()
    (mail,) = wait_for_mails(stack, user["email"], timeout=30)
    time.sleep(2)
    assert len(mails_to(stack, user["email"])) == 1, "sent once"
    assert confirm(api, reset_link(mail)[1], "it came after all").status_code == 204


@pytest.mark.parametrize("width", [1280])
def test_forgot_password_in_the_browser(stack, api, browsers, width):
    _, user = api.register("Browsing Bea")
    page = ChatPage(browsers(width=width, height=800)).open(stack.lb_url)
    page.auth.wait_loaded()
    page.auth.forgot_password(user["email"])
    page.wait_until(lambda: (page.auth.note("forgot") or "").startswith("If an account has this address"), message="sent")
    (mail,) = wait_for_mails(stack, user["email"])
    link, _ = reset_link(mail)
    page.driver.get(link)
    page.wait_until(page.auth.reset_shown, message="the reset form")
    page.auth.set_new_password("iloveyou")
    page.wait_until(lambda: (page.auth.error("reset") or "").endswith("choose another"), message="refused")
    assert page.accessibility_violations() == []
    page.screenshot("reset-password.png")
    page.auth.set_new_password("a browser-made passphrase")
    page.wait_until(lambda: (page.auth.note("login") or "").startswith("Your password is set"), message="set")
    assert page.driver.current_url.endswith("/chat")
    page.auth.sign_in(user["email"], "a browser-made passphrase")
    page.wait_connected(message="signed in with the new password")
    assert all("/password-reset" in e["message"] and "status of 422" in e["message"] for e in page.console_errors()), page.console_errors()
