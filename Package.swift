// swift-tools-version: 6.2
import PackageDescription

// Upcoming features, as the anchors use them:
// ExistentialAny (SE-0335), MemberImportVisibility (SE-0444), InternalImportsByDefault (SE-0409).
let strict: [SwiftSetting] = [
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("MemberImportVisibility"),
  .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
  name: "servestack",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "servestack", targets: ["servestack"]),
    .executable(name: "servestack-bench", targets: ["servestack-bench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
    .package(url: "https://github.com/apple/swift-system", from: "1.6.0"),
  ],
  targets: [
    // MARK: C libraries, from the system (pkg-config), with apt providers.
    .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
    .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
    .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),

    // MARK: Libraries, by domain.
    .target(
      name: "ServestackCore",
      dependencies: [
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "OrderedCollections", package: "swift-collections"),
        .product(name: "DequeModule", package: "swift-collections"),
      ],
      swiftSettings: strict),
    .target(name: "YAML", dependencies: ["CYAML", "ServestackCore"], swiftSettings: strict),
    .target(name: "HTTP", dependencies: ["CCurl", "ServestackCore"], swiftSettings: strict),
    .target(name: "Archive", dependencies: ["CArchive", "ServestackCore"], swiftSettings: strict),
    .target(
      name: "Kubernetes",
      dependencies: [
        "ServestackCore", "YAML", "HTTP", .product(name: "Logging", package: "swift-log"),
        .product(name: "Subprocess", package: "swift-subprocess"),
        .product(name: "SystemPackage", package: "swift-system"),
      ],
      swiftSettings: strict),
    .target(name: "Registry", dependencies: ["ServestackCore", "HTTP"], swiftSettings: strict),
    .target(name: "Images", dependencies: ["ServestackCore", "YAML", "Registry"], swiftSettings: strict),
    .target(
      name: "BuiltinContent",
      dependencies: [],
      swiftSettings: strict,
      plugins: ["EmbedContentPlugin"]),
    .target(
      name: "Phases",
      dependencies: ["ServestackCore", "YAML", "HTTP", "Kubernetes", "Registry", "BuiltinContent"],
      swiftSettings: strict),
    .target(
      name: "Bundles",
      dependencies: [
        "ServestackCore", "YAML", "Archive", "Registry", "Images", "Phases", "BuiltinContent",
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      swiftSettings: strict),
    .target(
      name: "Conformance",
      dependencies: [
        "ServestackCore", "YAML", "HTTP", "Archive", "Kubernetes", "Phases",
        .product(name: "Histogram", package: "hdrhistogram-swift"),
      ],
      swiftSettings: strict),

    // MARK: Build-time embedding of phases/, imagelists/ and bundles/ into the binary.
    .executableTarget(name: "servestack-embed"),
    .plugin(
      name: "EmbedContentPlugin",
      capability: .buildTool(),
      dependencies: ["servestack-embed"]),

    // MARK: Executables: argument parsing and printing only.
    .executableTarget(
      name: "servestack",
      dependencies: [
        "ServestackCore", "YAML", "HTTP", "Archive", "Kubernetes", "Registry", "Images", "Phases",
        "Bundles", "Conformance", "BuiltinContent",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: strict),
    .executableTarget(
      name: "servestack-bench",
      dependencies: [
        "ServestackCore", "YAML", "HTTP", "Archive", "Kubernetes", "Registry", "Bundles", "TestSupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: strict),

    // MARK: Tests.
    .target(
      name: "TestSupport",
      dependencies: ["ServestackCore", "HTTP"],
      path: "Tests/TestSupport",
      swiftSettings: strict),
    .testTarget(
      name: "ServestackTests",
      dependencies: [
        "TestSupport", "ServestackCore", "YAML", "HTTP", "Archive", "Kubernetes", "Registry", "Images",
        "Phases", "Bundles", "Conformance", "BuiltinContent",
      ],
      resources: [.copy("Resources")],
      swiftSettings: strict),
  ]
)
