"""Whether the build is stamped (--stamp), as a provider rules can read."""

StampSettingInfo = provider(
    doc = "Whether --stamp is on.",
    fields = {"value": "bool: True when workspace status values may go into outputs."},
)

def _stamp_setting_impl(ctx):
    return [StampSettingInfo(value = ctx.attr.value)]

stamp_setting = rule(
    implementation = _stamp_setting_impl,
    doc = "Holds the --stamp setting, selected in BUILD from a config_setting.",
    attrs = {"value": attr.bool(doc = "True when --stamp is on.")},
)
