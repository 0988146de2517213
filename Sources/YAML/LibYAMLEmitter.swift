internal import CYAML

/// Owns one libyaml emitter writing into `output`; frees it in `deinit`.
final class LibYAMLEmitter {
  private let emitter: UnsafeMutablePointer<yaml_emitter_t>
  private let event: UnsafeMutablePointer<yaml_event_t>
  /// What libyaml wrote so far.
  private(set) var output: [UInt8] = []

  init() throws(YAMLError) {
    emitter = .allocate(capacity: 1)
    event = .allocate(capacity: 1)
    guard yaml_emitter_initialize(emitter) == 1 else {
      emitter.deallocate()
      event.deallocate()
      throw YAMLError(.memory, "libyaml could not allocate an emitter")
    }
    yaml_emitter_set_unicode(emitter, 1)
    yaml_emitter_set_indent(emitter, 2)
    // No folding of long scalars: a negative width means unlimited.
    yaml_emitter_set_width(emitter, -1)
    yaml_emitter_set_output(
      emitter,
      { context, buffer, size in
        guard let context, let buffer else { return 0 }
        let me = Unmanaged<LibYAMLEmitter>.fromOpaque(context).takeUnretainedValue()
        me.output.append(contentsOf: UnsafeBufferPointer(start: buffer, count: size))
        return 1
      },
      Unmanaged.passUnretained(self).toOpaque())
  }

  deinit {
    yaml_emitter_delete(emitter)
    emitter.deallocate()
    event.deallocate()
  }

  func streamStart() throws(YAMLError) {
    try emit(yaml_stream_start_event_initialize(event, YAML_UTF8_ENCODING))
  }

  func streamEnd() throws(YAMLError) {
    try emit(yaml_stream_end_event_initialize(event))
    guard yaml_emitter_flush(emitter) == 1 else { throw currentError() }
  }

  /// A document; the first is written without `---`.
  func documentStart(implicit: Bool) throws(YAMLError) {
    try emit(yaml_document_start_event_initialize(event, nil, nil, nil, implicit ? 1 : 0))
  }

  func documentEnd() throws(YAMLError) {
    try emit(yaml_document_end_event_initialize(event, 1))
  }

  func mappingStart() throws(YAMLError) {
    try emit(yaml_mapping_start_event_initialize(event, nil, nil, 1, YAML_BLOCK_MAPPING_STYLE))
  }

  func mappingEnd() throws(YAMLError) {
    try emit(yaml_mapping_end_event_initialize(event))
  }

  func sequenceStart() throws(YAMLError) {
    try emit(yaml_sequence_start_event_initialize(event, nil, nil, 1, YAML_BLOCK_SEQUENCE_STYLE))
  }

  func sequenceEnd() throws(YAMLError) {
    try emit(yaml_sequence_end_event_initialize(event))
  }

  /// A scalar in `style`; a plain one may be turned into a quoted one by libyaml when plain is not possible.
  func scalar(_ text: String, style: yaml_scalar_style_t) throws(YAMLError) {
    var text = text
    let plain: Int32 = style == YAML_PLAIN_SCALAR_STYLE ? 1 : 0
    let status = text.withUTF8 { bytes in
      withUnsafePointer(to: UInt8(0)) { empty in
        yaml_scalar_event_initialize(
          event, nil, nil, bytes.baseAddress ?? empty, Int32(bytes.count), plain, 1, style)
      }
    }
    try emit(status)
  }

  /// Hands the initialized event to libyaml, which frees it whether or not it succeeds.
  private func emit(_ initialized: Int32) throws(YAMLError) {
    guard initialized == 1 else { throw YAMLError(.memory, "libyaml could not allocate an event") }
    guard yaml_emitter_emit(emitter, event) == 1 else { throw currentError() }
  }

  private func currentError() -> YAMLError {
    let problem = emitter.pointee.problem.map { String(cString: $0) } ?? "unknown problem"
    if emitter.pointee.error == YAML_MEMORY_ERROR { return YAMLError(.memory, "libyaml ran out of memory") }
    return YAMLError(.emitter, "libyaml could not emit the YAML: \(problem)")
  }
}
