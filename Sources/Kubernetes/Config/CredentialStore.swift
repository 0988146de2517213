import Foundation
import HTTP
import ServestackCore

/// The credentials requests carry right now, and a number that changes whenever they are renewed.
struct CurrentCredential: Sendable {
  var authorization: HTTPAuthorization?
  /// A client certificate from an exec plugin (PEM certificate, PEM key); kubeconfig certificates are in
  /// the connection's TLS settings instead.
  var clientCertificate: (certificate: [UInt8], key: Secret)?
  var generation: Int
}

/// Hands out request credentials: a static token, a token file (re-read after a 401), basic auth, or an
/// exec plugin's output (cached until its `expirationTimestamp`, re-run after it or after a 401). Concurrent
/// requests that need a fresh credential share one plugin run. A plugin run that failed is not repeated:
/// every later request fails with its error (kubectl fails the request; re-running a plugin that hangs or
/// was killed would start a new one behind the caller's back for each of the many requests of a command).
actor CredentialStore {
  private let connection: ClusterConnection
  private var current: CurrentCredential?
  private var execFailure: KubeError?
  private var expiration: Date?
  private var pending: Task<Result<CurrentCredential, KubeError>, Never>?
  private var generation = 0
  /// How many times an exec plugin ran (tests check the caching with it).
  private(set) var execRuns = 0

  private let execTimeout: Duration

  init(connection: ClusterConnection, execTimeout: Duration = ExecCredentialPlugin.defaultTimeout) {
    self.connection = connection
    self.execTimeout = execTimeout
  }

  /// The credential to send; runs the plugin or reads the token file when there is none or it expired.
  func credential() async throws(KubeError) -> CurrentCredential {
    if let execFailure { throw execFailure }
    if let current, !isExpired { return current }
    if let pending { return try await pending.value.get() }
    // The task clears `pending` itself, on the actor, as it finishes: a caller that resumes later must not
    // find the finished renewal still pending and reuse its (possibly rejected) credential.
    let task = Task {
      let result = await self.renew()
      self.finishRenewal()
      return result
    }
    pending = task
    return try await task.value.get()
  }

  private func finishRenewal() { pending = nil }

  /// Called after a 401 sent with credential `generation`. Returns whether a retry with a renewed credential
  /// makes sense (false for a static token or basic auth, which would fail the same way).
  func invalidate(generation failed: Int) -> Bool {
    switch connection.credentials {
    case .none, .token, .basic: return false
    case .tokenFile, .exec:
      if current?.generation == failed { current = nil }
      return true
    }
  }

  private var isExpired: Bool {
    guard let expiration else { return false }
    // As client-go: renewed once the expiry has passed; one that lapses in flight gets a 401 and a re-run.
    return Date() >= expiration
  }

  private func renew() async -> Result<CurrentCredential, KubeError> {
    generation += 1
    var credential = CurrentCredential(authorization: nil, clientCertificate: nil, generation: generation)
    expiration = nil
    switch connection.credentials {
    case .none: break
    case .token(let token): credential.authorization = .bearer(token)
    case .basic(let username, let password): credential.authorization = .basic(username: username, password: password)
    case .tokenFile(let path):
      guard let data = FileManager.default.contents(atPath: path) else {
        return .failure(.badConfig("cannot read the token file \(path) (\(connection.source))"))
      }
      let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
      guard !token.isEmpty else {
        return .failure(.badConfig("the token file \(path) is empty (\(connection.source))"))
      }
      credential.authorization = .bearer(Secret(token))
    case .exec(let config):
      execRuns += 1
      do {
        let output = try await ExecCredentialPlugin.run(config, connection: connection, timeout: execTimeout)
        if let token = output.token { credential.authorization = .bearer(token) }
        if let certificate = output.clientCertificate, let key = output.clientKey {
          credential.clientCertificate = (certificate, key)
        }
        expiration = output.expiration
      } catch {
        execFailure = error
        return .failure(error)
      }
    }
    current = credential
    return .success(credential)
  }
}
