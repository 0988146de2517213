import ArgumentParser
import Bundles
import Foundation
import ServestackCore
import Synchronization

extension Servestack {
  struct BundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "bundle",
      abstract: "The airgap bundle lifecycle: create, inspect, verify, push.",
      discussion: """
        A bundle is one tar file (optionally zstd-compressed) holding bundle.yaml, checksums.txt, an optional \
        ed25519 signature, the phase files, their manifests, image lists, every image in one OCI layout \
        (images/) and the test models (models/, also as modelcar images). Create it on a connected machine; \
        inside the airgap, verify it and push it to the site's registry (or run install --bundle).
        """,
      subcommands: [Create.self, Inspect.self, Verify.self, Push.self, Keygen.self])
  }
}
