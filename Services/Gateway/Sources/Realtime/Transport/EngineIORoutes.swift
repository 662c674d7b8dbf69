import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceKit
import SocketIO

/// The Socket.IO paths as plain HTTP: Engine.IO 4 long-polling (the handshake GET, the
/// client's GETs collecting what the server sends, its POSTs carrying what it sends), and
/// Engine.IO's own error shape for everything else (another version, an unknown session, a
/// page of an origin not allowed), so clients report it. WebSocket upgrades never get here.
struct EngineIORoutes: Sendable {
    let settings: RealtimeSettings
    let origins: OriginPolicy
    let sessions: PollingSessions
    /// The proxies whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`).
    let trustedProxies: Set<String>
    /// Where a new session's Socket.IO packets go.
    let inbox: @Sendable (SocketConnection) -> any SocketPacketSink
    let logger: Logger

    func register(on router: Router<ChatRequestContext>) {
        // The router matches the path with and without its trailing slash.
        for path in self.settings.paths {
            router.get(RouterPath(path)) { request, context in try await self.get(request, context: context) }
            router.post(RouterPath(path)) { request, context in try await self.post(request, context: context) }
            for method in [HTTPRequest.Method.put, .patch, .delete] {
                router.on(RouterPath(path), method: method) { _, _ in Self.error(.badRequest, .badMethod) }
            }
        }
    }

    private func get(_ request: Request, context: ChatRequestContext) async throws -> Response {
        if let refusal = self.refusal(request) { return refusal }
        guard let sid = request.uri.queryParameters["sid"] else { return try await self.open(request, context: context) }
        guard let session = self.sessions[String(sid)] else { return Self.error(.badRequest, .unknownSession) }
        do {
            return Self.packets(try await session.poll().get())
        } catch {
            return Self.error(.badRequest, .badRequest)
        }
    }

    private func post(_ request: Request, context: ChatRequestContext) async throws -> Response {
        if let refusal = self.refusal(request) { return refusal }
        guard let sid = request.uri.queryParameters["sid"], let session = self.sessions[String(sid)] else {
            return Self.error(.badRequest, .unknownSession)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: self.settings.maxPayload)
        } catch {
            session.close(.protocolViolation)
            return Self.error(.contentTooLarge, .badRequest)
        }
        do {
            try await session.post(body).get()
        } catch {
            return Self.error(.badRequest, .badRequest)
        }
        return Response(status: .ok, headers: [.contentType: "text/html"], body: ResponseBody(byteBuffer: ByteBuffer(string: "ok")))
    }

    /// The handshake: a new session on this request's event loop, answered with its open packet.
    private func open(_ request: Request, context: ChatRequestContext) async throws -> Response {
        let eventLoop = context.channel.eventLoop
        let authorization = request.headers[.authorization]
        let clientAddress = ClientAddress.resolve(
            peer: context.remoteAddress?.ipAddress,
            forwardedFor: request.headers[values: .xForwardedFor].joined(separator: ", "),
            trusted: self.trustedProxies
        )
        let sessions = self.sessions
        let opened: Result<PollingSession, PollingSessions.Refusal> = try await eventLoop.submit {
            let output = PollingOutput(maxBacklog: self.settings.maxOutboundBytes)
            let connection = SocketConnection(
                engineID: SessionID.make(),
                eventLoop: eventLoop,
                output: SocketOutput(.polling(output)),
                authorization: authorization
            )
            let session = PollingSession(
                session: EngineIOSession(connection: connection, inbound: self.inbox(connection), settings: self.settings, logger: self.logger),
                output: output,
                clientAddress: clientAddress,
                ended: { [engineID = connection.engineID] in sessions.remove(engineID) }
            )
            if let refusal = sessions.add(session) { return .failure(refusal) }
            session.start()
            return .success(session)
        }.get()
        let session: PollingSession
        switch opened {
        case .success(let opened):
            session = opened
        case .failure(.full):
            self.logger.warning("refusing a polling session: the gateway holds as many as it may", metadata: ["max": "\(sessions.capacity)"])
            return Self.error(.serviceUnavailable, .badRequest)
        case .failure(.tooManyPending):
            self.logger.info(
                "refusing a polling session: its address holds too many not signed in",
                metadata: ["max": "\(sessions.pendingPerAddress)"]
            )
            return Self.error(.tooManyRequests, .badRequest)
        }
        var response = Self.packets(session.session.openPacket(upgrades: ["websocket"]))
        // The load balancer learns from this header which gateway holds the session, and sends
        // every later request carrying this `sid` here (deploy/haproxy.cfg).
        response.headers[.engineIOSession] = session.session.connection.engineID
        return response
    }

    /// What a Socket.IO path refuses before reading any further.
    private func refusal(_ request: Request) -> Response? {
        guard self.origins.admits(origin: request.headers[.origin], host: request.head.authority) else {
            return Self.error(.forbidden, .forbidden)
        }
        switch SocketHandshake(uri: request.uri.description, paths: self.settings.paths, transport: "polling") {
        case .accept: return nil
        case .refuse(let error): return Self.error(.badRequest, error)
        case .notSocketIO: return Self.error(.badRequest, .badRequest)
        }
    }

    static func packets(_ payload: ByteBuffer) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; charset=UTF-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: payload)
        )
    }

    static func error(_ status: HTTPResponse.Status, _ error: EngineIOError) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: error.body))
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!

    /// The session a handshake opened, for sticky routing by `sid` in front of the gateways.
    static let engineIOSession = Self("Engine-IO-Session")!
}
