/// Runs `body` over `items` with at most `limit` running at once and returns the results in item order;
/// when some fail, the error of the first failing item (by position), so messages do not depend on timing.
func boundedMap<T: Sendable, R: Sendable>(
  _ items: [T], limit: Int, _ body: @escaping @Sendable (T) async -> Result<R, PhaseError>
) async throws(PhaseError) -> [R] {
  let results = await withTaskGroup(of: (Int, Result<R, PhaseError>).self) { group in
    var results = [Result<R, PhaseError>?](repeating: nil, count: items.count)
    var next = 0
    func startNext() {
      guard next < items.count else { return }
      let index = next
      let item = items[index]
      next += 1
      group.addTask { (index, await body(item)) }
    }
    for _ in 0..<max(1, limit) { startNext() }
    while let (index, result) = await group.next() {
      results[index] = result
      startNext()
    }
    return results
  }
  var values: [R] = []
  values.reserveCapacity(items.count)
  for result in results {
    switch result {
    case .success(let value)?: values.append(value)
    case .failure(let error)?: throw error
    case nil: throw PhaseError(.io, "internal error: a concurrent task did not finish")
    }
  }
  return values
}
