/// PEM text: inline bytes (a kubeconfig `*-data` field, decoded) or a file path.
public enum PEMSource: Sendable, Equatable {
  case data([UInt8])
  case file(String)
}

/// How the client authenticates servers and itself. Verification is on unless ``verifyPeer`` is false.
public struct TLSConfiguration: Sendable {
  /// Check the server's certificate chain and name. Off only for kubeconfig `insecure-skip-tls-verify`.
  public var verifyPeer = true
  /// Trust only this CA bundle instead of the system's.
  public var certificateAuthority: PEMSource?
  public var clientCertificate: PEMSource?
  public var clientKey: PEMSource?
  /// kubeconfig `tls-server-name`: the name sent in SNI and checked against the certificate, while still
  /// connecting to the URL's host.
  public var serverName: String?

  public init(
    verifyPeer: Bool = true, certificateAuthority: PEMSource? = nil, clientCertificate: PEMSource? = nil,
    clientKey: PEMSource? = nil, serverName: String? = nil
  ) {
    self.verifyPeer = verifyPeer
    self.certificateAuthority = certificateAuthority
    self.clientCertificate = clientCertificate
    self.clientKey = clientKey
    self.serverName = serverName
  }
}
