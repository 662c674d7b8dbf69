import Foundation
import Mail

/// The mail this service writes, each in plain text and in HTML with the product's name and
/// a link back. User text (a name) is escaped in the HTML and made single-line in subjects.
struct MailTemplates: Sendable {
    let settings: MailSettings

    /// `messages send-test-mail`: proof that mail goes out.
    func test(to: MailAddress) -> MailMessage {
        self.message(
            to: to,
            subject: "A test from \(self.settings.productName)",
            paragraphs: ["This is a test message: mail from \(self.settings.productName) reaches this address."],
            action: nil
        )
    }

    /// "Forgot password?": a link that sets a new password, once, for `minutes`.
    func passwordReset(to: MailAddress, link: URL, minutes: Int) -> MailMessage {
        self.message(
            to: to,
            subject: "Reset your \(self.settings.productName) password",
            paragraphs: [
                "Hello \(to.name ?? ""),".replacingOccurrences(of: " ,", with: ","),
                "Someone (we hope you) asked to reset the password of your \(self.settings.productName) account. The link below sets a new one; it works once, for \(minutes) minutes.",
                "If it was not you, ignore this message: your password stays as it is.",
            ],
            action: ("Choose a new password", link)
        )
    }

    /// At sign-up: a link that confirms the address, for `days`.
    func emailVerification(to: MailAddress, link: URL, days: Int) -> MailMessage {
        self.message(
            to: to,
            subject: "Confirm your email address for \(self.settings.productName)",
            paragraphs: [
                "Welcome to \(self.settings.productName)\(to.name.map { ", \($0)" } ?? "")!",
                "Please confirm that this address is yours: the link below does it, within \(days) days. Until then you can look around, but not write to anyone.",
                "If you did not sign up, ignore this message.",
            ],
            action: ("Confirm my address", link)
        )
    }

    /// What someone away has not read: each conversation with its newest lines and a link
    /// straight to it; a one-click unsubscribe (RFC 8058) in the headers, and in the text.
    func missedMessages(to: MailAddress, conversations: [MissedMessageMailer.Summary], unsubscribe token: String) -> MailMessage {
        let total = conversations.reduce(0) { $0 + $1.count }
        let subject =
            conversations.count == 1
            ? "\(total) unread message\(total == 1 ? "" : "s") from \(conversations[0].title) on \(self.settings.productName)"
            : "\(total) unread messages in \(conversations.count) conversations on \(self.settings.productName)"
        let sections = conversations.map { summary in
            Section(
                heading: summary.count > summary.lines.count ? "\(summary.title) (\(summary.count) unread)" : summary.title,
                lines: summary.lines.map { "\($0.sender): \($0.text)" },
                link: ("Open the conversation", self.link("chat/c/\(summary.conversationID.uuidString.lowercased())"))
            )
        }
        let page = self.link("chat/unsubscribe/\(token)")
        var message = self.message(
            to: to,
            subject: subject,
            paragraphs: ["Hello \(to.name ?? ""), while you were away:".replacingOccurrences(of: "Hello , ", with: "Hello, ")],
            sections: sections,
            action: nil,
            footer:
                "You get this because you have unread messages on \(self.settings.productName). Choose how often in your profile, or stop these mails: \(page.absoluteString)"
        )
        message.headers = [
            ("List-Unsubscribe", "<\(self.link("api/email/unsubscribe/\(token)").absoluteString)>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ]
        return message
    }

    /// A part of a mail: a heading, lines, and a link.
    struct Section {
        var heading: String
        var lines: [String]
        var link: (label: String, url: URL)
    }

    /// The page's address, with `path` after it (`/chat/reset/<token>`).
    func link(_ path: String) -> URL {
        self.settings.publicURL.appendingPathComponent(path)
    }

    private func message(
        to: MailAddress,
        subject: String,
        paragraphs: [String],
        sections: [Section] = [],
        action: (label: String, url: URL)?,
        footer: String? = nil
    ) -> MailMessage {
        let home = self.link("chat")
        var text = paragraphs.joined(separator: "\n\n")
        for section in sections {
            text += "\n\n\(section.heading)\n" + section.lines.map { "  \($0)" }.joined(separator: "\n")
            text += "\n  \(section.link.label): \(section.link.url.absoluteString)"
        }
        if let action { text += "\n\n\(action.label):\n\(action.url.absoluteString)" }
        if let footer { text += "\n\n\(footer)" }
        text += "\n\n-- \n\(self.settings.productName): \(home.absoluteString)\n"
        var html = "<!doctype html><html><body style=\"font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2328\">"
        html += "<p style=\"font-weight: 700; font-size: 1.1rem\">\(Self.escape(self.settings.productName))</p>"
        for paragraph in paragraphs { html += "<p>\(Self.escape(paragraph))</p>" }
        for section in sections {
            html += "<h2 style=\"font-size: 1rem; margin: 16px 0 4px\">\(Self.escape(section.heading))</h2>"
            for line in section.lines { html += "<p style=\"margin: 2px 0\">\(Self.escape(line))</p>" }
            html +=
                "<p style=\"margin: 4px 0 0\"><a href=\"\(Self.escape(section.link.url.absoluteString))\">\(Self.escape(section.link.label))</a></p>"
        }
        if let footer { html += "<p style=\"color: #59636e; font-size: 0.85rem; margin-top: 24px\">\(Self.escape(footer))</p>" }
        if let action {
            html += "<p><a href=\"\(Self.escape(action.url.absoluteString))\" style=\"display: inline-block; padding: 8px 16px; "
            html += "background: #1f5fcc; color: #fff; border-radius: 6px; text-decoration: none\">\(Self.escape(action.label))</a></p>"
            html += "<p style=\"color: #59636e; font-size: 0.9rem\">Or open: \(Self.escape(action.url.absoluteString))</p>"
        }
        html +=
            "<p style=\"color: #59636e; font-size: 0.9rem\"><a href=\"\(Self.escape(home.absoluteString))\">\(Self.escape(self.settings.productName))</a></p>"
        html += "</body></html>"
        return MailMessage(from: self.settings.from, to: to, subject: subject, text: text, html: html)
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
