"""Page objects for the browser tests: the chat page at /chat (Web/) in its parts, and a bare
page of the gateway's origin running the socket.io-client bundle the gateway serves. The
selectors live here, and only here: when the page is rebuilt, this file follows it and the
tests, which speak of signing up, opening a conversation and sending, stay as they are."""

from __future__ import annotations

import uuid
from pathlib import Path

from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from api import PASSWORD

WAIT = 15
# The README shows these: each run of the browser tests takes them again, so they stay current.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)


def by_testid(name: str, **attributes: str) -> str:
    """`[data-testid="name"]`, narrowed by data attributes (`conversation_id=...`: `[data-conversation-id="..."]`)."""
    selector = f'[data-testid="{name}"]'
    for attribute, value in attributes.items():
        selector += f'[data-{attribute.replace("_", "-")}="{value}"]'
    return selector


class Part:
    """A part of the page in one browser. Nothing found is kept: the page redraws its lists
    whole, so each element is looked up when it is used, and one read mid-redraw (a stale
    element) is tried again."""

    def __init__(self, driver: WebDriver):
        self.driver = driver

    def wait_until(self, condition, message: str = "", timeout: float = WAIT):
        """Polls `condition` until it is truthy; its value."""
        return WebDriverWait(self.driver, timeout, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda _: condition(), message)

    def _find(self, selector: str) -> WebElement:
        """The first element matching, once there is one."""
        return self.wait_until(lambda: next(iter(self.driver.find_elements(By.CSS_SELECTOR, selector)), None), message=selector)

    def _present(self, selector: str) -> bool:
        """Whether anything matches now, without waiting."""
        return bool(self.driver.find_elements(By.CSS_SELECTOR, selector))

    def _count(self, selector: str) -> int:
        return len(self.driver.find_elements(By.CSS_SELECTOR, selector))

    def _click(self, selector: str) -> None:
        def clicked():
            self._find(selector).click()
            return True
        self.wait_until(clicked, message=f"click {selector}")

    def _attribute(self, selector: str, name: str) -> str | None:
        """The attribute of the first element matching, read again if a redraw replaced it meanwhile."""
        for _ in range(20):
            try:
                return self._find(selector).get_attribute(name)
            except StaleElementReferenceException:
                continue
        raise AssertionError(f"{selector} kept being redrawn")

    def _text(self, selector: str) -> str:
        return self._find(selector).text

    def _texts(self, selector: str) -> list[str]:
        """The text of every element matching, once there is at least one."""
        return self.wait_until(lambda: [element.text for element in self.driver.find_elements(By.CSS_SELECTOR, selector)])

    def _type(self, selector: str, *keys: str) -> None:
        self._find(selector).send_keys(*keys)

    def _replace(self, selector: str, text: str) -> None:
        field = self._find(selector)
        field.clear()
        field.send_keys(text)


class AuthForms(Part):
    """The sign-in and sign-up forms, shown to whoever is not signed in."""

    def wait_loaded(self) -> None:
        """Returns once the sign-in form is in the page."""
        self._find(by_testid("login-email"))

    def is_shown(self) -> bool:
        return self._find(by_testid("login-email")).is_displayed()

    def sign_up(self, name: str, email: str, role: str, password: str = PASSWORD) -> None:
        self._replace(by_testid("register-name"), name)
        self._replace(by_testid("register-email"), email)
        self._replace(by_testid("register-password"), password)
        Select(self._find(by_testid("register-role"))).select_by_value(role)
        self._click(by_testid("register-submit"))

    def sign_in(self, email: str, password: str = PASSWORD, remember: bool = False) -> None:
        self._replace(by_testid("login-email"), email)
        self._replace(by_testid("login-password"), password)
        if remember:
            self._click(by_testid("login-remember"))
        self._click(by_testid("login-submit"))

    def forgot_password(self, email: str) -> None:
        """"Forgot password?", the address, "Send me a link"."""
        self._click(by_testid("forgot-open"))
        self._replace(by_testid("forgot-email"), email)
        self._click(by_testid("forgot-submit"))

    def note(self, form: str) -> str | None:
        """What the form ("login", "forgot") says went well; None when nothing."""
        text = self._find(by_testid(f"{form}-note")).text
        return text or None

    def reset_shown(self) -> bool:
        return self._find(by_testid("reset-password")).is_displayed()

    def set_new_password(self, password: str) -> None:
        self._replace(by_testid("reset-password"), password)
        self._click(by_testid("reset-submit"))

    def error(self, form: str) -> str | None:
        """What the form ("login" or "register") says went wrong, under it; None when nothing."""
        box = self._find(by_testid(f"{form}-error"))
        return box.text if box.is_displayed() else None

    def marked_fields(self) -> list[str]:
        """The fields marked wrong (`aria-invalid`), by test id, and each names the error it is described by."""
        return self.driver.execute_script("""
            return [...document.querySelectorAll('#auth [aria-invalid=true]')].map((field) =>
                field.dataset.testid + (field.getAttribute('aria-describedby').includes('-error') ? '' : ' (not described)'));""")

    def focused(self) -> str | None:
        return self.driver.execute_script("return document.activeElement?.dataset.testid ?? null")

    def type_into(self, testid: str, text: str) -> None:
        self._type(by_testid(testid), text)

    def password_rule(self) -> str:
        return self._text(by_testid("password-rule"))

    def roles(self) -> list[str]:
        return [option.get_attribute("value") for option in Select(self._find(by_testid("register-role"))).options]


class Sidebar(Part):
    """The left pane's header (own name, connection, sound) and the list of conversations."""

    def _item(self, conversation_id: str | None) -> str:
        """A conversation in the list by id; None: the first listed."""
        if conversation_id is None:
            return by_testid("conversation-item")
        return by_testid("conversation-item", conversation_id=conversation_id.lower())

    def open(self, conversation_id: str | None = None) -> None:
        """Clicks a conversation in the list (None: the first)."""
        self._click(self._item(conversation_id))

    def count(self) -> int:
        return self._count(self._item(None))

    def ids(self) -> list[str]:
        return [element.get_attribute("data-conversation-id") for element in self.driver.find_elements(By.CSS_SELECTOR, self._item(None))]

    def scroll_to_end(self) -> None:
        """Scrolls the sidebar to the end of the conversations, where the next page loads."""
        self.driver.execute_script("document.getElementById('conversations-more').scrollIntoView()")

    def conversation_shown(self) -> bool:
        """Whether the list is on screen (its first conversation displayed)."""
        return self._find(self._item(None)).is_displayed()

    def presence(self, conversation_id: str | None = None) -> str | None:
        """The other side's dot on a conversation in the list (None: the first): "online" or "offline"."""
        return self._attribute(f'{self._item(conversation_id)} {by_testid("presence-dot")}', "data-status")

    def preview(self, conversation_id: str) -> str:
        """The line under a conversation's name: its last message."""
        return self._text(f"{self._item(conversation_id)} .item__preview")

    def unread_badge(self, conversation_id: str) -> str:
        """The unread count a conversation's badge shows, once it shows one."""
        return self._text(f'{self._item(conversation_id)} {by_testid("unread-badge")}')

    def has_unread_badge(self, conversation_id: str) -> bool:
        return self._present(f'{self._item(conversation_id)} {by_testid("unread-badge")}')

    def sound_on(self) -> bool:
        return self._find(by_testid("sound-toggle")).is_selected()

    def toggle_sound(self) -> None:
        """Clicks the bell (the checkbox inside it is for keyboards and screen readers)."""
        self._find(by_testid("sound-toggle")).find_element(By.XPATH, "..").click()

    def my_name(self) -> str:
        return self._text("#me-name")


class ExpertDirectory(Part):
    """The experts in the sidebar: found by name or subject, online only if asked, a page
    more each time the end of the list scrolls into view."""

    ITEM = by_testid("expert-item")
    SEARCH = by_testid("expert-search")

    def pick(self, user_id: str | None = None) -> None:
        """Opens the conversation with an expert (None: the first listed)."""
        self._click(self.ITEM if user_id is None else by_testid("expert-item", user_id=user_id.lower()))

    def count(self) -> int:
        return self._count(self.ITEM)

    def item_texts(self) -> list[str]:
        """Each listed expert's whole entry (name, headline, subjects), once there is one."""
        return self._texts(self.ITEM)

    def names(self) -> list[str]:
        return self._texts(f"{self.ITEM} .item__title")

    def first_user_id(self) -> str | None:
        return self._attribute(self.ITEM, "data-user-id")

    def first_presence(self) -> str | None:
        return self._attribute(f'{self.ITEM} {by_testid("presence-dot")}', "data-status")

    def presence_of(self, user_id: str) -> str | None:
        return self._attribute(f'{by_testid("expert-item", user_id=user_id.lower())} {by_testid("presence-dot")}', "data-status")

    def type(self, text: str) -> None:
        """Types into the search box, after what is there."""
        self._type(self.SEARCH, text)

    def search(self, text: str) -> None:
        """Replaces what the search box holds."""
        self._replace(self.SEARCH, text)

    def verified_names(self) -> list[str]:
        """The listed experts shown with the verified tick."""
        return self.driver.execute_script("""
            return [...document.querySelectorAll('[data-testid=expert-item]')]
                .filter((item) => item.querySelector('[data-testid=expert-verified]')?.checkVisibility())
                .map((item) => item.querySelector('.item__title').textContent);""")

    def toggle_online_only(self) -> None:
        self._click(by_testid("expert-online"))

    def scroll_to_end(self) -> None:
        self.driver.execute_script("document.getElementById('experts-more').scrollIntoView()")

    def status(self) -> str:
        return self._text(by_testid("experts-status"))


class Message(Part):
    """One message of the open conversation, by id, and its menu."""

    def __init__(self, driver: WebDriver, message_id: str):
        super().__init__(driver)
        self.selector = by_testid("message", message_id=message_id.lower())

    def _in(self, name: str, **attributes: str) -> str:
        return f"{self.selector} {by_testid(name, **attributes)}"

    def text(self) -> str:
        return self._text(self._in("message-content"))

    def edited_label(self) -> str:
        return self._text(self._in("message-edited"))

    def is_deleted(self) -> bool:
        return self._attribute(self.selector, "data-deleted") == "true"

    def deleted_label(self) -> str:
        return self._text(self._in("message-deleted"))

    def open_menu(self) -> None:
        self._click(self._in("message-menu"))

    def offers_edit(self) -> bool:
        """Whether its menu, open, offers to edit it (to its sender, within the edit window)."""
        return self.driver.execute_script("const item = document.querySelector(arguments[0]); return !!item && item.checkVisibility()",
                                          self._in("edit-message"))

    def close_menu(self) -> None:
        if self.menu_is_open():
            self.open_menu()

    def edit(self, text: str) -> None:
        """Edits it in place from its menu: the text replaced, Enter saves."""
        self.open_menu()
        self._click(self._in("edit-message"))
        editor = self._find(self._in("edit-input"))
        editor.send_keys(Keys.CONTROL, "a")
        editor.send_keys(text, Keys.ENTER)

    def react(self, emoji: str) -> None:
        """Picks a reaction from its menu."""
        self.open_menu()
        self._click(self._in("react-option", emoji=emoji))

    def reaction(self, emoji: str) -> str:
        """A reaction's chip as shown: the emoji and its count."""
        return self._text(self._in("reaction", emoji=emoji))

    def reaction_pressed(self, emoji: str) -> str | None:
        """The chip's `aria-pressed`: "true" when the reaction is this reader's own."""
        return self._attribute(self._in("reaction", emoji=emoji), "aria-pressed")

    def toggle_reaction(self, emoji: str) -> None:
        self._click(self._in("reaction", emoji=emoji))

    def delete(self) -> None:
        """Deletes it from its menu, confirming when asked."""
        self.open_menu()
        self._click(self._in("delete-message"))
        self._click(self._in("confirm-delete"))

    def mark_unread(self) -> None:
        self.open_menu()
        self._click(self._in("mark-unread"))

    def report(self) -> None:
        self.open_menu()
        self._click(self._in("report-message"))

    def block_sender(self) -> None:
        self.open_menu()
        self._click(self._in("block-sender"))

    def unblock_sender(self) -> None:
        self.open_menu()
        self._click(self._in("unblock-sender"))

    def is_hidden(self) -> bool:
        """Whether a line stands for it: its sender is blocked."""
        return self._count(self._in("message-hidden")) > 0

    def reveal(self) -> None:
        self._click(self._in("reveal-message"))

    def reply(self) -> None:
        """Starts a reply to it from its menu."""
        self.open_menu()
        self._click(self._in("reply-message"))

    def quote(self) -> tuple[str, str] | None:
        """What it quotes, if it is a reply: the name and the text shown."""
        if not self._present(self._in("reply-quote")):
            return None
        return self._text(self._in("quote-name")), self._text(self._in("quote-text"))

    def rich_parts(self) -> dict:
        """What its text is made of: links (href, rel, target, text), inline code, code blocks
        (language, code), math (TeX, whether KaTeX drew it, and drew it with its fonts)."""
        return self.driver.execute_script("""
            const text = document.querySelector(arguments[0] + ' [data-testid=message-content]');
            return {
              links: [...text.querySelectorAll('a')].map((a) => ({href: a.getAttribute('href'), rel: a.rel, target: a.target, text: a.textContent})),
              code: [...text.querySelectorAll('code.code')].map((code) => code.textContent),
              blocks: [...text.querySelectorAll('[data-testid=code-block]')].map((block) => ({
                lang: block.querySelector('.code-block__lang').textContent, code: block.querySelector('pre code').textContent})),
              math: [...text.querySelectorAll('[data-testid=math]')].map((node) => ({
                tex: node.dataset.tex, rendered: node.dataset.rendered === 'true', display: node.classList.contains('math--display'),
                katex: !!node.querySelector('.katex-html'), mathml: !!node.querySelector('math')})),
              fonts: document.fonts.check('16px KaTeX_Main'),
            };""", self.selector)

    def copy_code(self) -> None:
        self._click(self._in("copy-code"))

    def open_quote(self) -> None:
        """Shows the message it answers."""
        self._click(self._in("reply-quote"))

    def menu_is_open(self) -> bool:
        return self._attribute(self._in("message-menu"), "aria-expanded") == "true"

    def focus_is_in_menu(self) -> bool:
        return self.driver.execute_script(
            "return !!document.activeElement?.closest(arguments[0] + ' .menu')", self.selector)

    def tag(self) -> None:
        """Marks its node, so that `same_node()` tells whether it was drawn anew since."""
        self.driver.execute_script("document.querySelector(arguments[0]).chatTag = true", self.selector)

    def same_node(self) -> bool:
        return self.driver.execute_script("return document.querySelector(arguments[0])?.chatTag === true", self.selector)

    def select_text(self) -> str:
        """Selects its text, as a reader dragging over it would; the selection."""
        return self.driver.execute_script("""
            const text = document.querySelector(arguments[0] + ' [data-testid=message-content]');
            const range = document.createRange();
            range.selectNodeContents(text);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
            return getSelection().toString();""", self.selector)


class OpenConversation(Part):
    """The right pane: the open conversation's header, messages, typing line and composer."""

    MESSAGE = by_testid("message")
    CONTENT = by_testid("message-content")
    OWN = by_testid("message") + ".message--mine"
    PENDING = by_testid("message") + '[data-pending="true"]'
    COMPOSER = by_testid("composer-input")
    IMAGE = by_testid("attachment-image")

    def wait_shown(self) -> None:
        """Returns once its messages are drawn."""
        self.wait_until(lambda: self.driver.find_elements(By.CSS_SELECTOR, self.MESSAGE), message="messages shown")

    def title(self) -> str:
        return self._text("#conversation-title")

    def subtitle(self) -> str:
        return self._text(by_testid("conversation-subtitle"))

    def verified_shown(self) -> bool:
        """Whether the header shows the verified tick beside the name."""
        return self.driver.execute_script(
            "return document.querySelector('[data-testid=conversation-verified]').checkVisibility()")

    def status(self) -> str:
        """"online", "last seen …", or "" (a group, or nothing known)."""
        return self.driver.execute_script("return document.querySelector(arguments[0]).textContent", by_testid("conversation-status"))

    def announced(self) -> str:
        """What the live region last said (the list itself is not one)."""
        return self.driver.execute_script("return document.querySelector(arguments[0]).textContent", by_testid("announcer"))

    def message(self, message_id: str) -> Message:
        return Message(self.driver, message_id)

    def blocked_banner(self) -> str | None:
        """What stands instead of the composer in a direct conversation with someone blocked."""
        return self.driver.execute_script(
            "const banner = document.querySelector('[data-testid=blocked-banner]'); return banner.checkVisibility() ? banner.textContent.trim() : null")

    def ended_banner(self) -> str | None:
        """What stands instead of the composer in a group the reader left or was removed from."""
        return self.driver.execute_script(
            "const banner = document.querySelector('[data-testid=ended-banner]'); return banner.checkVisibility() ? banner.textContent.trim() : null")

    def composer_shown(self) -> bool:
        return self.driver.execute_script("return document.getElementById('composer').checkVisibility()")

    def unblock_from_banner(self) -> None:
        self._click(by_testid("blocked-unblock"))

    def message_texts(self) -> list[str]:
        """The text of every message shown, oldest first, once one is shown."""
        return self._texts(self.CONTENT)

    def call_lines(self) -> list[tuple[str, str]]:
        """Each call's line shown, oldest first: (its words without the time, its outcome)."""
        return self.driver.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map((line) => "
            "[[...line.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join('').trim(),"
            " line.dataset.outcome])",
            by_testid("call-line"))

    def wait_for_message(self, text: str, message: str = "", timeout: float = WAIT) -> None:
        self.wait_until(lambda: text in self.message_texts(), message=message or f"a message {text!r}", timeout=timeout)

    def message_count(self) -> int:
        return self._count(self.MESSAGE)

    def first_message_seq(self) -> str | None:
        return self._attribute(self.MESSAGE, "data-seq")

    def own_message_seq(self) -> str | None:
        """The seq of the first message of this reader's own."""
        return self._attribute(self.OWN, "data-seq")

    def own_message_read(self) -> bool:
        """Whether the first message of this reader's own shows as read by the others."""
        return self._attribute(self.OWN, "data-read") == "true"

    def receipt_of(self, message_id: str) -> dict:
        """What one of the reader's own messages says of its reading, and who on hover."""
        return self.driver.execute_script("""
            const status = document.querySelector(`[data-testid=message][data-message-id="${arguments[0]}"] .message__status`);
            return {text: status?.textContent ?? null, title: status?.title ?? null};""", message_id.lower())

    def pending_status(self) -> str | None:
        """What the first message waiting to be sent says of itself ("sending…", "uploading 40%")."""
        return self.driver.execute_script(
            "return document.querySelector(arguments[0] + ' .message__status')?.textContent ?? null", self.PENDING)

    def has_pending(self) -> bool:
        """Whether a message written here waits to be sent (or uploaded)."""
        return self._present(self.PENDING)

    def type(self, text: str) -> None:
        """Types into the composer without sending."""
        self._type(self.COMPOSER, text)

    def send(self, text: str = "") -> None:
        """Types `text` into the composer and presses Enter (with none: sends what was typed)."""
        if text:
            self._type(self.COMPOSER, text)
        self._type(self.COMPOSER, Keys.ENTER)

    def typing_indicator(self) -> str:
        return self._text(by_testid("typing-indicator"))

    def attach(self, path: Path) -> None:
        """Picks a file to send, as the attach button's file dialog would."""
        self._type(by_testid("file-input"), str(path))

    def image_source(self) -> str | None:
        """The `src` of the first image shown inline (a blob: URL once loaded)."""
        return self._attribute(self.IMAGE, "src")

    def image_decoded(self) -> bool:
        return self.driver.execute_script("return document.querySelector(arguments[0])?.naturalWidth > 0", self.IMAGE)

    def scroll_to_top(self) -> None:
        """Scrolls the messages to the top, where older history is loaded."""
        self.driver.execute_script("document.getElementById('messages').scrollTop = 0")

    def hold_older_history(self) -> None:
        """Holds every request for older history until `release_older_history`, as a slow
        network would, so that what the page shows while it waits can be seen."""
        self.driver.execute_script("""
            const fetch = window.fetch, held = window.__heldHistory = [];
            window.fetch = (path, options) => String(path).includes('&before=')
                ? new Promise((resolve) => held.push(() => resolve(fetch(path, options))))
                : fetch(path, options);""")

    def release_older_history(self) -> None:
        self.driver.execute_script("for (const release of window.__heldHistory.splice(0)) release()")

    def loading_older_in_view(self) -> bool:
        """Whether the "Loading earlier messages…" line is shown within the list's view."""
        return self.driver.execute_script("""
            const row = document.querySelector('[data-testid=loading-older]');
            if (!row) return false;
            const box = row.getBoundingClientRect(), list = document.getElementById('messages').getBoundingClientRect();
            return box.bottom > list.top && box.top < list.bottom;""")

    def loading_older_shown(self) -> bool:
        return self._count(by_testid("loading-older")) > 0

    def offset_of(self, seq: int) -> float:
        """How far below the top of the list's view the message with `seq` is (px)."""
        return self.driver.execute_script("""
            const message = document.querySelector(`[data-testid=message][data-seq="${arguments[0]}"]`);
            return message.getBoundingClientRect().top - document.getElementById('messages').getBoundingClientRect().top;""", seq)

    def unread_divider(self) -> dict | None:
        """The "New messages" divider: whether it is in the list's view, and the text of the
        message after it; None when there is none."""
        return self.driver.execute_script("""
            const divider = document.querySelector('[data-testid=unread-divider]');
            if (!divider) return null;
            const box = divider.getBoundingClientRect(), list = document.getElementById('messages').getBoundingClientRect();
            const next = divider.nextElementSibling?.querySelector('[data-testid=message-content]');
            return {inView: box.top >= list.top && box.bottom <= list.bottom, next: next?.textContent ?? null};""")

    def image_box(self) -> list[float]:
        """The first picture's width and height on the page, loaded or not."""
        return self.driver.execute_script(
            "const box = document.querySelector(arguments[0]).getBoundingClientRect(); return [box.width, box.height]", self.IMAGE)

    def image_alt(self) -> str | None:
        return self._attribute(self.IMAGE, "alt")

    def composer_box(self) -> dict:
        """The composer's height, the height its text needs, and the window's height (px)."""
        return self.driver.execute_script(
            "const box = document.querySelector(arguments[0]); return {height: box.offsetHeight, needs: box.scrollHeight, window: innerHeight}",
            self.COMPOSER)

    def press_in_composer(self, *keys: str) -> None:
        self._find(self.COMPOSER).send_keys(*keys)

    def reply_bar(self) -> tuple[str, str] | None:
        """The message being answered, above the composer: the line naming whom, and its text."""
        if not self.driver.find_element(By.CSS_SELECTOR, by_testid("reply-bar")).is_displayed():
            return None
        return self._text(f"{by_testid('reply-bar')} {by_testid('quote-name')}"), self._text(f"{by_testid('reply-bar')} {by_testid('quote-text')}")

    def cancel_reply(self) -> None:
        self._click(by_testid("reply-cancel"))

    def composer_text(self) -> str:
        return self.driver.execute_script("return document.querySelector(arguments[0]).value", self.COMPOSER)

    def at_bottom(self) -> bool:
        """Whether the newest message is in view (the list scrolled to its end)."""
        return self.driver.execute_script(
            "const list = document.getElementById('messages'); return list.scrollHeight - list.scrollTop - list.clientHeight < 40")

    def scroll_up(self) -> None:
        self.driver.execute_script("document.getElementById('messages').scrollTop = 0; "
                                   "document.getElementById('messages').dispatchEvent(new Event('scroll'))")

    def new_messages_label(self) -> str | None:
        """The "N new messages ↓" button's text, None while it is hidden."""
        return self.driver.execute_script("const b = document.querySelector(arguments[0]); return b.hidden ? null : b.textContent",
                                          by_testid("new-messages"))

    def jump_to_new(self) -> None:
        self._click(by_testid("new-messages"))

    def send_and_read_outbox(self, text: str) -> str | None:
        """Sends `text` and, before anything else can happen, reads what the outbox keeps in
        the browser's storage (it is written before the message leaves)."""
        return self.driver.execute_script("""
            const input = document.querySelector(arguments[0]);
            input.value = arguments[1];
            input.form.requestSubmit();
            const stored = Object.keys(localStorage).filter((name) => name.startsWith('chat.outbox.'));
            return stored.map((name) => localStorage.getItem(name)).join('');""", self.COMPOSER, text)

    def found_message_in_view(self, message_id: str) -> bool:
        """Whether a message opened from search is marked as found and within the list's view."""
        # Looked up inside the script each time: the list may re-render around the message.
        found = by_testid("message", message_id=message_id.lower()) + ".message--found"
        return self.driver.execute_script("""
            const found = document.querySelector(arguments[0]);
            if (!found) return false;
            const box = found.getBoundingClientRect(), list = document.getElementById('messages').getBoundingClientRect();
            return box.top >= list.top && box.bottom <= list.bottom;""", found)


class MessageSearch(Part):
    """The search box over the sidebar and the messages it finds (the lists make way for them)."""

    BOX = by_testid("search-input")

    def _result(self, message_id: str) -> str:
        return by_testid("search-result", message_id=message_id.lower())

    def type(self, text: str) -> None:
        self._type(self.BOX, text)

    def escape(self) -> None:
        """Escape in the box: the search closes, the lists come back."""
        self._type(self.BOX, Keys.ESCAPE)

    def result_shown(self, message_id: str) -> bool:
        return self._find(self._result(message_id)).is_displayed()

    def marked(self, message_id: str) -> list[str]:
        """The parts of a result's snippet marked as matching."""
        return [element.text for element in self.driver.find_elements(By.CSS_SELECTOR, f"{self._result(message_id)} mark")]

    def open_result(self, message_id: str) -> None:
        self._click(self._result(message_id))

    def status(self) -> str:
        return self._text(by_testid("search-status"))


class ProfileDialog(Part):
    """The dialog where a user changes their picture, name, headline and subjects."""

    PICTURE = f'#profile-face {by_testid("avatar-image")}'

    def open(self) -> None:
        self._click(by_testid("profile-open"))

    def is_open(self) -> bool:
        return self._find(by_testid("profile-dialog")).is_displayed()

    def blocked_names(self) -> list[str]:
        return self.driver.execute_script(
            "return [...document.querySelectorAll('[data-testid=blocked-user] .profile__blocked-name')].map((node) => node.textContent)")

    def unblock(self, name: str) -> None:
        self._click(f'{by_testid("unblock-user")}[aria-label="Unblock {name}"]')

    def email_notifications(self) -> str:
        return self._find(by_testid("email-notifications")).get_attribute("value")

    def set_email_notifications(self, mode: str) -> None:
        Select(self._find(by_testid("email-notifications"))).select_by_value(mode)

    def sessions(self) -> list[dict]:
        """Where the user is signed in, as listed: {id, text (the device), detail (when, where), current}."""
        return self.driver.execute_script("""
            return [...document.querySelectorAll('[data-testid=session]')].map((item) => {
                const [text, detail] = [...item.firstElementChild.children].map((node) => node.textContent);
                return { id: item.dataset.sessionId, text, detail, current: item.dataset.current === 'true' };
            });""")

    def wait_for_sessions(self, count: int) -> list[dict]:
        self.wait_until(lambda: len(self.sessions()) == count, message=f"{count} sessions listed")
        return self.sessions()

    def change_password(self, current: str, new: str) -> None:
        """Opens "Change password" if it is closed, fills both fields and submits."""
        if not self.driver.execute_script("return document.getElementById('profile-password').open"):
            self._click(f'{by_testid("password-section")} summary')
        self._replace(by_testid("password-current"), current)
        self._replace(by_testid("password-new"), new)
        self._click(by_testid("password-submit"))

    def password_error(self) -> str | None:
        box = self._find(by_testid("password-error"))
        return box.text if box.is_displayed() else None

    def password_done(self) -> str:
        return self._text(by_testid("password-done"))

    def invalid_password_fields(self) -> list[str]:
        return self.driver.execute_script(
            "return [...document.querySelectorAll('#profile-password [aria-invalid=true]')].map((node) => node.dataset.testid)")

    def end_session(self, session_id: str) -> None:
        self._click(f'[data-session-id="{session_id}"] {by_testid("end-session")}')

    def close(self) -> None:
        self._click(by_testid("profile-cancel"))

    def choose_picture(self, path: Path) -> None:
        self._type(by_testid("profile-avatar-input"), str(path))

    def wait_for_picture(self) -> None:
        """Returns once the dialog shows the picture chosen."""
        self.wait_until(lambda: self.driver.find_elements(By.CSS_SELECTOR, self.PICTURE), message="the picture in the dialog")

    def picture_url(self) -> str | None:
        """The URL of the picture shown (`/api/avatars/...`)."""
        return self._attribute(self.PICTURE, "data-src")

    def remove_picture(self) -> None:
        self._click(by_testid("profile-avatar-remove"))

    def fill(self, name: str, headline: str, subjects: str) -> None:
        """Replaces the name, the headline and the subjects (comma-separated), in that order."""
        for field, value in (("profile-name", name), ("profile-headline", headline), ("profile-subjects", subjects)):
            self._replace(by_testid(field), value)

    def save(self) -> None:
        self._click(by_testid("profile-save"))


class ReportDialog(Part):
    """The dialog that reports a message to the platform's admins."""

    def is_open(self) -> bool:
        return self._find(by_testid("report-dialog")).is_displayed()

    def subject(self) -> str:
        return self._text(by_testid("report-subject"))

    def choose(self, reason: str) -> None:
        """`spam`, `harassment`, `minors` or `other`."""
        self._click(by_testid(f"report-reason-{reason}"))

    def describe(self, text: str) -> None:
        self._replace(by_testid("report-text"), text)

    def send(self) -> None:
        self._click(by_testid("report-send"))

    def error(self) -> str:
        return self._find("#report-error").text


class AdminPage(Part):
    """The moderation page (`/chat/admin`): the queue of reports and what an admin does."""

    def _report(self, report_id: str) -> str:
        return f'{by_testid("admin-report")}[data-report-id="{report_id}"]'

    def report_ids(self) -> list[str]:
        return self.driver.execute_script(
            "return [...document.querySelectorAll('[data-testid=admin-report]')].map((node) => node.dataset.reportId)")

    def reported_text(self, report_id: str) -> str:
        return self._text(f'{self._report(report_id)} {by_testid("admin-reported-message")}')

    def act(self, report_id: str, action: str, note: str = "", days: str | None = None) -> None:
        """`dismiss`, `delete-message`, `warn` or `suspend` (for `days`: 1, 7, 30, 0 for good)."""
        if note:
            self._replace(f'{self._report(report_id)} {by_testid("admin-note")}', note)
        if days is not None:
            Select(self._find(f'{self._report(report_id)} {by_testid("admin-days")}')).select_by_value(days)
        self._click(f'{self._report(report_id)} {by_testid("admin-" + action)}')

    def tab(self, state: str) -> None:
        self._click(by_testid(f"admin-tab-{state}"))

    def restore(self, report_id: str) -> None:
        self._click(f'{self._report(report_id)} {by_testid("admin-restore")}')

    def status(self) -> str:
        return self._find(by_testid("admin-status")).text

    def denied(self) -> bool:
        return self.driver.execute_script("return document.querySelector('[data-testid=admin-denied]').checkVisibility()")


class Toasts(Part):
    """The short notices in a corner: errors, and messages in conversations not open."""

    TOAST = by_testid("toast")

    def text(self) -> str:
        """The first notice's text, once there is one."""
        return self._text(self.TOAST)

    def open(self) -> None:
        """Clicks the first notice (one of a message opens its conversation)."""
        self._click(self.TOAST)

    def count(self) -> int:
        return self._count(self.TOAST)

    def boxes(self) -> list[dict]:
        """Each notice's box on the screen: {top, bottom, left, right, width, height}."""
        return self.driver.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map((t) => t.getBoundingClientRect().toJSON())", self.TOAST)


class Viewer(Part):
    """The picture viewer: opened from a picture in the conversation."""

    def open(self, index: int = 0) -> None:
        self.driver.find_elements(By.CSS_SELECTOR, "#messages .attachment--image")[index].click()
        self.wait_until(self.is_open, message="the viewer opened")

    def is_open(self) -> bool:
        return self.driver.execute_script("return document.getElementById('viewer').open")

    def state(self) -> dict:
        """Its name, count, whether the picture is drawn, the buttons' state and the download."""
        return self.driver.execute_script("""
            const image = document.getElementById('viewer-image'), save = document.getElementById('viewer-download');
            return {name: document.getElementById('viewer-name').textContent, count: document.getElementById('viewer-count').textContent,
                    drawn: image.complete && image.naturalWidth > 0 && image.src.startsWith('blob:'), width: image.naturalWidth,
                    previous: !document.getElementById('viewer-previous').disabled, next: !document.getElementById('viewer-next').disabled,
                    download: save.getAttribute('download'), href: (save.getAttribute('href') ?? '').slice(0, 5)};""")

    def next(self) -> None:
        self._click(by_testid("viewer-next"))


class Keyboard(Part):
    """The page as someone with only a keyboard uses it."""

    def press(self, *keys: str) -> None:
        ActionChains(self.driver).send_keys(*keys).perform()

    def back_tab(self) -> None:
        ActionChains(self.driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()

    def focused(self) -> dict:
        """The focused element: its test id, text, label and role."""
        return self.driver.execute_script("""
            const node = document.activeElement;
            return {testid: node?.dataset?.testid ?? null, text: node?.textContent?.trim() ?? '', label: node?.getAttribute('aria-label'),
                    role: node?.getAttribute('role'), tag: node?.tagName};""")


class GroupPanel(Part):
    """A group's info panel: its members with roles, and what the reader's role lets them do."""

    def open(self) -> None:
        self._click(by_testid("group-info"))
        self.wait_until(lambda: self.is_open(), message="the group panel opens")

    def is_open(self) -> bool:
        return self._find(by_testid("group-panel")).is_displayed()

    def close(self) -> None:
        self._click(by_testid("group-close"))

    def members(self) -> list[dict]:
        """Each member as listed: name, role, and the actions offered on them."""
        return self.driver.execute_script("""
            return [...document.querySelectorAll('[data-testid=group-member]')].map((item) => ({
              id: item.dataset.userId, name: item.querySelector('.group__name').textContent, role: item.dataset.role,
              actions: [...item.querySelectorAll('[data-action]')].filter((b) => !b.hidden).map((b) => b.dataset.action)}))""")

    def offers(self) -> dict:
        """Which of the group's own actions show: edit, add, invite, leave."""
        return self.driver.execute_script("""
            const shown = (id) => { const node = document.getElementById(id); return !!node && !node.hidden; };
            return {edit: shown('group-edit'), add: shown('group-add'), invite: shown('group-invite'), leave: shown('group-leave')}""")

    def act_on(self, user_id: str, action: str) -> None:
        """Clicks `action` (makeAdmin, removeAdmin, makeOwner, remove) on the member; the question
        the last two ask is answered yes."""
        self._click(f"[data-testid=group-member][data-user-id='{user_id}'] [data-action={action}]")
        if action in ("makeOwner", "remove"):
            self._accept_question()

    def add(self, user_ids: list[str]) -> None:
        for user_id in user_ids:
            self._click(f"#group-candidates [data-user-id='{user_id}'] input")
        self._click(by_testid("group-add-submit"))

    def choose_picture(self, path) -> None:
        self._type(by_testid("group-picture-input"), str(path))

    def has_picture(self) -> bool:
        return self._present(f'#group-face {by_testid("avatar-image")}')

    def rename(self, title: str) -> None:
        self._replace(by_testid("group-title-input"), title)
        self._click(by_testid("group-save"))

    def create_invite(self) -> str:
        self._click(by_testid("invite-create"))
        return self.wait_until(lambda: self._attribute(by_testid("invite-link"), "value"), message="the link shows")

    def leave(self) -> None:
        self._click(by_testid("group-leave"))
        self._accept_question()

    def error(self) -> str:
        return self._find(by_testid("group-error")).text

    def _accept_question(self) -> None:
        def accepted():
            try:
                self.driver.switch_to.alert.accept()
                return True
            except NoAlertPresentException:
                return False
        self.wait_until(accepted, message="the question")


class NewGroupDialog(Part):
    """"New group": a name and people picked from contacts and the experts directory."""

    def create(self, title: str, user_ids: list[str]) -> None:
        self._click(by_testid("new-group"))
        self._replace(by_testid("new-group-title"), title)
        for user_id in user_ids:
            self._click(f"#new-group-candidates [data-user-id='{user_id}'] input")
        self._click(by_testid("new-group-create"))

    def candidates(self) -> list[str]:
        return self.driver.execute_script("return [...document.querySelectorAll('#new-group-candidates [data-user-id]')].map((n) => n.dataset.userId)")


class CallView(Part):
    """Calls on the page: the header's buttons, the incoming call, the call view."""

    VIEW = by_testid("call-view")
    INCOMING = by_testid("incoming-call")

    def start(self, media: str = "video") -> None:
        self._click(by_testid("call-video" if media == "video" else "call-audio"))

    def can_start(self) -> bool:
        return self.driver.execute_script(
            "const b = document.querySelector(arguments[0]); return !!b && !b.hidden && !b.disabled", by_testid("call-video"))

    def incoming(self) -> str | None:
        """The incoming call's words ("Ada is calling — Video call"), None while nothing rings here."""
        return self.driver.execute_script(
            "const s = document.querySelector(arguments[0]);"
            "return s.hidden ? null : s.querySelector('h2').textContent + ' — ' + s.querySelector('p').textContent", self.INCOMING)

    def accept(self) -> None:
        self._click(by_testid("call-accept"))

    def decline(self) -> None:
        self._click(by_testid("call-decline"))

    def shown(self) -> bool:
        return self.driver.execute_script("return !document.querySelector(arguments[0]).hidden", self.VIEW)

    def status(self) -> str:
        return self._text(by_testid("call-status"))

    def hang_up(self) -> None:
        self._click(by_testid("call-hangup"))

    def mute(self) -> None:
        self._click(by_testid("call-mute"))

    def camera(self) -> None:
        self._click(by_testid("call-camera"))

    def peers(self) -> list[dict]:
        """Each other person the view shows: {userId, state, muted, video (their video showing)}."""
        return self.driver.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map((p) => ({userId: p.dataset.userId, state: p.dataset.state,"
            " muted: p.dataset.muted === 'true', video: !p.querySelector('video').hidden}))", by_testid("call-peer"))

    def stats(self) -> list[dict]:
        """Each open peer connection's getStats: video frames decoded, audio bytes received,
        and the addresses and types of the candidate pair in use."""
        return self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            (async () => {
              const out = [];
              for (const pc of window.__peerConnections ?? []) {
                if (pc.connectionState === "closed") continue;
                const report = await pc.getStats();
                const byId = new Map();
                report.forEach((s) => byId.set(s.id, s));
                let frames = 0, audioBytes = 0, pair = null;
                report.forEach((s) => {
                  if (s.type === "inbound-rtp" && s.kind === "video") frames += s.framesDecoded ?? 0;
                  if (s.type === "inbound-rtp" && s.kind === "audio") audioBytes += s.bytesReceived ?? 0;
                  if (s.type === "transport" && s.selectedCandidatePairId) pair = byId.get(s.selectedCandidatePairId);
                });
                const end = (id) => { const c = id && byId.get(id); return c ? { address: c.address, type: c.candidateType } : null; };
                out.push({ state: pc.connectionState, frames, audioBytes, local: end(pair?.localCandidateId), remote: end(pair?.remoteCandidateId) });
              }
              done(out);
            })();
        """)


class ChatPage(Part):
    """The chat page at /chat in one browser, with its parts."""

    CONNECTION = by_testid("connection-status")
    PICTURE = by_testid("avatar-image")

    def __init__(self, driver: WebDriver):
        super().__init__(driver)
        self.auth = AuthForms(driver)
        self.sidebar = Sidebar(driver)
        self.experts = ExpertDirectory(driver)
        self.conversation = OpenConversation(driver)
        self.search = MessageSearch(driver)
        self.profile = ProfileDialog(driver)
        self.toasts = Toasts(driver)
        self.report = ReportDialog(driver)
        self.admin = AdminPage(driver)
        self.keyboard = Keyboard(driver)
        self.viewer = Viewer(driver)
        self.group = GroupPanel(driver)
        self.new_group = NewGroupDialog(driver)
        self.calls = CallView(driver)

    def open(self, base: str) -> "ChatPage":
        self.driver.get(base + "/chat")
        return self

    def sign_up(self, base: str, name: str, role: str) -> str:
        """Opens the page at `base`, creates an account (its email made unique), and returns
        its email once the socket is connected."""
        email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
        self.open(base)
        self.auth.sign_up(name, email, role)
        self.wait_connected(message="the socket connects")
        return email

    def sign_in(self, base: str, email: str, password: str = PASSWORD, remember: bool = False) -> None:
        """Opens the page at `base` and signs in (without waiting for the socket)."""
        self.open(base)
        self.auth.sign_in(email, password, remember)

    def new_tab(self, base: str) -> str:
        """Opens the page in a new tab of the same browser, which it then drives; returns the
        tab it left (`switch_to_tab` goes back)."""
        left = self.driver.current_window_handle
        self.driver.switch_to.new_window("tab")
        self.open(base)
        return left

    def switch_to_tab(self, handle: str) -> None:
        self.driver.switch_to.window(handle)

    def document_fits(self) -> bool:
        """Whether the signed-in page fits the window: only its panes scroll, never the document."""
        return self.driver.execute_script("return document.scrollingElement.scrollHeight <= innerHeight")

    def open_signed_in(self, base: str, token: str) -> "ChatPage":
        """Opens the page as the holder of `token` (as if they had just signed in in this tab),
        once its socket is connected."""
        self.open(base)
        self.driver.execute_script("sessionStorage.setItem('chat.token', arguments[0])", token)
        self.open(base)
        self.wait_connected()
        return self

    def open_address(self, base: str, token: str, conversation_id: str) -> "ChatPage":
        """Opens a conversation's own address (a link, a reload) as the holder of `token`."""
        self.open(base)
        self.driver.execute_script("sessionStorage.setItem('chat.token', arguments[0])", token)
        self.driver.get(f"{base}/chat/c/{conversation_id}")
        self.wait_connected()
        return self

    @property
    def path(self) -> str:
        return self.driver.execute_script("return location.pathname")

    def back(self) -> None:
        """The browser's (or the phone's) Back."""
        self.driver.back()

    def selection(self) -> str:
        return self.driver.execute_script("return getSelection().toString()")

    def stored(self, prefix: str) -> dict[str, str]:
        """What the page keeps in the browser's localStorage under names starting with `prefix`."""
        return self.driver.execute_script(
            "return Object.fromEntries(Object.keys(localStorage).filter((n) => n.startsWith(arguments[0])).map((n) => [n, localStorage.getItem(n)]))",
            prefix)

    def sign_out(self, confirm: bool | None = None) -> str | None:
        """Clicks "Sign out"; when the page asks first, answers `confirm` (None: no question is
        expected). Returns the question asked, if any."""
        self._click(by_testid("logout"))
        if confirm is None:
            return None
        alert = self.wait_until(lambda: self._alert(), message="the question")
        question = alert.text
        alert.accept() if confirm else alert.dismiss()
        return question

    def _alert(self):
        try:
            return self.driver.switch_to.alert
        except NoAlertPresentException:
            return None

    def kept_files(self) -> int:
        """How many files wait in the page's IndexedDB outbox (of every user)."""
        return self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const request = indexedDB.open('chat-files', 1);
            request.onupgradeneeded = () => request.result.createObjectStore('outbox');
            request.onsuccess = () => {
              const count = request.result.transaction('outbox').objectStore('outbox').count();
              count.onsuccess = () => { request.result.close(); done(count.result); };
            };
            request.onerror = () => done(-1);""")

    def object_url_alive(self, url: str) -> bool:
        """Whether a picture's blob: URL the page made still loads (as an image: the page's
        policy lets images, not fetches, read blob: URLs)."""
        return self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1], image = new Image();
            image.onload = () => done(true);
            image.onerror = () => done(false);
            image.src = arguments[0];""", url)

    def store(self, name: str, value: str) -> None:
        self.driver.execute_script("localStorage.setItem(arguments[0], arguments[1])", name, value)

    def open_conversation(self, conversation_id: str) -> None:
        """Opens a conversation from the list and returns once its messages are drawn."""
        self.sidebar.open(conversation_id)
        self.conversation.wait_shown()

    def verify_banner(self) -> str | None:
        """What the "confirm your email address" line says; None while it is hidden."""
        banner = self._find(by_testid("verify-banner"))
        return banner.find_element(By.CSS_SELECTOR, "p").text if banner.is_displayed() else None

    def resend_verification(self) -> None:
        self._click(by_testid("verify-resend"))

    def connection_state(self) -> str | None:
        """The socket as the page shows it: "connected", "reconnecting" or "offline"."""
        return self._attribute(self.CONNECTION, "data-state")

    def wait_connected(self, message: str = "connected", timeout: float = WAIT) -> None:
        self.wait_until(lambda: self.connection_state() == "connected", message=message, timeout=timeout)

    def refresh(self) -> None:
        self.driver.refresh()

    def close(self) -> None:
        """The window closed."""
        self.driver.quit()

    @property
    def title(self) -> str:
        return self.driver.title

    def session_token(self) -> str | None:
        """The token the tab keeps (None once signed out)."""
        return self.driver.execute_script("return sessionStorage.getItem('chat.token')")

    def sound_preference(self) -> str | None:
        return self.driver.execute_script("return localStorage.getItem('chat.sound')")

    def picture_urls(self) -> list[str | None]:
        """The URL (`data-src`) of every user's picture shown anywhere on the page."""
        return [element.get_attribute("data-src") for element in self.driver.find_elements(By.CSS_SELECTOR, self.PICTURE)]

    def first_picture_width(self) -> int:
        """The decoded width of the first picture on the page (0 until it is decoded)."""
        return self.driver.execute_script("return document.querySelector(arguments[0]).naturalWidth", self.PICTURE)

    def screenshot(self, name: str) -> None:
        """Saved under docs/screenshots, which the README shows."""
        self.driver.save_screenshot(str(SCREENSHOTS / name))

    def console_errors(self, through_an_outage: bool = False) -> list[dict]:
        """What the page logged as an error. `through_an_outage`: a gateway was stopped on purpose,
        and the client's reconnection attempts meanwhile (refused connections, logged by the
        browser itself) are expected."""
        return [entry for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"
                and not (through_an_outage and entry.get("source") == "network" and "ERR_CONNECTION_REFUSED" in entry["message"])]

    def accessibility_violations(self, only: str | None = None) -> list[str]:
        """axe-core (from PyPI's axe-selenium-python) on the page as it is now: what is moderate,
        serious or critical; `only`: a CSS selector, to scan that part without scrolling the rest."""
        from axe_selenium_python import Axe
        axe = Axe(self.driver)
        axe.inject()
        # axe scrolls what it checks; the screenshot taken next must show the page as the user left it.
        results = axe.run(context={"include": [[only]]} if only else None, options="{restoreScroll: true}")
        return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
                for v in results["violations"] if v["impact"] in ("moderate", "serious", "critical")]


class ServedClientPage:
    """A page of a gateway's own origin (its /healthz) that loads the socket.io-client bundle
    the gateway serves and chats with it, as the old app's pages did; the JavaScript each
    step runs lives here, as the chat page's selectors do above."""

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

    def __init__(self, driver: WebDriver):
        self.driver = driver

    def open(self, base: str) -> "ServedClientPage":
        """Opens the gateway's page, its console emptied (what it logs from here on is this test's)."""
        self.driver.get(base + "/healthz")
        self.driver.get_log("browser")
        return self

    def connect(self, path: str, transports: list[str] | None, token: str, conversation_id: str) -> dict:
        """Loads the bundle, connects with its default options (but `path`, and `transports` if
        given) and joins: `{join, first}` (the join's ack, the transport it opened with) or `{error}`."""
        return self.driver.execute_async_script(self.CONNECT, path, transports, token, conversation_id)

    def await_and_reply(self, content: str, transport: str, conversation_id: str) -> dict:
        """Waits for a message with `content` while on `transport`, then replies "reply from the
        browser" and disconnects: `{ack, transport}`, or `{error}` after 15 s."""
        return self.driver.execute_async_script(self.AWAIT_AND_REPLY, content, transport, conversation_id)

    def console_errors(self) -> list[dict]:
        """What the page logged as an error (but the favicon a bare page does not have)."""
        return [entry for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE" and "favicon" not in entry["message"]]
