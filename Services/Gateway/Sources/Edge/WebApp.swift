import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// The chat page: the files of `Web/` (HTML, CSS, JavaScript modules; no build step),
/// read once at start and served at `/chat/…`, the page itself at `/chat`, at each
/// conversation's address (`/chat/c/<id>`) and at a group's invite link
/// (`/chat/join/<token>`) and a password reset link (`/chat/reset/<token>`), the moderation page at `/chat/admin`, and `/` sent there; the
/// API's OpenAPI document at `/api/openapi.json`. Every answer revalidates by ETag (`no-cache`: a deploy is seen
/// at once, an unchanged file costs a 304), and the page is held to a
/// Content-Security-Policy that runs only this origin's scripts and styles, inline ones never.
struct WebApp: Sendable {
    let files: [String: StaticFile]

    static let contentSecurityPolicy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' blob: data:",
        "media-src 'self' blob:", "connect-src 'self'", "object-src 'none'", "base-uri 'none'",
        "frame-ancestors 'none'", "form-action 'self'",
    ].joined(separator: "; ")

    static let types = [
        "html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8",
        "svg": "image/svg+xml", "png": "image/png", "ico": "image/x-icon", "webmanifest": "application/manifest+json",
        "json": "application/json", "mjs": "text/javascript; charset=utf-8", "woff2": "font/woff2",
    ]

    /// The REST API's OpenAPI document, among the files and served at `/api/openapi.json` too.
    static let apiDocument = "api/openapi.json"

    /// Nil when `root` holds no `index.html`.
    init?(root: String) {
        var files: [String: StaticFile] = [:]
        let base = URL(fileURLWithPath: root).standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: base) else { return nil }
        while let relative = walker.nextObject() as? String {
            let type = Self.types[(relative as NSString).pathExtension.lowercased()]
            guard let type, !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) else { continue }
            var headers: HTTPFields = [.contentType: type, .cacheControl: "no-cache", .xContentTypeOptions: "nosniff"]
            if relative.hasSuffix(".html") {
                headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
                headers[.referrerPolicy] = "no-referrer"
            }
            if let file = StaticFile(path: base + "/" + relative, headers: headers) { files[relative] = file }
        }
        guard files["index.html"] != nil else { return nil }
        self.files = files
    }

    func register(on router: Router<ChatRequestContext>) {
        router.get("/") { _, _ in Response(status: .found, headers: [.location: "/chat"]) }
        let index = self.files["index.html"]!
        router.get("/chat") { request, _ in index.response(to: request) }
        // A conversation's address is the page's own: the page opens it.
        router.get("/chat/c/:conversation") { request, _ in index.response(to: request) }
        // An invite link to a group: the page asks whether to join it.
        router.get("/chat/join/:token") { request, _ in index.response(to: request) }
        // A password reset link from a mail: the page asks for the new password.
        router.get("/chat/reset/:token") { request, _ in index.response(to: request) }
        // An address confirmation link: the page confirms it and goes on.
        router.get("/chat/verify/:token") { request, _ in index.response(to: request) }
        // A mail's unsubscribe link: the page stops the mail and says so.
        router.get("/chat/unsubscribe/:token") { request, _ in index.response(to: request) }
        // The moderation page, for admins (the API refuses anyone else).
        if let admin = self.files["admin.html"] {
            router.get("/chat/admin") { request, _ in admin.response(to: request) }
        }
        for (path, file) in self.files {
            router.get(RouterPath("/chat/" + path)) { request, _ in file.response(to: request) }
        }
        if let document = self.files[Self.apiDocument] {
            router.get(RouterPath("/" + Self.apiDocument)) { request, _ in document.response(to: request) }
        }
    }
}

extension HTTPField.Name {
    static let contentSecurityPolicy = Self("Content-Security-Policy")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
}
