import Auth
import ChatModels
import Foundation
import Logging
import NIOPosix
import PostgresNIO
import Redis
import ServiceConfiguration
import ServiceKit

/// What an operator does from the command line, against the service's own database:
/// `messages set-role EMAIL ROLE` (how an expert is made while EXPERT_SIGNUP is closed).
/// The role is in the user's tokens, so changing it revokes them: the user signs in again.
public enum MessagesAdmin {
    /// The exit status of the command in `arguments`, or `nil` when they name none.
    public static func run(_ arguments: [String]) async -> Int32? {
        let arguments = Array(arguments.dropFirst())
        guard arguments.first == "set-role" else { return nil }
        guard arguments.count == 3, let role = Role(rawValue: arguments[2]) else {
            FileHandle.standardError.write(Data("usage: messages set-role EMAIL student|expert|admin\n".utf8))
            return 64
        }
        do {
            let configuration = try MessagesConfiguration(ConfigurationValues.process())
            let found = try await self.setRole(email: arguments[1], role: role, configuration: configuration, logger: Logger(label: "messages"))
            print(found ? "\(arguments[1]) is now \(role.rawValue)" : "no user with the email \(arguments[1])")
            return found ? 0 : 1
        } catch {
            FileHandle.standardError.write(Data("messages set-role: \(error)\n".utf8))
            return 1
        }
    }

    /// Gives the user with this email (any letter case) the role and revokes their
    /// tokens; false if there is none.
    public static func setRole(email: String, role: Role, configuration: MessagesConfiguration, logger: Logger) async throws -> Bool {
        let postgres = PostgresClient(configuration: configuration.database.clientConfiguration, backgroundLogger: logger)
        let redis = RedisClient(configuration: configuration.redis, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await postgres.run() }
            group.addTask { try await redis.run() }
            defer { group.cancelAll() }
            let rows = try await postgres.query(
                "UPDATE users SET role = \(role.rawValue) WHERE lower(email) = lower(\(email)) RETURNING id",
                logger: logger
            )
            var updated: [UUID] = []
            for try await id in rows.decode(UUID.self) { updated.append(id) }
            for userID in updated { try await RevocationFeed.revoke(userID, redis: redis) }
            return !updated.isEmpty
        }
    }
}
