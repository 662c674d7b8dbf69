// swift-tools-version:6.2
import PackageDescription

/// One set of settings for every target, as Hummingbird's own manifest does.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

extension Target.Dependency {
    static let hummingbird = Self.product(name: "Hummingbird", package: "hummingbird")
    static let hummingbirdTesting = Self.product(name: "HummingbirdTesting", package: "hummingbird")
    static let bcrypt = Self.product(name: "HummingbirdBcrypt", package: "hummingbird-auth")
    static let postgres = Self.product(name: "PostgresNIO", package: "postgres-nio")
    static let connectionPool = Self.product(name: "_ConnectionPoolModule", package: "postgres-nio")
    static let httpClient = Self.product(name: "AsyncHTTPClient", package: "async-http-client")
    static let jwt = Self.product(name: "JWTKit", package: "jwt-kit")
    static let logging = Self.product(name: "Logging", package: "swift-log")
    static let metrics = Self.product(name: "Metrics", package: "swift-metrics")
    static let prometheus = Self.product(name: "Prometheus", package: "swift-prometheus")
    static let lifecycle = Self.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
    static let httpTypes = Self.product(name: "HTTPTypes", package: "swift-http-types")
    static let nioCore = Self.product(name: "NIOCore", package: "swift-nio")
    static let nioPosix = Self.product(name: "NIOPosix", package: "swift-nio")
    static let nioHTTP1 = Self.product(name: "NIOHTTP1", package: "swift-nio")
    static let nioWebSocket = Self.product(name: "NIOWebSocket", package: "swift-nio")
    static let nioHTTPTypes = Self.product(name: "NIOHTTPTypes", package: "swift-nio-extras")
    static let nioHTTPTypesHTTP1 = Self.product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras")
    static let hummingbirdCore = Self.product(name: "HummingbirdCore", package: "hummingbird")
    static let crypto = Self.product(name: "Crypto", package: "swift-crypto")
    static let nioFoundation = Self.product(name: "NIOFoundationCompat", package: "swift-nio")
}

/// A service is a testable library (`buildApplication(configuration:)`) and a thin executable.
func service(_ name: String, product: String, dependencies: [Target.Dependency]) -> [Target] {
    [
        .target(
            name: "\(name)App",
            dependencies: dependencies,
            path: "Services/\(name)/Sources",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: product,
            dependencies: [.byName(name: "\(name)App"), "ServiceKit", .lifecycle, .logging],
            path: "Services/\(name)/Main",
            swiftSettings: swiftSettings
        ),
    ]
}

let package = Package(
    name: "swift-chat",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gateway", targets: ["gateway"]),
        .executable(name: "messages", targets: ["messages"]),
        .executable(name: "presence", targets: ["presence"]),
        .executable(name: "uploads", targets: ["uploads"]),
        .executable(name: "chat-loadtest", targets: ["chat-loadtest"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        .systemLibrary(name: "CHiredis", path: "Shared/CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .target(
            name: "Redis",
            dependencies: ["CHiredis", .nioCore, .nioPosix, .logging, .lifecycle],
            path: "Shared/Redis",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SocketIO",
            dependencies: [.nioCore, .nioFoundation],
            path: "Shared/SocketIO",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChatModels",
            path: "Shared/ChatModels",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServiceKit",
            dependencies: [
                "ChatModels", "Redis", "SocketIO", .hummingbird, .jwt, .bcrypt, .httpClient, .logging, .metrics, .prometheus,
                .lifecycle, .httpTypes, .nioCore, .nioPosix, .nioFoundation, .nioHTTP1,
            ],
            path: "Shared/ServiceKit",
            swiftSettings: swiftSettings
        ),
    ]
        + service("Gateway", product: "gateway", dependencies: ["ServiceKit", "ChatModels", "Redis", "SocketIO", .hummingbird, .hummingbirdCore, .httpClient, .httpTypes, .nioHTTP1, .nioWebSocket, .nioHTTPTypes, .nioHTTPTypesHTTP1, .nioFoundation])
        + service("Messages", product: "messages", dependencies: ["ServiceKit", "ChatModels", "Redis", .hummingbird, .postgres, .connectionPool, .httpClient, .nioFoundation, .nioHTTP1])
        + service("Presence", product: "presence", dependencies: ["ServiceKit", "ChatModels", "Redis", .hummingbird, .httpClient, .nioFoundation, .nioHTTP1])
        + service("Uploads", product: "uploads", dependencies: ["ServiceKit", "ChatModels", "Redis", .hummingbird, .httpClient, .httpTypes, .crypto, .nioCore, .nioPosix, .nioFoundation, .nioHTTP1])
        + [
            .target(
                name: "LoadTestKit",
                dependencies: ["SocketIO", .nioCore, .nioPosix, .nioHTTP1, .nioWebSocket, .httpClient, .nioFoundation, .product(name: "Histogram", package: "hdrhistogram-swift")],
                path: "Tools/LoadTest/Sources",
                swiftSettings: swiftSettings
            ),
            .executableTarget(
                name: "chat-loadtest",
                dependencies: ["LoadTestKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                path: "Tools/LoadTest/Main",
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "LoadTestKitTests",
                dependencies: ["LoadTestKit", "SocketIO", .nioCore],
                path: "Tests/LoadTestKitTests",
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "RedisTests",
                dependencies: ["Redis", .nioPosix, .lifecycle],
                path: "Tests/RedisTests",
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "SocketIOTests",
                dependencies: ["SocketIO", .nioCore],
                path: "Tests/SocketIOTests",
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "ServiceKitTests",
                dependencies: ["ServiceKit", "ChatModels", .hummingbirdTesting, .httpTypes],
                path: "Tests/ServiceKitTests",
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "ServicesTests",
                dependencies: ["GatewayApp", "MessagesApp", "PresenceApp", "UploadsApp", "ServiceKit", "ChatModels", "Redis", .hummingbirdTesting, .httpClient, .postgres, .httpTypes, .nioPosix, .nioFoundation, .nioWebSocket, .nioHTTP1, .product(name: "NIOEmbedded", package: "swift-nio"), "SocketIO", .product(name: "Crypto", package: "swift-crypto")],
                path: "Tests/ServicesTests",
                swiftSettings: swiftSettings
            ),
        ]
)
