import CHiredis
import NIOCore

/// One Redis command: its name and arguments, binary-safe, formatted into RESP by hiredis.
public struct RedisCommand: Sendable, Hashable {
    /// The arguments, the command name first, packed into one buffer with their boundaries.
    private var storage: [UInt8] = []
    private var lengths: [Int] = []
    /// In a cluster, the node this command goes to is the one serving this key's slot: for
    /// a command without a key that reads one node (`SCAN` over hash-tagged keys).
    public var routingKey: String?

    public init(_ name: String, _ arguments: [RedisArgument] = []) {
        self.append(.string(name))
        for argument in arguments { self.append(argument) }
    }

    public init(_ name: String, _ arguments: RedisArgument...) {
        self.init(name, arguments)
    }

    public mutating func append(_ argument: RedisArgument) {
        let start = self.storage.count
        switch argument {
        case .string(let text): self.storage.append(contentsOf: text.utf8)
        case .integer(let number): self.storage.append(contentsOf: String(number).utf8)
        case .bytes(let buffer): self.storage.append(contentsOf: buffer.readableBytesView)
        }
        self.lengths.append(self.storage.count - start)
    }

    /// The command's name, for logs and metrics (never its arguments, which may be secret).
    public var name: String {
        String(decoding: self.storage.prefix(self.lengths.first ?? 0), as: UTF8.self)
    }

    /// How many arguments it has, its name included.
    var argumentCount: Int { self.lengths.count }

    /// The argument at `index` (0 is the name), as bytes.
    func argument(_ index: Int) -> ArraySlice<UInt8>? {
        guard self.lengths.indices.contains(index) else { return nil }
        let start = self.lengths[..<index].reduce(0, +)
        return self.storage[start..<start + self.lengths[index]]
    }

    /// The same arguments under another command name (`PUBLISH` sent as `SPUBLISH`).
    func renamed(_ name: String) -> RedisCommand {
        var renamed = RedisCommand(name)
        renamed.routingKey = self.routingKey
        renamed.storage += self.storage.dropFirst(self.lengths.first ?? 0)
        renamed.lengths += self.lengths.dropFirst()
        return renamed
    }

    /// Writes the command in RESP, as `redisFormatCommandArgv` formats it.
    public func write(into buffer: inout ByteBuffer) {
        self.storage.withUnsafeBufferPointer { bytes in
            let base = UnsafeRawPointer(bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!)
            var offset = 0
            var argv: [UnsafePointer<CChar>?] = []
            argv.reserveCapacity(self.lengths.count)
            for length in self.lengths {
                argv.append((base + offset).assumingMemoryBound(to: CChar.self))
                offset += length
            }
            var formatted: UnsafeMutablePointer<CChar>?
            let count = redisFormatCommandArgv(&formatted, Int32(argv.count), &argv, self.lengths)
            guard count >= 0, let formatted else { preconditionFailure("hiredis could not allocate a command") }
            defer { redisFreeCommand(formatted) }
            buffer.writeBytes(UnsafeRawBufferPointer(start: formatted, count: Int(count)))
        }
    }
}

/// An argument of a command; strings and integers are sent as their UTF-8 text.
public enum RedisArgument: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case string(String)
    case integer(Int)
    case bytes(ByteBuffer)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
}
