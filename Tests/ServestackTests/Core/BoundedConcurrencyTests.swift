import ServestackCore
import Synchronization
import Testing

/// The one bounded-concurrency helper every module uses (downloads, blob transfers, applies, deletes).
@Suite("concurrentMap: bounded, ordered, and the same error whatever the timing")
struct BoundedConcurrencyTests {
  struct Failed: Error, Equatable { let item: Int }

  @Test("results come back in item order, with never more than the limit running")
  func orderAndLimit() async throws {
    let running = Mutex((now: 0, peak: 0))
    let results = try await concurrentMap(Array(0..<40), limit: 3) { item throws(Failed) in
      running.withLock {
        $0.now += 1
        $0.peak = max($0.peak, $0.now)
      }
      try? await Task.sleep(for: .milliseconds(item % 5))
      running.withLock { $0.now -= 1 }
      return item * 2
    }
    #expect(results == Array(0..<40).map { $0 * 2 })
    #expect(running.withLock { $0.peak } <= 3)
  }

  @Test("when several fail, the first failing item by position is thrown, however late it fails", arguments: 0..<5)
  func firstFailureByPosition(_ round: Int) async {
    // Item 2 fails last (after a sleep), item 5 fails at once: item 2's error must still win.
    let error = await #expect(throws: Failed.self) {
      try await concurrentMap(Array(0..<8), limit: 8) { item throws(Failed) in
        if item == 2 {
          try? await Task.sleep(for: .milliseconds(30 + round))
          throw Failed(item: 2)
        }
        if item == 5 { throw Failed(item: 5) }
        return item
      }
    }
    #expect(error == Failed(item: 2))
  }

  @Test("after a failure no further item starts")
  func noStartAfterFailure() async {
    let started = Mutex<[Int]>([])
    await #expect(throws: Failed.self) {
      try await concurrentForEach(Array(0..<20), limit: 2) { item throws(Failed) in
        started.withLock { $0.append(item) }
        if item == 1 { throw Failed(item: 1) }
        try? await Task.sleep(for: .milliseconds(20))
      }
    }
    // Items 0 and 1 start together; when 1 fails, nothing starts in its place or in 0's.
    #expect(started.withLock { $0.sorted() } == [0, 1])
  }

  @Test("work that cannot fail needs no try")
  func nonThrowing() async {
    let sum = Mutex(0)
    await concurrentForEach(Array(1...10), limit: 4) { item in sum.withLock { $0 += item } }
    #expect(sum.withLock { $0 } == 55)
  }
}
