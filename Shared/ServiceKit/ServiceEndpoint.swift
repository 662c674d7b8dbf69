import Foundation
import ServiceConfiguration

/// Where another service listens, and how long a call to it may take.
public struct ServiceEndpoint: Sendable, Hashable {
    public var url: URL
    public var timeout: Duration

    public init(url: URL, timeout: Duration) {
        self.url = url
        self.timeout = timeout
    }

    /// `<PREFIX>_URL` and `<PREFIX>_TIMEOUT` (seconds), as `MESSAGES_URL` and `MESSAGES_TIMEOUT`.
    public init(_ values: ConfigurationValues, prefix: String, url: String, timeout: Duration) throws(ConfigurationError) {
        self.init(
            url: try values.httpURL("\(prefix)_URL", default: url),
            timeout: try values.seconds("\(prefix)_TIMEOUT", default: timeout)
        )
    }
}
