import ChatModels
import Foundation
import HTTPTypes
import JSONKit
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat
import Redis
import ServiceLifecycle

/// Sends commands down the durable stream and waits for their replies, which come back on
/// this instance's own channel: it owns that channel's subscription (a connection of its
/// own), so the gateway and uploads use it alike. A reply is not decoded: its request id
/// is found by scanning, and the stored message's JSON is handed on as it came (a gateway
/// splices it into the sender's ack).
public final class CommandClient: Service, Sendable {
    private let redis: RedisClient
    private let streams: [String]
    private let replies: RedisSubscriber
    private let waiting: WaitingCommands
    /// Where this instance hears its replies.
    public let channel: String

    /// `redis` appends the commands to `streams`, a conversation's always to the same one;
    /// the replies are heard on a subscription of its own, made from `configuration`.
    public init(
        redis: RedisClient,
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup,
        instanceID: String,
        timeout: Duration,
        streams: [String] = [CommandStream.key],
        logger: Logger
    ) {
        let channel = BusChannel.replies(instanceID)
        let waiting = WaitingCommands(timeout: timeout, eventLoop: eventLoopGroup.next())
        self.redis = redis
        self.streams = streams.isEmpty ? [CommandStream.key] : streams
        self.channel = channel
        self.waiting = waiting
        self.replies = RedisSubscriber(configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger) { event in
            switch event {
            case .message(let message):
                if message.channel == channel, let envelope = BusEnvelope(decoding: message.payload) { waiting.receive(envelope) }
            case .disconnected:
                logger.warning("lost the command reply subscription; reconnecting")
                waiting.interrupted()
            case .resubscribed:
                waiting.resumed()
            }
        }
    }

    /// Subscribes to the reply channel (at once, or as soon as Redis is reachable) and keeps
    /// the subscription until shutdown.
    public func run() async throws {
        try await self.replies.subscribe([self.channel])
        try await self.replies.run()
    }

    /// Appends the command to the stream and returns the reply to wait for. A timeout or an
    /// unavailable Redis is a retryable error: resending with the same `clientMessageId`
    /// stores nothing twice, and a change applied twice changes the message once.
    public func submit<Command: StreamCommand>(_ command: Command) async throws -> EventLoopFuture<CommandAnswer> {
        let reply = try self.waiting.expect(command.requestId)
        let stream = self.streams[CommandStream.partition(of: command.conversationId, among: self.streams.count)]
        do {
            if let kind = Command.kind {
                _ = try await self.redis.xadd(
                    stream,
                    fields: [
                        CommandStream.commandField: .bytes(command.json), CommandStream.replyField: .string(self.channel),
                        CommandStream.kindField: .string(kind),
                    ],
                    maxLength: CommandStream.maxLength
                )
            } else {
                _ = try await self.redis.xadd(
                    stream,
                    fields: [CommandStream.commandField: .bytes(command.json), CommandStream.replyField: .string(self.channel)],
                    maxLength: CommandStream.maxLength
                )
            }
        } catch {
            throw self.waiting.abandon(command.requestId)
        }
        return reply
    }

    /// Submits and waits for the stored message.
    public func send(_ command: SendMessageCommand) async throws -> Message {
        let answer = try await self.submit(command).get()
        return try ChatJSON.decoder().decode(Message.self, from: try answer.messageJSON())
    }
}

/// A reply: the stored message's JSON, or the consumer's refusal.
public enum CommandAnswer: Sendable {
    case stored(messageJSON: ByteBuffer)
    case refused(ErrorBody.Detail)

    /// The stored message's JSON, or the refusal thrown as the error the client sees.
    public func messageJSON() throws(APIError) -> ByteBuffer {
        switch self {
        case .stored(let json): return json
        case .refused(let error): throw error.error
        }
    }

    /// A `CommandReply`'s request id and what it answers; nil for anything else.
    static func parse(_ json: ByteBuffer) -> (requestID: String, answer: CommandAnswer)? {
        guard let members = try? JSONArrayScanner.members(of: json), let requestID = members["requestId"].flatMap(JSONString.decode) else {
            return nil
        }
        if let message = members["message"], message.readableBytesView.first == UInt8(ascii: "{") {
            return (requestID, .stored(messageJSON: message))
        }
        let error = members["error"].flatMap { try? ChatJSON.decoder().decode(ErrorBody.Detail.self, from: $0) }
        return (requestID, .refused(error ?? APIError.internal.body.error))
    }
}
