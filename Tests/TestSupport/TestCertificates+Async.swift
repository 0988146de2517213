public import Foundation

extension TestCertificates {
  /// ``make(in:clientCommonName:)`` on ``TestBlocking``'s threads (openssl runs eight times), for async tests.
  public static func makeAsync(
    in directory: URL, clientCommonName: String = "servestack-test-client"
  ) async throws -> TestCertificates {
    try await TestBlocking.run { try make(in: directory, clientCommonName: clientCommonName) }
  }
}
