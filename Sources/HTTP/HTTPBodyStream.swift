/// The body of an ``HTTPStreamingResponse``: chunks as they arrive. Reading is what lets the transfer go
/// on: while the reader keeps more than a few MiB unread, the transfer is paused, so memory stays bounded
/// however slowly the body is read.
public struct HTTPBodyStream: AsyncSequence, Sendable {
  public typealias Element = [UInt8]

  private let chunks: AsyncThrowingStream<[UInt8], any Error>
  private let flow: StreamFlow?

  init(chunks: AsyncThrowingStream<[UInt8], any Error>, flow: StreamFlow?) {
    self.chunks = chunks
    self.flow = flow
  }

  public struct AsyncIterator: AsyncIteratorProtocol {
    var base: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator
    let flow: StreamFlow?

    /// The next chunk, nil at the end of the body.
    ///
    /// #### Errors
    /// ``HTTPError`` when the transfer fails after the headers.
    public mutating func next() async throws -> [UInt8]? {
      let chunk = try await base.next()
      if let chunk { flow?.consumed(chunk.count) }
      return chunk
    }
  }

  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: chunks.makeAsyncIterator(), flow: flow) }
}
