/// Where a service listens.
public struct HTTPSettings: Sendable, Hashable {
    public var host: String
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int) {
        self.host = host
        self.port = port
    }

    /// `HTTP_HOST` and `HTTP_PORT`; each service has its own default port.
    public init(_ values: ConfigurationValues, defaultPort: Int) throws(ConfigurationError) {
        self.init(
            host: values.string("HTTP_HOST", default: "127.0.0.1"),
            port: try values.int("HTTP_PORT", default: defaultPort, in: 0...65535)
        )
    }
}
