import ChatTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import GatewayApp

/// The socket.io-client bundle on the Socket.IO paths, as the Node server serves it.
@Suite struct ClientBundleTests {
    func gateway(bundle path: String) throws -> GatewayConfiguration {
        var configuration = try TestEnvironment.gateway(messagesPort: 0)
        configuration.realtime.clientBundlePath = path
        return configuration
    }

    @Test func theBundleIsServedOnBothPathsAndRevalidatedByItsETag() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bundle-\(UUID()).js").path
        let script = "/*! Socket.IO v4.8.1 */ !function(){}();"
        try Data(script.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let app = try await buildApplication(configuration: try self.gateway(bundle: path), logger: TestEnvironment.logger)
        try await app.test(.live) { client in
            var etag: String?
            for uri in ["/socket.io/socket.io.min.js", "/api/socket/socket.io.min.js", "/socket.io/socket.io.js"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .ok, "\(uri)")
                #expect(String(buffer: response.body) == script)
                #expect(response.headers[.contentType] == "application/javascript; charset=utf-8")
                #expect(response.headers[.eTag] != nil && (etag == nil || response.headers[.eTag] == etag))
                etag = response.headers[.eTag]
            }
            let revalidated = try await client.execute(
                uri: "/socket.io/socket.io.min.js",
                method: .get,
                headers: [.ifNoneMatch: try #require(etag)]
            )
            #expect(revalidated.status == .notModified && revalidated.body.readableBytes == 0)
            let stale = try await client.execute(uri: "/socket.io/socket.io.min.js", method: .get, headers: [.ifNoneMatch: "\"other\""])
            #expect(stale.status == .ok)
            // The Engine.IO endpoint itself is untouched.
            #expect(try await client.execute(uri: "/socket.io/?EIO=3&transport=polling", method: .get).status == .badRequest)
        }
    }

    @Test func withoutTheFileTheRouteIsA404AndNothingElseChanges() async throws {
        let app = try await buildApplication(configuration: try self.gateway(bundle: "/nonexistent/socket.io.min.js"), logger: TestEnvironment.logger)
        try await app.test(.live) { client in
            let bundle = try await client.execute(uri: "/socket.io/socket.io.min.js", method: .get)
            #expect(bundle.status == .notFound)
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
        }
    }
}
