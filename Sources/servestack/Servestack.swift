import ArgumentParser
import Foundation
import ServestackCore

@main
struct Servestack: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "servestack",
    abstract:
      "Install a KServe model-serving stack onto Kubernetes in phases, online or airgapped, and prove it works.",
    discussion: """
      Exit codes: 0 success, 1 a check or test failed, 2 bad usage or input, \
      3 the cluster or registry could not be reached or refused us.
      """,
    version: ToolInfo.version,
    subcommands: [
      Preflight.self, Plan.self, Install.self, Status.self, Uninstall.self, Test.self, BundleCommand.self,
      ImagesCommand.self, Job.self, Versions.self, Upgrade.self, Rollback.self, Version.self,
    ])

  /// Runs the command line, turning errors into the exit codes the README gives.
  static func main() async {
    var command: any ParsableCommand
    do {
      command = try parseAsRoot()
    } catch {
      exit(with: error)
    }
    do {
      if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
    } catch let error as ValidationError {
      // Thrown by a command after parsing: ArgumentParser would add the root command's usage, which
      // does not help; the message says what is wrong and what to do.
      Terminal.standardError.write("error: \(error.message)\n")
      terminate(2)
    } catch let code as ExitCode {
      terminate(code.rawValue)
    } catch {
      exit(with: error)
    }
    terminate(0)
  }

  /// Ends the process once a command has run, without the C libraries' exit-time teardown.
  ///
  /// Each HTTP client drives libcurl from a thread of its own, and a request of a background task (a Lease
  /// renewal, a probe, a watch) may still be in flight when the command returns. `exit` would run OpenSSL's
  /// atexit cleanup while that thread can still use it; a run of `upgrade apply` once aborted with "double
  /// free or corruption" after printing its summary. Everything the command owns (temporary directories,
  /// the state) is settled before it returns, so only the standard streams need flushing.
  static func terminate(_ code: Int32) -> Never {
    fflush(nil)
    _exit(code)
  }

  static func exit(with error: any Error) -> Never {
    if let categorized = error as? any CategorizedError {
      Terminal.standardError.write("error: \(error.userMessage)\n")
      terminate(categorized.category.exitCode)
    }
    let parserCode = exitCode(for: error)
    // ArgumentParser uses EX_USAGE (64) for bad usage; the README says 2.
    if parserCode.rawValue == 64 {
      Terminal.standardError.write(fullMessage(for: error) + "\n")
      Foundation.exit(2)
    }
    if error is ExitCode || error is CleanExit || parserCode.isSuccess {
      Self.exit(withError: error)
    }
    Terminal.standardError.write("error: \(error.userMessage)\n")
    terminate(1)
  }
}
