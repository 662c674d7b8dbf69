import ChatModels
import HTTPTypes
import NIOConcurrencyHelpers
import NIOCore
import Redis

/// The commands of one instance still waiting for their reply, each with its deadline
/// (one sweep timer for all of them).
final class WaitingCommands: Sendable {
    private let timeout: Duration
    private let eventLoop: any EventLoop
    private let state = NIOLockedValueBox(State())

    private struct State {
        var pending: [String: Pending] = [:]
        var timer = SweepTimer()
        /// Whether replies can be heard: a reply published while the instance is not
        /// subscribed is lost, so no command is sent then.
        var listening = true
    }

    private struct Pending {
        var reply: EventLoopPromise<CommandAnswer>
        var deadline: NIODeadline
    }

    init(timeout: Duration, eventLoop: any EventLoop) {
        self.timeout = timeout
        self.eventLoop = eventLoop
    }

    /// Waits for the reply to `requestID`; refused while replies cannot be heard.
    func expect(_ requestID: String) throws(APIError) -> EventLoopFuture<CommandAnswer> {
        let reply = self.eventLoop.makePromise(of: CommandAnswer.self)
        let deadline = self.eventLoop.now + TimeAmount(self.timeout)
        let listening = self.state.withLockedValue { state in
            guard state.listening else { return false }
            state.pending[requestID] = Pending(reply: reply, deadline: deadline)
            state.timer.ensureSweep(by: deadline, on: self.eventLoop) { self.sweep($0) }
            return true
        }
        guard listening else {
            reply.fail(Self.unavailable)
            throw Self.unavailable
        }
        return reply.futureResult
    }

    /// The command could not be sent: its wait ends as unavailable, which is returned.
    func abandon(_ requestID: String) -> APIError {
        self.state.withLockedValue { $0.pending.removeValue(forKey: requestID) }?.reply.fail(Self.unavailable)
        return Self.unavailable
    }

    /// A reply heard on the instance's channel.
    func receive(_ envelope: BusEnvelope) {
        guard let (requestID, answer) = CommandAnswer.parse(envelope.data) else { return }
        self.state.withLockedValue { $0.pending.removeValue(forKey: requestID) }?.reply.succeed(answer)
    }

    /// The reply subscription was lost (Redis went away): every command still waiting
    /// fails, since its reply may be published while nobody listens, and new ones are
    /// refused until `resumed()`. Clients resend with the same `clientMessageId` and get
    /// the stored message, instead of waiting out the timeout.
    func interrupted() {
        let waiting = self.state.withLockedValue { state in
            defer { state.pending.removeAll() }
            state.listening = false
            return state.pending.values.map(\.reply)
        }
        for reply in waiting {
            reply.fail(APIError.unavailable("The connection to the message store was interrupted; send again with the same clientMessageId"))
        }
    }

    /// The reply subscription is back.
    func resumed() {
        self.state.withLockedValue { $0.listening = true }
    }

    /// Fails the commands whose reply is overdue.
    private func sweep(_ scheduled: NIODeadline) {
        let now = self.eventLoop.now
        let overdue: [EventLoopPromise<CommandAnswer>] = self.state.withLockedValue { state in
            state.timer.swept(scheduled)
            let overdue = state.pending.filter { $0.value.deadline <= now }
            for requestID in overdue.keys { state.pending[requestID] = nil }
            if let next = state.pending.values.lazy.map(\.deadline).min() {
                state.timer.ensureSweep(by: next, on: self.eventLoop) { self.sweep($0) }
            }
            return overdue.values.map(\.reply)
        }
        for reply in overdue { reply.fail(Self.timedOut) }
    }

    private static let unavailable = APIError.unavailable("Messages cannot be sent right now, try again")
    private static let timedOut = APIError(
        .timeout,
        "The message was not confirmed in time; send it again with the same clientMessageId"
    )
}
