// swift-tools-version: 6.2
import PackageDescription

/// Settings every CellTrace target shares (house style: Swift 6 mode, complete checking).
let commonSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// The two targets that touch C pointers also audit every unsafe expression.
let unsafeAuditedSettings: [SwiftSetting] = commonSettings + [.strictMemorySafety()]

let package = Package(
    name: "CellTrace",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "celltrace", targets: ["CellTraceCLI"]),
        .executable(name: "celltrace-bench", targets: ["CellTraceBench"]),
        .library(name: "LedgerCore", targets: ["LedgerCore"]),
        .library(name: "SupplyChain", targets: ["SupplyChain"]),
        .library(name: "Provenance", targets: ["Provenance"]),
        .library(name: "Carbon", targets: ["Carbon"]),
        .library(name: "Exports", targets: ["Exports"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLMDB",
            path: "Sources/CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        .systemLibrary(
            name: "CJemalloc",
            path: "Sources/CJemalloc",
            pkgConfig: "jemalloc",
            providers: [.apt(["libjemalloc-dev"])]
        ),
        // The options jemalloc reads at start-up in the executables that link it.
        .target(
            name: "CJemallocSettings",
            path: "Sources/CJemallocSettings"
        ),
        .systemLibrary(
            name: "COpenSSL",
            path: "Sources/COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(
            name: "LedgerStorage",
            dependencies: ["CLMDB"],
            swiftSettings: unsafeAuditedSettings
        ),
        .target(
            name: "LedgerCrypto",
            dependencies: ["COpenSSL"],
            swiftSettings: unsafeAuditedSettings
        ),
        .target(
            name: "LedgerCore",
            dependencies: ["LedgerStorage", "LedgerCrypto"],
            swiftSettings: commonSettings
        ),
        .target(
            name: "SupplyChain",
            dependencies: ["LedgerCore", "LedgerStorage", "LedgerCrypto"],
            swiftSettings: commonSettings
        ),
        .target(
            name: "Provenance",
            dependencies: ["SupplyChain", "LedgerCore", "LedgerStorage"],
            swiftSettings: commonSettings
        ),
        .target(
            name: "Carbon",
            dependencies: ["Provenance", "SupplyChain", "LedgerCore", "LedgerStorage"],
            swiftSettings: commonSettings
        ),
        .target(
            name: "Exports",
            dependencies: ["Carbon", "Provenance", "SupplyChain", "LedgerCore", "LedgerCrypto", "LedgerStorage"],
            swiftSettings: commonSettings
        ),
        // The demo dataset, built into the binary so that `celltrace demo` needs no repository.
        .target(
            name: "CellTraceDemoData",
            path: "Fixtures/demo",
            exclude: ["README.md"],
            sources: ["DemoDataset.swift"],
            resources: [
                .embedInCode("network.json"),
                .embedInCode("factors.json"),
                .embedInCode("expected.json"),
                .embedInCode("epcis"),
            ],
            swiftSettings: commonSettings
        ),
        .executableTarget(
            name: "CellTraceCLI",
            dependencies: [
                "CellTraceDemoData",
                "Exports",
                "SupplyChain",
                "Provenance",
                "Carbon",
                "LedgerCore",
                "LedgerCrypto",
                "CJemalloc",
                "CJemallocSettings",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: commonSettings
        ),
        .executableTarget(
            name: "CellTraceBench",
            dependencies: [
                "Exports", "SupplyChain", "Provenance", "Carbon", "LedgerCore", "LedgerStorage", "LedgerCrypto",
                "CLMDB",
                "COpenSSL",
                "CJemalloc",
                "CJemallocSettings",
            ],
            swiftSettings: commonSettings
        ),
        .testTarget(
            name: "CarbonTests",
            dependencies: ["Carbon", "Provenance", "SupplyChain", "LedgerCore", "LedgerCrypto"],
            swiftSettings: commonSettings
        ),
        .testTarget(
            name: "ExportsTests",
            dependencies: ["Exports", "Carbon", "Provenance", "SupplyChain", "LedgerCore", "LedgerCrypto"],
            swiftSettings: commonSettings
        ),
        .testTarget(
            name: "LedgerStorageTests",
            dependencies: ["LedgerStorage"],
            swiftSettings: commonSettings
        ),
        .testTarget(
            name: "LedgerCryptoTests",
            dependencies: ["LedgerCrypto"],
            swiftSettings: commonSettings
        ),
        .testTarget(
            name: "LedgerCoreTests",
            dependencies: [
                "LedgerCore",
                "LedgerStorage",
                "LedgerCrypto",
                .product(name: "Collections", package: "swift-collections"),
            ],
            swiftSettings: commonSettings
        ),
        .testTarget(
            name: "SupplyChainTests",
            dependencies: ["SupplyChain", "LedgerCore", "LedgerCrypto", "LedgerStorage"],
            swiftSettings: commonSettings
        ),
        .testTarget(
            name: "CellTraceCLITests",
            dependencies: [
                "CellTraceCLI", "CellTraceDemoData", "LedgerCore", "LedgerCrypto", "LedgerStorage", "Provenance",
                "SupplyChain",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: commonSettings
        ),
    ]
)
