import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// The request body as the upstream client reads it, with a way to take it back.
///
/// Hummingbird reads what is left of a request's body once the response is written; if
/// the upstream client were still reading it then (an upstream that answered early,
/// say 413 mid-upload), two readers would share one stream. `stop()` ends the client's
/// reading and returns once no read is in flight.
struct RequestBodyRelay: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    private let body: RequestBody
    fileprivate let state = NIOLockedValueBox(State.idle)

    fileprivate enum State {
        case idle
        case reading
        /// Stopped while a read was in flight; resumed when it returns.
        case stopping(CheckedContinuation<Void, Never>)
        case stopped
    }

    init(_ body: RequestBody) {
        self.body = body
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate var inner: RequestBody.AsyncIterator
        fileprivate let state: NIOLockedValueBox<State>

        mutating func next() async throws -> ByteBuffer? {
            let proceed = self.state.withLockedValue { state in
                guard case .idle = state else { return false }
                state = .reading
                return true
            }
            guard proceed else { return nil }
            defer {
                let waiter: CheckedContinuation<Void, Never>? = self.state.withLockedValue { state in
                    switch state {
                    case .reading:
                        state = .idle
                        return nil
                    case .stopping(let continuation):
                        state = .stopped
                        return continuation
                    case .idle, .stopped:
                        return nil
                    }
                }
                waiter?.resume()
            }
            return try await self.inner.next()
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(inner: self.body.makeAsyncIterator(), state: self.state)
    }

    /// Ends the upstream client's reading and waits for a read in flight; a client that
    /// stalls mid-upload for longer than `patience` has its connection closed instead.
    func stop(closingAfter patience: Duration, _ channel: any Channel) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.stop() }
            group.addTask {
                try? await Task.sleep(for: patience)
                if !Task.isCancelled { channel.close(promise: nil) }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// Ends the upstream client's reading; returns once no read of the body is in flight.
    func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let inFlight = self.state.withLockedValue { state in
                switch state {
                case .reading:
                    state = .stopping(continuation)
                    return true
                case .idle, .stopped, .stopping:
                    state = .stopped
                    return false
                }
            }
            if !inFlight { continuation.resume() }
        }
    }
}
