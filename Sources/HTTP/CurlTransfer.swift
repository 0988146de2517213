internal import CCurl
import Foundation
import ServestackCore

/// One attempt of a request on the transfer thread: the easy handle, the body being sent, the response
/// being received. It lives only on that thread; libcurl's callbacks reach it through `userdata`.
final class CurlTransfer {
  let spec: TransferSpec
  let easy: CurlEasy

  // The request body: bytes in memory, or a file (range) read with pread, so that a rewind is a store.
  var bodyBytes: [UInt8] = []
  var bodyFD: Int32 = -1
  var bodyStart: Int64 = 0
  var bodyLength: Int64 = 0
  var bodyPosition: Int64 = 0
  var sendsBody = false
  /// The body's hash so far (from the check's committed state), when the request has a ``BodyDigestCheck``.
  var bodyHasher: SHA256Stream?
  var bodyHashStart = SHA256Stream()

  // The response.
  var parser = ResponseHeaderParser()
  var headDelivered = false
  var memory: [UInt8] = []
  var fileFD: Int32 = -1
  var hasher = SHA256Stream()
  var received: Int64 = 0
  var lastProgress: HTTPProgress?
  /// A failure a callback detected (file I/O, size limit); it explains the CURLcode that follows.
  var failure: HTTPError?
  /// With ``TransferSpec/loopbackOnly``: where the socket callback writes an address it refused.
  var refusedAddress: UnsafeMutablePointer<CChar>?

  init(spec: TransferSpec) throws(HTTPError) {
    self.spec = spec
    easy = try CurlEasy(url: spec.request.url)
    try openBody()
    try openSink()
    try configure()
  }

  deinit {
    refusedAddress?.deallocate()
    if bodyFD >= 0 { close(bodyFD) }
    if fileFD >= 0 { close(fileFD) }
  }

  var request: HTTPRequest { spec.request }

  /// Ends the attempt after libcurl reported `code` for it.
  func finish(_ code: CURLcode) -> Result<TransferResult, HTTPError> {
    if bodyFD >= 0 {
      close(bodyFD)
      bodyFD = -1
    }
    let closeFailed = fileFD >= 0 && close(fileFD) != 0
    let closeErrno = errno
    fileFD = -1
    if let failure { return .failure(failure) }
    if code != CURLE_OK, let refusedAddress, refusedAddress[0] != 0 {
      var error = HTTPError(
        .connectionFailed,
        "\(request.method.rawValue) \(HTTPError.redacting(request.url)): refused to connect to \(String(cString: refusedAddress)): "
          + "only loopback addresses are allowed in this process (\(LoopbackFence.environmentVariable), set by the test harness)",
        url: request.url)
      error.notSent = true
      return .failure(error)
    }
    guard code == CURLE_OK else {
      let context = CurlErrors.Context(
        method: request.method.rawValue, url: request.url, detail: easy.errorText,
        osErrno: easy.long(CURLINFO_OS_ERRNO), connectTimeout: spec.connectTimeout, totalTimeout: spec.timeout,
        requestSent: easy.offset(CURLINFO_PRETRANSFER_TIME_T) > 0 || easy.long(CURLINFO_REQUEST_SIZE) > 0)
      return .failure(CurlErrors.transferError(code, context))
    }
    if closeFailed, let url = spec.sink.fileURL {
      return .failure(fileError("cannot finish writing the response body to \(url.path)", errno: closeErrno))
    }
    let head = ResponseHead(
      status: easy.long(CURLINFO_RESPONSE_CODE), headers: parser.headers,
      httpVersion: Self.versionName(easy.long(CURLINFO_HTTP_VERSION)))
    var digest: Digest?
    if case .stream = spec.sink {} else { digest = hasher.finalize() }
    if let expected = request.expectedDigest, let digest, (200..<300).contains(head.status), expected != digest {
      return .failure(
        HTTPError(
          .digestMismatch,
          "\(request.method) \(HTTPError.redacting(request.url)): the body's digest is \(digest), expected \(expected); the content was corrupted or replaced",
          url: request.url))
    }
    if let check = request.bodyDigestCheck, let bodyHasher, (200..<300).contains(head.status),
      bodyPosition == bodyLength
    {
      check.commit(bodyHasher)
    }
    var effective = easy.string(CURLINFO_EFFECTIVE_URL) ?? request.url
    if effective == spec.curlURL { effective = request.url }
    return .success(
      TransferResult(head: head, body: memory, bodyLength: received, digest: digest, effectiveURL: effective))
  }

  func fileError(_ what: String, errno code: Int32) -> HTTPError {
    let reason = String(cString: strerror(code))
    return HTTPError(
      .fileIO, "\(request.method) \(HTTPError.redacting(request.url)): \(what): \(reason)", url: request.url)
  }

  private func openBody() throws(HTTPError) {
    if let check = request.bodyDigestCheck {
      bodyHashStart = check.snapshot()
      bodyHasher = bodyHashStart
    }
    switch request.body {
    case .empty:
      sendsBody = false
    case .bytes(let bytes):
      bodyBytes = bytes
      bodyLength = Int64(bytes.count)
      sendsBody = true
    case .file(let url):
      let size = try openBodyFile(url)
      bodyLength = size
      sendsBody = true
    case .fileRange(let url, let offset, let length):
      let size = try openBodyFile(url)
      guard offset >= 0, length >= 0, offset + length <= size else {
        throw HTTPError(
          .fileIO,
          "\(request.method) \(HTTPError.redacting(request.url)): bytes \(offset)..<\(offset + length) are outside \(url.path) (\(size) bytes)",
          url: request.url)
      }
      bodyStart = offset
      bodyLength = length
      sendsBody = true
    }
  }

  private func openBodyFile(_ url: URL) throws(HTTPError) -> Int64 {
    bodyFD = open(url.path, O_RDONLY | O_CLOEXEC)
    guard bodyFD >= 0 else { throw fileError("cannot open the request body \(url.path)", errno: errno) }
    var info = stat()
    guard fstat(bodyFD, &info) == 0 else { throw fileError("cannot stat the request body \(url.path)", errno: errno) }
    return Int64(info.st_size)
  }

  private func openSink() throws(HTTPError) {
    switch spec.sink {
    case .file(let url):
      fileFD = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
      guard fileFD >= 0 else { throw fileError("cannot create \(url.path) for the response body", errno: errno) }
    case .fileRegion(let url, let offset, let length):
      guard offset >= 0, length >= 0 else {
        throw HTTPError(
          .invalidRequest, "\(request.method) \(HTTPError.redacting(request.url)): bad file region \(offset)+\(length)",
          url: request.url)
      }
      fileFD = open(url.path, O_WRONLY | O_CLOEXEC)
      guard fileFD >= 0 else { throw fileError("cannot open \(url.path) for the response body", errno: errno) }
    case .memory, .stream: return
    }
  }

  static func versionName(_ value: Int) -> String {
    switch value {
    case ss_CURL_HTTP_VERSION_1_0: "1.0"
    case ss_CURL_HTTP_VERSION_1_1: "1.1"
    case ss_CURL_HTTP_VERSION_2_0: "2"
    case ss_CURL_HTTP_VERSION_3: "3"
    default: "unknown"
    }
  }
}
