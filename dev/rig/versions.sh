# Versions the rig installs. Bumping one re-runs the step that uses it.
# shellcheck shell=bash
RULES_GO_VERSION=v0.65.0
GAZELLE_VERSION=v0.54.0
# gazelle's go.work uses ./v2, which module zips leave out.
GAZELLE_V2_VERSION=v2.0.0-3
BUILDTOOLS_VERSION=v0.0.0-20260904073137-eaa4d125b423
CRANE_VERSION=v0.22.1
# cosign for nixpy_sign's tests, built from source (Debian has none).
COSIGN_VERSION=v2.6.5
# Debian sid packages installed in the rig's root folder (time, jq, bc and procps serve dev/bench; skopeo and umoci
# check that other OCI tools find an image of nixpy's layouts by its ref name; nginx is the HTTP remote cache of
# the remote-cache tests, with WebDAV PUT as Bazel documents; openssh reaches the remote Nix builder of the
# remote-builder test).
SID_PACKAGES="bazel-bootstrap bazel-rules-shell ca-certificates nix-bin docker-registry busybox-static python3 git patchelf file curl time jq bc pigz procps skopeo umoci nginx openssh-server openssh-client"
