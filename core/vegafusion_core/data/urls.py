"""Where a dataset's ``url`` points: a local file, a vega-datasets file, or a remote address.

``data/<file>`` (the form of Vega's examples) and the usual vega-datasets addresses (jsDelivr,
unpkg, vega.github.io, raw.githubusercontent.com) resolve to the files of the vega-datasets npm
package, looked up in ``data_dirs``: charts then work offline and read the exact files the Vega
oracle reads. Other http(s) addresses are read by DuckDB's httpfs only when allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence
from urllib.parse import unquote, urlparse

from ..errors import SpecError, UnsupportedError

_REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_DATA_DIRS: tuple[Path, ...] = (
    _REPO_ROOT / "tests" / "oracle" / "node_modules" / "vega-datasets" / "data",
    # Files vega-datasets 3 dropped (weather.json, iris.json, seattle-temps.csv, ...).
    _REPO_ROOT / "tests" / "oracle" / "node_modules" / "vega-datasets-v1" / "data",
)

_VEGA_DATASETS = [
    re.compile(r"https?://cdn\.jsdelivr\.net/npm/vega-datasets(?:@[^/]+)?/data/(?P<file>.+)"),
    re.compile(r"https?://unpkg\.com/vega-datasets(?:@[^/]+)?/data/(?P<file>.+)"),
    re.compile(r"https?://vega\.github\.io/vega-datasets/data/(?P<file>.+)"),
    re.compile(r"https?://raw\.githubusercontent\.com/vega/vega-datasets/[^/]+/data/(?P<file>.+)"),
    re.compile(r"(?:\./)?data/(?P<file>[^:]+)"),
]
_TABLE_SCHEMES = ("table://", "vegafusion+dataset://")


@dataclass(frozen=True)
class ResolvedUrl:
    """``kind`` is "table" (an inline dataset's name), "file" (a local path) or "remote"."""

    kind: str
    target: str
    url: str


def inline_dataset_name(url: str) -> str | None:
    """The name in ``table://NAME`` / ``vegafusion+dataset://NAME``, else None."""
    for scheme in _TABLE_SCHEMES:
        if url.startswith(scheme):
            return url[len(scheme):]
    return None


def _vega_datasets_file(url: str) -> str | None:
    for pattern in _VEGA_DATASETS:
        m = pattern.fullmatch(url.split("?", 1)[0].split("#", 1)[0])
        if m:
            return unquote(m["file"])
    return None


def resolve_url(url: str, *, data_dirs: Sequence[str | Path] | None = None,
                base_dir: str | Path | None = None, allow_remote: bool = False,
                path: str = "url") -> ResolvedUrl:
    """Resolve a dataset ``url``; raise SpecError naming the URL when it cannot be read."""
    if not isinstance(url, str) or not url:
        raise SpecError(f"a data url must be a non-empty string, got {url!r}", path=path)
    name = inline_dataset_name(url)
    if name is not None:
        return ResolvedUrl("table", name, url)
    dirs = [Path(d) for d in (DEFAULT_DATA_DIRS if data_dirs is None else data_dirs)]
    file = _vega_datasets_file(url)
    if file is not None:
        if ".." in Path(file).parts:
            raise SpecError(f"data url {url!r} leaves the data directories", path=path)
        for directory in dirs:
            candidate = directory / file
            if candidate.is_file():
                return ResolvedUrl("file", str(candidate), url)
    searched = ", ".join(str(d) for d in dirs) or "(no data_dirs)"
    parsed = urlparse(url)
    if parsed.scheme in ("http", "https"):
        if not allow_remote:
            local = f", its file {file!r} is not in {searched}," if file is not None else ""
            raise UnsupportedError(
                f"data url {url!r} is remote{local} and remote reads are not allowed (pass "
                "allow_remote=True, or use a local file or an inline dataset)", path=path)
        return ResolvedUrl("remote", url, url)
    if parsed.scheme == "file":
        local = Path(unquote(parsed.path))
    elif parsed.scheme in ("", ) or re.fullmatch(r"[A-Za-z]", parsed.scheme or ""):
        local = Path(url)
        if not local.is_absolute() and base_dir is not None:
            local = Path(base_dir) / local
    else:
        raise SpecError(f"data url {url!r}: unsupported scheme {parsed.scheme!r}", path=path)
    if not local.is_file():
        where = f" nor in the data directories ({searched})" if file is not None else ""
        raise SpecError(f"data url {url!r}: file {str(local)!r} does not exist{where}",
                        path=path)
    return ResolvedUrl("file", str(local), url)
