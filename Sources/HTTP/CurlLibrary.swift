internal import CCurl

/// Facts about the libcurl this binary is linked with.
public enum CurlLibrary {
  /// libcurl's version and its TLS and HTTP/2 backends, e.g. `7.88.1 (OpenSSL/3.0.17, nghttp2/1.52.0)`.
  public static var version: String {
    guard let info = curl_version_info(ss_CURLVERSION_NOW) else { return "unknown" }
    var text = String(cString: info.pointee.version)
    var extras: [String] = []
    if let ssl = info.pointee.ssl_version { extras.append(String(cString: ssl)) }
    if let nghttp2 = info.pointee.nghttp2_version { extras.append("nghttp2/" + String(cString: nghttp2)) }
    if !extras.isEmpty { text += " (" + extras.joined(separator: ", ") + ")" }
    return text
  }
}
