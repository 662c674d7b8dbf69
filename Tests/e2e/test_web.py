"""The chat page at /chat, as the old app's test plan had it: "open two browser windows,
log in as a student and an expert, send messages back and forth, watch typing, online
status and read receipts" — two headless Chromiums, one on each gateway, each with the
page's own socket.io-client and its default options."""

import uuid
from pathlib import Path

import pytest
import requests
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from chat import ChatClient, forge_token, history, open_conversation, register, student_and_expert

WAIT = 15
PNG = bytes.fromhex(  # a 16 × 16 red square
    "89504e470d0a1a0a0000000d4948445200000010000000100802000000909168360000001649444154789c6338616343126218d530aa61f86a0000abc6401022a681cc0000000049454e44ae426082")
# The README shows these: each run of the browser tests takes them again, so they stay current.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)


def by_testid(name: str, **attributes: str) -> str:
    selector = f'[data-testid="{name}"]'
    for attribute, value in attributes.items():
        selector += f'[data-{attribute.replace("_", "-")}="{value}"]'
    return selector


def wait_for(driver, condition, timeout: float = WAIT, message: str = ""):
    """Polls `condition`; the page redraws lists whole, so an element read mid-redraw is tried again."""
    return WebDriverWait(driver, timeout, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda _: condition(), message)


def click(driver, selector: str) -> None:
    def clicked():
        find(driver, selector).click()
        return True
    wait_for(driver, clicked, message=f"click {selector}")


def attribute(driver, selector: str, name: str) -> str | None:
    """The attribute of the first element matching, read again if a redraw replaced it meanwhile."""
    for _ in range(20):
        try:
            return find(driver, selector).get_attribute(name)
        except StaleElementReferenceException:
            continue
    raise AssertionError(f"{selector} kept being redrawn")


def find(driver, selector: str):
    return wait_for(driver, lambda: next(iter(driver.find_elements(By.CSS_SELECTOR, selector)), None), message=selector)


def texts(driver, selector: str) -> list[str]:
    return wait_for(driver, lambda: [element.text for element in driver.find_elements(By.CSS_SELECTOR, selector)])


def sign_up(driver, base: str, name: str, role: str) -> str:
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    driver.get(base + "/chat")
    find(driver, by_testid("register-name")).send_keys(name)
    find(driver, by_testid("register-email")).send_keys(email)
    find(driver, by_testid("register-password")).send_keys("correct horse")
    Select(find(driver, by_testid("register-role"))).select_by_value(role)
    click(driver, by_testid("register-submit"))
    wait_for(driver, lambda: attribute(driver, by_testid("connection-status"), "data-state") == "connected", message="the socket connects")
    return email


def console_errors(driver, through_an_outage: bool = False) -> list[dict]:
    """What the page logged as an error. `through_an_outage`: a gateway was stopped on purpose,
    and the client's reconnection attempts meanwhile (refused connections, logged by the
    browser itself) are expected."""
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"
            and not (through_an_outage and entry.get("source") == "network" and "ERR_CONNECTION_REFUSED" in entry["message"])]


def send(driver, text: str) -> None:
    box = find(driver, by_testid("composer-input"))
    box.send_keys(text)
    box.send_keys(Keys.ENTER)


def test_the_page_is_served_with_its_policy(stack):
    for base in (stack.lb_url, stack.service_url("gateway1")):
        root = requests.get(base + "/", allow_redirects=False, timeout=5)
        assert root.status_code == 302 and root.headers["Location"] == "/chat"
        page = requests.get(base + "/chat", timeout=5)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        policy = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
        assert "<script>" not in page.text and " style=" not in page.text  # nothing inline
        module = requests.get(base + "/chat/js/main.js", timeout=5)
        assert module.status_code == 200 and module.headers["Content-Type"].startswith("text/javascript")
        again = requests.get(base + "/chat/js/main.js", headers={"If-None-Match": module.headers["ETag"]}, timeout=5)
        assert again.status_code == 304
        assert requests.get(base + "/chat/nothing.js", timeout=5).status_code == 404


@pytest.mark.parametrize("route", ["gateways", "load balancer"])
def test_two_windows_chat_as_the_old_app_did(stack, browsers, route):
    """The old app's four tests: messages both ways at once, typing shown and cleared,
    read receipts, and the other side's dot going offline and online with its window —
    one window on each gateway, then both through haproxy."""
    student_base, expert_base = ((stack.service_url("gateway1"), stack.service_url("gateway2")) if route == "gateways"
                                 else (stack.lb_url, stack.lb_url))
    student, expert = browsers(), browsers()
    expert_email = sign_up(expert, expert_base, "Grace", "expert")
    sign_up(student, student_base, "Ada", "student")

    # The student picks the expert: the conversation opens with its welcome.
    click(student, by_testid("expert-item"))
    wait_for(student, lambda: any("Welcome" in text for text in texts(student, by_testid("message-content"))), message="welcome")
    wait_for(student, lambda: attribute(student, by_testid("presence-dot"), "data-status") == "online", message="expert online")

    # Messages both ways.
    send(student, "Hello Grace, can you help with recursion?")
    click(expert, by_testid("conversation-item"))
    wait_for(expert, lambda: "Hello Grace, can you help with recursion?" in texts(expert, by_testid("message-content")), message="expert sees it")
    send(expert, "Of course, Ada.")
    wait_for(student, lambda: "Of course, Ada." in texts(student, by_testid("message-content")), message="student sees the answer")

    # Read receipts: the expert has the conversation open, so the student's message is read.
    own = by_testid("message") + ".message--mine"
    assert attribute(student, own, "data-seq")
    wait_for(student, lambda: attribute(student, own, "data-read") == "true", message="read receipt")
    # ...and still read after a reload (the conversation says how far the others have read).
    student.refresh()
    click(student, by_testid("conversation-item"))
    wait_for(student, lambda: attribute(student, own, "data-read") == "true", message="read receipt after a reload")

    # Typing shows and clears.
    find(expert, by_testid("composer-input")).send_keys("Let me think")
    wait_for(student, lambda: "Grace is typing" in find(student, by_testid("typing-indicator")).text, message="typing shown")
    if route == "gateways":
        student.save_screenshot(str(SCREENSHOTS / "typing-and-read.png"))
    find(expert, by_testid("composer-input")).send_keys(Keys.ENTER)
    wait_for(student, lambda: find(student, by_testid("typing-indicator")).text == "", message="typing cleared")

    assert console_errors(expert) == []

    # The expert closes the window: offline for the student; signs in again in a new one: online.
    dot = by_testid("presence-dot")
    expert.quit()
    wait_for(student, lambda: attribute(student, dot, "data-status") == "offline", timeout=20, message="offline")
    again = browsers()
    again.get(expert_base + "/chat")
    find(again, by_testid("login-email")).send_keys(expert_email)
    find(again, by_testid("login-password")).send_keys("correct horse")
    click(again, by_testid("login-submit"))
    wait_for(student, lambda: attribute(student, dot, "data-status") == "online", timeout=20, message="online again")
    assert console_errors(student) == [] and console_errors(again) == []


def signed_in(driver, base: str, token: str):
    """Opens the page as the holder of `token` (as if they had just signed in in this tab)."""
    driver.get(base + "/chat")
    driver.execute_script("sessionStorage.setItem('chat.token', arguments[0])", token)
    driver.get(base + "/chat")
    wait_for(driver, lambda: attribute(driver, by_testid("connection-status"), "data-state") == "connected", message="connected")
    return driver


def open_conversation_in(driver, conversation_id: str) -> None:
    click(driver, by_testid("conversation-item", conversation_id=conversation_id.lower()))
    wait_for(driver, lambda: driver.find_elements(By.CSS_SELECTOR, by_testid("message")), message="messages shown")


def test_an_image_shows_inline_and_another_conversation_raises_a_toast_and_a_badge(stack, browsers, tmp_path):
    (student_token, student), (expert_token, expert), conversation = student_and_expert(stack.lb_url, "Lin", "Ines")
    other_token, other = register(stack.lb_url, "Omar", "expert")
    second = open_conversation(stack.lb_url, student_token, other)
    a = signed_in(browsers(), stack.service_url("gateway1"), student_token)
    b = signed_in(browsers(), stack.service_url("gateway2"), expert_token)
    open_conversation_in(a, conversation["id"])
    open_conversation_in(b, conversation["id"])

    # An image, picked in one window, is inline in the other.
    picture = tmp_path / "diagram.png"
    picture.write_bytes(PNG)
    a.find_element(By.CSS_SELECTOR, by_testid("file-input")).send_keys(str(picture))
    image = by_testid("attachment-image")
    wait_for(b, lambda: (attribute(b, image, "src") or "").startswith("blob:"), message="image inline")
    wait_for(b, lambda: b.execute_script("return document.querySelector(arguments[0])?.naturalWidth > 0", image), message="image decoded")
    wait_for(a, lambda: (attribute(a, image, "src") or "").startswith("blob:"), message="the sender's own copy")
    b.save_screenshot(str(SCREENSHOTS / "image.png"))

    # A message in the other conversation: a toast (and the chime, off until turned on),
    # a badge, the title; the toast opens it.
    toggle = find(a, by_testid("sound-toggle"))
    assert not toggle.is_selected()
    toggle.click()
    assert a.execute_script("return localStorage.getItem('chat.sound')") == "on"
    requests.post(f"{stack.lb_url}/api/chat/conversations/{second['id']}/messages", json={"content": "Are you free at 3?"},
                  headers={"Authorization": f"Bearer {other_token}"}, timeout=10).raise_for_status()
    toast = by_testid("toast")
    wait_for(a, lambda: "Are you free at 3?" in find(a, toast).text, message="toast")
    badge = by_testid("conversation-item", conversation_id=second["id"].lower()) + " " + by_testid("unread-badge")
    wait_for(a, lambda: find(a, badge).text == "1", message="badge")
    assert a.title.startswith("(1)")
    click(a, toast)
    wait_for(a, lambda: "Are you free at 3?" in texts(a, by_testid("message-content")), message="opened from the toast")
    wait_for(a, lambda: not a.find_elements(By.CSS_SELECTOR, badge) and not a.title.startswith("("), message="badge cleared")
    for driver in (a, b):
        assert console_errors(driver) == []


def test_older_history_loads_on_scrolling_up(stack, browsers):
    (student_token, _), _, conversation = student_and_expert(stack.lb_url, "Paging", "Pat")
    for i in range(120):
        requests.post(f"{stack.lb_url}/api/chat/conversations/{conversation['id']}/messages", json={"content": f"line {i}"},
                      headers={"Authorization": f"Bearer {student_token}"}, timeout=10).raise_for_status()
    a = signed_in(browsers(), stack.service_url("gateway1"), student_token)
    open_conversation_in(a, conversation["id"])
    shown = lambda: len(a.find_elements(By.CSS_SELECTOR, by_testid("message")))  # noqa: E731
    wait_for(a, lambda: shown() == 50, message="the newest page")
    assert texts(a, by_testid("message-content"))[-1] == "line 119"
    for expected in (100, 121):
        a.execute_script("document.getElementById('messages').scrollTop = 0")
        wait_for(a, lambda: shown() == expected, message=f"{expected} shown")
    assert attribute(a, by_testid("message"), "data-seq") == "1"
    assert console_errors(a) == []


def test_a_message_typed_offline_waits_and_is_sent_once_after_a_gateway_restart(stack, browsers):
    (student_token, _), _, conversation = student_and_expert(stack.lb_url, "Outbox", "Otto")
    a = signed_in(browsers(), stack.service_url("gateway1"), student_token)
    open_conversation_in(a, conversation["id"])
    stack.stop("gateway1")
    try:
        status = by_testid("connection-status")
        wait_for(a, lambda: attribute(a, status, "data-state") in ("reconnecting", "offline"), message="disconnected")
        send(a, "written while the gateway was down")
        pending = by_testid("message") + '[data-pending="true"]'
        wait_for(a, lambda: a.find_elements(By.CSS_SELECTOR, pending), message="pending")
    finally:
        stack.start_service("gateway1")
    wait_for(a, lambda: attribute(a, by_testid("connection-status"), "data-state") == "connected", timeout=30, message="reconnected")
    wait_for(a, lambda: not a.find_elements(By.CSS_SELECTOR, pending), timeout=20, message="sent")
    stored = [m for m in history(stack.lb_url, student_token, conversation["id"]) if m["content"] == "written while the gateway was down"]
    assert len(stored) == 1
    assert texts(a, by_testid("message-content")).count("written while the gateway was down") == 1


def serious_violations(driver) -> list[str]:
    """axe-core (from PyPI's axe-selenium-python) on the page as it is now: what is serious or critical."""
    from axe_selenium_python import Axe
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("width", [1280, 360])
def test_the_page_passes_an_accessibility_scan_on_desktop_and_phone(stack, browsers, width):
    driver = browsers(width=width, height=800)
    driver.get(stack.lb_url + "/chat")
    find(driver, by_testid("login-email"))
    assert serious_violations(driver) == []
    driver.save_screenshot(str(SCREENSHOTS / f"sign-in-{width}.png"))
    (token, _), _, conversation = student_and_expert(stack.lb_url, "Axel", "Aria")
    signed_in(driver, stack.lb_url, token)
    if width < 720:  # one pane at a time: the conversation list first
        assert find(driver, by_testid("conversation-item")).is_displayed()
    open_conversation_in(driver, conversation["id"])
    send(driver, "Checking how this reads")
    wait_for(driver, lambda: "Checking how this reads" in texts(driver, by_testid("message-content")), message="sent")
    assert serious_violations(driver) == []
    driver.save_screenshot(str(SCREENSHOTS / f"conversation-{width}.png"))
    assert console_errors(driver) == []


def test_an_expired_session_sends_the_reader_back_to_sign_in(stack, browsers):
    _, user = register(stack.lb_url, "Fleeting")
    token = forge_token(stack.jwt_secret(), user["id"], lifetime=5)
    driver = signed_in(browsers(), stack.service_url("gateway1"), token)
    wait_for(driver, lambda: find(driver, by_testid("login-email")).is_displayed(), timeout=15, message="back at sign-in")
    assert "session ended" in find(driver, by_testid("toast")).text
    assert driver.execute_script("return sessionStorage.getItem('chat.token')") is None
    assert console_errors(driver) == []


def test_a_file_over_the_limit_is_refused_and_explained(stack, browsers, tmp_path):
    (token, _), _, conversation = student_and_expert(stack.lb_url, "Hoarder", "Helen")
    limit = stack.overrides.get("UPLOAD_MAX_BYTES")
    stack.overrides["UPLOAD_MAX_BYTES"] = str(64 * 1024)
    stack.stop("uploads")
    stack.start_service("uploads")
    try:
        a = signed_in(browsers(), stack.service_url("gateway1"), token)
        open_conversation_in(a, conversation["id"])
        big = tmp_path / "thesis.pdf"
        big.write_bytes(b"%PDF-1.7\n" + bytes(200 * 1024))
        a.find_element(By.CSS_SELECTOR, by_testid("file-input")).send_keys(str(big))
        wait_for(a, lambda: "thesis.pdf is too large" in find(a, by_testid("toast")).text, message="explained")
        wait_for(a, lambda: not a.find_elements(By.CSS_SELECTOR, by_testid("message") + '[data-pending="true"]'), message="nothing pending")
        assert not [m for m in history(stack.lb_url, token, conversation["id"]) if m["messageType"] == "FILE"]
    finally:
        if limit is None:
            stack.overrides.pop("UPLOAD_MAX_BYTES")
        else:
            stack.overrides["UPLOAD_MAX_BYTES"] = limit
        stack.stop("uploads")
        stack.start_service("uploads")


def message_selector(message_id: str) -> str:
    return by_testid("message", message_id=message_id.lower())


def test_messages_are_edited_deleted_and_reacted_to_from_their_menu(stack, browsers):
    """One window edits, deletes and reacts through a message's menu; the other, on the
    other gateway, sees each change live; then, offline while changes are made over REST,
    it finds them all after reconnecting."""
    (student_token, _), (expert_token, _), conversation = student_and_expert(stack.lb_url, "Edda", "Eli")
    a = signed_in(browsers(), stack.service_url("gateway1"), student_token)
    b = signed_in(browsers(), stack.service_url("gateway2"), expert_token)
    open_conversation_in(a, conversation["id"])
    open_conversation_in(b, conversation["id"])
    send(a, "teh first draft")
    send(a, "a message to regret")
    for driver in (a, b):
        wait_for(driver, lambda: "a message to regret" in texts(driver, by_testid("message-content")), message="sent")
    stored = {m["content"]: m["id"] for m in history(stack.lb_url, student_token, conversation["id"])}
    draft, regret = message_selector(stored["teh first draft"]), message_selector(stored["a message to regret"])

    # Edit in place: Enter saves; the other window shows the new text, marked edited.
    click(a, f"{draft} {by_testid('message-menu')}")
    click(a, f"{draft} {by_testid('edit-message')}")
    editor = find(a, f"{draft} {by_testid('edit-input')}")
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys("the final draft", Keys.ENTER)
    for driver in (a, b):
        wait_for(driver, lambda: find(driver, f"{draft} {by_testid('message-content')}").text == "the final draft", message="edited")
        assert find(driver, f"{draft} {by_testid('message-edited')}").text == "edited"

    # A reaction from the other side, and ours on top: counted, ours pressed.
    click(b, f"{draft} {by_testid('message-menu')}")
    click(b, f"{draft} {by_testid('react-option', emoji='🎉')}")
    chip = f"{draft} {by_testid('reaction', emoji='🎉')}"
    wait_for(a, lambda: find(a, chip).text == "🎉 1", message="their reaction")
    assert attribute(a, chip, "aria-pressed") == "false" and attribute(b, chip, "aria-pressed") == "true"
    click(a, chip)
    for driver in (a, b):
        wait_for(driver, lambda: find(driver, chip).text == "🎉 2", message="two reactions")
    assert attribute(a, chip, "aria-pressed") == "true"
    a.save_screenshot(str(SCREENSHOTS / "edits-and-reactions.png"))

    # Delete asks twice, then leaves a tombstone on both sides.
    click(a, f"{regret} {by_testid('message-menu')}")
    click(a, f"{regret} {by_testid('delete-message')}")
    click(a, f"{regret} {by_testid('confirm-delete')}")
    for driver in (a, b):
        wait_for(driver, lambda: attribute(driver, regret, "data-deleted") == "true", message="tombstone")
        assert find(driver, f"{regret} {by_testid('message-deleted')}").text == "This message was deleted"
        assert "a message to regret" not in texts(driver, by_testid("message-content"))
    # Only the sender is offered edit and delete.
    click(b, f"{draft} {by_testid('message-menu')}")
    assert not b.find_elements(By.CSS_SELECTOR, f"{draft} {by_testid('edit-message')}")

    # The other window's gateway goes away; changes made meanwhile are there after it reconnects.
    stack.stop("gateway2")
    try:
        wait_for(b, lambda: attribute(b, by_testid("connection-status"), "data-state") != "connected", message="disconnected")
        headers = {"Authorization": f"Bearer {student_token}"}
        path = f"{stack.lb_url}/api/chat/conversations/{conversation['id']}/messages/{stored['teh first draft']}"
        requests.patch(path, json={"content": "edited while you were away"}, headers=headers, timeout=10).raise_for_status()
        requests.delete(f"{path}/reactions/%F0%9F%8E%89", headers=headers, timeout=10).raise_for_status()
    finally:
        stack.start_service("gateway2")
    wait_for(b, lambda: attribute(b, by_testid("connection-status"), "data-state") == "connected", timeout=30, message="reconnected")
    wait_for(b, lambda: find(b, f"{draft} {by_testid('message-content')}").text == "edited while you were away", message="caught up")
    wait_for(b, lambda: find(b, chip).text == "🎉 1", message="the reaction taken back")
    assert console_errors(a) == [] and console_errors(b, through_an_outage=True) == []


def test_badges_follow_reads_on_another_device_and_mark_unread(stack, browsers):
    """The same student in two windows (two devices): a message raises the badge in both;
    reading it in one clears the other's without a reload; "Mark unread" raises it again."""
    (student_token, _), (expert_token, _), conversation = student_and_expert(stack.lb_url, "Dana", "Dev")
    laptop = signed_in(browsers(), stack.service_url("gateway1"), student_token)
    phone = signed_in(browsers(), stack.service_url("gateway2"), student_token)
    badge = by_testid("conversation-item", conversation_id=conversation["id"].lower()) + " " + by_testid("unread-badge")
    sent = requests.post(f"{stack.lb_url}/api/chat/conversations/{conversation['id']}/messages", json={"content": "Ping from Dev"},
                         headers={"Authorization": f"Bearer {expert_token}"}, timeout=10)
    sent.raise_for_status()
    for driver in (laptop, phone):
        wait_for(driver, lambda: find(driver, badge).text == "1", message="badge")
        assert driver.title.startswith("(1)")
    open_conversation_in(laptop, conversation["id"])
    wait_for(phone, lambda: not phone.find_elements(By.CSS_SELECTOR, badge) and not phone.title.startswith("("), message="read elsewhere")

    message = message_selector(sent.json()["id"])
    click(laptop, f"{message} {by_testid('message-menu')}")
    click(laptop, f"{message} {by_testid('mark-unread')}")
    for driver in (laptop, phone):
        wait_for(driver, lambda: find(driver, badge).text == "1", message="unread again")
    for driver in (laptop, phone):
        assert console_errors(driver) == []


def test_search_finds_an_old_message_and_opens_it_in_its_conversation(stack, browsers):
    (student_token, _), _, conversation = student_and_expert(stack.lb_url, "Sia", "Sam")
    headers = {"Authorization": f"Bearer {student_token}"}
    path = f"{stack.lb_url}/api/chat/conversations/{conversation['id']}/messages"
    old = requests.post(path, json={"content": "The eigenvalues of a symmetric matrix are real"}, headers=headers, timeout=10).json()
    for i in range(80):  # enough that it is not in the newest page
        requests.post(path, json={"content": f"filler {i}"}, headers=headers, timeout=10).raise_for_status()
    a = signed_in(browsers(), stack.service_url("gateway1"), student_token)
    find(a, by_testid("search-input")).send_keys("eigen")  # a part of the word
    result = by_testid("search-result", message_id=old["id"].lower())
    wait_for(a, lambda: find(a, result).is_displayed(), message="found")
    marked = wait_for(a, lambda: [element.text for element in a.find_elements(By.CSS_SELECTOR, f"{result} mark")], message="marked")
    assert marked == ["eigen"], marked
    assert not find(a, by_testid("conversation-item")).is_displayed()  # the lists make way
    a.save_screenshot(str(SCREENSHOTS / "search.png"))
    click(a, result)
    found = message_selector(old["id"]) + ".message--found"
    # Looked up inside the script each time: the list may re-render around the message.
    in_view = """
        const found = document.querySelector(arguments[0]);
        if (!found) return false;
        const box = found.getBoundingClientRect(), list = document.getElementById('messages').getBoundingClientRect();
        return box.top >= list.top && box.bottom <= list.bottom;"""
    wait_for(a, lambda: a.execute_script(in_view, found), message="opened at the message, in view")
    # Escape brings the lists back; nothing found is said so.
    box = find(a, by_testid("search-input"))
    box.send_keys(Keys.ESCAPE)
    wait_for(a, lambda: find(a, by_testid("conversation-item")).is_displayed(), message="lists back")
    box.send_keys("zyxwvut")
    wait_for(a, lambda: "No messages match" in find(a, by_testid("search-status")).text, message="nothing found")
    assert console_errors(a) == []


def seed_experts(stack, count: int, word: str) -> None:
    """`count` experts straight into Postgres (signing each up would take minutes), named
    with `word` so that this test's search sees only them."""
    stack.psql(f"""
        INSERT INTO users (id, name, email, password_hash, role, headline, subjects)
        SELECT gen_random_uuid(), 'Seeded ' || lpad(n::text, 4, '0') || ' {word}', '{word}-' || n || '@example.com', 'x', 'expert',
               'Tutor number ' || n, ARRAY['Subject ' || (n % 7)]
        FROM generate_series(1, {count}) n""", database=stack.database)


def test_a_student_finds_an_expert_among_many_by_search_and_pages_by_scrolling(stack, browsers):
    word = "w" + uuid.uuid4().hex[:8]
    seed_experts(stack, 400, word)
    _, wanted = register(stack.lb_url, f"Ximena Quarterwell {word}", "expert")
    online_token, online = register(stack.lb_url, f"Oona Present {word}", "expert")
    student_token, _ = register(stack.lb_url, "Finder")
    driver = signed_in(browsers(), stack.lb_url, student_token)
    items = by_testid("expert-item")
    count = lambda: len(driver.find_elements(By.CSS_SELECTOR, items))  # noqa: E731
    wait_for(driver, lambda: count() == 30, message="the first page")

    # This test's experts only; the list grows as its end scrolls into view.
    find(driver, by_testid("expert-search")).send_keys(word)
    wait_for(driver, lambda: texts(driver, items) and all(word in text for text in texts(driver, items)), message="searched")
    for pages in (2, 3):
        driver.execute_script("document.getElementById('experts-more').scrollIntoView()")
        wait_for(driver, lambda: count() >= 30 * pages, message=f"page {pages} on scroll")
    names = texts(driver, f"{items} .item__title")
    assert len(names) == len(set(names)), "an expert listed twice"

    # A part of a name, as typed, finds the one expert among 402.
    box = find(driver, by_testid("expert-search"))
    box.clear()
    box.send_keys(f"quarterw {word}")
    wait_for(driver, lambda: [attribute(driver, items, "data-user-id")] == [wanted["id"].lower()] and count() == 1, message="found")
    driver.save_screenshot(str(SCREENSHOTS / "expert-search.png"))

    # Online now: only an expert with a socket open.
    with ChatClient(stack.service_url("gateway2"), online_token):
        box.clear()
        box.send_keys(word)
        click(driver, by_testid("expert-online"))
        wait_for(driver, lambda: count() == 1 and attribute(driver, items, "data-user-id") == online["id"].lower(), message="online only")
        assert attribute(driver, f'{items} {by_testid("presence-dot")}', "data-status") == "online"
        box.send_keys(" quarterw")
        wait_for(driver, lambda: "No experts match" in find(driver, by_testid("experts-status")).text, message="none online")

    click(driver, by_testid("expert-online"))
    box.clear()
    box.send_keys("quarterwell")
    click(driver, by_testid("expert-item", user_id=wanted["id"].lower()))
    wait_for(driver, lambda: "Ximena Quarterwell" in find(driver, "#conversation-title").text, message="the conversation opens")
    assert serious_violations(driver) == []
    assert console_errors(driver) == []


def test_a_new_picture_and_name_are_seen_live_in_another_window(stack, browsers, tmp_path):
    (student_token, _), (expert_token, expert), conversation = student_and_expert(stack.lb_url, "Iris", "Pablo")
    student = signed_in(browsers(), stack.service_url("gateway1"), student_token)
    open_conversation_in(student, conversation["id"])
    mine = signed_in(browsers(), stack.service_url("gateway2"), expert_token)

    # The expert opens their profile, picks a picture and saves a new name and headline.
    click(mine, by_testid("profile-open"))
    picture = tmp_path / "me.png"
    picture.write_bytes(PNG)
    mine.find_element(By.CSS_SELECTOR, by_testid("profile-avatar-input")).send_keys(str(picture))
    face = f'#profile-face {by_testid("avatar-image")}'
    wait_for(mine, lambda: mine.find_elements(By.CSS_SELECTOR, face), message="the picture in the dialog")
    url = attribute(mine, face, "data-src")
    assert url.startswith("/api/avatars/")
    for name, value in (("profile-name", "Pablo Ruiz"), ("profile-headline", "Geometry, mostly"), ("profile-subjects", "Geometry, Topology")):
        field = find(mine, by_testid(name))
        field.clear()
        field.send_keys(value)
    assert serious_violations(mine) == []
    mine.save_screenshot(str(SCREENSHOTS / "profile.png"))
    click(mine, by_testid("profile-save"))
    wait_for(mine, lambda: not find(mine, by_testid("profile-dialog")).is_displayed(), message="saved")
    wait_for(mine, lambda: find(mine, "#me-name").text == "Pablo Ruiz", message="own name")

    # The student's open page follows without a reload: header, list and bubbles.
    expert_face = by_testid("avatar-image")
    wait_for(student, lambda: find(student, "#conversation-title").text == "Pablo Ruiz", message="name live")
    wait_for(student, lambda: find(student, by_testid("conversation-subtitle")).text == "Geometry, mostly", message="headline live")
    wait_for(student, lambda: all(element.get_attribute("data-src") == url for element in student.find_elements(By.CSS_SELECTOR, expert_face))
             and len(student.find_elements(By.CSS_SELECTOR, expert_face)) >= 2, message="picture live")
    assert student.execute_script("return document.querySelector(arguments[0]).naturalWidth", expert_face) > 0
    student.save_screenshot(str(SCREENSHOTS / "picture-live.png"))

    # Removed: initials again, everywhere.
    click(mine, by_testid("profile-open"))
    click(mine, by_testid("profile-avatar-remove"))
    wait_for(student, lambda: not student.find_elements(By.CSS_SELECTOR, expert_face), message="initials again")
    assert console_errors(student) == [] and console_errors(mine) == []
