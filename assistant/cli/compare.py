"""``blip-assistant compare OLD NEW``: what changed between two images of the same window or screen.

The same comparison as the window's "What changed?" (``core.watch.compare``): new text,
text gone, and the areas that changed without text, the largest described by the model
(``--no-model`` leaves it out; a model that cannot load is a warning, never a failure:
the text is the answer).
"""

from __future__ import annotations

import json

from assistant.cli.common import EXIT_BAD_INPUT, EXIT_OK, build_model, fail, warn
from assistant.cli.options import add_model_options, settings_for
from assistant.core.errors import AssistantError, ImageError, terminal_safe
from assistant.i18n import _


def add_parser(sub) -> None:
    """The ``compare`` subcommand and its options."""
    c = sub.add_parser("compare", help=_("what changed between two images of the same window or screen"))
    c.add_argument("old", help=_("the earlier image"))
    c.add_argument("new", help=_("the later image"))
    c.add_argument("--no-model", action="store_true", help=_("do not describe the changed areas with the model"))
    add_model_options(c)
    c.add_argument("--max-new-tokens", type=int, metavar="N", help=_("longest description of an area, in tokens"))
    c.add_argument("--json", action="store_true", help=_("print one JSON object on stdout"))
    c.add_argument("-q", "--quiet", action="store_true", help=_("no progress on stderr (warnings and errors still)"))


def run(args) -> int:
    """Exit codes: 0 ok (changed or not); 2 bad input."""
    from assistant.core.capture.images import load_image
    from assistant.core.text.reader import RapidTextReader, TextReadError
    from assistant.core.watch.compare import area_images, compare

    try:
        settings = settings_for(args)
        old, new = load_image(args.old), load_image(args.new)
    except (ImageError, ValueError) as err:
        return fail(err, EXIT_BAD_INPUT)
    reader = RapidTextReader()
    try:
        old_lines, new_lines = reader.read(old), reader.read(new)
    except TextReadError as err:
        warn([_('{err} Only the pixels are compared.').format(err=err)])
        old_lines = new_lines = []
    if old.size != new.size:
        warn([_("the images differ in size ({before} and {after}): only their text is compared.").format(
            before=f"{old.width}x{old.height}", after=f"{new.width}x{new.height}")])
    result = compare(old, old_lines, new, new_lines)
    if result.areas and not args.no_model:
        try:
            result.captions[0] = _describe(settings, area_images(result, old, new)[0], args.quiet)
        except AssistantError as err:
            warn([_('the changed area is not described: {err}').format(err=err)])
    if args.json:
        print(json.dumps({"old": args.old, "new": args.new, **result.to_dict()}, ensure_ascii=False))
    else:
        print(terminal_safe(result.sentence()))
    return EXIT_OK


def _describe(settings, image, quiet: bool) -> str:
    from assistant.cli.progress import progress_printer

    model = build_model(settings)
    try:
        model.load(progress_printer(quiet))
        return model.caption(image).text.strip()
    finally:
        model.close()
