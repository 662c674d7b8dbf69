#!/usr/bin/env python3
"""The chat page with a long conversation: 2,000 messages loaded into one headless Chromium
(scrolling up until all are there), then live events from the other side — messages,
reactions, read receipts — each timed by the page's own `chat:messages` measure (what one
event costs the message list), with a count of message nodes the page replaced (none: an
event changes the nodes it touches). Writes "The page with a long conversation" section of
docs/BENCHMARKS.md.

    scripts/page_benchmark.py [--messages 2000] [--events 60] [--build debug|release]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "Tests" / "e2e"))
import stack as stack_module  # noqa: E402
from api import Api  # noqa: E402
from benchlib import percentile, write_section  # noqa: E402
from conftest import chromium  # noqa: E402
from pages import ChatPage  # noqa: E402

WATCH_REPLACEMENTS = """
window.replacedMessages = 0;
new MutationObserver((records) => {
  for (const record of records) for (const node of record.removedNodes) if (node.dataset?.messageId && !node.isConnected) window.replacedMessages++;
}).observe(document.getElementById('messages'), {childList: true});
performance.clearMeasures('chat:messages');
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--events", type=int, default=60)
    parser.add_argument("--build", default="debug", choices=("debug", "release"))
    arguments = parser.parse_args()

    state = Path(tempfile.mkdtemp(prefix="page-bench-", dir=ROOT / ".state"))
    deployment = stack_module.Stack(
        state_dir=state, bin_dir=stack_module.build_dir(arguments.build), ports=stack_module.Ports.free(), durable=False,
        database="chat_page_bench", log_level="warning",
        overrides={"API_REQUESTS_PER_SECOND": "100000", "API_BURST": "100000", "AUTH_ATTEMPTS_PER_MINUTE": "100000"},
    )
    driver = None
    try:
        deployment.up()
        api = Api(deployment.lb_url)
        (student, _), (expert, _), conversation = api.student_and_expert("Bench", "Reader")
        cid = conversation["id"]
        seeded = []
        for index in range(arguments.messages):
            author = expert if index % 3 == 0 else student
            seeded.append(author.send_message(cid, f"message {index}: " + "words " * random.randint(1, 30)).json())
        print(f"seeded {len(seeded)} messages", flush=True)

        driver = chromium()
        page = ChatPage(driver).open_signed_in(deployment.lb_url, expert.token)
        page.open_conversation(cid)
        loaded_at = time.monotonic()
        while page.conversation.message_count() < arguments.messages + 1:
            before = page.conversation.message_count()
            page.conversation.scroll_to_top()
            driver.execute_script("document.getElementById('messages').dispatchEvent(new Event('scroll'))")
            page.wait_until(lambda: page.conversation.message_count() > before, message="older messages", timeout=30)
        print(f"{page.conversation.message_count()} messages drawn in {time.monotonic() - loaded_at:.1f} s", flush=True)

        driver.execute_script(WATCH_REPLACEMENTS)
        ours = [m for m in seeded if m["senderId"].lower() == expert.get("/api/me").json()["id"].lower()]
        kinds = {"message": 0, "reaction": 0, "receipt": 0}
        for index in range(arguments.events):
            kind = ("message", "reaction", "receipt")[index % 3]
            kinds[kind] += 1
            if kind == "message":
                student.send_message(cid, f"live {index}").raise_for_status()
            elif kind == "reaction":
                target = random.choice(seeded)
                student.put(f"/api/chat/conversations/{cid}/messages/{target['id']}/reactions/%F0%9F%91%8D")
            else:
                student.post(f"/api/chat/conversations/{cid}/read", json={"seq": ours[min(index, len(ours) - 1)]["seq"]})
            time.sleep(0.15)
        time.sleep(1)
        durations = driver.execute_script("return performance.getEntriesByName('chat:messages').map((entry) => entry.duration)")
        replaced = driver.execute_script("return window.replacedMessages")
        drawn = page.conversation.message_count()
    finally:
        if driver:
            driver.quit()
        deployment.down()
        shutil.rmtree(state, ignore_errors=True)

    p50, p95, worst = statistics.median(durations), percentile(durations, 0.95), max(durations)
    print(f"{len(durations)} updates: p50 {p50:.2f} ms, p95 {p95:.2f} ms, max {worst:.2f} ms; message nodes replaced: {replaced}")
    write_section(f"""## The page with a long conversation

`scripts/page_benchmark.py --messages {arguments.messages} --events {arguments.events} --build {arguments.build}`:
one headless Chromium holds a conversation of {drawn} messages (all loaded by scrolling
up), and the other side sends {kinds['message']} messages, {kinds['reaction']} reactions
and {kinds['receipt']} read receipts, 150 ms apart. Each update of the message list is timed
by the page's `chat:messages` measure ({len(durations)} updates):

| p50 | p95 | max | message nodes replaced |
|---|---|---|---|
| {p50:.2f} ms | {p95:.2f} ms | {worst:.2f} ms | {replaced} |

An event changes the nodes it touches and no other: none of the {drawn} is drawn anew.
What an update still costs grows with the conversation: the list's rows (grouping, day
separators) are worked out again for every message, then compared with the nodes there.
""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
