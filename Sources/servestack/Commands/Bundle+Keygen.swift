import ArgumentParser
import Bundles
import Foundation
import ServestackCore

extension Servestack.BundleCommand {
  struct Keygen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Make an ed25519 key pair for signing bundles (PEM, as OpenSSL writes them).",
      discussion: """
        The private key (PKCS #8 PEM, mode 0600) goes to --private, the public key (SubjectPublicKeyInfo PEM) \
        to --public. OpenSSL keys work too: openssl genpkey -algorithm ed25519 -out key.pem; \
        openssl pkey -in key.pem -pubout -out key.pub. A file holding the raw 32-byte key in base64 is also accepted.
        """)

    @Option(name: .customLong("private"), help: ArgumentHelp("Where to write the private key.", valueName: "file"))
    var privateKey: String

    @Option(name: .customLong("public"), help: ArgumentHelp("Where to write the public key.", valueName: "file"))
    var publicKey: String

    func run() async throws {
      guard !FileManager.default.fileExists(atPath: privateKey) else {
        throw ValidationError("\(privateKey) exists; keygen never overwrites a key")
      }
      let key = BundleSigningKey()
      let fd = open(privateKey, O_WRONLY | O_CREAT | O_EXCL, 0o600)
      guard fd >= 0 else { throw ValidationError("cannot create \(privateKey): \(String(cString: strerror(errno)))") }
      let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
      try handle.write(contentsOf: Data(key.pem.value.utf8))
      try handle.close()
      try Data(key.publicKey.pem.utf8).write(to: URL(fileURLWithPath: publicKey))
      print("wrote \(privateKey) (keep it secret) and \(publicKey) (public key \(key.publicKey.base64))")
    }
  }
}
