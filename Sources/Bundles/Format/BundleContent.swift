public import Images
public import ServestackCore

/// What goes into a bundle besides images and models: the phase files (already pointing at `path:`
/// manifests inside the bundle), the manifest files, and the rendered objects the images are found in.
///
/// ``render(phaseSet:profile:fetcher:)`` makes it from a phase set; tests may build one by hand.
public struct BundleContent: Sendable {
  /// A manifest file, stored at manifests/<component>/<version>/<fileName>.
  public struct ManifestFile: Sendable, Equatable {
    public var component: String
    public var version: String
    public var fileName: String
    public var bytes: [UInt8]

    public init(component: String, version: String, fileName: String, bytes: [UInt8]) {
      self.component = component
      self.version = version
      self.fileName = fileName
      self.bytes = bytes
    }

    public var path: String { BundleLayout.manifestPath(component: component, version: version, file: fileName) }
  }

  /// A phase file, stored at phases/<fileName>.
  public struct PhaseFile: Sendable, Equatable {
    public var fileName: String
    public var text: String

    public init(fileName: String, text: String) {
      self.fileName = fileName
      self.text = text
    }
  }

  public var profile: String
  /// Component → version, in install order.
  public var stack: [(component: String, version: String)]
  public var phaseFiles: [PhaseFile]
  public var manifestFiles: [ManifestFile]
  /// Rendered objects by component (for image lists) — every object whose images the bundle must carry.
  public var objectsByComponent: [(component: ComponentVersion, objects: [JSONValue])]
  /// The catalog set `stack` is, when the phases came from a catalog.
  public var stackSet: String?
  /// A two-set bundle's upgrade source, and its files under stacks/ (templates and `versions/`).
  public var upgradeFrom: BundleDescriptor.StackSet?
  public var stackFiles: [PhaseFile] = []

  public init(
    profile: String, stack: [(component: String, version: String)], phaseFiles: [PhaseFile],
    manifestFiles: [ManifestFile], objectsByComponent: [(component: ComponentVersion, objects: [JSONValue])],
    stackSet: String? = nil
  ) {
    self.profile = profile
    self.stack = stack
    self.phaseFiles = phaseFiles
    self.manifestFiles = manifestFiles
    self.objectsByComponent = objectsByComponent
    self.stackSet = stackSet
  }

  /// Content with no phases or manifests: a bundle of the spec's extra images and models only.
  public static func imagesOnly(profile: String) -> BundleContent {
    BundleContent(profile: profile, stack: [], phaseFiles: [], manifestFiles: [], objectsByComponent: [])
  }

  /// The images the objects need, and the places where an image was expected but none could be read.
  public var extraction: ImageExtraction {
    ImageExtractor().extract(from: objectsByComponent.flatMap(\.objects))
  }

  /// The image lists of the components, as `imagelists/` holds them.
  public var imageLists: [ImageList] {
    var merged: [ComponentVersion: [JSONValue]] = [:]
    for (component, objects) in objectsByComponent { merged[component, default: []] += objects }
    return ImageLists.generate(manifestsByComponent: merged).values.sorted { $0.name < $1.name }
  }
}
