import Logging
import NIOCore

extension RedisConfiguration {
    /// Where to connect now: with sentinels, the master they name (asked in turn, the first
    /// that answers); otherwise `host` and `port`.
    func currentMaster(eventLoop: any EventLoop, logger: Logger) async throws -> RedisConfiguration {
        guard self.hasSentinels else { return self }
        var sentinel = self
        sentinel.password = nil
        sentinel.database = 0
        for address in self.sentinels {
            do {
                let connection = try await RedisConnection.connect(configuration: sentinel.node(address), eventLoop: eventLoop, logger: logger)
                let reply: RESPValue
                do {
                    reply = try await connection.send(
                        RedisCommand("SENTINEL", "GET-MASTER-ADDR-BY-NAME", .string(self.sentinelMaster)),
                        timeout: self.commandTimeout
                    )
                    await connection.close()
                } catch {
                    await connection.close()
                    throw error
                }
                guard let parts = reply.array, parts.count == 2, let host = parts[0].string, let port = parts[1].int else { continue }
                var master = self
                master.host = host
                master.port = port
                return master
            } catch {
                logger.debug("redis sentinel did not answer", metadata: ["sentinel": "\(address)", "error": "\(error)"])
            }
        }
        throw RedisError.unavailable
    }
}

extension RedisConnection {
    /// Connects to the master: with sentinels, the one they name, refusing a server that is
    /// not (yet, or any longer) a master, as after a failover a stale answer may be.
    static func connectToMaster(configuration: RedisConfiguration, eventLoop: any EventLoop, logger: Logger) async throws -> RedisConnection {
        let master = try await configuration.currentMaster(eventLoop: eventLoop, logger: logger)
        let connection = try await RedisConnection.connect(configuration: master, eventLoop: eventLoop, logger: logger)
        guard configuration.hasSentinels else { return connection }
        do {
            let role = try await connection.send(RedisCommand("ROLE"), timeout: configuration.commandTimeout)
            guard role.array?.first?.string == "master" else { throw RedisError.unavailable }
            return connection
        } catch {
            await connection.close()
            throw error
        }
    }
}
