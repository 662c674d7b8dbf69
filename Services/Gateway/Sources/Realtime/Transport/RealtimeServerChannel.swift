import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
import ServiceKit
import SocketIO

/// The gateway's connections: HTTP/1.1 for REST (through the Hummingbird router), and on
/// the Socket.IO paths an upgrade to WebSocket, after which the connection belongs to our
/// own NIO handlers (`EngineIOHandler`) instead of an async stream of frames, so that a
/// broadcast costs a write per socket and nothing more, and an idle socket holds no task.
struct RealtimeServerChannel: ServerChildChannel, HTTPChannelHandler {
    enum UpgradeResult {
        case socket
        case notUpgraded(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
    }

    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let settings: RealtimeSettings
    let http: HTTPSettings
    /// Whose pages may open a socket (a browser always says its page's `Origin`).
    let origins: OriginPolicy
    /// The long-polling sessions, ended when the server quiesces.
    let pollingSessions: PollingSessions
    let flushes: FlushQueues
    /// Where a connection's Socket.IO packets go.
    let session: @Sendable (SocketConnection) -> any SocketPacketSink

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let settings = self.settings
            let idleTimeout = self.http.idleTimeout
            let origins = self.origins
            let pollingSessions = self.pollingSessions
            let flushes = self.flushes
            let session = self.session
            // The pool keeps one receive buffer per connection: NIO's default first size
            // (2 KiB) would be most of an idle socket's memory. It grows for bigger reads.
            try channel.syncOptions?.setOption(
                ChannelOptions.recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 64 * 1024)
            )
            let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                maxFrameSize: settings.maxPayload,
                shouldUpgrade: { channel, head in
                    // What is refused was answered by the RefusedUpgradeResponder already.
                    channel.eventLoop.makeSucceededFuture(SocketHandshake(head: head, paths: settings.paths) == .accept ? HTTPHeaders() : nil)
                },
                upgradePipelineHandler: { channel, head in
                    channel.eventLoop.makeCompletedFuture {
                        let aggregator = NIOWebSocketFrameAggregator(
                            minNonFinalFragmentSize: 0,
                            maxAccumulatedFrameCount: 64,
                            maxAccumulatedFrameSize: settings.maxPayload
                        )
                        if let sid = SocketHandshake.sessionID(uri: head.uri) {
                            // A polling session moving here (the responder checked it is ours).
                            // One WebSocket per session: a second one for it is turned away.
                            guard let polling = pollingSessions[sid], polling.claimUpgrade() else {
                                channel.close(promise: nil)
                                return UpgradeResult.socket
                            }
                            try channel.pipeline.syncOperations.addHandlers(aggregator, PollingUpgradeHandler(polling: polling))
                            return UpgradeResult.socket
                        }
                        let engineID = SessionID.make()
                        let output = try WebSocketOutput(
                            channel: channel,
                            engineID: engineID,
                            flushes: flushes.queue(for: channel.eventLoop),
                            maxBacklog: settings.maxOutboundBytes,
                            logger: logger
                        )
                        let connection = SocketConnection(
                            engineID: engineID,
                            eventLoop: channel.eventLoop,
                            output: SocketOutput(.webSocket(output)),
                            authorization: head.headers.first(name: "authorization")
                        )
                        try channel.pipeline.syncOperations.addHandlers(
                            aggregator,
                            EngineIOHandler(settings: settings, connection: connection, inbound: session(connection), logger: logger)
                        )
                        return UpgradeResult.socket
                    }
                }
            )
            let upgradeConfiguration = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(PollingQuiesceRelay(sessions: pollingSessions))
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(idleTimeout: idleTimeout, logger: logger))
                        let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                        return UpgradeResult.notUpgraded(http)
                    }
                }
            )
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(upgradeConfiguration: upgradeConfiguration)
            configuration.enablePipelining = false  // NIOAsyncChannel takes HTTP requests one at a time
            configuration.enableErrorHandling = false  // Hummingbird answers parse errors itself
            configuration.enableResponseHeaderValidation = false  // swift-http-types validated them already
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
            let decoder = try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try channel.pipeline.syncOperations.addHandlers(
                [
                    RequestHeadDeadline(timeout: TimeAmount(self.http.headerTimeout)),
                    RefusedUpgradeResponder(paths: settings.paths, origins: origins, sessions: pollingSessions),
                ],
                position: .after(decoder)
            )
            return Value(upgradeResult: result, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .notUpgraded(let http):
                await self.handleHTTP(asyncChannel: http, logger: logger)
            case .socket:
                break  // the connection's handlers and its inbox take it from here
            }
        } catch {
            logger.debug("connection ended before it was set up", metadata: ["error": "\(error)"])
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with Socket.IO over WebSocket on the realtime paths.
    static func realtime(
        settings: RealtimeSettings,
        http: HTTPSettings,
        origins: OriginPolicy,
        pollingSessions: PollingSessions,
        session: @escaping @Sendable (SocketConnection) -> any SocketPacketSink
    ) -> HTTPServerBuilder {
        let flushes = FlushQueues(delay: settings.writeDelay)
        return HTTPServerBuilder { responder in
            RealtimeServerChannel(
                responder: responder,
                settings: settings,
                http: http,
                origins: origins,
                pollingSessions: pollingSessions,
                flushes: flushes,
                session: session
            )
        }
    }
}
