import Auth
import ChatModels
import Foundation
import Hummingbird
import JSONKit
import Logging
import NIOCore

/// The request context every service uses: the caller's identity once verified, the
/// request id, and the shared JSON conventions.
public struct ChatRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthMiddleware`; routes behind it can rely on it.
    public var identity: Identity?
    /// The sign-in session the caller's token belongs to, if it names one.
    public var sessionID: UUID?
    public var requestID: String = ""
    /// The connection the request came on.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// The peer of the connection (the load balancer's address behind one).
    public var remoteAddress: SocketAddress? { self.channel.remoteAddress }

    /// JSON bodies are small; uploads stream instead of collecting.
    public var maxUploadSize: Int { 256 * 1024 }

    public var requestDecoder: JSONDecoder { ChatJSON.decoder() }
    public var responseEncoder: JSONEncoder { ChatJSON.encoder() }

    /// The verified caller, or 401.
    public func requireIdentity() throws(APIError) -> Identity {
        guard let identity else { throw .missingToken }
        return identity
    }
}
