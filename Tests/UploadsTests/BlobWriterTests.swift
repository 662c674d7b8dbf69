import Foundation
import NIOCore
import Testing

@testable import UploadsApp

#if canImport(Glibc)
import Glibc
#endif

@Suite struct BlobWriterTests {
    /// A commit that fails after `finish` aborts the writer: its descriptor, closed once,
    /// must not be closed again, for the process may have given that number to another file.
    @Test func aFinishedThenAbortedWriterClosesItsDescriptorOnce() async throws {
        let directory = NSTemporaryDirectory() + "blobwriter-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let writer = try BlobWriter(path: directory + "/a.part")
        try await writer.write(ByteBuffer(string: "hello"))
        try await writer.finish()
        #expect(writer.isClosed)
        let other = open(directory + "/b", O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)  // likely the same number
        #expect(other >= 0)
        defer { close(other) }
        await writer.abort()
        #expect(fcntl(other, F_GETFD) != -1, "the other file's descriptor was closed")
        #expect(!FileManager.default.fileExists(atPath: directory + "/a.part"))
    }
}
