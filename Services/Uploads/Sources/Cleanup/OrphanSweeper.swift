import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceClients
import ServiceKit
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Removes what no message holds on to, once it is older than `grace`: temporary files of
/// uploads that never finished, and stored files whose message was never created. Any
/// instance may sweep a shared directory: a file is removed only if it is still old when
/// removed (a new upload of the same content refreshes its age).
struct OrphanSweeper: Service {
    let store: BlobStore
    let messages: MessagesClient
    let grace: Duration
    let every: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { [every] in try await Task.sleep(for: every) }
            guard !Task.isShuttingDownGracefully else { break }
            do {
                let removed = try await self.sweep()
                if removed > 0 { self.logger.info("removed orphaned files", metadata: ["count": "\(removed)"]) }
            } catch {
                self.logger.warning("upload cleanup failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The number of files removed.
    @discardableResult
    func sweep(now: Date = Date()) async throws -> Int {
        let cutoff = now.addingTimeInterval(-Double(TimeAmount(self.grace).nanoseconds) / 1e9)
        let (temporary, stored) = try await NIOThreadPool.singleton.runIfActive { [store] in
            (Self.files(in: store.temporaryDirectory, olderThan: cutoff), Self.files(in: store.blobDirectory, olderThan: cutoff))
        }
        var removed = 0
        for path in temporary where Self.modified(path).map({ $0 < cutoff }) == true && unlink(path) == 0 { removed += 1 }
        let prefix = self.store.blobDirectory + "/"
        for batch in stride(from: 0, to: stored.count, by: 500).map({ Array(stored[$0..<min($0 + 500, stored.count)]) }) {
            let keys = batch.map { String($0.dropFirst(prefix.count)) }
            let referenced = try await self.messages.referenced(keys)
            for (path, key) in zip(batch, keys) where !referenced.contains(key) && self.removeIfOlder(path, than: cutoff) {
                removed += 1
            }
        }
        return removed
    }

    private static func files(in directory: String, olderThan cutoff: Date) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return [] }
        var old: [String] = []
        while let relative = walker.nextObject() as? String {
            let path = directory + "/" + relative
            if let modified = Self.modified(path), modified < cutoff { old.append(path) }
        }
        return old
    }

    private static func modified(_ path: String) -> Date? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            attributes[.type] as? FileAttributeType == .typeRegular
        else { return nil }
        return attributes[.modificationDate] as? Date
    }

    /// Removes a stored file still older than `cutoff`. It is first moved aside (one
    /// atomic rename), then its age is read again: an upload of the same content that
    /// refreshed it just before the move gets it back; one just after finds it gone and
    /// puts its own copy in its place (`BlobStore.commit`). Either way nothing that a new
    /// message refers to is removed.
    private func removeIfOlder(_ path: String, than cutoff: Date) -> Bool {
        guard let modified = Self.modified(path), modified < cutoff else { return false }
        let aside = "\(self.store.temporaryDirectory)/swept-\(UUID().uuidString)"
        guard rename(path, aside) == 0 else { return false }
        if let modified = Self.modified(aside), modified >= cutoff {
            rename(aside, path)
            return false
        }
        return unlink(aside) == 0
    }
}
