import ServestackCore

extension BundleContent {
  /// The images of the KServe serving runtimes (ClusterServingRuntime or ServingRuntime) among the content's
  /// objects that KServe selects for a predictor naming only `format`: those listing it in
  /// `spec.supportedModelFormats` with `autoSelect: true` (`pytorch` → TorchServe's image; Triton also lists
  /// pytorch, but only for predictors that name the Triton runtime).
  public func servingRuntimeImages(format: String) -> [String] {
    var images: [String] = []
    for object in objectsByComponent.flatMap(\.objects) {
      guard let kind = object["kind"]?.stringValue, kind == "ClusterServingRuntime" || kind == "ServingRuntime",
        let formats = object["spec"]?["supportedModelFormats"]?.arrayValue,
        formats.contains(where: { $0["name"]?.stringValue == format && $0["autoSelect"]?.boolValue == true })
      else { continue }
      for container in object["spec"]?["containers"]?.arrayValue ?? [] {
        if let image = container["image"]?.stringValue, !images.contains(image) { images.append(image) }
      }
    }
    return images
  }
}
