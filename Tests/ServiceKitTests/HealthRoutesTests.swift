import Hummingbird
import HummingbirdTesting
import ServiceKit
import Testing

@Suite struct HealthRoutesTests {
    struct Down: Error {}

    func app(checks: [ReadinessCheck]) -> some ApplicationProtocol {
        let router = Router(context: ChatRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: ErrorMiddleware())
        let metrics = ServiceMetrics()
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        HealthRoutes(checks: checks, metrics: metrics, checkTimeout: .milliseconds(200)).register(on: router)
        return Application(router: router)
    }

    @Test func readinessReportsEachDependency() async throws {
        let app = self.app(checks: [
            ReadinessCheck("fine") {},
            ReadinessCheck("broken") { throw Down() },
            ReadinessCheck("stuck") { try await Task.sleep(for: .seconds(30)) },
        ])
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = String(buffer: response.body)
                #expect(body.contains(#""broken":"failed""#) && body.contains(#""fine":"ok""#) && body.contains(#""stuck":"timeout""#))
            }
        }
    }

    @Test func metricsCountRequestsByRouteTemplate() async throws {
        try await self.app(checks: []).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(String(buffer: response.body).contains(#"http_requests_total{method="GET",route="/readyz",status="200"} 1"#))
            }
        }
    }

    @Test func requestIDsAreEchoedOrMade() async throws {
        try await self.app(checks: []).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get, headers: [.requestID: "abc-123"]) {
                #expect($0.headers[.requestID] == "abc-123")
            }
            try await client.execute(uri: "/healthz", method: .get, headers: [.requestID: "bad id\u{7F}"]) {
                #expect($0.headers[.requestID] != nil && $0.headers[.requestID] != "bad id\u{7F}")
            }
            try await client.execute(uri: "/nowhere", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains(#""code":"not_found""#))
            }
        }
    }
}
