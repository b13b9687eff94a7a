"""argparse's own words ("usage:", "options", "show this help message and exit", its error messages) in our catalogues.

argparse asks gettext's default domain, which has no translations; :func:`use` points its lookups at ours,
so ``--help`` and a mistyped option read in the interface's language. The strings are Python's own, listed
here so that ``pybabel extract`` puts them in the template (Python 3.9's "optional arguments" included).
"""

from __future__ import annotations

from assistant.i18n import N_

WORDS = (
    N_("usage: "), N_("options"), N_("optional arguments"), N_("positional arguments"),
    N_("show this help message and exit"), N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"), N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("argument %(argument_name)s: %(message)s"), N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"), N_("expected at least one argument"), N_("expected at most one argument"),
    N_("not allowed with argument %s"), N_("one of the arguments %s is required"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
)


def use() -> None:
    """From now on argparse says its words through the interface's catalogue."""
    import argparse

    from assistant import i18n

    argparse._ = i18n._
    argparse.ngettext = i18n.ngettext
