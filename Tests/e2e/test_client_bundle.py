"""The socket.io-client bundle a page loads from the gateway, as from the Node server's
`serveClient`: the real 4.8.1 build, the same through the load balancer and each gateway."""

from api import Api
from conftest import ROOT


def test_every_gateway_serves_the_socket_io_client_bundle(stack):
    bundle = (ROOT / ".state" / "client" / "socket.io.min.js").read_bytes()
    assert b"Socket.IO v4.8.1" in bundle[:200]
    for base in (stack.lb_url, stack.service_url("gateway1"), stack.service_url("gateway2")):
        for path in ("/socket.io/socket.io.min.js", "/api/socket/socket.io.min.js"):
            response = Api(base).get(path, timeout=10)
            assert response.status_code == 200, (base, path)
            assert response.content == bundle
            assert response.headers["Content-Type"].startswith("application/javascript")
            again = Api(base).get(path, headers={"If-None-Match": response.headers["ETag"]}, timeout=10)
            assert again.status_code == 304 and again.content == b""
