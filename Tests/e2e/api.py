"""The one client the end-to-end tests make HTTP requests with: the REST API (and the
gateway's other HTTP routes) through one base URL, as a given user or nobody."""

from __future__ import annotations

import uuid

import requests

PASSWORD = "correct horse"  # every account the tests make has it


class Api:
    """Requests to one base URL (the load balancer, or one gateway), with the user's token
    when it has one. Every answer is returned as it came, errors too (the tests assert
    statuses and error bodies): only the domain helpers below assert, and only what they
    need to go on. Each request opens a connection of its own, as a one-off client would:
    none is kept across a gateway's restart, nor shared between the threads of a test."""

    def __init__(self, base: str, token: str | None = None, timeout: float = 15):
        self.base = base
        self.token = token
        self.timeout = timeout

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """`path` is appended to the base (it may carry its own query); `headers` are sent
        beside the token's, and an `Authorization` among them wins over it."""
        headers = dict(kwargs.pop("headers", None) or {})
        if self.token is not None:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        kwargs.setdefault("timeout", self.timeout)
        return requests.request(method, self.base + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def as_user(self, token: str | None) -> "Api":
        """The same base, as the holder of `token` (None: nobody)."""
        return Api(self.base, token, self.timeout)

    def via(self, base: str) -> "Api":
        """The same user through another base: one gateway rather than the load balancer, say."""
        return Api(base, self.token, self.timeout)

    # Accounts.

    def register(self, name: str, role: str = "student", password: str = PASSWORD, login: bool = False) -> tuple["Api", dict]:
        """A new account named `name` (its email made unique): a client as that user, and the
        user. `login`: signed in again with the password, the client holding that token, as a
        returning user would be."""
        local = "".join(character for character in name.lower() if character.isascii() and character.isalnum()) or "user"
        email = f"{local[:30]}-{uuid.uuid4().hex[:10]}@example.com"
        response = self.post("/api/auth/register", json={"name": name, "email": email, "password": password, "role": role})
        assert response.status_code == 201, response.text
        body = response.json()
        if login:
            response = self.login(email, password)
            assert response.status_code == 200, response.text
            body = response.json()
        return self.as_user(body["token"]), body["user"]

    def login(self, email: str, password: str = PASSWORD) -> requests.Response:
        return self.post("/api/auth/login", json={"email": email, "password": password})

    def logout_all(self) -> requests.Response:
        return self.post("/api/auth/logout-all")

    def refresh(self, refresh_token: str) -> requests.Response:
        """A new access token (and refresh token) for the session, as an API client renews."""
        return self.as_user(None).post("/api/auth/refresh", json={"refreshToken": refresh_token})

    def sessions(self) -> list[dict]:
        response = self.get("/api/auth/sessions")
        assert response.status_code == 200, response.text
        return response.json()

    def student_and_expert(self, student_name: str = "Ada", expert_name: str = "Grace") -> tuple[tuple[Api, dict], tuple[Api, dict], dict]:
        """A student and an expert with their conversation: (client, user) of each, then the conversation."""
        student, student_user = self.register(student_name, "student")
        expert, expert_user = self.register(expert_name, "expert")
        return (student, student_user), (expert, expert_user), student.open_conversation(expert_user)

    def status_of(self, user_id: str) -> str:
        """A user's presence as this user is told it: "online" or "offline"."""
        return self.get("/api/presence", params={"userIds": user_id}).json()[0]["status"]

    # Conversations.

    def open_conversation(self, *others: dict) -> dict:
        """The conversation of this user with `others`, opened (or the direct one there already is)."""
        response = self.post("/api/chat/conversations", json={"participantIds": [other["id"] for other in others]})
        assert response.status_code in (200, 201), response.text
        return response.json()

    def conversation(self, conversation_id: str) -> dict:
        """One conversation as this member sees it: unread count, reads, last message and seqs."""
        response = self.get(f"/api/chat/conversations/{conversation_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def send_message(self, conversation_id: str, content: str, **fields) -> requests.Response:
        """A message sent over REST (`fields`: clientMessageId, say); the answer as it came."""
        return self.post(f"/api/chat/conversations/{conversation_id}/messages", json={"content": content, **fields})

    def history(self, conversation_id: str, after: int = 0) -> list[dict]:
        """Every message after seq `after`, oldest first, page after page."""
        messages, cursor = [], after
        while True:
            page = self.get(f"/api/chat/conversations/{conversation_id}/messages", params={"after": cursor, "limit": 200}).json()
            messages += page["messages"]
            if not page["hasMore"]:
                return messages
            cursor = messages[-1]["seq"]

    def upload(self, conversation_id: str, data, name: str = "file.bin", mime: str | None = None, multipart: bool = True,
               timeout: float = 300, **fields) -> requests.Response:
        """A file sent as a message: as the form field `file` (`fields` beside it), or as the raw
        body with its name in `X-File-Name` (`fields` in the query). `mime`: the type the client
        claims (None: none); `data` may be bytes or an iterable of chunks, streamed."""
        path = f"/api/chat/conversations/{conversation_id}/upload"
        if multipart:
            part = (name, data, mime) if mime is not None else (name, data)
            return self.post(path, files={"file": part}, data=fields, timeout=timeout)
        headers = {"X-File-Name": name, **({"Content-Type": mime} if mime is not None else {})}
        return self.post(path, headers=headers, data=data, params=fields, timeout=timeout)
