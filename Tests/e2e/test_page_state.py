"""The page as a reader holds it while things happen: live events change only what they
change (an open menu, focus and a selection survive them), the reader stays where they are
in the list, drafts stay with their conversation, every conversation has an address, an
unsent message survives a reload, and notices stay small and to the point."""

import json
import time
import uuid

from chat import ChatClient
from pages import ChatPage
from pictures import png

REACTION = "%F0%9F%91%8D"  # 👍, as a path segment


def test_a_menu_focus_and_a_selection_survive_messages_receipts_and_reactions(stack, api, browsers):
    (student, _), (expert, _), conversation = api.student_and_expert("Mira", "Marek")
    ours = expert.send_message(conversation["id"], "Mine, with a menu").json()
    theirs = student.send_message(conversation["id"], "Theirs, to select").json()
    page = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), expert.token)
    page.open_conversation(conversation["id"])
    page.conversation.wait_for_message("Theirs, to select")
    mine, selected = page.conversation.message(ours["id"]), page.conversation.message(theirs["id"])
    mine.tag()
    selected.tag()

    # The menu open, focus in it: a message, a receipt and a reaction arrive.
    mine.open_menu()
    assert mine.menu_is_open() and mine.focus_is_in_menu()
    student.send_message(conversation["id"], "a reply while the menu is open").raise_for_status()
    student.post(f"/api/chat/conversations/{conversation['id']}/read", json={"seq": theirs["seq"] + 1}).raise_for_status()
    student.put(f"/api/chat/conversations/{conversation['id']}/messages/{ours['id']}/reactions/{REACTION}").raise_for_status()
    page.wait_until(lambda: mine.reaction("👍") == "👍 1", message="the reaction arrives")
    page.conversation.wait_for_message("a reply while the menu is open")
    page.wait_until(page.conversation.own_message_read, message="the receipt arrives")
    assert mine.menu_is_open() and mine.focus_is_in_menu()
    assert mine.same_node() and selected.same_node()  # changed in place, not drawn anew

    # A selection, and more of the same.
    page.conversation.message(ours["id"]).open_menu()  # closed again
    assert selected.select_text() == "Theirs, to select"
    student.send_message(conversation["id"], "another while text is selected").raise_for_status()
    student.delete(f"/api/chat/conversations/{conversation['id']}/messages/{ours['id']}/reactions/{REACTION}").raise_for_status()
    page.conversation.wait_for_message("another while text is selected")
    page.wait_until(lambda: not page._present('[data-testid="reaction"]'), message="the reaction taken back")
    assert page.selection() == "Theirs, to select"
    assert page.console_errors() == []


def test_the_reader_stays_where_they_are_and_hears_of_new_messages_below(stack, api, browsers):
    (student, _), (expert, _), conversation = api.student_and_expert("Nell", "Noor")
    for index in range(40):
        last = student.send_message(conversation["id"], f"history {index}").json()
    expert.post(f"/api/chat/conversations/{conversation['id']}/read", json={"seq": last["seq"]}).raise_for_status()  # read elsewhere
    page = ChatPage(browsers()).open_signed_in(stack.service_url("gateway2"), expert.token)
    page.open_conversation(conversation["id"])
    page.conversation.wait_for_message("history 39")
    page.wait_until(page.conversation.at_bottom, message="opened at the newest message")

    # At the bottom, a picture that loads keeps the newest message in view.
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000010000000100802000000909168360000001649444154789c6338616343126218d530aa61f86a0000abc6401022a681cc0000000049454e44ae426082")
    student.upload(conversation["id"], png, name="red.png", mime="image/png").raise_for_status()
    page.wait_until(page.conversation.image_decoded, message="the picture loads")
    page.wait_until(page.conversation.at_bottom, message="still at the newest message")

    # Scrolled up, new messages are announced, not scrolled to.
    page.conversation.scroll_up()
    page.wait_until(lambda: not page.conversation.at_bottom(), message="scrolled up")
    for index in range(2):
        student.send_message(conversation["id"], f"while you read {index}").raise_for_status()
    page.wait_until(lambda: page.conversation.new_messages_label() == "2 new messages ↓", message="announced")
    assert not page.conversation.at_bottom()
    page.conversation.jump_to_new()
    page.wait_until(page.conversation.at_bottom, message="jumped to them")
    assert page.conversation.new_messages_label() is None
    assert page.console_errors() == []


def test_a_draft_stays_with_its_conversation_across_switching_and_reloading(stack, api, browsers):
    student, _ = api.register("Dora", "student")
    _, first_expert = api.register("Farid", "expert")
    _, second_expert = api.register("Sana", "expert")
    first, second = student.open_conversation(first_expert), student.open_conversation(second_expert)
    page = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), student.token)
    page.open_conversation(first["id"])
    page.conversation.type("half a thought for Farid")
    page.open_conversation(second["id"])
    assert page.conversation.composer_text() == ""  # it does not follow to Sana
    page.conversation.type("for Sana")
    page.open_conversation(first["id"])
    assert page.conversation.composer_text() == "half a thought for Farid"

    page.refresh()
    page.wait_connected()
    assert page.conversation.composer_text() == "half a thought for Farid"  # the address reopened it
    page.open_conversation(second["id"])
    assert page.conversation.composer_text() == "for Sana"
    page.conversation.send()
    page.conversation.wait_for_message("for Sana")
    assert [m["content"] for m in student.history(second["id"]) if m["messageType"] == "TEXT"] == ["for Sana"]
    assert [m for m in student.history(first["id"]) if m["messageType"] == "TEXT"] == []
    assert page.conversation.composer_text() == ""
    assert page.console_errors() == []


def test_a_conversation_has_an_address_that_back_and_reload_follow_on_a_phone(stack, api, browsers):
    (student, _), _, conversation = api.student_and_expert("Pia", "Pavel")
    student.send_message(conversation["id"], "Reachable by its address").raise_for_status()
    page = ChatPage(browsers(width=390, height=800)).open_signed_in(stack.lb_url, student.token)
    page.open_conversation(conversation["id"])
    assert page.path == f"/chat/c/{conversation['id'].lower()}"
    page.refresh()
    page.wait_connected()
    page.conversation.wait_for_message("Reachable by its address")

    page.back()  # the phone's Back: to the list, not out of the app
    page.wait_until(lambda: page.path == "/chat", message="back at the list")
    page.wait_until(page.sidebar.conversation_shown, message="the list shows")
    page.driver.forward()
    page.conversation.wait_for_message("Reachable by its address")

    # A link opens its conversation, after sign-in if needed.
    other = ChatPage(browsers()).open_address(stack.lb_url, student.token, conversation["id"])
    other.conversation.wait_for_message("Reachable by its address")
    assert page.console_errors() == [] and other.console_errors() == []


def test_an_unsent_message_survives_a_reload_and_is_stored_once(stack, api, browsers):
    (student, student_user), _, conversation = api.student_and_expert("Ola", "Omid")
    page = ChatPage(browsers()).open_signed_in(stack.service_url("gateway2"), student.token)
    page.open_conversation(conversation["id"])

    # Kept in the browser before it leaves, and gone once stored.
    kept = page.conversation.send_and_read_outbox("written, then kept")
    assert "written, then kept" in kept
    page.conversation.wait_for_message("written, then kept")
    page.wait_until(lambda: page.stored("chat.outbox.") == {}, message="the outbox empties")

    # Left in the outbox by a page that closed before its ack: the next page sends it, once.
    entry = {"clientMessageId": str(uuid.uuid4()), "conversationId": conversation["id"], "content": "from before the reload",
             "createdAt": "2026-12-05T10:00:00.000Z"}
    page.store(f"chat.outbox.{student_user['id'].lower()}", json.dumps([entry, entry]))
    page.refresh()
    page.wait_connected()
    page.open_conversation(conversation["id"])
    page.conversation.wait_for_message("from before the reload")
    page.wait_until(lambda: page.stored("chat.outbox.") == {}, message="sent and forgotten")
    contents = [m["content"] for m in student.history(conversation["id"])]
    assert contents.count("from before the reload") == 1 and contents.count("written, then kept") == 1
    assert page.console_errors() == []


def test_a_file_sent_offline_or_refused_for_now_is_kept_across_a_reload_and_stored_once(stack, api, browsers, tmp_path):
    (student, student_user), _, conversation = api.student_and_expert("Fia", "Finn")
    page = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), student.token)
    page.open_conversation(conversation["id"])
    offline, later = tmp_path / "offline.pdf", tmp_path / "later.pdf"
    offline.write_bytes(b"%PDF-1.7\n picked while offline")
    later.write_bytes(b"%PDF-1.7\n refused for now")

    # Picked while the page cannot reach its gateway: waits, then goes when it can.
    stack.stop("gateway1")
    try:
        page.wait_until(lambda: page.connection_state() in ("reconnecting", "offline"), message="disconnected")
        page.conversation.attach(offline)
        page.wait_until(page.conversation.has_pending, message="pending")
        assert "offline.pdf" in page.stored("chat.outbox.")[f"chat.outbox.{student_user['id'].lower()}"]
    finally:
        stack.start_service("gateway1")
    page.wait_connected(timeout=30, message="reconnected")
    page.wait_until(lambda: not page.conversation.has_pending(), timeout=20, message="uploaded")

    # Refused for now (uploads is down), then the page is reloaded: still there, sent once uploads is back.
    stack.stop("uploads")
    try:
        page.conversation.attach(later)
        page.wait_until(lambda: page.conversation.pending_status() == "sending…", message="waiting, not uploading")
        page.refresh()
        page.wait_connected()
        page.open_conversation(conversation["id"])
        page.wait_until(page.conversation.has_pending, message="pending after the reload")
    finally:
        stack.start_service("uploads")
    page.wait_until(lambda: not page.conversation.has_pending(), timeout=30, message="uploaded after the reload")
    page.wait_until(lambda: page.stored("chat.outbox.") == {}, message="the outbox empties")
    names = [m["attachments"][0]["name"] for m in student.history(conversation["id"]) if m["attachments"]]
    assert sorted(names) == ["later.pdf", "offline.pdf"]
    assert [e for e in page.console_errors(through_an_outage=True) if "/upload" not in e["message"]] == []


def test_signing_out_asks_about_what_is_unsent_and_leaves_nothing_to_the_next_account(stack, api, browsers, tmp_path):
    (student, student_user), (expert, expert_user), conversation = api.student_and_expert("Sol", "Sam")
    expert.upload(conversation["id"], png(40, 30), name="seen.png", mime="image/png").raise_for_status()
    page = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), student.token)
    page.open_conversation(conversation["id"])
    page.wait_until(page.conversation.image_decoded, message="the picture")
    picture_url = page.conversation.image_source()
    assert picture_url.startswith("blob:") and page.object_url_alive(picture_url)

    # Something unsent: a draft, and a file refused for now. Asked first; "no" keeps all.
    page.conversation.type("half a thought")
    stack.stop("uploads")
    try:
        waiting = tmp_path / "waiting.pdf"
        waiting.write_bytes(b"%PDF-1.7\n not yet")
        page.conversation.attach(waiting)
        page.wait_until(lambda: page.conversation.pending_status() == "sending…", message="waiting")
        assert page.kept_files() == 1
        assert "1 message is not sent yet" in page.sign_out(confirm=False)
        assert not page.auth.is_shown() and page.kept_files() == 1
        # "Yes": the user's drafts, outbox and kept files leave the browser, and their pictures' URLs die.
        page.sign_out(confirm=True)
        page.wait_until(page.auth.is_shown, message="signed out")
    finally:
        stack.start_service("uploads")
    assert page.stored("chat.drafts.") == {} and page.stored("chat.outbox.") == {}
    assert page.kept_files() == 0
    assert not page.object_url_alive(picture_url)

    # The next account in this tab starts clean, and nothing of the first is sent for it.
    page.auth.sign_in(expert_user["email"])
    page.wait_connected()
    page.open_conversation(conversation["id"])
    page.wait_until(page.conversation.image_decoded, message="the expert's own picture")
    assert page.conversation.image_source() != picture_url
    assert page.conversation.composer_text() == "" and not page.conversation.has_pending()
    time.sleep(1)
    # Read as the expert: signing out ended the session of the student's token, which the page held.
    assert [m for m in expert.history(conversation["id"]) if m["content"] in ("half a thought", "waiting.pdf")] == []
    assert student.get("/api/me").status_code == 401
    # Logged: the uploads refused while uploads was down, and the probe of the dead URL.
    assert [e for e in page.console_errors() if "/upload" not in e["message"] and picture_url not in e["message"]] == []


def test_notices_are_small_and_never_for_welcomes_or_the_open_conversation(stack, api, browsers):
    expert, expert_user = api.register("Tove", "expert")
    students = [api.register(name, "student") for name in ("Uma", "Vik")]
    page = ChatPage(browsers(width=390, height=800)).open_signed_in(stack.service_url("gateway1"), expert.token)

    # A new conversation's welcome is no news.
    (uma, _), (vik, _) = students
    with_uma = uma.open_conversation(expert_user)
    with_vik = vik.open_conversation(expert_user)
    page.wait_until(lambda: len(page.driver.find_elements("css selector", '[data-testid="conversation-item"]')) == 2,
                    message="both conversations listed")
    assert page.toasts.count() == 0

    # A long message, one long word in it: three lines at most, within the screen, clear of the composer.
    uma.send_message(with_uma["id"], "A" * 400 + " and then some ordinary words " * 40).raise_for_status()
    page.wait_until(lambda: page.toasts.count() == 1, message="a notice")
    box = page.toasts.boxes()[0]
    assert box["height"] < 120 and box["right"] <= 390 and box["left"] >= 0, box
    assert box["top"] < 200  # at the top, not over the composer at the bottom

    # Opening the conversation ends its notice; its messages bring none while it is open.
    page.open_conversation(with_uma["id"])
    page.wait_until(lambda: page.toasts.count() == 0, message="the notice goes")
    with ChatClient(stack.service_url("gateway2"), uma.token) as client:
        client.join(with_uma["id"])
        client.call("send_message", {"conversationId": with_uma["id"], "content": "while you read"})
    page.conversation.wait_for_message("while you read")
    assert page.toasts.count() == 0
    vik.send_message(with_vik["id"], "elsewhere").raise_for_status()
    page.wait_until(lambda: page.toasts.count() == 1, message="another conversation's notice")
    assert page.console_errors() == []


def test_a_read_reaches_a_reader_who_is_not_looking_at_the_conversation(stack, api, browsers):
    (student, _), (expert, expert_user), conversation = api.student_and_expert("Ria", "Rolf")
    other_student, _ = api.register("Sol", "student")
    elsewhere = other_student.open_conversation(expert_user)
    page = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), expert.token)
    page.open_conversation(conversation["id"])
    page.conversation.send("Did you read this?")
    page.conversation.wait_for_message("Did you read this?")
    page.open_conversation(elsewhere["id"])  # the expert is elsewhere when the student reads

    sent = [m for m in student.history(conversation["id"]) if m["content"] == "Did you read this?"][0]
    student.post(f"/api/chat/conversations/{conversation['id']}/read", json={"seq": sent["seq"]}).raise_for_status()
    page.open_conversation(conversation["id"])
    page.wait_until(page.conversation.own_message_read, message="read, without a reload")
    assert page.console_errors() == []


def test_opening_with_unread_messages_starts_at_the_first_of_them(stack, api, browsers):
    (student, _), (expert, _), conversation = api.student_and_expert("Lars", "Lena")
    sent = [student.send_message(conversation["id"], f"line {index}").json() for index in range(30)]
    expert.post(f"/api/chat/conversations/{conversation['id']}/read", json={"seq": sent[21]["seq"]}).raise_for_status()
    page = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), expert.token)
    page.wait_until(lambda: page.sidebar.unread_badge(conversation["id"]) == "8", message="8 unread")
    page.open_conversation(conversation["id"])
    page.wait_until(lambda: page.conversation.unread_divider() is not None, message="the divider")
    divider = page.conversation.unread_divider()
    assert divider == {"inView": True, "next": "line 22"}, divider
    # Opened again, nothing is unread: no divider.
    page.back()
    page.wait_until(lambda: page.path == "/chat", message="back at the list")
    page.open_conversation(conversation["id"])
    page.conversation.wait_for_message("line 29")
    assert page.conversation.unread_divider() is None
    assert page.console_errors() == []


def test_a_picture_that_failed_to_load_loads_when_it_can(stack, api, browsers):
    (student, _), (expert, _), conversation = api.student_and_expert("Kim", "Kai")
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000010000000100802000000909168360000001649444154789c6338616343126218d530aa61f86a0000abc6401022a681cc0000000049454e44ae426082")
    student.upload(conversation["id"], png, name="late.png", mime="image/png").raise_for_status()
    page = ChatPage(browsers()).open_signed_in(stack.service_url("gateway2"), expert.token)
    stack.stop("uploads")
    try:
        page.open_conversation(conversation["id"])
        page.wait_until(lambda: "could not be loaded" in (page.conversation.image_alt() or ""), message="the download fails")
    finally:
        stack.start_service("uploads")
    page.wait_until(page.conversation.image_decoded, message="loaded once uploads is back", timeout=30)
    assert [e for e in page.console_errors() if "/api/chat/attachments/" not in e["message"]] == []


def test_a_picture_takes_its_room_before_it_loads(stack, api, browsers):
    """Its box is the size the server read from its header, scaled into 320 × 240, while
    the bytes cannot come, and stays that size when they do: nothing below it moves."""
    (student, _), (expert, _), conversation = api.student_and_expert("Pia", "Pol")
    student.upload(conversation["id"], png(300, 150), name="wide.png", mime="image/png").raise_for_status()
    student.upload(conversation["id"], png(150, 600), name="tall.png", mime="image/png").raise_for_status()
    page = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), expert.token)
    stack.stop("uploads")
    try:
        page.open_conversation(conversation["id"])
        page.wait_until(lambda: "could not be loaded" in (page.conversation.image_alt() or ""), message="the download fails")
        assert page.conversation.image_box() == [300, 150]
        assert page.driver.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map((image) => [image.getAttribute('width'), image.getAttribute('height')])",
            '[data-testid="attachment-image"]') == [["300", "150"], ["60", "240"]]
    finally:
        stack.start_service("uploads")
    page.wait_until(page.conversation.image_decoded, message="loaded once uploads is back", timeout=30)
    assert page.conversation.image_box() == [300, 150]
    assert [e for e in page.console_errors() if "/api/chat/attachments/" not in e["message"]] == []


def test_the_list_of_conversations_goes_on_past_its_first_page_and_search_opens_any(stack, api, browsers):
    student, student_user = api.register("Quinn", "student")
    opened = []
    for index in range(55):
        expert, expert_user = api.register(f"Tutor {index}", "expert")
        conversation = student.open_conversation(expert_user)
        expert.send_message(conversation["id"], f"hello from tutor {index} about quaternions{index}").raise_for_status()
        opened.append(conversation)
    page = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), student.token)
    page.wait_until(lambda: page.sidebar.count() >= 50, message="the first page")
    page.sidebar.scroll_to_end()
    page.wait_until(lambda: page.sidebar.count() == 55, message="the next page, once scrolled to")
    assert len(set(page.sidebar.ids())) == 55

    # A search hit in a conversation not loaded (a fresh page shows only the first 50) opens it.
    page.refresh()
    page.wait_connected()
    oldest = opened[0]
    page.search.type("quaternions0")
    hit = [m for m in student.history(oldest["id"]) if "quaternions0" in m["content"]][0]
    page.wait_until(lambda: page.search.result_shown(hit["id"]), message="found")
    page.search.open_result(hit["id"])
    page.conversation.wait_for_message(hit["content"])
    assert page.path == f"/chat/c/{oldest['id'].lower()}"
    assert page.console_errors() == []
