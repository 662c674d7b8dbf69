import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// A file being written: each chunk goes to disk on the thread pool before the next is
/// read, so memory holds one chunk whatever the file's size.
final class BlobWriter: Sendable {
    let path: String
    private let descriptor: CInt

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
        try await NIOThreadPool.singleton.runIfActive { [descriptor] in
            defer { close(descriptor) }
            guard fsync(descriptor) == 0 else { throw BlobError.system("fsync", errno) }
        }
    }

    /// Closes and removes the file (a refused or broken upload leaves nothing behind).
    func abort() async {
        try? await NIOThreadPool.singleton.runIfActive { [descriptor, path] in
            close(descriptor)
            unlink(path)
        }
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
