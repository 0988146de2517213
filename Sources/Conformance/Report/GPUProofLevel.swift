/// How far a GPU phase proved that inference really used a GPU. Each level includes the ones before it; the
/// report names the highest one reached, so a pass with a model that never touches the GPU says so.
public enum GPUProofLevel: String, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
  /// Nothing was proven (no GPU node, or the phase failed before placement).
  case none
  /// A predictor pod was bound to a node with allocatable GPUs.
  case placedOnGPUNode = "placed-on-gpu-node"
  /// A predictor pod that requests the GPU resource was bound to a GPU node and admitted by the kubelet
  /// (Running with its containers started): the scheduler counted the GPU against the node and the kubelet's
  /// device manager handed it out.
  case gpuAllocated = "gpu-allocated"
  /// DCGM reported the pod's GPU above zero (and at least the step's `atLeast`) while requests were answered.
  case gpuBusy = "gpu-busy"

  /// The words the reports use.
  public var description: String {
    switch self {
    case .none: "nothing proven about GPU use"
    case .placedOnGPUNode: "placed on a GPU node"
    case .gpuAllocated: "GPU allocated to the pod"
    case .gpuBusy: "GPU busy during requests (DCGM)"
    }
  }

  /// The levels above this one, which the reports list as not proven.
  public var notProven: [GPUProofLevel] { Self.allCases.filter { $0 > self } }

  /// One line for people: `GPU allocated to the pod (not proven: GPU busy during requests (DCGM))`.
  public var summary: String {
    let missing = notProven
    return missing.isEmpty
      ? description : "\(description) (not proven: \(missing.map(\.description).joined(separator: "; ")))"
  }

  /// Why a phase that had to prove GPU use (`--require-gpu` with a model that uses the GPU) fails at this
  /// level: `why` DCGM did not show it, then what was proven and what was not.
  public func useNotProven(_ why: String, model: String) -> String {
    "GPU use not proven: \(why); --require-gpu with GPU model \(model) needs DCGM to show the GPU busy. "
      + "Proven: \(description); not proven: \(notProven.map(\.description).joined(separator: "; "))"
  }

  public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }

  var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}
