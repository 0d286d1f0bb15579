"""The ``qantar`` command line: check the data and the quotations, show an excerpt."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qantar.data import DataError, validate_all
from qantar.excerpts import default_archive, excerpt, verify_quotes
from qantar.sandbox import SandboxUnavailable


def command_validate(arguments: argparse.Namespace) -> int:
    counts = validate_all(arguments.data)
    for name, count in counts.items():
        print(f"{name:<16} {count:>5} rows  ok")
    return 0


def command_check_quotes(arguments: argparse.Namespace) -> int:
    archive = Path(arguments.archive) if arguments.archive else default_archive()
    if archive is None or not archive.is_dir():
        print(
            "No archive of full texts found: set --archive or QANTAR_SOURCE_ARCHIVE "
            "(the maintainers keep it in ../shared/seeds).",
            file=sys.stderr,
        )
        return 2
    problems, checked = verify_quotes(archive, arguments.data)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{checked} quotations checked against {archive}: {len(problems)} not verbatim")
    return 1 if problems else 0


def command_check_evidence(arguments: argparse.Namespace) -> int:
    from qantar.evidence import check_evidence

    archive = Path(arguments.archive) if arguments.archive else default_archive()
    problems, checked = check_evidence(archive if archive and archive.is_dir() else None, arguments.data)
    for problem in problems:
        print(problem, file=sys.stderr)
    where = f" ({checked} passages checked verbatim against {archive})" if archive and archive.is_dir() else ""
    print(f"evidence: {len(problems)} problems{where}")
    return 1 if problems else 0


def command_excerpt(arguments: argparse.Namespace) -> int:
    print(excerpt(arguments.excerpt_id, arguments.data))
    return 0


def command_assign(arguments: argparse.Namespace) -> int:
    from qantar.instructor import assign, practice_warning, select_exercises

    ids = [i.strip() for i in arguments.exercises.split(",") if i.strip()] if arguments.exercises else None
    exercises = select_exercises(arguments.chapter, ids, assessed_only=arguments.assessed_only)
    warning = practice_warning(exercises)
    if warning:
        print(warning, file=sys.stderr)
    outputs = assign(exercises, arguments.name, Path(arguments.out))
    print(f"student notebook:  {outputs['student']}")
    print(f"autograder zip:    {outputs['autograder']}")
    print(f"solution notebook: {outputs['solution']} (keep it private)")
    return 0


def command_grade(arguments: argparse.Namespace) -> int:
    from qantar.gradebook import grade

    def report(row):
        print(f"{row.file}: {row.status}, {row.total:g} points. {row.message}", flush=True)

    result = grade(
        Path(arguments.autograder),
        Path(arguments.submissions),
        Path(arguments.out),
        jobs=arguments.jobs,
        timeout=arguments.timeout,
        roster=Path(arguments.roster) if arguments.roster else None,
        format=arguments.format,
        deadline=arguments.deadline,
        only=arguments.only,
        title=arguments.title,
        progress_callback=report,
    )
    statuses = ("graded", "timeout", "stopped", "error", "invalid")
    counts = {status: sum(1 for r in result.rows if r.status == status) for status in statuses}
    print(
        f"{len(result.rows)} submissions: "
        + ", ".join(f"{n} {s}" for s, n in counts.items() if n or s == "graded")
        + f". Gradebook ({arguments.format}): {arguments.out}"
    )
    print(f"Feedback, one file per submission: {result.outputs['feedback']}")
    flagged = [r for r in result.rows if r.flags]
    if flagged:
        print(f"{len(flagged)} submissions have review notes (the flags column); they do not change a score.")
    for student in result.missing:
        print(f"no submission from {student.name or student.student_id or student.email}")
    for skipped in result.skipped:
        print(f"skipped: {skipped}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qantar", description=__doc__)
    parser.add_argument("--data", metavar="DIR", help="the data folder (default: the checkout's data/)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("validate", help="check every table against data/datapackage.json").set_defaults(
        run=command_validate
    )
    quotes = commands.add_parser("check-quotes", help="check that every quotation is verbatim in its archived source")
    quotes.add_argument("--archive", metavar="DIR", help="folder of archived full texts")
    quotes.set_defaults(run=command_check_quotes)
    evidence = commands.add_parser(
        "check-evidence",
        help="check that every fact row quotes the passage of its "
        "source that supports it (verbatim for the five articles)",
    )
    evidence.add_argument("--archive", metavar="DIR", help="folder of archived full texts")
    evidence.set_defaults(run=command_check_evidence)
    show = commands.add_parser("excerpt", help="print one excerpt with its attribution")
    show.add_argument("excerpt_id")
    show.set_defaults(run=command_excerpt)
    assign = commands.add_parser("assign", help="make an otter-grader assignment from the question bank")
    which = assign.add_mutually_exclusive_group(required=True)
    which.add_argument("--chapter", metavar="SLUG", help="every exercise of one chapter")
    which.add_argument("--exercises", metavar="ID,ID,...", help="these exercises, in this order")
    assign.add_argument("--name", required=True, help="the assignment's name (becomes the notebook's file name)")
    assign.add_argument("--out", required=True, metavar="DIR", help="a new or empty folder for the outputs")
    assign.add_argument(
        "--assessed-only",
        action="store_true",
        help="leave out practice questions (their keys are public in the book)",
    )
    assign.set_defaults(run=command_assign)
    grade = commands.add_parser(
        "grade", help="grade a class's submissions, each in a sandbox, into a gradebook and feedback files"
    )
    grade.add_argument("--autograder", required=True, metavar="ZIP", help="the zip that `qantar assign` made")
    grade.add_argument(
        "--submissions",
        required=True,
        metavar="DIR|ZIP",
        help="the submitted notebooks: a folder, Moodle's folder per student, Canvas's download, or a zip of one",
    )
    grade.add_argument("--out", required=True, metavar="CSV", help="the gradebook to write")
    grade.add_argument("--jobs", type=int, default=2, help="submissions graded at once (default 2)")
    grade.add_argument("--timeout", type=float, default=120.0, help="seconds allowed per submission (default 120)")
    grade.add_argument("--roster", metavar="CSV", help="who is who: columns match, student_id, name, email")
    grade.add_argument(
        "--format", choices=("plain", "canvas", "moodle"), default="plain", help="the gradebook's layout"
    )
    grade.add_argument("--deadline", metavar="WHEN", help="e.g. 2026-12-01T23:59: adds a late column")
    grade.add_argument("--only", metavar="FILE", action="append", help="regrade this file only (repeatable)")
    grade.add_argument("--title", help="the assignment's column name in Canvas, e.g. 'Quiz 1 (67890)'")
    grade.set_defaults(run=command_grade)
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    try:
        return arguments.run(arguments)
    except (DataError, ValueError, SandboxUnavailable) as error:  # BankError, GradingError: a message
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
