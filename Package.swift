// swift-tools-version:6.2
import PackageDescription

// Every target builds in Swift 6 mode with the same upcoming features (STYLE.md).
let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "meshbox",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "meshbox", targets: ["meshbox"]),
        // For Benchmarks/ (a separate package, so the main build never resolves it).
        .library(name: "MeshboxControlPlane", targets: ["MeshCore", "MeshModel", "MeshAPI", "MeshStore", "MeshRegistry", "MeshCA"]),
        // For Benchmarks/' xDS benchmark: the compiler, the translation and the ADS server.
        .library(name: "MeshboxXDS", targets: ["MeshCompiler", "MeshXDS", "MeshXDSProto", "MeshXDSServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0", traits: []),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        // xDS (ADS over gRPC). Generated code is committed (scripts/gen-proto.sh); no protobuf build plugin.
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        // RequestAuthentication: JWKS keys and JWT signature verification (no hand-written JOSE).
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
    ],
    targets: [
        // Vocabulary and runtime kernel: errors, Watch, durations. No NIO, no SQLite.
        .target(
            name: "MeshCore",
            dependencies: [],
            swiftSettings: settings
        ),
        // A C interface over RE2 (Debian libre2-dev), linked statically: regexes that run in linear time.
        .target(
            name: "CMeshRE2",
            dependencies: [],
            linkerSettings: [.unsafeFlags(["-Xlinker", "-l:libre2.a"]), .linkedLibrary("pthread")]
        ),
        // Route regexes on RE2 (time linear in the input), for validation at apply and for matching.
        .target(
            name: "MeshRegex",
            dependencies: ["CMeshRE2"],
            swiftSettings: settings
        ),
        // The resources users write, their decoding and validation with field paths.
        .target(
            name: "MeshModel",
            dependencies: [
                "MeshCore", "MeshRegex",
                .product(name: "Yams", package: "Yams"),
                // Secret validation: X.509 certificates, private keys, value fingerprints.
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: settings
        ),
        // Contracts between roles.
        .target(
            name: "MeshAPI",
            dependencies: ["MeshCore", "MeshModel"],
            swiftSettings: settings
        ),
        // config role: SQLite (WAL) store with revisions, history, rollback, watch.
        .target(
            name: "MeshStore",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: settings
        ),
        // registry role: instances, health checks, TTL heartbeats, persistence.
        .target(
            name: "MeshRegistry",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI", "MeshDNS",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: settings
        ),
        // console role: admin JSON API, health, metrics and the browser console (web/).
        .target(
            name: "MeshConsole",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"), .product(name: "HummingbirdTLS", package: "hummingbird"), .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The browser console's files, compiled into the binary (`PackageResources`, see
            // Web/WebAssets+Embedded.swift); `--web-root` serves a directory instead.
            resources: [.embedInCode("web")],
            swiftSettings: settings
        ),
        // ca role: root/intermediate CA, SPIFFE workload certificates, join tokens, rotation.
        .target(
            name: "MeshCA",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: settings
        ),
        // Data-plane engine shared by gateway and proxy: listeners, HTTP codecs, routing, upstream
        // pools, load balancers, outlier detection, TLS contexts, peer identity, drain.
        .target(
            name: "MeshNet",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI", "MeshRegex",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: settings
        ),
        // DNS on the wire (RFC 1035 codec) and an async stub resolver on NIO (UDP, TCP on truncation,
        // TTLs): shared by the proxy's DNS server and ServiceEntry `resolution: DNS`. Not a role.
        .target(
            name: "MeshDNS",
            dependencies: [
                "MeshCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
        // gateway role: serves the Snapshot's listeners with the MeshNet engine (north-south).
        .target(
            name: "MeshGateway",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI", "MeshNet",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: settings
        ),
        // proxy role (per-node transparent proxy); so far the capture half: VIP traffic redirected
        // to the proxy's port by meshbox's own nat chains, reconciled with iptables-restore.
        .target(
            name: "MeshProxy",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI", "MeshDNS",
                .product(name: "Crypto", package: "swift-crypto"),
                // DNS server (DNS/): UDP and TCP listeners and upstream forwarding.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: settings
        ),
        // Pure compiler: config + registry (+ CA material) → data-plane Snapshot.
        .target(
            name: "MeshCompiler",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: settings
        ),
        // Envoy's xDS messages and the ADS service, generated from our own minimal protos
        // (protos/, excluded) by scripts/gen-proto.sh and committed.
        .target(
            name: "MeshXDSProto",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ],
            exclude: ["protos"],
            swiftSettings: settings
        ),
        // The ADS server (xDS state of the world and delta over gRPC, mTLS): serves each connected
        // node its scoped snapshot. Kept out of MeshRemote (the CLI's link).
        .target(
            name: "MeshXDSServer",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI", "MeshXDS", "MeshXDSProto",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "NIOCertificateReloading", package: "swift-nio-extras"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: settings
        ),
        // A remote meshbox node's side of xDS: delta ADS over mutual TLS into a SnapshotSource, the
        // last good snapshot persisted, node certificate renewal. Kept out of MeshRemote (the CLI's link).
        .target(
            name: "MeshXDSClient",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI", "MeshXDS", "MeshXDSProto",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: settings
        ),
        // Snapshot → Envoy resources (one translator per xDS type) with stable per-resource versions.
        // Kept out of MeshRemote (the CLI's link); only MeshAppliance will depend on it.
        .target(
            name: "MeshXDS",
            dependencies: [
                "MeshModel", "MeshXDSProto",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: settings
        ),
        // Client side of the admin API, used by the CLI and tests.
        .target(
            name: "MeshRemote",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: settings
        ),
        // Composition root: the only module that knows every role.
        .target(
            name: "MeshAppliance",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI", "MeshStore", "MeshRegistry", "MeshCA", "MeshCompiler", "MeshConsole",
                "MeshGateway", "MeshNet", "MeshProxy", "MeshDNS", "MeshXDSServer", "MeshXDSClient", "MeshRemote",
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: settings
        ),
        .executableTarget(
            name: "meshbox",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI", "MeshAppliance", "MeshRemote", "MeshCA",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: settings
        ),
        // Fuzz targets over the inputs strangers send (HTTP/1 bytes, YAML, durations, CSRs), and the
        // executable that runs one under libFuzzer (scripts/fuzz.sh) or replays files through it.
        .target(
            name: "MeshFuzzTargets",
            dependencies: [
                "MeshCore", "MeshModel", "MeshNet", "MeshCA", "MeshProxy", "MeshDNS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: settings
        ),
        .executableTarget(
            name: "meshbox-fuzz",
            dependencies: ["MeshFuzzTargets"],
            swiftSettings: settings
        ),
        .target(
            name: "MeshTesting",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI", "MeshDNS",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                // TestJWTIssuer: test keys and signed tokens for RequestAuthentication.
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "MeshCoreTests",
            dependencies: ["MeshCore"],
            swiftSettings: settings
        ),
        .testTarget(
            name: "MeshFuzzTargetsTests",
            dependencies: ["MeshFuzzTargets"],
            swiftSettings: settings
        ),
        .testTarget(
            name: "MeshRegexTests",
            dependencies: ["MeshRegex"],
            swiftSettings: settings
        ),
        .testTarget(
            name: "MeshModelTests",
            dependencies: ["MeshCore", "MeshModel"],
            swiftSettings: settings
        ),
        .testTarget(
            name: "MeshStoreTests",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI", "MeshStore", "MeshTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "MeshRegistryTests",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI", "MeshRegistry", "MeshDNS", "MeshTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "MeshCATests",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI", "MeshCA", "MeshTesting",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "MeshNetTests",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI", "MeshNet", "MeshTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "MeshGatewayTests",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI", "MeshNet", "MeshGateway", "MeshCompiler", "MeshTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "MeshDNSTests",
            dependencies: [
                "MeshCore", "MeshDNS", "MeshTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "MeshProxyTests",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI", "MeshProxy", "MeshDNS", "MeshTesting",
                // The engine and the compiler: the outbound data path in a namespace (Outbound/).
                "MeshNet", "MeshCompiler",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "MeshCompilerTests",
            dependencies: ["MeshCore", "MeshModel", "MeshAPI", "MeshCompiler", "MeshTesting"],
            swiftSettings: settings
        ),
        .testTarget(
            name: "MeshApplianceTests",
            dependencies: ["MeshAppliance", "MeshTesting", "MeshDNS", "MeshRegistry"],
            swiftSettings: settings
        ),
        .testTarget(
            name: "MeshConsoleTests",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI", "MeshConsole", "MeshTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "MeshXDSServerTests",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI", "MeshCA", "MeshTesting", "MeshXDS", "MeshXDSProto", "MeshXDSServer",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "MeshXDSClientTests",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI", "MeshCA", "MeshTesting", "MeshXDS", "MeshXDSProto", "MeshXDSServer",
                "MeshXDSClient",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "MeshXDSTests",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI", "MeshCompiler", "MeshTesting", "MeshXDS", "MeshXDSProto",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "MeshCore", "MeshModel", "MeshAPI", "MeshRemote", "MeshTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: settings
        ),
    ]
)
