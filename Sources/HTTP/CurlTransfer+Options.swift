internal import CCurl
import Foundation
import ServestackCore

extension CurlTransfer {
  /// Sets every libcurl option of the attempt: target, timeouts, protocol, proxy, TLS, credentials,
  /// headers, method and body, and the callbacks.
  func configure() throws(HTTPError) {
    try easy.set(CURLOPT_URL, spec.curlURL, "CURLOPT_URL")
    try easy.set(CURLOPT_PRIVATE, pointer: UnsafeMutableRawPointer(bitPattern: UInt(spec.token.id)), "CURLOPT_PRIVATE")
    try easy.set(CURLOPT_NOSIGNAL, 1, "CURLOPT_NOSIGNAL")
    try easy.set(CURLOPT_PROTOCOLS_STR, spec.protocols, "CURLOPT_PROTOCOLS_STR")
    try easy.set(CURLOPT_REDIR_PROTOCOLS_STR, spec.protocols, "CURLOPT_REDIR_PROTOCOLS_STR")
    try easy.set(
      CURLOPT_HTTP_VERSION, spec.preferHTTP2 ? ss_CURL_HTTP_VERSION_2TLS : ss_CURL_HTTP_VERSION_1_1,
      "CURLOPT_HTTP_VERSION")
    // Wait for a connection that may multiplex rather than open a second one to the same host.
    if spec.preferHTTP2 { try easy.set(CURLOPT_PIPEWAIT, 1, "CURLOPT_PIPEWAIT") }
    try easy.set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(spec.connectTimeout), "CURLOPT_CONNECTTIMEOUT_MS")
    if let timeout = spec.timeout { try easy.set(CURLOPT_TIMEOUT_MS, Self.milliseconds(timeout), "CURLOPT_TIMEOUT_MS") }
    try easy.set(CURLOPT_TCP_KEEPALIVE, 1, "CURLOPT_TCP_KEEPALIVE")
    try easy.set(CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0, "CURLOPT_FOLLOWLOCATION")
    try easy.set(CURLOPT_MAXREDIRS, 10, "CURLOPT_MAXREDIRS")
    try easy.set(CURLOPT_USERAGENT, spec.userAgent, "CURLOPT_USERAGENT")
    try easy.set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1, "CURLOPT_SUPPRESS_CONNECT_HEADERS")
    try easy.set(CURLOPT_PROXY, spec.proxy, "CURLOPT_PROXY")
    try easy.set(CURLOPT_NOPROXY, spec.noProxy, "CURLOPT_NOPROXY")
    if let connectTo = spec.connectTo { try easy.set(CURLOPT_CONNECT_TO, list: [connectTo], "CURLOPT_CONNECT_TO") }
    if spec.loopbackOnly {
      let refused = UnsafeMutablePointer<CChar>.allocate(capacity: Int(ss_SS_ADDRESS_TEXT))
      refused.initialize(repeating: 0, count: Int(ss_SS_ADDRESS_TEXT))
      refusedAddress = refused
      try easy.setLoopbackOnly(refused: refused)
    }
    try configureTLS()
    try configureCredentials()
    try configureHeaders()
    try configureMethod()
    try configureCallbacks()
  }

  private func configureTLS() throws(HTTPError) {
    let tls = spec.tls
    try easy.set(CURLOPT_SSL_VERIFYPEER, tls.verifyPeer ? 1 : 0, "CURLOPT_SSL_VERIFYPEER")
    try easy.set(CURLOPT_SSL_VERIFYHOST, tls.verifyPeer ? 2 : 0, "CURLOPT_SSL_VERIFYHOST")
    try easy.set(CURLOPT_SSLVERSION, ss_CURL_SSLVERSION_TLSv1_2, "CURLOPT_SSLVERSION")
    if let ca = tls.certificateAuthority {
      switch ca {
      case .data(let pem): try easy.set(CURLOPT_CAINFO_BLOB, blob: pem, "CURLOPT_CAINFO_BLOB")
      case .file(let path): try easy.set(CURLOPT_CAINFO, path, "CURLOPT_CAINFO")
      }
      // Trust only the given CA, as kubectl does, not also the system's certificate directory.
      try easy.set(CURLOPT_CAPATH, nil, "CURLOPT_CAPATH")
    }
    if let certificate = tls.clientCertificate {
      try easy.set(CURLOPT_SSLCERTTYPE, "PEM", "CURLOPT_SSLCERTTYPE")
      switch certificate {
      case .data(let pem): try easy.set(CURLOPT_SSLCERT_BLOB, blob: pem, "CURLOPT_SSLCERT_BLOB")
      case .file(let path): try easy.set(CURLOPT_SSLCERT, path, "CURLOPT_SSLCERT")
      }
    }
    if let key = tls.clientKey {
      try easy.set(CURLOPT_SSLKEYTYPE, "PEM", "CURLOPT_SSLKEYTYPE")
      switch key {
      case .data(let pem): try easy.set(CURLOPT_SSLKEY_BLOB, blob: pem, "CURLOPT_SSLKEY_BLOB")
      case .file(let path): try easy.set(CURLOPT_SSLKEY, path, "CURLOPT_SSLKEY")
      }
    }
  }

  /// libcurl's own credential options (not a literal header), so that libcurl withholds them from a
  /// redirect to another host, port or scheme.
  private func configureCredentials() throws(HTTPError) {
    guard let authorization = spec.authorization, !request.headers.contains("Authorization") else { return }
    switch authorization {
    case .bearer(let token):
      try easy.set(CURLOPT_HTTPAUTH, ss_CURLAUTH_BEARER, "CURLOPT_HTTPAUTH")
      try easy.set(CURLOPT_XOAUTH2_BEARER, token.value, "CURLOPT_XOAUTH2_BEARER")
    case .basic(let username, let password):
      try easy.set(CURLOPT_HTTPAUTH, ss_CURLAUTH_BASIC, "CURLOPT_HTTPAUTH")
      try easy.set(CURLOPT_USERNAME, username, "CURLOPT_USERNAME")
      try easy.set(CURLOPT_PASSWORD, password.value, "CURLOPT_PASSWORD")
    }
  }

  private func configureHeaders() throws(HTTPError) {
    var lines: [String] = []
    if let host = spec.hostHeader, !request.headers.contains("Host") { lines.append("Host: \(host)") }
    for field in request.headers {
      // "Name;" is libcurl's spelling of a header with an empty value ("Name:" would remove it).
      lines.append(field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)")
    }
    try easy.set(CURLOPT_HTTPHEADER, list: lines, "CURLOPT_HTTPHEADER")
  }

  private func configureMethod() throws(HTTPError) {
    let method = request.method
    if method == .head {
      try easy.set(CURLOPT_NOBODY, 1, "CURLOPT_NOBODY")
      return
    }
    let uploads = sendsBody || method == .post || method == .put || method == .patch
    if uploads {
      // One path for every body: the read callback, with the length known up front (Content-Length).
      try easy.set(CURLOPT_UPLOAD, 1, "CURLOPT_UPLOAD")
      try easy.set(CURLOPT_INFILESIZE_LARGE, offset: bodyLength, "CURLOPT_INFILESIZE_LARGE")
      if method != .put { try easy.set(CURLOPT_CUSTOMREQUEST, method.rawValue, "CURLOPT_CUSTOMREQUEST") }
    } else if method == .get {
      try easy.set(CURLOPT_HTTPGET, 1, "CURLOPT_HTTPGET")
    } else {
      try easy.set(CURLOPT_CUSTOMREQUEST, method.rawValue, "CURLOPT_CUSTOMREQUEST")
    }
  }

  private func configureCallbacks() throws(HTTPError) {
    let me = Unmanaged.passUnretained(self).toOpaque()
    try easy.set(CURLOPT_HEADERDATA, pointer: me, "CURLOPT_HEADERDATA")
    try easy.set(
      CURLOPT_HEADERFUNCTION,
      callback: { buffer, size, count, userdata in
        guard let buffer, let userdata else { return 0 }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
        return transfer.header(UnsafeRawBufferPointer(start: buffer, count: size * count))
      }, "CURLOPT_HEADERFUNCTION")
    try easy.set(CURLOPT_WRITEDATA, pointer: me, "CURLOPT_WRITEDATA")
    try easy.set(
      CURLOPT_WRITEFUNCTION,
      callback: { buffer, size, count, userdata in
        guard let buffer, let userdata else { return 0 }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
        return transfer.receive(UnsafeRawBufferPointer(start: buffer, count: size * count))
      }, "CURLOPT_WRITEFUNCTION")
    // Always our read callback: without one libcurl would read the body from stdin.
    do {
      try easy.set(CURLOPT_READDATA, pointer: me, "CURLOPT_READDATA")
      try easy.set(
        CURLOPT_READFUNCTION,
        callback: { buffer, size, count, userdata in
          guard let buffer, let userdata else { return ss_CURL_READFUNC_ABORT }
          let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
          return transfer.send(UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
        }, "CURLOPT_READFUNCTION")
      try easy.set(CURLOPT_SEEKDATA, pointer: me, "CURLOPT_SEEKDATA")
      try easy.setSeek { userdata, offset, origin in
        guard let userdata else { return ss_CURL_SEEKFUNC_FAIL }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
        return transfer.rewind(to: Int64(offset), origin: origin)
      }
    }
    if request.progress != nil {
      try easy.set(CURLOPT_XFERINFODATA, pointer: me, "CURLOPT_XFERINFODATA")
      try easy.setProgress { userdata, downloadTotal, downloaded, uploadTotal, uploaded in
        guard let userdata else { return 0 }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
        transfer.reportProgress(
          downloadTotal: Int64(downloadTotal), downloaded: Int64(downloaded), uploadTotal: Int64(uploadTotal),
          uploaded: Int64(uploaded))
        return 0
      }
      try easy.set(CURLOPT_NOPROGRESS, 0, "CURLOPT_NOPROGRESS")
    }
  }

  static func milliseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
  }
}
