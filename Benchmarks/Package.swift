// swift-tools-version:6.2
// System benchmarks of meshbox's control plane (config store, registry, CA issuance, xDS server). A separate package so the main build and CI
// never resolve or build it. Run: `cd Benchmarks && swift run -c release meshbox-bench`.
import PackageDescription

let package = Package(
    name: "meshbox-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        .executableTarget(
            name: "meshbox-bench",
            dependencies: [
                .product(name: "MeshboxControlPlane", package: "main"),
                .product(name: "MeshboxXDS", package: "main"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        )
    ]
)
