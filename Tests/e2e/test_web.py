"""The chat page at /chat, as the old app's test plan had it: "open two browser windows,
log in as a student and an expert, send messages back and forth, watch typing, online
status and read receipts" — two headless Chromiums, one on each gateway, each with the
page's own socket.io-client and its default options."""

import uuid

import pytest
import requests
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

WAIT = 15


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
    return find(driver, selector).get_attribute(name)


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


def console_errors(driver) -> list[dict]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


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


def test_two_windows_chat_as_the_old_app_did(stack, browsers):
    """The old app's four tests: messages both ways at once, typing shown and cleared,
    read receipts, and the other side's dot going offline and online with its window."""
    student, expert = browsers(), browsers()
    expert_email = sign_up(expert, stack.service_url("gateway2"), "Grace", "expert")
    sign_up(student, stack.service_url("gateway1"), "Ada", "student")

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

    # Typing shows and clears.
    find(expert, by_testid("composer-input")).send_keys("Let me think")
    wait_for(student, lambda: "Grace is typing" in find(student, by_testid("typing-indicator")).text, message="typing shown")
    find(expert, by_testid("composer-input")).send_keys(Keys.ENTER)
    wait_for(student, lambda: find(student, by_testid("typing-indicator")).text == "", message="typing cleared")

    assert console_errors(expert) == []

    # The expert closes the window: offline for the student; signs in again in a new one: online.
    dot = by_testid("presence-dot")
    expert.quit()
    wait_for(student, lambda: attribute(student, dot, "data-status") == "offline", timeout=20, message="offline")
    again = browsers()
    again.get(stack.service_url("gateway2") + "/chat")
    find(again, by_testid("login-email")).send_keys(expert_email)
    find(again, by_testid("login-password")).send_keys("correct horse")
    click(again, by_testid("login-submit"))
    wait_for(student, lambda: attribute(student, dot, "data-status") == "online", timeout=20, message="online again")
    assert console_errors(student) == [] and console_errors(again) == []
