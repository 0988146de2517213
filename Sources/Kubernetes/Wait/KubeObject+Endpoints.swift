import ServestackCore

extension KubeObject {
  /// For an Endpoints object: its ready and not-ready addresses over all subsets.
  public var endpointAddresses: (ready: Int, notReady: Int) {
    var ready = 0
    var notReady = 0
    for subset in json[path: ["subsets"]]?.arrayValue ?? [] {
      ready += subset["addresses"]?.arrayValue?.count ?? 0
      notReady += subset["notReadyAddresses"]?.arrayValue?.count ?? 0
    }
    return (ready, notReady)
  }
}
