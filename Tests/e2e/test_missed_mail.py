"""Mail for people who are away: messages unread for EMAIL_NOTIFY_AFTER while the reader
has no socket open are mailed (a digest, or one a conversation), at most one mail a
conversation an hour and never about the same messages twice, with a link straight to each
conversation and a one-click unsubscribe (RFC 8058) that works without signing in. The
shared stack mails nobody (its users leave unread messages by the thousand); these tests
run a messages instance of their own that mails after a second."""

import time

import pytest
import requests

from chat import ChatClient
from pages import ChatPage
from test_password_reset import mails_to

SETTINGS = {"EMAIL_NOTIFY_AFTER": "1", "EMAIL_NOTIFY_EVERY": "0.5"}


def wait_for(stack, address: str, count: int, timeout: float = 20) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in mails_to(stack, address) if "unread message" in str(m["Subject"])]
        if len(found) >= count:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{len(found)} of {count} missed-message mails to {address}")


def missed(stack, address: str) -> list:
    return [m for m in mails_to(stack, address) if "unread message" in str(m["Subject"])]


@pytest.fixture
def mailing(messages_with):
    return messages_with("messages-mailing", SETTINGS)


def test_someone_away_gets_one_digest_of_their_conversations_and_no_more_that_hour(stack, api, mailing):
    expert, expert_user = api.register("Away Ada", "expert")
    (student, _), _, first = api.student_and_expert("Sam", "Unused")
    first = student.open_conversation(expert_user)
    other, _ = api.register("Olu")
    second = other.open_conversation(expert_user)
    student.send_message(first["id"], "Could you look at exercise 3?").raise_for_status()
    student.send_message(first["id"], "It is the one with $x^2$").raise_for_status()
    other.send_message(second["id"], "Hello!").raise_for_status()
    (mail,) = wait_for(stack, expert_user["email"], 1)
    assert mail["Subject"] == "3 unread messages in 2 conversations on Chat"
    text = mail.get_body(("plain",)).get_content()
    assert "Sam: Could you look at exercise 3?" in text and "Olu: Hello!" in text
    assert f"{stack.lb_url}/chat/c/{first['id']}" in text and f"{stack.lb_url}/chat/c/{second['id']}" in text
    html = mail.get_body(("html",)).get_content()
    assert "$x^2$" in html and "<script" not in html
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert str(mail["List-Unsubscribe"]).startswith(f"<{stack.lb_url}/api/email/unsubscribe/")

    # More messages within the hour: no second mail about those conversations.
    student.send_message(first["id"], "Still there?").raise_for_status()
    time.sleep(3)
    assert len(missed(stack, expert_user["email"])) == 1

    # One click, no sign-in: no more mail of this kind.
    unsubscribe = str(mail["List-Unsubscribe"]).strip("<>")
    stopped = requests.post(unsubscribe, data="List-Unsubscribe=One-Click", headers={"Content-Type": "application/x-www-form-urlencoded"},
                            timeout=10)
    assert stopped.status_code == 200, stopped.text
    assert expert.get("/api/me").json()["emailNotifications"] == "never"
    forged = requests.post(unsubscribe[:-4] + "AAAA", timeout=10)
    assert forged.status_code == 404 and forged.json()["error"]["code"] == "link_invalid"


def test_each_conversation_its_own_mail_and_nobody_who_is_here_or_has_read(stack, api, mailing):
    each, each_user = api.register("Eve Each", "expert")
    assert each.put("/api/me/email-notifications", json={"mode": "each"}).json()["emailNotifications"] == "each"
    here, here_user = api.register("Hal Here", "expert")
    reader, reader_user = api.register("Rae Reads", "expert")
    student, _ = api.register("Sid")
    friend, _ = api.register("Fio")
    to_each = [student.open_conversation(each_user), friend.open_conversation(each_user)]
    to_here, to_reader = student.open_conversation(here_user), student.open_conversation(reader_user)
    socket = ChatClient(stack.service_url("gateway1"), here.token).connect()
    try:
        for conversation in to_each + [to_here, to_reader]:
            student_or_friend = friend if conversation is to_each[1] else student
            student_or_friend.send_message(conversation["id"], "news").raise_for_status()
        seq = reader.history(to_reader["id"])[-1]["seq"]
        reader.post(f"/api/chat/conversations/{to_reader['id']}/read", json={"seq": seq}).raise_for_status()
        mails = wait_for(stack, each_user["email"], 2)
        assert sorted(str(m["Subject"]) for m in mails) == ["1 unread message from Fio on Chat", "1 unread message from Sid on Chat"]
        time.sleep(3)
        assert missed(stack, here_user["email"]) == [], "a socket is open: they will see it"
        assert missed(stack, reader_user["email"]) == [], "read already"
    finally:
        socket.client.disconnect()


def test_the_profile_says_how_often_and_the_mails_link_stops_it(stack, api, browsers, mailing):
    account, user = api.register("Pia", "expert")
    page = ChatPage(browsers()).open_signed_in(stack.lb_url, account.token)
    page.profile.open()
    assert page.profile.email_notifications() == "digest"
    page.profile.set_email_notifications("each")
    page.wait_until(lambda: account.get("/api/me").json()["emailNotifications"] == "each", message="saved")
    page.profile.close()
    page.driver.get("about:blank")  # away: the page closed, its socket with it
    # The text's link: the page stops the mail and says so.
    student, _ = api.register("Sol")
    student.send_message(student.open_conversation(user)["id"], "ping").raise_for_status()
    (mail,) = wait_for(stack, user["email"], 1)
    link = next(line.split(": ", 1)[1] for line in mail.get_body(("plain",)).get_content().splitlines() if "/chat/unsubscribe/" in line)
    page.driver.get(link.strip())
    page.wait_until(lambda: page.toasts.count() > 0, message="told")
    assert "no more mail" in page.toasts.text()
    assert account.get("/api/me").json()["emailNotifications"] == "never"


def test_the_sweep_looks_where_a_send_may_owe_a_mail_and_forgets_the_rest(stack, api, mailing):
    """A send writes its conversation into `mail_due`, where the sweep looks (it no longer
    walks every membership); once every member has read or been mailed about what is there,
    the sweep forgets it, and the next send writes it again."""
    away, away_user = api.register("Abe Away", "expert")
    reader, reader_user = api.register("Rita Reads", "expert")
    student, _ = api.register("Stu")
    to_away, to_reader = student.open_conversation(away_user), student.open_conversation(reader_user)

    def looked_into(conversation) -> bool:
        return stack.psql(f"SELECT count(*) FROM mail_due WHERE conversation_id = '{conversation['id']}'", database=stack.database) == "1"

    assert not looked_into(to_away), "the welcome is nobody's news"
    for conversation in (to_away, to_reader):
        student.send_message(conversation["id"], "news").raise_for_status()
    assert looked_into(to_away) and looked_into(to_reader)
    seq = reader.history(to_reader["id"])[-1]["seq"]
    reader.post(f"/api/chat/conversations/{to_reader['id']}/read", json={"seq": seq}).raise_for_status()
    wait_for(stack, away_user["email"], 1)
    deadline = time.monotonic() + 10
    while (looked_into(to_away) or looked_into(to_reader)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not looked_into(to_reader), "read: nobody is owed a mail there"
    assert not looked_into(to_away), "mailed about everything there"

    student.send_message(to_away["id"], "more").raise_for_status()
    assert looked_into(to_away), "written again by the send"
    time.sleep(3)
    assert looked_into(to_away), "owed a mail the hour's limit holds back: kept"
    assert len(missed(stack, away_user["email"])) == 1
    assert missed(stack, reader_user["email"]) == []
