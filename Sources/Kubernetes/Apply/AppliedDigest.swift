import ServestackCore

/// Proves, from an object's live state alone, that server-side applying a configuration again would change
/// nothing, so that a re-apply can skip the PATCH.
///
/// Each configuration ``KubeClient/applyMany(_:options:)`` sends carries the annotation
/// `servestack.io/applied-digest`: the SHA-256 of the configuration without that annotation (keys sorted).
/// An apply of `desired` over `live` is a no-op when all three hold:
/// 1. `live` carries the digest of `desired`: the last configuration applied is this one, so no field has
///    been dropped from it since (an apply would remove a dropped field);
/// 2. the field manager's own Apply entry in `live`'s managedFields owns that annotation: that digest is
///    what this manager last applied, not a value someone else copied or wrote;
/// 3. every value of `desired` is in `live`: nobody has changed an applied field since (a field someone
///    else set to another value would be taken back by the apply). Lists must have the same length and
///    match element by element; the server's defaults and other managers' extra fields are allowed, and so
///    are the server's own normalizations: resource quantities compare by value (`1000m` is stored as `1`),
///    and built-in types drop zero values (`""`, `false`, `0`, empty lists).
///
/// When any of them fails, or cannot be told, the object is applied as usual: the check only ever errs
/// towards sending the PATCH.
enum AppliedDigest {
  static let annotation = "servestack.io/applied-digest"

  /// The annotation that holds `manager`'s digest: ``annotation`` for servestack's own manager, and a key of
  /// their own for other managers, so that two managers applying different configurations to one object do
  /// not conflict over it. A manager name that cannot be part of a key is replaced by its hash.
  static func annotation(for manager: String) -> String {
    if manager == KubeClientOptions.defaultFieldManager { return annotation }
    let allowed = manager.utf8.allSatisfy { byte in
      (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
        || byte == UInt8(ascii: "_")
        || byte == UInt8(ascii: ".")
    }
    let usable =
      allowed && manager.count <= 40 && manager.first?.isLetter == true
      && manager.last.map { $0.isLetter || $0.isNumber } == true
    return annotation + "-" + (usable ? manager : String(Digest.sha256(manager).hex.prefix(16)))
  }

  /// `desired` with `manager`'s digest annotation of its own content set.
  static func annotated(_ desired: KubeObject, manager: String) -> KubeObject {
    let annotation = annotation(for: manager)
    var json = desired.json
    json.remove(at: ["metadata", "annotations", annotation])
    if json[path: ["metadata", "annotations"]]?.objectValue?.isEmpty == true {
      json.remove(at: ["metadata", "annotations"])
    }
    let digest = Digest.sha256(json.serializedBytes(.sortedKeys)).description
    json.set(.string(digest), at: ["metadata", "annotations", annotation])
    return KubeObject(json)
  }

  /// Whether applying `desired` (as returned by ``annotated(_:)``) as `manager` over `live` would change
  /// nothing. `live` must be the whole object, not its metadata only.
  static func isNoOp(applying desired: KubeObject, over live: KubeObject, manager: String) -> Bool {
    guard let digest = desired.annotations[annotation(for: manager)], mayBeNoOp(live, digest: digest, manager: manager)
    else {
      return false
    }
    var wanted = desired.json
    // List items come without apiVersion and kind; the list's resource already matched them.
    wanted.remove(at: ["apiVersion"])
    wanted.remove(at: ["kind"])
    return Comparison(builtIn: isBuiltIn(desired.gvk?.group)).contains(live.json, wanted, path: [])
  }

  /// Whether objects of `group` are Kubernetes' own types, which the apiserver decodes into Go structs:
  /// their zero values (`""`, `false`, `0`, empty lists) are then not stored. Groups of CRDs always hold a dot,
  /// and `*.k8s.io` groups are reserved to Kubernetes.
  static func isBuiltIn(_ group: String?) -> Bool {
    guard let group else { return false }
    return !group.contains(".") || group.hasSuffix(".k8s.io")
  }

  /// Whether `live`'s metadata says that `manager`'s last apply wrote the annotation with `digest`: the
  /// first two conditions, which a metadata-only read can tell.
  static func mayBeNoOp(_ live: KubeObject, digest: String, manager: String) -> Bool {
    let annotation = annotation(for: manager)
    return live.annotations[annotation] == digest && owns(annotation, in: live, manager: manager)
  }

  /// The digest `desired` (as returned by ``annotated(_:manager:)``) carries for `manager`.
  static func digest(of desired: KubeObject, manager: String) -> String? {
    desired.annotations[annotation(for: manager)]
  }

  private static func owns(_ annotation: String, in live: KubeObject, manager: String) -> Bool {
    let entries = live[path: "metadata", "managedFields"]?.arrayValue ?? []
    return entries.contains { entry in
      entry["manager"]?.stringValue == manager && entry["operation"]?.stringValue == "Apply"
        && entry[path: ["fieldsV1", "f:metadata", "f:annotations", "f:\(annotation)"]] != nil
    }
  }
}
