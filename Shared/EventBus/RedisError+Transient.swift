import ChatModels
import Redis

/// Redis away or reconnecting: clients are told to try again.
extension RedisError: TransientError {
    public var isTransient: Bool { self.isRetryable }
}
