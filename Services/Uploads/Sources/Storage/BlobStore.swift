import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Files on disk, content-addressed: `blobs/ab/cd/<sha256>`. An upload is written to
/// `tmp/`, fsynced, then renamed into place (and the directory fsynced), so a file is
/// either whole or absent; identical content is stored once. Several instances can share
/// the directory: temporary names are unique and renames are atomic.
struct BlobStore: Sendable {
    let root: String

    var temporaryDirectory: String { self.root + "/tmp" }
    var blobDirectory: String { self.root + "/blobs" }

    func prepare() throws {
        for directory in [self.temporaryDirectory, self.blobDirectory] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
    }

    func begin() throws -> BlobWriter {
        try BlobWriter(path: "\(self.temporaryDirectory)/\(UUID().uuidString.lowercased()).part")
    }

    /// The storage key of content with this hash.
    static func key(sha256: String) -> String {
        let hex = Array(sha256)
        return "\(String(hex[0..<2]))/\(String(hex[2..<4]))/\(sha256)"
    }

    func path(for key: String) -> String {
        "\(self.blobDirectory)/\(key)"
    }

    /// Moves a finished upload into place; if the same content is already there, keeps
    /// that one (refreshing its age, so cleanup leaves it be) and drops the new copy. The
    /// refresh comes first and the copy goes only if it worked: a sweep that takes the old
    /// file away at that moment leaves this upload's copy to take its place.
    func commit(_ writer: BlobWriter, sha256: String) async throws -> String {
        let key = Self.key(sha256: sha256)
        let destination = self.path(for: key)
        try await NIOThreadPool.singleton.runIfActive {
            let directory = (destination as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if utimes(destination, nil) == 0 {
                unlink(writer.path)
                return
            }
            guard rename(writer.path, destination) == 0 else { throw BlobError.system("rename", errno) }
            let handle = open(directory, O_RDONLY | O_DIRECTORY)
            if handle >= 0 {
                fsync(handle)
                close(handle)
            }
        }
        return key
    }

    /// A stored file's size and first `length` bytes (to sniff its type); nil if it is gone.
    func head(of key: String, length: Int) async throws -> (size: Int64, prefix: [UInt8])? {
        let path = self.path(for: key)
        return try await NIOThreadPool.singleton.runIfActive {
            let handle = open(path, O_RDONLY)
            guard handle >= 0 else { return nil }
            defer { close(handle) }
            let size = lseek(handle, 0, SEEK_END)
            guard size >= 0 else { throw BlobError.system("lseek", errno) }
            var prefix = [UInt8](repeating: 0, count: length)
            let count = pread(handle, &prefix, length, 0)
            guard count >= 0 else { throw BlobError.system("pread", errno) }
            return (Int64(size), Array(prefix.prefix(count)))
        }
    }

    func exists(_ key: String) -> Bool {
        access(self.path(for: key), F_OK) == 0
    }
}
