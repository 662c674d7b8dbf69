import Foundation
import Logging
import Mail
import ServiceLifecycle

/// Sends what the outbox holds: on each wake-up (mail was just queued) and every `every`
/// (retries come due), until the outbox has nothing due. Every instance of the service
/// runs one; the outbox hands each message to one of them at a time.
struct MailSender: Service {
    let outbox: MailOutbox
    let client: SMTPClient
    let every: Duration
    let wakeUps: AsyncStream<Void>
    let logger: Logger

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in self.wakeUps.cancelOnGracefulShutdown() { await self.sendDue() }
            }
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                await self.sendDue()
                try? await cancelWhenGracefulShutdown { [every] in try await Task.sleep(for: every) }
            }
            group.cancelAll()
        }
    }

    func sendDue() async {
        do {
            while true {
                let due = try await self.outbox.take()
                guard !due.isEmpty else { return }
                for entry in due { await self.send(entry) }
            }
        } catch {
            self.logger.warning("mail outbox unavailable", metadata: ["error": "\(error)"])
        }
    }

    private func send(_ entry: MailOutbox.Entry) async {
        do {
            try await self.client.send(entry.message, from: entry.sender, to: entry.recipient)
            try await self.outbox.sent(entry.id)
            self.logger.info("mail sent", metadata: ["mail.id": "\(entry.id)"])
        } catch {
            let permanent = (error as? SMTPError)?.isPermanent ?? false
            // The server's words may quote the address: a warning, never an error line.
            self.logger.warning("mail not sent", metadata: ["mail.id": "\(entry.id)", "attempt": "\(entry.attempts)", "error": "\(error)"])
            try? await self.outbox.failed(entry, error: "\(error)", permanent: permanent)
        }
    }
}

/// Wakes the sender when mail is queued (else it finds it within its period).
struct MailBell: Sendable {
    let continuation: AsyncStream<Void>.Continuation

    static func make() -> (MailBell, AsyncStream<Void>) {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        return (MailBell(continuation: continuation), stream)
    }

    func ring() { self.continuation.yield() }
}
