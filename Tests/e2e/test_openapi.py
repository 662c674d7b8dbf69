"""The REST contract: `/api/openapi.json` describes every route, and schemathesis (from PyPI)
generates requests from it against the whole stack — through a gateway, with a real token,
real conversation and message ids half the time — and holds every answer to the document:
no server error, no status, content type, header or body the document does not allow."""

import json
import zlib
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)

from api import Api

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489") + bytes(64)
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance)


@pytest.fixture(scope="module")
def contract(stack):
    """A gateway of its own with a generous per-user allowance (the default, 60 at once, is
    tested in test_abuse.py; here it would turn most generated requests into 429s), and a
    student, their expert and a message to aim real ids at."""
    url = stack.start_gateway("gateway-contract", stack_free_port(), {"API_REQUESTS_PER_SECOND": "10000", "API_BURST": "10000"})
    (student, _), (_, expert), conversation = Api(url).student_and_expert("Contract", "Schema")
    message = student.send_message(conversation["id"], "aim here", timeout=10).json()
    picture = student.put("/api/me/avatar", data=PNG, timeout=10).json()
    yield {"url": url, "token": student.token, "conversation": conversation["id"], "message": message["id"], "expert": expert["id"],
           "avatar": picture["avatarUrl"].rsplit("/", 1)[1]}
    stack.stop("gateway-contract")


def stack_free_port() -> int:
    import stack as stack_module
    return stack_module.free_port()


# The document as committed (what the gateways serve, checked below), read at collection so
# that each operation is a test of its own.
SCHEMA = schemathesis.openapi.from_path(str(Path(__file__).resolve().parents[2] / "Web" / "api" / "openapi.json"))
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


def test_the_document_is_served_and_names_every_route(stack):
    for base in (stack.lb_url, stack.service_url("gateway1")):
        response = Api(base).get("/api/openapi.json", timeout=10)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
        document = response.json()
        assert document["openapi"].startswith("3.1")
    routes = {f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item}
    assert {"POST /api/auth/register", "POST /api/auth/login", "GET /api/auth/rules", "POST /api/auth/logout-all", "POST /api/auth/refresh", "POST /api/auth/logout",
            "GET /api/auth/sessions", "DELETE /api/auth/sessions/{id}", "POST /api/me/password", "POST /api/auth/password-reset",
            "POST /api/auth/password-reset/confirm", "POST /api/auth/verify-email", "POST /api/me/verification", "PUT /api/me/email-notifications",
            "POST /api/email/unsubscribe/{token}", "GET /api/me", "GET /api/chat/experts",
            "GET /api/chat/conversations", "POST /api/chat/conversations", "GET /api/chat/conversations/{id}",
            "POST /api/chat/conversations/{id}/read", "POST /api/chat/conversations/{id}/unread",
            "GET /api/chat/conversations/{id}/messages", "POST /api/chat/conversations/{id}/messages",
            "PATCH /api/chat/conversations/{id}/messages/{messageId}", "DELETE /api/chat/conversations/{id}/messages/{messageId}",
            "PUT /api/chat/conversations/{id}/messages/{messageId}/reactions/{emoji}",
            "DELETE /api/chat/conversations/{id}/messages/{messageId}/reactions/{emoji}",
            "GET /api/chat/conversations/{id}/changes", "GET /api/chat/search", "GET /api/chat/policy", "POST /api/chat/conversations/{id}/upload",
            "GET /api/chat/attachments/{id}", "GET /api/presence", "PATCH /api/me", "GET /api/users/{id}", "PUT /api/me/avatar",
            "DELETE /api/me/avatar", "GET /api/avatars/{sha256}", "PUT /api/admin/users/{id}/verified",
            "DELETE /api/admin/users/{id}/verified", "GET /api/admin/audit", "GET /api/me/blocks", "PUT /api/me/blocks/{id}",
            "DELETE /api/me/blocks/{id}", "POST /api/reports", "GET /api/admin/reports", "POST /api/admin/reports/{id}/actions",
            "POST /api/admin/users/{id}/restore", "PATCH /api/chat/conversations/{id}", "POST /api/chat/conversations/{id}/members",
            "PATCH /api/chat/conversations/{id}/members/{userId}", "DELETE /api/chat/conversations/{id}/members/{userId}",
            "GET /api/chat/conversations/{id}/invites", "POST /api/chat/conversations/{id}/invites",
            "DELETE /api/chat/conversations/{id}/invites/{inviteId}", "GET /api/chat/invites/{token}", "POST /api/chat/invites/{token}/join",
            "PUT /api/chat/conversations/{id}/picture", "DELETE /api/chat/conversations/{id}/picture", "GET /api/calls/ice-servers"} == routes


@pytest.mark.parametrize("operation", OPERATIONS, ids=[operation.label for operation in OPERATIONS])
def test_every_answer_keeps_to_the_document(operation, contract):
    @given(case=operation.as_strategy())
    @settings(max_examples=15, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    def answers_keep_to_it(case):
        token = contract["token"]
        if case.path == "/api/auth/logout-all":
            token = Api(contract["url"]).register("Leaving")[0].token  # it revokes the caller's tokens
        parameters = case.path_parameters or {}
        # Half the cases aim at things that exist, so that more than refusals are checked.
        if parameters and zlib.crc32(json.dumps(parameters, sort_keys=True, default=str).encode()) % 2 == 0:
            if "messageId" in parameters:
                parameters["messageId"] = contract["message"]
            if "id" in parameters and "/conversations/" in case.path:
                parameters["id"] = contract["conversation"]
            if "id" in parameters and case.path.startswith("/api/users/"):
                parameters["id"] = contract["expert"]
            if "sha256" in parameters:
                parameters["sha256"] = contract["avatar"]
        response = case.call(base_url=contract["url"], headers={"Authorization": f"Bearer {token}"})
        case.validate_response(response, checks=CHECKS)

    answers_keep_to_it()


@pytest.mark.parametrize("email", ["nul\x00@example.com", "x" * 300 + "@example.com"])
def test_a_sign_in_with_an_impossible_address_is_refused_not_an_error(api, email):
    """Found by the test above: an address holding NUL reached Postgres, which cannot store
    one, and the sign-in answered 500."""
    response = api.login(email, "correct horse")
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_credentials", response.text
