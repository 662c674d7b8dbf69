import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// What every service's `main` does: set up logging from `LOG_LEVEL`, read the
/// configuration, build the application and run it until SIGTERM or SIGINT drains it.
/// A bad configuration exits with status 78 (EX_CONFIG) and says what to fix.
public enum ServiceMain {
    public static func run<App: ApplicationProtocol>(
        name: String,
        _ build: (ConfigurationValues) async throws -> App
    ) async -> Never {
        let values = ConfigurationValues.process()
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
