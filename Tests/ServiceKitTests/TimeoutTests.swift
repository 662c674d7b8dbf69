import Foundation
import NIOConcurrencyHelpers
import ServiceKit
import Testing

@Suite struct TimeoutTests {
    @Test func returnsTheBodysResultInTime() async throws {
        let value = try await withTimeout(.seconds(5)) { 42 }
        #expect(value == 42)
    }

    @Test func passesTheBodysErrorThrough() async {
        struct Refused: Error {}
        await #expect(throws: Refused.self) { try await withTimeout(.seconds(5)) { () async throws -> Int in throw Refused() } }
    }

    /// A body stuck on something that ignores cancellation (as a client library on a dead
    /// connection can be) must not hold its caller past the deadline.
    @Test func givesUpOnABodyThatIgnoresCancellation() async throws {
        let finished = NIOLockedValueBox(false)
        await #expect(throws: TimeoutError.self) {
            try await withTimeout(.milliseconds(50)) {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    DispatchQueue.global().asyncAfter(deadline: .now() + 3) { continuation.resume() }
                }
                finished.withLockedValue { $0 = true }
            }
        }
        #expect(finished.withLockedValue { $0 } == false, "the timeout waited for the body")
    }

    @Test func cancellingTheCallerEndsTheWait() async {
        let waiter = Task {
            try await withTimeout(.seconds(30)) { try await Task.sleep(for: .seconds(30)) }
        }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
    }
}
