import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// A file being written: each chunk goes to disk on the thread pool before the next is
/// read, so memory holds one chunk whatever the file's size. Its descriptor is closed
/// exactly once, whichever of `finish`, `abort` and deinit comes first: a second close
/// could close a descriptor the process has since given to another file.
final class BlobWriter: Sendable {
    let path: String
    private let descriptor: CInt
    private let isOpen = NIOLockedValueBox(true)

    init(path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw BlobError.system("open", errno) }
        self.path = path
        self.descriptor = descriptor
    }

    func write(_ chunk: ByteBuffer) async throws {
        try await NIOThreadPool.singleton.runIfActive { [descriptor] in
            try chunk.withUnsafeReadableBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw BlobError.system("write", errno)
                    }
                    offset += written
                }
            }
        }
    }

    /// Makes the bytes durable and closes the file.
    func finish() async throws {
        try await NIOThreadPool.singleton.runIfActive {
            defer { self.closeOnce() }
            guard fsync(self.descriptor) == 0 else { throw BlobError.system("fsync", errno) }
        }
    }

    /// Closes (if still open) and removes the file: a refused or broken upload, or one
    /// whose record could not be stored after `finish`, leaves nothing behind.
    func abort() async {
        try? await NIOThreadPool.singleton.runIfActive {
            self.closeOnce()
            unlink(self.path)
        }
    }

    /// Whether the descriptor is still open (tests).
    var isClosed: Bool { !self.isOpen.withLockedValue { $0 } }

    private func closeOnce() {
        guard
            self.isOpen.withLockedValue({ open in
                defer { open = false }
                return open
            })
        else { return }
        close(self.descriptor)
    }

    deinit {
        self.closeOnce()
    }
}

enum BlobError: Error, CustomStringConvertible {
    case system(String, CInt)

    var description: String {
        switch self {
        case .system(let call, let code): "\(call) failed: \(String(cString: strerror(code)))"
        }
    }
}
