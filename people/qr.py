"""The QR code and the typed form of a new authenticator's secret, made on the server."""

from base64 import b32encode

import segno
from django.utils.safestring import SafeString, mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_qr_svg(device: TOTPDevice) -> SafeString:
    """Return an inline SVG QR code of the device's otpauth:// URL, for the authenticator app."""
    qr = segno.make(device.config_url, error="m")
    # Dark on a white square whatever the page's colour scheme: scanners need the contrast.
    svg = qr.svg_inline(scale=5, dark="#000", light="#fff", svgclass="qr-code")
    # segno writes every byte of this SVG itself: path data and fixed attributes only, no
    # text from the URL, so it is safe to insert unescaped.
    return mark_safe(svg)  # noqa: S308


def manual_key(device: TOTPDevice) -> str:
    """Return the device's secret in base32, in groups of four, for typing into an app."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
