internal import CCurl
import Foundation

/// The one place where libcurl's return codes become ``HTTPError``s.
enum CurlErrors {
  /// Facts about a failed transfer that the message needs.
  struct Context {
    var method: String
    var url: String
    var detail: String  // CURLOPT_ERRORBUFFER text, may be empty
    var osErrno: Int = 0
    var connectTimeout: Duration
    var totalTimeout: Duration?
    /// Whether the request went out: libcurl got past connecting (and TLS) and wrote request bytes.
    var requestSent = true
  }

  /// Maps a failed transfer's `CURLcode` to an error whose message says what happened and what to do.
  static func transferError(_ code: CURLcode, _ context: Context) -> HTTPError {
    let detail = context.detail.isEmpty ? String(cString: curl_easy_strerror(code)) : context.detail
    let target = "\(context.method) \(HTTPError.redacting(context.url))"
    let raw = Int(code.rawValue)
    var error: HTTPError
    switch code {
    case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
      error = HTTPError(.invalidURL, "\(target): the URL is not usable (\(detail))", url: context.url, curlCode: raw)
    case CURLE_COULDNT_RESOLVE_HOST:
      error = HTTPError(
        .dns, "\(target): \(detail); check the host name and the DNS settings", url: context.url, curlCode: raw)
      error.notSent = true
    case CURLE_COULDNT_RESOLVE_PROXY, CURLE_PROXY:
      error = HTTPError(
        .proxy, "\(target) failed at the proxy: \(detail); check HTTPS_PROXY/HTTP_PROXY/NO_PROXY or the proxy-url",
        url: context.url, curlCode: raw)
      error.notSent = true
    case CURLE_COULDNT_CONNECT:
      let refused = context.osErrno == Int(ECONNREFUSED)
      error = HTTPError(
        refused ? .connectionRefused : .connectionFailed,
        "\(target): \(detail); check that the server is running and reachable at that address",
        url: context.url, curlCode: raw)
      error.notSent = true
    case CURLE_OPERATION_TIMEDOUT:
      if !context.requestSent {
        error = HTTPError(
          .timedOut,
          "\(target): could not connect within \(seconds(context.connectTimeout)) (\(detail)); check that the host is reachable and that no firewall drops the traffic",
          url: context.url, curlCode: raw)
        error.notSent = true
      } else {
        let limit = context.totalTimeout.map { " within \(seconds($0))" } ?? ""
        error = HTTPError(
          .timedOut, "\(target) did not complete\(limit) (\(detail)); the server is slow or the transfer is large",
          url: context.url, curlCode: raw)
      }
    case CURLE_PEER_FAILED_VERIFICATION:
      error = HTTPError(
        .tls,
        "\(target): the server's TLS certificate could not be verified: \(detail). Trust the CA that signed it or check the server name",
        url: context.url, curlCode: raw)
    case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE,
      CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT,
      CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CRL_BADFILE,
      CURLE_SSL_SHUTDOWN_FAILED, CURLE_USE_SSL_FAILED:
      error = HTTPError(
        .tls,
        "\(target): TLS failed: \(detail). Check the CA, client certificate and key",
        url: context.url, curlCode: raw)
    case CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_HTTP2, CURLE_HTTP2_STREAM:
      if isTLSAlert(detail) {
        // TLS 1.3 reports a rejected client certificate as an alert on the first read, after the handshake.
        error = HTTPError(
          .tls,
          "\(target): the server ended the TLS session: \(detail). It may require a client certificate the request did not present or that it does not trust",
          url: context.url, curlCode: raw)
      } else {
        error = HTTPError(
          .connectionClosed, "\(target): the connection broke before a complete response (\(detail))",
          url: context.url, curlCode: raw)
      }
    case CURLE_READ_ERROR, CURLE_WRITE_ERROR:
      error = HTTPError(.fileIO, "\(target): \(detail)", url: context.url, curlCode: raw)
    case CURLE_OUT_OF_MEMORY:
      error = HTTPError(.other, "\(target): libcurl ran out of memory", url: context.url, curlCode: raw)
    default:
      error = HTTPError(.other, "\(target) failed: \(detail) (curl error \(raw))", url: context.url, curlCode: raw)
    }
    return error
  }

  /// A setup step (curl_easy_setopt, curl_multi_add_handle) failed: a bug or an option this libcurl lacks.
  static func setupError(_ code: CURLcode, option: String, url: String) -> HTTPError {
    let text = String(cString: curl_easy_strerror(code))
    let kind: HTTPError.Code = code == CURLE_UNSUPPORTED_PROTOCOL || code == CURLE_URL_MALFORMAT ? .invalidURL : .other
    return HTTPError(
      kind, "cannot prepare the request to \(url): \(option): \(text)", url: url, curlCode: Int(code.rawValue))
  }

  static func multiError(_ code: CURLMcode, operation: String, url: String) -> HTTPError {
    let text = String(cString: curl_multi_strerror(code))
    return HTTPError(.other, "\(operation) failed for \(url): \(text)", url: url, curlCode: Int(code.rawValue))
  }

  private static func isTLSAlert(_ detail: String) -> Bool {
    let text = detail.lowercased()
    return text.contains("alert") || text.contains("ssl routines") || text.contains("certificate required")
  }

  private static func seconds(_ duration: Duration) -> String {
    let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    return ms % 1000 == 0 ? "\(ms / 1000)s" : "\(ms)ms"
  }
}
