"""The bare baseline of `make bench`: a one-line Flask app, served by gunicorn with the webview's own flags."""

from flask import Flask

app = Flask(__name__)
app.add_url_rule("/", "bare", lambda: "ok")
