import Registry
public import ServestackCore

extension BundlePushResult {
  /// What `bundle push -o json` prints: each image and the totals, with the registry, the signature state
  /// of the bundle and how long the push took.
  public func json(registry: String, signature: String, seconds: Double) -> JSONValue {
    [
      "registry": .string(registry), "signature": .string(signature),
      "images": .array(
        images.map { image in
          [
            "name": .string(image.name), "target": .string(image.target.description),
            "digest": .string(image.digest.description), "blobsUploaded": .int(image.blobsUploaded),
            "blobsMounted": .int(image.blobsMounted), "blobsPresent": .int(image.blobsPresent),
            "bytesUploaded": .int(Int(image.bytesUploaded)), "manifestsPut": .int(image.manifestsPut),
          ]
        }),
      "blobsUploaded": .int(blobsUploaded), "blobsMounted": .int(blobsMounted),
      "blobsPresent": .int(blobsPresent), "bytesUploaded": .int(Int(bytesUploaded)),
      "seconds": .double(seconds),
    ]
  }
}
