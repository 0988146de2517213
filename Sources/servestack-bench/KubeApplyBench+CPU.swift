import Foundation

/// CPU seconds used by the control-plane processes on this machine (kube-apiserver, etcd), read from
/// /proc, to show where the time of an apply goes. Empty on machines where they do not run locally.
struct ServerCPU {
  let pids: [Int32]

  init(names: Set<String> = ["kube-apiserver", "etcd"]) {
    var found: [Int32] = []
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for entry in entries {
      guard let pid = Int32(entry),
        let comm = try? String(contentsOfFile: "/proc/\(entry)/comm", encoding: .utf8)
      else { continue }
      if names.contains(comm.trimmingCharacters(in: .whitespacesAndNewlines)) { found.append(pid) }
    }
    pids = found
  }

  /// utime + stime of the processes, in seconds.
  func seconds() -> Double {
    var ticks = 0
    for pid in pids {
      guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { continue }
      // Fields after "comm)": state is field 3; utime and stime are fields 14 and 15.
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      if fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) { ticks += user + system }
    }
    return Double(ticks) / Double(sysconf(Int32(_SC_CLK_TCK)))
  }

  /// CPU seconds of this process (user + system).
  static func selfSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(
      usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
  }

  /// CPU seconds of waited-for children (kubectl).
  static func childrenSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(
      usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
  }
}
