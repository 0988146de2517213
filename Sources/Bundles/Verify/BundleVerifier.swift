public import Archive
public import Foundation
import Registry
import ServestackCore

/// What `bundle verify` found. A failed check is a problem in the result, not a thrown error.
public struct BundleVerification: Sendable {
  /// What the signature check found.
  public enum SignatureStatus: String, Sendable, Equatable {
    /// Signed, and the signature matches the key given.
    case valid
    /// Signed, and the signature does not match the key (or is malformed).
    case invalid
    /// Signed, but no key was given to check it.
    case notChecked = "not checked"
    /// Not signed.
    case unsigned
  }

  /// One thing wrong with the bundle.
  public struct Problem: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
      /// checksums.txt lists a file the tarball does not have.
      case missing
      /// The tarball has a file checksums.txt does not list.
      case extra
      /// A file's SHA-256 differs from checksums.txt.
      case mismatch
      /// A blob's SHA-256 differs from its name.
      case blobMismatch = "blob mismatch"
      /// An entry that no bundle holds: a link, a device, a path that is not clean, a duplicate.
      case unsafeEntry = "unsafe entry"
      /// The tarball is truncated, corrupt, or breaks a size limit.
      case archive
      /// checksums.txt is missing or malformed.
      case checksums
      /// The signature is missing, malformed or wrong.
      case signature
      /// A phase's `path:` manifest is absolute, leaves the bundle, or names a file checksums.txt does not list.
      case unsafeReference = "unsafe reference"
      /// A two-set bundle whose stacks/ does not define the sets bundle.yaml names.
      case stackSets = "stack sets"
    }

    public var kind: Kind
    public var path: String?
    public var message: String

    public var description: String { "\(kind.rawValue): " + (path.map { "\($0): " } ?? "") + message }
  }

  public var archive: URL
  public var problems: [Problem]
  public var warnings: [String]
  public var signature: SignatureStatus
  /// Regular files read and hashed.
  public var files: Int
  /// Bytes of file data hashed.
  public var bytes: Int64
  /// A two-set bundle's sets, upgrade source first, checked against its stacks/ (empty: a one-set bundle).
  public var stackSets: [String] = []

  /// Whether every check passed.
  public var isValid: Bool { problems.isEmpty }

  /// The problems, one per line (what `bundle verify` prints and push's error lists).
  public var summary: String { problems.map(\.description).joined(separator: "\n") }
}

/// Checks a bundle in one streaming pass, writing nothing: every entry is hashed and compared with
/// checksums.txt (missing, extra and changed files are listed), every blob under images/blobs/sha256 is
/// compared with its own name, entries that are not plain files or directories or whose paths are not
/// clean are refused, and the archive's size limits hold. With a key, the ed25519 signature of
/// checksums.txt is checked.
public enum BundleVerifier {
  /// Limits for bundles from outside: 16 GiB per entry, 1 TiB in all, 200,000 entries, 1 KiB paths.
  public static let defaultLimits = ArchiveLimits(
    maxEntrySize: 16 << 30, maxTotalSize: 1 << 40, maxEntries: 200_000, maxPathLength: 1024)

  /// Verifies `archive`. It throws only when the task is cancelled; everything else is in the result.
  ///
  /// - Parameters:
  ///   - key: checks the signature with it; a bundle without one is then a problem.
  ///   - requireSignature: a bundle that is not signed with a valid signature is a problem even without a key.
  public static func verify(
    _ archive: URL, key: BundleVerifyingKey? = nil, requireSignature: Bool = false,
    limits: ArchiveLimits = defaultLimits,
    progress: BundleProgressHandler? = nil
  ) async throws(CancellationError) -> BundleVerification {
    let total =
      ((try? FileManager.default.attributesOfItem(atPath: archive.path))?[.size] as? NSNumber)?.int64Value ?? 0
    var scan: Scan
    do {
      scan = try await TarReader.withReader(archive: archive, limits: limits) { reader in
        var scan = Scan()
        scan.run(reader, total: total, progress: progress)
        return scan
      }
    } catch let error as ArchiveError where error.code == .cancelled {
      throw CancellationError()
    } catch {
      scan = Scan()
      scan.problems.append(.init(kind: .archive, path: nil, message: error.userMessage))
    }
    if Task.isCancelled { throw CancellationError() }
    return scan.finish(archive: archive, key: key, requireSignature: requireSignature)
  }

  struct Scan: Sendable {
    var digests: [String: Digest] = [:]
    var checksums: [UInt8]?
    var signature: [UInt8]?
    /// The phase files' bytes, whose `path:` manifests are checked against checksums.txt.
    var phaseFiles: [String: [UInt8]] = [:]
    var descriptor: [UInt8]?
    var problems: [BundleVerification.Problem] = []
    var files = 0
    var bytes: Int64 = 0

    mutating func run(_ reader: TarReader, total: Int64, progress: BundleProgressHandler?) {
      var seen = Set<String>()
      var lastReport = DispatchTime.now()
      do {
        while let entry = try reader.next() {
          guard let path = Self.acceptedFile(entry, seen: &seen, problems: &problems) else { continue }
          if path == BundleLayout.checksumsFile {
            checksums = try reader.readAll(maxBytes: 64 << 20)
            continue
          }
          if path == BundleLayout.signatureFile {
            signature = try reader.readAll(maxBytes: 4096)
            continue
          }
          if BundlePhaseReferences.isPhaseFile(path) || path == BundleLayout.descriptorFile {
            let text = try reader.readAll(maxBytes: 16 << 20)
            if path == BundleLayout.descriptorFile { descriptor = text } else { phaseFiles[path] = text }
            files += 1
            bytes += Int64(text.count)
            digests[path] = Digest.sha256(text)
            continue
          }
          var hasher = SHA256Stream()
          try reader.readData { chunk in
            hasher.update(chunk)
            if let progress, DispatchTime.now().uptimeNanoseconds - lastReport.uptimeNanoseconds > 100_000_000 {
              lastReport = DispatchTime.now()
              progress(
                BundleProgress(stage: .verifying, bytesDone: bytes + hasher.count, bytesTotal: total, itemsDone: files))
            }
          }
          let digest = hasher.finalize()
          files += 1
          bytes += hasher.count
          digests[path] = digest
          if path.hasPrefix(BundleLayout.blobsPrefix) {
            if let named = BundleLayout.blobDigest(atPath: path) {
              if named != digest {
                problems.append(.init(kind: .blobMismatch, path: path, message: "its content hashes to \(digest)"))
              }
            } else {
              problems.append(
                .init(
                  kind: .unsafeEntry, path: path,
                  message: "a file under \(BundleLayout.blobsPrefix) not named by a sha256 digest"))
            }
          }
        }
      } catch {
        problems.append(.init(kind: .archive, path: reader.currentEntry?.path, message: error.userMessage))
      }
    }

    /// The clean path of a regular file entry; nil for a directory (fine) or an entry bundles may not hold
    /// (a link, a device, a path that is not clean, a path seen before), which adds a problem. The streaming
    /// verification and the in-place push apply the same rules.
    static func acceptedFile(
      _ entry: TarEntry, seen: inout Set<String>, problems: inout [BundleVerification.Problem]
    ) -> String? {
      let path = entry.path.hasSuffix("/") && entry.type == .directory ? String(entry.path.dropLast()) : entry.path
      guard BundleLayout.isCleanPath(path) else {
        problems.append(
          .init(kind: .unsafeEntry, path: entry.path, message: "the path is absolute, has '..', '.' or empty parts"))
        return nil
      }
      guard seen.insert(path).inserted else {
        problems.append(.init(kind: .unsafeEntry, path: path, message: "the tarball holds this path twice"))
        return nil
      }
      switch entry.type {
      case .directory: return nil
      case .file: return path
      default:
        let target = entry.linkTarget.map { " to \($0)" } ?? ""
        problems.append(
          .init(
            kind: .unsafeEntry, path: path,
            message: "a \(entry.type.rawValue)\(target); bundles hold only files and directories"))
        return nil
      }
    }

    /// Compares the hashed files with checksums.txt and checks the signature. `unread` are files the tarball
    /// holds that were not hashed (the in-place push reads only what it needs): they count as present, and
    /// their content is not compared.
    func finish(
      archive: URL, key: BundleVerifyingKey?, requireSignature: Bool, unread: Set<String> = []
    ) -> BundleVerification {
      var problems = self.problems
      var warnings: [String] = []
      var status = BundleVerification.SignatureStatus.unsigned
      if let checksums {
        do throws(BundleError) {
          let listed = try BundleChecksums(parsing: checksums).digests
          for (path, expected) in listed.sorted(by: { $0.key < $1.key }) {
            guard let actual = digests[path] else {
              if unread.contains(path) { continue }
              problems.append(
                .init(kind: .missing, path: path, message: "listed in checksums.txt but not in the tarball"))
              continue
            }
            if actual != expected {
              problems.append(
                .init(
                  kind: .mismatch, path: path, message: "sha256 is \(actual.hex), checksums.txt says \(expected.hex)"))
            }
          }
          for path in Set(digests.keys).union(unread).sorted() where listed[path] == nil {
            problems.append(.init(kind: .extra, path: path, message: "in the tarball but not listed in checksums.txt"))
          }
          problems += BundlePhaseReferences.problems(phaseFiles: phaseFiles) { listed[$0] != nil }
        } catch {
          problems.append(.init(kind: .checksums, path: BundleLayout.checksumsFile, message: error.message))
        }
      } else {
        problems.append(
          .init(kind: .checksums, path: BundleLayout.checksumsFile, message: "the bundle has no checksums.txt"))
      }
      if let signature {
        if let key, let checksums {
          status = key.isValid(signatureText: signature, for: checksums) ? .valid : .invalid
          if status == .invalid {
            problems.append(
              .init(
                kind: .signature, path: BundleLayout.signatureFile,
                message: "the signature does not match checksums.txt for this key"))
          }
        } else {
          status = .notChecked
          warnings.append("the bundle is signed but no key was given: the signature was not checked (use --key PUB)")
        }
      } else if key != nil || requireSignature {
        problems.append(.init(kind: .signature, path: BundleLayout.signatureFile, message: "the bundle is not signed"))
      } else {
        warnings.append("the bundle is not signed: only its integrity was checked, not who made it")
      }
      if requireSignature && key == nil && signature != nil {
        problems.append(
          .init(
            kind: .signature, path: BundleLayout.signatureFile,
            message: "a signature is required; give --key to check it"))
      }
      let stackSets = BundleStackSets.check(descriptor: descriptor, files: phaseFiles)
      problems += stackSets.problems
      return BundleVerification(
        archive: archive, problems: problems, warnings: warnings, signature: status, files: files, bytes: bytes,
        stackSets: stackSets.sets)
    }
  }
}
