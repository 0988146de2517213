import Foundation
import Kubernetes
import ServestackCore
import TestSupport
import Testing
import YAML

@Suite("CRD version changes")
struct CRDVersionChangesTests {
  typealias C = SyntheticCRD

  @Test("v1alpha1 stored → v1 only: added, removed, storage change, migration, transitional CRD, no rollback")
  func alphaToV1() throws {
    let old = C.make([C.v("v1alpha1", storage: true)])
    let new = C.make([C.v("v1", storage: true)])
    let changes = try CRDVersionChanges(old: old, new: new, storedVersions: ["v1alpha1"])
    #expect(changes.name == "widgets.widgets.example.com")
    #expect(changes.versionsAdded == ["v1"])
    #expect(changes.versionsRemoved == ["v1alpha1"])
    #expect(changes.versionsNoLongerServed.isEmpty)
    #expect(changes.storageVersion == .init(from: "v1alpha1", to: "v1"))
    #expect(changes.storedVersionsToMigrate == ["v1alpha1"])
    #expect(changes.needsMigration && changes.needsTransitionalCRD && changes.hasChanges)
    #expect(!changes.rollback.safe)
    #expect(
      changes.rollback.reasons == [
        "rollback of crd widgets.widgets.example.com refused: after the upgrade its objects are stored as v1, and the "
          + "older CRD has no version v1 (it serves v1alpha1), so the older release could not read them"
      ])
    #expect(
      changes.description
        == "crd widgets.widgets.example.com: versions added: v1; versions removed: v1alpha1; storage version v1alpha1 → v1; stored v1alpha1 to migrate; no rollback"
    )
  }

  @Test(
    "a version kept but no longer served is migrated; rollback is safe when the older CRD serves the new storage version"
  )
  func noLongerServed() throws {
    let old = C.make([C.v("v1beta1", storage: true), C.v("v1")])
    let new = C.make([C.v("v1beta1", served: false), C.v("v1", storage: true)])
    let changes = try CRDVersionChanges(old: old, new: new)
    #expect(changes.versionsAdded.isEmpty && changes.versionsRemoved.isEmpty)
    #expect(changes.versionsNoLongerServed == ["v1beta1"])
    #expect(changes.storedVersions == ["v1beta1"], "a manifest without status: the older storage version")
    #expect(changes.storedVersionsToMigrate == ["v1beta1"])
    #expect(!changes.needsTransitionalCRD, "the newer CRD still lists v1beta1, so it can be applied before migrating")
    #expect(changes.rollback.safe && changes.rollback.reasons.isEmpty)
  }

  @Test(
    "the newer storage version present but unserved in the older CRD refuses rollback; served stored versions need no migration"
  )
  func rollbackUnservedStorage() throws {
    let old = C.make([C.v("v1alpha1", storage: true), C.v("v1", served: false)])
    let new = C.make([C.v("v1alpha1"), C.v("v1", storage: true)])
    let changes = try CRDVersionChanges(old: old, new: new, storedVersions: ["v1alpha1"])
    #expect(changes.storageVersion == .init(from: "v1alpha1", to: "v1"))
    #expect(changes.storedVersionsToMigrate.isEmpty && !changes.needsMigration)
    #expect(changes.rollback.reasons.count == 1)
    #expect(
      changes.rollback.reasons.first?.contains("the older CRD has v1 but does not serve it (it serves v1alpha1)")
        == true)
  }

  @Test("live storedVersions decide what to migrate; without them an old object's own status counts")
  func liveStoredVersions() throws {
    let old = C.make([C.v("v1alpha1"), C.v("v1beta1", storage: true)], storedVersions: ["v1alpha1", "v1beta1"])
    let new = C.make([C.v("v1beta1"), C.v("v1", storage: true)])
    #expect(try CRDVersionChanges(old: old, new: new).storedVersionsToMigrate == ["v1alpha1"])
    #expect(try CRDVersionChanges(old: old, new: new, storedVersions: ["v1beta1"]).storedVersionsToMigrate.isEmpty)
    let both = try CRDVersionChanges(old: old, new: new, storedVersions: ["v1alpha1", "v1beta1"])
    #expect(both.storedVersions == ["v1alpha1", "v1beta1"])
    #expect(both.versionsRemoved == ["v1alpha1"] && both.needsTransitionalCRD)
    // After the upgrade objects are in v1 and (unmigrated) v1beta1; the older CRD lacks v1.
    #expect(both.rollback.reasons.count == 1 && both.rollback.reasons[0].contains("stored as v1,"))
    // An empty storedVersions in a manifest's status says nothing: the storage version is assumed.
    let manifest = C.make([C.v("v1alpha1", storage: true)], storedVersions: [])
    #expect(try CRDVersionChanges(old: manifest, new: new).storedVersions == ["v1alpha1"])
  }

  @Test("a transitional CRD keeps the stored versions the newer one drops, unstored, and is itself a valid step")
  func transitional() throws {
    let old = C.make([C.v("v1alpha1", storage: true)])
    let new = C.make([C.v("v1", storage: true)])
    let step = try CRDVersionChanges.transitionalCRD(old: old, new: new)
    let versions = step[path: "spec", "versions"]?.arrayValue ?? []
    #expect(versions.map { $0["name"]?.stringValue } == ["v1", "v1alpha1"])
    #expect(versions.map { $0["storage"]?.boolValue } == [true, false])
    #expect(versions[1]["served"]?.boolValue == true)
    #expect(versions[1]["schema"] == old[path: "spec", "versions"]?[0]?["schema"])
    let first = try CRDVersionChanges(old: old, new: step, storedVersions: ["v1alpha1"])
    #expect(!first.needsTransitionalCRD && first.storedVersionsToMigrate.isEmpty && first.storageVersion?.to == "v1")
    let second = try CRDVersionChanges(old: step, new: new, storedVersions: ["v1alpha1", "v1"])
    #expect(second.storedVersionsToMigrate == ["v1alpha1"] && second.versionsRemoved == ["v1alpha1"])
    #expect(try CRDVersionChanges.transitionalCRD(old: new, new: new) == new, "nothing to keep: unchanged")
  }

  @Test("a CRD new in the release, and one the release drops")
  func addedAndDropped() throws {
    let crd = C.make([C.v("v1alpha1", served: false), C.v("v1", storage: true)])
    let added = try CRDVersionChanges(old: nil, new: crd)
    #expect(added.versionsAdded == ["v1alpha1", "v1"] && added.versionsRemoved.isEmpty && added.storageVersion == nil)
    #expect(added.storedVersions.isEmpty && !added.needsMigration && added.rollback.safe)
    let dropped = try CRDVersionChanges(old: crd, new: nil, storedVersions: ["v1"])
    #expect(dropped.versionsRemoved == ["v1alpha1", "v1"] && dropped.versionsNoLongerServed.isEmpty)
    #expect(!dropped.needsMigration && dropped.rollback.safe)
  }

  @Test("JSON: the documented keys, storageVersion absent when unchanged, and back")
  func json() throws {
    let changes = try CRDVersionChanges(
      old: C.make([C.v("v1alpha1", storage: true)]), new: C.make([C.v("v1", storage: true)]),
      storedVersions: ["v1alpha1"])
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let json = try JSONValue(parsing: String(decoding: try encoder.encode(changes), as: UTF8.self))
    #expect(
      Set(json.objectValue?.keys.map { $0 } ?? []) == [
        "name", "versionsAdded", "versionsRemoved", "versionsNoLongerServed", "storageVersion", "storedVersions",
        "storedVersionsToMigrate", "rollback",
      ])
    #expect(json["storageVersion"] == ["from": "v1alpha1", "to": "v1"])
    #expect(json[path: ["rollback", "safe"]] == .bool(false))
    #expect(json[path: ["rollback", "reasons"]]?.arrayValue?.count == 1)
    #expect(try JSONDecoder().decode(CRDVersionChanges.self, from: try encoder.encode(changes)) == changes)
    let same = try CRDVersionChanges(old: C.make([C.v("v1", storage: true)]), new: C.make([C.v("v1", storage: true)]))
    let sameJSON = try JSONValue(parsing: String(decoding: try encoder.encode(same), as: UTF8.self))
    #expect(sameJSON["storageVersion"] == nil && !same.hasChanges)
    #expect(same.description == "crd widgets.widgets.example.com: versions unchanged")
  }

  @Test("what is not a v1 CRD with one storage version is refused, naming it")
  func refused() throws {
    let configMap = KubeObject(GroupVersionKind(group: "", version: "v1", kind: "ConfigMap"), name: "x", namespace: "y")
    let crd = C.make([C.v("v1", storage: true)])
    func message(_ old: KubeObject?, _ new: KubeObject?) -> String? {
      do {
        _ = try CRDVersionChanges(old: old, new: new)
        return nil
      } catch {
        #expect(error.code == .badRequest)
        return error.message
      }
    }
    #expect(
      message(configMap, crd)?.contains("configmap y/x (v1) is not an apiextensions.k8s.io/v1 CustomResourceDefinition")
        == true)
    var beta = crd
    beta["apiVersion"] = "apiextensions.k8s.io/v1beta1"
    #expect(message(beta, crd)?.contains("(apiextensions.k8s.io/v1beta1) is not an apiextensions.k8s.io/v1") == true)
    #expect(
      message(C.make([C.v("v1", storage: true), C.v("v2", storage: true)]), crd)?.contains(
        "crd widgets.widgets.example.com marks 2 versions (v1, v2) as storage in spec.versions; exactly one must be")
        == true)
    #expect(message(crd, C.make([C.v("v1")]))?.contains("marks no version as storage") == true)
    #expect(message(crd, C.make([C.v("v1", storage: true), C.v("v1")]))?.contains("lists version v1 twice") == true)
    #expect(
      message(crd, C.make(group: "other.example.com", [C.v("v1", storage: true)]))?.contains(
        "the older CRD is widgets.widgets.example.com and the newer one widgets.other.example.com") == true)
    #expect(message(nil, nil)?.contains("neither an older nor a newer CRD") == true)
  }

  // MARK: upstream releases

  static func crds(_ relativePath: String) throws -> [KubeObject] {
    let fixtures = try #require(TestEnvironment.upstreamFixtures)
    return try YAMLParser.readDocuments(atPath: fixtures.appendingPathComponent(relativePath).path).map {
      KubeObject($0.value)
    }
  }

  static let knative = ["v1.15.2", "v1.16.3", "v1.17.0", "v1.18.0", "v1.19.9", "v1.20.3", "v1.21.1"]

  @Test(
    "Knative Serving 1.15.2 → 1.21.1, and every minor step: 12 CRDs, versions unchanged, rollback safe",
    .enabled(if: TestEnvironment.hasUpstreamFixtures, "needs ../shared/fixtures/upstream (set SERVESTACK_SHARED)"))
  func knativeServing() throws {
    let pairs = zip(Self.knative, Self.knative.dropFirst()).map { ($0, $1) } + [("v1.15.2", "v1.21.1")]
    for (from, to) in pairs {
      let changes = try CRDVersionChanges.between(
        old: try Self.crds("knative-serving/\(from)/1-serving-crds.yaml"),
        new: try Self.crds("knative-serving/\(to)/1-serving-crds.yaml"))
      #expect(changes.count == 12, "\(from) → \(to)")
      let changed = changes.filter { $0.hasChanges }.map { $0.name }
      let unsafe = changes.filter { !$0.rollback.safe }.map { $0.name }
      #expect(changed == [], "\(from) → \(to)")
      #expect(unsafe == [], "\(from) → \(to)")
    }
    let last = try CRDVersionChanges.between(
      old: try Self.crds("knative-serving/v1.15.2/1-serving-crds.yaml"),
      new: try Self.crds("knative-serving/v1.21.1/1-serving-crds.yaml"))
    let services = try #require(last.first { $0.name == "services.serving.knative.dev" })
    #expect(services.storedVersions == ["v1"] && services.storageVersion == nil)
  }

  @Test(
    "KServe v0.15.2 → v0.16.0 adds four CRDs (v1alpha1/v1alpha2), changes no other; back, they are dropped",
    .enabled(if: TestEnvironment.hasUpstreamFixtures, "needs ../shared/fixtures/upstream (set SERVESTACK_SHARED)"))
  func kserve() throws {
    let old = try Self.crds("kserve/v0.15.2/kserve.yaml")
    let new = try Self.crds("kserve/v0.16.0/kserve.yaml")
    #expect(old.count > 12, "the whole manifest, not only CRDs: the others are ignored")
    let changes = try CRDVersionChanges.between(old: old, new: new)
    #expect(changes.count == 13)
    let changed = changes.filter { $0.hasChanges }
    let names = changed.map { $0.name }
    let added = changed.map { $0.versionsAdded }
    #expect(
      names == [
        "inferencemodels.inference.networking.x-k8s.io", "inferencepools.inference.networking.x-k8s.io",
        "llminferenceserviceconfigs.serving.kserve.io", "llminferenceservices.serving.kserve.io",
      ])
    #expect(added == [["v1alpha2"], ["v1alpha2"], ["v1alpha1"], ["v1alpha1"]])
    #expect(changes.allSatisfy { $0.rollback.safe && !$0.needsMigration && $0.versionsRemoved.isEmpty })
    let isvc = try #require(changes.first { $0.name == "inferenceservices.serving.kserve.io" })
    #expect(!isvc.hasChanges && isvc.storedVersions == ["v1beta1"])
    let back = try CRDVersionChanges.between(old: new, new: old).filter { $0.hasChanges }
    let removed = back.map { $0.versionsRemoved }
    #expect(removed == [["v1alpha2"], ["v1alpha2"], ["v1alpha1"], ["v1alpha1"]])
    #expect(back.allSatisfy { $0.versionsAdded.isEmpty && !$0.needsMigration })
  }
}
