"""A small YAML loader (stdlib only) for Kubernetes manifests and apply bodies.

Supports block mappings and sequences (including "- key: v" compact items),
flow collections, plain/single/double-quoted scalars over several lines,
literal and folded block scalars with chomping/indentation indicators,
comments, documents separated by '---', anchors/aliases, '<<' merge keys and
tags (ignored except !!str). Scalars resolve like YAML 1.1 (PyYAML/go-yaml v2):
yes/no/on/off are booleans, 0755 is octal; timestamps stay strings.
"""

import re

__all__ = ["load", "load_all", "YAMLError"]


class YAMLError(ValueError):
    pass


_INT_DEC = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_INT_OCT = re.compile(r"^[-+]?0[0-7_]+$")
_INT_HEX = re.compile(r"^[-+]?0x[0-9a-fA-F_]+$")
_INT_BIN = re.compile(r"^[-+]?0b[01_]+$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?"
    r"|\.[0-9_]+(?:[eE][-+][0-9]+)?)$")
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"}
_FALSE = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"}


def resolve_plain(s):
    if s in _NULLS:
        return None
    if s in _TRUE and s not in ("y", "Y"):
        return True
    if s in _FALSE and s not in ("n", "N"):
        return False
    try:
        if _INT_DEC.match(s):
            return int(s.replace("_", ""))
        if _INT_HEX.match(s):
            return int(s.replace("_", ""), 16)
        if _INT_BIN.match(s):
            sign = -1 if s.startswith("-") else 1
            return sign * int(s.lstrip("+-")[2:].replace("_", ""), 2)
        if _INT_OCT.match(s):
            sign = -1 if s.startswith("-") else 1
            return sign * int(s.lstrip("+-").replace("_", ""), 8)
        if _FLOAT.match(s):
            return float(s.replace("_", ""))
    except ValueError:
        pass
    low = s.lower()
    if low in (".inf", "+.inf"):
        return float("inf")
    if low == "-.inf":
        return float("-inf")
    if low == ".nan":
        return float("nan")
    return s


_ESC = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v",
        "f": "\f", "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\",
        "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029"}


class _Line:
    __slots__ = ("indent", "text", "no")

    def __init__(self, indent, text, no):
        self.indent = indent
        self.text = text
        self.no = no


def _strip_comment(text):
    """Remove a trailing ' #comment' outside quotes from a line fragment."""
    if "#" not in text:
        return text.rstrip()
    quote = None
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if quote:
            if quote == '"' and c == "\\":
                i += 2
                continue
            if c == quote:
                if quote == "'" and i + 1 < n and text[i + 1] == "'":
                    i += 2
                    continue
                quote = None
        elif c in "\"'" and (i == 0 or text[i - 1] in " \t[{,:-"):
            quote = c
        elif c == "#" and (i == 0 or text[i - 1] in " \t"):
            return text[:i].rstrip()
        i += 1
    return text.rstrip()


class _Parser:
    def __init__(self, lines):
        self.lines = lines  # list of _Line (raw, comments kept for block scalars)
        self.pos = 0
        self.anchors = {}

    # -- line helpers -------------------------------------------------
    def _is_blank(self, ln):
        t = ln.text.strip()
        return t == "" or t.startswith("#")

    def skip_blank(self):
        while self.pos < len(self.lines) and self._is_blank(self.lines[self.pos]):
            self.pos += 1

    def peek(self):
        self.skip_blank()
        if self.pos < len(self.lines):
            return self.lines[self.pos]
        return None

    def err(self, msg, ln=None):
        if ln is None and self.pos < len(self.lines):
            ln = self.lines[self.pos]
        where = " (line %d)" % (ln.no + 1) if ln is not None else ""
        raise YAMLError(msg + where)

    # -- nodes ----------------------------------------------------------
    def parse_document(self):
        ln = self.peek()
        if ln is None:
            return None
        v = self.parse_node(-1)
        if self.peek() is not None:
            self.err("unexpected content")
        return v

    def parse_node(self, parent_indent):
        ln = self.peek()
        if ln is None or ln.indent <= parent_indent:
            return None
        text = ln.text[ln.indent:]
        if text.startswith("- ") or text.rstrip() == "-":
            return self.parse_seq(ln.indent)
        if self._mapping_key_split(text) is not None:
            return self.parse_map(ln.indent)
        # scalar or flow or anchored/tagged node on its own line
        self.pos += 1
        return self.parse_inline(_strip_comment(text), ln.indent, parent_indent, ln)

    def _props(self, text):
        """Strip anchor/tag properties; returns (text, anchor, tag)."""
        anchor = tag = None
        while True:
            if text.startswith("&"):
                m = re.match(r"&([^\s,\[\]{}]+)\s*", text)
                anchor = m.group(1)
                text = text[m.end():]
            elif text.startswith("!"):
                m = re.match(r"(![^\s]*)\s*", text)
                tag = m.group(1)
                text = text[m.end():]
            else:
                return text, anchor, tag

    def parse_inline(self, text, line_indent, parent_indent, ln):
        """Value text that started on a line already consumed."""
        text, anchor, tag = self._props(text)
        if text == "":
            # properties alone: value follows on next lines
            nxt = self.peek()
            if nxt is not None and nxt.indent > parent_indent:
                v = self.parse_node(parent_indent)
            else:
                v = None
        elif text.startswith("*"):
            name = text[1:].strip()
            if name not in self.anchors:
                self.err("unknown alias " + name, ln)
            v = self.anchors[name]
        elif text[0] in "|>":
            v = self.parse_block_scalar(text, parent_indent)
        elif text[0] in "[{":
            v = self.parse_flow_text(text, parent_indent)
        elif text[0] == '"':
            v = self.parse_quoted(text, parent_indent, '"')
        elif text[0] == "'":
            v = self.parse_quoted(text, parent_indent, "'")
        else:
            v = self.parse_plain_multiline(text, parent_indent)
            if tag in ("!!str", "!str"):
                pass
            else:
                v = resolve_plain(v)
        if tag in ("!!str",) and not isinstance(v, str) and v is not None:
            v = str(v)
        if anchor:
            self.anchors[anchor] = v
        return v

    def parse_plain_multiline(self, first, parent_indent):
        parts = [first.strip()]
        while self.pos < len(self.lines):
            ln = self.lines[self.pos]
            t = ln.text.strip()
            if t == "":
                parts.append("")
                self.pos += 1
                continue
            if t.startswith("#") or ln.indent <= parent_indent:
                break
            body = ln.text[ln.indent:]
            if self._mapping_key_split(body) is not None or body.startswith("- "):
                break
            parts.append(_strip_comment(t))
            self.pos += 1
            if _strip_comment(t) != t:
                break
        while parts and parts[-1] == "":
            parts.pop()
            # give blank lines back is unnecessary: they are insignificant
        return _fold(parts)

    def parse_quoted(self, text, parent_indent, q):
        buf = text
        # gather lines until the closing quote is found
        while True:
            end = _find_quote_end(buf, q)
            if end is not None:
                break
            if self.pos >= len(self.lines):
                self.err("unterminated quoted scalar")
            buf += "\n" + self.lines[self.pos].text
            self.pos += 1
        rest = buf[end + 1:].strip()
        if rest and not rest.startswith("#"):
            self.err("unexpected text after quoted scalar: " + rest[:20])
        return _unquote(buf[:end + 1], q)

    def parse_flow_text(self, text, parent_indent):
        buf = text
        while True:
            end = _flow_end(buf)
            if end is not None:
                break
            if self.pos >= len(self.lines):
                self.err("unterminated flow collection")
            buf += "\n" + _strip_comment(self.lines[self.pos].text)
            self.pos += 1
        fp = _FlowParser(buf[:end], self.anchors)
        v = fp.parse_value()
        fp.skip_ws()
        if fp.i != len(fp.s):
            self.err("bad flow collection")
        return v

    def parse_block_scalar(self, header, parent_indent):
        m = re.match(r"([|>])([-+]?)([1-9]?)([-+]?)\s*(#.*)?$", header)
        if not m:
            self.err("bad block scalar header: " + header)
        style = m.group(1)
        chomp = m.group(2) or m.group(4)
        explicit = int(m.group(3)) if m.group(3) else None
        raw = []
        indent = None
        if explicit is not None:
            indent = max(parent_indent, 0) + explicit if parent_indent >= 0 else explicit
        while self.pos < len(self.lines):
            ln = self.lines[self.pos]
            if ln.text.strip() == "":
                raw.append(ln.text)
                self.pos += 1
                continue
            if indent is None:
                if ln.indent <= parent_indent:
                    break
                indent = ln.indent
            if ln.indent < indent:
                break
            raw.append(ln.text)
            self.pos += 1
        if indent is None:
            indent = parent_indent + 1
        # trailing blank lines belong to the scalar only for chomping purposes
        lines = [r[indent:] if len(r) >= indent else "" for r in raw]
        # lines that were blank but longer than indent keep their spaces
        trail = 0
        while lines and lines[-1].strip() == "" and raw[len(lines) - 1].strip() == "":
            lines.pop()
            trail += 1
        if style == "|":
            body = "\n".join(lines)
        else:
            body = _fold_block(lines)
        if not lines:
            body = ""
            if chomp == "+":
                return "\n" * trail
            return ""
        if chomp == "-":
            return body
        if chomp == "+":
            return body + "\n" + "\n" * trail
        return body + "\n"

    def parse_seq(self, indent):
        out = []
        while True:
            ln = self.peek()
            if ln is None or ln.indent != indent:
                break
            text = ln.text[indent:]
            if not (text.startswith("- ") or text.rstrip() == "-"):
                break
            rest = text[1:]
            stripped = rest.lstrip(" ")
            if stripped == "" or stripped.startswith("#"):
                self.pos += 1
                nxt = self.peek()
                if nxt is not None and nxt.indent > indent:
                    out.append(self.parse_node(indent))
                else:
                    out.append(None)
                continue
            col = indent + 1 + (len(rest) - len(stripped))
            # re-seat the rest of the line as a virtual line at its column
            self.lines[self.pos] = _Line(col, " " * col + stripped, ln.no)
            if stripped.startswith("- ") or stripped.rstrip() == "-":
                out.append(self.parse_seq(col))
            elif self._mapping_key_split(stripped) is not None:
                out.append(self.parse_map(col))
            else:
                self.pos += 1
                out.append(self.parse_inline(_strip_comment(stripped), col, indent, ln))
        return out

    def _mapping_key_split(self, text):
        """If text starts a 'key: value' entry return (key, rest) else None."""
        if text.startswith("? "):
            return None
        if text[:1] in "\"'":
            end = _find_quote_end(text, text[0])
            if end is None:
                return None
            after = text[end + 1:].lstrip(" ")
            if after.startswith(":") and (len(after) == 1 or after[1] in " \t"):
                return _unquote(text[:end + 1], text[0]), after[1:]
            return None
        if text[:1] in "[{#&*!|>%@`" and not text.startswith("&"):
            return None
        i = 0
        n = len(text)
        while i < n:
            c = text[i]
            if c == ":" and (i + 1 == n or text[i + 1] in " \t"):
                key = text[:i].rstrip()
                if key.startswith("&"):
                    return None
                return key, text[i + 1:]
            if c == "#" and i > 0 and text[i - 1] in " \t":
                return None
            i += 1
        return None

    def parse_map(self, indent):
        out = {}
        while True:
            ln = self.peek()
            if ln is None or ln.indent != indent:
                break
            text = ln.text[indent:]
            split = self._mapping_key_split(text)
            if split is None:
                if text.startswith("- "):
                    break
                self.err("expected a mapping key")
            key, rest = split
            if isinstance(key, str) and not (text[:1] in "\"'"):
                key = resolve_key(key)
            self.pos += 1
            rest_s = _strip_comment(rest).strip()
            rest_s2, anchor, tag = self._props(rest_s) if rest_s[:1] in "&!" else (rest_s, None, None)
            if rest_s2 == "":
                nxt = self.peek()
                if nxt is not None and nxt.indent == indent and (
                        nxt.text[indent:].startswith("- ") or nxt.text[indent:].rstrip() == "-"):
                    val = self.parse_seq(indent)
                elif nxt is not None and nxt.indent > indent:
                    val = self.parse_node(indent)
                else:
                    val = None
                if anchor:
                    self.anchors[anchor] = val
            else:
                val = self.parse_inline(rest.strip() if rest_s2[:1] in "|>" else rest_s, indent, indent, ln)
            if key == "<<" and isinstance(val, (dict, list)):
                srcs = val if isinstance(val, list) else [val]
                for src in srcs:
                    for k, v in src.items():
                        out.setdefault(k, v)
                continue
            out[key] = val
        return out


def resolve_key(k):
    v = resolve_plain(k)
    if isinstance(v, (bool, int, float)) or v is None:
        # keep keys as in go-yaml -> JSON conversion: stringified
        if v is None:
            return "null" if k else ""
        if isinstance(v, bool):
            return "true" if v else "false"
        return k
    return v


def _find_quote_end(s, q):
    i = 1
    n = len(s)
    while i < n:
        c = s[i]
        if q == '"' and c == "\\":
            i += 2
            continue
        if c == q:
            if q == "'" and i + 1 < n and s[i + 1] == "'":
                i += 2
                continue
            return i
        i += 1
    return None


def _fold(parts):
    """Fold multi-line plain/quoted content: single breaks -> space, empty lines -> \\n."""
    out = ""
    pending_newlines = 0
    first = True
    for p in parts:
        if p == "":
            pending_newlines += 1
            continue
        if first:
            out = p
            first = False
        elif pending_newlines:
            out += "\n" * pending_newlines + p
        else:
            out += " " + p
        pending_newlines = 0
    return out


def _odd_backslashes(l):
    n = len(l) - len(l.rstrip("\\"))
    return n % 2 == 1


def _fold_quoted(inner, dq):
    lines = inner.split("\n")
    if len(lines) == 1:
        return inner
    res = ""
    empties = 0
    prev_esc = False
    last_i = len(lines) - 1
    for idx, l in enumerate(lines):
        if idx > 0:
            l = l.lstrip(" \t")
        esc = False
        if idx != last_i:
            if dq and _odd_backslashes(l):
                l = l[:-1]
                esc = True
            else:
                l = l.rstrip(" \t")
        if 0 < idx < last_i and l == "" and not esc:
            empties += 1
            continue
        if idx == 0:
            res = l
        elif prev_esc:
            res += l
        elif empties:
            res += "\n" * empties + l
        else:
            res += " " + l
        empties = 0
        prev_esc = esc
    return res


def _unquote(s, q):
    inner = _fold_quoted(s[1:-1], q == '"')
    if q == "'":
        return inner.replace("''", "'")
    if "\\" not in inner:
        return inner
    out = []
    i = 0
    n = len(inner)
    while i < n:
        c = inner[i]
        if c == "\\" and i + 1 < n:
            e = inner[i + 1]
            if e == "x":
                out.append(chr(int(inner[i + 2:i + 4], 16)))
                i += 4
                continue
            if e == "u":
                out.append(chr(int(inner[i + 2:i + 6], 16)))
                i += 6
                continue
            if e == "U":
                out.append(chr(int(inner[i + 2:i + 10], 16)))
                i += 10
                continue
            out.append(_ESC.get(e, e))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _fold_block(lines):
    """Folded block scalar body (without final newline)."""
    res = ""
    prev = None
    empties = 0
    for l in lines:
        if l.strip(" ") == "" and not l.startswith("\t"):
            empties += 1
            continue
        more = l[0] in " \t"
        if prev is None:
            res = "\n" * empties + l
        elif prev == "normal" and not more:
            res += (" " if empties == 0 else "\n" * empties) + l
        else:
            res += "\n" + "\n" * empties + l
        empties = 0
        prev = "more" if more else "normal"
    return res


def _flow_end(s):
    depth = 0
    quote = None
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if quote:
            if quote == '"' and c == "\\":
                i += 2
                continue
            if c == quote:
                if quote == "'" and i + 1 < n and s[i + 1] == "'":
                    i += 2
                    continue
                quote = None
        elif c in "\"'":
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                rest = _strip_comment(s[i + 1:]).strip()
                if rest:
                    raise YAMLError("unexpected text after flow collection: " + rest[:20])
                return i + 1
        i += 1
    return None


class _FlowParser:
    def __init__(self, s, anchors):
        self.s = s
        self.i = 0
        self.anchors = anchors

    def skip_ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t\r\n":
            self.i += 1

    def parse_value(self):
        self.skip_ws()
        s = self.s
        c = s[self.i]
        if c == "[":
            self.i += 1
            out = []
            while True:
                self.skip_ws()
                if s[self.i] == "]":
                    self.i += 1
                    return out
                v = self.parse_value()
                self.skip_ws()
                if s[self.i] == ":":
                    self.i += 1
                    v = {v if isinstance(v, str) else str(v): self.parse_value()}
                    self.skip_ws()
                out.append(v)
                if s[self.i] == ",":
                    self.i += 1
                elif s[self.i] != "]":
                    raise YAMLError("bad flow sequence")
        if c == "{":
            self.i += 1
            out = {}
            while True:
                self.skip_ws()
                if s[self.i] == "}":
                    self.i += 1
                    return out
                k = self.parse_value(key=True) if False else self.parse_scalar(key=True)
                self.skip_ws()
                if s[self.i] == ":":
                    self.i += 1
                    self.skip_ws()
                    if s[self.i] in ",}":
                        v = None
                    else:
                        v = self.parse_value()
                else:
                    v = None
                out[k] = v
                self.skip_ws()
                if s[self.i] == ",":
                    self.i += 1
                elif s[self.i] != "}":
                    raise YAMLError("bad flow mapping")
        return self.parse_scalar()

    def parse_scalar(self, key=False):
        s = self.s
        self.skip_ws()
        c = s[self.i]
        if c in "\"'":
            end = _find_quote_end(s[self.i:], c)
            txt = s[self.i:self.i + end + 1]
            self.i += end + 1
            return _unquote(txt, c)
        if c in "[{" and not key:
            return self.parse_value()
        if c == "*":
            m = re.match(r"\*([^\s,\[\]{}]+)", s[self.i:])
            self.i += m.end()
            return self.anchors[m.group(1)]
        start = self.i
        while self.i < len(s):
            ch = s[self.i]
            if ch in ",]}":
                break
            if ch == ":" and (self.i + 1 == len(s) or s[self.i + 1] in " \t\n,]}"):
                break
            self.i += 1
        raw = " ".join(x.strip() for x in s[start:self.i].split("\n")).strip()
        if key:
            return resolve_key(raw)
        return resolve_plain(raw)


def _split_docs(text):
    docs = []
    cur = []
    for raw in text.split("\n"):
        if raw.startswith("---") and (len(raw) == 3 or raw[3] in " \t"):
            docs.append(cur)
            rest = raw[3:].strip()
            cur = [rest] if rest and not rest.startswith("#") else []
            continue
        if raw.startswith("...") and raw.strip() == "...":
            docs.append(cur)
            cur = []
            continue
        if raw.startswith("%") and not cur:
            continue
        cur.append(raw)
    docs.append(cur)
    return docs


def _to_lines(raw_lines):
    out = []
    for no, raw in enumerate(raw_lines):
        raw = raw.rstrip("\r")
        indent = len(raw) - len(raw.lstrip(" "))
        out.append(_Line(indent, raw, no))
    return out


def load_all(text):
    if isinstance(text, (bytes, bytearray)):
        text = text.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    if text.endswith("\n"):
        text = text[:-1]
    out = []
    for doc in _split_docs(text):
        p = _Parser(_to_lines(doc))
        if p.peek() is None:
            continue
        out.append(p.parse_document())
    return out


def load(text):
    docs = load_all(text)
    if not docs:
        return None
    if len(docs) > 1:
        raise YAMLError("expected a single document, found %d" % len(docs))
    return docs[0]
