import Foundation
import HTTP
import ServestackCore
import TestSupport
import Testing

@Suite struct HTTPClientTLSTests {
  static let apiserverCA = "/var/cache/kube-testenv/run/pki/ca.crt"
  static var hasAPIServer: Bool {
    TestEnvironment.hasTestCluster && FileManager.default.fileExists(atPath: apiserverCA)
  }

  @Test("custom certificate authority as data and file") func customCertificateAuthorityAsDataAndFile() async throws {
    let directory = try TemporaryDirectory()
    let certs = try await makeCertificates(in: directory)
    let server = try await HTTPTestServer.start(certificate: certs.serverCertificate, key: certs.serverKey)
    defer { server.stop() }
    let pem = try [UInt8](Data(contentsOf: certs.caCertificate))
    for source in [PEMSource.data(pem), .file(certs.caCertificate.path)] {
      let client = try makeTestClient { $0.tls.certificateAuthority = source }
      let response = try await client.get(server.url("/echo"))
      #expect(response.status == 200)
      // The Python server offers only http/1.1 in ALPN.
      #expect(response.httpVersion == "1.1")
    }
  }

  @Test("verification fails without the CA") func verificationFailsWithoutTheCA() async throws {
    let directory = try TemporaryDirectory()
    let certs = try await makeCertificates(in: directory)
    let server = try await HTTPTestServer.start(certificate: certs.serverCertificate, key: certs.serverKey)
    defer { server.stop() }
    let client = try makeTestClient()
    do {
      _ = try await client.get(server.url("/echo"))
      Issue.record("an untrusted certificate was accepted")
    } catch {
      #expect(error.code == .tls)
      #expect(error.category == .unreachable)
      #expect(error.message.contains("certificate"))
      #expect(error.attempts == 1)
    }
    let insecure = try makeTestClient { $0.tls.verifyPeer = false }
    #expect(try await insecure.get(server.url("/echo")).status == 200)
  }

  @Test("client certificate accepted and required") func clientCertificateAcceptedAndRequired() async throws {
    let directory = try TemporaryDirectory()
    let certs = try await makeCertificates(in: directory)
    let server = try await HTTPTestServer.start(
      certificate: certs.serverCertificate, key: certs.serverKey, clientCA: certs.caCertificate)
    defer { server.stop() }
    let ca = try [UInt8](Data(contentsOf: certs.caCertificate))
    let certificate = try [UInt8](Data(contentsOf: certs.clientCertificate))
    let key = try [UInt8](Data(contentsOf: certs.clientKey))
    let inline = try makeTestClient {
      $0.tls = TLSConfiguration(
        certificateAuthority: .data(ca), clientCertificate: .data(certificate), clientKey: .data(key))
    }
    let response = try await inline.get(server.url("/client-cert"))
    #expect(response.status == 200)
    #expect(try JSONValue(parsing: response.body)["subject"]?["commonName"]?.stringValue == "servestack-test-client")
    let fromFiles = try makeTestClient {
      $0.tls = TLSConfiguration(
        certificateAuthority: .data(ca), clientCertificate: .file(certs.clientCertificate.path),
        clientKey: .file(certs.clientKey.path))
    }
    #expect(try await fromFiles.get(server.url("/client-cert")).status == 200)

    let anonymous = try makeTestClient { $0.tls.certificateAuthority = .data(ca) }
    do {
      _ = try await anonymous.get(server.url("/client-cert"))
      Issue.record("the server accepted a request without a client certificate")
    } catch {
      // TLS 1.3 finishes the client's side of the handshake before the server checks the certificate;
      // the client then reads either the server's alert (.tls) or, if the server closed first, a reset.
      #expect(error.code == .tls || error.code == .connectionClosed, "\(error.code): \(error.message)")
      #expect(error.category == .unreachable)
    }
  }

  @Test("server name overrides the verified name") func serverNameOverridesTheVerifiedName() async throws {
    let directory = try TemporaryDirectory()
    let certs = try await makeCertificates(in: directory)
    let name = "apiserver.servestack.invalid"
    let named = try await TestBlocking.run { try Self.makeCertificate(signedBy: certs, dnsName: name) }
    let server = try await HTTPTestServer.start(certificate: named.certificate, key: named.key)
    defer { server.stop() }
    let ca = PEMSource.file(certs.caCertificate.path)
    // The certificate names only `name`, so connecting to 127.0.0.1 fails verification…
    let plain = try makeTestClient { $0.tls.certificateAuthority = ca }
    do {
      _ = try await plain.get(server.url("/echo"))
      Issue.record("a certificate for another name was accepted")
    } catch {
      #expect(error.code == .tls)
    }
    // …unless the TLS server name says which name to expect, while still connecting to 127.0.0.1.
    let client = try makeTestClient {
      $0.tls.certificateAuthority = ca
      $0.tls.serverName = name
    }
    let response = try await client.get(server.url("/echo"))
    #expect(response.status == 200)
    #expect(response.url == server.url("/echo"))
    let headers = try JSONValue(parsing: response.body)["headers"]?.arrayValue ?? []
    #expect(headers.contains(["Host", .string("127.0.0.1:\(server.port)")]))
  }

  @Test(
    "http2 with the kubernetes API server",
    .enabled(if: hasAPIServer, "needs the kube testenv apiserver and SERVESTACK_TEST_KUBECONFIG"))
  func http2WithTheKubernetesAPIServer() async throws {
    let client = try makeTestClient { $0.tls.certificateAuthority = .file(Self.apiserverCA) }
    let responses = try await withThrowingTaskGroup(of: HTTPResponse.self) { group in
      for _ in 0..<4 { group.addTask { try await client.get("https://127.0.0.1:6443/version") } }
      return try await group.reduce(into: []) { $0.append($1) }
    }
    for response in responses {
      // 200, or 401/403 when anonymous access is off: any answer proves the protocol.
      #expect(response.httpVersion == "2")
      #expect([200, 401, 403].contains(response.status))
    }
  }

  /// A server certificate whose only name is `dnsName`, signed by the test CA.
  static func makeCertificate(signedBy certs: TestCertificates, dnsName: String) throws -> (certificate: URL, key: URL)
  {
    let d = certs.directory.path
    try Data("subjectAltName=DNS:\(dnsName)\nextendedKeyUsage=serverAuth\n".utf8)
      .write(to: certs.directory.appendingPathComponent("named.ext"))
    try Shell.check("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "\(d)/named.key.ec"])
    try Shell.check("openssl", ["pkcs8", "-topk8", "-nocrypt", "-in", "\(d)/named.key.ec", "-out", "\(d)/named.key"])
    try Shell.check(
      "openssl", ["req", "-new", "-key", "\(d)/named.key", "-subj", "/CN=\(dnsName)", "-out", "\(d)/named.csr"])
    try Shell.check(
      "openssl",
      [
        "x509", "-req", "-in", "\(d)/named.csr", "-CA", "\(d)/ca.crt", "-CAkey", "\(d)/ca.key", "-CAcreateserial",
        "-days", "1", "-sha256", "-extfile", "\(d)/named.ext", "-out", "\(d)/named.crt",
      ])
    return (certs.directory.appendingPathComponent("named.crt"), certs.directory.appendingPathComponent("named.key"))
  }
}
