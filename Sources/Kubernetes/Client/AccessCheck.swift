import HTTP
import ServestackCore

/// One question for the apiserver's authorizer: may we `verb` this resource?
public struct AccessCheck: Sendable, Hashable, CustomStringConvertible {
  public var verb: String
  public var group: String
  /// The plural resource (`deployments`).
  public var resource: String
  public var subresource: String?
  /// nil for all namespaces or a cluster-scoped resource.
  public var namespace: String?
  public var name: String?

  public init(
    verb: String, group: String = "", resource: String, subresource: String? = nil, namespace: String? = nil,
    name: String? = nil
  ) {
    self.verb = verb
    self.group = group
    self.resource = resource
    self.subresource = subresource
    self.namespace = namespace
    self.name = name
  }

  /// `create deployments.apps in kserve`, `get customresourcedefinitions.apiextensions.k8s.io/x`.
  public var description: String {
    var text = "\(verb) \(resource)\(group.isEmpty ? "" : ".\(group)")"
    if let subresource { text += "/\(subresource)" }
    if let name { text += " \(name)" }
    text += namespace.map { " in namespace \($0)" } ?? " (cluster-wide)"
    return text
  }
}

/// The authorizer's answer to one ``AccessCheck``.
public struct AccessResult: Sendable, CustomStringConvertible {
  public var check: AccessCheck
  public var allowed: Bool
  /// The authorizer's reason (RBAC: `RBAC: allowed by ClusterRoleBinding "x" …`); often empty on denial.
  public var reason: String
  /// The review itself failed (not allowed to create SelfSubjectAccessReviews, unreachable): the check is
  /// reported as denied with this error.
  public var error: KubeError?

  public var description: String {
    let verdict = allowed ? "allowed" : "denied"
    let why = error?.message ?? reason
    return why.isEmpty ? "\(check): \(verdict)" : "\(check): \(verdict) (\(why))"
  }
}

extension KubeClient {
  /// Asks, with one SelfSubjectAccessReview per check sent concurrently, whether the current identity may do
  /// each thing. Results are in the order of `checks`; a review that fails is a denied result with its error.
  public func checkAccess(_ checks: [AccessCheck]) async -> [AccessResult] {
    await withTaskGroup(of: (Int, AccessResult).self) { group in
      for (index, check) in checks.enumerated() {
        group.addTask { (index, await self.review(check)) }
      }
      var results = [AccessResult?](repeating: nil, count: checks.count)
      for await (index, result) in group { results[index] = result }
      return results.compactMap { $0 }
    }
  }

  private func review(_ check: AccessCheck) async -> AccessResult {
    var attributes: JSONObject = [
      "verb": .string(check.verb), "group": .string(check.group), "resource": .string(check.resource),
    ]
    if let subresource = check.subresource { attributes["subresource"] = .string(subresource) }
    if let namespace = check.namespace { attributes["namespace"] = .string(namespace) }
    if let name = check.name { attributes["name"] = .string(name) }
    let body: JSONValue = [
      "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
      "spec": ["resourceAttributes": .object(attributes)],
    ]
    // A review creates nothing, so it may be repeated like a read.
    var request = APIRequest(
      .post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", repeats: .apply, what: "access review (\(check))"
    )
    request.body = body.serializedBytes()
    request.contentType = "application/json"
    do {
      let answer = try decode(try await transport.send(request), what: request.what)
      let status = answer["status"] ?? .null
      var reason = status["reason"]?.stringValue ?? ""
      if let evaluation = status["evaluationError"]?.stringValue, !evaluation.isEmpty {
        reason += (reason.isEmpty ? "" : "; ") + evaluation
      }
      return AccessResult(check: check, allowed: status["allowed"]?.boolValue == true, reason: reason)
    } catch {
      return AccessResult(check: check, allowed: false, reason: "", error: error)
    }
  }
}
