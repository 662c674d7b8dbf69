import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceConfiguration
import ServiceLifecycle

/// What every service's `main` does: set up logging from `LOG_LEVEL`, read the
/// configuration, build the application and run it until SIGTERM or SIGINT drains it.
/// A bad configuration exits with status 78 (EX_CONFIG) and says what to fix.
///
/// `<service> healthcheck` instead asks the running service's `/readyz` on `HTTP_PORT` and
/// exits 0 or 1 — a container health check that needs no curl in the image.
public enum ServiceMain {
    /// On the main actor, like the top-level code that calls it: nothing may reach Swift's
    /// global executor before NIO's event loops take its place.
    @MainActor
    public static func run<App: ApplicationProtocol>(
        name: String,
        _ build: (ConfigurationValues) async throws -> App
    ) async -> Never {
        // Tasks run on the event loops that do the I/O, instead of hopping between those and
        // Swift's own pool at every await, a context switch each. Nothing here blocks a
        // thread: bcrypt runs on a thread pool.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let values = ConfigurationValues.process()
        if CommandLine.arguments.dropFirst().first == "healthcheck" {
            exit(await Self.healthcheck(values) ? 0 : 1)
        }
        let level = (try? values.logLevel()) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: name)
        do {
            let app = try await build(values)
            try await app.runService()
            exit(0)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("\(name): configuration error: \(error)\n".utf8))
            exit(78)
        } catch {
            logger.critical("stopped with an error", metadata: ["error": "\(String(reflecting: error))"])
            exit(1)
        }
    }
}

extension ServiceMain {
    static func healthcheck(_ values: ConfigurationValues) async -> Bool {
        guard let port = try? values.int("HTTP_PORT", default: 8080, in: 1...65535) else { return false }
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/readyz")
        request.method = .GET
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(3))
            return response.status == .ok
        } catch {
            return false
        }
    }
}
