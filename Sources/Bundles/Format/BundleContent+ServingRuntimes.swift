import ServestackCore

extension BundleContent {
  /// The images of the KServe serving runtimes (ClusterServingRuntime or ServingRuntime) among the content's
  /// objects that list `format` in `spec.supportedModelFormats` (`pytorch` → TorchServe's image), in order.
  public func servingRuntimeImages(format: String) -> [String] {
    var images: [String] = []
    for object in objectsByComponent.flatMap(\.objects) {
      guard let kind = object["kind"]?.stringValue, kind == "ClusterServingRuntime" || kind == "ServingRuntime",
        let formats = object["spec"]?["supportedModelFormats"]?.arrayValue,
        formats.contains(where: { $0["name"]?.stringValue == format })
      else { continue }
      for container in object["spec"]?["containers"]?.arrayValue ?? [] {
        if let image = container["image"]?.stringValue, !images.contains(image) { images.append(image) }
      }
    }
    return images
  }
}
