"""Attributes shared by the rules."""

# A default shared by name: the docs show its value, 3.
DEFAULT_COUNT = 3

COMMON_ATTRS = {
    "tags_extra": attr.string_list(doc = "More tags."),
    "mode": attr.string(doc = "Overridden by the rule's own."),
    "deps": attr.label_list(providers = [], doc = "Dependencies."),
    "env": attr.string_dict(),
    "outs": attr.output_list(doc = "Outputs."),
    "table": attr.string_list_dict(doc = "A dict of lists."),
    "by_label": attr.label_keyed_string_dict(doc = "Labels to strings."),
    "by_name": attr.string_keyed_label_dict(doc = "Strings to labels."),
    "sizes": attr.int_list(default = [1, 2], doc = "Sizes."),
    "enabled": attr.bool(default = True, doc = "Whether it is on."),
    "out": attr.output(doc = "The output."),
}

MODE_ATTR = attr.string(
    default = "fast",
    values = ["fast", "slow"],
    doc = "How to make it.",
)
