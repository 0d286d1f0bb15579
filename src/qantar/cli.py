"""The ``qantar`` command line: check the data and the quotations, show an excerpt."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qantar.data import DataError, validate_all
from qantar.excerpts import default_archive, excerpt, verify_quotes


def command_validate(arguments: argparse.Namespace) -> int:
    counts = validate_all(arguments.data)
    for name, count in counts.items():
        print(f"{name:<16} {count:>5} rows  ok")
    return 0


def command_check_quotes(arguments: argparse.Namespace) -> int:
    archive = Path(arguments.archive) if arguments.archive else default_archive()
    if archive is None or not archive.is_dir():
        print("No archive of full texts found: set --archive or QANTAR_SOURCE_ARCHIVE "
              "(the maintainers keep it in ../shared/seeds).", file=sys.stderr)
        return 2
    problems, checked = verify_quotes(archive, arguments.data)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{checked} quotations checked against {archive}: {len(problems)} not verbatim")
    return 1 if problems else 0


def command_excerpt(arguments: argparse.Namespace) -> int:
    print(excerpt(arguments.excerpt_id, arguments.data))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qantar", description=__doc__)
    parser.add_argument("--data", metavar="DIR", help="the data folder (default: the checkout's data/)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("validate", help="check every table against data/datapackage.json"
                        ).set_defaults(run=command_validate)
    quotes = commands.add_parser("check-quotes", help="check that every quotation is verbatim in its archived source")
    quotes.add_argument("--archive", metavar="DIR", help="folder of archived full texts")
    quotes.set_defaults(run=command_check_quotes)
    show = commands.add_parser("excerpt", help="print one excerpt with its attribution")
    show.add_argument("excerpt_id")
    show.set_defaults(run=command_excerpt)
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    try:
        return arguments.run(arguments)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
