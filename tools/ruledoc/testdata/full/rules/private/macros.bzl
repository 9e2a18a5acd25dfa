"""A macro documented through a load with the repository's own name."""

def bundle(name, things = [], **kwargs):
    """Bundles things.

    Args:
      name: The bundle's name.
      things: The things, a list of labels of
        thing targets.
    """
    native.filegroup(name = name, srcs = things, **kwargs)
