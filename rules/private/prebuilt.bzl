"""Prebuilt nixpy binaries: a versions file, a repository per platform's binary, and a hub of toolchains."""

# rules_nixpy's own versions file: a release's pins, none in a development checkout.
DEFAULT_VERSIONS = Label("//rules/private:versions.json")

# The platforms releases are built for (GOOS_GOARCH), with the constraints a binary of each runs on.
PLATFORMS = {
    "darwin_amd64": ["@platforms//os:macos", "@platforms//cpu:x86_64"],
    "darwin_arm64": ["@platforms//os:macos", "@platforms//cpu:aarch64"],
    "linux_amd64": ["@platforms//os:linux", "@platforms//cpu:x86_64"],
    "linux_arm64": ["@platforms//os:linux", "@platforms//cpu:aarch64"],
}

def _fail(path, field, message):
    fail("{}: {}: {}".format(path, field, message))

def parse_versions(path, text):
    """Reads a versions file and checks it, failing with the file and the field at fault.

    The same format serves nixpy's and cosign's binaries (see cosign.bzl).

    Args:
      path: the file's name, for error messages.
      text: the file's JSON text.

    Returns:
      A struct with `version` and `binaries`, a dict from platform (e.g. "linux_amd64") to a struct with the
      binary's `urls` and `sha256`.
    """
    data = json.decode(text, default = None)
    if type(data) != "dict":
        fail("{}: not a JSON object; a versions file looks like rules_nixpy's rules/private/versions.json".format(path))
    version = data.get("version")
    if type(version) != "string" or not version:
        _fail(path, "version", "want the release's version as a string, got {}".format(repr(version)))
    urls = data.get("urls")
    if type(urls) != "list" or not urls or [u for u in urls if not _is_url_template(u)]:
        _fail(path, "urls", "want a list of URL templates, each with {platform}, or {os} and {arch} (and optionally {version}), got " + repr(urls))
    sha256 = data.get("sha256", {})
    if type(sha256) != "dict":
        _fail(path, "sha256", "want an object from platform to the binary's SHA-256, got " + repr(sha256))
    binaries = {}
    for platform, digest in sha256.items():
        if platform not in PLATFORMS:
            _fail(path, "sha256." + platform, "unknown platform; known: " + ", ".join(sorted(PLATFORMS)))
        if type(digest) != "string" or len(digest) != 64 or digest.strip("0123456789abcdef"):
            _fail(path, "sha256." + platform, "want 64 lowercase hex digits, got " + repr(digest))
        os, _, arch = platform.partition("_")
        binaries[platform] = struct(
            urls = [u.replace("{version}", version).replace("{platform}", platform).replace("{os}", os).replace("{arch}", arch) for u in urls],
            sha256 = digest,
        )
    return struct(version = version, binaries = binaries)

def _is_url_template(url):
    # {os} and {arch} spell a platform as other projects' release files do, e.g. cosign-linux-amd64.
    return type(url) == "string" and ("{platform}" in url or ("{os}" in url and "{arch}" in url))

def download_binary(rctx, urls, sha256, name = "nixpy"):
    """Downloads one executable file into the repository as `name`, checked against its SHA-256, and exports it.

    Args:
      rctx: the repository context.
      urls: where to download it from, tried in order.
      sha256: the file's SHA-256.
      name: the file's name in the repository.
    """
    rctx.download(
        url = urls,
        output = name,
        sha256 = sha256,
        executable = True,
    )
    rctx.file("BUILD.bazel", 'exports_files(["{}"])\n'.format(name))

def _binary_repository_impl(rctx):
    download_binary(rctx, rctx.attr.urls, rctx.attr.sha256, name = rctx.attr.binary)

binary_repository = repository_rule(
    implementation = _binary_repository_impl,
    doc = "Downloads one platform's binary of a versions file (nixpy's or cosign's), checked against its SHA-256.",
    attrs = {
        "binary": attr.string(default = "nixpy", doc = "The file's name in the repository, `//:NAME`."),
        "sha256": attr.string(mandatory = True, doc = "The binary's SHA-256."),
        "urls": attr.string_list(mandatory = True, doc = "Where to download the binary from, tried in order."),
    },
)

_HEADER = """\
load("@rules_nixpy//rules/private:toolchain.bzl", "nixpy_run_toolchain", "nixpy_toolchain")

package(default_visibility = ["//visibility:public"])
"""

# One binary serves both halves: the build actions' tool where it can execute, and the run targets' tool
# where it is the target.
_PLATFORM = """
nixpy_toolchain(
    name = "nixpy_{platform}",
    nixpy = "@{repo}//:nixpy",
)

toolchain(
    name = "toolchain_{platform}",
    exec_compatible_with = {constraints},
    toolchain = ":nixpy_{platform}",
    toolchain_type = "@rules_nixpy//rules:toolchain_type",
)

nixpy_run_toolchain(
    name = "nixpy_run_{platform}",
    nixpy = "@{repo}//:nixpy",
)

toolchain(
    name = "run_toolchain_{platform}",
    target_compatible_with = {constraints},
    toolchain = ":nixpy_run_{platform}",
    toolchain_type = "@rules_nixpy//rules:run_toolchain_type",
)
"""

# Registered last (`//unavailable:all`, after any toolchain built from source): a platform the versions file
# has no binary for gets an error that says so and what to do, instead of Bazel's "no matching toolchains".
_UNAVAILABLE = """\
load("@rules_nixpy//rules/private:toolchain.bzl", "nixpy_unavailable_toolchain")

package(default_visibility = ["//visibility:public"])

nixpy_unavailable_toolchain(
    name = "unavailable",
    message = {message},
)

toolchain(
    name = "unavailable_toolchain",
    toolchain = ":unavailable",
    toolchain_type = "@rules_nixpy//rules:toolchain_type",
)

toolchain(
    name = "unavailable_run_toolchain",
    toolchain = ":unavailable",
    toolchain_type = "@rules_nixpy//rules:run_toolchain_type",
)
"""

# How a user names a versions file of their own, or builds nixpy from source, by the way they use rules_nixpy.
_BZLMOD_HINT = "Use a release of rules_nixpy, give a versions file of your own (nixpy.prebuilt in MODULE.bazel), or build " + \
               "nixpy from source: bazel_dep(name = \"rules_nixpy_tools\") and " + \
               "register_toolchains(\"@rules_nixpy_tools//toolchain:all\") in your MODULE.bazel."

_WORKSPACE_HINT = "Use a release of rules_nixpy, or give a versions file of your own: " + \
                  "rules_nixpy_register_toolchains(versions = \"//:nixpy_versions.json\") in your WORKSPACE."

def _write_toolchains(rctx, binaries, version, versions, hint):
    parts = [_HEADER]
    for platform, repo in sorted(binaries.items()):
        parts.append(_PLATFORM.format(platform = platform, repo = repo, constraints = repr(PLATFORMS[platform])))
    if binaries:
        message = "{}: nixpy {} has prebuilt binaries for {} only, not for this platform. ".format(
            versions,
            version,
            ", ".join(sorted(binaries)),
        )
    else:
        message = "{}: nixpy {} lists no prebuilt binaries: this is a development checkout of rules_nixpy, not a release. ".format(
            versions,
            version,
        )
    rctx.file("BUILD.bazel", "".join(parts))
    rctx.file("unavailable/BUILD.bazel", _UNAVAILABLE.format(message = repr(message + hint)))

def _nixpy_toolchains_repository_impl(rctx):
    _write_toolchains(rctx, rctx.attr.binaries, rctx.attr.version, rctx.attr.versions, _BZLMOD_HINT)

nixpy_toolchains_repository = repository_rule(
    implementation = _nixpy_toolchains_repository_impl,
    doc = "The toolchains of the prebuilt nixpy binaries, one pair per platform (`:all`), and a fallback that explains a missing one (`//unavailable:all`).",
    attrs = {
        "binaries": attr.string_dict(doc = "Platform (e.g. linux_amd64) to the name of the repository holding its binary."),
        "version": attr.string(doc = "The nixpy version, for messages."),
        "versions": attr.string(doc = "The versions file the binaries come from, for messages."),
    },
)

# WORKSPACE. A WORKSPACE macro cannot read files, so there the repositories read the versions file themselves:
# one binary repository for every platform PLATFORMS knows (fetched only if its toolchain is chosen, so the
# versions file need not pin them all) and the hub, which lists the toolchains of the platforms the file pins.

_RELEASE_ATTRS = {
    "versions": attr.label(
        allow_single_file = [".json"],
        doc = "A versions file of your own; by default `NIXPY_VERSIONS_FILE` if set, else rules_nixpy's own.",
    ),
}

def _read_release(rctx):
    """Reads the versions file a WORKSPACE repository uses: its `versions`, else NIXPY_VERSIONS_FILE, else rules_nixpy's."""
    if rctx.attr.versions:
        name, path = str(rctx.attr.versions), rctx.path(rctx.attr.versions)
    elif rctx.os.environ.get("NIXPY_VERSIONS_FILE"):
        name = rctx.os.environ["NIXPY_VERSIONS_FILE"]
        path = rctx.path(name)
    else:
        name, path = str(DEFAULT_VERSIONS), rctx.path(DEFAULT_VERSIONS)
    return name, parse_versions(name, rctx.read(path))

def _nixpy_release_binary_repository_impl(rctx):
    name, release = _read_release(rctx)
    binary = release.binaries.get(rctx.attr.platform)
    if not binary:
        fail("{}: nixpy {} has no prebuilt binary for {}".format(name, release.version, rctx.attr.platform))
    download_binary(rctx, binary.urls, binary.sha256)

nixpy_release_binary_repository = repository_rule(
    implementation = _nixpy_release_binary_repository_impl,
    doc = "Downloads one platform's nixpy binary as a versions file lists it, checked against its SHA-256 (WORKSPACE).",
    attrs = dict(_RELEASE_ATTRS, platform = attr.string(
        mandatory = True,
        values = sorted(PLATFORMS),
        doc = "The binary's platform, GOOS_GOARCH.",
    )),
    environ = ["NIXPY_VERSIONS_FILE"],
)

def _nixpy_release_toolchains_repository_impl(rctx):
    name, release = _read_release(rctx)
    binaries = {platform: rctx.attr.repo_prefix + platform for platform in release.binaries}
    _write_toolchains(rctx, binaries, release.version, name, _WORKSPACE_HINT)

nixpy_release_toolchains_repository = repository_rule(
    implementation = _nixpy_release_toolchains_repository_impl,
    doc = "The toolchains of the prebuilt nixpy binaries a versions file pins (`:all`) and the fallback that explains a missing one (`//unavailable:all`), for WORKSPACE.",
    attrs = dict(_RELEASE_ATTRS, repo_prefix = attr.string(
        default = "nixpy_",
        doc = "The binary repositories' names without the platform.",
    )),
    environ = ["NIXPY_VERSIONS_FILE"],
)
