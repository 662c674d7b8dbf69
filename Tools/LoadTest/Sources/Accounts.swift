import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Users and conversations made through the chat's REST API, as a real client would:
/// register (which returns a token), then conversations opened by one of their members.
public struct Accounts: Sendable {
    public struct User: Sendable {
        public var id: String
        public var token: String
        public var isExpert = false
    }

    let api: String
    let http: HTTPClient
    let concurrency: Int

    public init(api: String, http: HTTPClient, concurrency: Int = 16) {
        self.api = api.hasSuffix("/") ? String(api.dropLast()) : api
        self.http = http
        self.concurrency = concurrency
    }

    /// `count` new users; the ones whose index `isExpert` says are experts.
    public func register(_ count: Int, run: String, isExpert: @escaping @Sendable (Int) -> Bool) async throws -> [User] {
        try await self.concurrently(count) { index in
            struct Body: Encodable { var name, email, password, role: String }
            struct Reply: Decodable {
                struct User: Decodable { var id: String }
                var token: String
                var user: User
            }
            let body = Body(
                name: "Load \(index)",
                email: "lt-\(run)-\(index)@load.test",
                password: "load-test-password",
                role: isExpert(index) ? "expert" : "student"
            )
            let reply: Reply = try await self.post("/api/auth/register", body, token: nil, expect: 201)
            return User(id: reply.user.id, token: reply.token, isExpert: isExpert(index))
        }
    }

    /// A group conversation per room, opened by its first student: under the default
    /// `CONTACT_POLICY` an expert does not start a conversation with students.
    public func conversations(for rooms: [[User]]) async throws -> [String] {
        try await self.concurrently(rooms.count) { index in
            struct Body: Encodable {
                var participantIds: [String]
                var title: String
            }
            struct Reply: Decodable { var id: String }
            let room = rooms[index]
            let opener = room.first(where: { !$0.isExpert }) ?? room[0]
            let reply: Reply = try await self.post(
                "/api/chat/conversations",
                Body(participantIds: room.filter { $0.id != opener.id }.map(\.id), title: "load room \(index)"),
                token: opener.token,
                expect: 201
            )
            return reply.id
        }
    }

    private func post<Body: Encodable, Reply: Decodable>(_ path: String, _ body: Body, token: String?, expect status: Int) async throws -> Reply {
        var request = HTTPClientRequest(url: self.api + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(try JSONEncoder().encode(body))
        let response = try await self.http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        guard Int(response.status.code) == status else {
            throw LoadTestError.setup("POST \(path): \(response.status.code) \(String(buffer: bytes).prefix(200))")
        }
        return try JSONDecoder().decode(Reply.self, from: bytes)
    }

    /// `make(i)` for every i below `count`, at most `concurrency` at once, in order.
    private func concurrently<T: Sendable>(_ count: Int, _ make: @escaping @Sendable (Int) async throws -> T) async throws -> [T] {
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: count)
            var next = 0
            while next < min(count, self.concurrency) {
                let index = next
                group.addTask { (index, try await make(index)) }
                next += 1
            }
            while let (index, value) = try await group.next() {
                results[index] = value
                if next < count {
                    let index = next
                    group.addTask { (index, try await make(index)) }
                    next += 1
                }
            }
            return results.map { $0! }
        }
    }
}
