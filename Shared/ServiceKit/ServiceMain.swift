import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceConfiguration
import ServiceLifecycle

/// A service's configuration, read from the environment once at start.
public protocol ServiceConfigurationProtocol: Sendable {
    var http: HTTPSettings { get }
    init(_ values: ConfigurationValues) throws(ConfigurationError)
}

/// What every service's `main` does: set up logging from `LOG_LEVEL`, read the
/// configuration, build the application and run it until SIGTERM or SIGINT drains it.
/// A bad configuration exits with status 78 (EX_CONFIG) and says what to fix.
///
/// `<service> healthcheck` instead asks the running service's `/readyz` on its port and
/// exits 0 or 1 — a container health check that needs no curl in the image.
/// `<service> settings [--json]` lists every environment variable the service reads, with
/// its default, what it accepts and what it does.
public enum ServiceMain {
    /// On the main actor, like the top-level code that calls it: nothing may reach Swift's
    /// global executor before NIO's event loops take its place.
    @MainActor
    public static func run<Configuration: ServiceConfigurationProtocol, App: ApplicationProtocol>(
        name: String,
        _ build: (Configuration) async throws -> App
    ) async -> Never {
        // Tasks run on the event loops that do the I/O, instead of hopping between those and
        // Swift's own pool at every await, a context switch each. Nothing here blocks a
        // thread: bcrypt runs on a thread pool.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let values = ConfigurationValues.process()
        switch CommandLine.arguments.dropFirst().first {
        case "healthcheck":
            exit(await Self.healthcheck(try? Configuration(values)) ? 0 : 1)
        case "settings":
            let settings = ConfigurationValues.settings { values in _ = try? Configuration(values) }
            print(CommandLine.arguments.contains("--json") ? Self.json(settings) : Self.text(settings))
            exit(0)
        default:
            break
        }
        let level = (try? values.read(.logLevel)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: name)
        do {
            let app = try await build(try Configuration(values))
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
    static func healthcheck(_ configuration: (some ServiceConfigurationProtocol)?) async -> Bool {
        guard let port = configuration?.http.port else { return false }
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/readyz")
        request.method = .GET
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(3))
            return response.status == .ok
        } catch {
            return false
        }
    }

    static func json(_ settings: [SettingDescription]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(settings)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    static func text(_ settings: [SettingDescription]) -> String {
        settings.map { "\($0.name) = \($0.defaultText)\n    \($0.help); \($0.accepts)" }.joined(separator: "\n")
    }
}
