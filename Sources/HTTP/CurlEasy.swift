internal import CCurl
import Foundation

/// Owns one `CURL*` easy handle, its error buffer and the `curl_slist`s it points to (libcurl does not copy
/// lists), and frees them together.
final class CurlEasy {
  let handle: UnsafeMutableRawPointer
  private let errorBuffer: UnsafeMutablePointer<CChar>
  private var lists: [UnsafeMutablePointer<curl_slist>] = []
  private let url: String

  init(url: String) throws(HTTPError) {
    try CurlGlobal.ensureInitialized()
    guard let handle = curl_easy_init() else {
      throw HTTPError(.other, "libcurl could not create a handle for \(url) (out of memory?)", url: url)
    }
    self.handle = handle
    self.url = url
    errorBuffer = .allocate(capacity: Int(ss_CURL_ERROR_SIZE) + 1)
    errorBuffer.initialize(repeating: 0, count: Int(ss_CURL_ERROR_SIZE) + 1)
    try check(ss_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
  }

  deinit {
    curl_easy_cleanup(handle)
    for list in lists { curl_slist_free_all(list) }
    errorBuffer.deallocate()
  }

  /// The text libcurl left in the error buffer for the last failure.
  var errorText: String { String(cString: errorBuffer).trimmingCharacters(in: .whitespacesAndNewlines) }

  func set(_ option: CURLoption, _ value: Int, _ name: String) throws(HTTPError) {
    try check(ss_curl_easy_setopt_long(handle, option, value), name)
  }

  func set(_ option: CURLoption, offset value: Int64, _ name: String) throws(HTTPError) {
    try check(ss_curl_easy_setopt_off_t(handle, option, curl_off_t(value)), name)
  }

  /// libcurl copies strings; nil restores the option's default (or disables it).
  func set(_ option: CURLoption, _ value: String?, _ name: String) throws(HTTPError) {
    let code: CURLcode
    if let value {
      code = ss_curl_easy_setopt_string(handle, option, value)
    } else {
      code = ss_curl_easy_setopt_string(handle, option, nil)
    }
    try check(code, name)
  }

  /// Installs the ``LoopbackFence`` socket callback, which writes an address it refuses into `refused`.
  func setLoopbackOnly(refused: UnsafeMutablePointer<CChar>) throws(HTTPError) {
    try check(ss_curl_easy_setopt_loopback_only(handle, refused), "CURLOPT_OPENSOCKETFUNCTION")
  }

  func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?, _ name: String) throws(HTTPError) {
    try check(ss_curl_easy_setopt_pointer(handle, option, pointer), name)
  }

  /// PEM bytes, copied by libcurl.
  func set(_ option: CURLoption, blob: [UInt8], _ name: String) throws(HTTPError) {
    let code = blob.withUnsafeBytes { ss_curl_easy_setopt_blob(handle, option, $0.baseAddress, $0.count) }
    try check(code, name)
  }

  func set(_ option: CURLoption, list: [String], _ name: String) throws(HTTPError) {
    guard !list.isEmpty else { return }
    var head: UnsafeMutablePointer<curl_slist>?
    for item in list {
      guard let next = curl_slist_append(head, item) else {
        if let head { curl_slist_free_all(head) }
        throw HTTPError(.other, "cannot prepare the request to \(url): \(name): out of memory", url: url)
      }
      head = next
    }
    guard let head else { return }
    lists.append(head)
    try check(ss_curl_easy_setopt_slist(handle, option, head), name)
  }

  func set(_ option: CURLoption, callback: ss_curl_data_callback, _ name: String) throws(HTTPError) {
    try check(ss_curl_easy_setopt_data_callback(handle, option, callback), name)
  }

  func setProgress(_ callback: ss_curl_xferinfo_callback) throws(HTTPError) {
    try check(ss_curl_easy_setopt_xferinfo_callback(handle, callback), "CURLOPT_XFERINFOFUNCTION")
  }

  func setSeek(_ callback: ss_curl_seek_callback) throws(HTTPError) {
    try check(ss_curl_easy_setopt_seek_callback(handle, callback), "CURLOPT_SEEKFUNCTION")
  }

  func long(_ info: CURLINFO) -> Int {
    var value = 0
    return ss_curl_easy_getinfo_long(handle, info, &value) == CURLE_OK ? value : 0
  }

  func offset(_ info: CURLINFO) -> Int64 {
    var value: curl_off_t = 0
    return ss_curl_easy_getinfo_off_t(handle, info, &value) == CURLE_OK ? Int64(value) : 0
  }

  func string(_ info: CURLINFO) -> String? {
    var value: UnsafeMutablePointer<CChar>?
    guard ss_curl_easy_getinfo_string(handle, info, &value) == CURLE_OK, let value else { return nil }
    return String(cString: value)
  }

  private func check(_ code: CURLcode, _ name: String) throws(HTTPError) {
    guard code == CURLE_OK else { throw CurlErrors.setupError(code, option: name, url: url) }
  }
}
