public import Foundation

/// A throw-away PKI made with openssl for TLS tests: a CA, a server certificate for 127.0.0.1/localhost,
/// and a client certificate signed by the same CA.
public struct TestCertificates: Sendable {
  public let directory: URL
  public var caCertificate: URL { directory.appendingPathComponent("ca.crt") }
  public var caKey: URL { directory.appendingPathComponent("ca.key") }
  public var serverCertificate: URL { directory.appendingPathComponent("server.crt") }
  public var serverKey: URL { directory.appendingPathComponent("server.key") }
  public var clientCertificate: URL { directory.appendingPathComponent("client.crt") }
  public var clientKey: URL { directory.appendingPathComponent("client.key") }

  /// Generates the CA and certificates into `directory` (EC P-256, valid one day).
  public static func make(in directory: URL, clientCommonName: String = "servestack-test-client") throws
    -> TestCertificates
  {
    let certs = TestCertificates(directory: directory)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let d = directory.path
    func openssl(_ args: [String]) throws { try Shell.check("openssl", args) }
    try openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "\(d)/ca.key"])
    try openssl([
      "req", "-x509", "-new", "-key", "\(d)/ca.key", "-sha256", "-days", "1", "-subj", "/CN=servestack-test-ca",
      "-out", "\(d)/ca.crt",
    ])
    try Data("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n".utf8)
      .write(to: directory.appendingPathComponent("server.ext"))
    try Data("extendedKeyUsage=clientAuth\n".utf8).write(to: directory.appendingPathComponent("client.ext"))
    for (name, subject) in [("server", "/CN=127.0.0.1"), ("client", "/CN=\(clientCommonName)/O=servestack-test")] {
      try openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "\(d)/\(name).key.ec"])
      // PKCS#8, which every TLS stack reads.
      try openssl(["pkcs8", "-topk8", "-nocrypt", "-in", "\(d)/\(name).key.ec", "-out", "\(d)/\(name).key"])
      try openssl(["req", "-new", "-key", "\(d)/\(name).key", "-subj", subject, "-out", "\(d)/\(name).csr"])
      try openssl([
        "x509", "-req", "-in", "\(d)/\(name).csr", "-CA", "\(d)/ca.crt", "-CAkey", "\(d)/ca.key", "-CAcreateserial",
        "-days", "1", "-sha256", "-extfile", "\(d)/\(name).ext", "-out", "\(d)/\(name).crt",
      ])
    }
    return certs
  }
}
