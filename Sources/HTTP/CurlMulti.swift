internal import CCurl

/// Owns the `CURLM*` multi handle of one client: its connection cache, HTTP/2 multiplexing and per-host
/// connection limit.
final class CurlMulti: @unchecked Sendable {
  // @unchecked Sendable: `handle` is used only on the client's transfer thread, except by `wakeup()`, which
  // calls curl_multi_wakeup, documented as safe to call from any thread.
  let handle: UnsafeMutableRawPointer

  init(maxConnectionsPerHost: Int) throws(HTTPError) {
    try CurlGlobal.ensureInitialized()
    guard let handle = curl_multi_init() else {
      throw HTTPError(.other, "libcurl could not create a multi handle (out of memory?)", url: "")
    }
    self.handle = handle
    try check(ss_curl_multi_setopt_long(handle, CURLMOPT_PIPELINING, ss_CURLPIPE_MULTIPLEX), "CURLMOPT_PIPELINING")
    try check(
      ss_curl_multi_setopt_long(handle, CURLMOPT_MAX_HOST_CONNECTIONS, max(1, maxConnectionsPerHost)),
      "CURLMOPT_MAX_HOST_CONNECTIONS")
  }

  deinit { curl_multi_cleanup(handle) }

  /// Interrupts a `curl_multi_poll` in progress on the transfer thread.
  func wakeup() { _ = curl_multi_wakeup(handle) }

  private func check(_ code: CURLMcode, _ name: String) throws(HTTPError) {
    guard code == CURLM_OK else { throw CurlErrors.multiError(code, operation: name, url: "") }
  }
}
