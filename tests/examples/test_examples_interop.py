"""The sample clients' crypto against the sandbox's independent protocol code (runs without a server)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.protocol import envelope, hmac_auth

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def keys():
    return (rsa.generate_private_key(public_exponent=65537, key_size=2048),
            rsa.generate_private_key(public_exponent=65537, key_size=2048))


def test_hmac_example_signs_the_design_vector():
    example = load("hmac_launch")
    assert example.sign("RLCKb7Ae9kx4DXtXsCWjnDXtggFnM43W",
                        "EhjGcsUUuRSJTHiYPbW5fxzyaKEx0JuAZIKRQ4HnIfNFidB2kMg6locQbTIEz3Vf",
                        "1620621619569", b'{"id":123}') == \
        "8ebd092b9df2cf90e8ccbcab2ba87ee14f2abb25eb8f18b4d7286d42adcd45c2"
    assert example.sign("c", "s", "1", b"{}") == hmac_auth.sign("c", "s", "1", b"{}")


@pytest.mark.parametrize("suite", envelope.SUITES)
def test_envelope_example_login_opens_with_the_sandbox_code(keys, suite):
    example = load("envelope_login")
    partner, merchant = keys
    body = example.seal(["AC", "user-1", "dual", "hotel"], 4, suite, partner, merchant.public_key())
    fields = envelope.open_sealed(envelope.LOGIN_REQUEST, suite, body["key"], body["data"],
                                  receiver_private=merchant, sender_public=partner.public_key())
    assert (fields["access_code"], fields["user_id"], fields["layout"], fields["product"]) == \
        ("AC", "user-1", "dual", "hotel")


@pytest.mark.parametrize("suite", envelope.SUITES)
def test_envelope_example_opens_a_reply_sealed_by_the_sandbox_code(keys, suite):
    example = load("envelope_login")
    partner, merchant = keys
    sealed = envelope.seal(envelope.LOGIN_RESPONSE, suite,
                           {"access_code": "AC", "error_code": "00", "redirect_url": "http://h/w/launch?token=t"},
                           sender_private=merchant, receiver_public=partner.public_key())
    fields = example.open_reply(sealed.as_body(), 3, suite, partner, merchant.public_key())
    assert fields == ["AC", "00", "http://h/w/launch?token=t"]
    with pytest.raises(InvalidSignature):  # a reply signed by someone else must not open
        example.open_reply(sealed.as_body(), 3, suite, partner, partner.public_key())
