"""Parser for the Vega expression language.

Accepts what vega-expression's ``parseExpression`` accepts and returns the same ESTree-shaped AST,
as plain dicts (``{"type": "BinaryExpression", "operator": "+", "left": ..., "right": ...}``), so
that trees can be compared with Vega's own parser node for node. The grammar is the ES5 expression
subset that vega-expression keeps: literals (numbers, strings, regular expressions, true, false,
null), identifiers, member access with ``.`` and ``[]``, calls, arrays, objects, unary ``! ~ + -``,
binary and logical operators, and ``?:``. Assignment, ``typeof``, ``new``, ``this``, ``++``, commas
and templates are rejected, as Vega rejects them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import ExpressionSyntaxError

Node = dict[str, Any]

# Binary precedence, as in esprima (which vega-expression is derived from).
_BINARY_PRECEDENCE = {
    "||": 1, "&&": 2, "|": 3, "^": 4, "&": 5,
    "==": 6, "!=": 6, "===": 6, "!==": 6,
    "<": 7, ">": 7, "<=": 7, ">=": 7, "instanceof": 7, "in": 7,
    "<<": 8, ">>": 8, ">>>": 8,
    "+": 9, "-": 9,
    "*": 11, "/": 11, "%": 11,
}
_LOGICAL = {"||", "&&"}
_UNARY = {"!", "~", "+", "-"}
# Punctuators, longest first so that the scanner is greedy.
_PUNCTUATORS = sorted(
    [">>>=", "===", "!==", ">>>", "<<=", ">>=", "**",
     "&&", "||", "==", "!=", "<=", ">=", "<<", ">>", "++", "--", "+=", "-=", "*=", "/=", "%=",
     "&=", "|=", "^=", "=>",
     "{", "}", "(", ")", "[", "]", ".", ";", ",", "<", ">", "+", "-", "*", "/", "%", "&", "|",
     "^", "!", "~", "?", ":", "="],
    key=len, reverse=True,
)
# Operators that JavaScript has but Vega disables.
_DISABLED = {"++", "--", "=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", ">>>=", "&=", "|=",
             "^=", ","}
_DISABLED_KEYWORDS = {"typeof", "void", "delete", "new", "this", "function", "var", "let",
                      "const", "return", "yield", "await", "class", "super", "import", "export"}
_IDENT_START = re.compile(r"[A-Za-z_$\u00aa-\uffff]")
_IDENT_PART = re.compile(r"[A-Za-z0-9_$\u00aa-\uffff\u200c\u200d]*")
_NUMBER = re.compile(
    r"0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
)
_SINGLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


@dataclass(frozen=True)
class Token:
    kind: str  # "punct", "ident", "keyword", "number", "string", "regex", "eof"
    value: Any
    start: int
    end: int


class _Scanner:
    def __init__(self, text: str, path: str | None) -> None:
        self.text = text
        self.pos = 0
        self.path = path

    def error(self, message: str, position: int | None = None) -> ExpressionSyntaxError:
        where = self.pos if position is None else position
        return ExpressionSyntaxError(message, expr=self.text, position=where, path=self.path)

    def skip_space(self) -> None:
        text, n = self.text, len(self.text)
        while self.pos < n:
            ch = text[self.pos]
            # vega-expression knows no comments: "//" and "/*" are tokens (and then errors).
            if ch.isspace() or ch == "\ufeff":
                self.pos += 1
            else:
                return

    def next(self, regex_allowed: bool) -> Token:
        self.skip_space()
        start, text = self.pos, self.text
        if start >= len(text):
            return Token("eof", None, start, start)
        ch = text[start]
        if ch in "'\"":
            return self._string(ch)
        if ch.isdigit() or (ch == "." and start + 1 < len(text) and text[start + 1].isdigit()):
            return self._number()
        if _IDENT_START.match(ch) or ch == "\\":
            name = ch + _IDENT_PART.match(text, start + 1).group(0)
            self.pos = start + len(name)
            if name in ("true", "false"):
                return Token("boolean", name == "true", start, self.pos)
            if name == "null":
                return Token("null", None, start, self.pos)
            if name in _DISABLED_KEYWORDS or name in ("instanceof", "in"):
                return Token("keyword", name, start, self.pos)
            return Token("ident", name, start, self.pos)
        if ch == "/" and regex_allowed:
            return self._regex()
        for punct in _PUNCTUATORS:
            if text.startswith(punct, start):
                self.pos = start + len(punct)
                return Token("punct", punct, start, self.pos)
        raise self.error("Unexpected token ILLEGAL")

    def _number(self) -> Token:
        start, text = self.pos, self.text
        match = _NUMBER.match(text, start)
        raw = match.group(0)
        if len(raw) > 1 and raw[0] == "0" and raw[1].isdigit():
            if all(c in "01234567" for c in raw):
                raise self.error("Octal literals are not allowed in strict mode.", start)
            raise self.error("Unexpected token ILLEGAL", start)
        end = start + len(raw)
        if end < len(text) and (_IDENT_START.match(text[end]) or text[end].isdigit()):
            raise self.error("Unexpected token ILLEGAL", end)
        self.pos = end
        value = float(int(raw, 16)) if raw[:2] in ("0x", "0X") else float(raw)
        return Token("number", _as_js_number(value), start, end)

    def _string(self, quote: str) -> Token:
        start, text = self.pos, self.text
        i, out = start + 1, []
        while True:
            if i >= len(text):
                raise self.error("Unexpected token ILLEGAL", start)
            ch = text[i]
            if ch == quote:
                break
            if ch in "\n\r\u2028\u2029":
                raise self.error("Unexpected token ILLEGAL", i)
            if ch != "\\":
                out.append(ch)
                i += 1
                continue
            i += 1
            if i >= len(text):
                raise self.error("Unexpected token ILLEGAL", i)
            esc = text[i]
            if esc == "u":
                escape_start = i - 1
                if text.startswith("{", i + 1):
                    close = text.find("}", i + 2)
                    digits = text[i + 2:close] if close > 0 else ""
                    i = close + 1
                else:
                    digits = text[i + 1:i + 5]
                    i += 5
                if not digits or not re.fullmatch(r"[0-9a-fA-F]+", digits) or (
                        not text.startswith("{", escape_start + 2) and len(digits) != 4):
                    raise self.error("Unexpected token ILLEGAL", escape_start)
                out.append(chr(int(digits, 16)))
            elif esc == "x":
                digits = text[i + 1:i + 3]
                if not re.fullmatch(r"[0-9a-fA-F]{2}", digits):
                    raise self.error("Unexpected token ILLEGAL", i)
                out.append(chr(int(digits, 16)))
                i += 3
            elif esc in _SINGLE_ESCAPES and not (esc == "0" and text[i + 1:i + 2].isdigit()):
                out.append(_SINGLE_ESCAPES[esc])
                i += 1
            elif esc in "\r\n\u2028\u2029":  # line continuation
                i += 2 if text.startswith("\r\n", i) else 1
            elif esc.isdigit():
                raise self.error("Octal literals are not allowed in strict mode.", i)
            else:
                out.append(esc)
                i += 1
        self.pos = i + 1
        return Token("string", "".join(out), start, self.pos)

    def _regex(self) -> Token:
        start, text = self.pos, self.text
        i, in_class = start + 1, False
        while True:
            if i >= len(text) or text[i] in "\n\r":
                raise self.error("Invalid regular expression: missing /", start)
            ch = text[i]
            if ch == "\\":
                i += 2
                continue
            if ch == "[":
                in_class = True
            elif ch == "]":
                in_class = False
            elif ch == "/" and not in_class:
                break
            i += 1
        pattern = text[start + 1:i]
        flags = _IDENT_PART.match(text, i + 1).group(0)
        # vega-expression's scanner knows the ES5 flags plus u and y; repeated flags pass the
        # scanner (the literal's value is then null, as new RegExp fails).
        if any(f not in "gimuy" for f in flags):
            raise self.error("Invalid regular expression", start)
        self.pos = i + 1 + len(flags)
        return Token("regex", (pattern, flags), start, self.pos)


def _as_js_number(value: float) -> int | float:
    """Integral literals become ints (as JSON shows them); everything else stays a float."""
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


class _Parser:
    def __init__(self, text: str, path: str | None) -> None:
        self.scanner = _Scanner(text, path)
        self.text = text
        self.token = self.scanner.next(regex_allowed=True)

    # -- token helpers -------------------------------------------------------------------------
    def advance(self, regex_allowed: bool = False) -> Token:
        current = self.token
        self.token = self.scanner.next(regex_allowed)
        return current

    def is_punct(self, value: str) -> bool:
        return self.token.kind == "punct" and self.token.value == value

    def expect(self, value: str, regex_after: bool = True) -> Token:
        if not self.is_punct(value):
            raise self.unexpected()
        return self.advance(regex_allowed=regex_after)

    def unexpected(self) -> ExpressionSyntaxError:
        token = self.token
        if token.kind == "eof":
            return self.scanner.error("Unexpected end of input", token.start)
        if token.kind == "keyword" and token.value in _DISABLED_KEYWORDS:
            return self.scanner.error(f"Disabled: {token.value!r} is not allowed", token.start)
        if token.kind == "punct" and token.value in _DISABLED:
            return self.scanner.error(f"Disabled: {token.value!r} is not allowed", token.start)
        return self.scanner.error(f"Unexpected token {self.text[token.start:token.end]}", token.start)

    def raw(self, token: Token) -> str:
        return self.text[token.start:token.end]

    # -- grammar -------------------------------------------------------------------------------
    def parse(self) -> Node:
        if self.token.kind == "eof":
            raise self.scanner.error("Unexpected end of input", 0)
        node = self.conditional()
        if self.token.kind != "eof":
            raise self.unexpected()
        return node

    def conditional(self) -> Node:
        test = self.binary(0)
        if not self.is_punct("?"):
            return test
        self.advance(regex_allowed=True)
        consequent = self.conditional()
        self.expect(":")
        alternate = self.conditional()
        return {"type": "ConditionalExpression", "test": test, "consequent": consequent,
                "alternate": alternate}

    def binary_operator(self) -> str | None:
        token = self.token
        if token.kind == "punct" and token.value in _BINARY_PRECEDENCE:
            return token.value
        if token.kind == "keyword" and token.value in ("in", "instanceof"):
            return token.value
        return None

    def binary(self, min_precedence: int) -> Node:
        left = self.unary()
        while True:
            op = self.binary_operator()
            if op is None or _BINARY_PRECEDENCE[op] <= min_precedence:
                return left
            self.advance(regex_allowed=True)
            right = self.binary(_BINARY_PRECEDENCE[op])
            kind = "LogicalExpression" if op in _LOGICAL else "BinaryExpression"
            left = {"type": kind, "operator": op, "left": left, "right": right}

    def unary(self) -> Node:
        token = self.token
        if token.kind == "punct" and token.value in _UNARY:
            self.advance(regex_allowed=True)
            argument = self.unary()
            return {"type": "UnaryExpression", "operator": token.value, "argument": argument,
                    "prefix": True}
        if (token.kind == "punct" and token.value in ("++", "--")) or (
            token.kind == "keyword" and token.value in _DISABLED_KEYWORDS
        ):
            raise self.unexpected()
        node = self.call_member(self.primary())
        if self.token.kind == "punct" and self.token.value in _DISABLED - {","}:
            raise self.unexpected()
        return node

    def call_member(self, node: Node) -> Node:
        while True:
            if self.is_punct("."):
                self.advance()
                token = self.token
                if token.kind not in ("ident", "keyword", "boolean", "null"):
                    raise self.unexpected()
                self.advance()
                prop = {"type": "Identifier", "name": self.raw(token), "member": True}
                node = {"type": "MemberExpression", "computed": False, "object": node,
                        "property": prop}
            elif self.is_punct("["):
                self.advance(regex_allowed=True)
                prop = self.conditional()
                self.expect("]", regex_after=False)
                node = {"type": "MemberExpression", "computed": True, "object": node,
                        "property": prop}
            elif self.is_punct("("):
                node = {"type": "CallExpression", "callee": node, "arguments": self.arguments()}
            else:
                return node

    def arguments(self) -> list[Node]:
        self.expect("(")
        args: list[Node] = []
        while not self.is_punct(")"):
            args.append(self.conditional())
            if not self.is_punct(")"):
                self.expect(",")
        self.advance()
        return args

    def primary(self) -> Node:
        token = self.token
        if token.kind == "ident":
            self.advance()
            return {"type": "Identifier", "name": token.value}
        if token.kind in ("number", "string", "boolean", "null"):
            self.advance()
            return {"type": "Literal", "value": token.value, "raw": self.raw(token)}
        if token.kind == "regex":
            self.advance()
            pattern, flags = token.value
            value = {} if len(set(flags)) == len(flags) else None
            return {"type": "Literal", "value": value, "raw": self.raw(token),
                    "regex": {"pattern": pattern, "flags": flags}}
        if self.is_punct("("):
            self.advance(regex_allowed=True)
            node = self.conditional()
            self.expect(")", regex_after=False)
            return node
        if self.is_punct("["):
            return self.array()
        if self.is_punct("{"):
            return self.object()
        raise self.unexpected()

    def array(self) -> Node:
        self.advance(regex_allowed=True)
        elements: list[Node | None] = []
        while not self.is_punct("]"):
            if self.is_punct(","):
                self.advance(regex_allowed=True)
                elements.append(None)
                continue
            elements.append(self.conditional())
            if not self.is_punct("]"):
                self.expect(",")
        self.advance()
        return {"type": "ArrayExpression", "elements": elements}

    def object(self) -> Node:
        self.advance()
        properties: list[Node] = []
        seen: set[str] = set()
        while not self.is_punct("}"):
            token = self.token
            if token.kind in ("ident", "keyword", "boolean", "null"):
                key: Node = {"type": "Identifier", "name": self.raw(token)}
            elif token.kind in ("string", "number"):
                key = {"type": "Literal", "value": token.value, "raw": self.raw(token)}
            else:
                raise self.unexpected()
            self.advance()
            self.expect(":")
            name = str(key.get("name", key.get("value")))
            if name in seen:
                raise self.scanner.error(
                    "Duplicate data property in object literal not allowed in strict mode",
                    token.start)
            seen.add(name)
            value = self.conditional()
            properties.append({"type": "Property", "key": key, "value": value, "kind": "init"})
            if not self.is_punct("}"):
                self.expect(",", regex_after=False)
        self.advance()
        return {"type": "ObjectExpression", "properties": properties}


def parse(text: str, path: str | None = None) -> Node:
    """Parse a Vega expression into an ESTree-shaped dict.

    Raises :class:`ExpressionSyntaxError` (a ``SpecError``) naming the expression, the character
    position and, when given, the spec path.
    """
    if not isinstance(text, str):
        from ..errors import SpecError

        raise SpecError(f"expression must be a string, got {type(text).__name__}", path=path)
    return _Parser(text, path).parse()
