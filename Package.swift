// swift-tools-version:6.2
import PackageDescription

/// One set of settings for every target, as Hummingbird's own manifest does.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

extension Target.Dependency {
    static let argumentParser = Self.product(name: "ArgumentParser", package: "swift-argument-parser")
    static let bcrypt = Self.product(name: "HummingbirdBcrypt", package: "hummingbird-auth")
    static let connectionPool = Self.product(name: "_ConnectionPoolModule", package: "postgres-nio")
    static let crypto = Self.product(name: "Crypto", package: "swift-crypto")
    static let histogram = Self.product(name: "Histogram", package: "hdrhistogram-swift")
    static let httpClient = Self.product(name: "AsyncHTTPClient", package: "async-http-client")
    static let httpTypes = Self.product(name: "HTTPTypes", package: "swift-http-types")
    static let hummingbird = Self.product(name: "Hummingbird", package: "hummingbird")
    static let hummingbirdCore = Self.product(name: "HummingbirdCore", package: "hummingbird")
    static let hummingbirdTesting = Self.product(name: "HummingbirdTesting", package: "hummingbird")
    static let jwt = Self.product(name: "JWTKit", package: "jwt-kit")
    static let lifecycle = Self.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
    static let lifecycleTestKit = Self.product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle")
    static let logging = Self.product(name: "Logging", package: "swift-log")
    static let metrics = Self.product(name: "Metrics", package: "swift-metrics")
    static let coreMetrics = Self.product(name: "CoreMetrics", package: "swift-metrics")
    static let nioConcurrency = Self.product(name: "NIOConcurrencyHelpers", package: "swift-nio")
    static let nioCore = Self.product(name: "NIOCore", package: "swift-nio")
    static let nioEmbedded = Self.product(name: "NIOEmbedded", package: "swift-nio")
    static let nioFoundation = Self.product(name: "NIOFoundationCompat", package: "swift-nio")
    static let nioHTTP1 = Self.product(name: "NIOHTTP1", package: "swift-nio")
    static let nioHTTPTypes = Self.product(name: "NIOHTTPTypes", package: "swift-nio-extras")
    static let nioHTTPTypesHTTP1 = Self.product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras")
    static let nioPosix = Self.product(name: "NIOPosix", package: "swift-nio")
    static let nioWebSocket = Self.product(name: "NIOWebSocket", package: "swift-nio")
    static let postgres = Self.product(name: "PostgresNIO", package: "postgres-nio")
    static let prometheus = Self.product(name: "Prometheus", package: "swift-prometheus")
    static let nioSSL = Self.product(name: "NIOSSL", package: "swift-nio-ssl")
    static let nioTLS = Self.product(name: "NIOTLS", package: "swift-nio")
}

/// A library target under `Shared/<name>`.
func shared(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .target(name: name, dependencies: dependencies, path: "Shared/\(name)", swiftSettings: swiftSettings)
}

/// A service: a testable library (`buildApplication(configuration:)`) and a thin executable.
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
            dependencies: [.byName(name: "\(name)App"), "ServiceKit"],
            path: "Services/\(name)/Main",
            swiftSettings: swiftSettings
        ),
    ]
}

/// A test target under `Tests/<name>`.
func tests(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .testTarget(name: name, dependencies: dependencies, path: "Tests/\(name)", swiftSettings: swiftSettings)
}

/// What every service target uses: the runtime, configuration, logging and lifecycle.
let serviceBase: [Target.Dependency] = [
    "ServiceKit", "Auth", "ServiceConfiguration", "ChatModels", "EventBus", "ServiceClients", "Redis", .hummingbird, .logging,
    .lifecycle, .nioCore, .nioPosix,
]

/// What every service's tests use: a messages service to set up against, and its calls.
let serviceTests: [Target.Dependency] = [
    "ChatTestSupport", "MessagesTestSupport", "MessagesApp", "ServiceKit", "Auth", "ChatModels", "Redis", .hummingbird, .hummingbirdTesting, .nioCore,
    .nioFoundation,
]

let package = Package(
    name: "swift-chat",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gateway", targets: ["gateway"]),
        .executable(name: "messages", targets: ["messages"]),
        .executable(name: "presence", targets: ["presence"]),
        .executable(name: "uploads", targets: ["uploads"]),
        .executable(name: "chat-loadtest", targets: ["chat-loadtest"]),
        .executable(name: "chat-fuzz", targets: ["chat-fuzz"]),
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
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        // Shared: Redis → bus → services, with the codecs and the service runtime beside them.
        .systemLibrary(name: "CHiredis", path: "Shared/CHiredis", providers: [.apt(["libhiredis-dev"])]),
        shared("Redis", ["CHiredis", .nioCore, .nioPosix, .nioConcurrency, .logging, .lifecycle]),
        shared("JSONKit", [.nioCore, .nioFoundation]),
        shared("ChatModels", ["JSONKit", .httpTypes, .nioCore, .nioFoundation]),
        shared("SocketIO", ["JSONKit", .nioCore]),
        shared("FileTransfer", [.nioCore]),
        shared("ServiceConfiguration", [.logging]),
        shared(
            "EventBus",
            [
                "Redis", "ChatModels", "JSONKit", "ServiceConfiguration", .httpTypes, .nioCore, .nioConcurrency,
                .nioFoundation, .logging, .lifecycle,
            ]
        ),
        shared(
            "Auth",
            [
                "ChatModels", "JSONKit", "ServiceConfiguration", "Redis", .jwt, .logging, .lifecycle, .nioCore,
                .nioConcurrency,
            ]
        ),
        shared(
            "ServiceKit",
            [
                "Auth", "ChatModels", "JSONKit", "ServiceConfiguration", .hummingbird, .hummingbirdCore, .httpClient, .httpTypes,
                .logging, .metrics, .coreMetrics, .prometheus, .lifecycle, .nioCore, .nioPosix, .nioConcurrency, .nioFoundation,
                .nioHTTP1,
            ]
        ),
        shared("ServiceClients", ["ChatModels", "JSONKit", "ServiceConfiguration", .httpClient, .nioCore, .nioFoundation, .nioHTTP1]),
        shared("Mail", ["ServiceConfiguration", .logging, .nioConcurrency, .nioCore, .nioPosix, .nioSSL, .nioTLS]),
    ]
        + service(
            "Gateway",
            product: "gateway",
            dependencies: serviceBase + [
                "JSONKit", "SocketIO", .httpClient, .hummingbirdCore, .httpTypes, .nioConcurrency, .nioFoundation, .nioHTTP1,
                .nioWebSocket, .nioHTTPTypes, .nioHTTPTypesHTTP1,
            ]
        )
        + service(
            "Messages",
            product: "messages",
            dependencies: serviceBase + [
                "JSONKit", "Mail", .postgres, .connectionPool, .bcrypt, .crypto, .httpTypes, .nioConcurrency, .nioFoundation, .coreMetrics,
            ]
        )
        + service(
            "Presence",
            product: "presence",
            dependencies: serviceBase + ["JSONKit", .httpClient, .crypto, .nioConcurrency, .nioFoundation]
        )
        + service(
            "Uploads",
            product: "uploads",
            dependencies: serviceBase + ["FileTransfer", .httpClient, .httpTypes, .crypto, .nioConcurrency]
        )
        + [
            .target(
                name: "LoadTestKit",
                dependencies: [
                    "SocketIO", .nioCore, .nioPosix, .nioHTTP1, .nioWebSocket, .nioFoundation, .httpClient,
                    .histogram,
                ],
                path: "Tools/LoadTest/Sources",
                swiftSettings: swiftSettings
            ),
            .executableTarget(
                name: "chat-loadtest",
                dependencies: ["LoadTestKit", .argumentParser, .httpClient, .nioCore],
                path: "Tools/LoadTest/Main",
                swiftSettings: swiftSettings
            ),
            // The parsers of what clients send, under libFuzzer (./scripts/fuzz) or replaying saved inputs.
            .target(
                name: "FuzzTargets",
                dependencies: ["SocketIO", "JSONKit", "ChatModels", "FileTransfer", .nioCore, .nioFoundation],
                path: "Tools/Fuzz/Targets",
                swiftSettings: swiftSettings
            ),
            .executableTarget(
                name: "chat-fuzz",
                dependencies: ["FuzzTargets"],
                path: "Tools/Fuzz/Main",
                swiftSettings: swiftSettings
            ),
            tests("FuzzTests", ["FuzzTargets"]),
            tests("FileTransferTests", ["FileTransfer", .nioCore]),
            tests("LoadTestKitTests", ["LoadTestKit", .nioCore]),
            tests("RedisTests", ["Redis", .nioCore, .nioEmbedded, .nioPosix, .nioConcurrency, .logging, .lifecycle]),
            tests("JSONKitTests", ["JSONKit", .nioCore]),
            // The wire types, and the documents held to them: the OpenAPI document's error codes, the page's event names.
            tests("ChatModelsTests", ["ChatModels", "JSONKit", .httpTypes, .nioCore]),
            tests("SocketIOTests", ["SocketIO", "JSONKit", .nioCore]),
            tests("MailTests", ["Mail", "ServiceConfiguration", .nioCore, .nioEmbedded]),
            tests(
                "EventBusTests",
                [
                    "EventBus", "ChatModels", "JSONKit", "Redis", "ServiceConfiguration", "ServiceKit", "ChatTestSupport",
                    .nioCore, .nioConcurrency, .nioPosix, .nioFoundation, .lifecycleTestKit,
                ]
            ),
            tests("AuthTests", ["Auth", "ChatModels", .nioConcurrency]),
            tests(
                "ServiceKitTests",
                [
                    "ServiceKit", "Auth", "ServiceClients", "ServiceConfiguration", "ChatModels", "JSONKit", .hummingbird, .hummingbirdTesting,
                    .httpTypes, .nioConcurrency, .logging,
                ]
            ),
            // What the integration tests share: the environment ./scripts/test sets up, accounts, calls.
            .target(
                name: "ChatTestSupport",
                dependencies: [
                    "Auth", "ServiceConfiguration", "ChatModels", "JSONKit", "EventBus", "Redis", .hummingbird, .hummingbirdTesting,
                    .httpTypes, .logging, .nioCore, .nioConcurrency, .nioFoundation,
                ],
                path: "Tests/Support",
                swiftSettings: swiftSettings
            ),
            // A messages service to set up against, for the services' tests (and only theirs).
            .target(
                name: "MessagesTestSupport",
                dependencies: [
                    "ChatTestSupport", "MessagesApp", "Auth", "EventBus", "Redis", "ServiceKit", .hummingbird, .hummingbirdTesting, .logging,
                ],
                path: "Tests/MessagesSupport",
                swiftSettings: swiftSettings
            ),
            tests(
                "GatewayTests",
                serviceTests + [
                    "GatewayApp", "EventBus", "ServiceClients", "SocketIO", .httpTypes, .logging, .nioConcurrency,
                    .nioEmbedded, .nioHTTP1, .nioWebSocket,
                ]
            ),
            tests(
                "MessagesTests",
                serviceTests + [
                    "EventBus", "JSONKit", "ServiceClients", .bcrypt, .httpTypes, .logging, .lifecycle, .nioConcurrency, .nioPosix, .postgres,
                ]
            ),
            tests(
                "PresenceTests",
                serviceTests + ["PresenceApp", "EventBus", "JSONKit", "ServiceClients", "ServiceConfiguration", .httpClient, .nioPosix]
            ),
            tests(
                "UploadsTests",
                serviceTests + ["UploadsApp", "EventBus", "JSONKit", "ServiceClients", .httpClient, .httpTypes, .logging, .nioHTTP1, .nioPosix]
            ),
        ]
)
