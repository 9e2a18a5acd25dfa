"""Stub of the supply-chain PackageMetadataInfo provider."""

PackageMetadataInfo = provider(
    doc = "Package metadata of a target (stub: nothing reads it here).",
    fields = ["metadata", "files_transitive"],
)
