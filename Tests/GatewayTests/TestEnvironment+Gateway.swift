import ChatTestSupport
import EventBus
import Foundation
import GatewayApp
import Logging
import Redis
import ServiceKit

extension TestEnvironment {
    static func gateway(messagesPort: Int, upstreams: UpstreamSettings? = nil) throws -> GatewayConfiguration {
        var settings = upstreams ?? UpstreamSettings()
        if upstreams == nil { settings.messages = URL(string: "http://127.0.0.1:\(messagesPort)")! }
        return GatewayConfiguration(
            http: HTTPSettings(port: 0),
            upstreams: settings,
            redis: try RedisConfiguration(try TestEnvironment.values()),
            auth: TestEnvironment.auth,
            logLevel: .critical
        )
    }
}
