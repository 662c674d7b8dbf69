"""Whose pages may open a socket: a browser says its page's Origin on the WebSocket
upgrade; the gateway's own origin and clients that say none are served, another origin
(not in CORS_ORIGINS, empty here) is refused before any Engine.IO."""

import pytest
import websocket


def socket_url(base: str) -> str:
    return base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"


def test_an_upgrade_from_another_origin_is_refused_and_the_own_origin_served(stack):
    for base in (stack.lb_url, stack.service_url("gateway1")):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(socket_url(base), origin="https://evil.example", timeout=5)
        assert refused.value.status_code == 403
        for options in ({"origin": base}, {"suppress_origin": True}):
            connection = websocket.create_connection(socket_url(base), timeout=5, **options)
            try:
                assert connection.recv().startswith('0{"sid":')
            finally:
                connection.close()
