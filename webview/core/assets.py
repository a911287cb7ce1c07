"""Static files under content-hashed URLs, cached forever by browsers and proxies."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, Response, current_app, request, url_for

IMMUTABLE = "public, max-age=31536000, immutable"
HASH_LENGTH = 12

# path -> (mtime_ns, size, digest): recomputed only when the file changes on disk
_digests: dict[Path, tuple[int, int, str]] = {}


def static_path(filename: str) -> Path:
    """The file behind a static filename; ValueError if it escapes the static folder or is missing."""
    root = Path(current_app.static_folder).resolve()
    path = (root / filename).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise ValueError(f"no static file {filename!r}")
    return path


def content_hash(filename: str) -> str:
    """The first hex digits of the file's SHA-256, cached until the file changes."""
    path = static_path(filename)
    stat = path.stat()
    cached = _digests.get(path)
    if cached and cached[0] == stat.st_mtime_ns and cached[1] == stat.st_size:
        return cached[2]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]
    _digests[path] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


def asset_url(filename: str) -> str:
    """The URL of a static file with its content hash, e.g. /static/css/app.css?v=3f9a1c2b7d10."""
    return url_for("static", filename=filename, v=content_hash(filename))


def cache_hashed_assets(response: Response) -> Response:
    """after_request hook: a static file asked for by its current hash is cached for a year."""
    if request.endpoint != "static" or response.status_code != 200:
        return response
    filename = (request.view_args or {}).get("filename", "")
    try:
        current = content_hash(filename)
    except ValueError:
        return response
    if request.args.get("v") == current:
        response.headers["Cache-Control"] = IMMUTABLE
        response.headers.pop("Expires", None)
    else:  # an unversioned or stale link: always revalidate
        response.headers["Cache-Control"] = "no-cache"
    return response


def init_app(app: Flask) -> None:
    """Install the cache hook and the `asset_url()` template global."""
    app.after_request(cache_hashed_assets)
    app.jinja_env.globals["asset_url"] = asset_url
