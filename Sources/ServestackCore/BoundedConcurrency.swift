/// Runs `body` over `items` with at most `limit` running at once and returns the results in item order.
///
/// When items fail, no further item starts, those already running finish, and the error of the first
/// failing item by position is thrown. Items start in order, so every item before a failing one has
/// started: the error thrown is always the same one, whatever the timing, and messages do not depend on
/// which task happened to finish first.
public func concurrentMap<Item: Sendable, Value: Sendable, Failure: Error>(
  _ items: [Item], limit: Int, _ body: @escaping @Sendable (Item) async throws(Failure) -> Value
) async throws(Failure) -> [Value] {
  let results = await withTaskGroup(of: (Int, Result<Value, Failure>).self) { group in
    var results = [Result<Value, Failure>?](repeating: nil, count: items.count)
    var next = 0
    var failed = false
    func startNext() {
      guard !failed, next < items.count else { return }
      let index = next
      let item = items[index]
      next += 1
      group.addTask {
        do throws(Failure) {
          return (index, .success(try await body(item)))
        } catch {
          return (index, .failure(error))
        }
      }
    }
    for _ in 0..<max(1, limit) { startNext() }
    while let (index, result) = await group.next() {
      results[index] = result
      if case .failure = result { failed = true }
      startNext()
    }
    return results
  }
  var values: [Value] = []
  values.reserveCapacity(items.count)
  for result in results {
    switch result {
    case .success(let value)?: values.append(value)
    case .failure(let error)?: throw error
    // Only items after a failure are never started, and the failure is thrown before them.
    case nil: preconditionFailure("concurrentMap: an item neither ran nor followed a failure")
    }
  }
  return values
}

/// ``concurrentMap(_:limit:_:)`` for work that returns nothing.
public func concurrentForEach<Item: Sendable, Failure: Error>(
  _ items: [Item], limit: Int, _ body: @escaping @Sendable (Item) async throws(Failure) -> Void
) async throws(Failure) {
  _ = try await concurrentMap(items, limit: limit, body)
}
