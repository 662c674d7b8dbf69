/// What can go wrong talking to Redis. `isRetryable` tells a caller whether the same
/// command may succeed later (connection trouble) or never will (the server refused it).
public enum RedisError: Error, Sendable, Equatable {
    /// No connection could be had within the wait allowed.
    case unavailable
    /// The connection closed before the reply came.
    case connectionClosed
    /// No reply within the command's timeout.
    case timeout
    /// The server answered with an error reply.
    case server(String)
    /// The bytes from the server were not valid RESP, or a reply had an unexpected shape.
    case protocolError(String)
    /// The client was shut down.
    case shutdown

    public var isRetryable: Bool {
        switch self {
        case .unavailable, .connectionClosed, .timeout: true
        // A replica refusing a write (READONLY) or a cluster without a master for the slot
        // (CLUSTERDOWN) is a failover under way: a reconnect finds the new master.
        case .server(let message):
            ["LOADING", "BUSY ", "TRYAGAIN", "READONLY", "CLUSTERDOWN"].contains { message.hasPrefix($0) }
        case .protocolError, .shutdown: false
        }
    }
}
