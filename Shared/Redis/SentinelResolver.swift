import Logging
import NIOCore

extension RedisConfiguration {
    /// The master `sentinel` names now, or nil if it does not answer or knows none.
    func master(namedBy sentinel: RedisNodeAddress, eventLoop: any EventLoop, logger: Logger) async -> RedisConfiguration? {
        var asking = self.node(sentinel)
        asking.password = nil
        do {
            let connection = try await RedisConnection.connect(configuration: asking, eventLoop: eventLoop, logger: logger)
            let reply = try? await connection.send(
                RedisCommand("SENTINEL", "GET-MASTER-ADDR-BY-NAME", .string(self.sentinelMaster)),
                timeout: self.commandTimeout
            )
            await connection.close()
            guard let parts = reply?.array, parts.count == 2, let host = parts[0].string, let port = parts[1].int else { return nil }
            var master = self
            master.host = host
            master.port = port
            return master
        } catch {
            logger.debug("redis sentinel did not answer", metadata: ["sentinel": "\(sentinel)", "error": "\(error)"])
            return nil
        }
    }
}

extension RedisConnection {
    /// Connects to the master: with sentinels, the one they name, asked in turn until one
    /// names a server whose `ROLE` is master (a sentinel cut off from the others may still
    /// name the old one after a failover).
    static func connectToMaster(configuration: RedisConfiguration, eventLoop: any EventLoop, logger: Logger) async throws -> RedisConnection {
        guard configuration.hasSentinels else {
            return try await RedisConnection.connect(configuration: configuration, eventLoop: eventLoop, logger: logger)
        }
        var lastError: any Error = RedisError.unavailable
        for sentinel in configuration.sentinels {
            guard let master = await configuration.master(namedBy: sentinel, eventLoop: eventLoop, logger: logger) else { continue }
            do {
                let connection = try await RedisConnection.connect(configuration: master, eventLoop: eventLoop, logger: logger)
                let role = try? await connection.send(RedisCommand("ROLE"), timeout: configuration.commandTimeout)
                if role?.array?.first?.string == "master" { return connection }
                await connection.close()
                lastError = RedisError.unavailable
            } catch {
                lastError = error
            }
        }
        throw lastError
    }
}
