import NIOCore
import NIOHTTP1
import ServiceKit

/// Answers the upgrade requests the gateway will not upgrade, before NIO's upgrade handler
/// sees them. A request that asks to upgrade and is not upgraded gets no answer from the
/// pipeline after it (its decoder stops at the upgrade), so without this a WebSocket from
/// a page of a refused origin, or for another Engine.IO version, would hang until its
/// client gave up. It answers with Engine.IO's error body and closes; anything else passes.
final class RefusedUpgradeResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let paths: [String]
    private let origins: OriginPolicy
    private let sessions: PollingSessions
    /// The rest of a refused request is dropped.
    private var refused = false

    init(paths: [String], origins: OriginPolicy, sessions: PollingSessions) {
        self.paths = paths
        self.origins = origins
        self.sessions = sessions
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.refused else { return }
        guard case .head(let head) = Self.unwrapInboundIn(data), head.headers.contains(name: "upgrade") else {
            return context.fireChannelRead(data)
        }
        if let refusal = self.refusal(of: head) {
            self.refused = true
            return self.answer(refusal, context: context)
        }
        // An upgrade that will happen: after it the connection carries WebSocket frames,
        // which are not this handler's to read.
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// Why an upgrade request is not served; nil for one that is, or a plain request.
    func refusal(of head: HTTPRequestHead) -> (status: HTTPResponseStatus, error: EngineIOError)? {
        guard head.headers.contains(name: "upgrade") else { return nil }
        switch SocketHandshake(head: head, paths: self.paths) {
        case .accept:
            guard self.origins.admits(origin: head.headers.first(name: "origin"), host: head.headers.first(name: "host")) else {
                return (.forbidden, .forbidden)
            }
            // An upgrade names the polling session it moves; this gateway must hold it.
            if let sid = SocketHandshake.sessionID(uri: head.uri), self.sessions[sid] == nil {
                return (.badRequest, .unknownSession)
            }
            return nil
        case .refuse(let error):
            return (.badRequest, error)
        case .notSocketIO:
            return (.badRequest, .badRequest)
        }
    }

    private func answer(_ refusal: (status: HTTPResponseStatus, error: EngineIOError), context: ChannelHandlerContext) {
        let body = refusal.error.body
        let headers: HTTPHeaders = [
            "Content-Type": "application/json", "Content-Length": String(body.readableBytes), "Connection": "close",
        ]
        context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: refusal.status, headers: headers))), promise: nil)
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in
            channel.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension RefusedUpgradeResponder: Sendable {}
