import Foundation
import ServestackCore

extension PhaseLoader {
  static func decodeComponent(_ node: SchemaNode) throws(PhaseError) -> PhaseComponent {
    let map = try node.mapping(allowed: ["name", "version", "kubernetes", "crds"])
    let nameNode = try map.required("name")
    let name = try nameNode.string()
    guard PhaseName.isLabel(name) else {
      throw nameNode.fail(.invalidValue, "invalid component name '\(name)': use lowercase letters, digits and '-'")
    }
    // Without a version the phase is a template: the version catalog (phases/versions/) gives the version,
    // its Kubernetes range, upgrade path and manifests for the chosen stack set.
    let version = try map.optional("version")?.nonEmptyString() ?? ""
    var kubernetes: KubernetesSupport?
    if let kubeNode = map.optional("kubernetes") {
      let kube = try kubeNode.mapping(allowed: ["min", "recommended"])
      let minimum = try kubernetesVersion(try kube.required("min"))
      let recommended = try kube.optional("recommended").map { n throws(PhaseError) in try kubernetesVersion(n) }
      if let recommended, recommended < minimum, let n = kube.optional("recommended") {
        throw n.fail(.invalidValue, "recommended Kubernetes \(recommended) is below the minimum \(minimum)")
      }
      kubernetes = KubernetesSupport(minimum: minimum, recommended: recommended)
    }
    var crds: CRDOwnership?
    if let crdNode = map.optional("crds") {
      let crd = try crdNode.mapping(allowed: ["groups", "versionLabel", "upgradeFrom"])
      let groupsNode = try crd.required("groups")
      let groupItems = try groupsNode.sequence()
      guard !groupItems.isEmpty else { throw groupsNode.fail(.invalidValue, "name at least one API group") }
      var groups: [String] = []
      for item in groupItems {
        let group = try item.string()
        guard
          group.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ PhaseName.isLabel(String($0)) })
        else {
          throw item.fail(.invalidValue, "invalid API group '\(group)': expected a DNS name such as serving.kserve.io")
        }
        groups.append(group)
      }
      let label = try crd.optional("versionLabel")?.nonEmptyString()
      var upgradeFrom: [VersionConstraint] = []
      if let upNode = crd.optional("upgradeFrom") {
        for item in try upNode.sequence() {
          let text = try item.string()
          do { upgradeFrom.append(try VersionConstraint(text)) } catch { throw item.invalid(error) }
        }
      }
      crds = CRDOwnership(groups: groups, versionLabel: label, upgradeFrom: upgradeFrom)
    }
    return PhaseComponent(name: name, version: version, kubernetes: kubernetes, crds: crds)
  }

  static func kubernetesVersion(_ node: SchemaNode) throws(PhaseError) -> KubernetesVersion {
    let text = try node.string()
    do { return try KubernetesVersion(text) } catch { throw node.invalid(error) }
  }

  static func decodeManifest(_ node: SchemaNode) throws(PhaseError) -> ManifestSource {
    let map = try node.mapping(allowed: ["url", "path", "sha256", "profiles"])
    let profiles = try map.optional("profiles").map { n throws(PhaseError) in try profileSet(n) }
    let digest = try map.optional("sha256").map { n throws(PhaseError) in try sha256(n) }
    switch (map.optional("url"), map.optional("path")) {
    case (let urlNode?, nil):
      let url = try urlNode.string()
      try checkUpstreamURL(url, urlNode)
      guard let digest else {
        throw map.node.context.error(
          .missingField, at: node.path.appending("sha256"),
          "missing required field 'sha256': a URL manifest must be pinned by its SHA-256 (64 lowercase hex digits)")
      }
      return ManifestSource(location: .url(url, sha256: digest), profiles: profiles, source: node.location)
    case (nil, let pathNode?):
      let path = try pathNode.nonEmptyString()
      return ManifestSource(location: .path(path, sha256: digest), profiles: profiles, source: node.location)
    case (.some, .some):
      throw node.fail(.invalidValue, "give either 'url' or 'path', not both")
    case (nil, nil):
      throw map.node.context.error(
        .missingField, at: node.path.appending("url"), "missing required field 'url' (or 'path' for a local file)")
    }
  }

  static func sha256(_ node: SchemaNode) throws(PhaseError) -> Digest {
    let text = try node.string()
    guard text.utf8.count == 64, text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
    else {
      throw node.fail(.invalidValue, "invalid sha256 '\(text)': expected 64 lowercase hex digits (sha256sum's output)")
    }
    do { return try Digest("sha256:" + text) } catch { throw node.invalid(error) }
  }

  static func checkUpstreamURL(_ text: String, _ node: SchemaNode) throws(PhaseError) {
    guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
      throw node.fail(.invalidValue, "invalid URL '\(text)'")
    }
    guard scheme == "https" else {
      throw node.fail(
        .invalidValue,
        "invalid URL '\(text)': upstream manifests must be fetched over https (use --mirror for a local mirror, or 'path:' for a file)"
      )
    }
    guard let host = components.host, !host.isEmpty, components.user == nil, components.password == nil else {
      throw node.fail(.invalidValue, "invalid URL '\(text)': expected https://host/path with no credentials")
    }
    guard components.query == nil, components.fragment == nil, components.path.count > 1 else {
      throw node.fail(.invalidValue, "invalid URL '\(text)': expected a file path with no query or fragment")
    }
  }

  static func decodePatch(_ node: SchemaNode) throws(PhaseError) -> PhasePatch {
    let map = try node.mapping(allowed: ["target", "merge", "mergeJSON", "profiles"])
    let targetNode = try map.required("target")
    let target = try map.node.context.decodeTarget(targetNode)
    let profiles = try map.optional("profiles").map { n throws(PhaseError) in try profileSet(n) }
    let operation: PhasePatch.Operation
    switch (map.optional("merge"), map.optional("mergeJSON")) {
    case (let merge?, nil):
      _ = try merge.object()
      try checkPlaceholders(merge)
      operation = .merge(merge.value)
    case (nil, let mergeJSON?):
      let inner = try mergeJSON.mapping(allowed: ["key", "merge"])
      let key = try inner.required("key").nonEmptyString()
      let merge = try inner.required("merge")
      _ = try merge.object()
      try checkPlaceholders(merge)
      guard target.kind == "ConfigMap" else {
        throw mergeJSON.fail(
          .invalidValue, "mergeJSON changes JSON held by a ConfigMap's data; the target is a \(target.kind)")
      }
      operation = .mergeJSON(key: key, merge: merge.value)
    case (.some, .some):
      throw node.fail(.invalidValue, "give either 'merge' or 'mergeJSON', not both")
    case (nil, nil):
      throw map.node.context.error(.missingField, at: node.path.appending("merge"), "missing 'merge' (or 'mergeJSON')")
    }
    return PhasePatch(target: target, operation: operation, profiles: profiles, source: node.location)
  }

  static func decodeWait(_ node: SchemaNode) throws(PhaseError) -> PhaseWait {
    let object = try node.object()
    guard object.count == 1, let kind = object.keys.first, let value = object.values.first else {
      throw node.fail(
        .invalidValue, "a wait entry is a mapping with one key: \(PhaseWait.kinds.joined(separator: ", "))")
    }
    let child = SchemaNode(value: value, path: node.path.appending(kind), context: node.context)
    func expect(_ word: String) throws(PhaseError) {
      let text = try child.string()
      guard text == word else {
        throw child.fail(PhaseError.Code.invalidValue, "expected '\(kind): \(word)', found '\(text)'")
      }
    }
    switch kind {
    case "crds":
      try expect("established")
      return .crdsEstablished
    case "workloads":
      try expect("available")
      return .workloadsAvailable
    case "webhooks":
      try expect("serving")
      return .webhooksServing
    case "certificates":
      try expect("ready")
      return .certificatesReady
    case "endpoints":
      let text = try child.string()
      let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
      guard parts.count == 2, parts.allSatisfy(PhaseName.isLabel) else {
        throw child.fail(PhaseError.Code.invalidValue, "expected 'namespace/service', found '\(text)'")
      }
      return .endpoints(namespace: parts[0], service: parts[1])
    case "condition":
      let map = try child.mapping(allowed: ["apiVersion", "kind", "namespace", "name", "type", "status"])
      var status = "True"
      if let statusNode = map.optional("status") {
        switch statusNode.value {
        case .bool(let b): status = b ? "True" : "False"
        case .string(let s) where ["True", "False", "Unknown"].contains(s): status = s
        default: throw statusNode.fail(PhaseError.Code.invalidValue, "expected True, False or Unknown")
        }
      }
      return .condition(
        ConditionWait(
          apiVersion: try map.optional("apiVersion")?.nonEmptyString(), kind: try map.required("kind").nonEmptyString(),
          namespace: try map.optional("namespace")?.nonEmptyString(), name: try map.required("name").nonEmptyString(),
          type: try map.required("type").nonEmptyString(), status: status))
    default:
      var message = "unknown wait kind '\(kind)'"
      if let suggestion = SchemaNode.suggestion(for: kind, among: PhaseWait.kinds) {
        message += " (did you mean '\(suggestion)'?)"
      }
      throw node.context.error(
        .unknownField, at: child.path, message + "; use one of \(PhaseWait.kinds.joined(separator: ", "))")
    }
  }

  static func decodeProbe(_ node: SchemaNode) throws(PhaseError) -> WebhookProbe {
    let map = try node.mapping(allowed: ["webhook", "object"])
    let webhook = try map.required("webhook").nonEmptyString()
    let object = try map.required("object")
    try checkObject(object)
    try checkPlaceholders(object)
    return WebhookProbe(webhook: webhook, object: object.value)
  }

  static func decodeCheck(_ node: SchemaNode) throws(PhaseError) -> PreflightCheck {
    let map = try node.mapping(allowed: ["name", "severity", "parameters", "profiles"])
    let nameNode = try map.required("name")
    let name = try nameNode.string()
    guard PreflightCheck.knownChecks.contains(name) else {
      var message = "unknown preflight check '\(name)'"
      if let s = SchemaNode.suggestion(for: name, among: PreflightCheck.knownChecks) {
        message += " (did you mean '\(s)'?)"
      }
      throw nameNode.fail(
        .invalidValue, message + "; known checks: \(PreflightCheck.knownChecks.joined(separator: ", "))")
    }
    var severity = PreflightCheck.Severity.fail
    if let severityNode = map.optional("severity") {
      let text = try severityNode.string()
      guard let value = PreflightCheck.Severity(rawValue: text) else {
        throw severityNode.fail(.invalidValue, "expected fail or warn, found '\(text)'")
      }
      severity = value
    }
    let parameters = try map.optional("parameters")?.object() ?? [:]
    let profiles = try map.optional("profiles").map { n throws(PhaseError) in try profileSet(n) }
    return PreflightCheck(name: name, severity: severity, parameters: parameters, profiles: profiles)
  }

  static func decodeStep(_ node: SchemaNode) throws(PhaseError) -> TestStep {
    let object = try node.object()
    let actions = TestStep.Action.allCases.map(\.rawValue)
    guard object.count == 1, let key = object.keys.first, let body = object.values.first else {
      throw node.fail(.invalidValue, "a step is a mapping with one key: \(actions.joined(separator: ", "))")
    }
    guard let action = TestStep.Action(rawValue: key) else {
      var message = "unknown step '\(key)'"
      if let s = SchemaNode.suggestion(for: key, among: actions) { message += " (did you mean '\(s)'?)" }
      throw node.context.error(
        .unknownField, at: node.path.appending(key), message + "; use one of \(actions.joined(separator: ", "))")
    }
    return TestStep(action: action, body: body, source: node.location)
  }

  /// A Kubernetes object must at least say what it is and what it is called.
  static func checkObject(_ node: SchemaNode) throws(PhaseError) {
    let object = try node.object()
    let map = SchemaMapping(node: node, object: object)
    _ = try map.required("apiVersion").nonEmptyString()
    _ = try map.required("kind").nonEmptyString()
    let metadata = try map.required("metadata")
    _ = try SchemaMapping(node: metadata, object: try metadata.object()).required("name").nonEmptyString()
  }

  /// Every `${name}` in the node's strings and keys must name a known parameter.
  static func checkPlaceholders(_ node: SchemaNode) throws(PhaseError) {
    func fail(_ names: [String], _ path: FieldPath) -> PhaseError {
      node.context.error(
        .unknownParameter, at: path,
        "unknown parameter '${\(names[0])}'; the parameters are \(PhaseParameters.knownNames.joined(separator: ", ")) (write $${ for a literal ${)"
      )
    }
    switch node.value {
    case .string(let text):
      let unknown = PhaseParameters.unknownPlaceholders(in: text)
      if !unknown.isEmpty { throw fail(unknown, node.path) }
    case .array:
      for item in try node.sequence() { try checkPlaceholders(item) }
    case .object(let object):
      for (key, value) in object {
        let path = node.path.appending(key)
        let unknown = PhaseParameters.unknownPlaceholders(in: key)
        if !unknown.isEmpty { throw fail(unknown, path) }
        try checkPlaceholders(SchemaNode(value: value, path: path, context: node.context))
      }
    default: break
    }
  }
}

extension SchemaContext {
  func decodeTarget(_ node: SchemaNode) throws(PhaseError) -> PatchTarget {
    let map = try node.mapping(allowed: ["apiVersion", "kind", "namespace", "name"])
    try PhaseLoader.checkPlaceholders(node)
    return PatchTarget(
      apiVersion: try map.optional("apiVersion")?.nonEmptyString(), kind: try map.required("kind").nonEmptyString(),
      namespace: try map.optional("namespace")?.nonEmptyString(), name: try map.required("name").nonEmptyString())
  }
}
