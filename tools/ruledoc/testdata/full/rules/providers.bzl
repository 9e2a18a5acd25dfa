"""Providers."""

ThingInfo = provider(
    doc = "What a thing makes.",
    fields = {
        "out": "File: the output.",
        "srcs": """depset of File: the sources,
            wrapped over two lines.""",
    },
)

LegacyInfo = provider(fields = ["a", "b"])

_CHECKED_DOC = "A provider with an init, whose raw constructor is private."

def _checked_info_init(value):
    return {"value": value}

CheckedInfo, _new_checked_info = provider(
    doc = _CHECKED_DOC,
    fields = {"value": "int: at least 0."},
    init = _checked_info_init,
)

_PrivateInfo = provider(fields = [])
