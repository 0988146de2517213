import YAML

extension SchemaNode {
  /// The root of a file that must hold exactly one YAML document (a phase file, a catalog file), and that
  /// document (for the marks of later messages).
  ///
  /// - Parameter what: how messages name such a file: `a phase file`.
  ///
  /// #### Errors
  /// ``PhaseError`` (`yaml`) for YAML that does not parse, or more or fewer than one document.
  static func onlyDocument(_ text: String, file: String, what: String) throws(PhaseError) -> (
    root: SchemaNode, document: YAMLDocument
  ) {
    let documents: [YAMLDocument]
    do {
      documents = try YAMLParser.parseLocatedDocuments(text, file: file)
    } catch {
      throw PhaseError(.yaml, error.message, file: file, line: error.line, column: error.column, cause: error)
    }
    guard documents.count == 1 else {
      throw PhaseError(
        .yaml, "\(what) holds exactly one YAML document, this one has \(documents.count)",
        file: file, line: documents.dropFirst().first?.line ?? 0)
    }
    let root = SchemaNode(
      value: documents[0].value, path: .root, context: SchemaContext(file: file, document: documents[0]))
    return (root, documents[0])
  }
}
