/// Runs `body` for every item with at most `limit` at once, results in the order given; the first error
/// cancels the others and is rethrown.
func concurrentMap<Item: Sendable, Result: Sendable>(
  _ items: [Item], limit: Int, _ body: @escaping @Sendable (Item) async throws -> Result
) async throws -> [Result] {
  try await withThrowingTaskGroup(of: (Int, Result).self) { group in
    var results = [Result?](repeating: nil, count: items.count)
    var next = 0
    for _ in 0..<min(max(limit, 1), items.count) {
      let index = next
      let item = items[index]
      group.addTask { (index, try await body(item)) }
      next += 1
    }
    while let (index, result) = try await group.next() {
      results[index] = result
      if next < items.count {
        let nextIndex = next
        let item = items[nextIndex]
        group.addTask { (nextIndex, try await body(item)) }
        next += 1
      }
    }
    return results.compactMap(\.self)
  }
}
