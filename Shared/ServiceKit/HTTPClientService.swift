import AsyncHTTPClient
import ServiceLifecycle

/// Shuts the shared HTTP client down when the service group stops.
public struct HTTPClientService: Service {
    let client: HTTPClient

    public init(client: HTTPClient) {
        self.client = client
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await self.client.shutdown()
    }
}
