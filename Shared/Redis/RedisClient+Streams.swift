import NIOCore

/// One entry of a Redis stream.
public struct RedisStreamEntry: Sendable, Hashable {
    public var id: String
    public var fields: [String: ByteBuffer]

    public init(id: String, fields: [String: ByteBuffer]) {
        self.id = id
        self.fields = fields
    }
}

extension RedisClient {
    @discardableResult
    public func publish(_ channel: String, _ payload: RedisArgument) async throws -> Int {
        try await self.send("PUBLISH", .string(channel), payload).int ?? 0
    }

    /// Appends an entry; `maxLength` trims the stream approximately (`MAXLEN ~`).
    @discardableResult
    public func xadd(_ stream: String, fields: KeyValuePairs<String, RedisArgument>, maxLength: Int? = nil) async throws -> String {
        guard let id = try await self.send(.xadd(stream, fields: fields, maxLength: maxLength)).string else {
            throw RedisError.protocolError("XADD returned no id")
        }
        return id
    }

    /// Creates the consumer group (and the stream) unless it exists.
    public func xgroupCreate(stream: String, group: String, startID: String = "0") async throws {
        do {
            _ = try await self.send("XGROUP", "CREATE", .string(stream), .string(group), .string(startID), "MKSTREAM")
        } catch RedisError.server(let message) where message.hasPrefix("BUSYGROUP") {
            return
        }
    }

    /// Reads new entries for this consumer, waiting up to `block` for some to arrive. Entries
    /// of the same stream it has settled are acknowledged first, in the same write: a
    /// consumer's ack and its next read cost one round trip.
    public func xreadgroup(
        group: String,
        consumer: String,
        stream: String,
        id: String = ">",
        count: Int,
        block: Duration?,
        acknowledging settled: [String] = []
    ) async throws -> [RedisStreamEntry] {
        var command = RedisCommand("XREADGROUP", "GROUP", .string(group), .string(consumer), "COUNT", .integer(count))
        if let block {
            command.append("BLOCK")
            command.append(.integer(Int(TimeAmount(block).nanoseconds / 1_000_000)))
        }
        command.append("STREAMS")
        command.append(.string(stream))
        command.append(.string(id))
        let timeout = self.configuration.commandTimeout + (block ?? .zero)
        let reply: RESPValue
        if settled.isEmpty {
            reply = try await self.send(command, timeout: timeout)
        } else {
            let replies = try await self.pipeline([Self.xack(stream, group: group, ids: settled), command], timeout: timeout)
            _ = try replies[0].throwingServerError()
            reply = try replies[1].throwingServerError()
        }
        guard case .array(let streams) = reply else { return [] }
        return try streams.flatMap { stream -> [RedisStreamEntry] in
            guard let parts = stream.array, parts.count == 2, let entries = parts[1].array else {
                throw RedisError.protocolError("XREADGROUP reply")
            }
            return try entries.map(RedisStreamEntry.init(reply:))
        }
    }

    @discardableResult
    public func xack(_ stream: String, group: String, ids: [String]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await self.send(Self.xack(stream, group: group, ids: ids)).int ?? 0
    }

    private static func xack(_ stream: String, group: String, ids: [String]) -> RedisCommand {
        RedisCommand("XACK", [.string(stream), .string(group)] + ids.map(RedisArgument.string))
    }

    /// Claims entries left pending longer than `minIdle` by consumers that stopped.
    public func xautoclaim(
        stream: String,
        group: String,
        consumer: String,
        minIdle: Duration,
        start: String = "0-0",
        count: Int
    ) async throws -> (next: String, entries: [RedisStreamEntry]) {
        let reply = try await self.send(
            "XAUTOCLAIM",
            .string(stream),
            .string(group),
            .string(consumer),
            .integer(Int(TimeAmount(minIdle).nanoseconds / 1_000_000)),
            .string(start),
            "COUNT",
            .integer(count)
        )
        guard let parts = reply.array, parts.count >= 2, let next = parts[0].string, let entries = parts[1].array else {
            throw RedisError.protocolError("XAUTOCLAIM reply")
        }
        return (next, try entries.map(RedisStreamEntry.init(reply:)))
    }
}

extension RedisStreamEntry {
    /// Parses `[id, [field, value, …]]`.
    init(reply: RESPValue) throws {
        guard let parts = reply.array, parts.count == 2, let id = parts[0].string else {
            throw RedisError.protocolError("stream entry")
        }
        // An entry deleted (trimmed) while pending comes back without fields: it is kept,
        // empty, so that its reader can acknowledge it and let it go.
        let flat = parts[1].array ?? []
        var fields: [String: ByteBuffer] = [:]
        var index = 0
        while index + 1 < flat.count {
            if let name = flat[index].string, let value = flat[index + 1].bytes { fields[name] = value }
            index += 2
        }
        self.init(id: id, fields: fields)
    }
}

extension RedisCommand {
    /// `XADD stream [MAXLEN ~ n] * field value …`: appends an entry, trimming the stream to
    /// about `maxLength` entries.
    public static func xadd(_ stream: String, fields: KeyValuePairs<String, RedisArgument>, maxLength: Int? = nil) -> RedisCommand {
        var command = RedisCommand("XADD", .string(stream))
        if let maxLength {
            command.append("MAXLEN")
            command.append("~")
            command.append(.integer(maxLength))
        }
        command.append("*")
        for (name, value) in fields {
            command.append(.string(name))
            command.append(value)
        }
        return command
    }
}
