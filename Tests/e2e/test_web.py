"""The chat page at /chat, as the old app's test plan had it: "open two browser windows,
log in as a student and an expert, send messages back and forth, watch typing, online
status and read receipts" — two headless Chromiums, one on each gateway, each with the
page's own socket.io-client and its default options. The page is driven through its page
objects (pages.py), which hold every selector."""

import time
import uuid
from datetime import datetime

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from api import Api
from chat import ChatClient, forge_token
from pages import ChatPage
from pictures import png, size_of


def test_the_page_is_served_with_its_policy(stack):
    for base in (stack.lb_url, stack.service_url("gateway1")):
        gateway = Api(base, timeout=5)
        root = gateway.get("/", allow_redirects=False)
        assert root.status_code == 302 and root.headers["Location"] == "/chat"
        page = gateway.get("/chat")
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        policy = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
        assert "<script>" not in page.text and " style=" not in page.text  # nothing inline
        module = gateway.get("/chat/js/main.js")
        assert module.status_code == 200 and module.headers["Content-Type"].startswith("text/javascript")
        again = gateway.get("/chat/js/main.js", headers={"If-None-Match": module.headers["ETag"]})
        assert again.status_code == 304
        assert gateway.get("/chat/nothing.js").status_code == 404


@pytest.mark.parametrize("route", ["gateways", "load balancer"])
def test_two_windows_chat_as_the_old_app_did(stack, browsers, route):
    """The old app's four tests: messages both ways at once, typing shown and cleared,
    read receipts, and the other side's dot going offline and online with its window —
    one window on each gateway, then both through haproxy."""
    student_base, expert_base = ((stack.service_url("gateway1"), stack.service_url("gateway2")) if route == "gateways"
                                 else (stack.lb_url, stack.lb_url))
    student, expert = ChatPage(browsers()), ChatPage(browsers())
    expert_email = expert.sign_up(expert_base, "Grace", "expert")
    student.sign_up(student_base, "Ada", "student")

    # The student picks the expert: the conversation opens with its welcome.
    student.experts.pick()
    student.wait_until(lambda: any("Welcome" in text for text in student.conversation.message_texts()), message="welcome")
    student.wait_until(lambda: student.sidebar.presence() == "online", message="expert online")

    # Messages both ways.
    student.conversation.send("Hello Grace, can you help with recursion?")
    expert.sidebar.open()
    expert.conversation.wait_for_message("Hello Grace, can you help with recursion?", message="expert sees it")
    expert.conversation.send("Of course, Ada.")
    student.conversation.wait_for_message("Of course, Ada.", message="student sees the answer")

    # Read receipts: the expert has the conversation open, so the student's message is read.
    assert student.conversation.own_message_seq()
    student.wait_until(student.conversation.own_message_read, message="read receipt")
    # ...and still read after a reload (the conversation says how far the others have read).
    student.refresh()
    student.sidebar.open()
    student.wait_until(student.conversation.own_message_read, message="read receipt after a reload")

    # Typing shows and clears.
    expert.conversation.type("Let me think")
    student.wait_until(lambda: "Grace is typing" in student.conversation.typing_indicator(), message="typing shown")
    if route == "gateways":
        student.screenshot("typing-and-read.png")
    expert.conversation.send()
    student.wait_until(lambda: student.conversation.typing_indicator() == "", message="typing cleared")

    assert expert.console_errors() == []

    # The expert closes the window: offline for the student; signs in again in a new one: online.
    expert.close()
    student.wait_until(lambda: student.sidebar.presence() == "offline", timeout=20, message="offline")
    again = ChatPage(browsers())
    again.sign_in(expert_base, expert_email)
    student.wait_until(lambda: student.sidebar.presence() == "online", timeout=20, message="online again")
    assert student.console_errors() == [] and again.console_errors() == []


def test_an_image_shows_inline_and_another_conversation_raises_a_toast_and_a_badge(stack, api, browsers, tmp_path):
    (student, _), (expert, _), conversation = api.student_and_expert("Lin", "Ines")
    other, other_user = api.register("Omar", "expert")
    second = student.open_conversation(other_user)
    a = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), student.token)
    b = ChatPage(browsers()).open_signed_in(stack.service_url("gateway2"), expert.token)
    a.open_conversation(conversation["id"])
    b.open_conversation(conversation["id"])

    # An image, picked in one window, is inline in the other.
    picture = tmp_path / "diagram.png"
    picture.write_bytes(png(280, 180, (46, 160, 67)))
    a.conversation.attach(picture)
    b.wait_until(lambda: (b.conversation.image_source() or "").startswith("blob:"), message="image inline")
    b.wait_until(b.conversation.image_decoded, message="image decoded")
    a.wait_until(lambda: (a.conversation.image_source() or "").startswith("blob:"), message="the sender's own copy")
    b.screenshot("image.png")

    # A message in the other conversation: a toast (and the chime, off until turned on),
    # a badge, the title; the toast opens it.
    assert not a.sidebar.sound_on()
    a.sidebar.toggle_sound()
    assert a.sound_preference() == "on"
    other.send_message(second["id"], "Are you free at 3?", timeout=10).raise_for_status()
    a.wait_until(lambda: "Are you free at 3?" in a.toasts.text(), message="toast")
    a.wait_until(lambda: a.sidebar.unread_badge(second["id"]) == "1", message="badge")
    assert a.title.startswith("(1)")
    a.toasts.open()
    a.conversation.wait_for_message("Are you free at 3?", message="opened from the toast")
    a.wait_until(lambda: not a.sidebar.has_unread_badge(second["id"]) and not a.title.startswith("("), message="badge cleared")
    for page in (a, b):
        assert page.console_errors() == []


def test_older_history_loads_on_scrolling_up(stack, api, browsers):
    (student, _), _, conversation = api.student_and_expert("Paging", "Pat")
    for i in range(120):
        student.send_message(conversation["id"], f"line {i}", timeout=10).raise_for_status()
    a = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), student.token)
    a.open_conversation(conversation["id"])
    a.wait_until(lambda: a.conversation.message_count() == 50, message="the newest page")
    assert a.conversation.message_texts()[-1] == "line 119"
    for expected in (100, 121):
        a.conversation.scroll_to_top()
        a.wait_until(lambda: a.conversation.message_count() == expected, message=f"{expected} shown")
    assert a.conversation.first_message_seq() == "1"
    assert a.console_errors() == []


def test_a_loading_line_shows_while_older_history_comes_and_the_place_is_kept(stack, api, browsers):
    (student, _), _, conversation = api.student_and_expert("Slowpage", "Sol")
    for i in range(80):
        student.send_message(conversation["id"], f"row {i}", timeout=10).raise_for_status()
    a = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), student.token)
    a.open_conversation(conversation["id"])
    a.wait_until(lambda: a.conversation.message_count() == 50, message="the newest page")
    a.conversation.hold_older_history()
    # Scrolled again until it shows: on a loaded machine the first scroll can land before the
    # newest page's layout settles, and the page then keeps its reader at the newest line.
    a.wait_until(
        lambda: a.conversation.scroll_to_top() or a.conversation.loading_older_in_view(), message="the loading line, in view at the top"
    )
    a.screenshot("loading-older.png")
    first = int(a.conversation.first_message_seq())
    before = a.conversation.offset_of(first)
    a.conversation.release_older_history()
    a.wait_until(lambda: a.conversation.message_count() == 81, message="the older page (and the welcome)")
    assert not a.conversation.loading_older_shown()
    # What the reader was looking at has not moved: the older page came in above it.
    assert abs(a.conversation.offset_of(first) - before) <= 2
    assert a.conversation.first_message_seq() == "1"
    assert a.console_errors() == []


def test_a_message_typed_offline_waits_and_is_sent_once_after_a_gateway_restart(stack, api, browsers):
    (student, _), _, conversation = api.student_and_expert("Outbox", "Otto")
    a = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), student.token)
    a.open_conversation(conversation["id"])
    stack.stop("gateway1")
    try:
        a.wait_until(lambda: a.connection_state() in ("reconnecting", "offline"), message="disconnected")
        a.conversation.send("written while the gateway was down")
        a.wait_until(a.conversation.has_pending, message="pending")
    finally:
        stack.start_service("gateway1")
    a.wait_connected(timeout=30, message="reconnected")
    a.wait_until(lambda: not a.conversation.has_pending(), timeout=20, message="sent")
    stored = [m for m in student.history(conversation["id"]) if m["content"] == "written while the gateway was down"]
    assert len(stored) == 1
    assert a.conversation.message_texts().count("written while the gateway was down") == 1


@pytest.mark.parametrize("width", [1280, 360])
def test_the_page_passes_an_accessibility_scan_on_desktop_and_phone(stack, api, browsers, width):
    page = ChatPage(browsers(width=width, height=800)).open(stack.lb_url)
    page.auth.wait_loaded()
    assert page.accessibility_violations() == []
    page.screenshot(f"sign-in-{width}.png")
    (student, _), _, conversation = api.student_and_expert("Axel", "Aria")
    page.open_signed_in(stack.lb_url, student.token)
    if width < 720:  # one pane at a time: the conversation list first
        assert page.sidebar.conversation_shown()
    page.open_conversation(conversation["id"])
    page.conversation.send("Checking how this reads")
    page.conversation.wait_for_message("Checking how this reads", message="sent")
    assert page.accessibility_violations() == []
    page.screenshot(f"conversation-{width}.png")
    assert page.console_errors() == []


def test_the_layout_defects_once_seen_in_the_screenshots_stay_fixed(stack, api, browsers):
    """Seen in this suite's own screenshots: the sign-in card's fields and button stretched
    to the height of the sign-up card, and list items scrolled over the sidebar's header."""
    page = ChatPage(browsers(width=1280, height=700)).open(stack.lb_url)
    page.auth.wait_loaded()
    heights = page.driver.execute_script("""
        const height = (id) => document.querySelector(`[data-testid=${id}]`).getBoundingClientRect().height;
        return [height('login-email'), height('register-email'), height('login-submit'), height('register-submit')];""")
    assert heights[0] == heights[1] and heights[2] == heights[3], heights
    student, _ = api.register("Scroller", "student")
    for index in range(12):
        api.register(f"Expert {index} for scrolling", "expert")
    page.open_signed_in(stack.lb_url, student.token)
    page.wait_until(lambda: page.experts.count() >= 12, message="a long directory")
    on_top = page.driver.execute_script("""
        const sidebar = document.querySelector('.sidebar');
        sidebar.scrollTop = sidebar.scrollHeight;
        const button = document.querySelector('[data-testid=logout]').getBoundingClientRect();
        return [sidebar.scrollTop > 0, document.elementFromPoint(button.x + button.width / 2, button.y + button.height / 2)?.closest('[data-testid]')?.dataset.testid];""")
    assert on_top == [True, "logout"], on_top


@pytest.mark.parametrize("width", [1280, 360])
def test_the_dark_page_with_unread_and_new_messages_passes_the_scan(stack, api, browsers, width):
    """The colours a dark system asks for, on what only some moments show: the unread
    divider, and the "new messages" button while the reader is scrolled up."""
    (student, _), (expert, _), conversation = api.student_and_expert("Dagny", "Dario")
    for index in range(30):
        student.send_message(conversation["id"], f"late night question {index}").raise_for_status()
    page = ChatPage(browsers(width=width, height=800, dark=True)).open_signed_in(stack.lb_url, expert.token)
    page.open_conversation(conversation["id"])
    page.wait_until(lambda: page.conversation.unread_divider() is not None, message="the divider")
    page.conversation.scroll_up()
    page.wait_until(lambda: not page.conversation.at_bottom(), message="scrolled up")
    student.send_message(conversation["id"], "one more").raise_for_status()
    page.wait_until(lambda: page.conversation.new_messages_label() == "1 new message ↓", message="announced")
    page.screenshot(f"dark-{width}.png")
    # The whole scan scrolls the list (the reader would have seen the message): the button first.
    assert page.accessibility_violations(only="#new-messages") == []
    assert page.conversation.new_messages_label() == "1 new message ↓"
    assert page.accessibility_violations() == []
    assert page.console_errors() == []


def test_edit_is_offered_only_within_the_edit_window(stack, api, browsers):
    (student, _), _, conversation = api.student_and_expert("Tardy", "Tess")
    window = stack.overrides.get("MESSAGE_EDIT_WINDOW")
    stack.overrides["MESSAGE_EDIT_WINDOW"] = "4"
    stack.stop("messages")
    stack.start_service("messages")
    try:
        page = ChatPage(browsers()).open_signed_in(stack.lb_url, student.token)
        page.open_conversation(conversation["id"])
        sent = student.send_message(conversation["id"], "quickly, before the window shuts").json()
        message = page.conversation.message(sent["id"])
        page.wait_until(lambda: message.text() == "quickly, before the window shuts", message="shown")
        message.open_menu()
        assert message.offers_edit()
        message.close_menu()
        sent_at = datetime.fromisoformat(sent["createdAt"].replace("Z", "+00:00")).timestamp()
        time.sleep(max(0.0, sent_at + 4.2 - time.time()))
        message.open_menu()
        assert not message.offers_edit()  # the server would refuse it: 403 edit_window_passed
        path = f"/api/chat/conversations/{conversation['id']}/messages/{sent['id']}"
        assert student.patch(path, json={"content": "too late"}).json()["error"]["code"] == "edit_window_passed"
        assert page.console_errors() == []
    finally:
        if window is None:
            stack.overrides.pop("MESSAGE_EDIT_WINDOW", None)
        else:
            stack.overrides["MESSAGE_EDIT_WINDOW"] = window
        stack.stop("messages")
        stack.start_service("messages")


def test_the_composer_grows_with_its_text_and_keeps_enter_to_send(stack, api, browsers):
    (student, _), _, conversation = api.student_and_expert("Wordy", "Will")
    page = ChatPage(browsers(width=1280, height=800)).open_signed_in(stack.lb_url, student.token)
    page.open_conversation(conversation["id"])
    one_line = page.conversation.composer_box()["height"]

    # Shift+Enter: a new line, nothing sent; the box grows by it.
    page.conversation.press_in_composer("First line", Keys.SHIFT, Keys.ENTER, Keys.SHIFT, "second line")
    assert page.conversation.composer_text() == "First line\nsecond line"
    two_lines = page.conversation.composer_box()["height"]
    assert two_lines > one_line and not page.conversation.has_pending()

    # A long message: as tall as a third of the window, then it scrolls.
    page.conversation.type(" " + " ".join(["word"] * 500))
    box = page.conversation.composer_box()
    assert box["window"] / 3 - 2 <= box["height"] <= box["window"] / 3 + 2 and box["needs"] > box["height"], box

    # Enter sends it, and the box is one line again.
    page.conversation.press_in_composer(Keys.ENTER)
    page.conversation.wait_for_message("First line\nsecond line " + " ".join(["word"] * 500), message="sent")
    assert page.conversation.composer_text() == "" and page.conversation.composer_box()["height"] == one_line
    assert page.console_errors() == []


def test_sign_in_and_sign_up_say_what_is_wrong_beside_the_field(stack, api, browsers):
    _, taken = api.register("Taken")
    rules = requests.get(stack.lb_url + "/api/auth/rules", timeout=10).json()
    page = ChatPage(browsers(width=390, height=844)).open(stack.lb_url)
    page.auth.wait_loaded()
    page.wait_until(lambda: page.auth.password_rule() == f"At least {rules['passwordMinLength']} characters; common passwords are refused.",
                    message="the server's rule")
    assert page.auth.roles() == ["student", "expert"] and rules["expertSignup"] is True

    # An email already used: said under the form, the email field marked and focused.
    page.auth.sign_up("Second Taken", taken["email"], "student")
    page.wait_until(lambda: page.auth.error("register") == "An account with this email exists", message="inline")
    assert page.auth.marked_fields() == ["register-email"] and page.auth.focused() == "register-email"
    assert page.toasts.count() == 0
    page.screenshot("sign-up-error-390.png")
    assert page.accessibility_violations() == []
    page.auth.type_into("register-email", "x")  # typing takes the mark off
    assert page.auth.marked_fields() == []

    # Long enough, but one of the most common: the server's word, on the password.
    page.auth.sign_up("Common", f"common-{uuid.uuid4().hex[:8]}@example.com", "student", password="Password1")
    page.wait_until(lambda: (page.auth.error("register") or "").endswith("choose another"), message="common")
    assert page.auth.marked_fields() == ["register-password"]

    page.auth.sign_in(taken["email"], "not the password")
    page.wait_until(lambda: page.auth.error("login") == "Email or password is wrong", message="inline")
    assert "login-password" in page.auth.marked_fields() and page.auth.focused() == "login-password"
    # What the console has is the browser's own line for each refused request, nothing else.
    assert all("/api/auth/" in e["message"] and "status of 4" in e["message"] for e in page.console_errors()), page.console_errors()


def test_keyboard_only_skip_to_the_box_send_and_use_a_menu(stack, api, browsers):
    (student, _), (expert, expert_user), conversation = api.student_and_expert("Kira", "Kofi")
    asked = expert.send_message(conversation["id"], "Which chapter?", timeout=10).json()
    page = ChatPage(browsers(width=1280, height=800)).open_signed_in(stack.lb_url, student.token)
    # Signed in, the keyboard starts at the conversations, not at the top of the page.
    page.wait_until(lambda: page.keyboard.focused()["testid"] == "conversation-item", message="focus on the list")
    page.keyboard.press(Keys.ENTER)
    page.conversation.wait_shown()
    page.wait_until(lambda: page.conversation.message(asked["id"]).text() == "Which chapter?", message="shown")

    # From anywhere, the skip link takes the keyboard to the box; Enter sends.
    page.driver.execute_script("document.getElementById('profile-open').focus()")  # the first control of the page
    page.keyboard.back_tab()  # what comes before it: the skip links
    assert page.keyboard.focused()["testid"] == "skip-to-composer"
    assert page.driver.find_element(By.CSS_SELECTOR, "[data-testid=skip-to-composer]").is_displayed()  # shown while focused
    page.keyboard.press(Keys.ENTER)
    assert page.keyboard.focused()["testid"] == "composer-input"
    page.keyboard.press("Chapter 4, I think", Keys.ENTER)
    page.conversation.wait_for_message("Chapter 4, I think", message="sent by keyboard")

    # Each "⋯" names its message; arrows move in the menu, Enter picks, Escape closes.
    menu_button = page.driver.find_element(By.CSS_SELECTOR, f'[data-message-id="{asked["id"]}"] [data-testid=message-menu]')
    assert menu_button.get_attribute("aria-label").startswith("Actions for Kofi's message at ")
    menu_button.send_keys(Keys.ENTER)
    first = page.keyboard.focused()
    assert first["role"] == "menuitem" and first["label"] == "React with 👍", first
    page.keyboard.press(Keys.END)
    assert page.keyboard.focused()["testid"] == "block-sender"  # "Unblock sender" is hidden: not blocked
    page.keyboard.press(Keys.ARROW_DOWN)  # round to the first
    assert page.keyboard.focused()["label"] == "React with 👍"
    page.keyboard.press(Keys.ARROW_UP, Keys.ARROW_UP)
    assert page.keyboard.focused()["testid"] == "report-message"
    page.keyboard.press(Keys.ARROW_UP, Keys.ARROW_UP)
    assert page.keyboard.focused()["testid"] == "reply-message"
    page.keyboard.press(Keys.ENTER)
    assert page.conversation.reply_bar() == ("Replying to Kofi", "Which chapter?") and page.keyboard.focused()["testid"] == "composer-input"
    page.keyboard.press(Keys.ESCAPE)
    assert page.conversation.reply_bar() is None

    # The live region says the new message, not the list redrawn by a reaction.
    expert.send_message(conversation["id"], "Yes, chapter 4", timeout=10).raise_for_status()
    page.wait_until(lambda: page.conversation.announced() == "Kofi: Yes, chapter 4", message="announced")
    assert page.driver.find_element(By.ID, "messages").get_attribute("aria-live") is None
    assert page.console_errors() == []


def test_the_header_shows_whether_the_other_is_online_and_when_they_were_last(stack, api, browsers):
    (student, _), (expert, _), conversation = api.student_and_expert("Hana", "Hugo")
    a = ChatPage(browsers()).open_signed_in(stack.lb_url, student.token)
    a.open_conversation(conversation["id"])
    b = ChatPage(browsers()).open_signed_in(stack.lb_url, expert.token)
    a.wait_until(lambda: a.conversation.status() == "online", message="online while his page is open")
    assert a.sidebar.presence(conversation["id"]) == "online"
    b.driver.quit()
    a.wait_until(lambda: a.conversation.status().startswith("last seen today at"), timeout=20, message="last seen, once he left")
    assert a.console_errors() == []


def test_pictures_open_in_the_page_viewer_and_files_show_on_one_line(stack, api, browsers):
    (student, _), (expert, _), conversation = api.student_and_expert("Vera", "Viktor")
    for name, size in (("triangle.png", (300, 200)), ("circle.png", (120, 240))):
        expert.upload(conversation["id"], png(*size), name=name, mime="image/png").raise_for_status()
    expert.upload(conversation["id"], b"%PDF-1.4 " + b"x" * 5000, name="a rather long worksheet name for week twelve.pdf",
                  mime="application/pdf").raise_for_status()
    page = ChatPage(browsers(width=390, height=844)).open_signed_in(stack.lb_url, student.token)
    page.open_conversation(conversation["id"])
    page.wait_until(page.conversation.image_decoded, message="pictures inline")

    page.viewer.open(0)
    first = page.wait_until(lambda: (state := page.viewer.state())["drawn"] and state, message="drawn in the viewer")
    assert (first["name"], first["count"], first["width"], first["previous"], first["next"]) == ("triangle.png", "1 of 2", 300, False, True)
    assert first["download"] == "triangle.png" and first["href"] == "blob:"
    page.keyboard.press(Keys.ARROW_RIGHT)
    second = page.wait_until(lambda: (state := page.viewer.state())["name"] == "circle.png" and state["drawn"] and state, message="the next")
    assert (second["count"], second["width"], second["previous"], second["next"]) == ("2 of 2", 120, True, False)
    page.screenshot("viewer-390.png")
    assert page.accessibility_violations(only="#viewer") == []
    page.keyboard.press(Keys.ESCAPE)
    page.wait_until(lambda: not page.viewer.is_open(), message="closed")
    assert len(page.driver.window_handles) == 1  # no tab was opened

    # A file: its icon, name (cut to fit) and size on one line.
    line = page.driver.execute_script("""
        const file = document.querySelector('[data-testid=attachment-file]'), box = file.getBoundingClientRect();
        const name = file.querySelector('.attachment__name');
        return {height: box.height, inside: box.right <= document.getElementById('messages').getBoundingClientRect().right,
                icon: !!file.querySelector('svg'), cut: name.scrollWidth > name.clientWidth, label: file.getAttribute('aria-label')};""")
    assert line["height"] < 48 and line["inside"] and line["icon"], line
    assert line["label"] == "Download a rather long worksheet name for week twelve.pdf, 4.9 KB", line
    assert page.console_errors() == []


@pytest.mark.parametrize("width", [360, 390])
def test_long_names_stay_on_one_line_on_a_phone(stack, api, browsers, width):
    long_student = "Maximiliana Alexandrina Featherstonehaugh-Cholmondeley"
    long_expert = "Bartholomew Montgomery Wolfeschlegelsteinhausen the Third"
    (student, _), (expert, _), conversation = api.student_and_expert(long_student, long_expert)
    question = student.send_message(conversation["id"], "Is this the right formula?", timeout=10).json()
    expert.send_message(conversation["id"], "Yes", replyTo=question["id"], timeout=10).raise_for_status()
    page = ChatPage(browsers(width=width, height=800)).open_signed_in(stack.lb_url, student.token)
    line = page.driver.execute_script("""
        const item = document.querySelector('[data-testid=conversation-item] .item__title');
        return {height: item.getBoundingClientRect().height, lineHeight: parseFloat(getComputedStyle(item).lineHeight), title: item.title};""")
    assert line["height"] <= line["lineHeight"] * 1.2 and line["title"] == long_expert, line
    page.open_conversation(conversation["id"])
    page.conversation.wait_for_message("Yes")
    shown = page.driver.execute_script("""
        const title = document.getElementById('conversation-title'), header = document.querySelector('.conversation__header');
        return {titleHeight: title.getBoundingClientRect().height, lineHeight: parseFloat(getComputedStyle(title).lineHeight),
                titleAttribute: title.title, headerHeight: header.getBoundingClientRect().height,
                overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
                names: document.querySelectorAll('#messages [data-testid=message] .message__sender').length};""")
    assert shown["titleHeight"] <= shown["lineHeight"] * 1.2 and shown["titleAttribute"] == long_expert, shown
    assert shown["headerHeight"] < 90 and shown["overflow"] == 0, shown
    assert shown["names"] == 0  # a direct conversation does not repeat the name over each bubble
    page.screenshot(f"long-names-{width}.png")
    assert page.console_errors() == []


def test_an_expired_session_sends_the_reader_back_to_sign_in(stack, api, browsers):
    _, user = api.register("Fleeting")
    token = forge_token(stack.jwt_secret(), user["id"], lifetime=5)
    page = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), token)
    page.wait_until(page.auth.is_shown, timeout=15, message="back at sign-in")
    assert "session ended" in page.auth.error("login")  # where they will sign in again
    assert page.session_token() is None
    assert page.console_errors() == []


def test_a_file_over_the_limit_is_refused_and_explained(stack, api, browsers, tmp_path):
    (student, _), _, conversation = api.student_and_expert("Hoarder", "Helen")
    limit = stack.overrides.get("UPLOAD_MAX_BYTES")
    stack.overrides["UPLOAD_MAX_BYTES"] = str(64 * 1024)
    stack.stop("uploads")
    stack.start_service("uploads")
    try:
        a = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), student.token)
        a.open_conversation(conversation["id"])
        big = tmp_path / "thesis.pdf"
        big.write_bytes(b"%PDF-1.7\n" + bytes(200 * 1024))
        a.conversation.attach(big)
        a.wait_until(lambda: "thesis.pdf is too large" in a.toasts.text(), message="explained")
        a.wait_until(lambda: not a.conversation.has_pending(), message="nothing pending")
        assert not [m for m in student.history(conversation["id"]) if m["messageType"] == "FILE"]
    finally:
        if limit is None:
            stack.overrides.pop("UPLOAD_MAX_BYTES")
        else:
            stack.overrides["UPLOAD_MAX_BYTES"] = limit
        stack.stop("uploads")
        stack.start_service("uploads")


def test_messages_are_edited_deleted_and_reacted_to_from_their_menu(stack, api, browsers):
    """One window edits, deletes and reacts through a message's menu; the other, on the
    other gateway, sees each change live; then, offline while changes are made over REST,
    it finds them all after reconnecting."""
    (student, _), (expert, _), conversation = api.student_and_expert("Edda", "Eli")
    a = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), student.token)
    b = ChatPage(browsers()).open_signed_in(stack.service_url("gateway2"), expert.token)
    a.open_conversation(conversation["id"])
    b.open_conversation(conversation["id"])
    a.conversation.send("teh first draft")
    a.conversation.send("a message to regret")
    for page in (a, b):
        page.conversation.wait_for_message("a message to regret", message="sent")
    stored = {m["content"]: m["id"] for m in student.history(conversation["id"])}
    draft, regret = stored["teh first draft"], stored["a message to regret"]

    # Edit in place: Enter saves; the other window shows the new text, marked edited.
    a.conversation.message(draft).edit("the final draft")
    for page in (a, b):
        page.wait_until(lambda: page.conversation.message(draft).text() == "the final draft", message="edited")
        assert page.conversation.message(draft).edited_label() == "edited"

    # A reaction from the other side, and ours on top: counted, ours pressed.
    b.conversation.message(draft).react("🎉")
    a.wait_until(lambda: a.conversation.message(draft).reaction("🎉") == "🎉 1", message="their reaction")
    assert a.conversation.message(draft).reaction_pressed("🎉") == "false"
    assert b.conversation.message(draft).reaction_pressed("🎉") == "true"
    a.conversation.message(draft).toggle_reaction("🎉")
    for page in (a, b):
        page.wait_until(lambda: page.conversation.message(draft).reaction("🎉") == "🎉 2", message="two reactions")
    assert a.conversation.message(draft).reaction_pressed("🎉") == "true"
    a.screenshot("edits-and-reactions.png")

    # Delete asks twice, then leaves a tombstone on both sides.
    a.conversation.message(regret).delete()
    for page in (a, b):
        page.wait_until(page.conversation.message(regret).is_deleted, message="tombstone")
        assert page.conversation.message(regret).deleted_label() == "This message was deleted"
        assert "a message to regret" not in page.conversation.message_texts()
    # Only the sender is offered edit and delete.
    b.conversation.message(draft).open_menu()
    assert not b.conversation.message(draft).offers_edit()

    # The other window's gateway goes away; changes made meanwhile are there after it reconnects.
    stack.stop("gateway2")
    try:
        b.wait_until(lambda: b.connection_state() != "connected", message="disconnected")
        path = f"/api/chat/conversations/{conversation['id']}/messages/{draft}"
        student.patch(path, json={"content": "edited while you were away"}, timeout=10).raise_for_status()
        student.delete(f"{path}/reactions/%F0%9F%8E%89", timeout=10).raise_for_status()
    finally:
        stack.start_service("gateway2")
    b.wait_connected(timeout=30, message="reconnected")
    b.wait_until(lambda: b.conversation.message(draft).text() == "edited while you were away", message="caught up")
    b.wait_until(lambda: b.conversation.message(draft).reaction("🎉") == "🎉 1", message="the reaction taken back")
    assert a.console_errors() == [] and b.console_errors(through_an_outage=True) == []


def test_badges_follow_reads_on_another_device_and_mark_unread(stack, api, browsers):
    """The same student in two windows (two devices): a message raises the badge in both;
    reading it in one clears the other's without a reload; "Mark unread" raises it again."""
    (student, _), (expert, _), conversation = api.student_and_expert("Dana", "Dev")
    laptop = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), student.token)
    phone = ChatPage(browsers()).open_signed_in(stack.service_url("gateway2"), student.token)
    sent = expert.send_message(conversation["id"], "Ping from Dev", timeout=10)
    sent.raise_for_status()
    for page in (laptop, phone):
        page.wait_until(lambda: page.sidebar.unread_badge(conversation["id"]) == "1", message="badge")
        assert page.title.startswith("(1)")
    laptop.open_conversation(conversation["id"])
    phone.wait_until(lambda: not phone.sidebar.has_unread_badge(conversation["id"]) and not phone.title.startswith("("),
                     message="read elsewhere")

    laptop.conversation.message(sent.json()["id"]).mark_unread()
    for page in (laptop, phone):
        page.wait_until(lambda: page.sidebar.unread_badge(conversation["id"]) == "1", message="unread again")
    for page in (laptop, phone):
        assert page.console_errors() == []


def test_replies_quote_their_original_across_two_browsers(stack, api, browsers):
    (student, student_user), (expert, expert_user), conversation = api.student_and_expert("Rafa", "Renata")
    question = expert.send_message(conversation["id"], "What is 7 × 8?", timeout=10).json()
    for i in range(60):  # the question is older than the newest page
        expert.send_message(conversation["id"], f"filler {i}", timeout=10).raise_for_status()
    answer = student.send_message(conversation["id"], "56", replyTo=question["id"], timeout=10).json()
    a = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), expert.token)
    b = ChatPage(browsers()).open_signed_in(stack.service_url("gateway2"), student.token)
    for page in (a, b):
        page.open_conversation(conversation["id"])

    # The quote names who asked; a click pages back to the question and shows it.
    b.wait_until(lambda: b.conversation.message(answer["id"]).quote() == ("Renata", "What is 7 × 8?"), message="quoted")
    b.conversation.message(answer["id"]).open_quote()
    b.wait_until(lambda: b.conversation.found_message_in_view(question["id"]), message="the question, paged back to and in view")

    # The expert replies from the menu: the bar says to whom, Enter sends, the bar goes.
    a.conversation.message(answer["id"]).reply()
    assert a.conversation.reply_bar() == ("Replying to Rafa", "56")
    a.conversation.send("Correct!")
    a.wait_until(lambda: a.conversation.reply_bar() is None, message="bar gone after sending")
    b.conversation.wait_for_message("Correct!")
    reply_id = b.wait_until(lambda: next((m["id"] for m in expert.history(conversation["id"]) if m["content"] == "Correct!"), None))
    assert b.conversation.message(reply_id).quote() == ("You", "56")
    assert expert.history(conversation["id"])[-1]["replyTo"]["id"] == answer["id"]

    # Escape gives up a reply started; the text stays.
    a.conversation.message(answer["id"]).reply()
    a.conversation.type("on second thought")
    assert a.conversation.at_bottom(), "the bar opening keeps the newest message in view"
    a.screenshot("replies.png")
    a.conversation.press_in_composer(Keys.ESCAPE)
    assert a.conversation.reply_bar() is None and a.conversation.composer_text() == "on second thought"

    # The answer deleted: every quote of it says so, live.
    b.conversation.message(answer["id"]).delete()
    for page in (a, b):
        page.wait_until(lambda: page.conversation.message(reply_id).quote() == ("Rafa" if page is a else "You", "Message deleted"),
                        message="the quote follows the delete")
    for page in (a, b):
        assert page.console_errors() == []


def test_katex_is_served_from_debians_package_with_its_types(stack):
    for path, kind in (("vendor/katex/katex.mjs", "text/javascript"), ("vendor/katex/katex.min.css", "text/css"),
                       ("vendor/katex/fonts/KaTeX_Main-Regular.woff2", "font/woff2")):
        response = requests.get(f"{stack.lb_url}/chat/{path}", timeout=10)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith(kind), (path, response.headers)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "version: \"0.16" in requests.get(f"{stack.lb_url}/chat/vendor/katex/katex.mjs", timeout=10).text


RICH = ("Read https://en.wikipedia.org/wiki/Set_(mathematics). Run `pip install sympy` then:\n"
        "```python\nfrom sympy import sqrt\nprint(sqrt(8))\n```\n"
        "Since $x^2 = 8$, $$x = \\pm 2\\sqrt{2}$$ (it costs $5 and $10).")


def test_rich_text_links_code_and_math(stack, api, browsers):
    (student, _), (expert, _), conversation = api.student_and_expert("Tomas", "Teodora")
    sent = expert.send_message(conversation["id"], RICH, timeout=10).json()
    page = ChatPage(browsers(width=1280, height=800)).open_signed_in(stack.lb_url, student.token)
    page.open_conversation(conversation["id"])
    message = page.conversation.message(sent["id"])
    parts = page.wait_until(lambda: (p := message.rich_parts())["fonts"] and all(m["rendered"] for m in p["math"]) and p,
                            message="math drawn by KaTeX, with its fonts")
    assert parts["links"] == [{"href": "https://en.wikipedia.org/wiki/Set_(mathematics)", "rel": "noopener noreferrer", "target": "_blank",
                               "text": "https://en.wikipedia.org/wiki/Set_(mathematics)"}]
    assert parts["code"] == ["pip install sympy"]
    assert parts["blocks"] == [{"lang": "python", "code": "from sympy import sqrt\nprint(sqrt(8))"}]
    assert [(m["tex"], m["display"], m["katex"], m["mathml"]) for m in parts["math"]] == [
        ("x^2 = 8", False, True, True), ("x = \\pm 2\\sqrt{2}", True, True, True)]
    assert "(it costs $5 and $10)." in message.text()  # money stays money
    assert "```" not in message.text() and "`pip" not in message.text()

    message.copy_code()
    copied = page.wait_until(lambda: page.driver.execute_script(
        "const b = document.querySelector('[data-testid=copy-code]'); return b.textContent === 'Copied' ? 'clipboard' : getSelection().toString()"),
        message="copied, or selected where there is no clipboard")
    assert copied == "clipboard" or copied == "from sympy import sqrt\nprint(sqrt(8))", copied
    page.screenshot("rich-text.png")
    assert page.console_errors() == []  # KaTeX's nodes pass the CSP


XSS = [
    '<img src=x onerror="window.__xss=1">', "<script>window.__xss=1</script>", "<svg onload=window.__xss=1>",
    "javascript:window.__xss=1", "[click](javascript:window.__xss=1)", 'https://x.org/"><img src=x onerror=window.__xss=1>',
    "$\\href{javascript:window.__xss=1}{click}$", "$\\url{javascript:window.__xss=1}$", "$\\htmlData{onclick=window.__xss=1}{x}$",
    "`<img src=x onerror=window.__xss=1>`", "```\n</code><img src=x onerror=window.__xss=1>\n```", "\" onmouseover=\"window.__xss=1",
]


@pytest.mark.parametrize("csp", [True, False], ids=["with-csp", "without-csp"])
def test_no_user_text_runs_with_or_without_the_csp(stack, api, browsers, csp):
    (student, student_user), (expert, expert_user), conversation = api.student_and_expert("Xena", "Xavi")
    payload = XSS[0]
    response = expert.patch("/api/me", json={"name": payload[:100], "headline": XSS[1], "subjects": [XSS[2], XSS[3][:40]], "bio": " ".join(XSS)[:1000]})
    assert response.status_code == 200, response.text
    driver = browsers(width=1280, height=900)
    if not csp:  # as if the page were served without its policy: the page's own code must hold
        driver.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
    page = ChatPage(driver).open_signed_in(stack.lb_url, student.token)
    # Arriving while the conversation is closed: toasts and the sidebar's preview.
    ids = [expert.send_message(conversation["id"], text, timeout=10).json()["id"] for text in XSS]
    expert.upload(conversation["id"], b"x", name=XSS[0] + ".txt", mime="text/plain").raise_for_status()
    page.wait_until(lambda: page.toasts.count() > 0, message="toasts")
    page.open_conversation(conversation["id"])
    page.conversation.wait_for_message("javascript:window.__xss=1")
    page.experts.search("Xavi")  # the directory draws the expert's headline and subjects
    page.search.type("xss")
    page.wait_until(lambda: page.search.result_shown(ids[3]), message="search results drawn")
    page.search.escape()
    time.sleep(1)  # anything that would run has run (an image's error, a load)
    found = page.driver.execute_script("""
        const handlers = [...document.querySelectorAll('*')].flatMap((node) =>
            [...node.attributes].filter((a) => a.name.startsWith('on')).map((a) => node.tagName + ' ' + a.name));
        return {
            xss: window.__xss ?? null,
            handlers,
            scripts: [...document.scripts].map((s) => s.getAttribute('src')),
            foreign: [...document.querySelectorAll('iframe, object, embed, svg:not([aria-hidden]) foreignObject, img[src="x"]')].length,
            hrefs: [...document.querySelectorAll('a[href]')].map((a) => a.protocol).filter((p) => !['http:', 'https:', 'blob:'].includes(p)),
            texts: [...document.querySelectorAll('[data-testid=message-content]')].map((n) => n.textContent),
        };""")
    assert found["xss"] is None and found["handlers"] == [] and found["foreign"] == 0 and found["hrefs"] == [], found
    assert found["scripts"] == ["/socket.io/socket.io.min.js", "/chat/js/main.js"], found["scripts"]
    for text in ("<script>window.__xss=1</script>", "[click](javascript:window.__xss=1)"):
        assert any(text in shown for shown in found["texts"]), text  # shown as written
    assert page.console_errors() == []


def test_search_finds_an_old_message_and_opens_it_in_its_conversation(stack, api, browsers):
    (student, _), _, conversation = api.student_and_expert("Sia", "Sam")
    old = student.send_message(conversation["id"], "The eigenvalues of a symmetric matrix are real", timeout=10).json()
    for i in range(80):  # enough that it is not in the newest page
        student.send_message(conversation["id"], f"filler {i}", timeout=10).raise_for_status()
    a = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), student.token)
    a.search.type("eigen")  # a part of the word
    a.wait_until(lambda: a.search.result_shown(old["id"]), message="found")
    marked = a.wait_until(lambda: a.search.marked(old["id"]), message="marked")
    assert marked == ["eigen"], marked
    assert not a.sidebar.conversation_shown()  # the lists make way
    a.screenshot("search.png")
    a.search.open_result(old["id"])
    a.wait_until(lambda: a.conversation.found_message_in_view(old["id"]), message="opened at the message, in view")
    # Escape brings the lists back; nothing found is said so.
    a.search.escape()
    a.wait_until(a.sidebar.conversation_shown, message="lists back")
    a.search.type("zyxwvut")
    a.wait_until(lambda: "No messages match" in a.search.status(), message="nothing found")
    assert a.console_errors() == []


def seed_experts(stack, count: int, word: str) -> None:
    """`count` experts straight into Postgres (signing each up would take minutes), named
    with `word` so that this test's search sees only them."""
    stack.psql(f"""
        INSERT INTO users (id, name, email, password_hash, role, headline, subjects)
        SELECT gen_random_uuid(), 'Seeded ' || lpad(n::text, 4, '0') || ' {word}', '{word}-' || n || '@example.com', 'x', 'expert',
               'Tutor number ' || n, ARRAY['Subject ' || (n % 7)]
        FROM generate_series(1, {count}) n""", database=stack.database)


def test_a_student_browsing_experts_sees_one_come_online_and_go(stack, api, browsers):
    """No conversation yet: the page watches the status of the experts it lists."""
    student, _ = api.register("Window", "student")
    expert, expert_user = api.register("Shopper", "expert")
    page = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), student.token)
    page.experts.search("Shopper")
    page.wait_until(lambda: page.experts.presence_of(expert_user["id"]) == "offline", message="listed, offline")
    with ChatClient(stack.service_url("gateway2"), expert.token):
        page.wait_until(lambda: page.experts.presence_of(expert_user["id"]) == "online", message="came online")
    page.wait_until(lambda: page.experts.presence_of(expert_user["id"]) == "offline", message="went offline")
    assert page.console_errors() == []


def test_a_student_finds_an_expert_among_many_by_search_and_pages_by_scrolling(stack, api, browsers):
    word = "w" + uuid.uuid4().hex[:8]
    seed_experts(stack, 400, word)
    _, wanted = api.register(f"Ximena Quarterwell {word}", "expert")
    online, online_user = api.register(f"Oona Present {word}", "expert")
    student, _ = api.register("Finder")
    page = ChatPage(browsers()).open_signed_in(stack.lb_url, student.token)
    experts = page.experts
    page.wait_until(lambda: experts.count() == 30, message="the first page")

    # This test's experts only; the list grows as its end scrolls into view.
    experts.type(word)
    page.wait_until(lambda: experts.item_texts() and all(word in text for text in experts.item_texts()), message="searched")
    for pages in (2, 3):
        experts.scroll_to_end()
        page.wait_until(lambda: experts.count() >= 30 * pages, message=f"page {pages} on scroll")
    names = experts.names()
    assert len(names) == len(set(names)), "an expert listed twice"

    # A part of a name, as typed, finds the one expert among 402.
    experts.search(f"quarterw {word}")
    page.wait_until(lambda: [experts.first_user_id()] == [wanted["id"].lower()] and experts.count() == 1, message="found")
    page.screenshot("expert-search.png")

    # Online now: only an expert with a socket open.
    with ChatClient(stack.service_url("gateway2"), online.token):
        experts.search(word)
        experts.toggle_online_only()
        page.wait_until(lambda: experts.count() == 1 and experts.first_user_id() == online_user["id"].lower(), message="online only")
        assert experts.first_presence() == "online"
        experts.type(" quarterw")
        page.wait_until(lambda: "No experts match" in experts.status(), message="none online")

    experts.toggle_online_only()
    experts.search("quarterwell")
    experts.pick(wanted["id"])
    page.wait_until(lambda: "Ximena Quarterwell" in page.conversation.title(), message="the conversation opens")
    assert page.accessibility_violations() == []
    assert page.console_errors() == []


def test_a_new_picture_and_name_are_seen_live_in_another_window(stack, api, browsers, tmp_path):
    (student_api, _), (expert_api, _), conversation = api.student_and_expert("Iris", "Pablo")
    student = ChatPage(browsers()).open_signed_in(stack.service_url("gateway1"), student_api.token)
    student.open_conversation(conversation["id"])
    mine = ChatPage(browsers()).open_signed_in(stack.service_url("gateway2"), expert_api.token)

    # The expert opens their profile, picks a photo as large as a phone's and saves a new
    # name and headline. The page sends it shrunk to 512 px (the server takes 4096 at most).
    mine.profile.open()
    picture = tmp_path / "me.png"
    picture.write_bytes(png(4800, 3200, (200, 90, 40)))
    mine.profile.choose_picture(picture)
    mine.profile.wait_for_picture()
    url = mine.profile.picture_url()
    assert url.startswith("/api/avatars/")
    stored = expert_api.get(url)
    assert stored.headers["Content-Type"] == "image/webp" and size_of(stored.content) == (512, 341)
    mine.profile.fill(name="Pablo Ruiz", headline="Geometry, mostly", subjects="Geometry, Topology")
    assert mine.accessibility_violations() == []
    mine.screenshot("profile.png")
    mine.profile.save()
    mine.wait_until(lambda: not mine.profile.is_open(), message="saved")
    mine.wait_until(lambda: mine.sidebar.my_name() == "Pablo Ruiz", message="own name")

    # The student's open page follows without a reload: header, list and bubbles.
    student.wait_until(lambda: student.conversation.title() == "Pablo Ruiz", message="name live")
    student.wait_until(lambda: student.conversation.subtitle() == "Geometry, mostly", message="headline live")
    student.wait_until(lambda: all(shown == url for shown in student.picture_urls()) and len(student.picture_urls()) >= 2,
                       message="picture live")
    assert student.first_picture_width() > 0
    student.screenshot("picture-live.png")

    # Removed: initials again, everywhere.
    mine.profile.open()
    mine.profile.remove_picture()
    student.wait_until(lambda: not student.picture_urls(), message="initials again")
    assert student.console_errors() == [] and mine.console_errors() == []
