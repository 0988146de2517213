import Foundation
import Phases
import ServestackCore
import TestSupport
import Testing

/// Phase sets: set-level validation, DAG order, profile selection, --from/--only, extra phases.
@Suite struct PhaseSetTests {
  @Test("order follows after edges then file names") func orderFollowsAfterEdgesThenFileNames() throws {
    let folder = try PhaseFolder()
    try folder.write("10-a.yaml", PhaseFixtures.install("a"))
    try folder.write("20-b.yaml", PhaseFixtures.install("b", after: ["c"]))
    try folder.write("30-c.yaml", PhaseFixtures.install("c"))
    try folder.write("40-d.yaml", PhaseFixtures.install("d", after: ["a"]))
    try folder.write("05-e.yaml", PhaseFixtures.install("e", after: ["d"]))
    try folder.write("README.md", "not a phase")
    let set = try PhaseSet.load(directory: folder.url)
    #expect(set.ordered.map(\.name.rawValue) == ["a", "c", "b", "d", "e"])
    // The same set twice gives the same order (no dependence on hashing or file system order).
    #expect(try PhaseSet.load(directory: folder.url).ordered.map(\.name) == set.ordered.map(\.name))
    #expect(set.uninstallOrder(profile: .raw).map(\.name.rawValue) == ["e", "d", "b", "c", "a"])
  }

  @Test("cycle is named") func cycleIsNamed() throws {
    let folder = try PhaseFolder()
    try folder.write("10-a.yaml", PhaseFixtures.install("a", after: ["c"]))
    try folder.write("20-b.yaml", PhaseFixtures.install("b", after: ["a"]))
    try folder.write("30-c.yaml", PhaseFixtures.install("c", after: ["b"]))
    try folder.write("40-d.yaml", PhaseFixtures.install("d", after: ["a"]))
    let e = try #require(folder.loadError())
    #expect(e.code == .cycle)
    #expect(e.message.contains("a → b → c → a"), "\(e.message)")
    #expect(e.field == "after")
    #expect(e.file?.hasSuffix("10-a.yaml") == true)
    #expect(e.line == 3)
    let selfCycle = try PhaseFolder()
    try selfCycle.write("10-a.yaml", PhaseFixtures.install("a", after: ["a"]))
    #expect(selfCycle.loadError()?.message.contains("a → a") == true)
  }

  @Test("after must name a phase of the set") func afterMustNameAPhaseOfTheSet() throws {
    let folder = try PhaseFolder()
    try folder.write("10-cert-manager.yaml", PhaseFixtures.install("cert-manager"))
    try folder.write("20-b.yaml", PhaseFixtures.install("b", after: ["cert-manager", "cert-manger"]))
    let e = try #require(folder.loadError())
    #expect(e.code == .unknownPhase)
    #expect((e.field, e.line) == ("after[1]", 3))
    #expect(e.file?.hasSuffix("20-b.yaml") == true)
    #expect(e.message.contains("did you mean 'cert-manager'?"))
  }

  /// A bundle, or a site's `--phases` folder, holds one profile's phases while `after:` names those of every
  /// profile: a name of a built-in phase absent from the set is an edge that leaves the set, not an error.
  @Test("after may name a builtin phase absent from a one profile folder")
  func afterMayNameABuiltinPhaseAbsentFromAOneProfileFolder() throws {
    let folder = try PhaseFolder()
    try folder.write("10-cert-manager.yaml", PhaseFixtures.install("cert-manager"))
    try folder.write(
      "50-kserve.yaml",
      PhaseFixtures.install("kserve", after: ["cert-manager", "knative-serving", "net-istio", "kourier"]))
    let set = try PhaseSet.load(directory: folder.url)
    #expect(set.ordered.map(\.name.rawValue) == ["cert-manager", "kserve"])
  }

  @Test("a typo in after is still refused in a one profile folder") func aTypoInAfterIsStillRefusedInAOneProfileFolder()
    throws
  {
    let folder = try PhaseFolder()
    try folder.write("10-cert-manager.yaml", PhaseFixtures.install("cert-manager"))
    try folder.write("50-kserve.yaml", PhaseFixtures.install("kserve", after: ["cert-manager", "knative-servng"]))
    let e = try #require(folder.loadError())
    #expect(e.code == .unknownPhase)
    #expect((e.field, e.line) == ("after[1]", 3))
    #expect(e.message.contains("did you mean 'knative-serving'?"), "\(e.message)")
  }

  @Test("duplicate names name both files") func duplicateNamesNameBothFiles() throws {
    let folder = try PhaseFolder()
    try folder.write("10-a.yaml", PhaseFixtures.install("a"))
    try folder.write("20-a.yaml", PhaseFixtures.install("a"))
    let e = try #require(folder.loadError())
    #expect(e.code == .duplicatePhase)
    #expect(e.file?.hasSuffix("20-a.yaml") == true)
    #expect((e.field, e.line) == ("name", 1))
    #expect(e.message.contains("10-a.yaml"))
  }

  @Test("misnamed or empty folders") func misnamedOrEmptyFolders() throws {
    let folder = try PhaseFolder()
    try folder.write("storage.yaml", PhaseFixtures.install("storage"))
    #expect(folder.loadError()?.message.contains("NN-name.yaml") == true)
    let empty = try PhaseFolder()
    #expect(empty.loadError()?.message.contains("no phase files") == true)
  }

  @Test("profile selection") func profileSelection() throws {
    let set = try PhaseSet.builtin()
    func installs(_ profile: Profile) -> [String] {
      set.selection(profile: profile, kinds: [.install]).map(\.name.rawValue)
    }
    #expect(
      installs(.serverless) == [
        "cert-manager", "istio", "knative-serving", "net-istio", "kserve", "kserve-cluster-resources",
      ])
    #expect(
      installs(.serverlessKourier) == [
        "cert-manager", "knative-serving", "kourier", "kserve", "kserve-cluster-resources",
      ])
    #expect(installs(.raw) == ["cert-manager", "kserve", "kserve-cluster-resources"])
    #expect(set.selection(profile: .raw).first?.kind == .preflight)
    #expect(
      set.selection(profile: .raw, kinds: [.test]).map(\.name.rawValue) == [
        "smoke", "gpu-inference", "autoscaling", "canary",
      ])
    #expect(
      set.uninstallOrder(profile: .raw).map(\.name.rawValue) == ["kserve-cluster-resources", "kserve", "cert-manager"])
  }

  @Test("from and only") func fromAndOnly() throws {
    let set = try PhaseSet.builtin()
    let from = try set.selection(profile: .serverless, kinds: [.install], from: "knative-serving")
    #expect(from.map(\.name.rawValue) == ["knative-serving", "net-istio", "kserve", "kserve-cluster-resources"])
    let only = try set.selection(profile: .serverless, only: ["kserve", "istio"])
    #expect(only.map(\.name.rawValue) == ["istio", "kserve"])
    #expect(throws: PhaseError.self) { try set.selection(profile: .serverless, from: "knative") }
    do throws(PhaseError) {
      _ = try set.selection(profile: .raw, only: ["istio"])
      Issue.record("--only istio with raw must fail")
    } catch {
      #expect(error.code == .selection)
      #expect(error.category == .usage)
      #expect(error.message.contains("not part of profile raw"))
    }
  }

  @Test("extra phases go between ours") func extraPhasesGoBetweenOurs() throws {
    let folder = try PhaseFolder()
    try folder.write(
      "45-storage-class.yaml",
      PhaseFixtures.install(
        "storage-class", after: ["knative-serving"], profiles: ["serverless", "serverless-kourier"]))
    let set = try PhaseSet.resolve(extra: [folder.url])
    #expect(
      set.selection(profile: .serverless, kinds: [.install]).map(\.name.rawValue) == [
        "cert-manager", "istio", "knative-serving", "net-istio", "storage-class", "kserve", "kserve-cluster-resources",
      ])
    #expect(set.origin.hasPrefix("built-in + "))
    // --phases replaces the set: the folder alone loads, its after: names a built-in phase it lacks (an
    // edge that leaves the set).
    #expect(try PhaseSet.resolve(phases: folder.url).phases.map(\.name.rawValue) == ["storage-class"])
    // A clash with a built-in name is a duplicate.
    let clash = try PhaseFolder()
    try clash.write("15-kserve.yaml", PhaseFixtures.install("kserve"))
    do throws(PhaseError) {
      _ = try PhaseSet.resolve(extra: [clash.url])
      Issue.record("a duplicate of a built-in phase must fail")
    } catch {
      #expect(error.code == .duplicatePhase)
    }
  }
}
