import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Thrown by `withTimeout` when the deadline passes first.
public struct TimeoutError: Error, Sendable {}

/// Runs `body`, giving up (and cancelling it) after `duration`.
///
/// The caller gets its answer at the deadline even if `body` ignores cancellation: a
/// timeout built on a task group would wait for it, and a client library stuck on a
/// dead connection would then stall its caller for good. The deadline is an event loop's
/// timer, not a sleeping task: `Task.sleep` arms a Dispatch timer and wakes Dispatch's
/// manager thread, and this runs for every query.
public func withTimeout<T: Sendable>(
    _ duration: Duration,
    on eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any(),
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = FirstResult<T>()
    let work = Task {
        do { race.finish(.success(try await body())) } catch { race.finish(.failure(error)) }
    }
    let deadline = eventLoop.scheduleTask(in: TimeAmount(duration)) {
        race.finish(.failure(TimeoutError()))
    }
    defer {
        work.cancel()
        deadline.cancel()
    }
    return try await withTaskCancellationHandler {
        try await race.value
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The first of several racing results, handed to the one waiter.
private final class FirstResult<T: Sendable>: Sendable {
    private enum State {
        case waiting(CheckedContinuation<T, any Error>?)
        case finished(Result<T, any Error>)
        case delivered
    }

    private let state = NIOLockedValueBox(State.waiting(nil))

    var value: T {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let ready: Result<T, any Error>? = self.state.withLockedValue { state in
                    guard case .finished(let result) = state else {
                        state = .waiting(continuation)
                        return nil
                    }
                    state = .delivered
                    return result
                }
                if let ready { continuation.resume(with: ready) }
            }
        }
    }

    /// Records `result` unless another came first; later ones are dropped.
    func finish(_ result: Result<T, any Error>) {
        let waiter: CheckedContinuation<T, any Error>? = self.state.withLockedValue { state in
            guard case .waiting(let continuation) = state else { return nil }
            if let continuation {
                state = .delivered
                return continuation
            }
            state = .finished(result)
            return nil
        }
        waiter?.resume(with: result)
    }
}
