"""Integration styles, partner side: the sandbox's own reading of docs/partners/styles.md.

Written from the partner document alone, apart from webview's engine (`webview.styles`), so that one mistake
cannot hide itself on both sides of the wire. A style is used here as plain data (the JSON document):

* `build_status_in` writes and signs the partner's status-in call (its IPN) in the style;
* `read_answer` tells which outcome the merchant's answer to it means;
* `read_call` verifies one of the merchant's create/query/refund calls and recovers the values it carries by
  matching the call against the style's templates;
* `build_call_answer` writes the partner's answer to such a call.

Modules: `wire` (templates, value text, URL encodings, amounts, timestamps), `signing` (canonical strings,
signatures), `status_in` (the IPN and the answer to it), `calls` (the merchant's calls and our answers).
The pieces (templates, value text, URL encodings, canonical strings, signatures, amounts, timestamps) are public
for the unit tests, which check them against the published vectors (docs/partners/styles/vectors.json).
"""

from sandbox.protocol.styles.calls import (  # noqa: F401  (the package's public names)
    CallReading,
    build_call_answer,
    read_call,
    refusal_code,
)
from sandbox.protocol.styles.signing import (  # noqa: F401  (the package's public names)
    Keys,
    Message,
    canonical_bytes,
    decode_signature,
    sign_bytes,
    signature_field,
    verify_bytes,
)
from sandbox.protocol.styles.status_in import (  # noqa: F401  (the package's public names)
    AnswerReading,
    StatusReport,
    WireRequest,
    build_status_in,
    can_report,
    put_at,
    read_answer,
    status_value,
)
from sandbox.protocol.styles.wire import (  # noqa: F401  (the package's public names)
    CLIENT_SECRET,
    FORM_SAFE,
    GMT7,
    HASHES,
    OUTCOME_CODES,
    PERCENT_SAFE,
    MessageInvalid,
    StyleProblem,
    Var,
    amount_from_wire,
    amount_spec,
    amount_to_wire,
    form_encode,
    form_pairs,
    match_template,
    parse_pairs,
    percent_encode,
    render,
    render_text,
    sole_variable,
    template_parts,
    timestamp_from_wire,
    timestamp_to_wire,
    value_text,
)
