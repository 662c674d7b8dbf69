import ChatModels
import Foundation
import Logging
import Redis
import ServiceConfiguration

/// How hard sign-ups and sign-ins may be tried.
public struct AuthThrottleSettings: Sendable {
    /// Sign-ups and sign-ins one client address may attempt a minute.
    public var attemptsPerAddressPerMinute: Int
    /// Failed sign-ins after which an account is locked for `lockout`.
    public var maxFailedLogins: Int
    /// How long failures are remembered, and an account stays locked.
    public var lockout: Duration

    public init(
        attemptsPerAddressPerMinute: Int = Self.attemptsPerAddressPerMinute.defaultValue,
        maxFailedLogins: Int = Self.maxFailedLogins.defaultValue,
        lockout: Duration = Self.lockout.defaultValue
    ) {
        self.attemptsPerAddressPerMinute = attemptsPerAddressPerMinute
        self.maxFailedLogins = maxFailedLogins
        self.lockout = lockout
    }

    public static let attemptsPerAddressPerMinute = Setting.int(
        "AUTH_ATTEMPTS_PER_MINUTE",
        default: 30,
        in: 1...1_000_000,
        help: "sign-ups and sign-ins per client address a minute; past it 429 `rate_limited` (the test stacks raise it)"
    )
    public static let maxFailedLogins = Setting.int(
        "AUTH_MAX_FAILED_LOGINS",
        default: 5,
        in: 1...1000,
        help: "failed sign-ins after which an account is locked for `AUTH_LOCKOUT`"
    )
    public static let lockout = Setting.seconds("AUTH_LOCKOUT", default: .seconds(900), help: "how long a locked account stays locked")

    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self.init(
            attemptsPerAddressPerMinute: try values.read(Self.attemptsPerAddressPerMinute),
            maxFailedLogins: try values.read(Self.maxFailedLogins),
            lockout: try values.read(Self.lockout)
        )
    }
}

/// Counts sign-up and sign-in attempts in Redis, so that every messages instance sees the
/// same counts: per client address in one-minute windows, and failed sign-ins per account.
/// Past a limit the answer is 429 with `Retry-After`.
struct AuthThrottle: Sendable {
    let redis: RedisClient
    let settings: AuthThrottleSettings
    let logger: Logger

    /// Renewals a client address may make a minute, for each sign-in attempt it may make:
    /// every open tab renews every few minutes, and many people share one address (a school).
    static let renewalsPerAttempt = 20

    /// Counts an attempt from `address` (the gateway's `X-Client-Address`, or the peer);
    /// renewals (`refresh`) count apart, with a budget `renewalsPerAttempt` times larger.
    func admit(address: String, refresh: Bool = false, now: Date = Date()) async throws {
        let window = Int(now.timeIntervalSince1970) / 60
        let key = "auth:\(refresh ? "refresh" : "address"):\(address):\(window)"
        let limit = self.settings.attemptsPerAddressPerMinute * (refresh ? Self.renewalsPerAttempt : 1)
        let replies = try await self.redis.pipeline([RedisCommand("INCR", .string(key)), RedisCommand("EXPIRE", .string(key), 60)])
        guard (replies.first?.int ?? 0) > limit else { return }
        let retryAfter = 60 - Int(now.timeIntervalSince1970) % 60
        throw APIError.rateLimited("Too many attempts from this address; try again in \(retryAfter) s", retryAfter: retryAfter)
    }

    /// Refuses a sign-in to an account locked after failed ones.
    func checkLock(email: String) async throws {
        let key = Self.failures(email)
        let replies = try await self.redis.pipeline([RedisCommand("GET", .string(key)), RedisCommand("TTL", .string(key))])
        guard let failures = replies[0].int, failures >= self.settings.maxFailedLogins else { return }
        let retryAfter = max(replies[1].int ?? 1, 1)
        throw APIError.rateLimited("Too many failed sign-ins for this account; try again in \(retryAfter) s", retryAfter: retryAfter)
    }

    /// A failed sign-in: counted for the lockout window.
    func failed(email: String) async {
        let key = Self.failures(email)
        let seconds = Int(self.settings.lockout / .seconds(1))
        do {
            _ = try await self.redis.pipeline([RedisCommand("INCR", .string(key)), RedisCommand("EXPIRE", .string(key), .integer(seconds))])
        } catch {
            self.logger.warning("could not count a failed sign-in", metadata: ["error": "\(error)"])
        }
    }

    /// Mails of one `kind` (reset links, confirmation links) sent to one account an hour: a
    /// stranger cannot flood someone's inbox (the address limit bounds how many accounts one
    /// client can try). Whether one more may go.
    func admitMail(_ kind: String, to email: String, perHour: Int, now: Date = Date()) async throws -> Bool {
        let key = "auth:mail:\(kind):\(email.lowercased()):\(Int(now.timeIntervalSince1970) / 3600)"
        let replies = try await self.redis.pipeline([RedisCommand("INCR", .string(key)), RedisCommand("EXPIRE", .string(key), 3600)])
        return (replies.first?.int ?? 0) <= perHour
    }

    /// A successful sign-in forgets the failures.
    func succeeded(email: String) async {
        _ = try? await self.redis.send("DEL", .string(Self.failures(email)))
    }

    private static func failures(_ email: String) -> String {
        "auth:failures:" + email.lowercased()
    }
}
