public import Foundation
import Registry
public import ServestackCore
import YAML

/// Finds the container images a set of Kubernetes manifests needs, and says why each one is needed.
///
/// Sources, in every object but CustomResourceDefinitions (whose schemas only describe images):
/// - any string member named `image` or ending in `Image`, at any depth: containers, initContainers and
///   ephemeralContainers of every workload kind (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
///   CronJob, ReplicationController, Knative Service/Configuration/Revision), ServingRuntime and
///   ClusterServingRuntime containers, ClusterStorageContainer, LLMInferenceServiceConfig templates,
///   Knative's caching `Image`;
/// - `env` entries whose name ends in `_IMAGE`, and `--…image…=REF` command-line flags in `args`/`command`;
/// - ConfigMap data (its `_example` key, documentation, is skipped): keys named `image` or ending in
///   `-image`/`_image`/`Image` (Knative's `queue-sidecar-image`), JSON values walked the same way
///   (KServe's `inferenceservice-config`; `image` + `defaultImageVersion` composed; Istio's values with
///   `global.hub`/`global.tag` composed), and literal `image:` lines of template text (Istio's injection
///   templates; lines with `{{` are skipped);
/// - `image: auto` (Istio gateway injection) resolved from the `istio-sidecar-injector` ConfigMap's
///   `global.hub`/`global.proxy.image`/`global.tag` when it is among the objects, else reported as a
///   problem.
public struct ImageExtractor: Sendable {
  public init() {}

  /// The images of `documents` (parsed manifests; `List` objects are expanded).
  public func extract(from documents: [JSONValue], file: String? = nil) -> ImageExtraction {
    extract(from: documents.map { ($0, file) })
  }

  /// The images of documents that may come from several files; `image: auto` is resolved across all.
  public func extract(from documents: [(value: JSONValue, file: String?)]) -> ImageExtraction {
    let objects = documents.flatMap { document in Self.objects(in: document.value).map { ($0, document.file) } }
    var walker = ExtractionWalker(istioProxy: IstioProxyImage.find(in: objects.map(\.0)))
    for (object, file) in objects { walker.visit(object, file: file) }
    return walker.result
  }

  /// Reads and extracts YAML manifest files (several documents each).
  ///
  /// #### Errors
  /// ``ImagesError`` (`.invalidManifest`) naming the file, line and column of a YAML error; (`.io`) for an
  /// unreadable file.
  public func extract(files: [URL]) throws(ImagesError) -> ImageExtraction {
    var documents: [(value: JSONValue, file: String?)] = []
    for file in files {
      documents += try Self.readManifests(file).map { ($0, file.path) }
    }
    return extract(from: documents)
  }

  /// The documents of one YAML file.
  static func readManifests(_ file: URL) throws(ImagesError) -> [JSONValue] {
    let data: Data
    do {
      data = try Data(contentsOf: file)
    } catch {
      throw ImagesError(.io, "cannot read \(file.path): \(error.localizedDescription)", cause: error)
    }
    do throws(YAMLError) {
      return try YAMLParser.parseDocuments(Array(data), file: file.path)
    } catch {
      throw ImagesError(.invalidManifest, "\(error.userMessage)", cause: error)
    }
  }

  /// Kubernetes objects in a document: the document itself, or the items of a `…List`. Documents without
  /// `apiVersion` and `kind` (Helm values, kustomize patches) are not objects.
  static func objects(in document: JSONValue) -> [JSONValue] {
    guard document["apiVersion"]?.stringValue != nil, let kind = document["kind"]?.stringValue else { return [] }
    if kind.hasSuffix("List"), let items = document["items"]?.arrayValue { return items.flatMap(objects(in:)) }
    return [document]
  }
}

/// The proxy image Istio injects for `image: auto`, read from the injector's values.
struct IstioProxyImage: Sendable {
  var text: String
  var note: String

  static func find(in objects: [JSONValue]) -> IstioProxyImage? {
    for object in objects where object["kind"]?.stringValue == "ConfigMap" {
      guard object["metadata"]?["name"]?.stringValue == "istio-sidecar-injector",
        let valuesText = object["data"]?["values"]?.stringValue,
        let values = try? JSONValue(parsing: valuesText),
        let hub = values["global"]?["hub"]?.stringValue, let image = values["global"]?["proxy"]?["image"]?.stringValue,
        let tag = values["global"]?["tag"].flatMap(ExtractionWalker.scalarText)
      else { continue }
      let namespace = object["metadata"]?["namespace"]?.stringValue.map { "\($0)/" } ?? ""
      return IstioProxyImage(
        text: image.contains("/") ? image : "\(hub)/\(image):\(tag)",
        note:
          "image: auto, resolved from ConfigMap \(namespace)istio-sidecar-injector global.hub + global.proxy.image + global.tag"
      )
    }
    return nil
  }
}
