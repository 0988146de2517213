internal import CCurl
import Foundation
import ServestackCore

// libcurl's callbacks, all on the transfer thread inside curl_multi_perform. They return what libcurl
// expects (bytes handled; 0 or an abort code to fail the transfer, after recording why in `failure`).
extension CurlTransfer {
  func header(_ line: UnsafeRawBufferPointer) -> Int {
    guard parser.consume(line) else { return line.count }
    let status = parser.status
    if case .memory(let limit) = spec.sink, let length = parser.headers["Content-Length"].flatMap(Int.init),
      length <= limit, length > memory.capacity
    {
      memory.reserveCapacity(length)
    }
    let willFollow = request.followRedirects && (300..<400).contains(status) && parser.headers.contains("Location")
    if status >= 200 && !willFollow { deliverHead() }
    return line.count
  }

  func deliverHead() {
    guard !headDelivered else { return }
    headDelivered = true
    spec.onHead?(parser.head)
  }

  func receive(_ data: UnsafeRawBufferPointer) -> Int {
    switch spec.sink {
    case .memory(let limit):
      guard memory.count + data.count <= limit else {
        failure = HTTPError(
          .bodyTooLarge,
          "\(request.method) \(HTTPError.redacting(request.url)): the response body exceeds the \(limit)-byte limit for in-memory bodies; download it to a file instead",
          url: request.url)
        return 0
      }
      memory.append(contentsOf: data)
      hasher.update(data)
    case .file(let url):
      var offset = 0
      while offset < data.count, let base = data.baseAddress {
        let written = write(fileFD, base + offset, data.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          failure = fileError("cannot write the response body to \(url.path)", errno: errno)
          return 0
        }
        offset += written
      }
      hasher.update(data)
    case .fileRegion(let url, let offset, let length):
      // A redirect's or an error's body also lands here; the caller checks the status before trusting it.
      guard received + Int64(data.count) <= length else {
        failure = HTTPError(
          .fileIO,
          "\(request.method) \(HTTPError.redacting(request.url)): the response body is longer than the \(length) bytes reserved for it in \(url.path)",
          url: request.url)
        return 0
      }
      var done = 0
      while done < data.count, let base = data.baseAddress {
        let written = pwrite(fileFD, base + done, data.count - done, off_t(offset + received + Int64(done)))
        if written < 0 {
          if errno == EINTR { continue }
          failure = fileError("cannot write the response body to \(url.path)", errno: errno)
          return 0
        }
        done += written
      }
      hasher.update(data)
    case .stream(let continuation, let flow):
      deliverHead()
      guard flow.admit(data.count) else { return ss_CURL_WRITEFUNC_PAUSE }
      continuation.yield(Array(data))
    }
    received += Int64(data.count)
    return data.count
  }

  func send(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
    let wanted = Int(min(Int64(buffer.count), bodyLength - bodyPosition))
    guard wanted > 0, let base = buffer.baseAddress else { return 0 }
    if bodyFD >= 0 {
      var got: Int
      repeat { got = pread(bodyFD, base, wanted, off_t(bodyStart + bodyPosition)) } while got < 0 && errno == EINTR
      guard got > 0 else {
        let what =
          got == 0 ? "the request body file ended early (was it truncated?)" : "cannot read the request body file"
        failure = fileError(what, errno: got == 0 ? EIO : errno)
        return ss_CURL_READFUNC_ABORT
      }
      bodyPosition += Int64(got)
      return hashSent(UnsafeRawBufferPointer(start: base, count: got)) ? got : ss_CURL_READFUNC_ABORT
    }
    let start = Int(bodyPosition)
    bodyBytes.withUnsafeBytes { source in
      guard let from = source.baseAddress else { return }
      base.copyMemory(from: from + start, byteCount: wanted)
    }
    bodyPosition += Int64(wanted)
    return hashSent(UnsafeRawBufferPointer(start: base, count: wanted)) ? wanted : ss_CURL_READFUNC_ABORT
  }

  /// Adds bytes about to be sent to the body's hash; false (and a failure) when they complete the upload
  /// and it does not hash to the expected digest, so that they are not sent.
  private func hashSent(_ bytes: UnsafeRawBufferPointer) -> Bool {
    guard let check = request.bodyDigestCheck, var hasher = bodyHasher else { return true }
    hasher.update(bytes)
    bodyHasher = hasher
    guard hasher.count == check.totalLength else { return true }
    let digest = hasher.finalize()
    guard digest != check.expected else { return true }
    failure = HTTPError(
      .bodyDigestMismatch,
      "\(request.method) \(HTTPError.redacting(request.url)): the body hashes to \(digest), not the expected \(check.expected); "
        + "it was stopped before its last byte was sent",
      url: request.url)
    return false
  }

  /// libcurl rewinds to resend the body: a redirect, or a retry on a reused connection that had died.
  func rewind(to offset: Int64, origin: Int32) -> Int32 {
    guard origin == SEEK_SET, offset >= 0, offset <= bodyLength else { return ss_CURL_SEEKFUNC_FAIL }
    if bodyHasher != nil {
      // The hash cannot be rewound into the middle of the body; from its start it is the attempt's start.
      guard offset == 0 else { return ss_CURL_SEEKFUNC_FAIL }
      bodyHasher = bodyHashStart
    }
    bodyPosition = offset
    return ss_CURL_SEEKFUNC_OK
  }

  func reportProgress(downloadTotal: Int64, downloaded: Int64, uploadTotal: Int64, uploaded: Int64) {
    guard let callback = request.progress else { return }
    let progress = HTTPProgress(
      bytesSent: uploaded, bytesReceived: downloaded,
      totalToSend: sendsBody ? bodyLength : (uploadTotal > 0 ? uploadTotal : nil),
      totalToReceive: downloadTotal > 0 ? downloadTotal : nil)
    guard progress != lastProgress else { return }
    lastProgress = progress
    callback(progress)
  }
}
