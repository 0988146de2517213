import Archive
import ArgumentParser
import Foundation
import ServestackCore

/// Writes a tar of `--size-mib` MiB of files (plain and zstd), reads it back hashing every entry, extracts
/// it, and does the same with GNU tar (and zstd) on the same data in the same run. With `--memory-check`
/// it only reports, as JSON, the peak-RSS growth of writing, reading and extracting one large file (the
/// Archive tests run that in a process of their own; see ``ArchiveMemoryCheck``).
struct ArchiveBench: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "archive",
    abstract: "Tar write/read/extract throughput and peak RSS, next to GNU tar and zstd.")

  @Option(name: .customLong("size-mib"), help: "Total size of the files to archive, in MiB.")
  var sizeMiB = 1024

  @Option(name: .customLong("work-dir"), help: "Where to put the data (default: a new temporary directory, removed).")
  var workDirectory: String?

  @Flag(name: .customLong("memory-check"), help: "Only report the peak-RSS growth of each step for one file, as JSON.")
  var memoryCheck = false

  @Option(help: "With --memory-check: none, gzip or zstd.")
  var compression = "none"

  @Option(name: .customLong("control-mib"), help: "With --memory-check: hold this many MiB in a last 'control' step.")
  var controlMiB = 0

  func run() async throws {
    guard sizeMiB >= (memoryCheck ? 1 : 16) else { throw ValidationError("--size-mib is too small") }
    guard let tarCompression = TarCompression(rawValue: compression) else {
      throw ValidationError("--compression must be none, gzip or zstd")
    }
    let work = URL(fileURLWithPath: workDirectory ?? NSTemporaryDirectory())
      .appendingPathComponent("servestack-archive-bench-\(getpid())")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: work) }
    let size = sizeMiB
    if memoryCheck {
      let check = ArchiveMemoryCheck(work: work, sizeMiB: size, compression: tarCompression, controlMiB: controlMiB)
      print(try await BlockingExecutor.shared.run { try check.run() }.serialized())
      return
    }
    let rows = try await BlockingExecutor.shared.run { try ArchiveBenchRun(work: work, sizeMiB: size).run() }
    print("\n| step | tool | MB/s | seconds | peak RSS | of which growth | output |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for row in rows { print(row.markdown) }
  }
}

/// One measured step.
struct BenchRow {
  let step: String
  let tool: String
  let bytes: Int64
  let seconds: Double
  let peakRSS: Int64
  /// For in-process steps: how far the peak rose above the RSS at the start of the step.
  var growth: Int64?
  let output: Int64?

  var markdown: String {
    let rate = Double(bytes) / seconds / 1e6
    let out = output.map(formatBytes) ?? ""
    let grown = growth.map(formatBytes) ?? "–"
    return
      "| \(step) | \(tool) | \(Int(rate.rounded())) | \((seconds * 100).rounded() / 100) | \(formatBytes(peakRSS)) | \(grown) | \(out) |"
  }
}

/// The benchmark's steps, run on one blocking thread.
struct ArchiveBenchRun {
  let work: URL
  let sizeMiB: Int
  var source: URL { work.appendingPathComponent("src") }

  func run() throws -> [BenchRow] {
    let (files, payload) = try generate()
    print("data: \(files.count) files, \(formatBytes(payload)) in \(source.path)")
    print("libarchive: \(ArchiveLibrary.version)")
    print(
      "tar: \(firstLine(try Tools.output("tar --version")))  zstd: \(firstLine(try Tools.output("zstd --version")))")
    var rows: [BenchRow] = []
    for compression in [TarCompression.none, .zstd] {
      let ours = work.appendingPathComponent("ours.\(compression.fileExtension)")
      let gnu = work.appendingPathComponent("gnu.\(compression.fileExtension)")
      let label = compression == .none ? "tar" : "tar+zstd"
      let zflag = compression == .zstd ? "--zstd " : ""

      rows.append(
        try measure("write \(label)", "servestack", payload, output: ours) {
          let writer = try TarWriter(path: ours, compression: compression)
          for (name, url) in files { try writer.addFile(at: url, as: name) }
          try writer.finish()
        })
      rows.append(
        try Tools.measure(
          "write \(label)", "GNU tar \(zflag.isEmpty ? "-cf" : "--zstd -cf")", payload, output: gnu,
          "tar \(zflag)-cf \(gnu.path) -C \(source.path) ."))

      var digests: [String: String] = [:]
      rows.append(
        try measure("read+hash \(label)", "servestack", payload, output: nil) {
          let reader = try TarReader(path: ours)
          while let entry = try reader.next() {
            var hasher = SHA256Stream()
            try reader.readData { hasher.update($0) }
            guard hasher.count == entry.size else { throw ValidationError("short read of \(entry.path)") }
            digests[entry.path] = hasher.finalize().hex
          }
        })
      // One SHA-256 over all entries' data; openssl, because coreutils' sha256sum does not use SHA-NI here.
      let gnuRead = "tar \(zflag)-xOf \(ours.path) | openssl dgst -sha256 > /dev/null"
      rows.append(
        try Tools.measure("read+hash \(label)", "GNU tar \(zflag)-xOf \\| openssl dgst", payload, output: nil, gnuRead))

      let outOurs = work.appendingPathComponent("x-ours")
      rows.append(
        try measure("extract \(label)", "servestack", payload, output: nil) {
          _ = try TarExtractor.extractBlocking(ours, to: outOurs)
        })
      let outGNU = work.appendingPathComponent("x-gnu")
      try FileManager.default.createDirectory(at: outGNU, withIntermediateDirectories: true)
      rows.append(
        try Tools.measure(
          "extract \(label)", "GNU tar \(zflag)-xf", payload, output: nil,
          "tar \(zflag)-xf \(ours.path) -C \(outGNU.path)"))
      try verify(outGNU, against: digests, files: files)
      for url in [ours, gnu, outOurs, outGNU] { try? FileManager.default.removeItem(at: url) }
    }
    return rows
  }

  /// Files shaped like an OCI layout: a few large, incompressible "layers" and many small JSON-ish files.
  private func generate() throws -> ([(String, URL)], Int64) {
    let blobs = source.appendingPathComponent("blobs/sha256")
    try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
    var files: [(String, URL)] = []
    var total: Int64 = 0
    var state: UInt64 = 0x2545_F491_4F6C_DD1D
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    func fill(_ count: Int, compressible: Bool) {
      chunk.withUnsafeMutableBytes { raw in
        let words = raw.bindMemory(to: UInt64.self)
        for i in 0..<(count + 7) / 8 {
          state ^= state << 13
          state ^= state >> 7
          state ^= state << 17
          words[i] = compressible ? (state & 0x0F0F_0F0F_0F0F_0F0F) | 0x3030_3030_3030_3030 : state
        }
      }
    }
    let smallCount = 256
    let smallSize = 16 << 10
    let large = 8
    let largeBytes = (Int64(sizeMiB) << 20 - Int64(smallCount * smallSize)) / Int64(large)
    for i in 0..<(large + smallCount) {
      let name = String(format: "%064x", i &* 0x9E37_79B9)
      let url = blobs.appendingPathComponent(name)
      _ = FileManager.default.createFile(atPath: url.path, contents: nil)
      let handle = try FileHandle(forWritingTo: url)
      var left = i < large ? largeBytes : Int64(smallSize)
      while left > 0 {
        let n = Int(min(left, Int64(chunk.count)))
        fill(n, compressible: i >= large)
        try handle.write(contentsOf: chunk[0..<n])
        left -= Int64(n)
      }
      try handle.close()
      files.append(("blobs/sha256/\(name)", url))
      total += i < large ? largeBytes : Int64(smallSize)
    }
    return (files, total)
  }

  /// Runs `body`, timing it and reading this process's peak RSS (reset first through /proc/self/clear_refs).
  private func measure(
    _ step: String, _ tool: String, _ bytes: Int64, output: URL?, _ body: () throws -> Void
  ) throws -> BenchRow {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    let before = Tools.selfRSS("VmRSS")
    let start = ContinuousClock.now
    try body()
    let elapsed = start.duration(to: .now)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let size = output.flatMap { try? FileManager.default.attributesOfItem(atPath: $0.path)[.size] as? Int64 }
    let peak = Tools.selfRSS("VmHWM")
    let row = BenchRow(
      step: step, tool: tool, bytes: bytes, seconds: seconds, peakRSS: peak, growth: peak - before, output: size)
    print(row.markdown)
    return row
  }

  /// Checks, outside the timings, that what GNU tar extracted from our archive is what we read from it.
  private func verify(_ directory: URL, against digests: [String: String], files: [(String, URL)]) throws {
    for (name, _) in files {
      let handle = try FileHandle(forReadingFrom: directory.appendingPathComponent(name))
      defer { try? handle.close() }
      var hasher = SHA256Stream()
      while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty { data.withUnsafeBytes { hasher.update($0) } }
      guard digests[name] == hasher.finalize().hex else { throw ValidationError("\(name) differs between readers") }
    }
  }

  private func firstLine(_ text: String) -> String { String(text.split(separator: "\n").first ?? "") }
}
