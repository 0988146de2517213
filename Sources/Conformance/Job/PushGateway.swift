public import HTTP
import ServestackCore

/// Sends a run's metrics to a Prometheus Pushgateway, the way Prometheus documents for batch jobs: the
/// job's pod lives for minutes, so nothing could scrape it. (`servestack status` and anything else can also
/// read `metrics.prom` of the stored results; see ``ResultStore``.)
public enum PushGateway {
  /// PUTs the report's metrics to `<url>/metrics/job/<job>` (replacing the group's previous metrics).
  ///
  /// #### Errors
  /// ``ConformanceError`` (`reportIO`) naming the gateway and its answer.
  public static func push(
    _ report: ConformanceReport, to url: String, job: String = "servestack-conformance", http: HTTPClient
  )
    async throws(ConformanceError)
  {
    var base = url
    while base.hasSuffix("/") { base.removeLast() }
    var request = HTTPRequest(method: .put, url: "\(base)/metrics/job/\(job)", body: .text(report.prometheusText))
    request.headers.set("Content-Type", "text/plain; version=0.0.4")
    request.timeout = .seconds(30)
    do {
      let response = try await http.execute(request)
      guard response.isSuccess else {
        throw ConformanceError(
          .reportIO, "the Pushgateway at \(base) answered \(response.status): \(response.text.prefix(200))")
      }
    } catch let error as HTTPError {
      throw ConformanceError(.reportIO, "cannot push metrics to \(base): \(error.message)", cause: error)
    } catch let error as ConformanceError {
      throw error
    } catch {
      throw ConformanceError(.reportIO, "cannot push metrics to \(base): \(error)")
    }
  }
}
