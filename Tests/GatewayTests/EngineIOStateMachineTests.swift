import NIOCore
import SocketIO
import Testing

@testable import GatewayApp

/// The Engine.IO rules without a channel: each input, and the action it asks for.
@Suite struct EngineIOStateMachineTests {
    typealias Machine = EngineIOStateMachine

    static func text(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    static func packet(_ text: String) throws -> SocketIOPacket { try SocketIOPacket(parsing: ByteBuffer(string: text)) }

    @Test func aPingArmsOnePongDeadlineThatThePongDisarms() {
        var machine = Machine(eventBurst: 10, eventsPerSecond: 10)
        #expect(machine.pingDue() == .ping(deadline: 1))
        #expect(machine.pingDue() == .ping(deadline: nil))  // the first deadline still runs
        #expect(machine.textReceived(Self.text("3")) == .none)
        #expect(machine.textReceived(Self.text("3")) == .none)
        #expect(machine.pongDeadlinePassed(ping: 1) == .none)  // answered: nothing to do
        #expect(machine.pingDue() == .ping(deadline: 2))
        #expect(machine.pongDeadlinePassed(ping: 1) == .none)  // an older ping's, not this one's
        #expect(!machine.isClosed)
        #expect(machine.pongDeadlinePassed(ping: 2) == .close(.pongTimeout))
        #expect(machine.isClosed)
    }

    @Test func aClosedSessionAsksForNothingMore() {
        var machine = Machine(eventBurst: 10, eventsPerSecond: 10)
        #expect(machine.close(.serverShutdown) == .close(.serverShutdown))
        #expect(machine.close(.clientClosed) == .none)
        #expect(machine.pingDue() == .none)
        #expect(machine.textReceived(Self.text("42[\"a\"]")) == .none)
        #expect(machine.binaryReceived() == .none)
        #expect(machine.connectCheck(signedIn: false) == .none)
    }

    @Test func theConnectIsDelivered() throws {
        var machine = Machine(eventBurst: 10, eventsPerSecond: 10)
        #expect(machine.textReceived(Self.text(#"40{"token":"t"}"#)) == .deliver(try Self.packet(#"0{"token":"t"}"#)))
        #expect(machine.textReceived(Self.text("41")) == .deliver(try Self.packet("1")))
    }

    @Test func onlyAnAcceptedConnectKeepsTheSessionOpen() throws {
        var never = Machine(eventBurst: 10, eventsPerSecond: 10)
        #expect(never.connectCheck(signedIn: false) == .close(.noConnect))
        // Signed in: no more checks until the client sends DISCONNECT. Then one more check to
        // CONNECT again, then the end.
        var leaving = Machine(eventBurst: 10, eventsPerSecond: 10)
        #expect(leaving.connectCheck(signedIn: true) == .none)
        #expect(leaving.textReceived(Self.text("41")) == .deliverAndCheckConnect(try Self.packet("1")))
        #expect(leaving.connectCheck(signedIn: false) == .checkConnectAgain)
        #expect(leaving.connectCheck(signedIn: true) == .none)
        #expect(leaving.textReceived(Self.text("41")) == .deliverAndCheckConnect(try Self.packet("1")))
        #expect(leaving.textReceived(Self.text("41")) == .deliver(try Self.packet("1")))  // a check is due already
        #expect(leaving.connectCheck(signedIn: false) == .checkConnectAgain)
        #expect(leaving.connectCheck(signedIn: false) == .close(.noConnect))
        // A check between the DISCONNECT and its sign-out (the session's task signs out after
        // leaving its rooms) finds the session still signed in: it checks again.
        var racing = Machine(eventBurst: 10, eventsPerSecond: 10)
        #expect(racing.textReceived(Self.text("41")) == .deliver(try Self.packet("1")))
        #expect(racing.connectCheck(signedIn: true) == .checkConnectAgain)
        #expect(racing.connectCheck(signedIn: false) == .checkConnectAgain)
        #expect(racing.connectCheck(signedIn: false) == .close(.noConnect))
    }

    @Test func eventsPastTheAllowanceAreRefusedThenAllowedAgain() throws {
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var machine = Machine(eventBurst: 2, eventsPerSecond: 1, now: start)
        let event = try Self.packet(#"21["a"]"#)
        #expect(machine.textReceived(Self.text(#"421["a"]"#), now: start) == .deliver(event))
        #expect(machine.textReceived(Self.text(#"421["a"]"#), now: start) == .deliver(event))
        #expect(machine.textReceived(Self.text(#"421["a"]"#), now: start) == .refuse(ackID: 1))
        #expect(machine.textReceived(Self.text(#"42["a"]"#), now: start) == .refuse(ackID: nil))
        #expect(machine.textReceived(Self.text(#"421["a"]"#), now: start + .seconds(1)) == .deliver(event))
    }

    @Test func onlyAClientThatKeepsFloodingIsLetGo() {
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var machine = Machine(eventBurst: 1, eventsPerSecond: 1, now: start)
        _ = machine.textReceived(Self.text(#"42["a"]"#), now: start)
        for _ in 0..<500 { #expect(machine.textReceived(Self.text(#"42["a"]"#), now: start) == .refuse(ackID: nil)) }
        #expect(machine.textReceived(Self.text(#"42["a"]"#), now: start) == .close(.flooding))
    }

    @Test func theAttachmentsOfABinaryEventAreSkippedAndNoMore() throws {
        var machine = Machine(eventBurst: 10, eventsPerSecond: 10)
        let binary = #"451-["file",{"_placeholder":true,"num":0}]"#
        #expect(machine.textReceived(Self.text(binary)) == .deliver(try Self.packet(String(binary.dropFirst()))))
        #expect(machine.binaryReceived() == .none)
        #expect(machine.binaryReceived() == .close(.unexpectedBinary))
        var waiting = Machine(eventBurst: 10, eventsPerSecond: 10)
        _ = waiting.textReceived(Self.text(binary))
        #expect(waiting.textReceived(Self.text(#"42["a"]"#)) == .close(.protocolViolation))  // an attachment was due
    }

    @Test(arguments: ["hello", "", "7", "2", "5", "0{}", "4", "4x", "49"])
    func packetsOutsideTheProtocolCloseTheSession(frame: String) {
        var machine = Machine(eventBurst: 10, eventsPerSecond: 10)
        #expect(machine.textReceived(Self.text(frame)) == .close(.protocolViolation))
    }

    @Test func closeAndNoopPacketsAreTheClients() {
        var machine = Machine(eventBurst: 10, eventsPerSecond: 10)
        #expect(machine.textReceived(Self.text("6")) == .none)
        #expect(machine.inboxOverflowed() == .close(.backlogged))
        var leaving = Machine(eventBurst: 10, eventsPerSecond: 10)
        #expect(leaving.textReceived(Self.text("1")) == .close(.clientClosed))
    }
}
