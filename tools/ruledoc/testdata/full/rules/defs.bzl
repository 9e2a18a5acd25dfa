"""Public API of the example rules.

    load("@example//rules:defs.bzl", "thing")

    thing(name = "x", src = "x.txt")
"""

load("//rules/private:thing.bzl", _thing = "thing")
load("@example//rules/private:macros.bzl", _bundle = "bundle")
load(":providers.bzl", "ThingInfo")

# A public name bound to a private rule is documented from the rule() call.
thing = _thing

# Re-exported twice: the second name is documented from the same call.
_alias = _thing
other_thing = _alias

bundle = _bundle

# Constants and private names are left out.
VERSION = "1.2.3"
SUPPORTED = ["a", "b"]

def _helper(x):
    return x

def thing_set(name, srcs, *, visibility = None, _private = 1, **kwargs):
    """Makes one thing per source.

    The things are named `<name>_<src>`. A table cell | pipe is escaped.

    Args:
      name: The prefix of the targets' names.
      srcs: The sources, one per thing.

        A second paragraph of the description.
      visibility: Who may depend on the things.
      **kwargs: Passed to every thing.

    Returns:
      A list of the labels made, e.g.

          [":x_a", ":x_b"]

    Deprecated:
      Use bundle.
    """
    return [_thing(name = name + "_" + s, src = s, visibility = visibility, **kwargs) for s in srcs]

def undocumented(a, b = ThingInfo):
    return a

def configure(opts = {"k": ("a",)}, pair = ("a", "b"), cfg = struct(x = [1, 2])):
    """Defaults of every shape are written on one line.

    Args:
      opts: A dict of one-element tuples.
      pair: A tuple.
      cfg: A call with a keyword argument.
    """
    return opts, pair, cfg
