public import Foundation
import HTTP
import ServestackCore

/// How to list: selectors, page size, metadata only.
public struct ListOptions: Sendable {
  public var labelSelector: String?
  public var fieldSelector: String?
  /// Page size; pages are fetched with `continue` until the list is complete. 0 for no paging.
  public var pageSize: Int
  /// Ask for `PartialObjectMetadataList`: names, resourceVersions, labels, no spec or status.
  public var metadataOnly: Bool

  public init(
    labelSelector: String? = nil, fieldSelector: String? = nil, pageSize: Int = 500, metadataOnly: Bool = false
  ) {
    self.labelSelector = labelSelector
    self.fieldSelector = fieldSelector
    self.pageSize = pageSize
    self.metadataOnly = metadataOnly
  }
}

/// The objects of a list and the resourceVersion to watch from.
public struct KubeObjectList: Sendable {
  public var items: [KubeObject]
  public var resourceVersion: String
  /// The server's clock when the (first page of the) list was read: its `Date` header, whole seconds.
  public var serverDate: Date?
}

/// `Accept` value that makes the apiserver send `PartialObjectMetadata(List)` instead of whole objects.
let metadataAccept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
let metadataAcceptSingle = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"

extension KubeClient {
  /// The object `reference` points at.
  ///
  /// #### Errors
  /// ``KubeError/Code/notFound`` when it does not exist; any other ``KubeError``.
  public func get(_ reference: ObjectReference, metadataOnly: Bool = false) async throws(KubeError) -> KubeObject {
    let location = try await locate(reference)
    var request = APIRequest(.get, location.path(), repeats: .read, what: "get \(reference)", object: reference)
    if metadataOnly { request.accept = metadataAcceptSingle }
    return try object(try await transport.send(request), what: request.what)
  }

  /// The object, or nil when it does not exist.
  public func getIfExists(_ reference: ObjectReference, metadataOnly: Bool = false) async throws(KubeError)
    -> KubeObject?
  {
    do {
      return try await get(reference, metadataOnly: metadataOnly)
    } catch  where error.code == .notFound {
      return nil
    }
  }

  /// Every object of `gvk` in `namespace` (nil: in all namespaces, or the cluster for cluster-scoped kinds),
  /// fetching all pages.
  ///
  /// #### Errors
  /// ``KubeError`` (403 when listing is not allowed, `unknownKind`, …). A `continue` token that expired
  /// mid-way (410) restarts the list once from the beginning.
  public func list(
    _ gvk: GroupVersionKind, namespace: String?, options: ListOptions = ListOptions()
  ) async throws(KubeError) -> KubeObjectList {
    let mapping = try await mapper.mapping(for: gvk)
    let location = Location(mapping: mapping, namespace: mapping.namespaced ? namespace : nil, name: nil)
    let scope = location.namespace.map { " in namespace \($0)" } ?? ""
    let what = "list \(mapping.resource.resource)\(options.metadataOnly ? " (metadata)" : "")\(scope)"
    var restarted = false
    while true {
      do {
        return try await listPages(location, options: options, what: what)
      } catch  where error.code == .gone && !restarted {
        restarted = true
      }
    }
  }

  private func listPages(_ location: Location, options: ListOptions, what: String) async throws(KubeError)
    -> KubeObjectList
  {
    var items: [KubeObject] = []
    var continueToken: String?
    var resourceVersion = ""
    var serverDate: Date?
    repeat {
      var request = APIRequest(.get, location.path(), repeats: .read, what: what)
      if let selector = options.labelSelector, !selector.isEmpty { request.query.append(("labelSelector", selector)) }
      if let selector = options.fieldSelector, !selector.isEmpty { request.query.append(("fieldSelector", selector)) }
      if options.pageSize > 0 { request.query.append(("limit", String(options.pageSize))) }
      if let continueToken { request.query.append(("continue", continueToken)) }
      if options.metadataOnly { request.accept = metadataAccept }
      let response = try await transport.send(request)
      if serverDate == nil, let date = response.headers["Date"] { serverDate = Self.httpDate(date) }
      let page = try decode(response, what: what)
      items.append(contentsOf: (page["items"]?.arrayValue ?? []).map(KubeObject.init))
      resourceVersion = page[path: ["metadata", "resourceVersion"]]?.stringValue ?? resourceVersion
      continueToken = page[path: ["metadata", "continue"]]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    } while continueToken != nil
    // List items carry no apiVersion/kind; fill them in so that they are whole objects.
    if !options.metadataOnly {
      let gvk = location.mapping.gvk
      for index in items.indices {
        items[index]["apiVersion"] = .string(gvk.apiVersion)
        items[index]["kind"] = .string(gvk.kind)
      }
    }
    return KubeObjectList(items: items, resourceVersion: resourceVersion, serverDate: serverDate)
  }

  /// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), as Go's net/http writes `Date`.
  static func httpDate(_ text: String) -> Date? {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
    return formatter.date(from: text)
  }
}
