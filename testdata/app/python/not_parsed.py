# No keyword of the Python rules: this file is never parsed (no parse-error either).
def broken(:
    TIMEOUT = None
