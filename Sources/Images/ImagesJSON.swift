import Registry
public import ServestackCore

// What `servestack images … -o json` prints, next to the types that hold it.

extension DriftReport {
  /// `images --check -o json`: whether anything drifted, and how, per list.
  public var json: JSONValue {
    [
      "drift": .bool(hasDrift),
      "lists": .array(
        drifts.map { drift in
          [
            "list": .string(drift.list), "extra": .array(drift.extra.map { .string($0.description) }),
            "missing": .array(drift.missing.map { .string($0.description) }),
          ]
        }),
      "missingLists": .array(missingLists.map { .string($0.fileName) }),
      "matching": .array(matching.map { .string($0) }),
      "unchecked": .array(unchecked.map { .string($0) }),
    ]
  }
}

extension ImageList {
  /// `images -o json`: one key per list, its references as an array.
  public static func json(_ lists: [ImageList]) -> JSONValue {
    .object(
      JSONObject(
        uniqueKeysWithValues: lists.map { ($0.name, JSONValue.array($0.references.map { .string($0.description) })) }))
  }
}

extension ImageExtraction {
  /// `images extract -o json`: every image, and with `why` where each was found (object and field).
  public func json(why: Bool) -> JSONValue {
    .array(
      references.map { reference in
        var object: JSONObject = ["image": .string(reference.description)]
        if why {
          object["foundIn"] = .array(
            occurrences(of: reference).map { occurrence in
              var entry: JSONObject = [
                "kind": .string(occurrence.object.kind), "name": .string(occurrence.object.name ?? ""),
                "field": .string(occurrence.field), "text": .string(occurrence.text),
              ]
              if let namespace = occurrence.object.namespace { entry["namespace"] = .string(namespace) }
              if let file = occurrence.object.file { entry["file"] = .string(file) }
              if let note = occurrence.note { entry["note"] = .string(note) }
              return .object(entry)
            })
        }
        return .object(object)
      })
  }
}
