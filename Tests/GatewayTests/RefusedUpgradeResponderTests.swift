import NIOCore
import NIOEmbedded
import NIOHTTP1
import ServiceKit
import Testing

@testable import GatewayApp

/// Upgrade requests the gateway will not upgrade are answered, not left hanging.
@Suite struct RefusedUpgradeResponderTests {
    static func head(_ uri: String, upgrade: Bool = true, origin: String? = nil) -> HTTPRequestHead {
        var headers: HTTPHeaders = ["Host": "127.0.0.1:8080"]
        if upgrade { headers.add(contentsOf: [("Connection", "Upgrade"), ("Upgrade", "websocket")]) }
        if let origin { headers.add(name: "Origin", value: origin) }
        return HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: headers)
    }

    static func channel() throws -> EmbeddedChannel {
        let responder = RefusedUpgradeResponder(
            paths: ["/socket.io"],
            origins: OriginPolicy(allowed: ["https://app.example"]),
            sessions: PollingSessions(capacity: 10)
        )
        return EmbeddedChannel(handler: responder)
    }

    /// The answer written, as status and body; nil when nothing was.
    static func answer(_ channel: EmbeddedChannel) throws -> (HTTPResponseStatus, String)? {
        guard case .head(let head)? = try channel.readOutbound(as: HTTPServerResponsePart.self) else { return nil }
        guard case .body(.byteBuffer(let body))? = try channel.readOutbound(as: HTTPServerResponsePart.self) else { return nil }
        return (head.status, String(buffer: body))
    }

    @Test(arguments: [
        (
            "/socket.io/?EIO=4&transport=websocket", "https://evil.example" as String?, HTTPResponseStatus.forbidden,
            #"{"code":4,"message":"Forbidden"}"#
        ),
        ("/socket.io/?EIO=3&transport=websocket", nil, .badRequest, #"{"code":5,"message":"Unsupported protocol version"}"#),
        ("/healthz", nil, .badRequest, #"{"code":3,"message":"Bad request"}"#),
        ("/socket.io/?EIO=4&transport=websocket&sid=gone", nil, .badRequest, #"{"code":1,"message":"Session ID unknown"}"#),
    ])
    func refusedUpgradesAreAnsweredAndClosed(uri: String, origin: String?, status: HTTPResponseStatus, body: String) throws {
        let channel = try Self.channel()
        try channel.writeInbound(HTTPServerRequestPart.head(Self.head(uri, origin: origin)))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        let answer = try #require(try Self.answer(channel))
        #expect(answer.0 == status && answer.1 == body)
        #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == nil)  // nothing goes on
        #expect(!channel.isActive)
    }

    @Test func plainRequestsPassAndAnAcceptedUpgradeLeavesTheHandlerBehind() throws {
        let channel = try Self.channel()
        try channel.writeInbound(HTTPServerRequestPart.head(Self.head("/healthz", upgrade: false, origin: "https://evil.example")))
        #expect(try channel.readInbound(as: HTTPServerRequestPart.self) != nil)
        try channel.writeInbound(HTTPServerRequestPart.head(Self.head("/socket.io/?EIO=4&transport=websocket", origin: "https://app.example")))
        #expect(try channel.readInbound(as: HTTPServerRequestPart.self) != nil)
        #expect(throws: (any Error).self) { try channel.pipeline.syncOperations.handler(type: RefusedUpgradeResponder.self) }
        #expect(try Self.answer(channel) == nil)
    }
}
