"""``blip-assistant describe-folder DIR -o alt.csv``: alt text for every image in a folder, resumable."""

from __future__ import annotations

import sys
from pathlib import Path

from assistant.core.errors import AssistantError, ModelUnavailableError, terminal_safe

DEFAULT_SERVER_WORKERS = 4


def add_parser(sub, add_model_options) -> None:
    f = sub.add_parser("describe-folder", help="alt text for every image in a folder (CSV or JSON), resumable")
    f.add_argument("folder", metavar="DIR")
    f.add_argument("-o", "--output", required=True, metavar="ALT.csv|ALT.json",
                   help="where the alt text goes; images already in it are skipped (rerun to resume)")
    f.add_argument("--recursive", action="store_true", help="include the images in subfolders")
    f.add_argument("--ask", metavar="QUESTION", default="", help="also answer this question about each image")
    f.add_argument("--workers", type=int, metavar="N",
                   help=f"requests in flight at once with --server (default {DEFAULT_SERVER_WORKERS}); the local model runs one")
    f.add_argument("--max-new-tokens", type=int, metavar="N", help="longest answer, in tokens")
    f.add_argument("-q", "--quiet", action="store_true", help="no progress bar (skipped files and errors still)")
    add_model_options(f)


def run(args) -> int:
    from assistant.cli import (
        EXIT_BAD_INPUT,
        EXIT_MODEL_FAILED,
        EXIT_NO_MODEL,
        EXIT_OK,
        _check_ranges,
        _fail,
        _note,
        build_model,
        settings_from_args,
    )
    from assistant.cli_progress import progress_printer
    from assistant.config import load_settings
    from assistant.core.batch import AltTextFile, describe_folder, find_images

    folder = Path(args.folder)
    if not folder.is_dir():
        return _fail(f"{args.folder} is not a folder.", EXIT_BAD_INPUT)
    if args.workers is not None and not 1 <= args.workers <= 64:
        return _fail(f"--workers must be between 1 and 64, not {args.workers}", EXIT_BAD_INPUT)
    saved, messages = load_settings()
    for message in messages:
        print(f"warning: {message}", file=sys.stderr)
    try:
        _check_ranges(args)
        settings = settings_from_args(args, saved)
        out = AltTextFile(Path(args.output))
    except ValueError as err:
        return _fail(err, EXIT_BAD_INPUT)
    images = {p.relative_to(folder).as_posix() for p in find_images(folder, args.recursive)}
    total, remaining = len(images), len(images - out.done)
    if remaining == 0:
        print(f"all {total} images in {args.folder} are already in {args.output}", file=sys.stderr)
        return EXIT_OK
    server = settings.model.backend == "server"
    workers = (args.workers or DEFAULT_SERVER_WORKERS) if server else 1
    models = []
    try:
        for _ in range(workers):
            model = build_model(settings) if not models else type(models[0])(settings.model, settings.generation)
            model.load(progress_printer(args.quiet) if not models else None)
            models.append(model)
    except ModelUnavailableError as err:
        return _fail(err, EXIT_NO_MODEL)
    except AssistantError as err:
        return _fail(err, EXIT_MODEL_FAILED)
    bar = _bar(total, total - remaining, args.quiet)
    try:
        outcome = describe_folder(folder, out, models, question=args.ask, recursive=args.recursive,
                                  on_done=lambda row: bar.update(1),
                                  on_skip=lambda line: bar.write(terminal_safe(line), file=sys.stderr))
    except ModelUnavailableError as err:
        bar.close()
        return _fail(f"{err} What was done is in {args.output}: run the same command again to go on.", EXIT_NO_MODEL)
    except AssistantError as err:
        bar.close()
        return _fail(f"{err} What was done is in {args.output}: run the same command again to go on.", EXIT_MODEL_FAILED)
    finally:
        for model in models:
            if hasattr(model, "close"):
                model.close()
    bar.close()
    skipped = f", {outcome.skipped} skipped (not images we can read)" if outcome.skipped else ""
    earlier = f", {outcome.already} done before" if outcome.already else ""
    _note(f"{outcome.described} images described{earlier}{skipped}; the alt text is in {args.output}.")
    return EXIT_OK


def _bar(total: int, done: int, quiet: bool):
    """A tqdm bar on stderr: one line redrawn on a terminal; on a pipe or a log, a line every 10 seconds at most."""
    from tqdm import tqdm

    return tqdm(total=total, initial=done, unit="image", file=sys.stderr, disable=quiet, dynamic_ncols=True,
                mininterval=0.5 if sys.stderr.isatty() else 10)
