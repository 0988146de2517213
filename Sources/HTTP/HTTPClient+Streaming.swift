extension HTTPClient {
  /// Sends `request` and returns as soon as the final response's headers arrive; the body follows as an
  /// async sequence of chunks (Kubernetes watches). Stopping the iteration or dropping the stream aborts
  /// the transfer. Retries happen only before the headers are returned. The request's destination is
  /// ignored.
  ///
  /// #### Errors
  /// ``HTTPError`` when no response headers could be had; failures after that end the body sequence.
  public func stream(_ request: HTTPRequest) async throws(HTTPError) -> HTTPStreamingResponse {
    let prepared = try prepare(request)
    let policy = request.retry ?? configuration.retry
    let loop = self.loop
    var attempt = 0
    while true {
      attempt += 1
      let (body, chunks) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
      let token = TransferToken()
      let flow = StreamFlow { [loop] in loop.resume(token) }
      // The stream keeps the client (and its thread) alive until it ends, even if the caller drops the client.
      chunks.onTermination = { [self] _ in
        withExtendedLifetime(self) { loop.cancel(token) }
      }
      let outcome: Result<ResponseHead, HTTPError> = await withTaskCancellationHandler {
        await withCheckedContinuation { continuation in
          let once = ResumeOnce(continuation)
          let spec = prepared.spec(token: token, sink: .stream(chunks, flow), onHead: { once.resume(.success($0)) }) {
            switch $0 {
            case .success(let transfer):
              once.resume(.success(transfer.head))
              chunks.finish()
            case .failure(let error):
              once.resume(.failure(error))
              chunks.finish(throwing: error)
            }
          }
          if !loop.submit(spec) {
            let error = prepared.refusedAfterShutdown()
            once.resume(.failure(error))
            chunks.finish(throwing: error)
          }
        }
      } onCancel: {
        loop.cancel(token)
      }
      switch outcome {
      case .success(let head):
        if attempt < policy.maxAttempts, request.isRepeatable, policy.retryableStatuses.contains(head.status) {
          loop.cancel(token)
          try await pause(policy.delay(afterAttempt: attempt, headers: head.headers), request, attempt)
          continue
        }
        return HTTPStreamingResponse(
          status: head.status, headers: head.headers, httpVersion: head.httpVersion,
          body: HTTPBodyStream(chunks: body, flow: flow))
      case .failure(var error):
        error.attempts = attempt
        guard attempt < policy.maxAttempts, Self.isRetryable(error, repeatable: request.isRepeatable) else {
          throw error
        }
        try await pause(policy.backoff(afterAttempt: attempt), request, attempt)
      }
    }
  }
}
