"""Flask extensions, created once and bound in create_app."""

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from webview.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
csrf = CSRFProtect()
babel = Babel()
compress = Compress()  # gzip/brotli answers for clients that ask (Accept-Encoding), pages and API alike
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
