import Phases
import ServestackCore
import Testing

/// The upgrade planner alone, on the built-in catalog: no cluster.
@Suite("Upgrade planner")
struct UpgradePlannerTests {
  static func planner() throws -> UpgradePlanner { UpgradePlanner(catalog: try #require(try PhaseSet.catalog())) }

  static func installed(_ set: String) throws -> StackSelection {
    let stack = try #require(try PhaseSet.catalog()?.stack(named: set))
    return StackSelection(name: stack.name, components: stack.components)
  }

  static func version(_ step: UpgradeStep, _ component: String) -> String? {
    step.versions.first { $0.component == component }?.version
  }

  @Test("Knative 1.15.2 → 1.21.1 goes through every minor, net-istio and Kourier moving in the same step")
  func knativeEveryMinor() throws {
    let plan = try Self.planner().plan(
      installed: try Self.installed("kserve-0.15"), target: .component("knative-serving", version: "v1.21.1"),
      kubernetes: try KubernetesVersion("v1.33.1"), ignored: ["off-matrix"])
    #expect(
      plan.steps.map { Self.version($0, "knative-serving") } == [
        "v1.16.3", "v1.17.0", "v1.18.0", "v1.19.9", "v1.20.3", "v1.21.1",
      ])
    #expect(
      plan.steps.map { Self.version($0, "net-istio") } == [
        "v1.16.0", "v1.17.0", "v1.18.1", "v1.19.6", "v1.20.2", "v1.21.1",
      ])
    #expect(
      plan.steps.map { Self.version($0, "kourier") } == [
        "v1.16.0", "v1.17.0", "v1.18.0", "v1.19.6", "v1.20.1", "v1.21.0",
      ])
    #expect(plan.steps.allSatisfy { Set($0.changes.map(\.component)) == ["knative-serving", "net-istio", "kourier"] })
    #expect(plan.steps[0].summary.contains("knative-serving v1.15.2 → v1.16.3"))
    #expect(plan.steps[0].changes.contains(UpgradeStep.Change(component: "net-istio", from: "v1.15.1", to: "v1.16.0")))
    // Nothing else moves; KServe stays.
    #expect(plan.steps.allSatisfy { Self.version($0, "kserve") == "v0.15.2" })
    #expect(plan.steps.last?.name == "kserve-0.15+knative-serving@v1.21.1+net-istio@v1.21.1+kourier@v1.21.0")
    #expect(plan.failures.isEmpty)
  }

  @Test("skipping a Knative minor in one step is refused with the reason and the path")
  func skipRefused() throws {
    #expect {
      try Self.planner().plan(
        installed: try Self.installed("kserve-0.15"), target: .component("knative-serving", version: "v1.17.0"),
        direct: true)
    } throws: { error in
      let message = (error as? PhaseError)?.message ?? ""
      return message.contains("knative-serving v1.17.0 cannot be applied over the installed v1.15.2 in one step")
        && message.contains("upgrades only from >=1.16.0 <1.17.0") && message.contains("one minor version at a time")
        && message.contains("v1.15.2 → v1.16.3 → v1.17.0")
    }
    // One minor in one step is fine.
    let one = try Self.planner().plan(
      installed: try Self.installed("kserve-0.15"), target: .component("knative-serving", version: "v1.16.3"),
      direct: true,
      ignored: ["all"])
    #expect(one.steps.count == 1)
  }

  @Test("an off-matrix combination is a preflight failure that --ignore-preflight-errors turns into a warning")
  func offMatrix() throws {
    let strict = try Self.planner().plan(
      installed: try Self.installed("kserve-0.15"), target: .component("knative-serving", version: "v1.16.3"))
    let failure = try #require(strict.failures.first { $0.check == "off-matrix" })
    // KServe v0.15.2 was tested with Knative Serving v1.15.2 only.
    #expect(
      strict.failures.contains {
        $0.message.contains("kserve v0.15.2") && $0.message.contains("knative-serving v1.16.3")
      })
    #expect(failure.step == 1)
    let named = try Self.planner().plan(
      installed: try Self.installed("kserve-0.15"), target: .component("knative-serving", version: "v1.16.3"),
      ignored: ["off-matrix"])
    #expect(named.failures.isEmpty && !named.findings.isEmpty && named.findings.allSatisfy(\.ignored))
    let all = try Self.planner().plan(
      installed: try Self.installed("kserve-0.15"), target: .component("knative-serving", version: "v1.16.3"),
      ignored: ["all"])
    #expect(all.failures.isEmpty)
  }

  @Test("kserve-0.15 → kserve-0.16 is one KServe step, on the matrix; the cluster's Kubernetes is checked")
  func setToSet() throws {
    let plan = try Self.planner().plan(installed: try Self.installed("kserve-0.15"), target: .stack("kserve-0.16"))
    #expect(plan.steps.count == 1)
    #expect(plan.steps[0].changes == [UpgradeStep.Change(component: "kserve", from: "v0.15.2", to: "v0.16.0")])
    #expect(plan.steps[0].name == "kserve-0.16")
    #expect(plan.findings.isEmpty)
    let old = try Self.planner().plan(
      installed: try Self.installed("kserve-0.15"), target: .stack("kserve-0.16"),
      kubernetes: try KubernetesVersion("v1.29.4"))
    #expect(old.failures.map(\.check) == ["kubernetes-version"])
    #expect(old.failures[0].message.contains("kserve v0.16.0 needs Kubernetes 1.30 or newer"))
    // Already there: no steps.
    #expect(
      try Self.planner().plan(installed: try Self.installed("kserve-0.16"), target: .stack("kserve-0.16")).steps.isEmpty
    )
  }

  @Test("a downgrade is refused unless it goes back to the versions installed before (a rollback: one step)")
  func rollback() throws {
    #expect {
      try Self.planner().plan(installed: try Self.installed("kserve-0.16"), target: .stack("kserve-0.15"))
    } throws: { error in
      ((error as? PhaseError)?.message ?? "").contains(
        "kserve v0.15.2 is older than the installed v0.16.0: a downgrade is a rollback")
    }
    let back = try Self.planner().plan(
      installed: try Self.installed("kserve-0.16"), target: .stack("kserve-0.15"),
      rollbackTo: try Self.installed("kserve-0.15"))
    #expect(back.steps.count == 1)
    #expect(back.steps[0].rollback)
    #expect(back.steps[0].name == "kserve-0.15")
  }

  @Test(
    "no path in the catalog is refused naming the target's upgradeFrom; unknown components and versions name the known ones"
  )
  func noPath() throws {
    #expect {
      try Self.planner().plan(
        installed: try Self.installed("kserve-0.16"), target: .component("cert-manager", version: "v1.18.0"))
    } throws: { error in
      ((error as? PhaseError)?.message ?? "").contains("no upgrade path for cert-manager from v1.16.1 to v1.18.0")
    }
    #expect {
      try Self.planner().plan(
        installed: try Self.installed("kserve-0.16"), target: .component("knative-serving", version: "v9.9.9"))
    } throws: { error in ((error as? PhaseError)?.message ?? "").contains("its versions are v1.15.2, v1.16.3") }
  }
}
