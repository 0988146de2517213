import Foundation
import HTTP
import ServestackCore

extension KubeError {
  /// The error a non-2xx answer stands for, from its Kubernetes `Status` body when there is one.
  /// `what` names the request (`apply deployment kserve/x`); the server's message follows it verbatim.
  static func from(response: HTTPResponse, what: String, object: ObjectReference?, source: String) -> KubeError {
    from(
      status: response.status, body: response.body, headers: response.headers, what: what, object: object,
      source: source)
  }

  static func from(
    status: Int, body: [UInt8], headers: HTTPHeaders, what: String, object: ObjectReference?, source: String
  ) -> KubeError {
    let json = try? JSONValue(parsing: body)
    let isStatus = json?["kind"]?.stringValue == "Status"
    let serverMessage = isStatus ? json?["message"]?.stringValue : nil
    let reason = isStatus ? json?["reason"]?.stringValue : nil
    let causes = (json?[path: ["details", "causes"]]?.arrayValue ?? []).map {
      Cause(reason: $0["reason"]?.stringValue, message: $0["message"]?.stringValue, field: $0["field"]?.stringValue)
    }
    var code = code(status: status, reason: reason)
    let text = serverMessage ?? fallbackText(body)
    if text.contains("admission webhook") || text.contains("failed calling webhook") { code = .webhook }
    var message = "\(what): \(text)"
    switch code {
    case .unauthorized:
      message += " (HTTP 401: the credentials of \(source) were not accepted; renew them or check the kubeconfig user)"
    case .tooManyRequests, .serverError, .timeout:
      message += " (HTTP \(status), after retries)"
    default: break
    }
    var error = KubeError(
      code, message, httpStatus: status, reason: reason, serverMessage: serverMessage, causes: causes, object: object)
    if let retryAfter = headers["Retry-After"], let seconds = Int(retryAfter) { error.retryAfterSeconds = seconds }
    if isStatus, let retry = json?[path: ["details", "retryAfterSeconds"]]?.intValue {
      error.retryAfterSeconds = retry
    }
    return error
  }

  /// A watch `ERROR` event's Status object.
  static func from(statusObject json: JSONValue, what: String) -> KubeError {
    let status = json["code"]?.intValue ?? 500
    let reason = json["reason"]?.stringValue
    let message = json["message"]?.stringValue ?? "error \(status)"
    return KubeError(
      code(status: status, reason: reason), "\(what): \(message)", httpStatus: status, reason: reason,
      serverMessage: json["message"]?.stringValue)
  }

  static func code(status: Int, reason: String?) -> Code {
    switch (status, reason) {
    case (_, "AlreadyExists"): .alreadyExists
    case (_, "Expired"), (410, _): .gone
    case (_, "Timeout"), (504, _): .timeout
    case (400, _): .badRequest
    case (401, _): .unauthorized
    case (403, _): .forbidden
    case (404, _): .notFound
    case (405, _): .methodNotAllowed
    case (409, _): .conflict
    case (422, _): .invalid
    case (429, _): .tooManyRequests
    case (500..., _): .serverError
    default: .other
    }
  }

  /// The error for a request that got no answer.
  static func from(transport error: HTTPError, what: String, server: String, source: String) -> KubeError {
    let code: Code
    switch error.code {
    case .timedOut: code = .timeout
    case .cancelled: code = .cancelled
    case .invalidRequest, .invalidURL: code = .badConfig
    default: code = .unreachable
    }
    // The HTTP layer does not know which setting names the CA; for the API it is the kubeconfig's cluster.
    let hint =
      error.code == .tls
      ? "; trust the CA that signed the API server's certificate with the kubeconfig cluster's certificate-authority "
        + "(or certificate-authority-data), and check its server and tls-server-name"
      : code == .unreachable
        ? "; check that the cluster is up and the kubeconfig's server and certificates are right" : ""
    return KubeError(
      code, "\(what): cannot reach the Kubernetes API at \(server) (\(source)): \(error.message)\(hint)", cause: error)
  }

  private static func fallbackText(_ body: [UInt8]) -> String {
    let text = String(decoding: body.prefix(2000), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    return text.isEmpty ? "the server answered with no details" : text
  }
}
