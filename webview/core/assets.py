"""Static files under content-hashed URLs, cached forever by browsers and proxies."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, Response, current_app, has_request_context, request, url_for

IMMUTABLE = "public, max-age=31536000, immutable"
HASH_LENGTH = 12

# The hashes and URLs of this app's static files: app.extensions[CACHE] = {(static folder, filename): (path,
# (mtime_ns, size), digest)}
# and app.extensions[URLS] = {(filename, digest, script root): url}. Filled on first use; afterwards a production
# process touches no disk for them (a changed static file ships with a deploy, which restarts the processes), and
# an app that reloads its templates (debug, TEMPLATES_AUTO_RELOAD) stats the file once per use to notice an edit.
CACHE = "webview.asset_hashes"
URLS = "webview.asset_urls"


def static_path(filename: str) -> Path:
    """The file behind a static filename; ValueError if it escapes the static folder or is missing."""
    root = Path(current_app.static_folder).resolve()
    path = (root / filename).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise ValueError(f"no static file {filename!r}")
    return path


def checks_disk(app: Flask) -> bool:
    """Whether static files are re-checked on each use: when templates reload (Flask's rule: the setting, else
    debug)."""
    setting = app.config.get("TEMPLATES_AUTO_RELOAD")
    return bool(app.debug if setting is None else setting)


def content_hash(filename: str) -> str:
    """The first hex digits of the file's SHA-256, computed once per process (see CACHE)."""
    app = current_app._get_current_object()
    cache = app.extensions.setdefault(CACHE, {})
    entry = cache.get((app.static_folder, filename))
    if entry is not None and not checks_disk(app):
        return entry[2]
    path = entry[0] if entry is not None else static_path(filename)
    try:
        stat = path.stat()
    except OSError:
        cache.pop((app.static_folder, filename), None)
        raise ValueError(f"no static file {filename!r}") from None
    version = (stat.st_mtime_ns, stat.st_size)
    if entry is not None and entry[1] == version:
        return entry[2]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]
    cache[(app.static_folder, filename)] = (path, version, digest)
    return digest


def asset_url(filename: str) -> str:
    """The URL of a static file with its content hash, e.g. /static/css/app.css?v=3f9a1c2b7d10."""
    digest = content_hash(filename)
    if not has_request_context():
        return url_for("static", filename=filename, v=digest)
    urls = current_app.extensions.setdefault(URLS, {})
    key = (filename, digest, request.script_root)
    url = urls.get(key)
    if url is None:
        url = urls[key] = url_for("static", filename=filename, v=digest)
    return url


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
