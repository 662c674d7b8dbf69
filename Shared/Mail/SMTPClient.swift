import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// Hands messages to an SMTP server, one connection each (mail here is a few an hour per
/// user; a connection kept open would be one more thing to watch).
public struct SMTPClient: Sendable {
    public let settings: SMTPSettings
    let eventLoopGroup: any EventLoopGroup
    let tls: NIOSSLContext?
    /// What this host calls itself in EHLO.
    let clientName: String

    public init(settings: SMTPSettings, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.settings = settings
        self.eventLoopGroup = eventLoopGroup
        if settings.security == .none {
            self.tls = nil
        } else {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            if let caFile = settings.caFile { configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile)) }
            self.tls = try NIOSSLContext(configuration: configuration)
        }
        self.clientName = ProcessInfo.processInfo.hostName.isEmpty ? "localhost" : ProcessInfo.processInfo.hostName
    }

    /// Sends `message`; returns once the server has taken it (its 250 after the data).
    public func send(_ message: MailMessage, date: Date = Date(), id: UUID = UUID()) async throws {
        try await self.send(message.rendered(date: date, id: id), from: message.from.address, to: message.to.address)
    }

    /// Sends a message already rendered (as an outbox keeps it).
    public func send(_ data: String, from sender: String, to recipient: String) async throws {
        let machine = SMTPStateMachine(
            security: Self.machineSecurity(self.settings.security),
            credentials: self.settings.user.map { ($0, self.settings.password ?? "") },
            clientName: self.clientName,
            sender: sender,
            recipient: recipient,
            data: data
        )
        let loop = self.eventLoopGroup.next()
        let delivered = Outcome(loop.makePromise(of: Void.self))
        let (host, tls) = (self.settings.host, self.tls)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if self.settings.security == .implicitTLS, let tls {
                        try sync.addHandler(NIOSSLClientHandler(context: tls, serverHostname: Self.serverName(host)))
                    }
                    try sync.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                    try sync.addHandler(
                        SMTPClientHandler(
                            machine: machine,
                            delivered: delivered,
                            startTLS: { channel in
                                guard let tls else { throw SMTPError.tlsUnavailable }
                                try channel.pipeline.syncOperations.addHandler(
                                    NIOSSLClientHandler(context: tls, serverHostname: Self.serverName(host)),
                                    position: .first
                                )
                            }
                        )
                    )
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: self.settings.host, port: self.settings.port).get()
        } catch {
            delivered.fail(SMTPError.connectionFailed("\(error)"))
            throw SMTPError.connectionFailed("\(error)")
        }
        let timeout = loop.scheduleTask(in: TimeAmount(self.settings.timeout)) { delivered.fail(SMTPError.timedOut) }
        defer {
            timeout.cancel()
            channel.close(promise: nil)
        }
        try await delivered.future.get()
    }

    static func machineSecurity(_ security: SMTPSettings.Security) -> SMTPStateMachine.Security {
        switch security {
        case .none: .none
        case .startTLS: .startTLS
        case .implicitTLS: .implicitTLS
        }
    }

    /// SNI and certificate checks take a name; an address literal is checked against the
    /// certificate's chain alone.
    static func serverName(_ host: String) -> String? {
        host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : host
    }
}

/// How the sending ended, settled once by whoever knows first (the dialogue, an error, the
/// connection closing, the time running out); later word is ignored.
final class Outcome: Sendable {
    private let promise: EventLoopPromise<Void>
    private let settled = NIOLockedValueBox(false)

    init(_ promise: EventLoopPromise<Void>) { self.promise = promise }

    var future: EventLoopFuture<Void> { self.promise.futureResult }

    func succeed() {
        if self.settle() { self.promise.succeed() }
    }

    func fail(_ error: any Error) {
        if self.settle() { self.promise.fail(error) }
    }

    private func settle() -> Bool {
        self.settled.withLockedValue { settled in
            defer { settled = true }
            return !settled
        }
    }
}

/// Carries out what the state machine says, on the connection's event loop.
final class SMTPClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = SMTPReply
    typealias OutboundOut = ByteBuffer

    private var machine: SMTPStateMachine
    private let delivered: Outcome
    private let startTLS: (any Channel) throws -> Void

    init(machine: SMTPStateMachine, delivered: Outcome, startTLS: @escaping (any Channel) throws -> Void) {
        self.machine = machine
        self.delivered = delivered
        self.startTLS = startTLS
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.perform(self.machine.received(Self.unwrapInboundIn(data)), context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            self.perform(self.machine.tlsEstablished(), context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.delivered.fail(error as? SMTPError ?? SMTPError.connectionFailed("\(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.delivered.fail(SMTPError.connectionFailed("the server closed the connection"))
        context.fireChannelInactive()
    }

    private func perform(_ action: SMTPStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .send(let line):
            context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(string: line + "\r\n")), promise: nil)
        case .sendMessage(let data):
            context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(string: data)), promise: nil)
        case .startTLS:
            do {
                try self.startTLS(context.channel)
            } catch {
                self.errorCaught(context: context, error: error)
            }
        case .delivered:
            self.delivered.succeed()
            context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(string: "QUIT\r\n")), promise: nil)
        case .fail(let error):
            self.delivered.fail(error)
            context.close(promise: nil)
        case .close:
            context.close(promise: nil)
        case .wait:
            break
        }
    }
}
