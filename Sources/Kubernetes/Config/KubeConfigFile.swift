import Foundation
import ServestackCore
import YAML

/// The kubeconfig files of one load, merged the way kubectl merges them: the first file to define a
/// cluster, user or context name wins, and the first non-empty `current-context` wins.
struct MergedKubeConfig {
  /// One named entry, with where it came from (for relative paths and messages).
  struct Entry {
    var name: String
    var body: JSONValue
    /// The file as shown in messages (`~/.kube/config`).
    var file: String
    /// The folder relative paths in this entry are resolved against.
    var directory: String
    /// `users[2]`: where in its file the entry is.
    var path: String
    /// The key holding the body (`cluster`, `user`, `context`).
    var bodyKey: String

    /// `~/.kube/config: users[2].user.<field>`, for messages.
    func field(_ name: String) -> String { "\(file): \(path).\(bodyKey).\(name)" }
  }

  var clusters: [String: Entry] = [:]
  var users: [String: Entry] = [:]
  var contexts: [String: Entry] = [:]
  /// Context names in the order files define them, for "available contexts" lists.
  var contextOrder: [String] = []
  var clusterOrder: [String] = []
  var userOrder: [String] = []
  var currentContext: String?
  var files: [String] = []

  var isEmpty: Bool { clusters.isEmpty && users.isEmpty && contexts.isEmpty && currentContext == nil }

  /// Reads and merges `paths` in order.
  mutating func merge(path: String, home: String?) throws(KubeError) {
    let display = Self.display(path, home: home)
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw .badConfig(
        "\(display): cannot read the kubeconfig: \((error as NSError).localizedDescription)", cause: error)
    }
    let documents: [JSONValue]
    do {
      documents = try YAMLParser.parseDocuments(Array(data), file: display)
    } catch {
      let position = error.line > 0 ? ":\(error.line):\(error.column)" : ""
      throw .badConfig("\(display)\(position): not a valid kubeconfig (YAML): \(error.message)", cause: error)
    }
    files.append(display)
    guard let document = documents.first, !document.isNull else { return }
    guard case .object = document else {
      throw .badConfig("\(display): not a valid kubeconfig: the top level is not a mapping")
    }
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
    if currentContext == nil, let current = document["current-context"]?.stringValue, !current.isEmpty {
      currentContext = current
    }
    try add(document, "clusters", "cluster", display, directory, into: &clusters, order: &clusterOrder)
    try add(document, "users", "user", display, directory, into: &users, order: &userOrder)
    try add(document, "contexts", "context", display, directory, into: &contexts, order: &contextOrder)
  }

  private func add(
    _ document: JSONValue, _ section: String, _ bodyKey: String, _ file: String, _ directory: String,
    into table: inout [String: Entry], order: inout [String]
  ) throws(KubeError) {
    guard let value = document[section], !value.isNull else { return }
    guard let items = value.arrayValue else {
      throw .badConfig("\(file): \(section): expected a list of named entries")
    }
    for (index, item) in items.enumerated() {
      let path = "\(section)[\(index)]"
      guard let name = item["name"]?.stringValue, !name.isEmpty else {
        throw .badConfig("\(file): \(path).name: missing; every entry of \(section) needs a name")
      }
      let body = item[bodyKey] ?? .object([:])
      guard body.isNull || body.objectValue != nil else {
        throw .badConfig("\(file): \(path).\(bodyKey): expected a mapping")
      }
      if table[name] == nil {
        table[name] = Entry(
          name: name, body: body.isNull ? .object([:]) : body, file: file, directory: directory, path: path,
          bodyKey: bodyKey)
        order.append(name)
      }
    }
  }

  /// `path` with the home folder shown as `~`.
  static func display(_ path: String, home: String?) -> String {
    guard let home, !home.isEmpty, path.hasPrefix(home + "/") else { return path }
    return "~" + path.dropFirst(home.count)
  }
}

extension MergedKubeConfig.Entry {
  /// A string field; an error when present with another type.
  func string(_ key: String) throws(KubeError) -> String? {
    guard let value = body[key], !value.isNull else { return nil }
    switch value {
    case .string(let text): return text.isEmpty ? nil : text
    case .bool(let flag): return String(flag)
    case .int(let number): return String(number)
    default: throw .badConfig("\(field(key)): expected a string")
    }
  }

  func bool(_ key: String) throws(KubeError) -> Bool {
    guard let value = body[key], !value.isNull else { return false }
    if let flag = value.boolValue { return flag }
    if let text = value.stringValue, let flag = Bool(text) { return flag }
    throw .badConfig("\(field(key)): expected true or false")
  }

  /// A file path field, resolved against the entry's folder.
  func path(_ key: String) throws(KubeError) -> String? {
    guard let text = try string(key) else { return nil }
    return resolve(text)
  }

  func resolve(_ text: String) -> String {
    if text.hasPrefix("/") { return text }
    if text.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] {
      return home + text.dropFirst(1)
    }
    return URL(fileURLWithPath: directory).appendingPathComponent(text).standardizedFileURL.path
  }

  /// A `*-data` field: base64 as Go's StdEncoding reads it (line breaks ignored).
  func base64(_ key: String) throws(KubeError) -> [UInt8]? {
    guard let text = try string(key) else { return nil }
    let cleaned = text.filter { $0 != "\n" && $0 != "\r" && $0 != " " }
    guard let data = Data(base64Encoded: cleaned) else {
      throw .badConfig("\(field(key)): not valid base64")
    }
    return Array(data)
  }

  /// A PEM field pair: inline data (base64) or a file, checked to exist and to look like PEM.
  func pem(dataKey: String, fileKey: String) throws(KubeError) -> PEMInput? {
    if let bytes = try base64(dataKey) {
      guard Self.looksLikePEM(bytes) else {
        throw .badConfig("\(field(dataKey)): the decoded value is not PEM (no '-----BEGIN' line)")
      }
      return .data(bytes)
    }
    guard let path = try path(fileKey) else { return nil }
    guard let data = FileManager.default.contents(atPath: path) else {
      let exists = FileManager.default.fileExists(atPath: path)
      throw .badConfig("\(field(fileKey)): \(exists ? "cannot read" : "no such file") \(path)")
    }
    guard Self.looksLikePEM(Array(data)) else {
      throw .badConfig("\(field(fileKey)): \(path) is not PEM (no '-----BEGIN' line)")
    }
    return .file(path)
  }

  enum PEMInput {
    case data([UInt8])
    case file(String)
  }

  static func looksLikePEM(_ bytes: [UInt8]) -> Bool {
    let marker = Array("-----BEGIN".utf8)
    guard bytes.count >= marker.count else { return false }
    for start in 0...(bytes.count - marker.count) where bytes[start] == marker[0] {
      if Array(bytes[start..<(start + marker.count)]) == marker { return true }
    }
    return false
  }
}
