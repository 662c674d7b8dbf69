import Auth
import ChatModels
import Foundation
import Logging
import Mail
import NIOPosix
import PostgresNIO
import Redis
import ServiceConfiguration
import ServiceKit

/// What an operator does from the command line, against the service's own database:
/// `messages set-role EMAIL ROLE [--verified]` (how an expert is made while EXPERT_SIGNUP
/// is closed, and vouched for). The role is in the user's tokens, so changing it revokes
/// them: the user signs in again. Each change goes to the audit log, without an actor.
public enum MessagesAdmin {
    static let usage = "usage: messages set-role EMAIL student|expert|admin [--verified]\n       messages send-test-mail ADDRESS\n"

    /// The exit status of the command in `arguments`, or `nil` when they name none.
    public static func run(_ arguments: [String]) async -> Int32? {
        let arguments = Array(arguments.dropFirst())
        if arguments.first == "send-test-mail" { return await self.sendTestMail(Array(arguments.dropFirst())) }
        guard arguments.first == "set-role" else { return nil }
        guard (3...4).contains(arguments.count), let role = Role(rawValue: arguments[2]),
            arguments.count == 3 || (arguments[3] == "--verified" && role == .expert)
        else {
            FileHandle.standardError.write(Data(Self.usage.utf8))
            return 64
        }
        let verified = arguments.count == 4
        do {
            let configuration = try MessagesConfiguration(ConfigurationValues.process())
            let found = try await self.setRole(
                email: arguments[1],
                role: role,
                verified: verified,
                configuration: configuration,
                logger: Logger(label: "messages")
            )
            print(found ? "\(arguments[1]) is now \(verified ? "a verified " : "")\(role.rawValue)" : "no user with the email \(arguments[1])")
            return found ? 0 : 1
        } catch {
            FileHandle.standardError.write(Data("messages set-role: \(error)\n".utf8))
            return 1
        }
    }

    /// Gives the user with this email (any letter case) the role, verified if `verified`
    /// (anyone who is not an expert is not), and revokes their tokens; false if there is none.
    public static func setRole(
        email: String,
        role: Role,
        verified: Bool = false,
        configuration: MessagesConfiguration,
        logger: Logger
    ) async throws -> Bool {
        let postgres = PostgresClient(configuration: configuration.database.clientConfiguration, backgroundLogger: logger)
        let redis = RedisClient(configuration: configuration.redis, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await postgres.run() }
            group.addTask { try await redis.run() }
            defer { group.cancelAll() }
            let updated: [UUID] = try await postgres.withTransaction(logger: logger) { connection in
                let rows = try await connection.query(
                    """
                    UPDATE users SET role = \(role.rawValue),
                        verified_at = CASE WHEN \(role == .expert) THEN CASE WHEN \(verified) THEN coalesce(verified_at, now()) ELSE verified_at END END
                    WHERE lower(email) = lower(\(email)) RETURNING id
                    """,
                    logger: logger
                )
                var updated: [UUID] = []
                for try await id in rows.decode(UUID.self) { updated.append(id) }
                for userID in updated {
                    try await AuditLog.record(.setRole, by: nil, user: userID, detail: ["role": role.rawValue], on: connection, logger: logger)
                    if verified { try await AuditLog.record(.verify, by: nil, user: userID, on: connection, logger: logger) }
                }
                return updated
            }
            for userID in updated { try await RevocationFeed.revoke(userID, redis: redis) }
            return !updated.isEmpty
        }
    }

    /// `messages send-test-mail ADDRESS`: one message through `SMTP_URL` straight away (not
    /// the outbox), so that an operator sees at once whether mail goes out, or why not.
    static func sendTestMail(_ arguments: [String]) async -> Int32 {
        guard arguments.count == 1, let to = MailAddress(parsing: arguments[0]) else {
            FileHandle.standardError.write(Data(Self.usage.utf8))
            return 64
        }
        do {
            let settings = try MailSettings(ConfigurationValues.process())
            guard let smtp = settings.smtp else {
                FileHandle.standardError.write(Data("messages send-test-mail: SMTP_URL is not set\n".utf8))
                return 1
            }
            let message = MailTemplates(settings: settings).test(to: to)
            try await SMTPClient(settings: smtp).send(message)
            print("sent to \(to.address) through \(smtp.host):\(smtp.port)")
            return 0
        } catch {
            FileHandle.standardError.write(Data("messages send-test-mail: \(error)\n".utf8))
            return 1
        }
    }
}
