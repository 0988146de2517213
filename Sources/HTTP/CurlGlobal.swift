internal import CCurl

/// `curl_global_init`, run once per process before the first handle is made (it is not thread-safe, and
/// Swift's lazy static initialization makes it run exactly once).
enum CurlGlobal {
  private static let initStatus: Int = Int(curl_global_init(ss_CURL_GLOBAL_DEFAULT).rawValue)

  static func ensureInitialized() throws(HTTPError) {
    guard initStatus == Int(CURLE_OK.rawValue) else {
      throw HTTPError(
        .other, "libcurl failed to initialize (curl_global_init returned \(initStatus)); the HTTP client is unusable",
        url: "", curlCode: initStatus)
    }
  }
}
