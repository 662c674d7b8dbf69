#!/usr/bin/env python3
"""A terminal chat client: python-socketio, unchanged, talking to one gateway.

    pip install "python-socketio[client]" requests     (or use .state/venv after ./scripts/test)
    python3 examples/chat.py --gateway http://127.0.0.1:8091 --email ada@example.com --password 'correct horse' --with Grace

Logs in through the load balancer, opens (or finds) the conversation with the named user,
joins it over Socket.IO, prints what arrives, and sends each line you type. The access token
lives minutes (`TOKEN_TTL`): a thread renews it from the session's refresh token before it
expires and hands it to the socket (`renew_token`), which a reconnect also presents.
"""

import argparse
import sys
import threading
import time
import uuid
from datetime import datetime

import requests
import socketio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", default="http://127.0.0.1:8080", help="the REST API (the load balancer)")
    parser.add_argument("--gateway", default="http://127.0.0.1:8080", help="where to connect Socket.IO")
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--with", dest="other", required=True, help="the other user's name")
    arguments = parser.parse_args()

    login = requests.post(f"{arguments.api}/api/auth/login", json={"email": arguments.email, "password": arguments.password})
    if login.status_code != 200:
        sys.exit(f"login failed: {login.json()['error']['message']}")
    session = login.json()
    me = session["user"]
    headers = {"Authorization": f"Bearer {session['token']}"}

    # An existing conversation with them, or a new one with the expert of that name.
    conversations = requests.get(f"{arguments.api}/api/chat/conversations", headers=headers).json()
    conversation = next((c for c in conversations if any(p["name"] == arguments.other and p["id"] != me["id"] for p in c["participants"])), None)
    if conversation is None:
        experts = requests.get(f"{arguments.api}/api/chat/experts", headers=headers).json()
        expert = next((e for e in experts if e["name"] == arguments.other), None)
        if expert is None:
            sys.exit(f"no conversation with {arguments.other} yet, and no expert of that name")
        conversation = requests.post(f"{arguments.api}/api/chat/conversations", json={"expertId": expert["id"]}, headers=headers).json()
    names = {p["id"]: p["name"] for p in conversation["participants"]}

    client = socketio.Client()

    @client.on("new_message")
    def new_message(message):
        sender = names.get(message.get("senderId"), "system")
        print(f"[{message['seq']}] {sender}: {message['content']}", flush=True)

    @client.on("user_typing")
    def typing(event):
        if event["isTyping"]:
            print(f"... {names.get(event['userId'], 'someone')} is typing", flush=True)

    @client.on("user_status_changed")
    def status(event):
        if event["userId"] in names and event["userId"] != me["id"]:
            print(f"* {names[event['userId']]} is {event['status']}", flush=True)

    def keep_signed_in():
        """Renews the token two minutes before it expires (the refresh token rotates: keep the newest)."""
        while True:
            expires = datetime.fromisoformat(session["expiresAt"].replace("Z", "+00:00")).timestamp()
            time.sleep(max(5, expires - time.time() - 120))
            renewed = requests.post(f"{arguments.api}/api/auth/refresh", json={"refreshToken": session["refreshToken"]})
            if renewed.status_code != 200:
                print(f"session ended: {renewed.json()['error']['message']}", flush=True)
                return
            session.update(renewed.json())
            headers["Authorization"] = f"Bearer {session['token']}"
            if client.connected:
                client.call("renew_token", {"token": session["token"]}, timeout=10)

    # A callable: a reconnect presents the newest token.
    client.connect(arguments.gateway, transports=["websocket"], auth=lambda: {"token": session["token"]})
    threading.Thread(target=keep_signed_in, daemon=True).start()
    joined = client.call("join_conversation", {"conversationId": conversation["id"]}, timeout=10)
    print(f"connected to {arguments.gateway} as {me['name']}; in the conversation with {arguments.other} (last seq {joined['lastSeq']})", flush=True)
    for message in client.call("sync_conversation", {"conversationId": conversation["id"], "after": max(0, joined["lastSeq"] - 10)}, timeout=10)["messages"]:
        new_message(message)

    for line in sys.stdin:
        text = line.rstrip("\n")
        if text:
            ack = client.call("send_message", {"conversationId": conversation["id"], "content": text, "clientMessageId": str(uuid.uuid4())}, timeout=15)
            if "error" in ack:
                print(f"not sent: {ack['error']['message']}", flush=True)
    threading.Event().wait(1)  # let the last deliveries arrive before leaving
    client.disconnect()
    return 0


if __name__ == "__main__":
    sys.exit(main())
