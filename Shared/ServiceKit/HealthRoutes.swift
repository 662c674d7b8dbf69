import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// One dependency `/readyz` asks about.
public struct ReadinessCheck: Sendable {
    public var name: String
    public var check: @Sendable () async throws -> Void

    public init(_ name: String, _ check: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.check = check
    }
}

/// `/healthz` (the process answers), `/readyz` (its dependencies answer too) and
/// `/metrics` (Prometheus), the same on every service.
public struct HealthRoutes<Context: RequestContext>: Sendable {
    let checks: [ReadinessCheck]
    let metrics: ServiceMetrics
    let checkTimeout: Duration

    public init(checks: [ReadinessCheck], metrics: ServiceMetrics, checkTimeout: Duration = .seconds(2)) {
        self.checks = checks
        self.metrics = metrics
        self.checkTimeout = checkTimeout
    }

    public func register(on router: some RouterMethods<Context>) {
        router.get("healthz") { _, _ in
            Self.json(.ok, ["status": "ok"])
        }
        router.get("readyz") { _, _ in
            let results = await self.runChecks()
            let ready = results.values.allSatisfy { $0 == "ok" }
            return Self.json(ready ? .ok : .serviceUnavailable, ["status": ready ? "ready" : "unavailable", "checks": results])
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: self.metrics.exposition()))
            )
        }
    }

    func runChecks() async -> [String: String] {
        await withTaskGroup(of: (String, String).self) { group in
            for check in self.checks {
                group.addTask {
                    do {
                        try await withTimeout(self.checkTimeout, check.check)
                        return (check.name, "ok")
                    } catch is TimeoutError {
                        return (check.name, "timeout")
                    } catch {
                        return (check.name, "failed")
                    }
                }
            }
            var results: [String: String] = [:]
            for await (name, result) in group { results[name] = result }
            return results
        }
    }

    static func json(_ status: HTTPResponse.Status, _ object: [String: any Sendable]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
