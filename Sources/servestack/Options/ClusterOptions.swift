import ArgumentParser

/// How to reach the cluster, as kubectl takes it.
struct ClusterOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Path to the kubeconfig file. Default: KUBECONFIG (several files merged), else ~/.kube/config, else the in-cluster service account.",
      valueName: "file"))
  var kubeconfig: String?

  @Option(help: ArgumentHelp("The kubeconfig context to use (default: its current-context).", valueName: "name"))
  var context: String?
}
