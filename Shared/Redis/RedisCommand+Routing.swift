/// Which node of a cluster a command must reach.
enum RedisRoute: Sendable, Hashable {
    /// Any master answers it (`PING`, `CLUSTER SLOTS`, a script without keys).
    case anyNode
    /// The master that owns the slot of the command's (first) key or sharded channel.
    case slot(HashSlot)
}

extension RedisCommand {
    /// Where the command goes in a cluster, found from where its key sits among its
    /// arguments. A command with several keys is sent where the first one lives: Redis
    /// refuses it (`CROSSSLOT`) unless the others share its slot, as hash tags make them.
    var route: RedisRoute {
        if let routingKey { return .slot(HashSlot(key: routingKey)) }
        guard let index = self.keyIndex, let key = self.argument(index) else { return .anyNode }
        return .slot(HashSlot(key: key))
    }

    private var keyIndex: Int? {
        switch self.name.uppercased() {
        case "PING", "ECHO", "INFO", "CLUSTER", "COMMAND", "AUTH", "HELLO", "SELECT", "SCAN", "ASKING", "READONLY", "TIME", "DBSIZE",
            "SCRIPT", "FUNCTION", "WAIT", "MULTI", "EXEC", "DISCARD":
            nil
        case "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO":
            self.argument(2).flatMap { Int(String(decoding: $0, as: UTF8.self)) }.flatMap { $0 > 0 ? 3 : nil }
        case "XREAD", "XREADGROUP":
            (1..<self.argumentCount).first { index in
                self.argument(index).map { String(decoding: $0, as: UTF8.self).uppercased() == "STREAMS" } ?? false
            }.map { $0 + 1 }
        case "XGROUP", "XINFO", "OBJECT", "MEMORY":
            2
        default:
            1
        }
    }
}
