import Foundation
import Testing

@testable import Mail

/// The SMTP dialogue, reply by reply, without a socket.
@Suite struct SMTPStateMachineTests {
    static func machine(_ security: SMTPStateMachine.Security, user: String? = nil, to: String = "ada@example.com") -> SMTPStateMachine {
        SMTPStateMachine(
            security: security,
            credentials: user.map { ($0, "s3cret") },
            clientName: "chat.test",
            sender: "no-reply@chat.test",
            recipient: to,
            data: "Subject: hi\r\n\r\n.hidden\r\nbody\r\n"
        )
    }

    static func reply(_ code: Int, _ lines: String...) -> SMTPReply { SMTPReply(code: code, lines: lines.isEmpty ? [""] : lines) }

    @Test func startTLSThenAuthPlainThenTheMessage() {
        var machine = Self.machine(.startTLS, user: "mailer")
        #expect(machine.received(Self.reply(220, "sink ESMTP")) == .send("EHLO chat.test"))
        #expect(machine.received(Self.reply(250, "sink", "PIPELINING", "STARTTLS")) == .send("STARTTLS"))
        #expect(machine.received(Self.reply(220, "go ahead")) == .startTLS)
        #expect(machine.tlsEstablished() == .send("EHLO chat.test"))
        let plain = Data("\0mailer\0s3cret".utf8).base64EncodedString()
        #expect(machine.received(Self.reply(250, "sink", "AUTH LOGIN PLAIN", "8BITMIME")) == .send("AUTH PLAIN \(plain)"))
        #expect(machine.received(Self.reply(235, "ok")) == .send("MAIL FROM:<no-reply@chat.test>"))
        #expect(machine.received(Self.reply(250)) == .send("RCPT TO:<ada@example.com>"))
        #expect(machine.received(Self.reply(250)) == .send("DATA"))
        // A line starting with a dot is doubled, so it cannot end the data early.
        #expect(machine.received(Self.reply(354)) == .sendMessage("Subject: hi\r\n\r\n..hidden\r\nbody\r\n.\r\n"))
        #expect(machine.received(Self.reply(250, "queued")) == .delivered)
        #expect(machine.received(Self.reply(221)) == .close)
    }

    @Test func authLoginWhenPlainIsNotOffered() {
        var machine = Self.machine(.implicitTLS, user: "mailer")
        #expect(machine.tlsEstablished() == .wait, "TLS from the first byte: the greeting comes next")
        #expect(machine.received(Self.reply(220)) == .send("EHLO chat.test"))
        #expect(machine.received(Self.reply(250, "sink", "AUTH LOGIN")) == .send("AUTH LOGIN"))
        #expect(machine.received(Self.reply(334, "VXNlcm5hbWU6")) == .send(Data("mailer".utf8).base64EncodedString()))
        #expect(machine.received(Self.reply(334, "UGFzc3dvcmQ6")) == .send(Data("s3cret".utf8).base64EncodedString()))
        #expect(machine.received(Self.reply(535, "bad credentials")) == .fail(.rejected(stage: "auth", code: 535, message: "bad credentials")))
    }

    @Test func requiredTLSThatIsNotOfferedSendsNothingElse() {
        var machine = Self.machine(.startTLS, user: "mailer")
        _ = machine.received(Self.reply(220))
        #expect(machine.received(Self.reply(250, "sink", "AUTH PLAIN")) == .fail(.tlsUnavailable))
        #expect(machine.received(Self.reply(250)) == .close, "nothing after a failure")
    }

    @Test func refusalsSayWhereAndWhetherToTryAgain() {
        var machine = Self.machine(.none)
        _ = machine.received(Self.reply(220))
        _ = machine.received(Self.reply(250, "sink"))
        _ = machine.received(Self.reply(250))
        let refused = machine.received(Self.reply(550, "no such user"))
        #expect(refused == .fail(.rejected(stage: "rcpt", code: 550, message: "no such user")))
        if case .fail(let error) = refused { #expect(error.isPermanent) }
        #expect(!SMTPError.rejected(stage: "rcpt", code: 451, message: "later").isPermanent)
        #expect(!SMTPError.rejected(stage: "auth", code: 535, message: "bad credentials").isPermanent, "an operator may mend it")
        #expect(!SMTPError.timedOut.isPermanent)
        var greeting = Self.machine(.none)
        #expect(greeting.received(Self.reply(554, "go away")) == .fail(.rejected(stage: "greeting", code: 554, message: "go away")))
    }

    @Test func anAddressBeyondASCIINeedsSMTPUTF8() {
        var without = Self.machine(.none, to: "zoë@example.com")
        _ = without.received(Self.reply(220))
        guard case .fail(let error) = without.received(Self.reply(250, "sink")) else {
            Issue.record("sent anyway")
            return
        }
        #expect(error.isPermanent)
        var with = Self.machine(.none, to: "zoë@example.com")
        _ = with.received(Self.reply(220))
        #expect(with.received(Self.reply(250, "sink", "SMTPUTF8")) == .send("MAIL FROM:<no-reply@chat.test> SMTPUTF8"))
    }
}
