import HTTPTypes
import ChatModels
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat
import Redis
import SocketIO

/// Sends commands down the durable stream and waits for their replies, which come back
/// on this instance's own channel (subscribe to `channel`, hand what arrives to `receive`).
/// A reply is not decoded: its request id is found by scanning, and the stored message's
/// JSON is handed on as it came (a gateway splices it into the sender's ack).
public final class CommandClient: Sendable {
    private let redis: RedisClient
    private let replyChannel: String
    private let timeout: Duration
    private let eventLoop: any EventLoop
    private let state = NIOLockedValueBox(State())

    private struct State {
        var pending: [String: Pending] = [:]
        var timer = SweepTimer()
        /// Whether replies can be heard: a reply published while this instance is not
        /// subscribed is lost, so no command is sent then.
        var listening = true
    }

    private struct Pending {
        var reply: EventLoopPromise<Answer>
        var deadline: NIODeadline
    }

    /// A reply: the stored message's JSON, or the consumer's refusal.
    public enum Answer: Sendable {
        case stored(messageJSON: ByteBuffer)
        case refused(ErrorBody.Detail)
    }

    public init(redis: RedisClient, instanceID: String, timeout: Duration, eventLoop: any EventLoop) {
        self.redis = redis
        self.replyChannel = BusChannel.replies(instanceID)
        self.timeout = timeout
        self.eventLoop = eventLoop
    }

    public var channel: String { self.replyChannel }

    /// Appends the command to the stream and returns the reply to wait for. A timeout or an
    /// unavailable Redis is a retryable error: resending with the same `clientMessageId`
    /// stores nothing twice.
    public func submit(_ command: SendMessageCommand) async throws -> EventLoopFuture<Answer> {
        let reply = self.eventLoop.makePromise(of: Answer.self)
        let deadline = self.eventLoop.now + TimeAmount(self.timeout)
        let listening = self.state.withLockedValue { state in
            guard state.listening else { return false }
            state.pending[command.requestId] = Pending(reply: reply, deadline: deadline)
            state.timer.ensureSweep(by: deadline, on: self.eventLoop) { self.sweep($0) }
            return true
        }
        guard listening else {
            let unavailable = APIError.unavailable("Messages cannot be sent right now, try again")
            reply.fail(unavailable)
            throw unavailable
        }
        do {
            _ = try await self.redis.xadd(
                CommandStream.key,
                fields: [
                    CommandStream.commandField: .bytes(command.json),
                    CommandStream.replyField: .string(self.replyChannel),
                ],
                maxLength: 1_000_000
            )
        } catch {
            self.state.withLockedValue { _ = $0.pending.removeValue(forKey: command.requestId) }
            let unavailable = APIError.unavailable("Messages cannot be sent right now, try again")
            reply.fail(unavailable)
            throw unavailable
        }
        return reply.futureResult
    }

    /// Fails the commands whose reply is overdue.
    private func sweep(_ scheduled: NIODeadline) {
        let now = self.eventLoop.now
        let overdue: [EventLoopPromise<Answer>] = self.state.withLockedValue { state in
            state.timer.swept(scheduled)
            let overdue = state.pending.filter { $0.value.deadline <= now }
            for requestID in overdue.keys { state.pending[requestID] = nil }
            if let next = state.pending.values.lazy.map(\.deadline).min() {
                state.timer.ensureSweep(by: next, on: self.eventLoop) { self.sweep($0) }
            }
            return overdue.values.map(\.reply)
        }
        for reply in overdue {
            reply.fail(APIError(.gatewayTimeout, code: "timeout", message: "The message was not confirmed in time; send it again with the same clientMessageId", retryable: true))
        }
    }

    /// The stored message, or the error the consumer answered with.
    public func result(of reply: EventLoopFuture<Answer>) async throws -> Message {
        try ChatJSON.decoder().decode(Message.self, from: try Self.messageJSON(in: try await reply.get()))
    }

    /// The stored message's JSON a reply carries, or its error thrown.
    public static func messageJSON(in answer: Answer) throws(APIError) -> ByteBuffer {
        switch answer {
        case .stored(let json): return json
        case .refused(let error): throw APIError(.badRequest, code: error.code, message: error.message, retryable: error.retryable ?? false)
        }
    }

    /// Submits and waits for the stored message.
    public func send(_ command: SendMessageCommand) async throws -> Message {
        try await self.result(of: try await self.submit(command))
    }

    /// The reply channel's subscription was lost (Redis went away): every command still
    /// waiting fails, since its reply may be published while nobody listens, and new ones
    /// are refused until `repliesResumed()`. Clients resend with the same
    /// `clientMessageId` and get the stored message, instead of waiting out the timeout.
    public func repliesInterrupted() {
        let waiting = self.state.withLockedValue { state in
            defer { state.pending.removeAll() }
            state.listening = false
            return state.pending.values.map(\.reply)
        }
        for reply in waiting {
            reply.fail(APIError.unavailable("The connection to the message store was interrupted; send again with the same clientMessageId"))
        }
    }

    /// The reply channel is subscribed again.
    public func repliesResumed() {
        self.state.withLockedValue { $0.listening = true }
    }

    /// A reply heard on this instance's channel.
    public func receive(_ envelope: BusEnvelope) {
        guard let (requestID, answer) = Self.answer(in: envelope.data) else { return }
        let pending = self.state.withLockedValue { $0.pending.removeValue(forKey: requestID) }
        pending?.reply.succeed(answer)
    }

    /// A `CommandReply`'s request id and what it answers; nil for anything else.
    static func answer(in json: ByteBuffer) -> (requestID: String, answer: Answer)? {
        guard let members = try? JSONArrayScanner.members(of: json), let requestID = members["requestId"].flatMap(JSONString.decode) else { return nil }
        if let message = members["message"], message.readableBytesView.first == UInt8(ascii: "{") {
            return (requestID, .stored(messageJSON: message))
        }
        let error = members["error"].flatMap { try? ChatJSON.decoder().decode(ErrorBody.Detail.self, from: $0) }
        return (requestID, .refused(error ?? ErrorBody.Detail(code: "internal", message: "Something went wrong on our side")))
    }
}
