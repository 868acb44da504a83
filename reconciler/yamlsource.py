"""Read YAML safely and remember where every value came from.

``parse_yaml`` turns text into plain Python data (dicts, lists, str, int, float, bool, None)
plus two side tables that map a path (``("prompts", "login-password", 0, "label")``) to the
``SourceLocation`` of the value and of its mapping key. The loader:

- is a ``yaml.SafeLoader`` subclass: no Python objects, no custom tags;
- refuses duplicate keys (PyYAML silently keeps the last one) and names both lines;
- refuses oversized input (``MAX_FILE_BYTES``), deep nesting (``MAX_DEPTH``) and alias bombs
  ("billion laughs", ``MAX_EXPANDED_NODES``) before they cost time or memory;
- turns every PyYAML error into a ``ConfigError`` with file:line:col.

Several problems found in one file are raised together as one ``ConfigErrors``.

Speed: libyaml (PyYAML's C extension) scans and parses when it is installed, and the nodes are
composed in Python from its events, under the same limits (``_FastLoader``): about eight times
faster than PyYAML's pure-Python scanner. Any text libyaml refuses, or that crosses a limit, is
read again by the pure-Python ``LocatingLoader``, so every error (its wording and its
file:line:col) is the one that loader gives; without libyaml, ``LocatingLoader`` reads every file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from textwrap import indent

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver
from yaml.tokens import Token

from reconciler.errors import ConfigError, SourceLocation

__all__ = [
    "MAX_DEPTH",
    "MAX_EXPANDED_NODES",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "ConfigErrors",
    "LocatingLoader",
    "YamlDocument",
    "YamlPath",
    "load_yaml",
    "parse_yaml",
]

#: Largest tenant file read, in bytes. Real ones are a few kilobytes.
MAX_FILE_BYTES = 1024 * 1024
#: Most nodes (scalars, lists, mappings) the parser composes from one file.
MAX_NODES = 10_000
#: Most values the data may hold once aliases are expanded (defeats "billion laughs").
MAX_EXPANDED_NODES = 10_000
#: Deepest nesting of lists and mappings.
MAX_DEPTH = 64

#: Where a value sits in the data: mapping keys and list indexes from the root.
YamlPath = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_TAG + name for name in ("str", "int", "float", "bool", "null"))
_TIMESTAMP_TAG = _TAG + "timestamp"
_MERGE_TAG = _TAG + "merge"
_SYNTAX_HINT = (
    "check the indentation (spaces, not tabs) and the quoting near this place; quote values "
    "that contain ': ' or ' #', or start with one of { } [ ] & * ! | > ' \" % @ `"
)


class ConfigErrors(ConfigError):
    """Several ``ConfigError`` at once; ``errors`` holds each, sorted by location.

    With one problem it reads exactly like that problem; with more, its message lists every
    problem with its own file:line:col and hint.
    """

    def __init__(self, errors: Iterable[ConfigError]) -> None:
        problems = _flatten(errors)
        if not problems:
            raise ValueError("ConfigErrors needs at least one error")
        first = problems[0]
        self.errors: tuple[ConfigError, ...] = problems
        if len(problems) == 1:
            super().__init__(first.message, location=first.location, hint=first.hint)
        else:
            super().__init__(_summary(problems), location=first.location)

    def __str__(self) -> str:
        if len(self.errors) == 1:
            return str(self.errors[0])
        return self.message


def _flatten(errors: Iterable[ConfigError]) -> tuple[ConfigError, ...]:
    flat: list[ConfigError] = []
    seen: set[tuple[str, str]] = set()
    for error in errors:
        for one in error.errors if isinstance(error, ConfigErrors) else (error,):
            key = (str(one.location), one.message)
            if key not in seen:
                seen.add(key)
                flat.append(one)
    return tuple(sorted(flat, key=_sort_key))


def _sort_key(error: ConfigError) -> tuple[str, int, int]:
    where = error.location
    return (str(where.file), where.line, where.column) if where else ("", 0, 0)


def _summary(problems: tuple[ConfigError, ...]) -> str:
    files = {str(p.location.file) for p in problems if p.location}
    where = f" in {next(iter(files))}" if len(files) == 1 else f" in {len(files)} files"
    body = "\n".join(indent(str(p), "  ") for p in problems)
    return f"{len(problems)} problems{where}:\n{body}"


@dataclass(frozen=True)
class YamlDocument:
    """Plain data from one YAML file and where each value and key starts in it."""

    file: Path
    data: object
    value_locations: Mapping[YamlPath, SourceLocation]
    key_locations: Mapping[YamlPath, SourceLocation]

    def location(self, path: YamlPath) -> SourceLocation:
        """Where the value at ``path`` starts (or its nearest known ancestor)."""
        for end in range(len(path), -1, -1):
            found = self.value_locations.get(path[:end])
            if found is not None:
                return found
        return SourceLocation(self.file, 1, 1)

    def key_location(self, path: YamlPath) -> SourceLocation:
        """Where the mapping key naming ``path`` starts; the value's place if it has no key."""
        return self.key_locations.get(path) or self.location(path)


class _Limits:
    """Composing with at most ``MAX_NODES`` nodes and ``MAX_DEPTH`` levels (a loader mixin)."""

    _node_count = 0
    _depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        self._node_count += 1
        self._depth += 1
        try:
            if self._node_count > MAX_NODES:
                raise _limit_error(f"more than {MAX_NODES} values", self._next_mark())
            if self._depth > MAX_DEPTH:
                raise _limit_error(
                    f"values nested deeper than {MAX_DEPTH} levels", self._next_mark()
                )
            node: Node | None = super().compose_node(parent, index)  # type: ignore[misc]
            return node
        finally:
            self._depth -= 1

    def _next_mark(self) -> Mark | None:
        event = self.peek_event()  # type: ignore[attr-defined]
        mark: Mark | None = getattr(event, "start_mark", None)
        return mark


class LocatingLoader(_Limits, yaml.SafeLoader):
    """A SafeLoader that stops composing at ``MAX_NODES`` nodes or ``MAX_DEPTH`` levels."""

    def fetch_flow_collection_start(self, TokenClass: type[Token]) -> None:
        # The scanner keeps one pending simple key per open "[" or "{": stop deep flow nesting
        # here, before it costs quadratic time.
        if self.flow_level >= MAX_DEPTH:
            raise yaml.scanner.ScannerError(
                None,
                None,
                f"the file holds values nested deeper than {MAX_DEPTH} levels",
                self.get_mark(),
            )
        super().fetch_flow_collection_start(TokenClass)


try:
    from yaml._yaml import CParser as _CParser
except ImportError:  # PyYAML built without libyaml
    _CParser = None  # type: ignore[assignment, misc]

if _CParser is not None:

    class _FastLoader(_Limits, Composer, _CParser, SafeConstructor, Resolver):
        """libyaml's events, composed in Python under the limits of ``LocatingLoader``.

        libyaml nests at most 1,000 levels itself and streams its events, so a deep or huge
        input stops early here too. Its errors are never shown: the text is read again by
        ``LocatingLoader`` (see ``parse_yaml``).
        """

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    FAST_LOADER: type | None = _FastLoader
else:  # PyYAML built without libyaml
    FAST_LOADER = None


def _limit_error(what: str, mark: Mark | None) -> yaml.composer.ComposerError:
    return yaml.composer.ComposerError(None, None, f"the file holds {what}", mark)


def load_yaml(path: Path) -> YamlDocument:
    """Read and parse one YAML file; every problem is a ``ConfigError``."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ConfigError(
            f"cannot read the file: {error.strerror or error}",
            location=SourceLocation(path),
            hint="check that the path exists and is a readable file",
        ) from None
    _check_size(len(raw), path)
    return parse_yaml(_decode(raw, path), path)


def _check_size(size: int, file: Path) -> None:
    if size > MAX_FILE_BYTES:
        raise ConfigError(
            f"the file is larger than the {MAX_FILE_BYTES // 1024} KiB limit for tenant files",
            location=SourceLocation(file),
            hint="a tenant file holds a few prompts; split it or check it is the right file",
        )


def _decode(raw: bytes, file: Path) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise ConfigError(
            f"the file is not valid UTF-8 (byte 0x{raw[error.start]:02x})",
            location=SourceLocation(file, line, column),
            hint="save the file as UTF-8",
        ) from None


def parse_yaml(text: str, file: Path, *, fast: bool = True) -> YamlDocument:
    """Parse YAML text read from ``file`` (used in messages) into a ``YamlDocument``.

    An empty document (nothing but comments or whitespace) gives ``data`` None. ``fast=False``
    reads with the pure-Python loader only: the reference the libyaml path must agree with.
    """
    _check_size(len(text.encode("utf-8", "surrogatepass")), file)
    if fast and FAST_LOADER is not None and _libyaml_reads_alike(text):
        try:
            return _parse_with(FAST_LOADER, text, file)
        except (yaml.YAMLError, UnicodeError, RecursionError):
            pass  # read again below, for the pure-Python loader's own error and location
    try:
        return _parse_with(LocatingLoader, text, file)
    except yaml.YAMLError as error:
        raise _from_yaml_error(error, file, text) from None
    except RecursionError:
        raise ConfigError(
            "the file is nested too deeply to read",
            location=SourceLocation(file, 1, 1),
            hint="a tenant file is a few levels deep; check it is the right file",
        ) from None


#: Where libyaml and PyYAML's pure-Python scanner disagree (one accepts what the other refuses,
#: or they read it differently): tabs between tokens, a byte order mark past the start, tags
#: (``!`` where a token starts; tenant files have none), a block scalar header other than
#: ``|``/``>`` with chomping and indentation indicators.
_LIBYAML_DIFFERS = re.compile(
    r"[\t\ufeff]|(?:^|[\s\[\]{},])(?:!|[|>](?![-+]?[1-9]?[-+]?(?:\n| )))", re.MULTILINE
)


def _libyaml_reads_alike(text: str) -> bool:
    """Whether libyaml reads ``text`` exactly as the pure-Python loader does: conservatively
    (``_LIBYAML_DIFFERS``), and only for text ending in a line break (at an end without one,
    an empty value gets another place). Other files take the pure-Python loader."""
    return text.endswith("\n") and _LIBYAML_DIFFERS.search(text) is None


def _parse_with(loader_class: type, text: str, file: Path) -> YamlDocument:
    """The document as ``loader_class`` composes it; raises what composing raises."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(file, None, {}, {})
        return _Builder(loader, file).document(node)
    finally:
        loader.dispose()


class _Builder:
    """Walks composed nodes into plain data, recording locations and collecting problems."""

    def __init__(self, loader: SafeConstructor, file: Path) -> None:
        self.loader = loader
        self.file = file
        self.values: dict[YamlPath, SourceLocation] = {}
        self.keys: dict[YamlPath, SourceLocation] = {}
        self.problems: list[ConfigError] = []
        self.expanded = 0
        self.active: set[int] = set()

    def document(self, node: Node) -> YamlDocument:
        data = self.value(node, ())
        if self.problems:
            raise ConfigErrors(self.problems)
        return YamlDocument(self.file, data, self.values, self.keys)

    def at(self, mark: Mark | None) -> SourceLocation:
        if mark is None:
            return SourceLocation(self.file, 1, 1)
        return SourceLocation(self.file, mark.line + 1, mark.column + 1)

    def problem(self, message: str, node: Node, hint: str | None = None) -> None:
        self.problems.append(ConfigError(message, location=self.at(node.start_mark), hint=hint))

    def value(self, node: Node, path: YamlPath) -> object:
        self._count(node, path)
        self.values[path] = self.at(node.start_mark)
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if id(node) in self.active:
            raise ConfigError(
                "an alias refers to a value that contains it",
                location=self.at(node.start_mark),
                hint="aliases (*name) may only repeat a value defined elsewhere",
            )
        self.active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self.mapping(node, path)
            if isinstance(node, SequenceNode):
                return self.sequence(node, path)
        finally:
            self.active.discard(id(node))
        self.problem("unsupported YAML node", node)
        return None

    def _count(self, node: Node, path: YamlPath) -> None:
        self.expanded += 1
        if self.expanded > MAX_EXPANDED_NODES:
            raise ConfigError(
                f"the file expands to more than {MAX_EXPANDED_NODES} values through aliases",
                location=self.at(node.start_mark),
                hint="an alias (*name) repeats a whole value; this looks like an alias bomb",
            )
        if len(path) > MAX_DEPTH:
            raise ConfigError(
                f"aliases nest values deeper than {MAX_DEPTH} levels",
                location=self.at(node.start_mark),
                hint="a tenant file is a few levels deep; check the aliases (*name)",
            )

    def scalar(self, node: ScalarNode) -> object:
        if node.tag == _TIMESTAMP_TAG:
            return str(node.value)
        if node.tag not in _SCALAR_TAGS:
            self.problem(
                f"unsupported YAML tag {_short_tag(node.tag)}",
                node,
                "tenant files hold plain text, numbers, true/false, lists and mappings",
            )
            return None
        try:
            value = self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as error:
            self.problem(f"cannot read this value: {_first_line(error)}", node, "quote it")
            return None
        except LookupError:  # PyYAML's constructors index into an empty or unknown value
            self.problem(f"cannot read this value as {_short_tag(node.tag)}", node, "quote it")
            return None
        if isinstance(value, str) and not _is_unicode(value):
            self.problem(_LONE_SURROGATE, node, _LONE_SURROGATE_HINT)
            return None
        return value

    def sequence(self, node: SequenceNode, path: YamlPath) -> list[object]:
        if node.tag != _TAG + "seq":
            self.problem(f"unsupported YAML tag {_short_tag(node.tag)}", node, "write a plain list")
        return [self.value(child, (*path, index)) for index, child in enumerate(node.value)]

    def mapping(self, node: MappingNode, path: YamlPath) -> dict[str, object]:
        if node.tag != _TAG + "map":
            self.problem(
                f"unsupported YAML tag {_short_tag(node.tag)}", node, "write a plain mapping"
            )
        result: dict[str, object] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node)
            if key is None:
                continue
            line = self.at(key_node.start_mark).line
            if key in first_line:
                self.problem(
                    f"duplicate key '{key}': first at line {first_line[key]}, again at line {line}",
                    key_node,
                    "YAML would silently keep only the last one; remove one or merge them",
                )
                continue
            first_line[key] = line
            self.keys[(*path, key)] = self.at(key_node.start_mark)
            result[key] = self.value(value_node, (*path, key))
        return result

    def key(self, node: Node) -> str | None:
        if not isinstance(node, ScalarNode):
            self.problem("a mapping key must be plain text, not a list or mapping", node)
            return None
        if node.tag == _MERGE_TAG:
            self.problem(
                "merge keys (<<) are not supported",
                node,
                "repeat the keys, or use an alias (*name) for a whole value",
            )
            return None
        if not _is_unicode(str(node.value)):
            self.problem(_LONE_SURROGATE, node, _LONE_SURROGATE_HINT)
            return None
        if node.tag != _TAG + "str":
            self.problem(
                f"the key {node.value!r} is not read as text by YAML",
                node,
                f"quote it: '{node.value}'",
            )
            return None
        return str(node.value)


_LONE_SURROGATE = (
    "this text is not valid Unicode: it holds a lone surrogate (an escape like \\ud800)"
)
_LONE_SURROGATE_HINT = (
    "write the character itself, or a pair of surrogate escapes for one character"
)


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _from_yaml_error(error: yaml.YAMLError, file: Path, text: str) -> ConfigError:
    if isinstance(error, yaml.MarkedYAMLError):
        return _from_marked_error(error, file)
    if isinstance(error, yaml.reader.ReaderError):
        position = int(error.position)
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        character = error.character
        if isinstance(character, str) and len(character) == 1:
            character = ord(character)
        code = f"#x{character:04x}" if isinstance(character, int) else repr(character)
        return ConfigError(
            f"invalid YAML: character {code} is not allowed ({error.reason})",
            location=SourceLocation(file, line, column),
            hint="remove control characters from the file",
        )
    return ConfigError(
        f"invalid YAML: {_first_line(error)}", location=SourceLocation(file, 1, 1), hint=None
    )


def _from_marked_error(error: yaml.MarkedYAMLError, file: Path) -> ConfigError:
    mark = error.problem_mark or error.context_mark
    location = (
        SourceLocation(file, mark.line + 1, mark.column + 1) if mark else SourceLocation(file)
    )
    problem = error.problem or error.context or "the text is not valid YAML"
    context = error.context if error.problem else None
    if context and error.context_mark and error.context_mark is not mark:
        context = f"{context} at line {error.context_mark.line + 1}"
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    hint = _SYNTAX_HINT
    if "\\t" in problem or "\t" in problem:
        hint = "YAML indents with spaces; replace the tab characters with spaces"
    elif "expected a single document" in message:
        hint = "a tenant file holds one YAML document; remove the extra '---' and what follows"
    elif problem.startswith("the file holds"):
        hint = "a tenant file is small and shallow; check it is the right file"
    return ConfigError(message, location=location, hint=hint)
