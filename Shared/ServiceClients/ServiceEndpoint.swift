import Foundation
import ServiceConfiguration

/// Where another service listens, and how long a call to it may take.
public struct ServiceEndpoint: Sendable, Hashable {
    public var url: URL
    public var timeout: Duration

    /// The messages service where it listens unless told otherwise.
    public static func messages(timeout: Duration) -> ServiceEndpoint {
        ServiceEndpoint(url: URL(string: MessagesAPI.defaultURL)!, timeout: timeout)
    }

    public init(url: URL, timeout: Duration) {
        self.url = url
        self.timeout = timeout
    }

    /// `<SERVICE>_URL` and `<SERVICE>_TIMEOUT` (seconds), as `MESSAGES_URL` and `MESSAGES_TIMEOUT`;
    /// each caller has its own default timeout.
    public init(_ values: ConfigurationValues, service: String, url: String, timeout: Duration) throws(ConfigurationError) {
        let prefix = service.uppercased()
        self.init(
            url: try values.read(.httpURL("\(prefix)_URL", default: url, help: "where the \(service) service listens")),
            timeout: try values.read(.seconds("\(prefix)_TIMEOUT", default: timeout, help: "how long a call to \(service) may take"))
        )
    }
}
