"""The message inspector: every exchange both ways, with signature inputs, verdicts and resend."""
