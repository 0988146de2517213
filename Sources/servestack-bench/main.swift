// servestack-bench: re-runnable benchmarks; subcommands are added by the modules they measure.
print("usage: servestack-bench <yaml|http|kube-apply|bundle> (see docs/benchmarks.md)")
