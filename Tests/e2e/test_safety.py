"""Safety on a platform where students may be minors (#27), through the load balancer: who
may open a conversation with whom (CONTACT_POLICY's default, `students-start`), and experts
an admin has verified."""

from pages import ChatPage


def test_students_start_conversations_and_experts_answer_in_them(api, make_admin):
    (student, student_user), (expert, expert_user), conversation = api.student_and_expert("Mina", "Mr Okafor")
    classmate, classmate_user = api.register("Classmate")
    colleague, colleague_user = api.register("Colleague", "expert")

    def opened(client, *others, title=None):
        body = {"participantIds": [other["id"] for other in others]}
        if title:
            body["title"] = title
        return client.post("/api/chat/conversations", json=body)

    # What a stranger tried: an expert writing first to a student, a student to another.
    for client, others, title in ((expert, [classmate_user], None), (student, [classmate_user], None),
                                  (student, [classmate_user], "Just us"), (expert, [colleague_user, classmate_user], "Experts and a student")):
        refused = opened(client, *others, title=title)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "contact_not_allowed"
    assert classmate.get("/api/chat/conversations").json() == []  # nothing was made

    # The expert answers the student who wrote: the conversation is given back, and theirs to write in.
    again = opened(expert, student_user)
    assert again.status_code == 200 and again.json()["id"] == conversation["id"]
    assert expert.send_message(conversation["id"], "Hello Mina, how can I help?").status_code == 201
    # A study group with an expert in it, staff among themselves, and an admin with anyone.
    assert opened(student, classmate_user, expert_user, title="Study group").status_code == 201
    assert opened(expert, colleague_user).status_code == 201
    admin, _ = make_admin()
    assert opened(admin, classmate_user, student_user, title="Welcome, both").status_code == 201


def test_an_admin_verifies_an_expert_and_students_see_it(stack, api, make_admin, browsers):
    (student, _), (_, expert_user), conversation = api.student_and_expert("Noor", "Dr Verity")
    for index in range(15):  # listed before Dr Verity: the tick is below the fold
        api.register(f"Aaron Filler {index}", "expert")
    admin, admin_user = make_admin()
    refused = student.put(f"/api/admin/users/{expert_user['id']}/verified")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"

    page = ChatPage(browsers()).open_signed_in(stack.lb_url, student.token)
    page.open_conversation(conversation["id"])
    assert not page.conversation.verified_shown()
    verified = admin.put(f"/api/admin/users/{expert_user['id']}/verified")
    assert verified.status_code == 200 and verified.json()["verified"] is True
    # Live, as any profile change: the header and the directory show the tick.
    page.wait_until(page.conversation.verified_shown, message="the tick in the header")
    listed = {expert["id"]: expert for expert in student.get("/api/chat/experts", params={"q": "Verity"}).json()}
    assert listed[expert_user["id"]]["verified"] is True
    page.wait_until(lambda: "Dr Verity" in page.experts.verified_names(), message="the tick in the whole directory")
    # Its words for screen readers stay inside the scrolling list, not below the page.
    assert page.document_fits()
    page.experts.search("Verity")
    page.wait_until(lambda: page.experts.names() == ["Dr Verity"], message="found")
    assert page.experts.verified_names() == ["Dr Verity"]
    assert page.accessibility_violations() == []
    page.screenshot("verified-expert.png")

    audit = admin.get("/api/admin/audit", params={"limit": 5}).json()["entries"]
    assert audit[0]["action"] == "verify" and audit[0]["actorId"] == admin_user["id"] and audit[0]["subjectUserId"] == expert_user["id"]
    assert page.console_errors() == []
