"""``blip-assistant describe-folder DIR -o alt.csv``: alt text for every image in a folder, resumable."""

from __future__ import annotations

import sys
from pathlib import Path

from assistant.cli.common import EXIT_BAD_INPUT, EXIT_OK, build_model, fail, fail_model, note
from assistant.cli.options import add_model_options, settings_for
from assistant.core.errors import AssistantError, terminal_safe
from assistant.i18n import _

DEFAULT_SERVER_WORKERS = 4


def add_parser(sub) -> None:
    """The ``describe-folder`` subcommand and its options."""
    f = sub.add_parser("describe-folder", help=_("alt text for every image in a folder (CSV or JSON), resumable"))
    f.add_argument("folder", metavar="DIR")
    f.add_argument("-o", "--output", required=True, metavar="ALT.csv|ALT.json",
                   help=_("where the alt text goes; images already in it are skipped (rerun to resume)"))
    f.add_argument("--recursive", action="store_true", help=_("include the images in subfolders"))
    f.add_argument("--ask", metavar="QUESTION", default="", help=_("also answer this question about each image"))
    f.add_argument("--workers", type=int, metavar="N",
                   help=_("requests in flight at once with --server (default {workers}); the local model runs one").format(
                       workers=DEFAULT_SERVER_WORKERS))
    f.add_argument("--max-new-tokens", type=int, metavar="N", help=_("longest answer, in tokens"))
    f.add_argument("-q", "--quiet", action="store_true", help=_("no progress bar (skipped files and errors still)"))
    add_model_options(f)


def run(args) -> int:
    """Exit codes as for ``describe``; what was done is kept whatever happens."""
    from assistant.cli.progress import progress_printer
    from assistant.core.batch import AltTextFile, describe_folder, pending_images

    folder = Path(args.folder)
    if not folder.is_dir():
        return fail(_('{folder} is not a folder.').format(folder=args.folder), EXIT_BAD_INPUT)
    if args.workers is not None and not 1 <= args.workers <= 64:
        return fail(_('--workers must be between 1 and 64, not {workers}').format(workers=args.workers), EXIT_BAD_INPUT)
    try:
        settings = settings_for(args)
        out = AltTextFile(Path(args.output))
    except ValueError as err:
        return fail(err, EXIT_BAD_INPUT)
    pending = pending_images(folder, out, args.recursive)
    todo, already = pending
    if not todo:  # nothing to do: no model is loaded for it
        print(_("all {already} images in {folder} are already in {output}").format(
            already=already, folder=args.folder, output=args.output), file=sys.stderr)
        return EXIT_OK
    workers = (args.workers or DEFAULT_SERVER_WORKERS) if settings.model.backend == "server" else 1
    models = []
    bar = None
    try:
        for n in range(workers):  # one client per request in flight; the local model is one
            models.append(build_model(settings, tell=n == 0))
            models[-1].load(progress_printer(args.quiet) if n == 0 else None)
        bar = _bar(already + len(todo), already, args.quiet)
        outcome = describe_folder(folder, out, models, question=args.ask, pending=pending,
                                  on_done=lambda row: bar.update(1),
                                  on_skip=lambda line: bar.write(terminal_safe(line), file=sys.stderr))
    except AssistantError as err:
        if bar is None:  # no model: nothing was done
            return fail_model(err)
        bar.close()  # before the error line, which must not share the bar's line
        return fail_model(err, _('What was done is in {output}: run the same command again to go on.').format(output=args.output))
    finally:
        if bar is not None:
            bar.close()
        for model in models:
            model.close()
    skipped = _(', {skipped} skipped (not images we can read)').format(skipped=outcome.skipped) if outcome.skipped else ""
    earlier = _(', {already} done before').format(already=outcome.already) if outcome.already else ""
    note(_("{described} images described{earlier}{skipped}; the alt text is in {output}.").format(
        described=outcome.described, earlier=earlier, skipped=skipped, output=args.output))
    return EXIT_OK


def _bar(total: int, done: int, quiet: bool):
    """A tqdm bar on stderr: one line redrawn on a terminal; on a pipe or a log, a line every 10 seconds at most."""
    from tqdm import tqdm

    return tqdm(total=total, initial=done, unit="image", file=sys.stderr, disable=quiet, dynamic_ncols=True,
                mininterval=0.5 if sys.stderr.isatty() else 10)
