import ArgumentParser
import Bundles
import Conformance
import Foundation

extension Servestack.BundleCommand.Create {
  /// `--gpu-model torchserve`: the bundle carries the TorchServe mnist model (as a modelcar, from
  /// `--gpu-model-dir`: its gs:// location cannot be read without network) and the image of KServe's pytorch
  /// serving runtime, so `install --bundle` can run the GPU phase with it.
  static func addGPUModel(
    _ name: String?, directory: String?, spec: inout BundleSpec, options: inout BundleCreateOptions
  ) throws {
    guard let name else {
      if let directory { throw ValidationError("--gpu-model-dir \(directory) needs --gpu-model torchserve") }
      return
    }
    let model = try GPUModel(parsing: name)
    guard model.usesGPU else {
      if let directory {
        throw ValidationError("--gpu-model-dir \(directory): \(model) is the spec's own test model; use --model")
      }
      return
    }
    options.servingRuntimeFormats.append(model.modelFormat)
    if let directory {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
      else {
        throw ValidationError(
          "--gpu-model-dir \(directory) is not a directory; give the model's folder (config/config.properties, model-store/*.mar)"
        )
      }
      options.modelSources[model.bundleModelName] = URL(fileURLWithPath: directory)
    } else if options.modelSources[model.bundleModelName] == nil && !options.skipModels {
      throw ValidationError(
        "--gpu-model \(model) needs the model's files: pass --gpu-model-dir DIR (a copy of \(model.onlineStorageUri): "
          + "config/config.properties and model-store/mnist.mar), or --no-models to carry only the runtime image")
    }
    guard !spec.models.contains(where: { $0.name == model.bundleModelName }) else { return }
    // KServe runs a modelcar with `sh`: the same base image as the spec's own test model.
    let base = spec.models.compactMap(\.base).first
    spec.models.append(
      BundleSpec.Model(
        name: model.bundleModelName, version: model.bundleModelVersion, storageUri: model.onlineStorageUri,
        base: base))
  }
}
