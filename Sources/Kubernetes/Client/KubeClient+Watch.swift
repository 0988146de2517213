import Foundation
import HTTP
import Logging
import ServestackCore

/// What to watch.
public struct WatchOptions: Sendable {
  public var labelSelector: String?
  public var fieldSelector: String?
  /// Start after this resourceVersion. nil: list first and report the existing objects as `added`,
  /// as client-go's list-watch does.
  public var resourceVersion: String?
  /// Ask for BOOKMARK events, which keep the resourceVersion fresh so reconnects do not hit 410.
  public var allowBookmarks: Bool

  public init(
    labelSelector: String? = nil, fieldSelector: String? = nil, resourceVersion: String? = nil,
    allowBookmarks: Bool = true
  ) {
    self.labelSelector = labelSelector
    self.fieldSelector = fieldSelector
    self.resourceVersion = resourceVersion
    self.allowBookmarks = allowBookmarks
  }
}

/// One change seen by a watch.
public enum WatchEvent: Sendable {
  case added(KubeObject)
  case modified(KubeObject)
  case deleted(KubeObject)
  /// The server confirmed everything up to this resourceVersion was sent.
  case bookmark(resourceVersion: String)
  /// The watch had fallen too far behind (410 Gone) and listed again; the differences were reported as
  /// added/modified/deleted events just before this one.
  case relisted(resourceVersion: String)

  /// The object of an added, modified or deleted event.
  public var object: KubeObject? {
    switch self {
    case .added(let object), .modified(let object), .deleted(let object): object
    case .bookmark, .relisted: nil
    }
  }
}

extension KubeClient {
  /// Watches objects of `gvk` in `namespace` (nil: all namespaces) and yields their changes until the
  /// consumer stops iterating.
  ///
  /// The stream survives the connection: when it drops or the server ends the watch, it reconnects from
  /// the last resourceVersion it saw (bookmarks included); when that is too old (410 Gone / Expired), it
  /// lists again and reports the differences. It ends by throwing ``KubeError`` on errors that another
  /// attempt would not fix (403, unknown kind, a bad selector).
  public func watch(
    _ gvk: GroupVersionKind, namespace: String?, options: WatchOptions = WatchOptions()
  ) -> AsyncThrowingStream<WatchEvent, any Error> {
    let (stream, continuation) = AsyncThrowingStream<WatchEvent, any Error>.makeStream()
    let task = Task {
      do {
        var loop = WatchLoop(client: self, gvk: gvk, namespace: namespace, options: options, output: continuation)
        try await loop.run()
        continuation.finish()
      } catch {
        continuation.finish(throwing: error)
      }
    }
    continuation.onTermination = { _ in task.cancel() }
    return stream
  }
}

/// The state of one watch: the last resourceVersion and the objects seen, for relists.
private struct WatchLoop {
  let client: KubeClient
  let gvk: GroupVersionKind
  let namespace: String?
  let options: WatchOptions
  let output: AsyncThrowingStream<WatchEvent, any Error>.Continuation
  var resourceVersion: String?
  var known: [String: KubeObject] = [:]

  init(
    client: KubeClient, gvk: GroupVersionKind, namespace: String?, options: WatchOptions,
    output: AsyncThrowingStream<WatchEvent, any Error>.Continuation
  ) {
    self.client = client
    self.gvk = gvk
    self.namespace = namespace
    self.options = options
    self.output = output
    resourceVersion = options.resourceVersion
  }

  mutating func run() async throws(KubeError) {
    let mapping = try await client.mapper.mapping(for: gvk)
    let location = KubeClient.Location(mapping: mapping, namespace: mapping.namespaced ? namespace : nil, name: nil)
    if resourceVersion == nil { try await relist(announce: false) }
    var failures = 0
    while !Task.isCancelled {
      switch try await watchOnce(location) {
      case .ended: failures = 0
      case .gone:
        try await relist(announce: true)
        failures = 0
      case .failed(let error):
        failures += 1
        client.options.logger.debug("watch \(mapping.resource.resource): \(error.message); reconnecting")
        let policy = client.options.retry
        do {
          try await Task.sleep(for: policy.backoff(afterAttempt: min(failures, 8)))
        } catch {
          return
        }
      }
    }
  }

  private enum Outcome {
    /// The server ended the watch normally (its timeout); reconnect at once.
    case ended
    /// The resourceVersion is too old: list again.
    case gone
    /// The connection failed or the server had trouble: reconnect after a pause.
    case failed(KubeError)
  }

  private mutating func watchOnce(_ location: KubeClient.Location) async throws(KubeError) -> Outcome {
    var request = APIRequest(.get, location.path(), repeats: .read, what: "watch \(location.mapping.resource.resource)")
    request.query = [("watch", "1")]
    if let resourceVersion { request.query.append(("resourceVersion", resourceVersion)) }
    if options.allowBookmarks { request.query.append(("allowWatchBookmarks", "true")) }
    if let selector = options.labelSelector, !selector.isEmpty { request.query.append(("labelSelector", selector)) }
    if let selector = options.fieldSelector, !selector.isEmpty { request.query.append(("fieldSelector", selector)) }
    // The server ends each watch after this; spread them as client-go does so reconnects do not bunch up.
    request.query.append(("timeoutSeconds", String(Int.random(in: 300...600))))
    let response: HTTPStreamingResponse
    do {
      response = try await client.transport.stream(request)
    } catch {
      if error.code == .cancelled { return .ended }
      if error.code == .unreachable || error.code == .timeout { return .failed(error) }
      throw error
    }
    if response.status == 410 { return .gone }
    guard (200..<300).contains(response.status) else {
      var body: [UInt8] = []
      do {
        for try await chunk in response.body where body.count < 65536 { body += chunk }
      } catch {}
      let error = KubeError.from(
        status: response.status, body: body, headers: response.headers, what: request.what, object: nil,
        source: client.connection.source)
      if [429, 500, 502, 503, 504].contains(response.status) { return .failed(error) }
      throw error
    }
    var buffer: [UInt8] = []
    do {
      for try await chunk in response.body {
        buffer += chunk
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
          let line = Array(buffer[..<newline])
          buffer.removeSubrange(...newline)
          if let outcome = try handle(line) { return outcome }
        }
      }
    } catch let error as KubeError {
      throw error
    } catch {
      if Task.isCancelled { return .ended }
      return .failed(
        KubeError(.unreachable, "\(request.what): the connection broke: \(error)", cause: error as? HTTPError))
    }
    if !buffer.isEmpty, let outcome = try handle(buffer) { return outcome }
    return .ended
  }

  /// Handles one JSON line; returns an outcome when the watch must end.
  private mutating func handle(_ line: [UInt8]) throws(KubeError) -> Outcome? {
    guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") }) else { return nil }
    guard let event = try? JSONValue(parsing: line), let type = event["type"]?.stringValue else {
      return .failed(KubeError(.badResponse, "watch: the server sent a line that is not a watch event"))
    }
    let object = KubeObject(event["object"] ?? .null)
    switch type {
    case "ERROR":
      let error = KubeError.from(statusObject: object.json, what: "watch \(gvk.kind)")
      if error.code == .gone { return .gone }
      if [429, 500, 503, 504].contains(error.httpStatus ?? 0) || error.code == .timeout { return .failed(error) }
      throw error
    case "BOOKMARK":
      if let version = object.resourceVersion {
        resourceVersion = version
        output.yield(.bookmark(resourceVersion: version))
      }
    case "ADDED", "MODIFIED", "DELETED":
      if let version = object.resourceVersion { resourceVersion = version }
      let key = Self.key(object)
      if type == "DELETED" {
        known[key] = nil
        output.yield(.deleted(object))
      } else {
        known[key] = object
        output.yield(type == "ADDED" ? .added(object) : .modified(object))
      }
    default:
      break
    }
    return nil
  }

  private mutating func relist(announce: Bool) async throws(KubeError) {
    let list = try await client.list(
      gvk, namespace: namespace,
      options: ListOptions(labelSelector: options.labelSelector, fieldSelector: options.fieldSelector))
    var fresh: [String: KubeObject] = [:]
    for object in list.items {
      let key = Self.key(object)
      fresh[key] = object
      if let old = known[key] {
        if old.resourceVersion != object.resourceVersion { output.yield(.modified(object)) }
      } else {
        output.yield(.added(object))
      }
    }
    for (key, old) in known where fresh[key] == nil { output.yield(.deleted(old)) }
    known = fresh
    resourceVersion = list.resourceVersion
    if announce { output.yield(.relisted(resourceVersion: list.resourceVersion)) }
  }

  private static func key(_ object: KubeObject) -> String { "\(object.namespace ?? "")/\(object.name ?? "")" }
}
