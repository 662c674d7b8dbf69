import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
import SocketIO

/// The gateway's connections: HTTP/1.1 for REST (through the Hummingbird router), and on
/// the Socket.IO paths an upgrade to WebSocket, after which the connection belongs to our
/// own NIO handlers (`EngineIOHandler`) instead of an async stream of frames, so that a
/// broadcast costs a write per socket and nothing more.
struct RealtimeServerChannel: ServerChildChannel, HTTPChannelHandler {
    enum UpgradeResult {
        case socket(SocketConnection, AsyncStream<SocketIOPacket>)
        case notUpgraded(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
    }

    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let settings: RealtimeSettings
    let flushes: FlushQueues
    let serve: @Sendable (SocketConnection, AsyncStream<SocketIOPacket>) async -> Void

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let settings = self.settings
            let flushes = self.flushes
            let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                maxFrameSize: settings.maxPayload,
                shouldUpgrade: { channel, head in
                    channel.eventLoop.makeSucceededFuture(SocketHandshake(head: head, paths: settings.paths) == .accept ? HTTPHeaders() : nil)
                },
                upgradePipelineHandler: { channel, head in
                    channel.eventLoop.makeCompletedFuture {
                        let engineID = SessionID.make()
                        var socketLogger = logger
                        socketLogger[metadataKey: "socket.id"] = .string(engineID)
                        let output = try SocketOutput(
                            channel: channel, flushes: flushes.queue(for: channel.eventLoop), maxBacklog: settings.maxOutboundBytes, logger: socketLogger
                        )
                        let connection = SocketConnection(engineID: engineID, channel: channel, output: output, requestHeaders: head.headers)
                        let (packets, inbound) = AsyncStream.makeStream(of: SocketIOPacket.self, bufferingPolicy: .bufferingOldest(256))
                        try channel.pipeline.syncOperations.addHandlers(
                            NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 64, maxAccumulatedFrameSize: settings.maxPayload),
                            EngineIOHandler(settings: settings, connection: connection, inbound: inbound, logger: socketLogger)
                        )
                        return UpgradeResult.socket(connection, packets)
                    }
                }
            )
            let upgradeConfiguration = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
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
            return Value(upgradeResult: result, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .notUpgraded(let http):
                await self.handleHTTP(asyncChannel: http, logger: logger)
            case .socket(let connection, let packets):
                await self.serve(connection, packets)
            }
        } catch {
            logger.debug("connection ended before it was set up", metadata: ["error": "\(error)"])
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with Socket.IO over WebSocket on the realtime paths.
    static func realtime(settings: RealtimeSettings, serve: @escaping @Sendable (SocketConnection, AsyncStream<SocketIOPacket>) async -> Void) -> HTTPServerBuilder {
        let flushes = FlushQueues()
        return HTTPServerBuilder { responder in
            RealtimeServerChannel(responder: responder, settings: settings, flushes: flushes, serve: serve)
        }
    }
}
